//! One row per validation rule: a definition and the diagnostics AWS gives for it, compared as
//! a multiset of (severity, code, location), the way the conformance runner compares
//! `ValidateStateMachineDefinition` answers. Messages are checked where AWS's wording is known.
//!
//! No row uses a `{% %}` expression: the JSONata engine is not merged yet.

use statecraft_asl::{parse, MachineType, Severity};

/// What a definition should give: nothing, or these (code, location) pairs. Warnings are
/// written with a `W:` prefix on the code.
struct Row {
    name: &'static str,
    machine: MachineType,
    text: String,
    expect: &'static [(&'static str, &'static str)],
}

fn row(name: &'static str, text: impl Into<String>, expect: &'static [(&'static str, &'static str)]) -> Row {
    Row { name, machine: MachineType::Standard, text: text.into(), expect }
}

fn express(
    name: &'static str,
    text: impl Into<String>,
    expect: &'static [(&'static str, &'static str)],
) -> Row {
    Row { name, machine: MachineType::Express, text: text.into(), expect }
}

/// A machine whose only state is `state` (named `A`).
fn one(state: &str) -> String {
    format!(r#"{{"StartAt": "A", "States": {{"A": {state}}}}}"#)
}

/// A machine with states `A` (given) and `B` (a Succeed state), starting at `A`.
fn two(state: &str) -> String {
    format!(r#"{{"StartAt": "A", "States": {{"A": {state}, "B": {{"Type": "Succeed"}}}}}}"#)
}

/// A Task state `A` with extra fields, ending the machine.
fn task(extra: &str) -> String {
    one(&format!(r#"{{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", {extra} "End": true}}"#))
}

/// A Map state `A` with the given processor config and extra fields.
fn map(config: &str, extra: &str) -> String {
    one(&format!(
        r#"{{"Type": "Map", "ItemProcessor": {{"ProcessorConfig": {config}, "StartAt": "P", "States": {{"P": {{"Type": "Pass", "End": true}}}}}}, {extra} "End": true}}"#
    ))
}

fn distributed(extra: &str) -> String {
    map(r#"{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}"#, extra)
}

fn choice(rules: &str) -> String {
    two(&format!(r#"{{"Type": "Choice", "Choices": {rules}, "Default": "B"}}"#))
}

const OK: &[(&str, &str)] = &[];
const SCHEMA: &str = "SCHEMA_VALIDATION_FAILED";
const TARGET: &str = "MISSING_TRANSITION_TARGET";

fn rows() -> Vec<Row> {
    vec![
        // JSON syntax and the top level.
        row(
            "not JSON",
            "not a definition",
            &[("INVALID_JSON_DESCRIPTION", "[Source: (String)\"not a definition\"; line: 1, column: 4]")],
        ),
        row(
            "trailing comma",
            "{\"StartAt\": \"A\",}",
            &[(
                "INVALID_JSON_DESCRIPTION",
                "[Source: (String)\"{\"StartAt\": \"A\",}\"; line: 1, column: 18]",
            )],
        ),
        row(
            "content after the definition is ignored, as Jackson does",
            format!("{} trailing", one(r#"{"Type": "Succeed"}"#)),
            OK,
        ),
        row("whitespace only", " \n", &[(SCHEMA, "")]),
        row("not an object", "[1, 2]", &[(SCHEMA, "")]),
        row("empty object", "{}", &[(SCHEMA, "/")]),
        row("no StartAt", r#"{"States": {"A": {"Type": "Succeed"}}}"#, &[(SCHEMA, "/")]),
        row(
            "unknown top-level field",
            r#"{"StartAt": "A", "Foo": 1, "States": {"A": {"Type": "Succeed"}}}"#,
            &[(SCHEMA, "/")],
        ),
        row(
            "TimeoutSeconds zero",
            r#"{"StartAt": "A", "TimeoutSeconds": 0, "States": {"A": {"Type": "Succeed"}}}"#,
            &[(SCHEMA, "/TimeoutSeconds")],
        ),
        row(
            "Version not a string",
            r#"{"StartAt": "A", "Version": 1, "States": {"A": {"Type": "Succeed"}}}"#,
            &[(SCHEMA, "/Version")],
        ),
        row(
            "QueryLanguage unknown",
            r#"{"StartAt": "A", "QueryLanguage": "XPath", "States": {"A": {"Type": "Succeed"}}}"#,
            &[(SCHEMA, "/QueryLanguage")],
        ),
        row(
            "StartAt names no state",
            r#"{"StartAt": "X", "States": {"A": {"Type": "Succeed"}}}"#,
            &[(TARGET, "/StartAt"), (TARGET, "/States/A")],
        ),
        // States: names, types, fields.
        row("Type missing", one(r#"{"End": true}"#), &[(SCHEMA, "/States/A")]),
        row("Type unknown", one(r#"{"Type": "Sleep", "End": true}"#), &[(SCHEMA, "/States/A/Type")]),
        row(
            "unknown state field",
            one(r#"{"Type": "Pass", "Foo": 1, "End": true}"#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "Succeed with Next",
            two(r#"{"Type": "Succeed", "Next": "B"}"#),
            &[(SCHEMA, "/States/A"), (TARGET, "/States/B")],
        ),
        row("Fail with InputPath", one(r#"{"Type": "Fail", "InputPath": "$"}"#), &[(SCHEMA, "/States/A")]),
        row(
            "Comment not a string",
            one(r#"{"Type": "Succeed", "Comment": 3}"#),
            &[(SCHEMA, "/States/A/Comment")],
        ),
        row(
            "state name too long",
            format!(
                r#"{{"StartAt": "{n}", "States": {{"{n}": {{"Type": "Succeed"}}}}}}"#,
                n = "x".repeat(81)
            ),
            &[(
                "INVALID_STATE_NAME",
                "/States/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            )],
        ),
        row(
            "state name of 80 characters",
            format!(
                r#"{{"StartAt": "{n}", "States": {{"{n}": {{"Type": "Succeed"}}}}}}"#,
                n = "x".repeat(80)
            ),
            OK,
        ),
        row(
            "state name with a control character",
            r#"{"StartAt": "A\u0001", "States": {"A\u0001": {"Type": "Succeed"}}}"#,
            &[("INVALID_STATE_NAME", "/States/A\u{1}")],
        ),
        row(
            "state names with spaces and punctuation",
            r#"{"StartAt": "Read next: item #1", "States": {"Read next: item #1": {"Type": "Succeed"}}}"#,
            OK,
        ),
        row(
            "duplicate key in States",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "A": {"Type": "Succeed"}}}"#,
            &[("DUPLICATE_STATE_NAME", "/States/A")],
        ),
        row(
            "duplicate name across branches",
            one(r#"{"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}},
                {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}]}"#),
            &[("DUPLICATE_STATE_NAME", "/States/A/Branches[1]/States/X")],
        ),
        // Transitions and the graph.
        row(
            "Next and End",
            two(r#"{"Type": "Pass", "Next": "B", "End": true}"#),
            &[(SCHEMA, "/States/A"), (TARGET, "/States/B")],
        ),
        row(
            "neither Next nor End",
            one(r#"{"Type": "Pass"}"#),
            &[(SCHEMA, "/States/A"), ("MISSING_END_STATE", "")],
        ),
        row(
            "End false without Next",
            one(r#"{"Type": "Pass", "End": false}"#),
            &[(SCHEMA, "/States/A/End"), ("MISSING_END_STATE", "")],
        ),
        row("End false with Next", two(r#"{"Type": "Pass", "End": false, "Next": "B"}"#), OK),
        row("End not a boolean", one(r#"{"Type": "Pass", "End": "yes"}"#), &[(SCHEMA, "/States/A/End")]),
        row(
            "Next names no state",
            one(r#"{"Type": "Pass", "Next": "Nope"}"#),
            &[(TARGET, "/States/A/Next"), ("MISSING_END_STATE", "")],
        ),
        row(
            "unreachable state",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}}"#,
            &[(TARGET, "/States/B")],
        ),
        row(
            "reachable through a catcher",
            two(
                r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "B"}]}"#,
            ),
            OK,
        ),
        row(
            "no terminal state",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}"#,
            &[("MISSING_END_STATE", "")],
        ),
        row(
            "unreachable state in a branch",
            one(
                r#"{"Type": "Parallel", "End": true, "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Succeed"}, "Y": {"Type": "Succeed"}}}]}"#,
            ),
            &[(TARGET, "/States/A/Branches[0]/States/Y")],
        ),
        // Paths and payload templates.
        row(
            "InputPath not a path",
            one(r#"{"Type": "Pass", "InputPath": "foo", "End": true}"#),
            &[(SCHEMA, "/States/A/InputPath")],
        ),
        row(
            "InputPath null",
            one(r#"{"Type": "Pass", "InputPath": null, "OutputPath": "$$.Execution", "End": true}"#),
            OK,
        ),
        row(
            "ResultPath not definite",
            one(r#"{"Type": "Pass", "ResultPath": "$.a[*]", "End": true}"#),
            &[(SCHEMA, "/States/A/ResultPath")],
        ),
        row(
            "ResultPath into the context",
            one(r#"{"Type": "Pass", "ResultPath": "$$.a", "End": true}"#),
            &[(SCHEMA, "/States/A/ResultPath")],
        ),
        row(
            "bad binding in Parameters",
            one(r#"{"Type": "Pass", "Parameters": {"x.$": "not a path"}, "End": true}"#),
            &[(SCHEMA, "/States/A/Parameters")],
        ),
        row(
            "bad nested binding",
            one(r#"{"Type": "Pass", "Parameters": {"a": {"b": [{"x.$": 3}]}}, "End": true}"#),
            &[(SCHEMA, "/States/A/Parameters/a/b[0]")],
        ),
        row(
            "illegal escape in an intrinsic call",
            one(
                r#"{"Type": "Pass", "Parameters": {"parsed.$": "States.StringToJson('{\"text\":\"An \\\"x\\\" here\"}')"}, "End": true}"#,
            ),
            &[(SCHEMA, "/States/A/Parameters")],
        ),
        row(
            "valid paths, calls and variables",
            one(
                r#"{"Type": "Pass", "Parameters": {"a.$": "$.x[0].y", "b.$": "States.Format('{}', $.n)", "c.$": "$$.Execution.Id", "d.$": "$myVar.f"}, "End": true}"#,
            ),
            OK,
        ),
        row(
            "Task Parameters not an object",
            task(r#""Parameters": [1],"#),
            &[(SCHEMA, "/States/A/Parameters")],
        ),
        row(
            "ResultSelector on a Pass state",
            one(r#"{"Type": "Pass", "ResultSelector": {}, "End": true}"#),
            &[(SCHEMA, "/States/A")],
        ),
        // Task.
        row("Task without Resource", one(r#"{"Type": "Task", "End": true}"#), &[(SCHEMA, "/States/A")]),
        row(
            "unrecognized optimized integration",
            one(r#"{"Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "End": true}"#),
            &[(SCHEMA, "/States/A/Resource")],
        ),
        row(
            "unsupported pattern",
            one(r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.sync", "End": true}"#),
            &[(SCHEMA, "/States/A/Resource")],
        ),
        row(
            "SDK integrations cannot .sync",
            one(r#"{"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject.sync", "End": true}"#),
            &[(SCHEMA, "/States/A/Resource")],
        ),
        row(
            "Resource that is no ARN",
            one(r#"{"Type": "Task", "Resource": "arn:aws:s3:::bucket", "End": true}"#),
            &[(SCHEMA, "/States/A/Resource")],
        ),
        row("TimeoutSeconds zero", task(r#""TimeoutSeconds": 0,"#), &[(SCHEMA, "/States/A/TimeoutSeconds")]),
        row(
            "TimeoutSeconds too large",
            task(r#""TimeoutSeconds": 100000000,"#),
            &[(SCHEMA, "/States/A/TimeoutSeconds")],
        ),
        row(
            "TimeoutSeconds not an integer",
            task(r#""TimeoutSeconds": 1.5,"#),
            &[(SCHEMA, "/States/A/TimeoutSeconds")],
        ),
        row(
            "HeartbeatSeconds not below TimeoutSeconds",
            task(r#""TimeoutSeconds": 10, "HeartbeatSeconds": 10,"#),
            &[(SCHEMA, "/States/A/HeartbeatSeconds")],
        ),
        row(
            "HeartbeatSeconds below TimeoutSeconds",
            task(r#""TimeoutSeconds": 10, "HeartbeatSeconds": 9,"#),
            OK,
        ),
        row(
            "TimeoutSeconds and TimeoutSecondsPath",
            task(r#""TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t","#),
            &[(SCHEMA, "/States/A/TimeoutSeconds")],
        ),
        row(
            "TimeoutSecondsPath not a reference path",
            task(r#""TimeoutSecondsPath": "$.t[*]","#),
            &[(SCHEMA, "/States/A/TimeoutSecondsPath")],
        ),
        row(
            "Credentials without RoleArn",
            task(r#""Credentials": {"Other": 1},"#),
            &[(SCHEMA, "/States/A/Credentials")],
        ),
        row("Credentials with RoleArn.$", task(r#""Credentials": {"RoleArn.$": "$.role"},"#), OK),
        row(
            "Credentials not an object",
            task(r#""Credentials": "role","#),
            &[(SCHEMA, "/States/A/Credentials")],
        ),
        // Retry and Catch.
        row(
            "MaxAttempts negative",
            task(r#""Retry": [{"ErrorEquals": ["E"], "MaxAttempts": -1}],"#),
            &[(SCHEMA, "/States/A/Retry[0]/MaxAttempts")],
        ),
        row("MaxAttempts zero", task(r#""Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 0}],"#), OK),
        row(
            "BackoffRate below 1",
            task(r#""Retry": [{"ErrorEquals": ["E"], "BackoffRate": 0.5}],"#),
            &[(SCHEMA, "/States/A/Retry[0]/BackoffRate")],
        ),
        row(
            "IntervalSeconds zero",
            task(r#""Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 0}],"#),
            &[(SCHEMA, "/States/A/Retry[0]/IntervalSeconds")],
        ),
        row(
            "MaxDelaySeconds zero",
            task(r#""Retry": [{"ErrorEquals": ["E"], "MaxDelaySeconds": 0}],"#),
            &[(SCHEMA, "/States/A/Retry[0]/MaxDelaySeconds")],
        ),
        row(
            "JitterStrategy unknown",
            task(r#""Retry": [{"ErrorEquals": ["E"], "JitterStrategy": "HALF"}],"#),
            &[(SCHEMA, "/States/A/Retry[0]/JitterStrategy")],
        ),
        row(
            "retrier with every field",
            task(
                r#""Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 2, "MaxAttempts": 5, "BackoffRate": 1.5, "MaxDelaySeconds": 60, "JitterStrategy": "FULL", "Comment": "c"}],"#,
            ),
            OK,
        ),
        row(
            "ErrorEquals empty",
            task(r#""Retry": [{"ErrorEquals": []}],"#),
            &[(SCHEMA, "/States/A/Retry[0]/ErrorEquals")],
        ),
        row(
            "ErrorEquals missing",
            task(r#""Retry": [{"MaxAttempts": 1}],"#),
            &[(SCHEMA, "/States/A/Retry[0]")],
        ),
        row(
            "States.ALL not alone",
            task(r#""Retry": [{"ErrorEquals": ["States.ALL", "E"]}],"#),
            &[(SCHEMA, "/States/A/Retry[0]/ErrorEquals")],
        ),
        row(
            "States.ALL not last",
            task(r#""Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["E"]}],"#),
            &[(SCHEMA, "/States/A/Retry[0]/ErrorEquals")],
        ),
        row(
            "unknown States error",
            task(r#""Retry": [{"ErrorEquals": ["States.Nope"]}],"#),
            &[(SCHEMA, "/States/A/Retry[0]/ErrorEquals[0]")],
        ),
        row(
            "predefined States errors",
            task(
                r#""Retry": [{"ErrorEquals": ["States.Timeout", "States.TaskFailed", "States.HeartbeatTimeout", "States.Http.Socket"]}],"#,
            ),
            OK,
        ),
        row(
            "unknown retrier field",
            task(r#""Retry": [{"ErrorEquals": ["E"], "Next": "B"}],"#),
            &[(SCHEMA, "/States/A/Retry[0]")],
        ),
        row(
            "catcher without Next",
            task(r#""Catch": [{"ErrorEquals": ["E"]}],"#),
            &[(SCHEMA, "/States/A/Catch[0]")],
        ),
        row(
            "catcher Next names no state",
            task(r#""Catch": [{"ErrorEquals": ["E"], "Next": "Z"}],"#),
            &[(TARGET, "/States/A/Catch[0]/Next")],
        ),
        row(
            "catcher ResultPath invalid",
            two(
                r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Catch": [{"ErrorEquals": ["E"], "Next": "B", "ResultPath": "x"}]}"#,
            ),
            &[(SCHEMA, "/States/A/Catch[0]/ResultPath")],
        ),
        row(
            "States.ALL not last in Catch",
            two(
                r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "B"}, {"ErrorEquals": ["E"], "Next": "B"}]}"#,
            ),
            &[(SCHEMA, "/States/A/Catch[0]/ErrorEquals")],
        ),
        // Choice.
        row(
            "Choice with Next",
            two(
                r#"{"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "B"}], "Next": "B"}"#,
            ),
            &[(SCHEMA, "/States/A")],
        ),
        row("Choices missing", two(r#"{"Type": "Choice", "Default": "B"}"#), &[(SCHEMA, "/States/A")]),
        row("Choices empty", choice("[]"), &[(SCHEMA, "/States/A/Choices")]),
        row(
            "rule without Next",
            choice(r#"[{"Variable": "$.x", "IsPresent": true}]"#),
            &[(SCHEMA, "/States/A/Choices[0]")],
        ),
        row(
            "rule Next names no state",
            choice(r#"[{"Variable": "$.x", "IsPresent": true, "Next": "Z"}]"#),
            &[(TARGET, "/States/A/Choices[0]/Next")],
        ),
        row(
            "Default names no state",
            two(
                r#"{"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "B"}], "Default": "Z"}"#,
            ),
            &[(TARGET, "/States/A/Default")],
        ),
        row(
            "two operators",
            choice(r#"[{"Variable": "$.x", "IsPresent": true, "IsNull": false, "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]")],
        ),
        row(
            "no operator",
            choice(r#"[{"Variable": "$.x", "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]")],
        ),
        row(
            "comparison without Variable",
            choice(r#"[{"StringEquals": "a", "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]")],
        ),
        row(
            "Variable not a path",
            choice(r#"[{"Variable": "x", "StringEquals": "a", "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]/Variable")],
        ),
        row(
            "operand of the wrong type",
            choice(r#"[{"Variable": "$.x", "NumericEquals": "1", "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]/NumericEquals")],
        ),
        row(
            "IsPresent not a boolean",
            choice(r#"[{"Variable": "$.x", "IsPresent": "true", "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]/IsPresent")],
        ),
        row(
            "timestamp operand not RFC 3339",
            choice(r#"[{"Variable": "$.x", "TimestampEquals": "2016-03-14 01:59:00Z", "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]/TimestampEquals")],
        ),
        row(
            "...Path operand not a path",
            choice(r#"[{"Variable": "$.x", "StringEqualsPath": "y", "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]/StringEqualsPath")],
        ),
        row(
            "StringMatchesPath does not exist",
            choice(r#"[{"Variable": "$.x", "StringMatchesPath": "$.y", "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]"), (SCHEMA, "/States/A/Choices[0]")],
        ),
        row("And empty", choice(r#"[{"And": [], "Next": "B"}]"#), &[(SCHEMA, "/States/A/Choices[0]/And")]),
        row(
            "Not an array",
            choice(r#"[{"Not": [{"Variable": "$.x", "IsPresent": true}], "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]/Not")],
        ),
        row(
            "Variable beside And",
            choice(r#"[{"Variable": "$.x", "And": [{"Variable": "$.x", "IsPresent": true}], "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]")],
        ),
        row(
            "Next in a nested rule",
            choice(r#"[{"Or": [{"Variable": "$.x", "IsPresent": true, "Next": "B"}], "Next": "B"}]"#),
            &[(SCHEMA, "/States/A/Choices[0]/Or[0]")],
        ),
        row(
            "valid nested rules",
            choice(
                r#"[{"And": [{"Variable": "$.x", "NumericGreaterThanEqualsPath": "$.y"}, {"Not": {"Variable": "$.s", "StringMatches": "a*"}}, {"Or": [{"Variable": "$$.Execution.Id", "IsString": true}, {"Variable": "$.t", "TimestampLessThan": "2016-03-14T01:59:00+01:00"}]}], "Next": "B", "Comment": "c"}]"#,
            ),
            OK,
        ),
        // Wait.
        row("Wait without a duration", one(r#"{"Type": "Wait", "End": true}"#), &[(SCHEMA, "/States/A")]),
        row(
            "Wait with two durations",
            one(r#"{"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}"#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "Seconds negative",
            one(r#"{"Type": "Wait", "Seconds": -1, "End": true}"#),
            &[(SCHEMA, "/States/A/Seconds")],
        ),
        row(
            "Timestamp without T",
            one(r#"{"Type": "Wait", "Timestamp": "2016-12-05 21:29:29Z", "End": true}"#),
            &[(SCHEMA, "/States/A/Timestamp")],
        ),
        row(
            "Timestamp without an offset",
            one(r#"{"Type": "Wait", "Timestamp": "2016-12-05T21:29:29", "End": true}"#),
            &[(SCHEMA, "/States/A/Timestamp")],
        ),
        row(
            "Timestamp out of range",
            one(r#"{"Type": "Wait", "Timestamp": "2016-12-05T25:29:29Z", "End": true}"#),
            &[(SCHEMA, "/States/A/Timestamp")],
        ),
        row(
            "JSONata Timestamp in a JSONPath state",
            one(r#"{"Type": "Wait", "Timestamp": "{% '2016-03-14T01:59:00Z' %}", "End": true}"#),
            &[(SCHEMA, "/States/A/Timestamp")],
        ),
        row(
            "valid Timestamp",
            one(r#"{"Type": "Wait", "Timestamp": "2016-03-14T01:59:00.123-05:00", "End": true}"#),
            OK,
        ),
        // Fail.
        row(
            "Error and ErrorPath",
            one(r#"{"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}"#),
            &[(SCHEMA, "/States/A/Error")],
        ),
        row(
            "CausePath with an intrinsic call",
            one(r#"{"Type": "Fail", "CausePath": "States.Format('{}', $.c)", "ErrorPath": "$.e"}"#),
            OK,
        ),
        row(
            "CausePath invalid",
            one(r#"{"Type": "Fail", "CausePath": "States.Nope("}"#),
            &[(SCHEMA, "/States/A/CausePath")],
        ),
        // Parallel.
        row(
            "Parallel without Branches",
            one(r#"{"Type": "Parallel", "End": true}"#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "Branches empty",
            one(r#"{"Type": "Parallel", "Branches": [], "End": true}"#),
            &[(SCHEMA, "/States/A/Branches")],
        ),
        row(
            "branch without StartAt",
            one(r#"{"Type": "Parallel", "Branches": [{"States": {"X": {"Type": "Succeed"}}}], "End": true}"#),
            &[(SCHEMA, "/States/A/Branches[0]")],
        ),
        row(
            "unknown branch field",
            one(
                r#"{"Type": "Parallel", "Branches": [{"StartAt": "X", "Foo": 1, "States": {"X": {"Type": "Succeed"}}}], "End": true}"#,
            ),
            &[(SCHEMA, "/States/A/Branches[0]")],
        ),
        // Map.
        row("Map without a processor", one(r#"{"Type": "Map", "End": true}"#), &[(SCHEMA, "/States/A")]),
        row(
            "Map with ItemProcessor and Iterator",
            one(
                r#"{"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}, "Iterator": {"StartAt": "Q", "States": {"Q": {"Type": "Succeed"}}}}"#,
            ),
            &[(SCHEMA, "/States/A/ItemProcessor")],
        ),
        row(
            "legacy Iterator with ProcessorConfig",
            one(
                r#"{"Type": "Map", "End": true, "Iterator": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "P", "States": {"P": {"Type": "Succeed"}}}}"#,
            ),
            OK,
        ),
        row(
            "Mode unknown",
            map(r#"{"Mode": "PARALLEL"}"#, ""),
            &[(SCHEMA, "/States/A/ItemProcessor/ProcessorConfig/Mode")],
        ),
        row(
            "DISTRIBUTED without ExecutionType",
            map(r#"{"Mode": "DISTRIBUTED"}"#, ""),
            &[(SCHEMA, "/States/A/ItemProcessor/ProcessorConfig")],
        ),
        row(
            "ExecutionType unknown",
            map(r#"{"Mode": "DISTRIBUTED", "ExecutionType": "FAST"}"#, ""),
            &[(SCHEMA, "/States/A/ItemProcessor/ProcessorConfig/ExecutionType")],
        ),
        row("Label of 40 characters", distributed(&format!(r#""Label": "{}","#, "l".repeat(40))), OK),
        row(
            "Label too long",
            distributed(&format!(r#""Label": "{}","#, "l".repeat(41))),
            &[(SCHEMA, "/States/A/Label")],
        ),
        row(
            "Label with an invalid character",
            distributed(r#""Label": "a b","#),
            &[(SCHEMA, "/States/A/Label")],
        ),
        row(
            "Label in INLINE mode",
            map(r#"{"Mode": "INLINE"}"#, r#""Label": "l","#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "ItemBatcher in INLINE mode",
            map(r#"{"Mode": "INLINE"}"#, r#""ItemBatcher": {"MaxItemsPerBatch": 2},"#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "ItemBatcher in DISTRIBUTED mode",
            distributed(
                r#""ItemBatcher": {"MaxItemsPerBatch": 2, "MaxInputBytesPerBatchPath": "$.b", "BatchInput": {"k": 1}},"#,
            ),
            OK,
        ),
        row(
            "ItemBatcher MaxItemsPerBatch negative",
            distributed(r#""ItemBatcher": {"MaxItemsPerBatch": -1},"#),
            &[(SCHEMA, "/States/A/ItemBatcher/MaxItemsPerBatch")],
        ),
        row(
            "ItemReader with an S3 resource",
            distributed(
                r#""ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "MaxItems": 10}, "Parameters": {"Bucket.$": "$.b", "Key": "k"}},"#,
            ),
            OK,
        ),
        row(
            "ItemReader with another resource",
            distributed(r#""ItemReader": {"Resource": "arn:aws:states:::s3:deleteObject"},"#),
            &[(SCHEMA, "/States/A/ItemReader/Resource")],
        ),
        row(
            "ItemReader without Resource",
            distributed(r#""ItemReader": {"Parameters": {}},"#),
            &[(SCHEMA, "/States/A/ItemReader")],
        ),
        row(
            "ResultWriter with another resource",
            distributed(
                r#""ResultWriter": {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b"}},"#,
            ),
            &[(SCHEMA, "/States/A/ResultWriter/Resource")],
        ),
        row(
            "MaxConcurrency negative",
            map(r#"{"Mode": "INLINE"}"#, r#""MaxConcurrency": -1,"#),
            &[(SCHEMA, "/States/A/MaxConcurrency")],
        ),
        row(
            "ToleratedFailurePercentage above 100",
            map(r#"{"Mode": "INLINE"}"#, r#""ToleratedFailurePercentage": 101,"#),
            &[(SCHEMA, "/States/A/ToleratedFailurePercentage")],
        ),
        row(
            "ToleratedFailureCount in INLINE mode",
            map(r#"{"Mode": "INLINE"}"#, r#""ToleratedFailureCount": 1,"#),
            OK,
        ),
        row(
            "ItemSelector and Parameters",
            map(r#"{"Mode": "INLINE"}"#, r#""ItemSelector": {}, "Parameters": {},"#),
            &[(SCHEMA, "/States/A/ItemSelector")],
        ),
        // EXPRESS machines.
        express(
            "EXPRESS .sync",
            task_resource("arn:aws:states:::states:startExecution.sync"),
            &[(SCHEMA, "/States/A/Resource")],
        ),
        express(
            "EXPRESS .sync:2",
            task_resource("arn:aws:states:::states:startExecution.sync:2"),
            &[(SCHEMA, "/States/A/Resource")],
        ),
        express(
            "EXPRESS .waitForTaskToken",
            task_resource("arn:aws:states:::sqs:sendMessage.waitForTaskToken"),
            &[(SCHEMA, "/States/A/Resource")],
        ),
        express(
            "EXPRESS activity",
            task_resource("arn:aws:states:us-east-1:111111111111:activity:a"),
            &[(SCHEMA, "/States/A/Resource")],
        ),
        express("EXPRESS request-response", task_resource("arn:aws:states:::sqs:sendMessage"), OK),
        row("STANDARD .sync", task_resource("arn:aws:states:::states:startExecution.sync"), OK),
        express(
            "EXPRESS Distributed Map",
            distributed(""),
            &[(SCHEMA, "/States/A/ItemProcessor/ProcessorConfig/Mode")],
        ),
        express("EXPRESS Inline Map", map(r#"{"Mode": "INLINE"}"#, ""), OK),
        // Query languages.
        row(
            "JSONPath state in a JSONata machine",
            r#"{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}"#,
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "JSONata state in a JSONPath machine, JSONPath state inside it",
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "QueryLanguage": "JSONata", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}, "End": true}}}"#,
            OK,
        ),
        row(
            "Parameters in a JSONata state",
            one(r#"{"Type": "Pass", "QueryLanguage": "JSONata", "Parameters": {}, "End": true}"#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "Result in a JSONata state",
            one(r#"{"Type": "Pass", "QueryLanguage": "JSONata", "Result": 1, "End": true}"#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "ItemsPath in a JSONata state",
            map(r#"{"Mode": "INLINE"}"#, r#""QueryLanguage": "JSONata", "ItemsPath": "$.x","#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "Output in a JSONPath state",
            one(r#"{"Type": "Pass", "Output": {"a": 1}, "End": true}"#),
            &[(SCHEMA, "/States/A")],
        ),
        row("Arguments in a JSONPath state", task(r#""Arguments": {},"#), &[(SCHEMA, "/States/A")]),
        row(
            "literal Output in a JSONata state",
            one(r#"{"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"a": [1, 2]}, "End": true}"#),
            OK,
        ),
        row(
            "literal Items in a JSONata Map",
            map(r#"{"Mode": "INLINE"}"#, r#""QueryLanguage": "JSONata", "Items": [1, 2],"#),
            OK,
        ),
        row(
            "Items that is no array",
            map(r#"{"Mode": "INLINE"}"#, r#""QueryLanguage": "JSONata", "Items": {"a": 1},"#),
            &[(SCHEMA, "/States/A/Items")],
        ),
        row(
            "JSONata Choice rule with a JSONPath operator",
            r#"{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Condition": true, "Variable": "$.x", "Next": "B"}], "Default": "B"}, "B": {"Type": "Succeed"}}}"#,
            &[(SCHEMA, "/States/A/Choices[0]")],
        ),
        row(
            "JSONata Choice rule without Condition",
            r#"{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Next": "B"}], "Default": "B"}, "B": {"Type": "Succeed"}}}"#,
            &[(SCHEMA, "/States/A/Choices[0]")],
        ),
        row(
            "TimeoutSecondsPath in a JSONata state",
            task(r#""QueryLanguage": "JSONata", "TimeoutSecondsPath": "$.t","#),
            &[(SCHEMA, "/States/A")],
        ),
        // Measured on AWS by a third party (floci's pinned tests): graph, fields, languages.
        row(
            "a loop with no terminal state, and a state nothing reaches",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}, "U": {"Type": "Pass", "Next": "A"}}}"#,
            &[("MISSING_END_STATE", "")],
        ),
        row(
            "a loop beside an unreachable terminal state",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}, "C": {"Type": "Pass", "End": true}}}"#,
            &[(TARGET, "/States/C")],
        ),
        row(
            "a loop inside a Map processor",
            one(
                r#"{"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}, "Y": {"Type": "Pass", "Next": "X"}}}}"#,
            ),
            OK,
        ),
        row(
            "unreachable state in a processor",
            one(
                r#"{"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Pass", "End": true}, "Ghost": {"Type": "Pass", "End": true}}}}"#,
            ),
            &[(TARGET, "/States/A/ItemProcessor/States/Ghost")],
        ),
        row(
            "unreachable state with a slash in its name",
            r#"{"StartAt": "S", "States": {"S": {"Type": "Pass", "End": true}, "a/b": {"Type": "Pass", "End": true}}}"#,
            &[(TARGET, "/States/a/b")],
        ),
        row(
            "processor StartAt names no state",
            one(
                r#"{"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "Nope", "States": {"X": {"Type": "Pass", "End": true}}}}"#,
            ),
            &[(TARGET, "/States/A/ItemProcessor/StartAt"), (TARGET, "/States/A/ItemProcessor/States/X")],
        ),
        row(
            "TimeoutSeconds on a Parallel state",
            one(
                r#"{"Type": "Parallel", "TimeoutSeconds": 5, "End": true, "Branches": [{"StartAt": "W", "States": {"W": {"Type": "Succeed"}}}]}"#,
            ),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "TimeoutSeconds on a Map state",
            map(r#"{"Mode": "INLINE"}"#, r#""TimeoutSeconds": 5,"#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "Retry on a Wait state",
            one(r#"{"Type": "Wait", "Seconds": 1, "End": true, "Retry": [{"ErrorEquals": ["States.ALL"]}]}"#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "Catch on a JSONata Pass state",
            r#"{"QueryLanguage": "JSONata", "StartAt": "X", "States": {"X": {"Type": "Pass", "End": true, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "X"}]}}}"#,
            &[(SCHEMA, "/States/X")],
        ),
        row(
            "Seconds above the maximum",
            one(r#"{"Type": "Wait", "Seconds": 100000000, "End": true}"#),
            &[(SCHEMA, "/States/A/Seconds")],
        ),
        row(
            "QueryLanguage on a processor",
            one(
                r#"{"Type": "Map", "End": true, "ItemProcessor": {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}"#,
            ),
            &[(SCHEMA, "/States/A/ItemProcessor")],
        ),
        row(
            "QueryLanguage on a legacy Iterator",
            one(
                r#"{"Type": "Map", "End": true, "Iterator": {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}"#,
            ),
            &[(SCHEMA, "/States/A/Iterator")],
        ),
        row(
            "QueryLanguage on a branch",
            one(
                r#"{"Type": "Parallel", "End": true, "Branches": [{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}]}"#,
            ),
            &[(SCHEMA, "/States/A/Branches[0]")],
        ),
        row(
            "a JSONPath state in a JSONata machine is reported alone",
            r#"{"QueryLanguage": "JSONata", "StartAt": "X", "States": {"X": {"Type": "Pass", "QueryLanguage": "JSONPath", "Output": {"v": 1}, "End": true}}}"#,
            &[(SCHEMA, "/States/X")],
        ),
        row(
            "a JSONPath Map in a JSONata machine still has its numbers checked",
            r#"{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "QueryLanguage": "JSONPath", "MaxConcurrency": -1, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
            &[(SCHEMA, "/States/M"), (SCHEMA, "/States/M/MaxConcurrency")],
        ),
        row(
            "a QueryLanguage outside the enum resolves to JSONata",
            one(
                r#"{"Type": "Pass", "QueryLanguage": "jsonata", "Output": {"v": 1}, "InputPath": "$.a", "End": true}"#,
            ),
            &[(SCHEMA, "/States/A"), (SCHEMA, "/States/A/QueryLanguage")],
        ),
        row(
            "lower-case jsonpath in a JSONata machine is no downgrade",
            r#"{"QueryLanguage": "JSONata", "StartAt": "X", "States": {"X": {"Type": "Pass", "QueryLanguage": "jsonpath", "End": true}}}"#,
            &[(SCHEMA, "/States/X/QueryLanguage")],
        ),
        row(
            "top-level QueryLanguage not a string",
            r#"{"QueryLanguage": 5, "StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}"#,
            &[(SCHEMA, "/QueryLanguage")],
        ),
        row(
            "a QueryLanguage that is no string resolves to JSONata",
            one(r#"{"Type": "Pass", "QueryLanguage": 5, "InputPath": "$.a", "End": true}"#),
            &[(SCHEMA, "/States/A"), (SCHEMA, "/States/A/QueryLanguage")],
        ),
        row(
            "Items in a JSONPath Map",
            map(r#"{"Mode": "INLINE"}"#, r#""Items": [1],"#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "MaxConcurrencyPath in a JSONata Map",
            map(r#"{"Mode": "INLINE"}"#, r#""QueryLanguage": "JSONata", "MaxConcurrencyPath": "$.l","#),
            &[(SCHEMA, "/States/A")],
        ),
        row(
            "MaxConcurrency beyond any int",
            map(r#"{"Mode": "INLINE"}"#, r#""MaxConcurrency": 9223372036854775807,"#),
            OK,
        ),
        row(
            "MaxConcurrencyPath selecting many nodes",
            map(r#"{"Mode": "INLINE"}"#, r#""MaxConcurrencyPath": "$.l[*]","#),
            &[(SCHEMA, "/States/A/MaxConcurrencyPath")],
        ),
        row(
            "MaxConcurrencyPath into the context object",
            map(r#"{"Mode": "INLINE"}"#, r#""MaxConcurrencyPath": "$$.Execution.Input.n","#),
            &[(SCHEMA, "/States/A/MaxConcurrencyPath")],
        ),
        row(
            "MaxConcurrencyPath from a variable",
            map(r#"{"Mode": "INLINE"}"#, r#""MaxConcurrencyPath": "$limit","#),
            OK,
        ),
        row(
            "ItemsPath into the context object",
            map(r#"{"Mode": "INLINE"}"#, r#""ItemsPath": "$$.Execution.Input.items","#),
            OK,
        ),
        row(
            "ItemReader in INLINE mode",
            map(
                r#"{"Mode": "INLINE"}"#,
                r#""ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "k"}},"#,
            ),
            OK,
        ),
        row(
            "ItemReader InputType unknown",
            distributed(
                r#""ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "XML"}},"#,
            ),
            &[(SCHEMA, "/States/A/ItemReader/ReaderConfig/InputType")],
        ),
        row(
            "ItemReader MaxItems above the maximum",
            distributed(
                r#""ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "ReaderConfig": {"MaxItems": 100000001}},"#,
            ),
            &[(SCHEMA, "/States/A/ItemReader/ReaderConfig/MaxItems")],
        ),
        row(
            "ResultWriter empty",
            distributed(r#""ResultWriter": {},"#),
            &[(SCHEMA, "/States/A/ResultWriter")],
        ),
        row(
            "ResultWriter Resource without Parameters",
            distributed(r#""ResultWriter": {"Resource": "arn:aws:states:::s3:putObject"},"#),
            &[(SCHEMA, "/States/A/ResultWriter")],
        ),
        row(
            "ResultWriter WriterConfig alone",
            distributed(
                r#""ResultWriter": {"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSONL"}},"#,
            ),
            OK,
        ),
        row(
            "ResultWriter WriterConfig without OutputType",
            distributed(r#""ResultWriter": {"WriterConfig": {"Transformation": "COMPACT"}},"#),
            &[(SCHEMA, "/States/A/ResultWriter/WriterConfig")],
        ),
        row(
            "ResultWriter Parameters in a JSONata Map",
            distributed(
                r#""QueryLanguage": "JSONata", "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Arguments": {"Bucket": "b"}, "Parameters": {"Bucket": "c"}},"#,
            ),
            &[(SCHEMA, "/States/A/ResultWriter/Parameters")],
        ),
        row(
            "$$ in a JSONata expression",
            r#"{"QueryLanguage": "JSONata", "StartAt": "Main", "States": {"Main": {"Type": "Pass", "Output": "{% $$ %}", "End": true}}}"#,
            &[("UNSUPPORTED_JSONATA_EXPRESSION", "/States/Main/Output")],
        ),
        row(
            "$states.errorOutput outside a catcher",
            r#"{"QueryLanguage": "JSONata", "StartAt": "Main", "States": {"Main": {"Type": "Pass", "Output": {"e": ["{% $states.errorOutput %}"]}, "End": true}}}"#,
            &[("UNSUPPORTED_JSONATA_EXPRESSION", "/States/Main/Output/e")],
        ),
        // Warnings: reported, but the definition is valid.
        row(
            "NO_DOLLAR",
            one(r#"{"Type": "Pass", "Parameters": {"a": {"b": "$.x"}}, "End": true}"#),
            &[("W:NO_DOLLAR", "/States/A/Parameters/a")],
        ),
        row("NO_PATH", one(r#"{"Type": "Fail", "Error": "$.error"}"#), &[("W:NO_PATH", "/States/A/Error")]),
        row(
            "PASS_RESULT_IS_STATIC",
            one(r#"{"Type": "Pass", "Result": {"a.$": "$.x"}, "End": true}"#),
            &[("W:PASS_RESULT_IS_STATIC", "/States/A/Result")],
        ),
    ]
}

fn task_resource(resource: &str) -> String {
    one(&format!(r#"{{"Type": "Task", "Resource": "{resource}", "End": true}}"#))
}

#[test]
fn every_rule() {
    let mut failures = Vec::new();
    for r in rows() {
        let parsed = parse(&r.text, r.machine);
        let mut got: Vec<(String, String)> = parsed
            .diagnostics
            .iter()
            .map(|d| {
                let code = match d.severity {
                    Severity::Error => d.code.as_str().to_string(),
                    Severity::Warning => format!("W:{}", d.code.as_str()),
                };
                (code, d.location.clone().unwrap_or_default())
            })
            .collect();
        let mut want: Vec<(String, String)> =
            r.expect.iter().map(|(c, l)| (c.to_string(), l.to_string())).collect();
        got.sort();
        want.sort();
        let errors = r.expect.iter().any(|(c, _)| !c.starts_with("W:"));
        if got != want || parsed.is_ok() == errors {
            failures
                .push(format!("{}:\n  want {want:?}\n  got  {got:?}\n  {:#?}", r.name, parsed.diagnostics));
        }
    }
    assert!(failures.is_empty(), "{} rule(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn aws_wording_where_it_is_known() {
    let message = |text: &str, machine| {
        let p = parse(text, machine);
        p.diagnostics.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
    };
    let std = MachineType::Standard;
    assert_eq!(message("{}", std), ["These fields are required: [States, StartAt]"]);
    assert_eq!(message(" ", std), ["Definition must be a valid JSON object"]);
    assert_eq!(
        message("not a definition", std),
        ["Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]"]
    );
    assert_eq!(
        message(&task_resource("arn:aws:states:::dynamodb:query"), std),
        ["The resource provided arn:<partition>:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."]
    );
    assert_eq!(
        message(&task_resource("arn:aws:states:::sqs:sendMessage.waitForTaskToken"), MachineType::Express),
        ["Express state machine does not support '.waitForTaskToken' service integration "]
    );
    assert_eq!(
        message(&task(r#""Credentials": {},"#), std),
        ["The field 'RoleArn' is required but was missing"]
    );
    assert_eq!(
        message(&one(r#"{"Type": "Pass", "Parameters": {"parsed.$": "States.Nope("}, "End": true}"#), std),
        ["The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call"]
    );
    assert_eq!(
        message(r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}}"#, std),
        ["State \"B\" is not reachable."]
    );
    assert_eq!(
        message(&one(r#"{"Type": "Sleep", "End": true}"#), std),
        ["The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]"]
    );
    assert_eq!(
        message(&one(r#"{"Type": "Wait", "Timestamp": "2016-12-05T21:29:29", "End": true}"#), std),
        ["String does not match RFC3339 timestamp"]
    );
    // Wording third parties measured against AWS (floci's pinned tests, a CloudFormation error).
    assert_eq!(
        message(
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}"#,
            std
        ),
        ["Workflow has no terminal state"]
    );
    assert_eq!(
        message(&one(r#"{"Type": "Pass", "TimeoutSeconds": 5, "End": true}"#), std),
        ["Field 'TimeoutSeconds' is not supported"]
    );
    assert_eq!(
        message(&choice(r#"[{"Variable": "$.x", "IsPresent": true, "Next": "Ghost"}]"#), std),
        ["Missing 'Next' target: Ghost"]
    );
    assert_eq!(
        message(
            &two(
                r#"{"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "B"}], "Default": "Ghost"}"#
            ),
            std
        ),
        ["Missing 'Next' target: Ghost"]
    );
    assert_eq!(
        message(&task(r#""Output": {"v": 1},"#), std),
        ["The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage"]
    );
    assert_eq!(
        message(&one(r#"{"Type": "Pass", "QueryLanguage": "JSONata", "InputPath": "$.a", "End": true}"#), std),
        ["The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage"]
    );
    assert_eq!(
        message(
            r#"{"QueryLanguage": "jsonata", "StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}"#,
            std
        ),
        ["Value should be one of the following: [JSONPath, JSONata]"]
    );
    assert_eq!(
        message(
            r#"{"QueryLanguage": 5, "StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}"#,
            std
        ),
        ["Expected value of type [STRING]"]
    );
    assert_eq!(
        message(&one(r#"{"Type": "Wait", "Seconds": 100000000, "End": true}"#), std),
        ["Maximum value is 99999999"]
    );
    assert_eq!(
        message(&map(r#"{"Mode": "INLINE"}"#, r#""MaxConcurrency": -1,"#), std),
        ["Minimum value is 0"]
    );
    assert_eq!(
        message(&map(r#"{"Mode": "INLINE"}"#, r#""ToleratedFailurePercentage": 100.5,"#), std),
        ["Maximum value is 100.0"]
    );
    assert_eq!(
        message(&map(r#"{"Mode": "INLINE"}"#, r#""MaxConcurrency": 1, "MaxConcurrencyPath": "$.m","#), std),
        ["There should only be one of the following fields: [MaxConcurrency, MaxConcurrencyPath]"]
    );
    assert_eq!(
        message(&map(r#"{"Mode": "INLINE"}"#, r#""MaxConcurrencyPath": "$$.x","#), std),
        ["Value is not a Reference Path"]
    );
    assert_eq!(
        message(
            r#"{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Pass", "Output": "{% $$ %}", "End": true}}}"#,
            std
        ),
        ["Reference to '$$' is not supported."]
    );
    assert_eq!(
        message(&distributed(r#""Label": "label_{","#), std),
        ["Label contains invalid character: '{'"]
    );
    assert_eq!(
        message(
            r#"{"StartAt": "P", "QueryLanguage": "JSONata", "States": {"P": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}"#,
            std
        ),
        ["'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"]
    );
}

/// CreateStateMachine's `InvalidDefinition` messages as AWS recorded them (the conformance
/// corpus), which carry code, wording and location at once.
#[test]
fn recorded_create_state_machine_messages() {
    let cases: &[(&str, MachineType, &str)] = &[
        (
            r#"{"Comment": "BASE_INVALID_DER", "StartAt": "State_1"}"#,
            MachineType::Standard,
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'",
        ),
        (
            r#"{"StartAt": "StartExecution", "States": {"StartExecution": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync", "Parameters": {"StateMachineArn.$": "$.StateMachineArn"}, "End": true}}}"#,
            MachineType::Express,
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '.sync' service integration at /States/StartExecution/Resource'",
        ),
        (
            r#"{"StartAt": "Query", "States": {"Query": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "ResultPath": "$.queryItemOutput", "Parameters": {"TableName.$": "$.TableName"}, "End": true}}}"#,
            MachineType::Standard,
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The resource provided arn:<partition>:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, or the resource is not available in this region. at /States/Query/Resource'",
        ),
        (
            r#"{"StartAt": "WaitUntil", "States": {"WaitUntil": {"Type": "Wait", "Timestamp": "2016-12-05T25:29:29Z", "End": true}}}"#,
            MachineType::Standard,
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp at /States/WaitUntil/Timestamp'",
        ),
        (
            r#"{"StartAt": "IntrinsicEscape", "States": {"IntrinsicEscape": {"Type": "Pass", "Parameters": {"parsed.$": "States.Format('He said, \\\"Hello, {}!\\\"', 'Test \\\"Name\\\" Here')"}, "End": true}}}"#,
            MachineType::Standard,
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call at /States/IntrinsicEscape/Parameters'",
        ),
        (
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}"#,
            MachineType::Standard,
            "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state at null'",
        ),
        (
            r#"{"StartAt": "pass1", "States": {"pass1": {"Type": "Pass", "Next": "pass3"}, "pass2": {"Type": "Pass", "End": true}}}"#,
            MachineType::Standard,
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next, MISSING_TRANSITION_TARGET: State \"pass2\" is not reachable. at /States/pass2'",
        ),
    ];
    for (text, machine, want) in cases {
        let parsed = parse(text, *machine);
        let got = statecraft_asl::Diagnostic::invalid_definition_message(&parsed.diagnostics);
        assert_eq!(&got, want, "{text}");
    }
}
