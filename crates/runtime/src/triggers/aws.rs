//! Just enough AWS to poll SQS and put EventBridge events without an SDK: the AWS JSON
//! protocol (`POST /`, `X-Amz-Target: Service.Action`) signed with Signature Version 4.
//!
//! Credentials come from the standard variables (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`); profiles, SSO and instance roles are not
//! read (that is what the SDK-backed adapters are for). Without credentials, requests go
//! unsigned, which local stand-ins (moto, ElasticMQ) accept and AWS refuses.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Static credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

impl Credentials {
    /// From `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
    pub fn from_env() -> Option<Credentials> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Some(Credentials {
            access_key_id: var("AWS_ACCESS_KEY_ID")?,
            secret_access_key: var("AWS_SECRET_ACCESS_KEY")?,
            session_token: var("AWS_SESSION_TOKEN"),
        })
    }
}

/// What one signed request needs besides its body.
#[derive(Debug, Clone, Copy)]
pub struct Signing<'a> {
    pub credentials: &'a Credentials,
    pub region: &'a str,
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC takes keys of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return Vec::new() };
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Signs a request whose path is `/` and that has no query string. `headers` are the
/// lower-case names and values to sign (they must include `host`); returns the
/// `Authorization` value.
pub fn authorization(
    signing: &Signing<'_>,
    method: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> String {
    let mut headers: Vec<(String, String)> =
        headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string())).collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed = signed.join(";");
    let canonical =
        format!("{method}\n/\n\n{canonical_headers}\n{signed}\n{}", hex::encode(Sha256::digest(body)));
    let date = signing.amz_date.get(..8).unwrap_or_default();
    let scope = format!("{date}/{}/{}/aws4_request", signing.region, signing.service);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        signing.amz_date,
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let k = hmac(format!("AWS4{}", signing.credentials.secret_access_key).as_bytes(), date);
    let k = hmac(&k, signing.region);
    let k = hmac(&k, signing.service);
    let k = hmac(&k, "aws4_request");
    let signature = hex::encode(hmac(&k, &to_sign));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
        signing.credentials.access_key_id
    )
}

/// An AWS error answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{service}: cannot reach {endpoint}: {message}")]
    Unreachable { service: String, endpoint: String, message: String },
    #[error("{service}: HTTP {status} {code}: {message}")]
    Service { service: String, status: u16, code: String, message: String },
}

/// A client of one AWS JSON-protocol service.
#[derive(Debug, Clone)]
pub struct JsonClient {
    http: reqwest::Client,
    endpoint: String,
    region: String,
    /// The signing name (`sqs`, `events`).
    service: String,
    /// `AmazonSQS`, `AWSEvents`.
    target_prefix: String,
    /// `application/x-amz-json-1.0` or `-1.1`.
    content_type: String,
    credentials: Option<Credentials>,
}

impl JsonClient {
    pub fn new(
        http: reqwest::Client,
        endpoint: &str,
        region: &str,
        service: &str,
        target_prefix: &str,
        json_version: &str,
        credentials: Option<Credentials>,
    ) -> JsonClient {
        JsonClient {
            http,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            region: region.to_string(),
            service: service.to_string(),
            target_prefix: target_prefix.to_string(),
            content_type: format!("application/x-amz-json-{json_version}"),
            credentials,
        }
    }

    /// Calls `action` with `input`; the parsed answer, or the service's error.
    pub async fn call(
        &self,
        action: &str,
        input: &Value,
        timeout: std::time::Duration,
    ) -> Result<Value, Error> {
        let body = serde_json::to_vec(input).unwrap_or_default();
        let url = format!("{}/", self.endpoint);
        let unreachable = |message: String| Error::Unreachable {
            service: self.service.clone(),
            endpoint: self.endpoint.clone(),
            message,
        };
        let host = reqwest::Url::parse(&url)
            .ok()
            .and_then(|u| u.host_str().map(|h| (h.to_string(), u.port())))
            .map(|(h, p)| p.map_or(h.clone(), |p| format!("{h}:{p}")))
            .ok_or_else(|| unreachable("not a URL".into()))?;
        let target = format!("{}.{action}", self.target_prefix);
        let amz_date = amz_date(crate::env::now_millis());
        let mut headers = vec![
            ("content-type".to_string(), self.content_type.clone()),
            ("host".to_string(), host),
            ("x-amz-date".to_string(), amz_date.clone()),
            ("x-amz-target".to_string(), target),
        ];
        if let Some(token) = self.credentials.as_ref().and_then(|c| c.session_token.clone()) {
            headers.push(("x-amz-security-token".to_string(), token));
        }
        let mut request = self.http.post(&url).timeout(timeout);
        for (k, v) in &headers {
            if k != "host" {
                request = request.header(k, v);
            }
        }
        if let Some(credentials) = &self.credentials {
            let signing =
                Signing { credentials, region: &self.region, service: &self.service, amz_date: &amz_date };
            request = request.header("authorization", authorization(&signing, "POST", &headers, &body));
        }
        let response =
            request.body(body).send().await.map_err(|e| unreachable(crate::resolvers::error_chain(&e)))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| unreachable(crate::resolvers::error_chain(&e)))?;
        let value: Value = if text.trim().is_empty() {
            Value::Object(Default::default())
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if (200..300).contains(&status) {
            return Ok(value);
        }
        let code = value
            .get("__type")
            .or_else(|| value.get("code"))
            .and_then(Value::as_str)
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
            .unwrap_or_else(|| format!("HTTP{status}"));
        let message = value
            .get("message")
            .or_else(|| value.get("Message"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| value.to_string());
        Err(Error::Service { service: self.service.clone(), status, code, message })
    }
}

/// `YYYYMMDDTHHMMSSZ` for milliseconds since the epoch.
pub fn amz_date(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis).unwrap_or_default().format("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published SigV4 example (IAM ListUsers, signed with the documentation key) has a
    /// query string; this one is checked against botocore instead, in the runtime's
    /// integration tests. Here: the shape and that every input changes the signature.
    #[test]
    fn signature_shape() {
        let credentials = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        };
        let signing = Signing {
            credentials: &credentials,
            region: "us-east-1",
            service: "sqs",
            amz_date: "20150830T123600Z",
        };
        let headers = vec![("host".to_string(), "sqs.us-east-1.amazonaws.com".to_string())];
        let a = authorization(&signing, "POST", &headers, b"{}");
        assert!(a.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature="));
        assert_eq!(a.len(), a.rfind('=').unwrap_or(0) + 1 + 64);
        assert_ne!(a, authorization(&signing, "POST", &headers, b"{ }"));
        assert_eq!(amz_date(1_440_938_160_000), "20150830T123600Z");
    }
}
