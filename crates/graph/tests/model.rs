//! The graph model of a definition with every kind of edge and nested groups: what each node
//! and edge says.

mod common;

use statecraft_asl::StateType;
use statecraft_graph::{EdgeKind, Graph, GroupKind, NodeKind};

const DEF: &str = r#"{"StartAt": "Check", "States": {
  "Check": {"Type": "Choice", "Choices": [
      {"And": [{"Variable": "$.n", "NumericGreaterThan": 1}, {"Not": {"Variable": "$.s", "StringEquals": "x"}}], "Next": "Fan"},
      {"Variable": "$.t", "TimestampLessThanPath": "$.limit", "Next": "Work"}
  ], "Default": "Bad"},
  "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
           "Catch": [{"ErrorEquals": ["A", "B"], "Next": "Bad"}, {"ErrorEquals": ["States.ALL"], "Next": "Fan"}],
           "Next": "Fan"},
  "Fan": {"Type": "Parallel", "End": true, "Branches": [
      {"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": true,
          "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}}}}},
      {"StartAt": "Other", "States": {"Other": {"Type": "Wait", "Seconds": 1, "End": true}}}
  ]},
  "Bad": {"Type": "Fail", "Error": "Bad"}
}}"#;

#[test]
fn every_edge_kind_and_nested_group_is_modelled() {
    let def = common::parse_def(DEF).expect("valid");
    let g = Graph::from_definition(&def);
    common::check_model(&def, &g).unwrap_or_else(|e| panic!("{e}"));

    let edges: Vec<(String, String, EdgeKind)> = g
        .edges
        .iter()
        .map(|e| (g.node(e.from).label().to_string(), g.node(e.to).label().to_string(), e.kind.clone()))
        .collect();
    let has = |from: &str, to: &str, kind: EdgeKind| {
        assert!(
            edges.contains(&(from.to_string(), to.to_string(), kind.clone())),
            "no edge {from} -> {to} {kind:?} in {edges:#?}"
        );
    };
    has("Start", "Check", EdgeKind::Start);
    has("Check", "Fan", EdgeKind::Choice { rule: 0, condition: "$.n > 1 and not $.s == \"x\"".into() });
    has("Check", "Work", EdgeKind::Choice { rule: 1, condition: "$.t before $.limit".into() });
    has("Check", "Bad", EdgeKind::Default);
    has("Work", "Fan", EdgeKind::Next);
    has("Work", "Bad", EdgeKind::Catch { index: 0, error_equals: vec!["A".into(), "B".into()] });
    has("Work", "Fan", EdgeKind::Catch { index: 1, error_equals: vec!["States.ALL".into()] });
    has("Fan", "End", EdgeKind::End);
    has("Bad", "End", EdgeKind::End);
    has("Inner", "End", EdgeKind::End);
    assert_eq!(
        EdgeKind::Catch { index: 0, error_equals: vec!["A".into(), "B".into()] }.label().as_deref(),
        Some("Catch A, B")
    );
    assert_eq!(EdgeKind::Next.label(), None);

    // Groups: the top level, two branches of Fan, the processor of Each inside branch 1.
    let kinds: Vec<GroupKind> = g.groups.iter().map(|gr| gr.kind).collect();
    assert_eq!(
        kinds,
        [
            GroupKind::Root,
            GroupKind::Branch { index: 0 },
            GroupKind::Processor,
            GroupKind::Branch { index: 1 }
        ]
    );
    let fan = g.find_state("Fan").expect("Fan");
    let each = g.find_state("Each").expect("Each");
    assert_eq!(g.node(fan).children.len(), 2);
    assert_eq!(g.group(g.node(fan).children[0]).parent, Some(fan));
    assert_eq!(g.node(each).group, g.node(fan).children[0]);
    assert_eq!(g.group(g.node(g.find_state("Inner").expect("Inner")).group).parent, Some(each));
    match &g.node(g.find_state("Inner").expect("Inner")).kind {
        NodeKind::State { state_type, pointer, .. } => {
            assert_eq!(*state_type, StateType::Pass);
            assert_eq!(pointer, "/States/Fan/Branches[0]/States/Each/ItemProcessor/States/Inner");
        }
        other => panic!("{other:?}"),
    }
    // One start and one end marker per group.
    for group in &g.groups {
        let markers = |k: &NodeKind| group.nodes.iter().filter(|n| g.node(**n).kind == *k).count();
        assert_eq!((markers(&NodeKind::Start), markers(&NodeKind::End)), (1, 1));
    }
}
