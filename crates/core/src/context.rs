//! The context object (`$$` in JSONPath, `$states.context` in JSONata), built only when an
//! expression reads it.

use crate::execution::{Execution, Frame};
use serde_json::{json, Map, Value};
use statecraft_asl::{Definition, Kind};

/// Parts of the context that exist only in some places.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Extra<'a> {
    /// `$$.Map.Item` while evaluating a Map's ItemSelector.
    pub(crate) map_item: Option<(u64, &'a Value)>,
    /// `$$.Task.Token` for `.waitForTaskToken` tasks and activities.
    pub(crate) token: Option<&'a str>,
}

/// ISO 8601 in UTC with milliseconds, as Step Functions renders times.
pub fn iso_millis(millis: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(millis) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => String::new(),
    }
}

pub(crate) fn build(exec: &Execution, def: &Definition, frame: Option<&Frame>, extra: Extra<'_>) -> Value {
    let info = &exec.info;
    let mut ctx = Map::new();
    ctx.insert(
        "Execution".into(),
        json!({
            "Id": info.execution_arn,
            "Input": info.input,
            "StartTime": iso_millis(info.start_time),
            "Name": info.name,
            "RoleArn": info.role_arn,
            "RedriveCount": info.redrive_count,
        }),
    );
    ctx.insert(
        "StateMachine".into(),
        json!({ "Id": info.state_machine_arn, "Name": info.state_machine_name }),
    );
    if let Some(frame) = frame {
        let state = def.state(frame.state_ref());
        let mut s = Map::new();
        s.insert("Name".into(), Value::String(state.name.to_string()));
        s.insert("EnteredTime".into(), Value::String(iso_millis(frame.entered_time)));
        if matches!(state.kind, Kind::Task(_) | Kind::Parallel(_) | Kind::Map(_)) {
            s.insert("RetryCount".into(), json!(frame.retry_count()));
        }
        ctx.insert("State".into(), Value::Object(s));
    }
    if let Some(token) = extra.token {
        ctx.insert("Task".into(), json!({ "Token": token }));
    }
    if let Some((index, value)) = extra.map_item {
        ctx.insert("Map".into(), json!({ "Item": { "Index": index, "Value": value } }));
    }
    Value::Object(ctx)
}
