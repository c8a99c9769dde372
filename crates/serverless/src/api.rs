//! The api function's HTTP surface: the Step Functions JSON API router and the callback URLs
//! (public: the task token in the URL is the credential), over the control plane
//! (`statecraft-service`) driven by a [`ServerlessDriver`]. The same `Router` runs under
//! `lambda_http::run` behind API Gateway and under `axum::serve` or `tower::ServiceExt::oneshot`
//! in tests.

use crate::driver::ServerlessDriver;
use statecraft_api::{router as api_router, with_auth, AuthConfig, RouterConfig, StepFunctions};
use statecraft_service::Service;
use std::sync::Arc;

/// The API and callback routes; with `token`, every route but the callbacks and `/health`
/// requires `Authorization: Bearer <token>` (or the token as a SigV4 access key id).
pub fn router(driver: ServerlessDriver, token: Option<String>) -> axum::Router {
    let service: Arc<dyn StepFunctions> = Arc::new(Service::with_driver(Arc::new(driver)));
    let app = api_router(service.clone(), &RouterConfig::default())
        .merge(statecraft_api::callback::router(service));
    match token {
        Some(t) => with_auth(app, AuthConfig::bearer(t).with_sigv4_access_key(true)),
        None => app,
    }
}
