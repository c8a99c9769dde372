//! The SigV4 signer gives the signature botocore gives for the same request (skipped, with a
//! notice, without python3 and botocore).

use statecraft_runtime::triggers::aws::{authorization, Credentials, Signing};
use std::process::Command;

const SCRIPT: &str = r#"
import sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
body = b'{"QueueUrl":"http://127.0.0.1:5000/123456789012/inbox","WaitTimeSeconds":20}'
req = AWSRequest(method="POST", url="http://127.0.0.1:5000/", data=body, headers={
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "AmazonSQS.ReceiveMessage",
    "X-Amz-Date": "20260301T120000Z",
    "X-Amz-Security-Token": "session",
})
req.context["timestamp"] = "20260301T120000Z"
auth = SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session"), "sqs", "eu-west-3")
canonical = auth.canonical_request(req)
print(auth.signature(auth.string_to_sign(req, canonical), req))
"#;

#[test]
fn signatures_match_botocore() {
    let out = match Command::new("python3").args(["-c", SCRIPT]).output() {
        Ok(o) if o.status.success() => o,
        _ => {
            eprintln!("NOTICE: python3 with botocore not found; skipping the SigV4 cross-check");
            return;
        }
    };
    let expected = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let credentials = Credentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        session_token: Some("session".into()),
    };
    let signing = Signing {
        credentials: &credentials,
        region: "eu-west-3",
        service: "sqs",
        amz_date: "20260301T120000Z",
    };
    let headers: Vec<(String, String)> = [
        ("content-type", "application/x-amz-json-1.0"),
        ("host", "127.0.0.1:5000"),
        ("x-amz-date", "20260301T120000Z"),
        ("x-amz-target", "AmazonSQS.ReceiveMessage"),
        ("x-amz-security-token", "session"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .to_vec();
    let body = br#"{"QueueUrl":"http://127.0.0.1:5000/123456789012/inbox","WaitTimeSeconds":20}"#;
    let auth = authorization(&signing, "POST", &headers, body);
    let signature = auth.rsplit("Signature=").next().unwrap_or_default();
    assert_eq!(signature, expected, "{auth}");
}
