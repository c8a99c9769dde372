//! Whole executions through `run_to_end` with the project's real resources: Retry and Catch
//! match resolver failures as they would on AWS.

use crate::common::fixtures;
use serde_json::{json, Value};
use statecraft_asl::{parse, MachineType};
use statecraft_core::{Execution, ExecutionInfo, FixedEnv, Limits, Status};
use statecraft_runtime::config::ProjectConfig;
use statecraft_runtime::resolvers::{BlockingResolver, ConfiguredInvoker};
use statecraft_runtime::{run_to_end, Clock, Outcome, RunError};
use std::sync::Arc;

const PROJECT: &str = r#"
[resources.Flaky]
command = ["python3", "handlers/fail.py", "stdout"]
[resources.Echo]
command = ["python3", "handlers/echo.py"]
"#;

fn run(definition: Value, input: Value) -> (Result<Outcome, RunError>, Vec<String>) {
    let def = parse(&definition.to_string(), MachineType::Standard).into_result().expect("definition");
    let config = ProjectConfig::parse(PROJECT, "statecraft.toml", &fixtures(), &|_| None).expect("config");
    let invoker = Arc::new(ConfiguredInvoker::new(config).expect("invoker"));
    let mut resolver = BlockingResolver::new(invoker).expect("runtime");
    let info = ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:SM:e1".into(),
        name: "e1".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:SM".into(),
        state_machine_name: "SM".into(),
        role_arn: "arn:aws:iam::123456789012:role/statecraft".into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        start_time: 1_700_000_000_000,
        input,
        redrive_count: 0,
    };
    let env = FixedEnv::new(1_700_000_000_000, 7);
    let mut types = Vec::new();
    let outcome = run_to_end(
        &def,
        Execution::new(info, Limits::default()),
        &mut resolver,
        Clock::Virtual(&env),
        &mut |e| types.push(e.kind.type_name().to_string()),
    );
    (outcome, types)
}

#[test]
fn retry_then_catch_on_the_error_type_of_a_real_command() {
    let definition = json!({
        "StartAt": "Extract",
        "States": {
            "Extract": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Flaky",
                "Retry": [{"ErrorEquals": ["CustomError"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["CustomError"], "ResultPath": "$.error", "Next": "Handled"}],
                "End": true
            },
            "Handled": {"Type": "Pass", "End": true}
        }
    });
    let (outcome, types) = run(definition, json!({"k": 1}));
    let outcome = outcome.expect("run");
    assert_eq!(outcome.status, Status::Succeeded);
    let out = outcome.output.unwrap();
    assert_eq!(out["k"], 1);
    assert_eq!(out["error"]["Error"], "CustomError");
    let cause: Value = serde_json::from_str(out["error"]["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(cause["errorMessage"], "the thing broke");
    assert_eq!(types.iter().filter(|t| *t == "LambdaFunctionFailed").count(), 3, "{types:?}");
}

#[test]
fn lambda_invoke_envelope_feeds_result_selector() {
    let definition = json!({
        "StartAt": "Invoke",
        "States": {
            "Invoke": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "Echo", "Payload.$": "$"},
                "ResultSelector": {"got.$": "$.Payload.input", "code.$": "$.StatusCode"},
                "End": true
            }
        }
    });
    let (outcome, _) = run(definition, json!({"n": 5}));
    let outcome = outcome.expect("run");
    assert_eq!(outcome.status, Status::Succeeded);
    assert_eq!(outcome.output, Some(json!({"got": {"n": 5}, "code": 200})));
}

#[test]
fn unmapped_resources_fail_the_execution_with_a_clear_cause() {
    let definition = json!({
        "StartAt": "Nowhere",
        "States": {"Nowhere": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Missing", "End": true}}
    });
    let (outcome, _) = run(definition, json!({}));
    let outcome = outcome.expect("run");
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.error.as_deref(), Some("States.TaskFailed"));
    assert!(outcome.cause.unwrap().contains("no resolver configured for state 'Nowhere'"));
}
