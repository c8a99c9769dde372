//! Graph-level checks on a parsed definition: every block has a terminal state, and every
//! state is reachable from its block's `StartAt`. Field-level checks happen while parsing.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;

pub(crate) fn check_graph(def: &Definition, diags: &mut Vec<Diagnostic>) {
    for block in &def.blocks {
        if block.states.is_empty() {
            continue;
        }
        let mut seen = vec![false; block.states.len()];
        let mut stack = vec![block.start_at];
        while let Some(i) = stack.pop() {
            let Some(slot) = seen.get_mut(i as usize) else { continue };
            if *slot {
                continue;
            }
            *slot = true;
            stack.extend(successors(&block.states[i as usize]));
        }
        for (i, s) in block.states.iter().enumerate() {
            if !seen[i] {
                diags.push(Diagnostic::new(
                    Code::UnreachableState,
                    s.pointer.clone(),
                    format!("State \"{}\" is not reachable.", s.name),
                ));
            }
        }
        if !block.states.iter().any(is_terminal) {
            let loc = if block.pointer.is_empty() { "/".to_string() } else { block.pointer.clone() };
            diags.push(Diagnostic::new(
                Code::MissingEndState,
                loc,
                "No terminal state found in the state machine: a Succeed, Fail or End state is required",
            ));
        }
    }
}

/// States a state can move to.
pub fn successors(s: &State) -> Vec<u32> {
    let mut out = Vec::new();
    if let Transition::Next(n) = s.transition {
        out.push(n);
    }
    if let Kind::Choice(c) = &s.kind {
        out.extend(c.choices.iter().map(|r| r.next));
        out.extend(c.default);
    }
    out.extend(s.catch.iter().map(|c| c.next));
    out
}

fn is_terminal(s: &State) -> bool {
    matches!(s.kind, Kind::Succeed | Kind::Fail(_))
        || (s.transition == Transition::End && !matches!(s.kind, Kind::Choice(_)))
}
