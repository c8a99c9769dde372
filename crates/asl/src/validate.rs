//! Graph-level checks: every state of a block (the top level, a Parallel branch, a Map
//! processor) is reachable from the block's `StartAt`, and the machine has a terminal state.
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
    pub(crate) start: Start,
    pub(crate) states: Vec<Node>,
}

/// A block's `StartAt`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// It names this state.
    State(u32),
    /// It names no state of the block: the walk starts from nothing and every state is
    /// unreachable (AWS reports them all).
    Dangling,
    /// Missing or not a string: already reported, nothing more is said.
    #[default]
    Unknown,
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
    // Only the machine itself must have a terminal state (a loop inside a Map processor or a
    // Parallel branch is accepted), and when it has none AWS reports that alone: it does not
    // walk the graph for unreachable states.
    if let Some(top) = graph.blocks.first() {
        if !top.states.is_empty() && !top.states.iter().any(|s| s.terminal) {
            diags.push(Diagnostic::unlocated(Code::MissingEndState, "Workflow has no terminal state"));
            return;
        }
    }
    for block in &graph.blocks {
        let mut seen = vec![false; block.states.len()];
        let mut stack = match block.start {
            Start::State(i) => vec![i],
            Start::Dangling => Vec::new(),
            Start::Unknown => continue,
        };
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
