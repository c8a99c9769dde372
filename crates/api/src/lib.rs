//! The AWS Step Functions JSON API, independent of any engine or storage: wire types for
//! every action ([`types`]), the [`StepFunctions`] trait an implementation provides, the
//! [`ApiError`] that renders AWS's error shape, and an axum [`router()`] speaking the AWS
//! JSON 1.0 protocol (`POST /` + `X-Amz-Target: AWSStepFunctions.<Action>`), so the AWS
//! CLI, boto3 and the AWS SDKs work against it unchanged. Statecraft's own operator actions
//! (`X-Amz-Target: Statecraft.<Action>`) are in [`extensions`].
//!
//! ```no_run
//! # use std::sync::Arc;
//! # async fn serve(service: Arc<dyn statecraft_api::StepFunctions>) -> std::io::Result<()> {
//! use statecraft_api::{router, with_auth, AuthConfig, RouterConfig};
//! let app = router(service, &RouterConfig::default()); // .merge(other routes) here
//! let app = with_auth(app, AuthConfig::bearer("s3cret")); // last, so it covers them
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8083").await?;
//! axum::serve(listener, app).await
//! # }
//! ```
//!
//! The same `Router` runs under `lambda_http::run` behind API Gateway. Behind a REST API
//! stage, lambda_http puts the stage in the path (`/prod/`), which this router does not
//! serve: set `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH=true` on the function. This crate does no
//! I/O of its own beyond HTTP framing, holds no state, and never decides what an action
//! *does*: that is the implementation's, behind the trait.

pub mod auth;
pub mod callback;
mod constraints;
mod decode;
pub mod error;
pub mod extensions;
pub mod router;
pub mod service;
pub mod types;

pub use auth::{with_auth, AuthConfig};
pub use error::{ApiError, ErrorCode, KmsKeyState, ValidationExceptionReason};
pub use router::{router, Action, RouterConfig, TARGET_PREFIX};
pub use service::StepFunctions;
