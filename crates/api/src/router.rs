//! The HTTP face of the API: `POST /` with `X-Amz-Target: AWSStepFunctions.<Action>` is
//! parsed, checked and dispatched to a [`StepFunctions`] implementation; `GET /health`
//! answers 200.
//!
//! The router claims only those two routes and sets no fallback, so others can
//! [`Router::merge`] callback pages, a console (even at `GET /`) or `/metrics` into it. It
//! ignores the `Host` header, so StartSyncExecution and TestState, which SDKs send to a
//! `sync-` prefixed host, work on the same listener. It performs no authentication: see
//! [`crate::auth`], applied after merging.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;

use crate::constraints::Constraints;
use crate::decode::decode;
use crate::error::{ApiError, ErrorCode, AMZ_JSON};
use crate::service::StepFunctions;

/// The `X-Amz-Target` prefix of every Step Functions action.
pub const TARGET_PREFIX: &str = "AWSStepFunctions.";

/// Settings of [`router`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouterConfig {
    /// Largest accepted request body. Default 4 MiB: room for a 1 MiB definition or a
    /// 256 KiB input with JSON escaping (Lambda behind API Gateway caps payloads at 6 MB).
    pub max_body_bytes: usize,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self { max_body_bytes: 4 * 1024 * 1024 }
    }
}

impl RouterConfig {
    /// The default with another body limit.
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }
}

/// The Step Functions API router: `POST /` (the JSON API) and `GET /health`.
pub fn router(service: Arc<dyn StepFunctions>, config: &RouterConfig) -> Router {
    Router::new()
        .route("/", post(handle).layer(DefaultBodyLimit::max(config.max_body_bytes)))
        .route("/health", get(health))
        .with_state(service)
}

async fn health() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#).into_response()
}

async fn handle(
    State(service): State<Arc<dyn StepFunctions>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut response = match process(service.as_ref(), &headers, body).await {
        Ok(json) => {
            let mut ok = (StatusCode::OK, json).into_response();
            ok.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
            ok
        }
        Err(err) => err.into_response(),
    };
    if let Ok(id) = HeaderValue::from_str(&request_id()) {
        response.headers_mut().insert("x-amzn-RequestId", id);
    }
    response
}

async fn process(
    service: &dyn StepFunctions,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Vec<u8>, ApiError> {
    let action = action_of(headers)?;
    check_content_type(headers)?;
    let body = body.map_err(|rejection| match rejection {
        BytesRejection::FailedToBufferBody(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::validation(format!("Request body is larger than this server accepts: {rejection}"))
        }
        _ => ApiError::new(
            ErrorCode::SerializationException,
            format!("Cannot read the request body: {rejection}"),
        ),
    })?;
    action.call(service, &body).await
}

fn action_of(headers: &HeaderMap) -> Result<Action, ApiError> {
    let unknown = |msg: String| ApiError::new(ErrorCode::UnknownOperationException, msg);
    let Some(target) = headers.get("x-amz-target") else {
        return Err(unknown(format!(
            "Missing X-Amz-Target header: expected {TARGET_PREFIX}<Action>, e.g. {TARGET_PREFIX}StartExecution"
        )));
    };
    let target = target.to_str().map_err(|_| unknown("X-Amz-Target header is not ASCII".into()))?;
    target
        .strip_prefix(TARGET_PREFIX)
        .and_then(Action::from_name)
        .ok_or_else(|| unknown(format!("Unknown operation '{target}': expected {TARGET_PREFIX}<Action>")))
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let value = headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or("(not ASCII)"));
    let essence = value.and_then(|v| v.split(';').next()).map(str::trim);
    match essence {
        Some(t) if t.eq_ignore_ascii_case(AMZ_JSON) || t.eq_ignore_ascii_case("application/json") => Ok(()),
        _ => Err(ApiError::new(
            ErrorCode::SerializationException,
            format!(
                "Unsupported Content-Type {}: send {AMZ_JSON} (or application/json)",
                value.map_or_else(|| "(none)".to_owned(), |v| format!("'{v}'"))
            ),
        )),
    }
}

fn encode<T: Serialize>(output: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(output)
        .map_err(|err| ApiError::internal(format!("Cannot serialize the response: {err}")))
}

/// A fresh `x-amzn-RequestId` in UUID form. Unique per process (a counter) and unlikely to
/// repeat across processes (std's randomly keyed hasher); not a secret.
fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut high = RandomState::new().build_hasher();
    high.write_u64(n);
    let mut low = RandomState::new().build_hasher();
    low.write_u64(!n);
    let (a, b) = (high.finish(), low.finish());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// Declares the actions: the [`Action`] enum and the dispatch from an action and a body to
/// the trait method, so one table says which method and types serve which target.
macro_rules! actions {
    ($($action:ident => $method:ident,)+) => {
        /// A Step Functions API action (the part of `X-Amz-Target` after `AWSStepFunctions.`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Action {
            $($action,)+
        }

        impl Action {
            /// Every action the router dispatches.
            pub const ALL: &'static [Action] = &[$(Action::$action),+];

            /// The action's name, e.g. `StartExecution`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$action => stringify!($action),)+
                }
            }

            /// The action named `name` (case-sensitive, as AWS matches it).
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $(stringify!($action) => Some(Self::$action),)+
                    _ => None,
                }
            }

            /// Decodes and checks `body`, calls the service and encodes its answer.
            async fn call(self, service: &dyn StepFunctions, body: &[u8]) -> Result<Vec<u8>, ApiError> {
                match self {
                    $(Self::$action => {
                        let input = decode(body)?;
                        Constraints::check(&input)?;
                        encode(&service.$method(input).await?)
                    })+
                }
            }
        }
    };
}

actions! {
    CreateStateMachine => create_state_machine,
    DescribeStateMachine => describe_state_machine,
    UpdateStateMachine => update_state_machine,
    DeleteStateMachine => delete_state_machine,
    ListStateMachines => list_state_machines,
    PublishStateMachineVersion => publish_state_machine_version,
    ListStateMachineVersions => list_state_machine_versions,
    DeleteStateMachineVersion => delete_state_machine_version,
    CreateStateMachineAlias => create_state_machine_alias,
    DescribeStateMachineAlias => describe_state_machine_alias,
    UpdateStateMachineAlias => update_state_machine_alias,
    DeleteStateMachineAlias => delete_state_machine_alias,
    ListStateMachineAliases => list_state_machine_aliases,
    StartExecution => start_execution,
    StartSyncExecution => start_sync_execution,
    StopExecution => stop_execution,
    DescribeExecution => describe_execution,
    DescribeStateMachineForExecution => describe_state_machine_for_execution,
    ListExecutions => list_executions,
    GetExecutionHistory => get_execution_history,
    RedriveExecution => redrive_execution,
    SendTaskSuccess => send_task_success,
    SendTaskFailure => send_task_failure,
    SendTaskHeartbeat => send_task_heartbeat,
    CreateActivity => create_activity,
    DescribeActivity => describe_activity,
    DeleteActivity => delete_activity,
    ListActivities => list_activities,
    GetActivityTask => get_activity_task,
    ValidateStateMachineDefinition => validate_state_machine_definition,
    TestState => test_state,
    TagResource => tag_resource,
    UntagResource => untag_resource,
    ListTagsForResource => list_tags_for_resource,
    DescribeMapRun => describe_map_run,
    ListMapRuns => list_map_runs,
    UpdateMapRun => update_map_run,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_look_like_uuids_and_differ() {
        let (a, b) = (request_id(), request_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }

    #[test]
    fn action_names_round_trip() {
        assert_eq!(Action::ALL.len(), 37);
        for action in Action::ALL {
            assert_eq!(Action::from_name(action.as_str()), Some(*action));
        }
        assert_eq!(Action::from_name("startExecution"), None);
    }
}
