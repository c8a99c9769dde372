//! Mermaid output: a `flowchart TD` with one node per state (`n0`, `n1`... the name as a quoted
//! label, entity-escaped), a subgraph per Parallel branch and Map processor, and the model's
//! edges. Every node is declared once, inside its subgraph, before any edge: Mermaid puts a
//! node in the subgraph where it is first mentioned. A dotted link (`-.-`) joins a Parallel or
//! Map state to the start of each of its groups; it is not an edge of the model.

use crate::escape::mermaid as esc;
use crate::model::{EdgeKind, Graph, GroupId, NodeKind};
use crate::style::{type_class, type_colors, RenderOptions, Status, ALL_TYPES, MARKER_COLORS};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn render(g: &Graph, opts: &RenderOptions) -> String {
    let mut s = String::with_capacity(1024 + g.nodes.len() * 80);
    if let Some(t) = &opts.title {
        // Front matter is YAML: a double-quoted scalar with backslash escapes.
        let yaml: String = t
            .chars()
            .flat_map(|c| match c {
                '"' => vec!['\\', '"'],
                '\\' => vec!['\\', '\\'],
                c if c.is_control() => vec![' '],
                c => vec![c],
            })
            .collect();
        let _ = writeln!(s, "---\ntitle: \"{yaml}\"\n---");
    }
    s.push_str("flowchart TD\n");
    if !g.groups.is_empty() {
        let mut seen = vec![false; g.groups.len()];
        write_group(&mut s, g, Graph::ROOT, 1, &mut seen);
    }
    for e in &g.edges {
        let arrow = match e.kind {
            EdgeKind::Catch { .. } | EdgeKind::Default => "-.->",
            _ => "-->",
        };
        match e.kind.label() {
            Some(label) => {
                let _ = writeln!(s, "  n{} {arrow}|\"{}\"| n{}", e.from.0, esc(&label), e.to.0);
            }
            None => {
                let _ = writeln!(s, "  n{} {arrow} n{}", e.from.0, e.to.0);
            }
        }
    }
    for (i, node) in g.nodes.iter().enumerate() {
        for c in &node.children {
            if let Some(child) = g.groups.get(c.0) {
                let _ = writeln!(s, "  n{i} -.- n{}", child.start.0);
            }
        }
    }
    // Classes: one per state type, one for the markers, one per status in use.
    let mut by_class: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, node) in g.nodes.iter().enumerate() {
        let class = node.state_type().map_or("marker", type_class);
        by_class.entry(class).or_default().push(i);
    }
    for t in ALL_TYPES {
        let (fill, stroke) = type_colors(t);
        let _ = writeln!(s, "  classDef {} fill:{fill},stroke:{stroke},color:#111827", type_class(t));
    }
    let _ =
        writeln!(s, "  classDef marker fill:{},stroke:{},color:#ffffff", MARKER_COLORS.0, MARKER_COLORS.1);
    let mut by_status: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, node) in g.nodes.iter().enumerate() {
        if let Some(st) = node.state_name().and_then(|n| opts.statuses.get(n)) {
            by_status.entry(status_class(*st)).or_default().push(i);
        }
    }
    for st in Status::ALL {
        if by_status.contains_key(status_class(st)) {
            let _ = writeln!(s, "  classDef {} stroke:{},stroke-width:3px", status_class(st), st.stroke());
        }
    }
    for (class, nodes) in by_class.iter().chain(&by_status) {
        let ids: Vec<String> = nodes.iter().map(|i| format!("n{i}")).collect();
        let _ = writeln!(s, "  class {} {class}", ids.join(","));
    }
    s
}

fn status_class(st: Status) -> &'static str {
    match st {
        Status::Running => "statusRunning",
        Status::Succeeded => "statusSucceeded",
        Status::Failed => "statusFailed",
        Status::Caught => "statusCaught",
        Status::Cancelled => "statusCancelled",
        Status::NotStarted => "statusNotStarted",
    }
}

fn write_group(s: &mut String, g: &Graph, gid: GroupId, depth: usize, seen: &mut [bool]) {
    // Each group once, whatever the graph says (a hand-made one could nest a group in itself).
    match seen.get_mut(gid.0) {
        Some(slot) if !*slot => *slot = true,
        _ => return,
    }
    let Some(group) = g.groups.get(gid.0) else { return };
    let pad = "  ".repeat(depth);
    for &n in &group.nodes {
        let Some(node) = g.nodes.get(n.0) else { continue };
        let text = esc(node.label());
        let (open, close) = match &node.kind {
            NodeKind::Start | NodeKind::End => ("((", "))"),
            NodeKind::State { state_type, .. } => match state_type.as_str() {
                "Choice" => ("{", "}"),
                "Succeed" | "Fail" => ("([", "])"),
                "Wait" => ("{{", "}}"),
                "Parallel" | "Map" => ("[[", "]]"),
                "Pass" => ("(", ")"),
                _ => ("[", "]"),
            },
        };
        let _ = writeln!(s, "{pad}n{}{open}\"{text}\"{close}", n.0);
        for c in &node.children {
            let Some(child) = g.groups.get(c.0) else { continue };
            if seen.get(c.0) != Some(&false) {
                continue;
            }
            let title = format!("{} · {}", node.label(), child.label());
            let _ = writeln!(s, "{pad}subgraph g{} [\"{}\"]", c.0, esc(&title));
            let _ = writeln!(s, "{pad}  direction TB");
            write_group(s, g, *c, depth + 1, seen);
            let _ = writeln!(s, "{pad}end");
        }
    }
}
