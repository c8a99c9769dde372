//! The operator's surface of `statecraft serve`: the web console and Prometheus `/metrics`.
//!
//! The console is one page of hand-written HTML, CSS and vanilla JavaScript embedded in the
//! binary (`assets/`, no Node toolchain). Its script calls the very same Step Functions JSON
//! API as any client (`POST /`, `X-Amz-Target: AWSStepFunctions.<Action>`, and Statecraft's
//! operator actions `Statecraft.<Action>` for pending callbacks) with the same bearer token,
//! so nothing in the console can do what the API would refuse. The few things the API has no
//! action for are read-only endpoints under `/console/api/`, answered through the same
//! [`StepFunctions`] trait and behind the same auth:
//!
//! - `GET /console/api/graph?stateMachineArn=ARN` or `?executionArn=ARN`: the state
//!   machine's graph as SVG (`statecraft-graph`), for an execution coloured by the status of
//!   each state ([`status`]).
//! - `GET /console/api/execution-status?executionArn=ARN`: those statuses as JSON, which the
//!   page polls to recolour the graph live.
//! - `POST /console/api/validate` `{"definition", "type"}`: ValidateStateMachineDefinition's
//!   diagnostics with the line and column their location points at ([`locate`]), plus the
//!   line of every state, so a click on the graph can show the state's definition.
//!
//! Only the page shell and its static assets are public ([`public`]): they hold no data; the
//! page asks for the token when the API answers 401 and keeps it in `sessionStorage`.
//! `/metrics` ([`metrics`]) follows the API's auth too.

pub mod locate;
pub mod logs;
pub mod metrics;
pub mod status;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use statecraft_api::callback::decode_form;
use statecraft_api::types::*;
use statecraft_api::{ApiError, AuthConfig, ErrorCode, StepFunctions};
use statecraft_runtime::engine::Engine;
use std::sync::Arc;

pub use metrics::Metrics;

/// Histories longer than this are not read whole for the graph's statuses (AWS stops a
/// standard execution at 25,000 events).
pub const MAX_HISTORY_EVENTS: usize = 100_000;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");
const FAVICON: &str = include_str!("../assets/favicon.svg");

/// The path prefix of the console's static assets (public).
pub const ASSETS: &str = "/console/assets/";

#[derive(Clone)]
struct Console {
    service: Arc<dyn StepFunctions>,
}

/// The console's routes: the page at `GET /`, its assets under [`ASSETS`], and its
/// endpoints under `/console/api/`. Merge into the API router, then apply auth with
/// [`public`] so the page shell stays reachable.
pub fn router(service: Arc<dyn StepFunctions>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/console", get(index))
        .route("/console/assets/app.js", get(|| asset("text/javascript; charset=utf-8", APP_JS)))
        .route("/console/assets/app.css", get(|| asset("text/css; charset=utf-8", APP_CSS)))
        .route("/console/assets/favicon.svg", get(|| asset("image/svg+xml", FAVICON)))
        .route("/console/api/graph", get(graph))
        .route("/console/api/execution-status", get(execution_status))
        .route("/console/api/validate", post(validate))
        .with_state(Console { service })
}

/// `GET /metrics`: `metrics` rendered, with the engine's gauges when there is an engine.
pub fn metrics_router(metrics: Arc<Metrics>, engine: Option<Engine>) -> Router {
    let handler = move || {
        let (metrics, engine) = (metrics.clone(), engine.clone());
        async move {
            (
                [(header::CONTENT_TYPE, metrics::CONTENT_TYPE), (header::CACHE_CONTROL, "no-store")],
                metrics.render(engine.as_ref()),
            )
                .into_response()
        }
    };
    Router::new().route("/metrics", get(handler))
}

/// `auth` with the console's page shell and assets open (`GET /`, `GET /console`,
/// [`ASSETS`]): they hold no data, and a browser cannot send a bearer token when it loads a
/// page.
pub fn public(auth: AuthConfig) -> AuthConfig {
    auth.with_public_pages(["/", "/console"]).with_public_prefix(ASSETS)
}

async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::HeaderName::from_static("x-frame-options"), "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
            ),
        ],
        INDEX_HTML,
    )
        .into_response()
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

/// One parameter of a query string, percent-decoded.
fn param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode_form(k) == name).then(|| decode_form(v)).filter(|v| !v.is_empty())
    })
}

/// Every history event of an execution, without payloads (statuses need none).
async fn history(service: &dyn StepFunctions, execution_arn: &str) -> Result<Vec<Value>, ApiError> {
    let mut events = Vec::new();
    let mut next_token = None;
    loop {
        let page = service
            .get_execution_history(GetExecutionHistoryInput {
                execution_arn: execution_arn.to_string(),
                max_results: Some(1000),
                next_token,
                include_execution_data: Some(false),
                ..Default::default()
            })
            .await?;
        events.extend(page.events);
        next_token = page.next_token;
        if next_token.is_none() || events.len() >= MAX_HISTORY_EVENTS {
            return Ok(events);
        }
    }
}

fn missing(name: &str) -> ApiError {
    ApiError::validation(format!("Query parameter '{name}' is required"))
}

/// The SVG of a state machine, or of an execution's machine coloured by its history.
async fn graph_svg(service: &dyn StepFunctions, query: Option<&str>) -> Result<String, ApiError> {
    let (definition, title, statuses) = if let Some(arn) = param(query, "executionArn") {
        let sm = service
            .describe_state_machine_for_execution(DescribeStateMachineForExecutionInput {
                execution_arn: arn.clone(),
                ..Default::default()
            })
            .await?;
        let events = history(service, &arn).await?;
        (sm.definition, sm.name, status::derive(&events))
    } else if let Some(arn) = param(query, "stateMachineArn") {
        let sm = service
            .describe_state_machine(DescribeStateMachineInput {
                state_machine_arn: arn,
                ..Default::default()
            })
            .await?;
        (sm.definition, sm.name, Default::default())
    } else {
        return Err(missing("stateMachineArn' or 'executionArn"));
    };
    let def = statecraft_asl::parse(&definition, statecraft_asl::MachineType::Standard)
        .into_result()
        .map_err(|diags| {
            let first = diags.first().map(|d| d.to_string()).unwrap_or_default();
            ApiError::new(ErrorCode::InvalidDefinition, format!("The definition cannot be drawn: {first}"))
        })?;
    let opts = statecraft_graph::RenderOptions {
        statuses: statuses.into_iter().map(|(name, s)| (name, s.graph())).collect(),
        title: Some(title),
    };
    Ok(statecraft_graph::render(&def, statecraft_graph::Format::Svg, &opts))
}

async fn graph(State(c): State<Console>, RawQuery(query): RawQuery) -> Response {
    match graph_svg(c.service.as_ref(), query.as_deref()).await {
        Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")], svg)
            .into_response(),
        Err(e) => e.into_response(),
    }
}

fn json_response(v: &Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
        v.to_string(),
    )
        .into_response()
}

async fn execution_status(State(c): State<Console>, RawQuery(query): RawQuery) -> Response {
    let result = async {
        let arn = param(query.as_deref(), "executionArn").ok_or_else(|| missing("executionArn"))?;
        let described = c
            .service
            .describe_execution(DescribeExecutionInput { execution_arn: arn.clone(), ..Default::default() })
            .await?;
        let events = history(c.service.as_ref(), &arn).await?;
        let states: serde_json::Map<String, Value> =
            status::derive(&events).into_iter().map(|(k, v)| (k, Value::from(v.as_str()))).collect();
        let last = events.last().and_then(|e| e.get("id")).cloned().unwrap_or(Value::from(0));
        Ok::<_, ApiError>(json!({
            "status": serde_json::to_value(described.status).unwrap_or(Value::Null),
            "states": states,
            "lastEventId": last,
        }))
    }
    .await;
    match result {
        Ok(v) => json_response(&v),
        Err(e) => e.into_response(),
    }
}

async fn validate(State(c): State<Console>, body: Bytes) -> Response {
    let result = async {
        let req: Value = serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(ErrorCode::SerializationException, format!("Body is not JSON: {e}"))
        })?;
        let definition =
            req.get("definition").and_then(Value::as_str).ok_or_else(|| missing("definition"))?;
        let express = req.get("type").and_then(Value::as_str) == Some("EXPRESS");
        let out = c
            .service
            .validate_state_machine_definition(ValidateStateMachineDefinitionInput {
                definition: definition.to_string(),
                r#type: Some(if express { StateMachineType::Express } else { StateMachineType::Standard }),
                severity: Some(ValidateStateMachineDefinitionSeverity::Warning),
                max_results: Some(100),
            })
            .await?;
        Ok::<_, ApiError>(annotate(definition, &out))
    }
    .await;
    match result {
        Ok(v) => json_response(&v),
        Err(e) => e.into_response(),
    }
}

/// Validation output with positions: each diagnostic gets the `line` and `column` of its
/// location (the nearest enclosing place that exists in the text), and `states` maps every
/// state's pointer to its line.
pub fn annotate(definition: &str, out: &ValidateStateMachineDefinitionOutput) -> Value {
    let positions = locate::positions(definition);
    let find = |pointer: &str| {
        let mut p = pointer.to_string();
        loop {
            if let Some(pos) = positions.get(&p) {
                return Some(*pos);
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => return None,
            }
        }
    };
    let diagnostics: Vec<Value> = out
        .diagnostics
        .iter()
        .map(|d| {
            let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
            if let (Some(pos), Some(obj)) = (d.location.as_deref().and_then(find), v.as_object_mut()) {
                obj.insert("line".into(), pos.line.into());
                obj.insert("column".into(), pos.column.into());
            }
            v
        })
        .collect();
    let states: serde_json::Map<String, Value> = positions
        .iter()
        .filter(|(p, _)| p.rsplit_once('/').is_some_and(|(parent, _)| parent.ends_with("/States")))
        .map(|(p, pos)| (p.clone(), pos.line.into()))
        .collect();
    json!({
        "result": serde_json::to_value(out.result).unwrap_or(Value::Null),
        "diagnostics": diagnostics,
        "states": states,
    })
}

#[cfg(test)]
mod tests;
