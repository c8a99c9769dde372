//! Checks shared by the graph tests: that each output format draws every state of the model
//! exactly once and every edge of the model, that the text is plausible for its format, and
//! that the layout has no overlaps and its groups hold their content.

#![allow(dead_code, unreachable_pub)]

use statecraft_asl::{parse, Definition, MachineType};
use statecraft_graph::escape::unmermaid;
use statecraft_graph::{dot, layout, mermaid, svg, EdgeKind, Graph, Layout, NodeKind, RenderOptions};
use std::collections::BTreeMap;

pub fn parse_def(text: &str) -> Option<Definition> {
    parse(text, MachineType::Standard)
        .into_result()
        .ok()
        .or_else(|| parse(text, MachineType::Express).into_result().ok())
}

/// The model has every state of the definition once, with its type and pointer, in the group
/// of its block, and every transition [`statecraft_asl::validate::successors`] lists (as
/// `Next`, `Choice`, `Default` or `Catch` edges), plus `End` edges from terminal states only.
pub fn check_model(def: &Definition, g: &Graph) -> Result<(), String> {
    use statecraft_asl::{Kind, Transition};
    for (r, state) in def.all_states() {
        let id = g.find_state(&state.name).ok_or_else(|| format!("model lacks state {}", state.name))?;
        let node = g.node(id);
        let group = g.group(node.group);
        match &node.kind {
            NodeKind::State { state_type, pointer, .. }
                if *state_type == state.state_type()
                    && *pointer == state.pointer
                    && group.block == r.block => {}
            other => {
                return Err(format!(
                    "state {} is modelled as {other:?} in block {:?}",
                    state.name, group.block
                ))
            }
        }
        let block = def.block(r.block);
        let mut want: Vec<String> = statecraft_asl::validate::successors(state)
            .into_iter()
            .map(|i| block.states[i as usize].name.to_string())
            .collect();
        let terminal = match state.kind {
            Kind::Succeed | Kind::Fail(_) => true,
            Kind::Choice(_) => false,
            _ => state.transition == Transition::End,
        };
        if terminal {
            want.push("End".into());
        }
        let mut got: Vec<String> =
            g.edges.iter().filter(|e| e.from == id).map(|e| g.node(e.to).label().to_string()).collect();
        want.sort();
        got.sort();
        if want != got {
            return Err(format!("state {}: edges to {got:?}, transitions to {want:?}", state.name));
        }
    }
    Ok(())
}

/// The SVG is well-formed XML; each node appears once with its full name in `data-state`;
/// each edge appears with its kind and ends.
pub fn check_svg(g: &Graph, text: &str) -> Result<(), String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| format!("SVG is not well-formed: {e}"))?;
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut edges: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for n in doc.descendants().filter(|n| n.has_tag_name("g")) {
        let class = n.attribute("class").unwrap_or_default();
        if let Some(state) = n.attribute("data-state") {
            *states.entry(state.to_string()).or_insert(0) += 1;
        }
        if class.split(' ').any(|c| c == "sc-node" || c == "sc-marker") {
            *ids.entry(n.attribute("id").unwrap_or_default().to_string()).or_insert(0) += 1;
        }
        if let Some(kind) = class.split(' ').find_map(|c| c.strip_prefix("sc-edge-")) {
            let from = n.attribute("data-from").unwrap_or_default().to_string();
            let to = n.attribute("data-to").unwrap_or_default().to_string();
            *edges.entry((from, to, kind.to_string())).or_insert(0) += 1;
        }
    }
    let mut want_states: BTreeMap<String, usize> = BTreeMap::new();
    for (_, n) in g.states() {
        *want_states.entry(n.label().to_string()).or_insert(0) += 1;
    }
    if states != want_states {
        return Err(format!("SVG states differ: {states:?} vs {want_states:?}"));
    }
    if ids.len() != g.nodes.len() || ids.values().any(|&c| c != 1) {
        return Err(format!("SVG node ids: {} distinct for {} nodes", ids.len(), g.nodes.len()));
    }
    let mut want_edges: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for e in &g.edges {
        let key = (
            g.node(e.from).label().to_string(),
            g.node(e.to).label().to_string(),
            e.kind.as_str().to_string(),
        );
        *want_edges.entry(key).or_insert(0) += 1;
    }
    // Routes exist for every edge (a self-loop included).
    if edges != want_edges {
        return Err(format!("SVG edges differ:\n{edges:?}\nvs\n{want_edges:?}"));
    }
    // Each label is drawn once, with the edge's text.
    for n in doc.descendants().filter(|n| n.attribute("class") == Some("sc-label")) {
        let i: usize =
            n.attribute("data-edge").and_then(|v| v.parse().ok()).ok_or("SVG label without edge")?;
        let text: String = n.descendants().filter(|t| t.is_text()).filter_map(|t| t.text()).collect();
        let want = g.edges.get(i).and_then(|e| e.kind.label()).ok_or("SVG label for an edge without one")?;
        if text != want {
            return Err(format!("SVG label of edge {i}: {text:?}, expected {want:?}"));
        }
    }
    let labelled = g.edges.iter().filter(|e| e.kind.label().is_some() && e.from != e.to).count();
    let drawn = doc.descendants().filter(|n| n.attribute("class") == Some("sc-label")).count();
    if drawn < labelled {
        return Err(format!("SVG: {drawn} labels drawn for {labelled} labelled edges"));
    }
    Ok(())
}

/// Splits DOT text into statements, checking quotes and braces balance.
fn dot_lines(text: &str) -> Result<Vec<&str>, String> {
    let mut depth = 0i32;
    let mut in_str = false;
    let mut escaped = false;
    for c in text.chars() {
        match (in_str, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_str = false,
            (false, _, '"') => in_str = true,
            (false, _, '{') => depth += 1,
            (false, _, '}') => {
                depth -= 1;
                if depth < 0 {
                    return Err("DOT: unbalanced '}'".into());
                }
            }
            (true, false, '\n') => return Err("DOT: line break inside a string".into()),
            _ => {}
        }
    }
    if in_str || depth != 0 {
        return Err(format!("DOT: unbalanced (string open: {in_str}, depth {depth})"));
    }
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
}

/// The first double-quoted DOT string after `key=` in `line`, unescaped.
fn dot_attr(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("{key}=\""))? + key.len() + 2;
    let mut out = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                other => out.push(other),
            },
            '"' => return Some(out),
            c => out.push(c),
        }
    }
    None
}

pub fn check_dot(g: &Graph, text: &str) -> Result<(), String> {
    let lines = dot_lines(text)?;
    if lines.first() != Some(&"digraph statecraft {") || lines.last() != Some(&"}") {
        return Err("DOT: not a digraph".into());
    }
    let mut labels: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut edges: BTreeMap<(usize, usize, String), usize> = BTreeMap::new();
    for l in &lines[1..lines.len() - 1] {
        let ok_end = l.ends_with(';') || l.ends_with('{') || *l == "}";
        if !ok_end {
            return Err(format!("DOT: statement does not end: {l}"));
        }
        if l.starts_with("graph [") || l.starts_with("node [") || l.starts_with("edge [") || *l == "}" {
            continue;
        }
        if l.starts_with("subgraph cluster_g") || l.starts_with("label=") {
            continue;
        }
        let (head, _) = l.split_once(" [").ok_or_else(|| format!("DOT: unexpected statement {l}"))?;
        let ids: Vec<&str> = head.split(" -> ").collect();
        let num = |s: &str| s.strip_prefix('n').and_then(|n| n.parse::<usize>().ok());
        match ids.as_slice() {
            [one] => {
                let id = num(one).ok_or_else(|| format!("DOT: bad node id {one}"))?;
                labels.entry(id).or_default().push(dot_attr(l, "label").ok_or("DOT: node without label")?);
            }
            [a, b] => {
                let (a, b) = (num(a).ok_or("DOT: bad id")?, num(b).ok_or("DOT: bad id")?);
                let class = dot_attr(l, "class").ok_or("DOT: edge without class")?;
                if let Some(kind) = class.strip_prefix("sc-edge-") {
                    let label = dot_attr(l, "label").unwrap_or_default();
                    *edges.entry((a, b, format!("{kind} {label}"))).or_insert(0) += 1;
                } else if class != "sc-extra" {
                    return Err(format!("DOT: unknown edge class {class}"));
                }
            }
            _ => return Err(format!("DOT: unexpected statement {l}")),
        }
    }
    for (i, n) in g.nodes.iter().enumerate() {
        match labels.get(&i).map(Vec::as_slice) {
            Some([label]) if label == n.label() => {}
            other => return Err(format!("DOT: node n{i} ({}) declared as {other:?}", n.label())),
        }
    }
    if labels.len() != g.nodes.len() {
        return Err("DOT: extra node declarations".into());
    }
    let mut want: BTreeMap<(usize, usize, String), usize> = BTreeMap::new();
    for e in &g.edges {
        let key = (e.from.0, e.to.0, format!("{} {}", e.kind.as_str(), e.kind.label().unwrap_or_default()));
        *want.entry(key).or_insert(0) += 1;
    }
    if edges != want {
        return Err(format!("DOT edges differ: {edges:?} vs {want:?}"));
    }
    Ok(())
}

/// Splits `nID<shape>"label"<shape>` into the id and the label.
fn mermaid_node(line: &str) -> Option<(usize, String)> {
    let digits: String = line.strip_prefix('n')?.chars().take_while(char::is_ascii_digit).collect();
    let rest = &line[1 + digits.len()..];
    let q1 = rest.find('"')?;
    let q2 = rest.rfind('"')?;
    let (open, label, close) = (&rest[..q1], &rest[q1 + 1..q2], &rest[q2 + 1..]);
    let shapes = [("((", "))"), ("{", "}"), ("([", "])"), ("{{", "}}"), ("[[", "]]"), ("(", ")"), ("[", "]")];
    if !shapes.contains(&(open, close)) || label.contains('"') {
        return None;
    }
    Some((digits.parse().ok()?, unmermaid(label)))
}

pub fn check_mermaid(g: &Graph, text: &str) -> Result<(), String> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty()).peekable();
    if lines.peek() == Some(&"---") {
        lines.next();
        for l in lines.by_ref() {
            if l == "---" {
                break;
            }
        }
    }
    if lines.next() != Some("flowchart TD") {
        return Err("Mermaid: no 'flowchart TD' header".into());
    }
    let mut depth = 0i32;
    let mut labels: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut edges: BTreeMap<(usize, usize, String), usize> = BTreeMap::new();
    let id = |s: &str| s.strip_prefix('n').and_then(|n| n.parse::<usize>().ok());
    for l in lines {
        if let Some(rest) = l.strip_prefix("subgraph g") {
            let (num, title) = rest.split_once(' ').ok_or("Mermaid: subgraph without title")?;
            let quoted = title.starts_with("[\"")
                && title.ends_with("\"]")
                && !title[2..title.len() - 2].contains('"');
            if num.parse::<usize>().is_err() || !quoted {
                return Err(format!("Mermaid: bad subgraph line {l}"));
            }
            depth += 1;
        } else if l == "end" {
            depth -= 1;
            if depth < 0 {
                return Err("Mermaid: 'end' without subgraph".into());
            }
        } else if l == "direction TB" || l.starts_with("classDef ") || l.starts_with("class ") {
        } else if let Some((node, label)) = mermaid_node(l) {
            labels.entry(node).or_default().push(label);
        } else {
            let parts = l.split_once(' ').and_then(|(a, rest)| rest.rsplit_once(' ').map(|(m, b)| (a, m, b)));
            let (from, arrow, to) = parts.ok_or_else(|| format!("Mermaid: unexpected line {l}"))?;
            let (arrow, label) = match arrow.split_once('|') {
                Some((a, lab)) => {
                    let inner = lab
                        .strip_suffix('|')
                        .and_then(|s| s.strip_prefix('"'))
                        .and_then(|s| s.strip_suffix('"'));
                    let inner = inner.filter(|s| !s.contains('"') && !s.contains('|'));
                    (a, Some(inner.ok_or_else(|| format!("Mermaid: bad edge label in {l}"))?))
                }
                None => (arrow, None),
            };
            let (a, b) = (id(from).ok_or("Mermaid: bad id")?, id(to).ok_or("Mermaid: bad id")?);
            match arrow {
                "-->" | "-.->" => {
                    let key = (a, b, format!("{arrow} {}", label.map(unmermaid).unwrap_or_default()));
                    *edges.entry(key).or_insert(0) += 1;
                }
                "-.-" => {}
                _ => return Err(format!("Mermaid: unknown arrow {arrow}")),
            }
        }
    }
    if depth != 0 {
        return Err("Mermaid: unbalanced subgraphs".into());
    }
    for (i, n) in g.nodes.iter().enumerate() {
        match labels.get(&i).map(Vec::as_slice) {
            Some([label]) if label == n.label() => {}
            other => return Err(format!("Mermaid: node n{i} ({}) declared as {other:?}", n.label())),
        }
    }
    if labels.len() != g.nodes.len() {
        return Err("Mermaid: extra node declarations".into());
    }
    // Mermaid has no edge kinds: each edge is an arrow (dotted for catchers and defaults) and
    // its label.
    let mut want: BTreeMap<(usize, usize, String), usize> = BTreeMap::new();
    for e in &g.edges {
        let arrow = if matches!(e.kind, EdgeKind::Catch { .. } | EdgeKind::Default) { "-.->" } else { "-->" };
        let key = (e.from.0, e.to.0, format!("{arrow} {}", e.kind.label().unwrap_or_default()));
        *want.entry(key).or_insert(0) += 1;
    }
    if edges != want {
        return Err(format!("Mermaid edges differ from the model: {edges:?} vs {want:?}"));
    }
    Ok(())
}

/// No two nodes of a group overlap; every group holds its nodes; every Parallel or Map node
/// holds its groups; nested groups do not overlap each other; every edge has a route.
pub fn check_layout(g: &Graph, l: &Layout) -> Result<(), String> {
    for (gi, group) in g.groups.iter().enumerate() {
        let gr = l.groups[gi];
        for (i, a) in group.nodes.iter().enumerate() {
            let ra = l.nodes[a.0];
            if !(ra.w > 0.0 && ra.h > 0.0 && ra.x.is_finite() && ra.y.is_finite()) {
                return Err(format!("node {} has no area: {ra:?}", g.node(*a).label()));
            }
            if !gr.contains(&ra) {
                return Err(format!("group {gi} {gr:?} does not hold node {} {ra:?}", g.node(*a).label()));
            }
            for b in &group.nodes[i + 1..] {
                if ra.overlaps(&l.nodes[b.0]) {
                    return Err(format!(
                        "nodes {} {ra:?} and {} {:?} overlap (layers {} and {})",
                        g.node(*a).label(),
                        g.node(*b).label(),
                        l.nodes[b.0],
                        l.layers[a.0],
                        l.layers[b.0]
                    ));
                }
            }
        }
        if let Some(p) = group.parent {
            if !l.nodes[p.0].contains(&gr) {
                return Err(format!("node {} does not hold its group {gi}", g.node(p).label()));
            }
        }
    }
    for node in &g.nodes {
        for (i, a) in node.children.iter().enumerate() {
            for b in &node.children[i + 1..] {
                if l.groups[a.0].overlaps(&l.groups[b.0]) {
                    return Err(format!("groups {} and {} overlap", a.0, b.0));
                }
            }
        }
    }
    // Labels overlap no node and no other label of their group.
    for group in &g.groups {
        let labels: Vec<_> = g
            .edges
            .iter()
            .enumerate()
            .filter(|(_, e)| group.nodes.contains(&e.from))
            .filter_map(|(i, _)| l.edges[i].label)
            .collect();
        for (i, a) in labels.iter().enumerate() {
            if let Some(n) = group.nodes.iter().find(|n| a.overlaps(&l.nodes[n.0])) {
                return Err(format!("label {a:?} overlaps node {}", g.node(*n).label()));
            }
            if let Some(b) = labels[i + 1..].iter().find(|b| a.overlaps(b)) {
                return Err(format!("labels {a:?} and {b:?} overlap"));
            }
        }
    }
    for (i, e) in g.edges.iter().enumerate() {
        if l.edges[i].points.len() < 2 {
            return Err(format!("edge {i} ({:?}) has no route", e.kind));
        }
        if e.kind.label().is_some() && e.from != e.to && l.edges[i].label.is_none() {
            return Err(format!("edge {i} has a label but no place for it"));
        }
    }
    Ok(())
}

/// Every format and the layout, checked; `Err` names the first problem.
pub fn check_all(g: &Graph) -> Result<Layout, String> {
    let l = layout(g);
    check_layout(g, &l)?;
    let opts = RenderOptions::default();
    check_svg(g, &svg::render(g, &l, &opts))?;
    check_dot(g, &dot::render(g, &opts))?;
    check_mermaid(g, &mermaid::render(g, &opts))?;
    Ok(l)
}

/// Whether the Graphviz `dot` program is installed.
pub fn dot_available() -> bool {
    std::process::Command::new("dot").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// Pipes DOT text through `dot -Tsvg`.
pub fn run_dot(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child.stdin.take().ok_or("no stdin")?.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

pub fn state_count(g: &Graph) -> usize {
    g.nodes.iter().filter(|n| matches!(n.kind, NodeKind::State { .. })).count()
}

pub fn labelled(kind: &EdgeKind) -> bool {
    kind.label().is_some()
}
