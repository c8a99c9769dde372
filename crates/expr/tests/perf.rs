//! A rough throughput check of the hot path the interpreter cares about: a `Parameters`
//! template of two paths and one `States.MathAdd`. Ignored by default; run with
//! `cargo test -p statecraft-expr --release --test perf -- --ignored --nocapture`.

use serde_json::json;
use statecraft_expr::{Env, NoVariables, Scope, Template};
use std::time::Instant;

struct FixedEnv;

impl Env for FixedEnv {
    fn random_u64(&self) -> u64 {
        4
    }
}

#[test]
#[ignore]
fn template_throughput() {
    let t = Template::compile(&json!({
        "id.$": "$.order.id",
        "customer.$": "$.order.customer.name",
        "next.$": "States.MathAdd($.order.count, 1)"
    }))
    .unwrap();
    let input = json!({"order": {"id": "o-1", "count": 41, "customer": {"name": "Ada", "tier": "gold"}}});
    let scope =
        Scope { input: &input, context: &serde_json::Value::Null, variables: &NoVariables, env: &FixedEnv };
    let n = 2_000_000;
    let start = Instant::now();
    let mut check = 0;
    for _ in 0..n {
        let out = t.evaluate(&scope).unwrap();
        check += out.as_object().map_or(0, |m| m.len());
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(check, 3 * n);
    eprintln!("{:.2} M evaluations/s ({:.0} ns each)", n as f64 / secs / 1e6, secs * 1e9 / n as f64);
}

#[test]
#[ignore]
fn component_costs() {
    let input = json!({"order": {"id": "o-1", "count": 41, "customer": {"name": "Ada", "tier": "gold"}}});
    let scope =
        Scope { input: &input, context: &serde_json::Value::Null, variables: &NoVariables, env: &FixedEnv };
    for (name, tpl) in [
        ("const", json!({"a": 1})),
        ("one short path", json!({"id.$": "$.order.id"})),
        ("one number path", json!({"id.$": "$.order.count"})),
        ("math add", json!({"next.$": "States.MathAdd($.order.count, 1)"})),
        (
            "three number paths",
            json!({"a.$": "$.order.count", "b.$": "$.order.count", "c.$": "$.order.count"}),
        ),
    ] {
        let t = Template::compile(&tpl).unwrap();
        let n = 1_000_000;
        let start = Instant::now();
        for _ in 0..n {
            std::hint::black_box(t.evaluate(&scope).unwrap());
        }
        eprintln!("{name}: {:.0} ns", start.elapsed().as_secs_f64() * 1e9 / n as f64);
    }
}
