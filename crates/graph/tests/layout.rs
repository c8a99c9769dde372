//! The layout and the renderers on machines built for the purpose: a 100-state machine with
//! loops, catchers and nested Parallel and Map states; names that need escaping in every
//! format; parallel edges and self-loops; and random graphs (cycles, multi-edges) built
//! directly on the model.

mod common;

use statecraft_asl::{BlockId, StateType};
use statecraft_graph::{
    layout, mermaid, svg, Edge, EdgeKind, Graph, Group, GroupId, GroupKind, Node, NodeId, NodeKind,
    RenderOptions, Status,
};

/// A machine of `n` top-level states: Tasks with retries and a catcher, a Choice every fifth
/// state (forward rules, a loop back, a Default), a Parallel of three branches and a Map whose
/// processor holds a Choice, ending in a Succeed; plus a shared Fail handler.
fn big_machine(n: usize) -> String {
    let mut states = Vec::new();
    for i in 0..n {
        let next = if i + 1 < n { format!(r#""Next": "S{}""#, i + 1) } else { r#""End": true"#.to_string() };
        let state = if i == n - 1 {
            r#"{"Type": "Succeed"}"#.to_string()
        } else if i % 5 == 0 {
            let back = if i >= 10 {
                format!(r#", {{"Variable": "$.again", "BooleanEquals": true, "Next": "S{}"}}"#, i - 4)
            } else {
                String::new()
            };
            let far = (i + 3).min(n - 1);
            format!(
                r#"{{"Type": "Choice", "Choices": [{{"Variable": "$.k", "NumericGreaterThan": {i}, "Next": "S{}"}}, {{"Variable": "$.s", "StringEquals": "v{i}", "Next": "S{far}"}}{back}], "Default": "S{}"}}"#,
                i + 1,
                (i + 2).min(n - 1)
            )
        } else if i % 17 == 3 {
            let branch = |b: usize| {
                format!(
                    r#"{{"StartAt": "P{i}b{b}x", "States": {{"P{i}b{b}x": {{"Type": "Pass", "Next": "P{i}b{b}y"}}, "P{i}b{b}y": {{"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": true}}}}}}"#
                )
            };
            format!(
                r#"{{"Type": "Parallel", "Branches": [{}, {}, {}], {next}}}"#,
                branch(0),
                branch(1),
                branch(2)
            )
        } else if i % 23 == 7 {
            format!(
                r#"{{"Type": "Map", "ItemProcessor": {{"StartAt": "M{i}c", "States": {{"M{i}c": {{"Type": "Choice", "Choices": [{{"Variable": "$", "IsPresent": true, "Next": "M{i}ok"}}], "Default": "M{i}no"}}, "M{i}ok": {{"Type": "Pass", "End": true}}, "M{i}no": {{"Type": "Fail", "Error": "No"}}}}}}, {next}}}"#
            )
        } else if i % 7 == 0 {
            format!(r#"{{"Type": "Wait", "Seconds": 1, {next}}}"#)
        } else {
            format!(
                r#"{{"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "Retry": [{{"ErrorEquals": ["States.ALL"]}}], "Catch": [{{"ErrorEquals": ["States.TaskFailed", "Custom.Error"], "Next": "Handler"}}], {next}}}"#
            )
        };
        states.push(format!(r#""S{i}": {state}"#));
    }
    states.push(r#""Handler": {"Type": "Fail", "Error": "Handled"}"#.to_string());
    format!(r#"{{"StartAt": "S0", "States": {{{}}}}}"#, states.join(", "))
}

#[test]
fn a_100_state_machine_is_laid_out_without_overlaps() {
    let text = big_machine(100);
    let def = common::parse_def(&text).expect("the generated machine is valid");
    let g = Graph::from_definition(&def);
    assert!(common::state_count(&g) > 100);
    let started = std::time::Instant::now();
    let l = common::check_all(&g).unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();
    // Layers go downwards: within a group, a node of a lower layer is entirely above a node
    // of a higher one.
    for group in &g.groups {
        for a in &group.nodes {
            for b in &group.nodes {
                let (ra, rb) = (l.nodes[a.0], l.nodes[b.0]);
                if l.layers[a.0] < l.layers[b.0] {
                    assert!(
                        ra.y + ra.h <= rb.y + 1e-6,
                        "{} above {}",
                        g.node(*a).label(),
                        g.node(*b).label()
                    );
                }
            }
        }
    }
    eprintln!(
        "100-state machine: {} nodes, {} edges, {:.0}x{:.0} px, laid out and checked in {elapsed:?}",
        g.nodes.len(),
        g.edges.len(),
        l.width,
        l.height
    );
    assert!(elapsed.as_secs() < 20, "too slow: {elapsed:?}");
    // To look at it: STATECRAFT_GRAPH_DUMP=DIR writes the definition and its SVG there.
    if let Some(dir) = std::env::var_os("STATECRAFT_GRAPH_DUMP") {
        let dir = std::path::PathBuf::from(dir);
        let _ = std::fs::write(dir.join("big-100.asl.json"), &text);
        let _ = std::fs::write(dir.join("big-100.svg"), svg::render(&g, &l, &RenderOptions::default()));
    }
}

#[test]
fn names_are_escaped_in_every_format() {
    let names = [
        "Say \"hi\"",
        "a <b> & c",
        "#1 | [x] {y} (z)",
        "`code` end",
        "end",
        "subgraph",
        "Ünïcödé 状態 🚀",
        "back\\slash \\N",
        "a/b~c",
        "x'y",
        "; -- > -.->",
    ];
    let mut states = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let target = names.get(i + 1).map_or(r#""End": true"#.to_string(), |n| {
            format!(r#""Next": {}"#, serde_json::Value::String(n.to_string()))
        });
        states.push(format!(
            r#"{}: {{"Type": "Pass", {target}}}"#,
            serde_json::Value::String(name.to_string())
        ));
    }
    let text = format!(r#"{{"StartAt": "Say \"hi\"", "States": {{{}}}}}"#, states.join(", "));
    let def = common::parse_def(&text).expect("valid");
    let g = Graph::from_definition(&def);
    common::check_all(&g).unwrap_or_else(|e| panic!("{e}"));
    let svg = svg::render(&g, &layout(&g), &RenderOptions::default());
    let doc = roxmltree::Document::parse(&svg).expect("well-formed");
    for name in names {
        let found = doc.descendants().filter(|n| n.attribute("data-state") == Some(name)).count();
        assert_eq!(found, 1, "{name}");
    }
}

#[test]
fn parallel_edges_and_self_loops_are_separated() {
    let text = r#"{"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [
            {"Variable": "$.a", "IsPresent": true, "Next": "D"},
            {"Variable": "$.b", "IsPresent": true, "Next": "D"},
            {"Variable": "$.c", "IsPresent": false, "Next": "C"}
        ], "Default": "D"},
        "D": {"Type": "Succeed"}}}"#;
    let def = common::parse_def(text).expect("valid");
    let g = Graph::from_definition(&def);
    let l = common::check_all(&g).unwrap_or_else(|e| panic!("{e}"));
    let starts: Vec<f64> = g
        .edges
        .iter()
        .enumerate()
        .filter(|(_, e)| g.node(e.from).label() == "C" && e.from != e.to)
        .map(|(i, _)| l.edges[i].points[0].x)
        .collect();
    assert_eq!(starts.len(), 3);
    for (i, a) in starts.iter().enumerate() {
        for b in &starts[i + 1..] {
            assert!((a - b).abs() > 1.0, "edges leave C at the same point: {starts:?}");
        }
    }
    let labels: Vec<_> = l.edges.iter().filter_map(|r| r.label).collect();
    for (i, a) in labels.iter().enumerate() {
        for b in &labels[i + 1..] {
            assert!(!a.overlaps(b), "labels overlap: {a:?} {b:?}");
        }
        for n in &l.nodes {
            assert!(!a.overlaps(n), "label {a:?} overlaps node {n:?}");
        }
    }
    let label = |i: usize| g.edges[i].kind.label().unwrap_or_default();
    assert!((0..g.edges.len()).any(|i| label(i) == "$.c is absent"), "{:?}", g.edges);
}

#[test]
fn statuses_mark_nodes() {
    let def = common::parse_def(&big_machine(12)).expect("valid");
    let g = Graph::from_definition(&def);
    let mut opts = RenderOptions::default();
    opts.statuses.insert("S1".into(), Status::Succeeded);
    opts.statuses.insert("S2".into(), Status::Failed);
    opts.statuses.insert("NotAState".into(), Status::Running);
    let svg = svg::render(&g, &layout(&g), &opts);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed");
    let node =
        |name: &str| doc.descendants().find(|n| n.attribute("data-state") == Some(name)).expect("drawn");
    assert_eq!(node("S1").attribute("data-status"), Some("succeeded"));
    assert!(node("S2").attribute("class").unwrap_or_default().contains("status-failed"));
    assert_eq!(node("S3").attribute("data-status"), None);
    let mmd = mermaid::render(&g, &opts);
    assert!(mmd.contains("classDef statusFailed") && !mmd.contains("statusRunning"), "{mmd}");
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// A random graph straight on the model: one group, or a state holding two nested groups;
/// random edges of every kind, cycles, self-loops and repeated edges included.
fn random_graph(rng: &mut Rng) -> Graph {
    let mut g = Graph::default();
    let group_count = 1 + rng.below(3);
    for gi in 0..group_count {
        let kind = if gi == 0 { GroupKind::Root } else { GroupKind::Branch { index: gi - 1 } };
        let parent = if gi == 0 { None } else { Some(NodeId(1)) };
        g.groups.push(Group {
            kind,
            parent,
            block: BlockId(gi as u32),
            pointer: String::new(),
            nodes: Vec::new(),
            start: NodeId(0),
            end: NodeId(0),
        });
        let first = g.nodes.len();
        let states = 1 + rng.below(if gi == 0 { 25 } else { 6 });
        let types =
            [StateType::Task, StateType::Choice, StateType::Pass, StateType::Parallel, StateType::Fail];
        for k in 0..states + 2 {
            let kind = match k {
                0 => NodeKind::Start,
                k if k == states + 1 => NodeKind::End,
                k => NodeKind::State {
                    name: format!("g{gi}s{k}{}", "x".repeat(rng.below(30))),
                    state_type: types[rng.below(types.len())],
                    pointer: String::new(),
                },
            };
            g.groups[gi].nodes.push(NodeId(g.nodes.len()));
            g.nodes.push(Node { kind, group: GroupId(gi), children: Vec::new() });
        }
        g.groups[gi].start = NodeId(first);
        g.groups[gi].end = NodeId(first + states + 1);
        g.edges.push(Edge { from: NodeId(first), to: NodeId(first + 1), kind: EdgeKind::Start });
        for _ in 0..rng.below(states * 3 + 1) {
            let from = NodeId(first + 1 + rng.below(states));
            let to = NodeId(first + 1 + rng.below(states + 1));
            let kind = match rng.below(4) {
                0 => EdgeKind::Next,
                1 => EdgeKind::Default,
                2 => EdgeKind::Choice { rule: 0, condition: "$.x == \"y\"".into() },
                _ => EdgeKind::Catch { index: 0, error_equals: vec!["States.ALL".into()] },
            };
            g.edges.push(Edge { from, to, kind });
        }
    }
    // The nested groups belong to the second node of the top level (a state).
    if group_count > 1 {
        g.nodes[1].children = (1..group_count).map(GroupId).collect();
    }
    g
}

#[test]
fn random_graphs_are_laid_out_and_drawn() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..300 {
        let g = random_graph(&mut rng);
        if let Err(e) = common::check_all(&g) {
            panic!("round {round}: {e}\n{g:#?}");
        }
    }
}

#[test]
fn inconsistent_graphs_do_not_panic() {
    // Built by hand, wrongly: an edge to a node that does not exist, a node listed in two
    // groups, a group listing a missing node, a child group that does not exist, a group
    // that is its own grandparent.
    let mut rng = Rng(7);
    for _ in 0..50 {
        let mut g = random_graph(&mut rng);
        let n = g.nodes.len();
        g.edges.push(Edge { from: NodeId(0), to: NodeId(n + 5), kind: EdgeKind::Next });
        g.edges.push(Edge { from: NodeId(n + 1), to: NodeId(n + 2), kind: EdgeKind::Default });
        g.groups[0].nodes.push(NodeId(n + 3));
        if g.groups.len() > 1 {
            let stolen = g.groups[1].nodes[0];
            g.groups[0].nodes.push(stolen);
            let last = g.nodes.len() - 1;
            g.nodes[last].children.push(GroupId(0));
        }
        g.nodes[1].children.push(GroupId(99));
        let l = layout(&g);
        let opts = RenderOptions::default();
        let _ = svg::render(&g, &l, &opts);
        let _ = statecraft_graph::dot::render(&g, &opts);
        let _ = mermaid::render(&g, &opts);
        // A layout of another graph.
        let _ = svg::render(&g, &statecraft_graph::Layout::default(), &opts);
    }
    let empty = Graph::default();
    let _ = svg::render(&empty, &layout(&empty), &RenderOptions::default());
    let _ = mermaid::render(&empty, &RenderOptions::default());
}
