//! Which resources this crate performs: a pure table, usable at validation time.

use statecraft_asl::resource::{Pattern, Resource};

/// The services this crate talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Sqs,
    Sns,
    DynamoDb,
    EventBridge,
    Lambda,
}

/// The two ways a Task names a service action; they differ in result and error shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// `arn:aws:states:::SERVICE:ACTION`
    Optimized,
    /// `arn:aws:states:::aws-sdk:SERVICE:ACTION`
    Sdk,
}

/// A resolved resource: what to call and how to report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) service: Service,
    pub(crate) form: Form,
    /// The action as the resource spells it (`sendMessage`).
    pub(crate) action: &'static str,
    /// `.waitForTaskToken`: the call's answer is the submission, the result comes by token.
    pub(crate) callback: bool,
}

/// Optimized integrations performed here: (service in the ARN, action).
const OPTIMIZED: &[(&str, Service, &str)] = &[
    ("sqs", Service::Sqs, "sendMessage"),
    ("sns", Service::Sns, "publish"),
    ("dynamodb", Service::DynamoDb, "getItem"),
    ("dynamodb", Service::DynamoDb, "putItem"),
    ("dynamodb", Service::DynamoDb, "updateItem"),
    ("dynamodb", Service::DynamoDb, "deleteItem"),
    ("events", Service::EventBridge, "putEvents"),
    ("lambda", Service::Lambda, "invoke"),
];

/// AWS SDK integrations performed here: (service in the ARN, action).
pub const SDK_ACTIONS: &[(&str, &str)] = &[
    ("sqs", "sendMessage"),
    ("sqs", "receiveMessage"),
    ("sqs", "deleteMessage"),
    ("sqs", "getQueueUrl"),
    ("sns", "publish"),
    ("dynamodb", "getItem"),
    ("dynamodb", "putItem"),
    ("dynamodb", "updateItem"),
    ("dynamodb", "deleteItem"),
    ("dynamodb", "query"),
    ("dynamodb", "scan"),
    ("eventbridge", "putEvents"),
    ("lambda", "invoke"),
];

fn sdk_service(name: &str) -> Option<Service> {
    Some(match name {
        "sqs" => Service::Sqs,
        "sns" => Service::Sns,
        "dynamodb" => Service::DynamoDb,
        "eventbridge" => Service::EventBridge,
        "lambda" => Service::Lambda,
        _ => return None,
    })
}

/// Whether this crate performs `resource`: one of the optimized integrations or AWS SDK actions
/// above, request-response or `.waitForTaskToken`, and recognized by AWS (an optimized
/// DynamoDB action has no `.waitForTaskToken`). Pure: the validator can call it.
pub fn supported(resource: &Resource) -> bool {
    target(resource).is_some()
}

pub(crate) fn target(resource: &Resource) -> Option<Target> {
    let (service, action, pattern, form) = match resource {
        Resource::Service { service, action, pattern, .. } => {
            let (_, svc, action) = OPTIMIZED.iter().find(|(s, _, a)| s == service && a == action)?;
            (*svc, *action, *pattern, Form::Optimized)
        }
        Resource::Sdk { service, action, pattern, .. } => {
            let (_, action) = SDK_ACTIONS.iter().find(|(s, a)| s == service && a == action)?;
            (sdk_service(service)?, *action, *pattern, Form::Sdk)
        }
        Resource::Lambda { .. } | Resource::Activity { .. } => return None,
    };
    let callback = match pattern {
        Pattern::RequestResponse => false,
        Pattern::WaitForTaskToken => true,
        Pattern::Sync | Pattern::Sync2 => return None,
    };
    if resource.check_recognized().is_err() {
        return None;
    }
    Some(Target { service, form, action, callback })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(arn: &str) -> Resource {
        Resource::parse(arn).unwrap_or_else(|e| panic!("{arn}: {e}"))
    }

    #[test]
    fn optimized_integrations_and_their_patterns() {
        assert!(supported(&res("arn:aws:states:::sqs:sendMessage")));
        assert!(supported(&res("arn:aws:states:::sqs:sendMessage.waitForTaskToken")));
        assert!(supported(&res("arn:aws:states:::sns:publish.waitForTaskToken")));
        assert!(supported(&res("arn:aws:states:::events:putEvents")));
        assert!(supported(&res("arn:aws:states:::lambda:invoke.waitForTaskToken")));
        assert!(supported(&res("arn:aws:states:::dynamodb:updateItem")));
        // AWS has no callback pattern for the DynamoDB actions, and nothing here is .sync.
        assert!(!supported(&res("arn:aws:states:::dynamodb:putItem.waitForTaskToken")));
        assert!(!supported(&res("arn:aws:states:::states:startExecution.sync")));
        assert!(!supported(&res("arn:aws:states:::ecs:runTask")));
        assert!(!supported(&res("arn:aws:states:::dynamodb:query")));
    }

    #[test]
    fn sdk_integrations() {
        let t = target(&res("arn:aws:states:::aws-sdk:dynamodb:query")).unwrap();
        assert_eq!((t.service, t.form, t.action, t.callback), (Service::DynamoDb, Form::Sdk, "query", false));
        assert!(supported(&res("arn:aws:states:::aws-sdk:eventbridge:putEvents.waitForTaskToken")));
        // The optimized service name is not the SDK's.
        assert!(!supported(&res("arn:aws:states:::aws-sdk:events:putEvents")));
        assert!(!supported(&res("arn:aws:states:::aws-sdk:s3:getObject")));
        assert!(!supported(&res("arn:aws:states:::aws-sdk:sqs:purgeQueue")));
    }

    #[test]
    fn other_resources_are_not_ours() {
        assert!(!supported(&res("arn:aws:lambda:us-east-1:123456789012:function:f")));
        assert!(!supported(&res("arn:aws:states:us-east-1:123456789012:activity:a")));
    }
}
