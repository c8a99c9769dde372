//! Task `Resource` ARNs: Lambda functions, activities, optimized service integrations
//! (`arn:aws:states:::sqs:sendMessage.waitForTaskToken`) and AWS SDK integrations
//! (`arn:aws:states:::aws-sdk:dynamodb:getItem`).
//!
//! [`Resource::parse`] checks the shape of an ARN only (stored task requests are read back
//! through it); whether AWS recognizes the integration is [`Resource::check_recognized`], which
//! validation applies.

mod integrations;

/// How Step Functions waits for a service integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    RequestResponse,
    /// `.sync`
    Sync,
    /// `.sync:2`
    Sync2,
    /// `.waitForTaskToken`
    WaitForTaskToken,
}

impl Pattern {
    pub fn suffix(self) -> &'static str {
        match self {
            Pattern::RequestResponse => "",
            Pattern::Sync => ".sync",
            Pattern::Sync2 => ".sync:2",
            Pattern::WaitForTaskToken => ".waitForTaskToken",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`
    Lambda { arn: String, region: String, function: String },
    /// `arn:PARTITION:states:REGION:ACCOUNT:activity:NAME`, or the legacy `...:task:NAME`
    /// form. A resource that is not an ARN at all is also run as an activity of that name.
    Activity { arn: String, name: String },
    /// `arn:PARTITION:states:::SERVICE:ACTION[.sync|.sync:2|.waitForTaskToken]`
    Service { arn: String, service: String, action: String, pattern: Pattern },
    /// `arn:PARTITION:states:::aws-sdk:SERVICE:ACTION[...]`
    Sdk { arn: String, service: String, action: String, pattern: Pattern },
}

impl Resource {
    pub fn arn(&self) -> &str {
        match self {
            Resource::Lambda { arn, .. }
            | Resource::Activity { arn, .. }
            | Resource::Service { arn, .. }
            | Resource::Sdk { arn, .. } => arn,
        }
    }

    pub fn pattern(&self) -> Pattern {
        match self {
            Resource::Service { pattern, .. } | Resource::Sdk { pattern, .. } => *pattern,
            _ => Pattern::RequestResponse,
        }
    }

    /// The `resourceType` of Task history events (`lambda`, `sqs`, `aws-sdk:s3`, ...).
    pub fn resource_type(&self) -> String {
        match self {
            Resource::Lambda { .. } => "lambda".into(),
            Resource::Activity { .. } => "activity".into(),
            Resource::Service { service, .. } => service.clone(),
            Resource::Sdk { service, .. } => format!("aws-sdk:{service}"),
        }
    }

    /// The `resource` of Task history events: the action with its pattern suffix
    /// (`invoke`, `sendMessage.waitForTaskToken`).
    pub fn resource_name(&self) -> String {
        match self {
            Resource::Lambda { function, .. } => function.clone(),
            Resource::Activity { name, .. } => name.clone(),
            Resource::Service { action, pattern, .. } | Resource::Sdk { action, pattern, .. } => {
                format!("{action}{}", pattern.suffix())
            }
        }
    }

    /// Parses a resource string; `Err` carries a validation message.
    pub fn parse(s: &str) -> Result<Resource, String> {
        let arn = s.to_string();
        let not_recognized = || not_recognized_message(s);
        if !s.starts_with("arn:") {
            if s.is_empty() {
                return Err(not_recognized());
            }
            return Ok(Resource::Activity { arn, name: s.to_string() });
        }
        let parts: Vec<&str> = s.splitn(7, ':').collect();
        if parts.len() < 6 {
            return Err(not_recognized());
        }
        let (service, region, rest) = (parts[2], parts[3], &parts[5..]);
        match service {
            "lambda" => {
                if rest.first() != Some(&"function") || rest.len() < 2 || rest[1].is_empty() {
                    return Err(not_recognized());
                }
                let function = rest[1].split(':').next().unwrap_or_default().to_string();
                Ok(Resource::Lambda { arn, region: region.to_string(), function })
            }
            "states" => {
                if !region.is_empty() || !parts[4].is_empty() {
                    // arn:aws:states:REGION:ACCOUNT:activity:NAME
                    match rest {
                        ["activity" | "task", name, ..] if !name.is_empty() => {
                            Ok(Resource::Activity { arn, name: name.to_string() })
                        }
                        _ => Err(not_recognized()),
                    }
                } else {
                    let tail = rest.join(":");
                    let (svc, action) = tail.split_once(':').ok_or_else(not_recognized)?;
                    if svc == "aws-sdk" {
                        let (sdk_service, action) = action.split_once(':').ok_or_else(not_recognized)?;
                        let (action, pattern) = split_pattern(action).ok_or_else(not_recognized)?;
                        if sdk_service.is_empty() || action.is_empty() {
                            return Err(not_recognized());
                        }
                        Ok(Resource::Sdk { arn, service: sdk_service.into(), action, pattern })
                    } else {
                        let (action, pattern) = split_pattern(action).ok_or_else(not_recognized)?;
                        if svc.is_empty() || action.is_empty() {
                            return Err(not_recognized());
                        }
                        Ok(Resource::Service { arn, service: svc.into(), action, pattern })
                    }
                }
            }
            _ => Err(not_recognized()),
        }
    }
}

impl Resource {
    /// Whether AWS recognizes this integration: optimized integrations must be a documented
    /// action with a pattern it supports, AWS SDK integrations cannot use `.sync`. `Err` carries
    /// AWS's message.
    pub fn check_recognized(&self) -> Result<(), String> {
        let ok = match self {
            Resource::Service { service, action, pattern, .. } => {
                integrations::optimized(service, action, *pattern)
            }
            Resource::Sdk { pattern, .. } => integrations::sdk(*pattern),
            Resource::Lambda { .. } | Resource::Activity { .. } => true,
        };
        if ok {
            Ok(())
        } else {
            Err(not_recognized_message(self.arn()))
        }
    }
}

/// AWS's message for a resource it does not recognize; AWS writes the partition as
/// `<partition>`.
pub(crate) fn not_recognized_message(arn: &str) -> String {
    let shown = match arn.strip_prefix("arn:").and_then(|rest| rest.split_once(':')) {
        Some((_, rest)) => format!("arn:<partition>:{rest}"),
        None => arn.to_string(),
    };
    format!(
        "The resource provided {shown} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."
    )
}

fn split_pattern(action: &str) -> Option<(String, Pattern)> {
    let (name, pattern) = if let Some(a) = action.strip_suffix(".sync:2") {
        (a, Pattern::Sync2)
    } else if let Some(a) = action.strip_suffix(".sync") {
        (a, Pattern::Sync)
    } else if let Some(a) = action.strip_suffix(".waitForTaskToken") {
        (a, Pattern::WaitForTaskToken)
    } else {
        (action, Pattern::RequestResponse)
    };
    if name.contains(':') || name.contains('.') {
        return None;
    }
    Some((name.to_string(), pattern))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_resource_forms() {
        assert!(matches!(
            Resource::parse("arn:aws:lambda:us-east-1:123:function:f:$LATEST"),
            Ok(Resource::Lambda { function, .. }) if function == "f"
        ));
        assert!(matches!(
            Resource::parse("arn:aws:states:us-east-1:123:activity:a"),
            Ok(Resource::Activity { name, .. }) if name == "a"
        ));
        let r = Resource::parse("arn:aws:states:::sqs:sendMessage.waitForTaskToken").unwrap();
        assert_eq!(r.pattern(), Pattern::WaitForTaskToken);
        assert_eq!(r.resource_type(), "sqs");
        assert_eq!(r.resource_name(), "sendMessage.waitForTaskToken");
        let r = Resource::parse("arn:aws:states:::aws-sdk:s3:getObject").unwrap();
        assert_eq!(r.resource_type(), "aws-sdk:s3");
        let r = Resource::parse("arn:aws:states:::states:startExecution.sync:2").unwrap();
        assert_eq!(r.pattern(), Pattern::Sync2);
        assert!(Resource::parse("arn:aws:states:::dynamodb").is_err());
        assert!(Resource::parse("arn:aws:s3:::bucket").is_err());
    }

    #[test]
    fn unrecognized_integrations_get_aws_message() {
        let r = Resource::parse("arn:aws:states:::dynamodb:query").unwrap();
        assert_eq!(
            r.check_recognized().unwrap_err(),
            "The resource provided arn:<partition>:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."
        );
        for ok in [
            "arn:aws:states:::dynamodb:getItem",
            "arn:aws:states:::aws-sdk:dynamodb:query",
            "arn:aws:states:::aws-sdk:s3:listBuckets.waitForTaskToken",
            "arn:aws:states:::states:startExecution.sync:2",
            "arn:aws:lambda:us-east-1:111111111111:function:f",
            "stub-item",
        ] {
            assert!(Resource::parse(ok).unwrap().check_recognized().is_ok(), "{ok}");
        }
        for bad in ["arn:aws:states:::lambda:invoke.sync", "arn:aws:states:::aws-sdk:s3:getObject.sync"] {
            assert!(Resource::parse(bad).unwrap().check_recognized().is_err(), "{bad}");
        }
    }
}
