//! Callback URLs for manual approval: a task token in a URL is the credential, so a person can
//! approve a step by clicking a link (a person cannot sign a request).
//!
//! - `GET /callback/{token}` shows a page with Approve and Reject buttons. It changes nothing
//!   (mail scanners and link previews fetch links).
//! - `POST /callback/{token}/approve` and `/reject` are what the buttons send (form posts);
//!   they answer with a page.
//! - `POST /callback/{token}/success` (body: the task output, JSON) and
//!   `/callback/{token}/failure` (body: `{"error", "cause"}`) are for programs; they answer
//!   with JSON.
//!
//! Everything goes through the [`StepFunctions`] trait (SendTaskSuccess / SendTaskFailure), so
//! tokens stay single use and expire exactly as they do through the API.

use crate::error::ApiError;
use crate::service::StepFunctions;
use crate::types::{SendTaskFailureInput, SendTaskSuccessInput};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;

/// The path prefix of callback routes (public: no bearer token).
pub const PREFIX: &str = "/callback/";

/// The callback routes, to merge into the API router before auth is applied.
pub fn router(service: Arc<dyn StepFunctions>) -> Router {
    Router::new()
        .route("/callback/{token}", get(page))
        .route("/callback/{token}/approve", post(approve))
        .route("/callback/{token}/reject", post(reject))
        .route("/callback/{token}/success", post(success))
        .route("/callback/{token}/failure", post(failure))
        .with_state(service)
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let doc = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{t}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}}\
         button{{font-size:1.1rem;padding:.6rem 1.4rem;margin-right:1rem;border-radius:.4rem;border:1px solid #888;cursor:pointer}}\
         .approve{{background:#2e7d32;color:#fff}}.reject{{background:#c62828;color:#fff}}textarea{{width:100%}}</style></head>\
         <body><h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], doc)
        .into_response()
}

async fn page(Path(token): Path<String>) -> Response {
    let t = esc(&token);
    html(
        StatusCode::OK,
        "Approval requested",
        &format!(
            "<p>A workflow is waiting for your decision.</p>\
             <form method=\"post\" action=\"/callback/{t}/approve\"><p><label>Comment (optional)<br>\
             <textarea name=\"comment\" rows=\"3\"></textarea></label></p>\
             <button class=\"approve\" type=\"submit\" id=\"approve\">Approve</button>\
             <button class=\"reject\" type=\"submit\" id=\"reject\" formaction=\"/callback/{t}/reject\">Reject</button></form>"
        ),
    )
}

/// The `comment` field of a form post, if any.
fn comment(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "comment").then(|| decode_form(v)).filter(|c| !c.is_empty())
    })
}

/// `application/x-www-form-urlencoded` value decoding (also used for query strings).
pub fn decode_form(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn outcome_page(result: Result<(), ApiError>, done: &str) -> Response {
    match result {
        Ok(()) => html(StatusCode::OK, done, "<p>Thank you: the workflow continues.</p>"),
        Err(e) => html(
            StatusCode::GONE,
            "This link can no longer be used",
            &format!("<p>{}</p><p><code>{}</code></p>", esc(e.message()), esc(e.code().as_str())),
        ),
    }
}

async fn approve(
    State(svc): State<Arc<dyn StepFunctions>>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let output = serde_json::json!({ "approved": true, "comment": comment(&body) });
    let r = svc
        .send_task_success(SendTaskSuccessInput { task_token: token, output: output.to_string() })
        .await
        .map(|_| ());
    outcome_page(r, "Approved")
}

async fn reject(
    State(svc): State<Arc<dyn StepFunctions>>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let r = svc
        .send_task_failure(SendTaskFailureInput {
            task_token: token,
            error: Some("Rejected".into()),
            cause: Some(comment(&body).unwrap_or_else(|| "Rejected through the callback URL".into())),
        })
        .await
        .map(|_| ());
    outcome_page(r, "Rejected")
}

fn json_result(r: Result<(), ApiError>) -> Response {
    match r {
        Ok(()) => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "{}").into_response(),
        Err(e) => e.into_response(),
    }
}

async fn success(
    State(svc): State<Arc<dyn StepFunctions>>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let output = if body.is_empty() { "{}".to_string() } else { String::from_utf8_lossy(&body).into_owned() };
    json_result(svc.send_task_success(SendTaskSuccessInput { task_token: token, output }).await.map(|_| ()))
}

async fn failure(
    State(svc): State<Arc<dyn StepFunctions>>,
    Path(token): Path<String>,
    _headers: HeaderMap,
    body: Bytes,
) -> Response {
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    json_result(
        svc.send_task_failure(SendTaskFailureInput {
            task_token: token,
            error: field("error"),
            cause: field("cause"),
        })
        .await
        .map(|_| ()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_comments_are_decoded() {
        assert_eq!(comment(b"comment=looks+good%21"), Some("looks good!".into()));
        assert_eq!(comment(b"comment="), None);
        assert_eq!(comment(b"other=1"), None);
        assert_eq!(esc("<a href='x'>"), "&lt;a href=&#39;x&#39;&gt;");
    }
}
