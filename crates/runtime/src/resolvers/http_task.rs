//! The HTTP Task, `arn:aws:states:::http:invoke`: calls an HTTP(S) API as AWS Step Functions
//! does, with credentials from a connection configured in `statecraft.toml`
//! (`[http_task.connections.NAME]`) instead of an EventBridge connection.
//!
//! Parameters: `ApiEndpoint` and `Method` (GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD),
//! `Authentication.ConnectionArn` (matched to a configured connection by its `arn`, else by the
//! `connection/NAME/...` part), `Headers`, `QueryParameters` (an object, whose array values
//! repeat the key, or a query string), `RequestBody`, and `Transform` (`RequestBodyEncoding`
//! `NONE` or `URL_ENCODED`, `RequestEncodingOptions.ArrayFormat` `INDICES` (default),
//! `REPEAT`, `COMMAS` or `BRACKETS`; nested objects encode as `a[b]=v`).
//!
//! The connection's headers, query parameters and body parameters are merged over the
//! task's (the connection's win), then its credentials are applied. The request carries
//! `User-Agent: Amazon|StepFunctions|HttpInvoke|REGION` and `Range: bytes=0-262144`, and
//! `Content-Type: application/json; charset=UTF-8` when a JSON body has no content type.
//!
//! | what happened | result |
//! | --- | --- |
//! | a 2xx answer | `{"Headers": {name: [values]}, "ResponseBody": JSON or text, "StatusCode": 200, "StatusText": "OK"}` |
//! | any other status | `States.Http.StatusCode.<code>`, cause: that same object as JSON |
//! | malformed parameters, a forbidden header (`Authorization`, `Host`, `x-amz-*` ...), a string body with connection body parameters, no connection configured for the ARN | `States.Runtime` |
//! | no answer (unreachable, reset, no answer within `[http_task] timeout_seconds`, default 60 s) | `States.Http.Socket` |
//! | an answer over 256 KiB | `States.DataLimitExceeded` |
//!
//! `ResponseBody` is parsed when the answer's content type is JSON (`application/json`,
//! `*+json`) and is the text otherwise.

use super::Error;
use crate::config::{Connection, ConnectionAuth, HttpTaskConfig};
use crate::invoke::{Invocation, TaskInvoker};
use crate::runner::Resolution;
use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use statecraft_asl::Resource;
use statecraft_core::TaskRequest;
use std::time::Duration;

/// AWS's bound on one HTTP Task call when the state sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The most of an answer that is read (what the `Range` header asks for).
pub const MAX_RESPONSE_BYTES: usize = 262_144;

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

const FORBIDDEN_HEADERS: [&str; 32] = [
    "a-im",
    "accept-charset",
    "accept-datetime",
    "accept-encoding",
    "authorization",
    "cache-control",
    "connection",
    "content-encoding",
    "content-md5",
    "date",
    "expect",
    "forwarded",
    "from",
    "host",
    "http2-settings",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "origin",
    "pragma",
    "proxy-authorization",
    "referer",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "warning",
];

/// Whether a resource is the HTTP Task.
pub fn is_http_invoke(resource: &Resource) -> bool {
    matches!(resource, Resource::Service { service, action, .. } if service == "http" && action == "invoke")
}

/// Runs HTTP Tasks.
#[derive(Debug, Clone)]
pub struct HttpTaskInvoker {
    client: reqwest::Client,
    config: HttpTaskConfig,
    region: String,
}

impl HttpTaskInvoker {
    pub fn new(config: HttpTaskConfig, region: &str) -> Result<HttpTaskInvoker, Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(Error::Client)?;
        Ok(HttpTaskInvoker { client, config, region: region.to_string() })
    }

    /// Runs one HTTP Task.
    pub async fn call(&self, request: &TaskRequest) -> Resolution {
        match self.try_call(request).await {
            Ok(r) | Err(r) => r,
        }
    }

    async fn try_call(&self, request: &TaskRequest) -> Result<Resolution, Resolution> {
        let p = request
            .input
            .as_object()
            .ok_or_else(|| runtime("the HTTP Task's Parameters must be an object"))?;
        let endpoint =
            p.get("ApiEndpoint").and_then(Value::as_str).ok_or_else(|| runtime("ApiEndpoint is required"))?;
        let mut url = reqwest::Url::parse(endpoint)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| runtime(format!("ApiEndpoint {endpoint:?} is not an http(s) URL")))?;
        let method = p.get("Method").and_then(Value::as_str).unwrap_or_default();
        if !METHODS.contains(&method) {
            return Err(runtime(format!("Method {method:?} is not one of {}", METHODS.join(", "))));
        }
        let connection_arn = p
            .get("Authentication")
            .and_then(|a| a.get("ConnectionArn"))
            .and_then(Value::as_str)
            .ok_or_else(|| runtime("Authentication.ConnectionArn is required"))?;
        let (_, connection) = self.config.connection(connection_arn).ok_or_else(|| {
            runtime(format!(
                "no connection configured for {connection_arn}: add [http_task.connections.NAME] (NAME as in the ARN, or arn = \"{connection_arn}\") to statecraft.toml"
            ))
        })?;

        // Headers: the task's, then the connection's over them.
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(h) = p.get("Headers") {
            let h = h.as_object().ok_or_else(|| runtime("Headers must be an object"))?;
            for (k, v) in h {
                let lower = k.to_ascii_lowercase();
                if FORBIDDEN_HEADERS.contains(&lower.as_str())
                    || ["x-forwarded-", "x-amz-", "x-amzn-"].iter().any(|p| lower.starts_with(p))
                {
                    return Err(runtime(format!("the header {k:?} cannot be set in an HTTP Task")));
                }
                set_header(&mut headers, k, &scalar_list(v));
            }
        }
        for (k, v) in &connection.headers {
            set_header(&mut headers, k, v);
        }

        // Query parameters: the URL's, the task's, then the connection's over them.
        let mut query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        match p.get("QueryParameters") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                query.extend(form_urlencoded::parse(s.trim_start_matches('?').as_bytes()).into_owned())
            }
            Some(Value::Object(o)) => {
                for (k, v) in o {
                    match v {
                        Value::Array(items) => query.extend(items.iter().map(|i| (k.clone(), scalar(i)))),
                        other => query.push((k.clone(), scalar(other))),
                    }
                }
            }
            Some(_) => return Err(runtime("QueryParameters must be an object or a string")),
        }
        for (k, v) in &connection.query_parameters {
            query.retain(|(qk, _)| qk != k);
            query.push((k.clone(), v.clone()));
        }
        url.set_query(None);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter());
        }

        let body = self.body(p, connection, &mut headers)?;
        apply_auth(&connection.auth, &mut headers);
        set_header(&mut headers, "User-Agent", &format!("Amazon|StepFunctions|HttpInvoke|{}", self.region));
        set_header(&mut headers, "Range", &format!("bytes=0-{MAX_RESPONSE_BYTES}"));

        let timeout = match (request.timeout_seconds, self.config.timeout_seconds) {
            (Some(a), Some(b)) => Duration::from_secs(a.min(b)),
            (a, b) => a.or(b).map_or(DEFAULT_TIMEOUT, Duration::from_secs),
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| runtime("invalid Method"))?;
        let mut builder = self.client.request(method, url).timeout(timeout);
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(b) = body {
            builder = builder.body(b);
        }
        let mut response = builder.send().await.map_err(|e| socket(&e))?;
        let status = response.status();
        let mut response_headers = Map::new();
        for (name, value) in response.headers() {
            let entry = response_headers.entry(name.as_str().to_string()).or_insert_with(|| json!([]));
            if let Some(list) = entry.as_array_mut() {
                list.push(Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()));
            }
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| socket(&e))? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_RESPONSE_BYTES {
                return Err(Resolution::Failed {
                    error: Some("States.DataLimitExceeded".into()),
                    cause: Some(format!(
                        "The HTTP response of state '{}' exceeds the maximum size of {MAX_RESPONSE_BYTES} bytes.",
                        request.state_name
                    )),
                });
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        let json_type = essence == "application/json" || essence.ends_with("+json");
        let response_body = if json_type {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        } else {
            Value::String(text)
        };
        let result = json!({
            "Headers": response_headers,
            "ResponseBody": response_body,
            "StatusCode": status.as_u16(),
            "StatusText": status.canonical_reason().unwrap_or_default(),
        });
        if status.is_success() {
            Ok(Resolution::Succeeded(result))
        } else {
            Err(Resolution::Failed {
                error: Some(format!("States.Http.StatusCode.{}", status.as_u16())),
                cause: Some(result.to_string()),
            })
        }
    }

    /// The request body: `RequestBody` merged with the connection's body parameters, then
    /// encoded.
    fn body(
        &self,
        p: &Map<String, Value>,
        connection: &Connection,
        headers: &mut Vec<(String, String)>,
    ) -> Result<Option<Vec<u8>>, Resolution> {
        let mut body = p.get("RequestBody").cloned();
        if !connection.body_parameters.is_empty() {
            match &mut body {
                Some(Value::String(_)) => {
                    return Err(runtime(
                        "a string RequestBody cannot be merged with the connection's body parameters",
                    ))
                }
                Some(Value::Object(o)) => {
                    for (k, v) in &connection.body_parameters {
                        o.insert(k.clone(), Value::String(v.clone()));
                    }
                }
                _ => {
                    body = Some(Value::Object(
                        connection
                            .body_parameters
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect(),
                    ))
                }
            }
        }
        let Some(body) = body else { return Ok(None) };
        let transform = p.get("Transform");
        let encoding =
            transform.and_then(|t| t.get("RequestBodyEncoding")).and_then(Value::as_str).unwrap_or("NONE");
        let format = transform
            .and_then(|t| t.get("RequestEncodingOptions"))
            .and_then(|o| o.get("ArrayFormat"))
            .and_then(Value::as_str)
            .unwrap_or("INDICES");
        if !["INDICES", "REPEAT", "COMMAS", "BRACKETS"].contains(&format) {
            return Err(runtime(format!(
                "ArrayFormat {format:?} is not INDICES, REPEAT, COMMAS or BRACKETS"
            )));
        }
        let has_type = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        match (encoding, body) {
            ("NONE", Value::String(s)) => Ok(Some(s.into_bytes())),
            ("NONE", other) => {
                if !has_type {
                    set_header(headers, "Content-Type", "application/json; charset=UTF-8");
                }
                Ok(Some(serde_json::to_vec(&other).unwrap_or_default()))
            }
            ("URL_ENCODED", Value::String(s)) => Ok(Some(s.into_bytes())),
            ("URL_ENCODED", other) => {
                if !has_type {
                    set_header(headers, "Content-Type", "application/x-www-form-urlencoded");
                }
                let mut pairs = Vec::new();
                url_encode("", &other, format, &mut pairs);
                let mut out = form_urlencoded::Serializer::new(String::new());
                out.extend_pairs(pairs);
                Ok(Some(out.finish().into_bytes()))
            }
            (other, _) => Err(runtime(format!("RequestBodyEncoding {other:?} is not NONE or URL_ENCODED"))),
        }
    }
}

#[async_trait]
impl TaskInvoker for HttpTaskInvoker {
    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        Invocation::Done(self.call(request).await)
    }
}

fn runtime(cause: impl Into<String>) -> Resolution {
    Resolution::Failed { error: Some("States.Runtime".into()), cause: Some(cause.into()) }
}

fn socket(e: &reqwest::Error) -> Resolution {
    let what = if e.is_timeout() { "the HTTP request timed out" } else { "the HTTP request failed" };
    Resolution::Failed {
        error: Some("States.Http.Socket".into()),
        cause: Some(format!("{what}: {}", super::error_chain(e))),
    }
}

/// Sets a header, replacing any of the same name (case-insensitive).
fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value.to_string()));
}

fn apply_auth(auth: &ConnectionAuth, headers: &mut Vec<(String, String)>) {
    match auth {
        ConnectionAuth::ApiKey { header, value } => {
            set_header(headers, header, &String::from_utf8_lossy(value.expose()));
        }
        ConnectionAuth::Basic { username, password } => {
            let raw = [username.as_bytes(), b":", password.expose()].concat();
            let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
            set_header(headers, "Authorization", &format!("Basic {encoded}"));
        }
        ConnectionAuth::Bearer(token) => {
            set_header(
                headers,
                "Authorization",
                &format!("Bearer {}", String::from_utf8_lossy(token.expose())),
            );
        }
        _ => {}
    }
}

/// A JSON scalar as text (strings without quotes).
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A header value: arrays are joined with commas.
fn scalar_list(v: &Value) -> String {
    match v {
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        other => scalar(other),
    }
}

/// Form-encodes a value under `prefix` (qs style: `a[b]=v`, arrays per `format`).
fn url_encode(prefix: &str, value: &Value, format: &str, out: &mut Vec<(String, String)>) {
    let key = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}[{k}]") };
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                url_encode(&key(k), v, format, out);
            }
        }
        Value::Array(items) if format == "COMMAS" => {
            out.push((prefix.to_string(), items.iter().map(scalar).collect::<Vec<_>>().join(",")));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let k = match format {
                    "REPEAT" => prefix.to_string(),
                    "BRACKETS" => format!("{prefix}[]"),
                    _ => format!("{prefix}[{i}]"),
                };
                url_encode(&k, item, format, out);
            }
        }
        other => out.push((prefix.to_string(), scalar(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(body: Value, format: &str) -> String {
        let mut pairs = Vec::new();
        url_encode("", &body, format, &mut pairs);
        pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
    }

    #[test]
    fn array_formats_as_documented() {
        let body = json!({"array": ["a", "b", "c", "d"]});
        assert_eq!(encode(body.clone(), "INDICES"), "array[0]=a&array[1]=b&array[2]=c&array[3]=d");
        assert_eq!(encode(body.clone(), "REPEAT"), "array=a&array=b&array=c&array=d");
        assert_eq!(encode(body.clone(), "COMMAS"), "array=a,b,c,d");
        assert_eq!(encode(body, "BRACKETS"), "array[]=a&array[]=b&array[]=c&array[]=d");
        assert_eq!(
            encode(json!({"customer": "c1", "metadata": {"order_details": "monthly"}}), "INDICES"),
            "customer=c1&metadata[order_details]=monthly"
        );
    }

    #[test]
    fn connections_match_by_arn_or_name() {
        let mut config = HttpTaskConfig::default();
        let c = Connection {
            arn: None,
            auth: ConnectionAuth::None,
            headers: Default::default(),
            query_parameters: Default::default(),
            body_parameters: Default::default(),
        };
        config.connections.insert("Stripe".into(), c.clone());
        config.connections.insert("other".into(), Connection { arn: Some("arn:x".into()), ..c });
        let arn =
            "arn:aws:events:us-east-2:123456789012:connection/Stripe/81210c42-8af1-456b-9c4a-6ff02fc664ac";
        assert_eq!(config.connection(arn).map(|(k, _)| k), Some("Stripe"));
        assert_eq!(config.connection("Stripe").map(|(k, _)| k), Some("Stripe"));
        assert_eq!(config.connection("arn:x").map(|(k, _)| k), Some("other"));
        assert!(config.connection("arn:aws:events:us-east-2:1:connection/Nope/1").is_none());
    }
}
