//! Structured log events (`tracing`) for operators: one per execution start, end and
//! redrive (an [`Observer`] of the engine), and one per HTTP request with the API action it
//! named ([`with_request_log`]). Where they go, and whether as JSON or text, is the binary's
//! choice (its `tracing` subscriber); with none installed they cost next to nothing.

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use statecraft_runtime::observe::{state_machine_name, Observer};
use statecraft_runtime::ports::{ExecutionStatus, ExecutionSummary};

/// Logs execution lifecycle events at `info` (failures at `warn`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Logs;

impl Observer for Logs {
    fn started(&self, e: &ExecutionSummary) {
        let state_machine = state_machine_name(e);
        if e.redrive_count == 0 {
            tracing::info!(execution_arn = %e.arn, state_machine, "execution started");
        } else {
            tracing::info!(execution_arn = %e.arn, state_machine, redrive_count = e.redrive_count, "execution redriven");
        }
    }

    fn finished(&self, e: &ExecutionSummary) {
        let state_machine = state_machine_name(e);
        let status = e.status.as_str();
        if e.status == ExecutionStatus::Succeeded {
            tracing::info!(execution_arn = %e.arn, state_machine, status, "execution finished");
        } else {
            tracing::warn!(
                execution_arn = %e.arn,
                state_machine,
                status,
                error = e.error.as_deref().unwrap_or_default(),
                cause = e.cause.as_deref().unwrap_or_default(),
                "execution finished"
            );
        }
    }
}

/// `router` with one log event per request: method, path, API action (`X-Amz-Target`),
/// status and milliseconds taken. Apply outside auth, so refusals are logged too.
pub fn with_request_log(router: Router) -> Router {
    router.layer(middleware::from_fn(log_request))
}

async fn log_request(request: Request, next: Next) -> Response {
    let began = std::time::Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let action = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_string())
        .unwrap_or_default();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let millis = began.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, path, action, status, millis, "request");
    } else {
        tracing::info!(%method, path, action, status, millis, "request");
    }
    response
}
