//! Every definition of the public conformance corpus (`../shared/conformance/cases/*/`,
//! or `$STATECRAFT_SHARED/conformance/cases`) is drawn in every format: no panic, the model
//! has every state and every transition the validator knows (`successors`), every state
//! drawn exactly once, every edge of the model present, the layout free of overlaps, the SVG
//! well-formed, DOT and Mermaid plausible (and DOT accepted by Graphviz when `dot` happens to
//! be installed). Skipped with a notice when the corpus is absent.

mod common;

use statecraft_graph::{dot, Graph, RenderOptions};
use std::path::PathBuf;

fn cases_dir() -> Option<PathBuf> {
    let shared = match std::env::var_os("STATECRAFT_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    let dir = shared.join("conformance").join("cases");
    dir.is_dir().then_some(dir)
}

#[test]
fn every_conformance_definition_is_drawn_completely() {
    let Some(dir) = cases_dir() else {
        eprintln!("NOTICE: conformance corpus not found (set STATECRAFT_SHARED); graph conformance not run");
        return;
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("cases directory is readable")
        .filter_map(|e| e.ok().map(|e| e.path().join("definition.json")))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let graphviz = common::dot_available();
    let (mut drawn, mut invalid, mut states, mut nodes, mut edges, mut groups) = (0, 0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("readable definition");
        let Some(def) = common::parse_def(&text) else {
            invalid += 1;
            continue;
        };
        let g = Graph::from_definition(&def);
        let name =
            path.parent().and_then(|p| p.file_name()).unwrap_or_default().to_string_lossy().into_owned();
        if common::state_count(&g) != def.all_states().count() {
            failures.push(format!("{name}: the model lost states"));
        }
        if let Err(e) = common::check_model(&def, &g) {
            failures.push(format!("{name}: {e}"));
        }
        match std::panic::catch_unwind(|| common::check_all(&g)) {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => failures.push(format!("{name}: {e}")),
            Err(_) => failures.push(format!("{name}: panicked")),
        }
        if graphviz {
            if let Err(e) = common::run_dot(&dot::render(&g, &RenderOptions::default())) {
                failures.push(format!("{name}: dot rejected the DOT output: {e}"));
            }
        }
        drawn += 1;
        states += common::state_count(&g);
        nodes += g.nodes.len();
        edges += g.edges.len();
        groups += g.groups.len();
    }
    eprintln!(
        "graph conformance: {} definitions, {drawn} drawn ({invalid} invalid, not drawn): {states} states, {nodes} nodes with markers, {edges} edges, {groups} groups; Graphviz {}",
        paths.len(),
        if graphviz { "checked the DOT" } else { "not installed, DOT checked by the plausibility parser only" }
    );
    assert!(drawn > 0, "no definition could be drawn");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
