//! Statecraft's own actions on the same wire as the AWS API: `POST /` with
//! `X-Amz-Target: Statecraft.<Action>` and an AWS JSON 1.0 body, answered in AWS's error
//! shape. They exist for what an operator must do that AWS's API has no words for.
//!
//! - `Statecraft.ListPendingTasks` `{"executionArn"}` lists the tasks of an execution that
//!   wait for a task token (`.waitForTaskToken` callbacks and activity tasks), each with a
//!   `taskId`: the hex SHA-256 of its token, which is what the server stores. It identifies
//!   the task and cannot be used as a token.
//! - `Statecraft.ResolvePendingTask` `{"executionArn", "taskId", "outcome": "SUCCESS" |
//!   "FAILURE", "output" | "error", "cause"}` completes one such task as its token holder
//!   would have: it goes through SendTaskSuccess / SendTaskFailure with that token, so it is
//!   single use and fails exactly as those actions would for a task that already completed
//!   (`InvalidToken`) or whose token expired (`TaskTimedOut`).
//!
//! Tokens are credentials and never leave the server; whoever may call the API (the bearer
//! token of [`crate::auth`]) may approve or reject what waits on one. This is how the web
//! console's Approve and Reject buttons work.
//!
//! [`layer`] adds the actions to a router by intercepting those targets before the AWS
//! router sees them; apply it before [`crate::with_auth`], which must stay outermost.

use std::sync::Arc;

use async_trait::async_trait;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::{Deserialize, Serialize};

use crate::decode::decode;
use crate::error::{ApiError, ErrorCode, AMZ_JSON};

/// The `X-Amz-Target` prefix of Statecraft's own actions.
pub const TARGET_PREFIX: &str = "Statecraft.";

/// Largest accepted body of an extension action (an output is at most 256 KiB, escaped).
const MAX_BODY: usize = 1024 * 1024;

/// `ListPendingTasks` request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPendingTasksInput {
    pub execution_arn: String,
}

/// `ListPendingTasks` response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPendingTasksOutput {
    pub pending_tasks: Vec<PendingTask>,
}

/// A task waiting for its token.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingTask {
    /// Hex SHA-256 of the task token.
    pub task_id: String,
    pub state_name: String,
    /// The Task state's resource ARN.
    pub resource: String,
    /// `CALLBACK` (`.waitForTaskToken`) or `ACTIVITY`.
    pub kind: String,
    /// The task's input (its evaluated parameters), as JSON text.
    pub input: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_seconds: Option<u64>,
}

/// `ResolvePendingTask` request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvePendingTaskInput {
    pub execution_arn: String,
    pub task_id: String,
    /// `SUCCESS` (with `output`) or `FAILURE` (with `error` and `cause`).
    pub outcome: String,
    /// JSON text; default `{}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

/// `ResolvePendingTask` response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResolvePendingTaskOutput {}

/// Statecraft's own actions, implemented by the control plane.
#[async_trait]
pub trait Extensions: Send + Sync {
    /// Errors: ExecutionDoesNotExist, InvalidArn.
    async fn list_pending_tasks(
        &self,
        input: ListPendingTasksInput,
    ) -> Result<ListPendingTasksOutput, ApiError>;

    /// Errors: ExecutionDoesNotExist, InvalidArn, ValidationException (bad `outcome`), and
    /// whatever SendTaskSuccess / SendTaskFailure return: InvalidToken (the task is no longer
    /// pending), TaskTimedOut, InvalidOutput.
    async fn resolve_pending_task(
        &self,
        input: ResolvePendingTaskInput,
    ) -> Result<ResolvePendingTaskOutput, ApiError>;
}

/// `router` answering `Statecraft.*` targets on `POST /` from `extensions`; every other
/// request goes on to `router` unchanged.
pub fn layer(router: Router, extensions: Arc<dyn Extensions>) -> Router {
    router.layer(middleware::from_fn_with_state(extensions, intercept))
}

async fn intercept(State(ext): State<Arc<dyn Extensions>>, request: Request, next: Next) -> Response {
    let action = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .map(str::to_owned);
    let Some(action) = action.filter(|_| request.method() == Method::POST && request.uri().path() == "/")
    else {
        return next.run(request).await;
    };
    let body = match to_bytes(request.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return ApiError::validation(format!("Cannot read the request body: {e}")).into_response(),
    };
    match call(ext.as_ref(), &action, &body).await {
        Ok(json) => {
            let mut ok = (StatusCode::OK, Body::from(json)).into_response();
            ok.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
            ok
        }
        Err(e) => e.into_response(),
    }
}

async fn call(ext: &dyn Extensions, action: &str, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let encoded = match action {
        "ListPendingTasks" => serde_json::to_vec(&ext.list_pending_tasks(decode(body)?).await?),
        "ResolvePendingTask" => serde_json::to_vec(&ext.resolve_pending_task(decode(body)?).await?),
        _ => {
            return Err(ApiError::new(
                ErrorCode::UnknownOperationException,
                format!(
                    "Unknown operation '{TARGET_PREFIX}{action}': expected {TARGET_PREFIX}ListPendingTasks or {TARGET_PREFIX}ResolvePendingTask"
                ),
            ))
        }
    };
    encoded.map_err(|e| ApiError::internal(format!("Cannot serialize the response: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::StepFunctions;
    use axum::http::Request as HttpRequest;
    use http_body_util::BodyExt;
    use std::sync::Mutex;
    use tower::ServiceExt;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<ResolvePendingTaskInput>>);

    #[async_trait]
    impl Extensions for Recorder {
        async fn list_pending_tasks(
            &self,
            input: ListPendingTasksInput,
        ) -> Result<ListPendingTasksOutput, ApiError> {
            Ok(ListPendingTasksOutput {
                pending_tasks: vec![PendingTask {
                    task_id: "ab".into(),
                    state_name: input.execution_arn,
                    kind: "CALLBACK".into(),
                    ..Default::default()
                }],
            })
        }

        async fn resolve_pending_task(
            &self,
            input: ResolvePendingTaskInput,
        ) -> Result<ResolvePendingTaskOutput, ApiError> {
            if input.task_id == "spent" {
                return Err(ApiError::new(ErrorCode::InvalidToken, "Invalid Token"));
            }
            self.0.lock().unwrap().push(input);
            Ok(ResolvePendingTaskOutput {})
        }
    }

    fn app(ext: Arc<Recorder>) -> Router {
        let fallback = Router::new().route("/", axum::routing::post(|| async { "aws" }));
        layer(fallback, ext)
    }

    async fn send(app: Router, target: &str, body: &str) -> (StatusCode, String) {
        let req = HttpRequest::post("/")
            .header("x-amz-target", target)
            .header("content-type", AMZ_JSON)
            .body(Body::from(body.to_owned()))
            .unwrap();
        let resp = app.oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn dispatches_statecraft_targets_and_passes_the_rest_on() {
        let ext = Arc::new(Recorder::default());
        let (s, body) =
            send(app(ext.clone()), "Statecraft.ListPendingTasks", r#"{"executionArn":"e"}"#).await;
        assert_eq!(s, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["pendingTasks"][0]["taskId"], "ab");
        assert_eq!(v["pendingTasks"][0]["stateName"], "e");

        let (s, _) = send(
            app(ext.clone()),
            "Statecraft.ResolvePendingTask",
            r#"{"executionArn":"e","taskId":"t","outcome":"FAILURE","error":"Rejected"}"#,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(ext.0.lock().unwrap()[0].error.as_deref(), Some("Rejected"));

        let (s, body) = send(
            app(ext.clone()),
            "Statecraft.ResolvePendingTask",
            r#"{"executionArn":"e","taskId":"spent","outcome":"SUCCESS"}"#,
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("InvalidToken"), "{body}");

        let (s, body) =
            send(app(ext.clone()), "Statecraft.ResolvePendingTask", r#"{"executionArn":"e"}"#).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("taskId"), "{body}");

        let (_, body) = send(app(ext.clone()), "Statecraft.Nope", "{}").await;
        assert!(body.contains("UnknownOperationException"), "{body}");

        let (s, body) = send(app(ext), "AWSStepFunctions.ListStateMachines", "{}").await;
        assert_eq!((s, body.as_str()), (StatusCode::OK, "aws"));
    }

    // The trait stays object safe alongside the AWS one.
    #[allow(dead_code)]
    fn object_safe(_: Arc<dyn Extensions>, _: Arc<dyn StepFunctions>) {}
}
