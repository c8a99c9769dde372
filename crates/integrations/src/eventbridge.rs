//! Amazon EventBridge: `events:putEvents` (optimized) and `aws-sdk:eventbridge:putEvents`.
//!
//! Result: `{"Entries": [{"EventId"} | {"ErrorCode", "ErrorMessage"}], "FailedEntryCount"}`,
//! without HTTP metadata even when optimized (as AWS records it). The optimized integration
//! fails with `EventBridge.FailedEntry` when an entry failed, its cause the result's JSON text;
//! the AWS SDK integration returns such a result as it is. A `Detail` given as JSON is sent as
//! its JSON text.
//!
//! Not done: AWS also appends the state machine and execution ARNs to each entry's
//! `Resources` in the optimized integration; a `TaskRequest` does not carry them.

use crate::catalog::{Form, Service, Target};
use crate::error::{mapper, Failure};
use crate::input::{kind, Fields, Params};
use crate::metadata::sorted;
use crate::sqs::put;
use aws_sdk_eventbridge::primitives::{DateTime, DateTimeFormat};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;
use serde_json::{json, Map, Value};

pub(crate) async fn invoke(
    client: &Client,
    target: Target,
    arn: &str,
    input: &Value,
) -> Result<Value, Failure> {
    match target.action {
        "putEvents" => put_events(client, target.form, arn, input).await,
        _ => Err(crate::invoker::not_supported(arn)),
    }
}

async fn put_events(client: &Client, form: Form, arn: &str, input: &Value) -> Result<Value, Failure> {
    let mut p = Params::new(arn, input)?;
    let request = client
        .put_events()
        .set_entries(p.object_list("Entries", entry)?)
        .set_endpoint_id(p.string("EndpointId"));
    p.finish()?;
    let out = request.send().await.map_err(mapper(Service::EventBridge, form))?;
    let entries: Vec<Value> = out
        .entries()
        .iter()
        .map(|e| {
            let mut o = Map::new();
            put(&mut o, "EventId", e.event_id());
            put(&mut o, "ErrorCode", e.error_code());
            put(&mut o, "ErrorMessage", e.error_message());
            sorted(o)
        })
        .collect();
    let result = json!({"Entries": entries, "FailedEntryCount": out.failed_entry_count()});
    if form == Form::Optimized && out.failed_entry_count() > 0 {
        return Err(Failure::new("EventBridge.FailedEntry", result.to_string()));
    }
    Ok(result)
}

/// `{"Time", "Source", "Resources", "DetailType", "Detail", "EventBusName", "TraceHeader"}`;
/// `Time` is an ISO 8601 timestamp or epoch seconds.
fn entry(map: &Map<String, Value>) -> Result<PutEventsRequestEntry, String> {
    let mut f = Fields::new(map);
    let time = match f.value("Time") {
        None => None,
        Some(Value::String(s)) => Some(
            DateTime::from_str(s, DateTimeFormat::DateTimeWithOffset).map_err(|e| format!("Time: {e}"))?,
        ),
        Some(Value::Number(n)) => Some(DateTime::from_secs_f64(n.as_f64().unwrap_or_default())),
        Some(other) => return Err(format!("Time: expected a timestamp, found {}", kind(other))),
    };
    let built = PutEventsRequestEntry::builder()
        .set_time(time)
        .set_source(f.string("Source"))
        .set_resources(f.strings("Resources")?)
        .set_detail_type(f.string("DetailType"))
        .set_detail(f.string("Detail"))
        .set_event_bus_name(f.string("EventBusName"))
        .set_trace_header(f.string("TraceHeader"))
        .build();
    f.finish()?;
    Ok(built)
}
