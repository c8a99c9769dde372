//! The pure core driven by hand: a builder feeds events, the test reads effects and history
//! as compact text. No runtime, no clock, no I/O.

use serde_json::{json, Value};
use statecraft_asl::{parse, Definition, MachineType};
use statecraft_core::{
    Effect, Env, Event, Execution, ExecutionInfo, FixedEnv, Limits, Status, TaskId, TimerId, TimerKind,
};

struct ExecTest {
    def: Definition,
    exec: Execution,
    env: FixedEnv,
    history: Vec<String>,
    effects: Vec<Effect>,
}

impl ExecTest {
    fn new(definition: Value) -> ExecTest {
        ExecTest::with_limits(definition, Limits::default())
    }

    fn with_limits(definition: Value, limits: Limits) -> ExecTest {
        let def =
            parse(&definition.to_string(), MachineType::Standard).into_result().expect("valid definition");
        let info = ExecutionInfo {
            execution_arn: "arn:aws:states:us-east-1:123456789012:execution:sm:e1".into(),
            name: "e1".into(),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm".into(),
            state_machine_name: "sm".into(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            start_time: 1_000_000,
            input: json!({}),
            redrive_count: 0,
        };
        ExecTest {
            def,
            exec: Execution::new(info, limits),
            env: FixedEnv::new(1_000_000, 42),
            history: Vec::new(),
            effects: Vec::new(),
        }
    }

    fn input(mut self, v: Value) -> ExecTest {
        self.exec.info.input = v;
        self
    }

    fn event(&mut self, e: Event) -> &mut Self {
        let step = self.exec.apply(&self.def, e, &self.env);
        self.history.extend(step.history.iter().map(|h| h.kind.type_name().to_string()));
        self.effects = step.effects;
        self
    }

    fn start(&mut self) -> &mut Self {
        self.event(Event::Started)
    }

    /// History types so far, space separated.
    fn types(&self) -> String {
        self.history.join(" ")
    }

    fn tasks(&self) -> Vec<TaskId> {
        self.effects
            .iter()
            .filter_map(|e| match e {
                Effect::InvokeTask(r) => Some(r.task),
                _ => None,
            })
            .collect()
    }

    fn timers(&self) -> Vec<(TimerId, i64)> {
        self.effects
            .iter()
            .filter_map(|e| match e {
                Effect::ScheduleTimer { timer, at } => Some((*timer, *at)),
                _ => None,
            })
            .collect()
    }

    fn timer(&self, kind: TimerKind) -> (TimerId, i64) {
        *self.timers().iter().find(|(t, _)| t.kind == kind).expect("timer scheduled")
    }
}

fn task_def(extra: Value) -> Value {
    let mut task =
        json!({"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true});
    if let (Some(t), Some(e)) = (task.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            t.insert(k.clone(), v.clone());
        }
    }
    if extra.get("Catch").is_some() {
        json!({"StartAt": "T", "States": {"T": task, "Fallback": {"Type": "Pass", "End": true}}})
    } else {
        json!({"StartAt": "T", "States": {"T": task}})
    }
}

#[test]
fn a_chain_of_pure_states_runs_in_one_apply() {
    let mut t = ExecTest::new(json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.a", "Next": "B"},
            "B": {"Type": "Choice", "Choices": [{"Variable": "$.a.n", "NumericEquals": 1, "Next": "C"}], "Default": "D"},
            "C": {"Type": "Succeed"},
            "D": {"Type": "Fail", "Error": "Wrong"}
        }
    }))
    .input(json!({"x": true}));
    t.start();
    assert_eq!(
        t.types(),
        "ExecutionStarted PassStateEntered PassStateExited ChoiceStateEntered ChoiceStateExited \
         SucceedStateEntered SucceedStateExited ExecutionSucceeded"
    );
    assert_eq!(t.exec.status, Status::Succeeded);
    assert_eq!(t.exec.output, Some(json!({"x": true, "a": {"n": 1}})));
    assert!(t.effects.contains(&Effect::ExecutionFinished));
}

#[test]
fn a_task_result_is_applied_once_and_duplicates_are_ignored() {
    let mut t = ExecTest::new(task_def(json!({"ResultPath": "$.r"})));
    t.start();
    let task = t.tasks()[0];
    t.event(Event::TaskSucceeded { task, output: json!(7) });
    assert_eq!(t.exec.status, Status::Succeeded);
    assert_eq!(t.exec.output, Some(json!({"r": 7})));
    let before = t.history.len();
    t.event(Event::TaskSucceeded { task, output: json!(8) });
    assert_eq!(t.history.len(), before, "a duplicate delivery changes nothing");
    assert_eq!(t.exec.output, Some(json!({"r": 7})));
}

#[test]
fn retry_backs_off_exponentially_then_catch_takes_over() {
    let mut t = ExecTest::new(task_def(json!({
        "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 3.0, "MaxAttempts": 2}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Fallback"}]
    })));
    t.start();
    let mut delays = Vec::new();
    for _ in 0..2 {
        let task = t.tasks()[0];
        t.event(Event::TaskFailed { task, error: Some("Boom".into()), cause: Some("c".into()) });
        let (timer, at) = t.timer(TimerKind::Retry);
        delays.push(at - t.env.now());
        t.env.set_now(at);
        t.event(Event::TimerFired { timer });
    }
    assert_eq!(delays, vec![2000, 6000]);
    let task = t.tasks()[0];
    t.event(Event::TaskFailed { task, error: Some("Boom".into()), cause: Some("c".into()) });
    assert_eq!(t.exec.status, Status::Succeeded);
    assert_eq!(t.exec.output, Some(json!({"err": {"Error": "Boom", "Cause": "c"}})));
    assert!(t.types().contains(
        "LambdaFunctionFailed LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed TaskStateExited PassStateEntered"
    ));
}

#[test]
fn a_task_times_out_through_its_timer_and_late_results_are_stale() {
    let mut t = ExecTest::new(task_def(json!({"TimeoutSeconds": 5})));
    t.start();
    let task = t.tasks()[0];
    let (timer, at) = t.timer(TimerKind::TaskTimeout);
    assert_eq!(at - 1_000_000, 5000);
    t.env.set_now(at);
    t.event(Event::TimerFired { timer });
    assert_eq!(t.exec.status, Status::Failed);
    assert_eq!(t.exec.error.as_deref(), Some("States.Timeout"));
    assert!(t.types().ends_with("LambdaFunctionTimedOut ExecutionFailed"));
    assert!(!t.exec.is_pending_task(task));
}

#[test]
fn heartbeats_rearm_the_heartbeat_timer_and_an_old_round_is_stale() {
    let mut t = ExecTest::new(task_def(json!({"HeartbeatSeconds": 10, "TimeoutSeconds": 100})));
    t.start();
    let task = t.tasks()[0];
    let (first, _) = t.timer(TimerKind::Heartbeat);
    t.env.advance(8000);
    t.event(Event::TaskHeartbeat { task });
    let (second, at) = t.timer(TimerKind::Heartbeat);
    assert_ne!(first, second);
    assert_eq!(at, 1_000_000 + 8000 + 10_000);
    t.event(Event::TimerFired { timer: first });
    assert_eq!(t.exec.status, Status::Running, "the superseded heartbeat timer is stale");
    t.event(Event::TimerFired { timer: second });
    assert_eq!(t.exec.error.as_deref(), Some("States.HeartbeatTimeout"));
}

#[test]
fn a_wait_blocks_on_its_timer() {
    let mut t = ExecTest::new(json!({
        "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}
    }));
    t.start();
    let (timer, at) = t.timer(TimerKind::Wait);
    assert_eq!(at, 1_030_000);
    assert_eq!(t.exec.status, Status::Running);
    t.event(Event::TimerFired { timer });
    assert_eq!(t.types(), "ExecutionStarted WaitStateEntered WaitStateExited ExecutionSucceeded");
}

#[test]
fn stop_aborts_what_runs() {
    let mut t = ExecTest::new(task_def(json!({})));
    t.start();
    let task = t.tasks()[0];
    t.event(Event::Stopped { error: Some("E".into()), cause: Some("by user".into()) });
    assert_eq!(t.exec.status, Status::Aborted);
    assert!(t.types().ends_with("TaskStateAborted ExecutionAborted"));
    assert!(t.effects.contains(&Effect::CancelTask { task }));
}

#[test]
fn map_respects_max_concurrency() {
    let mut t = ExecTest::new(json!({
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "MaxConcurrency": 2, "ItemProcessor": {
            "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": true}}
        }, "End": true}}
    }))
    .input(json!([1, 2, 3, 4, 5]));
    t.start();
    assert_eq!(t.tasks().len(), 2, "two iterations start");
    let mut done = 0;
    while t.exec.status == Status::Running {
        let tasks = t.tasks();
        assert!(tasks.len() <= 2);
        let task = tasks[0];
        t.event(Event::TaskSucceeded { task, output: json!(done) });
        done += 1;
        // the completion of one starts the next; feed the remaining pending task too
        if t.tasks().is_empty() && t.exec.status == Status::Running {
            let pending: Vec<TaskId> = t.exec.pending_tasks().collect();
            let task = pending[0];
            t.event(Event::TaskSucceeded { task, output: json!(done) });
            done += 1;
        }
    }
    assert_eq!(t.exec.status, Status::Succeeded);
    assert_eq!(t.exec.output.as_ref().map(|o| o.as_array().map(Vec::len)), Some(Some(5)));
}

#[test]
fn a_failing_parallel_branch_aborts_its_siblings() {
    let mut t = ExecTest::new(json!({
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": true}}},
            {"StartAt": "Bad", "States": {"Bad": {"Type": "Fail", "Error": "Nope", "Cause": "c"}}}
        ]}}
    }));
    t.start();
    assert_eq!(t.exec.status, Status::Failed);
    assert_eq!(t.exec.error.as_deref(), Some("Nope"));
    let h = t.types();
    assert!(h.contains("TaskStateAborted"), "{h}");
    assert!(h.ends_with("ParallelStateFailed ExecutionFailed"), "{h}");
}

#[test]
fn payloads_over_the_limit_fail_with_data_limit_exceeded() {
    let limits = Limits { max_payload_bytes: 64, max_history_events: None };
    let mut t = ExecTest::with_limits(task_def(json!({})), limits);
    t.start();
    let task = t.tasks()[0];
    t.event(Event::TaskSucceeded { task, output: json!({"big": "x".repeat(100)}) });
    assert_eq!(t.exec.status, Status::Failed);
    assert_eq!(t.exec.error.as_deref(), Some("States.DataLimitExceeded"));
}

#[test]
fn the_history_quota_is_off_by_default_and_enforced_when_set() {
    let looped = json!({
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Result": 0, "Next": "Incr"},
            "Incr": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($, 1)"}, "OutputPath": "$.i", "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericLessThan": 100, "Next": "Incr"}], "Default": "Done"},
            "Done": {"Type": "Succeed"}
        }
    });
    let mut free = ExecTest::new(looped.clone());
    free.start();
    assert_eq!(free.exec.status, Status::Succeeded);
    let limits = Limits { max_history_events: Some(50), ..Limits::default() };
    let mut capped = ExecTest::with_limits(looped, limits);
    capped.start();
    assert_eq!(capped.exec.status, Status::Failed);
    assert!(capped.exec.cause.as_deref().unwrap_or_default().contains("maximum number of history events"));
}

#[test]
fn the_state_survives_serialization_mid_execution() {
    let mut t = ExecTest::new(task_def(json!({"TimeoutSeconds": 5, "ResultPath": "$.r"})));
    t.start();
    let task = t.tasks()[0];
    let bytes = serde_json::to_vec(&t.exec).expect("serializes");
    let mut restored: Execution = serde_json::from_slice(&bytes).expect("deserializes");
    let step = restored.apply(&t.def, Event::TaskSucceeded { task, output: json!(1) }, &t.env);
    assert_eq!(restored.status, Status::Succeeded);
    assert_eq!(restored.output, Some(json!({"r": 1})));
    assert!(step.history.iter().any(|e| e.kind.type_name() == "ExecutionSucceeded"));
}

#[test]
fn redrive_restarts_the_failed_state() {
    let mut t = ExecTest::new(json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Result": "a", "ResultPath": "$.a", "Next": "T"},
            "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "ResultPath": "$.t", "End": true}
        }
    }));
    t.start();
    let task = t.tasks()[0];
    t.event(Event::TaskFailed { task, error: Some("Boom".into()), cause: None });
    assert_eq!(t.exec.status, Status::Failed);
    let step = t.exec.redrive(&t.def, &t.env).expect("redrivable");
    let types: Vec<&str> = step.history.iter().map(|e| e.kind.type_name()).collect();
    assert_eq!(
        types,
        ["ExecutionRedriven", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted"]
    );
    assert_eq!(t.exec.info.redrive_count, 1);
    t.effects = step.effects;
    let task = t.tasks()[0];
    t.event(Event::TaskSucceeded { task, output: json!(1) });
    assert_eq!(t.exec.status, Status::Succeeded);
    assert_eq!(t.exec.output, Some(json!({"a": "a", "t": 1})), "the Pass before is not re-run");
    assert!(t.exec.redrive(&t.def, &t.env).is_err(), "a succeeded execution cannot be redriven");
}

#[test]
fn redrive_of_a_map_reruns_only_unsuccessful_iterations() {
    let mut t = ExecTest::new(json!({
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": {
            "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": true}}
        }, "End": true}}
    }))
    .input(json!(["a", "b", "c"]));
    t.start();
    let mut invocations = 0;
    // a and b succeed, c fails
    for (i, out) in [json!("A"), json!("B")].into_iter().enumerate() {
        let task = t.tasks()[0];
        t.event(Event::TaskSucceeded { task, output: out });
        invocations += 1;
        assert_eq!(invocations, i + 1);
    }
    let task = t.tasks()[0];
    t.event(Event::TaskFailed { task, error: Some("Boom".into()), cause: None });
    assert_eq!(t.exec.status, Status::Failed);
    let step = t.exec.redrive(&t.def, &t.env).expect("redrivable");
    t.effects = step.effects;
    let tasks = t.tasks();
    assert_eq!(tasks.len(), 1, "only the failed iteration runs again");
    t.event(Event::TaskSucceeded { task: tasks[0], output: json!("C") });
    assert_eq!(t.exec.status, Status::Succeeded);
    assert_eq!(t.exec.output, Some(json!(["A", "B", "C"])));
}
