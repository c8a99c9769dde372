//! HTTP start URLs: the trigger's secret (bearer or HMAC signature), the body as input,
//! `Idempotency-Key` as the execution name.

use crate::fake::FakeStarter;
use serde_json::json;
use statecraft_runtime::config::ProjectConfig;
use statecraft_runtime::resolvers::webhook::sign;
use statecraft_runtime::triggers::http::{Credentials, StartUrls};
use statecraft_runtime::triggers::Recent;
use std::path::Path;
use std::sync::Arc;

fn urls() -> (StartUrls, Arc<FakeStarter>) {
    let text = r#"
        [[triggers]]
        name = "orders"
        state_machine = "Orders"
        http = { secret = "s3cret" }
    "#;
    let config = ProjectConfig::parse(text, "statecraft.toml", Path::new("/p"), &|_| None).unwrap();
    let (starter, _rx) = FakeStarter::standard();
    (StartUrls::new(&config, starter.clone(), Arc::new(Recent::default())), starter)
}

fn bearer(secret: &str) -> String {
    format!("Bearer {secret}")
}

#[tokio::test]
async fn a_wrong_secret_starts_nothing() {
    let (urls, starter) = urls();
    for auth in [None, Some(bearer("wrong")), Some("Basic czNjcmV0".to_string()), Some(bearer("s3cre"))] {
        let c = Credentials { authorization: auth.as_deref(), ..Default::default() };
        let r = urls.handle("orders", c, None, br#"{"id":1}"#).await;
        assert_eq!(r.status, 401, "{auth:?}");
    }
    // A signature made with another key, or over another body.
    let ts = (statecraft_runtime::env::now_millis() / 1000) as u64;
    let sig = sign(b"other", ts, br#"{"id":1}"#);
    let c = Credentials { signature: Some(&sig), timestamp: Some(&ts.to_string()), ..Default::default() };
    assert_eq!(urls.handle("orders", c, None, br#"{"id":1}"#).await.status, 401);
    let sig = sign(b"s3cret", ts, br#"{"id":2}"#);
    let c = Credentials { signature: Some(&sig), timestamp: Some(&ts.to_string()), ..Default::default() };
    assert_eq!(urls.handle("orders", c, None, br#"{"id":1}"#).await.status, 401);
    assert_eq!(urls.handle("nope", Credentials::default(), None, b"{}").await.status, 404);
    assert!(starter.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_right_secret_starts_with_the_body_as_input() {
    let (urls, starter) = urls();
    let auth = bearer("s3cret");
    let c = Credentials { authorization: Some(&auth), ..Default::default() };
    let r = urls.handle("orders", c, None, br#"{"id":1}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["created"], json!(true));
    assert_eq!(starter.created()[0].input, r#"{"id":1}"#);
    assert_eq!(starter.created()[0].state_machine, "Orders");

    // The same Idempotency-Key twice: one execution, the same ARN.
    let first = urls.handle("orders", c, Some("order-42"), br#"{"id":42}"#).await;
    let second = urls.handle("orders", c, Some("order-42"), br#"{"id":42}"#).await;
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(first.body["executionArn"], second.body["executionArn"]);
    assert_eq!((first.body["created"].clone(), second.body["created"].clone()), (json!(true), json!(false)));
    assert_eq!(starter.created().len(), 2);

    // A signed request works as well; an empty body is `{}`.
    let ts = (statecraft_runtime::env::now_millis() / 1000) as u64;
    let sig = sign(b"s3cret", ts, b"");
    let signed =
        Credentials { signature: Some(&sig), timestamp: Some(&ts.to_string()), ..Default::default() };
    let r = urls.handle("orders", signed, None, b"").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(starter.created()[2].input, "{}");

    assert_eq!(urls.handle("orders", c, None, b"not json").await.status, 400);
    assert_eq!(urls.handle("orders", c, Some("has space"), b"{}").await.status, 400);
    assert_eq!(urls.handle("orders", c, None, &vec![b' '; 300 * 1024]).await.status, 413);
}
