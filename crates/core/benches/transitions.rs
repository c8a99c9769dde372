//! In-process throughput of the pure interpreter on the shared workloads
//! (`../shared/bench/workloads`): parse once, then run executions back to back and report
//! transitions (states entered) per second. No I/O in the timed loop; history events are
//! produced (as in every real run) but not written anywhere.
//!
//! `cargo bench -p statecraft-core --bench transitions [-- WORKLOAD...]`

use serde_json::Value;
use statecraft_asl::{parse, MachineType};
use statecraft_core::{Event, Execution, ExecutionInfo, FixedEnv, Limits, Status};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn workloads_dir() -> PathBuf {
    match std::env::var_os("STATECRAFT_SHARED") {
        Some(p) => PathBuf::from(p).join("bench/workloads"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/workloads"),
    }
}

fn info(input: Value) -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:bench:run".into(),
        name: "run".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench".into(),
        state_machine_name: "bench".into(),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        start_time: 0,
        input,
        redrive_count: 0,
    }
}

fn main() {
    let dir = workloads_dir();
    let Ok(manifest) = std::fs::read_to_string(dir.join("manifest.json")) else {
        eprintln!("no workloads at {} (set STATECRAFT_SHARED)", dir.display());
        return;
    };
    let manifest: Value = serde_json::from_str(&manifest).expect("manifest is JSON");
    let wanted: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    println!(
        "{:<18} {:>12} {:>10} {:>14} {:>10}",
        "workload", "transitions", "runs", "transitions/s", "ms/run"
    );
    for (name, meta) in manifest.as_object().expect("manifest object") {
        if !wanted.is_empty() && !wanted.contains(name) {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(format!("{name}.asl.json"))).expect("definition");
        let input: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.input.json"))).unwrap())
                .unwrap();
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{name}.expected.json"))).unwrap(),
        )
        .unwrap();
        let def = match parse(&text, MachineType::Standard).into_result() {
            Ok(d) => d,
            Err(e) => {
                println!("{name:<18} invalid definition: {}", e[0]);
                continue;
            }
        };
        let transitions = meta["transitions"].as_u64().unwrap_or(0);
        let env = FixedEnv::new(0, 7);
        let run = || {
            let mut exec = Execution::new(info(input.clone()), Limits::default());
            let step = exec.apply(&def, Event::Started, &env);
            (exec, step.history.len())
        };
        let (exec, _) = run();
        if exec.status != Status::Succeeded || exec.output.as_ref() != Some(&expected) {
            println!("{name:<18} WRONG: status {:?}", exec.status);
            continue;
        }
        let budget = Duration::from_millis(1500);
        let start = Instant::now();
        let mut runs = 0u64;
        while start.elapsed() < budget || runs < 3 {
            std::hint::black_box(run());
            runs += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{name:<18} {transitions:>12} {runs:>10} {:>14.0} {:>10.3}",
            (transitions * runs) as f64 / secs,
            secs * 1000.0 / runs as f64
        );
    }
}
