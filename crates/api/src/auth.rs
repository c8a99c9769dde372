//! Optional bearer-token authentication for the whole HTTP surface.
//!
//! [`with_auth`] wraps a finished router (the API merged with whatever else the binary
//! serves), so it must be applied *after* every `merge`: axum layers cover only the routes
//! present when they are added. `/health` and the configured public prefixes (callback URLs
//! carry their own secret, the task token) stay open. A refusal is a 401 in the AWS error
//! shape with code `UnrecognizedClientException`.
//!
//! This is not AWS SigV4: signatures are never verified. AWS clients always sign, putting
//! their own `Authorization` header on the request, so a bearer token cannot reach the
//! server through them; [`AuthConfig::sigv4_access_key`] lets such clients in by using the
//! token as their access key ID instead.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::error::{ApiError, ErrorCode};

/// Who may call the server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthConfig {
    /// The shared secret; `None` turns authentication off.
    pub token: Option<String>,
    /// Path prefixes served without a token (besides `/health`). A prefix ending in `/`
    /// also covers the bare path without it: `/callback/` opens `/callback` and
    /// `/callback/...`, not `/callbacks`. Default: `["/callback/"]`.
    pub public_prefixes: Vec<String>,
    /// Also accept a SigV4 `Authorization` header whose access key ID
    /// (`Credential=<id>/...`) equals the token, for AWS CLI and SDK clients. The signature
    /// is not checked, so the key ID is a bearer secret like the token. Default: off.
    pub sigv4_access_key: bool,
    /// Exact paths whose `GET` and `HEAD` are served without a token: pages that hold no
    /// data of their own, such as a web console's shell, which then asks for the token and
    /// sends it with every call. Other methods on those paths still need the token.
    /// Default: none.
    pub public_pages: Vec<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            token: None,
            public_prefixes: vec!["/callback/".to_owned()],
            sigv4_access_key: false,
            public_pages: Vec::new(),
        }
    }
}

impl AuthConfig {
    /// Requires `Authorization: Bearer <token>`, with the default public prefixes.
    pub fn bearer(token: impl Into<String>) -> Self {
        Self { token: Some(token.into()), ..Self::default() }
    }

    /// Replaces the public prefixes.
    pub fn with_public_prefixes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, prefixes: I) -> Self {
        self.public_prefixes = prefixes.into_iter().map(Into::into).collect();
        self
    }

    /// Adds paths to [`AuthConfig::public_pages`].
    pub fn with_public_pages<I: IntoIterator<Item = S>, S: Into<String>>(mut self, pages: I) -> Self {
        self.public_pages.extend(pages.into_iter().map(Into::into));
        self
    }

    /// Adds a prefix to [`AuthConfig::public_prefixes`].
    pub fn with_public_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.public_prefixes.push(prefix.into());
        self
    }

    /// Turns [`AuthConfig::sigv4_access_key`] on or off.
    pub fn with_sigv4_access_key(mut self, accept: bool) -> Self {
        self.sigv4_access_key = accept;
        self
    }

    fn is_public(&self, path: &str) -> bool {
        path == "/health"
            || self.public_prefixes.iter().any(|prefix| {
                path.starts_with(prefix.as_str())
                    || prefix.strip_suffix('/').is_some_and(|bare| !bare.is_empty() && path == bare)
            })
    }

    /// Whether `authorization` (the header's value) carries the token.
    fn admits(&self, token: &str, authorization: Option<&str>) -> bool {
        let Some(value) = authorization.map(str::trim) else { return false };
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        if scheme.eq_ignore_ascii_case("Bearer") {
            return constant_time_eq(rest.trim().as_bytes(), token.as_bytes());
        }
        if self.sigv4_access_key && scheme == "AWS4-HMAC-SHA256" {
            let key_id = rest
                .split(',')
                .filter_map(|part| part.trim().strip_prefix("Credential="))
                .find_map(|credential| credential.split('/').next());
            return key_id.is_some_and(|id| constant_time_eq(id.as_bytes(), token.as_bytes()));
        }
        false
    }
}

/// `router` with every route but the public ones requiring the token; `router` itself when
/// `config.token` is `None`. Apply last, after all `merge`s.
pub fn with_auth(router: Router, config: AuthConfig) -> Router {
    if config.token.is_none() {
        return router;
    }
    router.layer(middleware::from_fn_with_state(Arc::new(config), require_token))
}

async fn require_token(State(config): State<Arc<AuthConfig>>, request: Request, next: Next) -> Response {
    let Some(token) = config.token.as_deref() else { return next.run(request).await };
    let page = matches!(*request.method(), Method::GET | Method::HEAD)
        && config.public_pages.iter().any(|p| p == request.uri().path());
    if page || config.is_public(request.uri().path()) {
        return next.run(request).await;
    }
    let authorization = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if config.admits(token, authorization) {
        return next.run(request).await;
    }
    let message = if authorization.is_some() {
        "The security token included in the request is invalid."
    } else {
        "Missing Authorization header: send 'Authorization: Bearer <token>'."
    };
    ApiError::new(ErrorCode::UnrecognizedClientException, message).into_response()
}

/// Equality whose time depends on the lengths only, not on where the bytes differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_paths() {
        let config = AuthConfig::bearer("t");
        for path in ["/health", "/callback", "/callback/", "/callback/abc/success"] {
            assert!(config.is_public(path), "{path}");
        }
        for path in ["/", "/callbacks", "/healthz", "/console"] {
            assert!(!config.is_public(path), "{path}");
        }
        assert!(!config.clone().with_public_prefixes(Vec::<String>::new()).is_public("/callback/x"));
        assert!(!AuthConfig::bearer("t").with_public_prefixes(["/"]).is_public(""));
    }

    #[tokio::test]
    async fn public_pages_open_get_and_head_only() {
        use axum::body::Body;
        use axum::routing::get;
        use tower::ServiceExt;
        let app = Router::new().route("/", get(|| async { "page" }).post(|| async { "api" }));
        let app = with_auth(app, AuthConfig::bearer("t").with_public_pages(["/"]));
        let status = |method: &str, auth: Option<&str>| {
            let app = app.clone();
            let mut req = axum::http::Request::builder().method(method).uri("/");
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let req = req.body(Body::empty()).unwrap();
            async move { app.oneshot(req).await.unwrap().status().as_u16() }
        };
        assert_eq!(status("GET", None).await, 200);
        assert_eq!(status("HEAD", None).await, 200);
        assert_eq!(status("POST", None).await, 401);
        assert_eq!(status("POST", Some("Bearer t")).await, 200);
    }

    #[test]
    fn token_checks() {
        let config = AuthConfig::bearer("s3cret");
        assert!(config.admits("s3cret", Some("Bearer s3cret")));
        assert!(config.admits("s3cret", Some("bearer  s3cret ")));
        assert!(!config.admits("s3cret", Some("Bearer s3cre")));
        assert!(!config.admits("s3cret", Some("Basic s3cret")));
        assert!(!config.admits("s3cret", Some("s3cret")));
        assert!(!config.admits("s3cret", None));
        let sigv4 = "AWS4-HMAC-SHA256 Credential=s3cret/20240101/us-east-1/states/aws4_request, \
                     SignedHeaders=host;x-amz-date, Signature=abc";
        assert!(!config.admits("s3cret", Some(sigv4)));
        let config = config.with_sigv4_access_key(true);
        assert!(config.admits("s3cret", Some(sigv4)));
        assert!(!config.admits("other", Some(sigv4)));
    }
}
