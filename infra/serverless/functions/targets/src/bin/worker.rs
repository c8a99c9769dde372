//! A Task target for the serverless tests, behaving as its input asks:
//! `{"double": n}` → `{"value": 2n}`; `{"fail": "ErrorType", "message": "..."}` → a function
//! error of that type; `{"big": n}` → a string of `n` bytes; anything else is echoed.

use lambda_runtime::{run, service_fn, Diagnostic, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(handler)).await
}

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let input = event.payload;
    if let Some(n) = input.get("double").and_then(Value::as_i64) {
        return Ok(json!({"value": n * 2}));
    }
    if let Some(kind) = input.get("fail").and_then(Value::as_str) {
        let message = input.get("message").and_then(Value::as_str).unwrap_or("failed on purpose");
        return Err(Diagnostic { error_type: kind.to_string(), error_message: message.to_string() });
    }
    if let Some(n) = input.get("big").and_then(Value::as_u64) {
        return Ok(Value::String("x".repeat(n as usize)));
    }
    Ok(input)
}
