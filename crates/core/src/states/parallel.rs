//! Parallel: runs every branch on the same input and joins their outputs into an array.

use super::fanout::{self, Fanout, FanoutKind};
use crate::context::Extra;
use crate::execution::Machine;
use crate::history::EventKind;
use crate::io::{self, States};
use serde_json::Value;
use statecraft_asl::{Parallel, Payload, QueryLanguage, State};

pub(crate) fn run(m: &mut Machine<'_>, fid: u32, state: &State, parallel: &Parallel) {
    if fanout::resume_redriven(m, fid, EventKind::ParallelStarted) {
        return;
    }
    let Some(frame) = m.frame(fid) else { return };
    let raw = frame.input.clone();
    let vars = frame.vars.snapshot();
    let branch_input = if state.query_language == QueryLanguage::Jsonata {
        match &state.arguments {
            Some(t) => io::jsonata(
                m,
                fid,
                state,
                t,
                "Arguments",
                &States { input: Some(&raw), ..Default::default() },
            ),
            None => Ok(Value::clone(&raw)),
        }
    } else {
        io::input_path(m, fid, state, &raw).and_then(|effective| match &state.parameters {
            Some(Payload::JsonPath(t)) => io::template(m, fid, state, t, &effective, Extra::default()),
            _ => Ok(effective.into_owned()),
        })
    };
    let branch_input = match branch_input {
        Ok(v) => v,
        Err(f) => return fanout::fail(m, fid, f, false),
    };
    m.emit(fid, EventKind::ParallelStarted);
    let n = parallel.branches.len() as u32;
    let f = Fanout {
        kind: FanoutKind::Parallel { branches: parallel.branches.iter().map(|b| b.0).collect() },
        total: n,
        next: 0,
        max_concurrency: 0,
        inputs: Vec::new(),
        branch_input,
        results: vec![Value::Null; n as usize],
        succeeded: 0,
        failed: 0,
        tolerated_count: None,
        tolerated_percentage: None,
        running: Default::default(),
        vars,
        map_run_arn: None,
        done: Vec::new(),
    };
    fanout::begin(m, fid, f);
}
