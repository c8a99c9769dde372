//! `statecraft serve`'s side of triggers and notifications: the [`Starter`] the triggers start
//! executions through (the Step Functions API itself, so names, ARNs, versions, aliases and
//! input checks are the API's), the `POST /start/{trigger}` route, and the setup that
//! `serve` calls.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use statecraft_api::types::{DescribeExecutionInput, StartExecutionInput};
use statecraft_api::{ErrorCode, StepFunctions};
use statecraft_runtime::triggers::http::{Credentials, StartUrls, MAX_BODY_BYTES};
use statecraft_runtime::triggers::{StartError, StartRequest, Started, Starter};
use statecraft_service::Scope;
use std::sync::Arc;

/// Starts trigger executions through the API.
pub(crate) struct ApiStarter {
    pub(crate) service: Arc<dyn StepFunctions>,
    pub(crate) scope: Scope,
}

fn millis(t: statecraft_api::types::Timestamp) -> i64 {
    (t.as_secs_f64() * 1000.0).round() as i64
}

#[async_trait::async_trait]
impl Starter for ApiStarter {
    async fn start(&self, request: StartRequest) -> Result<Started, StartError> {
        let machine_arn = if request.state_machine.starts_with("arn:") {
            request.state_machine.clone()
        } else {
            self.scope.state_machine_arn(&request.state_machine)
        };
        // `arn:...:stateMachine:NAME[:qualifier]`: executions are named after NAME.
        let machine_name = machine_arn.split(':').nth(6).unwrap_or_default().to_string();
        let existing = |name: &str| self.scope.execution_arn(&machine_name, name);
        if let Some(name) = &request.name {
            let describe = DescribeExecutionInput { execution_arn: existing(name), ..Default::default() };
            if let Ok(out) = self.service.describe_execution(describe).await {
                return Ok(Started {
                    execution_arn: out.execution_arn,
                    start_date: millis(out.start_date),
                    created: false,
                });
            }
        }
        let input = StartExecutionInput {
            state_machine_arn: machine_arn,
            name: request.name.clone(),
            input: Some(request.input),
            ..Default::default()
        };
        match self.service.start_execution(input).await {
            Ok(out) => Ok(Started {
                execution_arn: out.execution_arn,
                start_date: millis(out.start_date),
                created: true,
            }),
            Err(e) if e.code() == ErrorCode::ExecutionAlreadyExists => Ok(Started {
                execution_arn: existing(request.name.as_deref().unwrap_or_default()),
                start_date: 0,
                created: false,
            }),
            Err(e) => match e.code() {
                ErrorCode::StateMachineDoesNotExist
                | ErrorCode::StateMachineDeleting
                | ErrorCode::InvalidArn
                | ErrorCode::InvalidName
                | ErrorCode::InvalidExecutionInput
                | ErrorCode::ValidationException => Err(StartError::Rejected {
                    code: e.code().as_str().to_string(),
                    message: e.message().to_string(),
                }),
                _ => Err(StartError::Transient(format!("{}: {}", e.code().as_str(), e.message()))),
            },
        }
    }
}

/// `POST /start/{trigger}`, answered by `urls`. Not behind the bearer token: each trigger has
/// its own secret.
pub(crate) fn router(urls: Arc<StartUrls>) -> Router {
    Router::new()
        .route("/start/{trigger}", post(start).layer(DefaultBodyLimit::max(MAX_BODY_BYTES + 1)))
        .with_state(urls)
}

async fn start(
    State(urls): State<Arc<StartUrls>>,
    Path(trigger): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let Ok(body) = body else {
        return reply(
            413,
            &serde_json::json!({"message": format!("the input exceeds {MAX_BODY_BYTES} bytes")}),
        );
    };
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let credentials = Credentials {
        authorization: get(header::AUTHORIZATION.as_str()),
        signature: get("x-statecraft-signature"),
        timestamp: get("x-statecraft-timestamp"),
    };
    let r = urls.handle(&trigger, credentials, get("idempotency-key"), &body).await;
    reply(r.status, &r.body)
}

fn reply(status: u16, body: &serde_json::Value) -> Response {
    let mut response =
        (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), body.to_string())
            .into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
