//! Graph-level checks: every state of a block (the top level, a Parallel branch, a Map
//! processor) is reachable from the block's `StartAt`, and every block has a terminal state.
//! Field-level checks happen while parsing.
//!
//! The checks run on the transitions the parser found by name ([`Graph`]), not on the typed
//! model, so that a state with some other error (say, a malformed Choice rule) still counts its
//! valid transitions and does not make its targets look unreachable. AWS reports an unreachable
//! state as `MISSING_TRANSITION_TARGET: State "X" is not reachable.`.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;

/// The transitions of every block, indexed like [`Definition::blocks`].
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub(crate) blocks: Vec<BlockGraph>,
}

#[derive(Debug, Default)]
pub(crate) struct BlockGraph {
    pub(crate) pointer: String,
    /// The `StartAt` state, when it names one.
    pub(crate) start: Option<u32>,
    pub(crate) states: Vec<Node>,
}

#[derive(Debug, Default)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) pointer: String,
    /// States this one can move to: `Next`, Choice rules and `Default`, catchers.
    pub(crate) edges: Vec<u32>,
    /// A Succeed or Fail state, or one with `"End": true`.
    pub(crate) terminal: bool,
}

impl BlockGraph {
    pub(crate) fn add_state(&mut self, name: &str, pointer: &str) {
        self.states.push(Node { name: name.to_string(), pointer: pointer.to_string(), ..Node::default() });
    }
}

pub(crate) fn check_graph(graph: &Graph, diags: &mut Vec<Diagnostic>) {
    for block in &graph.blocks {
        if block.states.is_empty() {
            continue;
        }
        if !block.states.iter().any(|s| s.terminal) {
            let loc = if block.pointer.is_empty() { "/".to_string() } else { block.pointer.clone() };
            diags.push(Diagnostic::new(
                Code::MissingEndState,
                loc,
                "No terminal state found: a Succeed state, a Fail state or a state with \"End\": true is required",
            ));
        }
        // Without a valid StartAt everything would look unreachable; that error is reported.
        let Some(start) = block.start else { continue };
        let mut seen = vec![false; block.states.len()];
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            let Some(slot) = seen.get_mut(i as usize) else { continue };
            if *slot {
                continue;
            }
            *slot = true;
            stack.extend(block.states[i as usize].edges.iter().copied());
        }
        for (s, seen) in block.states.iter().zip(seen) {
            if !seen {
                diags.push(Diagnostic::new(
                    Code::MissingTransitionTarget,
                    s.pointer.clone(),
                    format!("State \"{}\" is not reachable.", s.name),
                ));
            }
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
