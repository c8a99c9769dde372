//! Graphviz DOT output. Graphviz does its own layout, so this writes only the graph: nodes
//! (`n0`, `n1`... with the state name as label), clusters for Parallel branches and Map
//! processors, and the model's edges with their labels. Two kinds of extra edges keep nested
//! groups readable: a dotted, unlabelled edge from a Parallel or Map state to the start of each
//! of its groups, and invisible edges from each group's end to the state's successors (so
//! Graphviz ranks what follows below the groups). Both have `class="sc-extra"`.

use crate::escape::dot as esc;
use crate::model::{EdgeKind, Graph, GroupId, GroupKind, NodeKind};
use crate::style::{type_class, type_colors, RenderOptions, MARKER_COLORS};
use std::fmt::Write;

pub fn render(g: &Graph, opts: &RenderOptions) -> String {
    let mut s = String::with_capacity(1024 + g.nodes.len() * 120);
    s.push_str("digraph statecraft {\n");
    s.push_str("  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=11, nodesep=0.35, ranksep=0.45");
    if let Some(t) = &opts.title {
        let _ = write!(s, ", label=\"{}\", labelloc=t", esc(t));
    }
    s.push_str("];\n");
    s.push_str("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n");
    s.push_str("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#4b5563\"];\n");
    if !g.groups.is_empty() {
        let mut seen = vec![false; g.groups.len()];
        write_group(&mut s, g, Graph::ROOT, opts, 1, &mut seen);
    }
    for e in &g.edges {
        let mut attrs = vec![format!("class=\"sc-edge-{}\"", e.kind.as_str())];
        if let Some(label) = e.kind.label() {
            attrs.push(format!("label=\"{}\"", esc(&label)));
        }
        match e.kind {
            EdgeKind::Catch { .. } => attrs.push("style=dashed, color=\"#b91c1c\"".into()),
            EdgeKind::Default => attrs.push("style=dotted".into()),
            EdgeKind::Choice { .. } => attrs.push("color=\"#b45309\"".into()),
            _ => {}
        }
        let _ = writeln!(s, "  n{} -> n{} [{}];", e.from.0, e.to.0, attrs.join(", "));
    }
    for (i, node) in g.nodes.iter().enumerate() {
        for c in &node.children {
            let Some(child) = g.groups.get(c.0) else { continue };
            let _ = writeln!(
                s,
                "  n{i} -> n{} [class=\"sc-extra\", style=dotted, arrowhead=none, color=\"#9ca3af\"];",
                child.start.0
            );
            for e in g.edges.iter().filter(|e| e.from.0 == i && e.from != e.to) {
                let _ = writeln!(s, "  n{} -> n{} [class=\"sc-extra\", style=invis];", child.end.0, e.to.0);
            }
        }
    }
    s.push_str("}\n");
    s
}

/// The nodes of a group, then its nested groups as clusters (next to the state that owns
/// them).
fn write_group(
    s: &mut String,
    g: &Graph,
    gid: GroupId,
    opts: &RenderOptions,
    depth: usize,
    seen: &mut [bool],
) {
    // Each group once, whatever the graph says (a hand-made one could nest a group in itself).
    match seen.get_mut(gid.0) {
        Some(slot) if !*slot => *slot = true,
        _ => return,
    }
    let Some(group) = g.groups.get(gid.0) else { return };
    let pad = "  ".repeat(depth);
    for &n in &group.nodes {
        let Some(node) = g.nodes.get(n.0) else { continue };
        match &node.kind {
            NodeKind::Start | NodeKind::End => {
                let _ = writeln!(
                    s,
                    "{pad}n{} [label=\"{}\", shape=ellipse, style=filled, fillcolor=\"{}\", color=\"{}\", fontcolor=white, fontsize=9, class=\"sc-marker\"];",
                    n.0,
                    node.label(),
                    MARKER_COLORS.0,
                    MARKER_COLORS.1
                );
            }
            NodeKind::State { name, state_type, .. } => {
                let (fill, stroke) = type_colors(*state_type);
                let shape = match state_type.as_str() {
                    "Choice" => "diamond",
                    "Succeed" | "Fail" => "oval",
                    _ => "box",
                };
                let mut class = format!("sc-{}", type_class(*state_type));
                let mut color = stroke.to_string();
                let mut pen = "";
                if let Some(st) = opts.statuses.get(name.as_str()) {
                    let _ = write!(class, " status-{}", st.as_str());
                    color = st.stroke().to_string();
                    pen = ", penwidth=3";
                }
                let _ = writeln!(
                    s,
                    "{pad}n{} [label=\"{}\", shape={shape}, fillcolor=\"{fill}\", color=\"{color}\"{pen}, tooltip=\"{} ({})\", id=\"sc-n{}\", class=\"{class}\"];",
                    n.0,
                    esc(name),
                    esc(name),
                    state_type.as_str(),
                    n.0,
                );
            }
        }
        for c in &node.children {
            let Some(child) = g.groups.get(c.0) else { continue };
            if seen.get(c.0) != Some(&false) {
                continue;
            }
            let title = match child.kind {
                GroupKind::Root => String::new(),
                _ => format!("{} · {}", node.label(), child.label()),
            };
            let _ = writeln!(s, "{pad}subgraph cluster_g{} {{", c.0);
            let _ = writeln!(
                s,
                "{pad}  label=\"{}\"; style=\"rounded,dashed\"; color=\"#9ca3af\"; fontcolor=\"#6b7280\"; fontsize=10;",
                esc(&title)
            );
            write_group(s, g, *c, opts, depth + 1, seen);
            let _ = writeln!(s, "{pad}}}");
        }
    }
}
