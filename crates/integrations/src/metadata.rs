//! `SdkHttpMetadata` and `SdkResponseMetadata`: the HTTP facts Step Functions adds to the
//! results of most optimized integrations (what the Java SDK exposes on its responses).
//!
//! The Rust SDK's outputs carry no headers, so a per-call interceptor ([`Capture`]) keeps the
//! status and headers of the last response it saw. HTTP/1.1 header names reach us lowercased;
//! the ones AWS sends are given back in the casing AWS's recordings show (`Content-Type`,
//! `x-amzn-RequestId`), others stay lowercase.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::{dyn_dispatch_hint, Intercept};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};

/// What the last HTTP response of a call looked like.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HttpFacts {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
}

impl HttpFacts {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// An interceptor for one call; clones share the slot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Capture(Arc<Mutex<Option<HttpFacts>>>);

impl Capture {
    pub(crate) fn facts(&self) -> HttpFacts {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default()
    }
}

#[dyn_dispatch_hint]
impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "statecraft::Capture"
    }

    // Before deserialization: every attempt's response passes here, success or error, so the
    // slot ends with the last attempt's.
    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let facts = HttpFacts {
            status: response.status().as_u16(),
            headers: response.headers().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(facts);
        Ok(())
    }
}

/// AWS's casing of the headers its services send.
const CASINGS: &[&str] = &[
    "Connection",
    "Content-Length",
    "Content-Type",
    "Date",
    "Server",
    "x-amz-crc32",
    "X-Amz-Executed-Version",
    "X-Amz-Function-Error",
    "X-Amz-Log-Result",
    "x-amzn-Remapped-Content-Length",
    "x-amzn-RequestId",
    "X-Amzn-Trace-Id",
];

fn cased(name: &str) -> String {
    CASINGS.iter().find(|c| c.eq_ignore_ascii_case(name)).map_or_else(|| name.to_string(), |c| c.to_string())
}

/// Adds `SdkHttpMetadata` and `SdkResponseMetadata` to `result`:
/// `{"AllHttpHeaders": {NAME: [VALUE, ...]}, "HttpHeaders": {NAME: VALUE}, "HttpStatusCode": N}`
/// and `{"RequestId": ID}`.
pub(crate) fn add_sdk_metadata(result: &mut Map<String, Value>, facts: &HttpFacts, request_id: Option<&str>) {
    let mut names: Vec<String> = Vec::new();
    for (k, _) in &facts.headers {
        let k = cased(k);
        if !names.contains(&k) {
            names.push(k);
        }
    }
    // Java keeps them in a case-insensitive sorted map.
    names.sort_by_key(|k| k.to_ascii_lowercase());
    let mut all = Map::new();
    let mut single = Map::new();
    for name in names {
        let values: Vec<Value> = facts
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(&name))
            .map(|(_, v)| Value::String(v.clone()))
            .collect();
        if let Some(first) = values.first() {
            single.insert(name.clone(), first.clone());
        }
        all.insert(name, Value::Array(values));
    }
    let request_id =
        request_id.or_else(|| facts.header("x-amzn-requestid")).or_else(|| facts.header("x-amz-request-id"));
    result.insert(
        "SdkHttpMetadata".into(),
        json!({"AllHttpHeaders": all, "HttpHeaders": single, "HttpStatusCode": facts.status}),
    );
    result.insert("SdkResponseMetadata".into(), json!({"RequestId": request_id}));
}

/// The object with its keys in byte order, as Step Functions renders service results.
pub(crate) fn sorted(map: Map<String, Value>) -> Value {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(entries.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_has_the_recorded_shape() {
        let facts = HttpFacts {
            status: 200,
            headers: vec![
                ("x-amzn-requestid".into(), "rid".into()),
                ("content-type".into(), "application/x-amz-json-1.0".into()),
                ("content-length".into(), "106".into()),
            ],
        };
        let mut m = Map::new();
        m.insert("MessageId".into(), json!("m"));
        add_sdk_metadata(&mut m, &facts, None);
        assert_eq!(
            sorted(m),
            json!({
                "MessageId": "m",
                "SdkHttpMetadata": {
                    "AllHttpHeaders": {
                        "Content-Length": ["106"],
                        "Content-Type": ["application/x-amz-json-1.0"],
                        "x-amzn-RequestId": ["rid"]
                    },
                    "HttpHeaders": {
                        "Content-Length": "106",
                        "Content-Type": "application/x-amz-json-1.0",
                        "x-amzn-RequestId": "rid"
                    },
                    "HttpStatusCode": 200
                },
                "SdkResponseMetadata": {"RequestId": "rid"}
            })
        );
    }
}
