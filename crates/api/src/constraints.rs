//! The service model's member constraints (string lengths, number ranges, list sizes and
//! the few patterns), checked before a request reaches the service, so every
//! implementation answers them alike and as AWS does: one `ValidationException` listing
//! every violation, `N validation errors detected: Value '…' at 'member' failed to satisfy
//! constraint: …; …`. Values of members the model marks sensitive (definition, input,
//! error, cause, …) are left out of the message, as AWS leaves them out.
//!
//! Lengths count UTF-16 code units, as AWS's Java front end does. Semantic rules (ARN
//! syntax, name characters, JSON validity of `input`) are the service's, with their own
//! codes (`InvalidArn`, `InvalidName`, `InvalidExecutionInput`).

use crate::error::ApiError;
use crate::types::*;

/// Model constraints of one request type.
pub(crate) trait Constraints {
    /// Records every violation in `v`.
    fn collect(&self, v: &mut Violations);

    /// `Ok` when the request satisfies every constraint, else the `ValidationException`.
    fn check(&self) -> Result<(), ApiError> {
        let mut v = Violations::default();
        self.collect(&mut v);
        v.finish()
    }
}

// Bounds of the model's string shapes.
const NAME: (usize, usize) = (1, 80);
const ARN: (usize, usize) = (1, 256);
const LONG_ARN: (usize, usize) = (1, 2000);
const DEFINITION: (usize, usize) = (1, 1_048_576);
const DATA: (usize, usize) = (0, 262_144);
const ERROR: (usize, usize) = (0, 256);
const CAUSE: (usize, usize) = (0, 32_768);
const TRACE_HEADER: (usize, usize) = (0, 256);
const TASK_TOKEN: (usize, usize) = (1, 2048);
const PAGE_TOKEN: (usize, usize) = (1, 1024);
const EXECUTIONS_PAGE_TOKEN: (usize, usize) = (1, 3096);
const DESCRIPTION: (usize, usize) = (0, 256);
const TAG_KEY: (usize, usize) = (1, 128);
const TAG_VALUE: (usize, usize) = (0, 256);
const CLIENT_TOKEN: (usize, usize) = (1, 64);
const KMS_KEY_ID: (usize, usize) = (1, 2048);

/// The violations found so far.
#[derive(Debug, Default)]
pub(crate) struct Violations(Vec<String>);

impl Violations {
    fn push(&mut self, value: Option<&str>, at: &str, constraint: &str) {
        let value = value.map_or_else(String::new, |v| format!(" '{v}'"));
        self.0.push(format!("Value{value} at '{at}' failed to satisfy constraint: Member must {constraint}"));
    }

    /// A string member's length; `sensitive` keeps the value out of the message.
    fn len(&mut self, at: &str, value: &str, (min, max): (usize, usize), sensitive: bool) {
        let n = value.encode_utf16().count();
        let shown = (!sensitive).then_some(value);
        if n < min {
            self.push(shown, at, &format!("have length greater than or equal to {min}"));
        } else if n > max {
            self.push(shown, at, &format!("have length less than or equal to {max}"));
        }
    }

    fn opt_len(&mut self, at: &str, value: Option<&String>, bounds: (usize, usize), sensitive: bool) {
        if let Some(value) = value {
            self.len(at, value, bounds, sensitive);
        }
    }

    fn range(&mut self, at: &str, value: Option<f64>, min: f64, max: Option<f64>) {
        let Some(value) = value else { return };
        if value < min {
            self.push(Some(&value.to_string()), at, &format!("have value greater than or equal to {min}"));
        } else if let Some(max) = max.filter(|max| value > *max) {
            self.push(Some(&value.to_string()), at, &format!("have value less than or equal to {max}"));
        }
    }

    fn int(&mut self, at: &str, value: Option<i64>, min: i64, max: Option<i64>) {
        self.range(at, value.map(|v| v as f64), min as f64, max.map(|m| m as f64));
    }

    fn pattern(&mut self, at: &str, value: Option<&String>, ok: fn(&str) -> bool, pattern: &str) {
        if let Some(value) = value.filter(|v| !ok(v)) {
            self.push(Some(value), at, &format!("satisfy regular expression pattern: {pattern}"));
        }
    }

    fn page(&mut self, max_results: Option<i32>, next_token: Option<&String>, max: i64) {
        self.int("maxResults", max_results.map(i64::from), 0, Some(max));
        self.opt_len("nextToken", next_token, PAGE_TOKEN, false);
    }

    fn tags(&mut self, at: &str, tags: &[Tag]) {
        for (i, tag) in tags.iter().enumerate() {
            self.len(&format!("{at}.{}.member.key", i + 1), &tag.key, TAG_KEY, false);
            self.len(&format!("{at}.{}.member.value", i + 1), &tag.value, TAG_VALUE, false);
        }
    }

    fn encryption(&mut self, config: Option<&EncryptionConfiguration>) {
        if let Some(config) = config {
            self.opt_len("encryptionConfiguration.kmsKeyId", config.kms_key_id.as_ref(), KMS_KEY_ID, false);
            let period = config.kms_data_key_reuse_period_seconds.map(i64::from);
            self.int("encryptionConfiguration.kmsDataKeyReusePeriodSeconds", period, 60, Some(900));
        }
    }

    fn routing(&mut self, routes: &[RoutingConfigurationListItem]) {
        if routes.is_empty() {
            self.push(None, "routingConfiguration", "have length greater than or equal to 1");
        } else if routes.len() > 2 {
            self.push(None, "routingConfiguration", "have length less than or equal to 2");
        }
        for (i, route) in routes.iter().enumerate() {
            let at = format!("routingConfiguration.{}.member", i + 1);
            self.len(&format!("{at}.stateMachineVersionArn"), &route.state_machine_version_arn, ARN, false);
            self.int(&format!("{at}.weight"), Some(route.weight.into()), 0, Some(100));
        }
    }

    fn finish(self) -> Result<(), ApiError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(ApiError::validation(format!("1 validation error detected: {}", self.0[0]))),
            n => Err(ApiError::validation(format!("{n} validation errors detected: {}", self.0.join("; ")))),
        }
    }
}

/// `^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`, the alias name pattern.
fn character_restricted_name(s: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    !s.is_empty() && s.chars().all(allowed) && s.chars().any(|c| !c.is_ascii_digit())
}

fn printable_ascii(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| (b'!'..=b'~').contains(&b))
}

impl Constraints for CreateStateMachineInput {
    fn collect(&self, v: &mut Violations) {
        v.len("name", &self.name, NAME, false);
        v.len("definition", &self.definition, DEFINITION, true);
        v.len("roleArn", &self.role_arn, ARN, false);
        v.tags("tags", self.tags.as_deref().unwrap_or_default());
        v.opt_len("versionDescription", self.version_description.as_ref(), DESCRIPTION, true);
        v.encryption(self.encryption_configuration.as_ref());
    }
}

impl Constraints for DescribeStateMachineInput {
    fn collect(&self, v: &mut Violations) {
        v.len("stateMachineArn", &self.state_machine_arn, ARN, false);
    }
}

impl Constraints for UpdateStateMachineInput {
    fn collect(&self, v: &mut Violations) {
        v.len("stateMachineArn", &self.state_machine_arn, ARN, false);
        v.opt_len("definition", self.definition.as_ref(), DEFINITION, true);
        v.opt_len("roleArn", self.role_arn.as_ref(), ARN, false);
        v.opt_len("versionDescription", self.version_description.as_ref(), DESCRIPTION, true);
        v.encryption(self.encryption_configuration.as_ref());
    }
}

impl Constraints for DeleteStateMachineInput {
    fn collect(&self, v: &mut Violations) {
        v.len("stateMachineArn", &self.state_machine_arn, ARN, false);
    }
}

impl Constraints for ListStateMachinesInput {
    fn collect(&self, v: &mut Violations) {
        v.page(self.max_results, self.next_token.as_ref(), 1000);
    }
}

impl Constraints for PublishStateMachineVersionInput {
    fn collect(&self, v: &mut Violations) {
        v.len("stateMachineArn", &self.state_machine_arn, ARN, false);
        v.opt_len("description", self.description.as_ref(), DESCRIPTION, true);
    }
}

impl Constraints for ListStateMachineVersionsInput {
    fn collect(&self, v: &mut Violations) {
        v.len("stateMachineArn", &self.state_machine_arn, ARN, false);
        v.page(self.max_results, self.next_token.as_ref(), 1000);
    }
}

impl Constraints for DeleteStateMachineVersionInput {
    fn collect(&self, v: &mut Violations) {
        v.len("stateMachineVersionArn", &self.state_machine_version_arn, LONG_ARN, false);
    }
}

impl Constraints for CreateStateMachineAliasInput {
    fn collect(&self, v: &mut Violations) {
        v.opt_len("description", self.description.as_ref(), DESCRIPTION, true);
        v.len("name", &self.name, NAME, false);
        v.pattern(
            "name",
            Some(&self.name).filter(|n| !n.is_empty() && n.len() <= NAME.1),
            character_restricted_name,
            r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$",
        );
        v.routing(&self.routing_configuration);
    }
}

impl Constraints for DescribeStateMachineAliasInput {
    fn collect(&self, v: &mut Violations) {
        v.len("stateMachineAliasArn", &self.state_machine_alias_arn, ARN, false);
    }
}

impl Constraints for UpdateStateMachineAliasInput {
    fn collect(&self, v: &mut Violations) {
        v.len("stateMachineAliasArn", &self.state_machine_alias_arn, ARN, false);
        v.opt_len("description", self.description.as_ref(), DESCRIPTION, true);
        if let Some(routes) = &self.routing_configuration {
            v.routing(routes);
        }
    }
}

impl Constraints for DeleteStateMachineAliasInput {
    fn collect(&self, v: &mut Violations) {
        v.len("stateMachineAliasArn", &self.state_machine_alias_arn, ARN, false);
    }
}

impl Constraints for ListStateMachineAliasesInput {
    fn collect(&self, v: &mut Violations) {
        v.len("stateMachineArn", &self.state_machine_arn, ARN, false);
        v.page(self.max_results, self.next_token.as_ref(), 1000);
    }
}

fn start(
    v: &mut Violations,
    arn: &str,
    name: Option<&String>,
    input: Option<&String>,
    trace: Option<&String>,
) {
    v.len("stateMachineArn", arn, ARN, false);
    v.opt_len("name", name, NAME, false);
    v.opt_len("input", input, DATA, true);
    v.opt_len("traceHeader", trace, TRACE_HEADER, false);
    v.pattern("traceHeader", trace, |s| s.is_ascii(), r"\p{ASCII}*");
}

impl Constraints for StartExecutionInput {
    fn collect(&self, v: &mut Violations) {
        start(
            v,
            &self.state_machine_arn,
            self.name.as_ref(),
            self.input.as_ref(),
            self.trace_header.as_ref(),
        );
    }
}

impl Constraints for StartSyncExecutionInput {
    fn collect(&self, v: &mut Violations) {
        start(
            v,
            &self.state_machine_arn,
            self.name.as_ref(),
            self.input.as_ref(),
            self.trace_header.as_ref(),
        );
    }
}

impl Constraints for StopExecutionInput {
    fn collect(&self, v: &mut Violations) {
        v.len("executionArn", &self.execution_arn, ARN, false);
        v.opt_len("error", self.error.as_ref(), ERROR, true);
        v.opt_len("cause", self.cause.as_ref(), CAUSE, true);
    }
}

impl Constraints for DescribeExecutionInput {
    fn collect(&self, v: &mut Violations) {
        v.len("executionArn", &self.execution_arn, ARN, false);
    }
}

impl Constraints for DescribeStateMachineForExecutionInput {
    fn collect(&self, v: &mut Violations) {
        v.len("executionArn", &self.execution_arn, ARN, false);
    }
}

impl Constraints for ListExecutionsInput {
    fn collect(&self, v: &mut Violations) {
        v.opt_len("stateMachineArn", self.state_machine_arn.as_ref(), ARN, false);
        v.int("maxResults", self.max_results.map(i64::from), 0, Some(1000));
        v.opt_len("nextToken", self.next_token.as_ref(), EXECUTIONS_PAGE_TOKEN, false);
        v.opt_len("mapRunArn", self.map_run_arn.as_ref(), LONG_ARN, false);
    }
}

impl Constraints for GetExecutionHistoryInput {
    fn collect(&self, v: &mut Violations) {
        v.len("executionArn", &self.execution_arn, ARN, false);
        v.page(self.max_results, self.next_token.as_ref(), 1000);
    }
}

impl Constraints for RedriveExecutionInput {
    fn collect(&self, v: &mut Violations) {
        v.len("executionArn", &self.execution_arn, ARN, false);
        v.opt_len("clientToken", self.client_token.as_ref(), CLIENT_TOKEN, false);
        let token = self.client_token.as_ref().filter(|t| !t.is_empty() && t.len() <= CLIENT_TOKEN.1);
        v.pattern("clientToken", token, printable_ascii, "[!-~]+");
    }
}

impl Constraints for SendTaskSuccessInput {
    fn collect(&self, v: &mut Violations) {
        v.len("taskToken", &self.task_token, TASK_TOKEN, false);
        v.len("output", &self.output, DATA, true);
    }
}

impl Constraints for SendTaskFailureInput {
    fn collect(&self, v: &mut Violations) {
        v.len("taskToken", &self.task_token, TASK_TOKEN, false);
        v.opt_len("error", self.error.as_ref(), ERROR, true);
        v.opt_len("cause", self.cause.as_ref(), CAUSE, true);
    }
}

impl Constraints for SendTaskHeartbeatInput {
    fn collect(&self, v: &mut Violations) {
        v.len("taskToken", &self.task_token, TASK_TOKEN, false);
    }
}

impl Constraints for CreateActivityInput {
    fn collect(&self, v: &mut Violations) {
        v.len("name", &self.name, NAME, false);
        v.tags("tags", self.tags.as_deref().unwrap_or_default());
        v.encryption(self.encryption_configuration.as_ref());
    }
}

impl Constraints for DescribeActivityInput {
    fn collect(&self, v: &mut Violations) {
        v.len("activityArn", &self.activity_arn, ARN, false);
    }
}

impl Constraints for DeleteActivityInput {
    fn collect(&self, v: &mut Violations) {
        v.len("activityArn", &self.activity_arn, ARN, false);
    }
}

impl Constraints for ListActivitiesInput {
    fn collect(&self, v: &mut Violations) {
        v.page(self.max_results, self.next_token.as_ref(), 1000);
    }
}

impl Constraints for GetActivityTaskInput {
    fn collect(&self, v: &mut Violations) {
        v.len("activityArn", &self.activity_arn, ARN, false);
        v.opt_len("workerName", self.worker_name.as_ref(), NAME, false);
    }
}

impl Constraints for ValidateStateMachineDefinitionInput {
    fn collect(&self, v: &mut Violations) {
        v.len("definition", &self.definition, DEFINITION, true);
        v.int("maxResults", self.max_results.map(i64::from), 0, Some(100));
    }
}

impl Constraints for TestStateInput {
    fn collect(&self, v: &mut Violations) {
        v.len("definition", &self.definition, DEFINITION, true);
        v.opt_len("roleArn", self.role_arn.as_ref(), ARN, false);
        v.opt_len("input", self.input.as_ref(), DATA, true);
        v.opt_len("variables", self.variables.as_ref(), DATA, true);
        v.opt_len("stateName", self.state_name.as_ref(), NAME, true);
        v.opt_len("context", self.context.as_ref(), DATA, true);
        if let Some(mock) = &self.mock {
            v.opt_len("mock.result", mock.result.as_ref(), DATA, true);
            if let Some(out) = &mock.error_output {
                v.opt_len("mock.errorOutput.error", out.error.as_ref(), ERROR, true);
                v.opt_len("mock.errorOutput.cause", out.cause.as_ref(), CAUSE, true);
            }
        }
        if let Some(config) = &self.state_configuration {
            let at = "stateConfiguration";
            v.int(&format!("{at}.retrierRetryCount"), config.retrier_retry_count.map(i64::from), 0, None);
            v.opt_len(&format!("{at}.errorCausedByState"), config.error_caused_by_state.as_ref(), NAME, true);
            let failures = config.map_iteration_failure_count.map(i64::from);
            v.int(&format!("{at}.mapIterationFailureCount"), failures, 0, None);
            v.opt_len(&format!("{at}.mapItemReaderData"), config.map_item_reader_data.as_ref(), DATA, true);
        }
    }
}

impl Constraints for TagResourceInput {
    fn collect(&self, v: &mut Violations) {
        v.len("resourceArn", &self.resource_arn, ARN, false);
        v.tags("tags", &self.tags);
    }
}

impl Constraints for UntagResourceInput {
    fn collect(&self, v: &mut Violations) {
        v.len("resourceArn", &self.resource_arn, ARN, false);
        for (i, key) in self.tag_keys.iter().enumerate() {
            v.len(&format!("tagKeys.{}.member", i + 1), key, TAG_KEY, false);
        }
    }
}

impl Constraints for ListTagsForResourceInput {
    fn collect(&self, v: &mut Violations) {
        v.len("resourceArn", &self.resource_arn, ARN, false);
    }
}

impl Constraints for DescribeMapRunInput {
    fn collect(&self, v: &mut Violations) {
        v.len("mapRunArn", &self.map_run_arn, LONG_ARN, false);
    }
}

impl Constraints for ListMapRunsInput {
    fn collect(&self, v: &mut Violations) {
        v.len("executionArn", &self.execution_arn, ARN, false);
        v.page(self.max_results, self.next_token.as_ref(), 1000);
    }
}

impl Constraints for UpdateMapRunInput {
    fn collect(&self, v: &mut Violations) {
        v.len("mapRunArn", &self.map_run_arn, LONG_ARN, false);
        v.int("maxConcurrency", self.max_concurrency.map(i64::from), 0, None);
        v.range("toleratedFailurePercentage", self.tolerated_failure_percentage, 0.0, Some(100.0));
        v.int("toleratedFailureCount", self.tolerated_failure_count, 0, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_violation_is_worded_as_aws_does() {
        let input = ListStateMachinesInput { max_results: Some(1001), next_token: None };
        assert_eq!(
            input.check().unwrap_err().message(),
            "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: \
             Member must have value less than or equal to 1000"
        );
    }

    #[test]
    fn every_violation_is_listed_and_sensitive_values_hidden() {
        let input = StartExecutionInput {
            state_machine_arn: String::new(),
            name: Some("n".repeat(81)),
            input: Some("x".repeat(262_145)),
            trace_header: Some("é".into()),
        };
        let err = input.check().unwrap_err();
        let msg = err.message();
        assert!(msg.starts_with("4 validation errors detected: "), "{msg}");
        assert!(msg.contains("Value '' at 'stateMachineArn' failed to satisfy constraint: Member must have length greater than or equal to 1"), "{msg}");
        assert!(
            msg.contains(
                "at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"
            ),
            "{msg}"
        );
        assert!(msg.contains("; Value at 'input' failed"), "{msg}");
        assert!(msg.contains("at 'traceHeader' failed to satisfy constraint: Member must satisfy regular expression pattern"), "{msg}");
    }

    #[test]
    fn alias_rules() {
        let mut input = CreateStateMachineAliasInput {
            description: None,
            name: "PROD".into(),
            routing_configuration: vec![RoutingConfigurationListItem {
                state_machine_version_arn: "arn:v1".into(),
                weight: 100,
            }],
        };
        assert!(input.check().is_ok());
        input.name = "123".into();
        assert!(input.check().unwrap_err().message().contains("regular expression pattern"));
        input.name = "ok".into();
        input.routing_configuration[0].weight = 101;
        input.routing_configuration.extend([Default::default(), Default::default()]);
        let err = input.check().unwrap_err();
        assert!(err.message().contains("'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2"), "{}", err.message());
        assert!(err.message().contains("'routingConfiguration.1.member.weight'"), "{}", err.message());
        assert!(character_restricted_name("a-1.b_"));
        assert!(!character_restricted_name("a b"));
        assert!(printable_ascii("abc!~") && !printable_ascii("a b"));
    }
}
