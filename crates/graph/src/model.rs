//! The graph model of a definition: one node per state (under its full name, with its type and
//! its JSON pointer), a start and an end marker per block, labelled edges, and one group per
//! block, nested under the Parallel or Map state that owns it.
//!
//! It is built from the parsed [`Definition`] and knows nothing of geometry or output formats;
//! a definition that somehow refers to a block or state that does not exist loses that edge or
//! group rather than panicking.

use crate::label::condition_label;
use statecraft_asl::{BlockId, Definition, Kind, StateType, Transition};

/// Index of a node in [`Graph::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub usize);

/// Index of a group in [`Graph::groups`]. Group 0 is the top level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(pub usize);

/// What a node stands for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum NodeKind {
    /// The entry of a group (the top level, a branch, a processor).
    Start,
    /// Where the terminal states of a group lead.
    End,
    /// A state.
    State {
        /// The state's name, in full.
        name: String,
        state_type: StateType,
        /// Where the state is in the definition (`/States/P/Branches[0]/States/X`).
        pointer: String,
    },
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// The group the node is drawn in.
    pub group: GroupId,
    /// For a Parallel state its branches, for a Map state its processor: groups drawn inside
    /// the node.
    pub children: Vec<GroupId>,
}

impl Node {
    /// The state's name, for a state node.
    pub fn state_name(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::State { name, .. } => Some(name),
            _ => None,
        }
    }

    pub fn state_type(&self) -> Option<StateType> {
        match &self.kind {
            NodeKind::State { state_type, .. } => Some(*state_type),
            _ => None,
        }
    }

    /// What the node shows: the state's name, or `Start` / `End`.
    pub fn label(&self) -> &str {
        match &self.kind {
            NodeKind::Start => "Start",
            NodeKind::End => "End",
            NodeKind::State { name, .. } => name,
        }
    }
}

/// What a group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupKind {
    /// The state machine itself.
    Root,
    /// Branch `index` (0-based) of a Parallel state.
    Branch { index: usize },
    /// The `ItemProcessor` (or `Iterator`) of a Map state.
    Processor,
}

/// The states of one block, with its own start and end markers.
#[derive(Debug, Clone)]
pub struct Group {
    pub kind: GroupKind,
    /// The Parallel or Map state that owns the group; `None` for the top level.
    pub parent: Option<NodeId>,
    pub block: BlockId,
    /// The block's JSON pointer (`""` for the top level).
    pub pointer: String,
    /// Every node drawn directly in the group, markers included.
    pub nodes: Vec<NodeId>,
    pub start: NodeId,
    pub end: NodeId,
}

impl Group {
    /// `Branch 1`, `Item processor`, or the empty string for the top level.
    pub fn label(&self) -> String {
        match self.kind {
            GroupKind::Root => String::new(),
            GroupKind::Branch { index } => format!("Branch {}", index + 1),
            GroupKind::Processor => "Item processor".to_string(),
        }
    }
}

/// Why one node leads to another.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EdgeKind {
    /// From a group's start marker to its `StartAt` state.
    Start,
    /// `Next`.
    Next,
    /// A Choice state's `Default`.
    Default,
    /// Choice rule `rule` (0-based), with a short description of its condition.
    Choice { rule: usize, condition: String },
    /// Catcher `index` (0-based) and its `ErrorEquals`.
    Catch { index: usize, error_equals: Vec<String> },
    /// From a terminal state (`End: true`, Succeed, Fail) to its group's end marker.
    End,
}

impl EdgeKind {
    /// The text drawn on the edge, if any.
    pub fn label(&self) -> Option<String> {
        match self {
            EdgeKind::Start | EdgeKind::Next | EdgeKind::End => None,
            EdgeKind::Default => Some("Default".to_string()),
            EdgeKind::Choice { condition, .. } if condition.is_empty() => None,
            EdgeKind::Choice { condition, .. } => Some(condition.clone()),
            EdgeKind::Catch { error_equals, .. } => Some(format!("Catch {}", error_equals.join(", "))),
        }
    }

    /// A stable lower-case name, used as a class in the renderers.
    pub fn as_str(&self) -> &'static str {
        match self {
            EdgeKind::Start => "start",
            EdgeKind::Next => "next",
            EdgeKind::Default => "default",
            EdgeKind::Choice { .. } => "choice",
            EdgeKind::Catch { .. } => "catch",
            EdgeKind::End => "end",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub from: NodeId,
    pub to: NodeId,
    pub kind: EdgeKind,
}

/// A definition as a graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Group 0 is the top level; a group's nested groups come after it.
    pub groups: Vec<Group>,
}

impl Graph {
    pub const ROOT: GroupId = GroupId(0);

    /// Builds the graph of a parsed definition.
    pub fn from_definition(def: &Definition) -> Graph {
        let mut g = Graph::default();
        let mut used = vec![false; def.blocks.len()];
        g.add_block(def, Definition::ROOT, GroupKind::Root, None, &mut used);
        g
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0]
    }

    pub fn group(&self, id: GroupId) -> &Group {
        &self.groups[id.0]
    }

    /// The node of the state with this name (state names are unique in a machine).
    pub fn find_state(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.state_name() == Some(name)).map(NodeId)
    }

    /// The state nodes.
    pub fn states(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.nodes.iter().enumerate().filter(|(_, n)| n.state_name().is_some()).map(|(i, n)| (NodeId(i), n))
    }

    fn push_node(&mut self, kind: NodeKind, group: GroupId) -> NodeId {
        let id = NodeId(self.nodes.len());
        self.nodes.push(Node { kind, group, children: Vec::new() });
        self.groups[group.0].nodes.push(id);
        id
    }

    /// Adds a block as a group, its states, their edges and (recursively) their nested blocks.
    /// `used` stops a block referred to twice from being drawn twice.
    fn add_block(
        &mut self,
        def: &Definition,
        block_id: BlockId,
        kind: GroupKind,
        parent: Option<NodeId>,
        used: &mut [bool],
    ) -> Option<GroupId> {
        let slot = used.get_mut(block_id.0 as usize)?;
        if *slot {
            return None;
        }
        *slot = true;
        let block = def.blocks.get(block_id.0 as usize)?;
        let gid = GroupId(self.groups.len());
        self.groups.push(Group {
            kind,
            parent,
            block: block_id,
            pointer: block.pointer.clone(),
            nodes: Vec::new(),
            start: NodeId(0),
            end: NodeId(0),
        });
        let start = self.push_node(NodeKind::Start, gid);
        let first = self.nodes.len();
        for s in &block.states {
            let kind = NodeKind::State {
                name: s.name.to_string(),
                state_type: s.state_type(),
                pointer: s.pointer.clone(),
            };
            self.push_node(kind, gid);
        }
        let end = self.push_node(NodeKind::End, gid);
        self.groups[gid.0].start = start;
        self.groups[gid.0].end = end;
        let node_of = |i: u32| (i as usize) < block.states.len();
        if node_of(block.start_at) {
            self.edges.push(Edge {
                from: start,
                to: NodeId(first + block.start_at as usize),
                kind: EdgeKind::Start,
            });
        }
        for (i, s) in block.states.iter().enumerate() {
            let from = NodeId(first + i);
            let edge = |to: u32, kind: EdgeKind, edges: &mut Vec<Edge>| {
                if node_of(to) {
                    edges.push(Edge { from, to: NodeId(first + to as usize), kind });
                }
            };
            if let Transition::Next(n) = s.transition {
                edge(n, EdgeKind::Next, &mut self.edges);
            }
            if let Kind::Choice(c) = &s.kind {
                for (rule, r) in c.choices.iter().enumerate() {
                    let kind = EdgeKind::Choice { rule, condition: condition_label(&r.condition) };
                    edge(r.next, kind, &mut self.edges);
                }
                if let Some(d) = c.default {
                    edge(d, EdgeKind::Default, &mut self.edges);
                }
            }
            for (index, c) in s.catch.iter().enumerate() {
                let error_equals = c.error_equals.iter().map(|m| m.0.clone()).collect();
                edge(c.next, EdgeKind::Catch { index, error_equals }, &mut self.edges);
            }
            let terminal = match s.kind {
                Kind::Succeed | Kind::Fail(_) => true,
                Kind::Choice(_) => false,
                _ => s.transition == Transition::End,
            };
            if terminal {
                self.edges.push(Edge { from, to: end, kind: EdgeKind::End });
            }
        }
        for (i, s) in block.states.iter().enumerate() {
            let node = NodeId(first + i);
            let nested: Vec<(BlockId, GroupKind)> = match &s.kind {
                Kind::Parallel(p) => p
                    .branches
                    .iter()
                    .enumerate()
                    .map(|(index, b)| (*b, GroupKind::Branch { index }))
                    .collect(),
                Kind::Map(m) => vec![(m.processor, GroupKind::Processor)],
                _ => Vec::new(),
            };
            for (b, kind) in nested {
                if let Some(child) = self.add_block(def, b, kind, Some(node), used) {
                    self.nodes[node.0].children.push(child);
                }
            }
        }
        Some(gid)
    }
}
