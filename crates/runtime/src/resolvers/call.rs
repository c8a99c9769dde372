//! Reading a task request: the payload a function receives and the options of
//! `lambda:invoke` (`FunctionName`, `Qualifier`, `Payload`, `InvocationType`, `LogType`,
//! `ClientContext`), by resource form. No I/O.

use super::Shape;
use crate::runner::Resolution;
use serde_json::Value;
use statecraft_asl::{Pattern, Resource};
use statecraft_core::TaskRequest;
use std::time::Duration;

/// `InvocationType` of `lambda:invoke`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvocationType {
    RequestResponse,
    Event,
    DryRun,
}

impl InvocationType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            InvocationType::RequestResponse => "RequestResponse",
            InvocationType::Event => "Event",
            InvocationType::DryRun => "DryRun",
        }
    }
}

/// A Lambda function named by an ARN, a partial ARN or a name, with an optional qualifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    pub name: String,
    pub qualifier: Option<String>,
    /// Region and account when the reference was a full ARN.
    pub region: Option<String>,
    pub account: Option<String>,
    /// The reference as written.
    pub written: String,
}

impl FunctionRef {
    /// Parses `NAME[:QUALIFIER]`, `ACCOUNT:function:NAME[:QUALIFIER]` or
    /// `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
    pub fn parse(s: &str) -> Option<FunctionRef> {
        let parts: Vec<&str> = s.split(':').collect();
        let (region, account, name, qualifier) = match parts.as_slice() {
            ["arn", _, "lambda", region, account, "function", name, rest @ ..] if rest.len() <= 1 => {
                (Some(*region), Some(*account), *name, rest.first().copied())
            }
            [account, "function", name, rest @ ..] if rest.len() <= 1 => {
                (None, Some(*account), *name, rest.first().copied())
            }
            [name, rest @ ..] if rest.len() <= 1 => (None, None, *name, rest.first().copied()),
            _ => return None,
        };
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.len() <= 140
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let qualifier_ok = |q: &str| {
            !q.is_empty()
                && q.len() <= 128
                && q.chars().all(|c| c.is_ascii_alphanumeric() || "$-_".contains(c))
        };
        if !name_ok(name) || !qualifier.is_none_or(qualifier_ok) {
            return None;
        }
        Some(FunctionRef {
            name: name.to_string(),
            qualifier: qualifier.map(str::to_string),
            region: region.filter(|r| !r.is_empty()).map(str::to_string),
            account: account.filter(|a| !a.is_empty()).map(str::to_string),
            written: s.to_string(),
        })
    }
}

/// What a request asks a backend to do.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) shape: Shape,
    pub(crate) state_name: String,
    pub(crate) resource: String,
    pub(crate) payload: Value,
    pub(crate) function: Option<FunctionRef>,
    pub(crate) invocation_type: InvocationType,
    pub(crate) log_tail: bool,
    pub(crate) client_context: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) timeout: Option<Duration>,
}

pub(crate) fn task_failed(cause: String) -> Resolution {
    Resolution::Failed { error: Some("States.TaskFailed".into()), cause: Some(cause) }
}

/// Reads what the request asks for: the payload and options by resource form.
pub(crate) fn prepare(request: &TaskRequest) -> Result<Call, Resolution> {
    let mut call = Call {
        shape: Shape::Plain { submitted: request.resource.pattern() == Pattern::WaitForTaskToken },
        state_name: request.state_name.clone(),
        resource: request.resource.arn().to_string(),
        payload: request.input.clone(),
        function: None,
        invocation_type: InvocationType::RequestResponse,
        log_tail: false,
        client_context: None,
        token: request.token.clone(),
        timeout: request.timeout_seconds.map(Duration::from_secs),
    };
    let bad = |what: String| {
        task_failed(format!("state '{}' (resource {}): {what}", request.state_name, request.resource.arn()))
    };
    match &request.resource {
        Resource::Lambda { arn, .. } => {
            call.shape = Shape::Lambda;
            call.function = Some(
                FunctionRef::parse(arn).ok_or_else(|| bad(format!("invalid Lambda function ARN {arn}")))?,
            );
        }
        Resource::Service { service, action, pattern, .. } if service == "lambda" && action == "invoke" => {
            let submitted = match pattern {
                Pattern::RequestResponse => false,
                Pattern::WaitForTaskToken => true,
                Pattern::Sync | Pattern::Sync2 => {
                    return Err(bad("lambda:invoke does not support the .sync integration pattern".into()))
                }
            };
            call.shape = Shape::LambdaInvoke { submitted };
            let params = &request.input;
            let name = params
                .get("FunctionName")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("Parameters need a string FunctionName".into()))?;
            let mut function =
                FunctionRef::parse(name).ok_or_else(|| bad(format!("invalid FunctionName {name:?}")))?;
            match params.get("Qualifier") {
                None | Some(Value::Null) => {}
                Some(Value::String(q)) => function.qualifier = Some(q.clone()),
                Some(_) => return Err(bad("Qualifier must be a string".into())),
            }
            call.function = Some(function);
            call.payload = match params.get("Payload") {
                None | Some(Value::Null) => Value::Object(Default::default()),
                // A string that holds JSON is sent as that JSON, as AWS does.
                Some(Value::String(s)) => {
                    serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
                }
                Some(v) => v.clone(),
            };
            call.invocation_type = match params.get("InvocationType").and_then(Value::as_str) {
                None | Some("RequestResponse") => InvocationType::RequestResponse,
                Some("Event") => InvocationType::Event,
                Some("DryRun") => InvocationType::DryRun,
                Some(other) => return Err(bad(format!("invalid InvocationType {other:?}"))),
            };
            call.log_tail = params.get("LogType").and_then(Value::as_str) == Some("Tail");
            call.client_context = params.get("ClientContext").and_then(Value::as_str).map(str::to_string);
        }
        _ => {}
    }
    Ok(call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_references() {
        let f = FunctionRef::parse("arn:aws:lambda:eu-west-1:111122223333:function:Fn:prod").unwrap();
        assert_eq!((f.name.as_str(), f.qualifier.as_deref()), ("Fn", Some("prod")));
        assert_eq!((f.region.as_deref(), f.account.as_deref()), (Some("eu-west-1"), Some("111122223333")));
        let f = FunctionRef::parse("111122223333:function:Fn").unwrap();
        assert_eq!((f.name.as_str(), f.account.as_deref(), f.region), ("Fn", Some("111122223333"), None));
        let f = FunctionRef::parse("Fn:$LATEST").unwrap();
        assert_eq!(f.qualifier.as_deref(), Some("$LATEST"));
        assert!(FunctionRef::parse("").is_none());
        assert!(FunctionRef::parse("a b").is_none());
        assert!(FunctionRef::parse("a:b:c").is_none());
    }
}
