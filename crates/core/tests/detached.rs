//! Detached fan-out against the embedded mode: a tiny in-memory shell runs Parallel branches
//! and Map iterations as records of their own, with nothing but counters for the join, and
//! must reach the same outputs and the same history (as a multiset of event types) as the
//! embedded mode on the same definitions.

use serde_json::{json, Value};
use statecraft_asl::{parse, Definition, MachineType};
use statecraft_core::detached::{decide, fanout_failure, Origin};
use statecraft_core::{Decision, Effect, Event, Execution, ExecutionInfo, Failure, FixedEnv, Limits, Status};
use std::collections::{BTreeMap, VecDeque};

fn info(input: Value) -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:sm:e".into(),
        name: "e".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm".into(),
        state_machine_name: "sm".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        start_time: 0,
        input,
        redrive_count: 0,
    }
}

/// The answer of every task: doubles a number input, fails on the string "boom".
fn task(input: &Value) -> Result<Value, (String, String)> {
    match input {
        Value::Number(n) => Ok(json!(n.as_i64().unwrap_or(0) * 2)),
        Value::String(s) if s == "boom" => Err(("Boom".into(), "exploded".into())),
        other => Ok(other.clone()),
    }
}

/// Counters of one fan-out, as a serverless shell would keep them (atomic adds).
struct Join {
    parent: usize,
    frame: u32,
    seq: u32,
    total: u32,
    next: u32,
    succeeded: u32,
    failed: u32,
    max: u32,
    tolerance: (Option<u64>, Option<f64>),
    specs: Vec<(u32, Value)>,
    vars: Option<std::sync::Arc<serde_json::Map<String, Value>>>,
    state_name: std::sync::Arc<str>,
    kind: statecraft_core::detached::ChildKind,
    prev: u64,
    results: BTreeMap<u32, Value>,
    decided: bool,
}

/// Runs an execution in detached mode; returns (status, output, history types).
fn run_detached(def: &Definition, input: Value) -> (Status, Option<Value>, Vec<String>) {
    let env = FixedEnv::new(0, 1);
    let mut records: Vec<Execution> = Vec::new();
    let mut root = Execution::new(info(input.clone()), Limits::default());
    root.detached = true;
    records.push(root);
    let mut joins: Vec<Join> = Vec::new();
    let mut child_join: BTreeMap<usize, (usize, u32)> = BTreeMap::new();
    let mut queue: VecDeque<(usize, Event)> = VecDeque::from([(0, Event::Started)]);
    let mut history = Vec::new();
    while let Some((rec, event)) = queue.pop_front() {
        let step = records[rec].apply(def, event, &env);
        history.extend(step.history.iter().map(|e| e.kind.type_name().to_string()));
        for effect in step.effects {
            match effect {
                Effect::InvokeTask(req) => {
                    let ev = match task(&req.input) {
                        Ok(output) => Event::TaskSucceeded { task: req.task, output },
                        Err((e, c)) => Event::TaskFailed { task: req.task, error: Some(e), cause: Some(c) },
                    };
                    queue.push_back((rec, ev));
                }
                Effect::StartFanout(f) => {
                    let j = Join {
                        parent: rec,
                        frame: f.frame,
                        seq: f.seq,
                        total: f.children.len() as u32,
                        next: 0,
                        succeeded: 0,
                        failed: 0,
                        max: f.max_concurrency,
                        tolerance: (f.tolerated_count, f.tolerated_percentage),
                        specs: f.children.iter().map(|c| (c.block, c.input.clone())).collect(),
                        vars: f.vars.clone(),
                        state_name: f.state_name.clone(),
                        kind: f.kind,
                        prev: f.prev_event_id,
                        results: BTreeMap::new(),
                        decided: false,
                    };
                    joins.push(j);
                    let ji = joins.len() - 1;
                    let root_info = records_info(&records);
                    start_children(ji, &mut joins, &mut records, &mut child_join, &mut queue, &root_info);
                }
                Effect::ChildFinished(done) => {
                    let (ji, index) = child_join[&rec];
                    let j = &mut joins[ji];
                    if j.decided {
                        continue;
                    }
                    match done.outcome {
                        Ok(v) => {
                            j.succeeded += 1;
                            j.results.insert(index, v);
                        }
                        Err(f) => {
                            j.failed += 1;
                            let d = decide(j.total, j.succeeded, j.failed, j.tolerance.0, j.tolerance.1);
                            if d == Decision::Fail {
                                j.decided = true;
                                let has_tol = j.tolerance.0.is_some() || j.tolerance.1.is_some();
                                let failure: Failure = fanout_failure(has_tol, f);
                                let parent = (j.parent, j.frame, j.seq);
                                // Siblings still running are stopped before the parent hears
                                // of the failure, as a serverless shell does.
                                let siblings: Vec<usize> = child_join
                                    .iter()
                                    .filter(|(r, (i, _))| *i == ji && **r != rec)
                                    .map(|(r, _)| *r)
                                    .collect();
                                for sibling in siblings {
                                    if !records[sibling].is_finished() {
                                        let stop = Event::Stopped { error: None, cause: None };
                                        let step = records[sibling].apply(def, stop, &env);
                                        history.extend(
                                            step.history.iter().map(|e| e.kind.type_name().to_string()),
                                        );
                                    }
                                }
                                queue.push_back((
                                    parent.0,
                                    Event::FanoutFailed { frame: parent.1, seq: parent.2, failure },
                                ));
                                continue;
                            }
                        }
                    }
                    let j = &mut joins[ji];
                    match decide(j.total, j.succeeded, j.failed, j.tolerance.0, j.tolerance.1) {
                        Decision::Succeed => {
                            j.decided = true;
                            let results = (0..j.total)
                                .map(|i| j.results.get(&i).cloned().unwrap_or(Value::Null))
                                .collect();
                            queue.push_back((
                                j.parent,
                                Event::FanoutCompleted { frame: j.frame, seq: j.seq, results },
                            ));
                        }
                        _ => {
                            let root_info = records_info(&records);
                            start_children(
                                ji,
                                &mut joins,
                                &mut records,
                                &mut child_join,
                                &mut queue,
                                &root_info,
                            )
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let root = &records[0];
    (root.status, root.output.clone(), history)
}

fn records_info(records: &[Execution]) -> ExecutionInfo {
    records[0].info.clone()
}

fn start_children(
    ji: usize,
    joins: &mut [Join],
    records: &mut Vec<Execution>,
    child_join: &mut BTreeMap<usize, (usize, u32)>,
    queue: &mut VecDeque<(usize, Event)>,
    info: &ExecutionInfo,
) {
    let j = &mut joins[ji];
    let running = j.next - (j.succeeded + j.failed);
    let mut can = if j.max == 0 { u32::MAX } else { j.max.saturating_sub(running) };
    while can > 0 && j.next < j.total {
        let index = j.next;
        j.next += 1;
        can -= 1;
        let (block, input) = j.specs[index as usize].clone();
        let origin = Origin {
            parent_frame: j.frame,
            parent_seq: j.seq,
            index,
            block,
            state_name: j.state_name.clone(),
            kind: j.kind,
            prev_event_id: j.prev,
        };
        let child = Execution::child(info.clone(), origin, input, j.vars.clone(), Limits::default());
        records.push(child);
        let id = records.len() - 1;
        child_join.insert(id, (ji, index));
        queue.push_back((id, Event::Started));
    }
}

/// Runs the same execution embedded, resolving tasks the same way.
fn run_embedded(def: &Definition, input: Value) -> (Status, Option<Value>, Vec<String>) {
    let env = FixedEnv::new(0, 1);
    let mut exec = Execution::new(info(input), Limits::default());
    let mut queue = VecDeque::from([Event::Started]);
    let mut history = Vec::new();
    while let Some(ev) = queue.pop_front() {
        let step = exec.apply(def, ev, &env);
        history.extend(step.history.iter().map(|e| e.kind.type_name().to_string()));
        for effect in step.effects {
            if let Effect::InvokeTask(req) = effect {
                queue.push_back(match task(&req.input) {
                    Ok(output) => Event::TaskSucceeded { task: req.task, output },
                    Err((e, c)) => Event::TaskFailed { task: req.task, error: Some(e), cause: Some(c) },
                });
            }
        }
    }
    (exec.status, exec.output.clone(), history)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn same_in_both_modes(definition: Value, input: Value) -> (Status, Option<Value>) {
    let def = parse(&definition.to_string(), MachineType::Standard).into_result().expect("valid");
    let (s1, o1, h1) = run_embedded(&def, input.clone());
    let (s2, o2, h2) = run_detached(&def, input);
    assert_eq!(s1, s2, "status");
    assert_eq!(o1, o2, "output");
    assert_eq!(
        sorted(h1.clone()),
        sorted(h2.clone()),
        "history (as a multiset)\nembedded {h1:?}\ndetached {h2:?}"
    );
    (s1, o1)
}

fn map_of_tasks(max_concurrency: u32, extra: Value) -> Value {
    let mut m = json!({
        "Type": "Map", "MaxConcurrency": max_concurrency, "End": true,
        "ItemProcessor": {"StartAt": "Double", "States": {
            "Double": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "Next": "Done"},
            "Done": {"Type": "Pass", "End": true}
        }}
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        m[k] = v;
    }
    json!({"StartAt": "M", "States": {"M": m}})
}

#[test]
fn a_map_of_tasks_agrees() {
    let (status, output) = same_in_both_modes(map_of_tasks(2, json!({})), json!([1, 2, 3, 4, 5]));
    assert_eq!(status, Status::Succeeded);
    assert_eq!(output, Some(json!([2, 4, 6, 8, 10])));
}

#[test]
fn a_failing_iteration_fails_the_map_in_both_modes() {
    let (status, _) = same_in_both_modes(map_of_tasks(1, json!({})), json!([1, "boom", 3]));
    assert_eq!(status, Status::Failed);
}

#[test]
fn running_siblings_of_a_failed_iteration_are_aborted_in_both_modes() {
    // All three start at once; the first fails while the others still wait on their tasks.
    let def = map_of_tasks(0, json!({}));
    let (status, _) = same_in_both_modes(def.clone(), json!(["boom", 1, 2]));
    assert_eq!(status, Status::Failed);
    let def = parse(&def.to_string(), MachineType::Standard).into_result().expect("valid");
    let (_, _, history) = run_detached(&def, json!(["boom", 1, 2]));
    let count = |t: &str| history.iter().filter(|h| *h == t).count();
    assert_eq!((count("MapIterationAborted"), count("TaskStateAborted")), (2, 2), "{history:?}");
    assert_eq!(history.last().map(String::as_str), Some("ExecutionFailed"));
}

#[test]
fn a_failing_parallel_branch_agrees() {
    // Both branches' tasks are pending when B's answer ("boom") fails it: A's is aborted.
    let task = |path: &str| json!({"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "InputPath": path, "End": true});
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "B", "States": {"B": task("$.b")}},
        {"StartAt": "A", "States": {"A": task("$.a")}}]}}});
    let (status, _) = same_in_both_modes(def, json!({"a": 1, "b": "boom"}));
    assert_eq!(status, Status::Failed);
}

#[test]
fn tolerated_failures_agree() {
    let (status, output) = same_in_both_modes(
        map_of_tasks(
            0,
            json!({"ToleratedFailureCount": 1, "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Double", "States": {"Double": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": true}}
            }}),
        ),
        json!([1, "boom", 3]),
    );
    assert_eq!(status, Status::Succeeded);
    assert_eq!(output, Some(json!([2, null, 6])));
}

#[test]
fn nested_parallel_and_map_agree() {
    let def = json!({
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": true, "ItemProcessor": {
                "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": true}}}}}},
            {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "Result": "q", "End": true}}}
        ]}}
    });
    let (status, output) = same_in_both_modes(def, json!({"items": [5, 6]}));
    assert_eq!(status, Status::Succeeded);
    assert_eq!(output, Some(json!([[10, 12], "q"])));
}
