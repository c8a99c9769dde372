//! Throughput benchmark: replays the `jsonata-loop` workload's control flow (Choice condition,
//! Pass with four Assign expressions and an Output, 2,500 iterations) evaluating only the
//! JSONata expressions, as `shared/bench/peers/jsonata_ref.mjs` does for jsonata-js, and
//! prints evaluations and transitions per second.
//!
//! `cargo bench -p statecraft-jsonata --bench eval` (reads the workload from
//! `<workspace>/../shared/bench/workloads`, falling back to a built-in copy).

use serde_json::{json, Map, Value};
use statecraft_jsonata::{Env, Expression, Options, Variables};
use std::path::Path;
use std::time::Instant;

struct BenchEnv;
impl Env for BenchEnv {
    fn now_millis(&self) -> i64 {
        0
    }
    fn random_u64(&self) -> u64 {
        4
    }
}

struct Vars<'a> {
    vars: &'a Map<String, Value>,
    states: &'a Value,
}

impl Variables for Vars<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        if name == "states" {
            Some(self.states)
        } else {
            Variables::get(self.vars, name)
        }
    }
}

fn load() -> (Value, Value, Option<Value>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/workloads");
    let read = |ext: &str| -> Option<Value> {
        let text = std::fs::read_to_string(dir.join(format!("jsonata-loop.{ext}.json"))).ok()?;
        serde_json::from_str(&text).ok()
    };
    match (read("asl"), read("input")) {
        (Some(def), Some(input)) => (def, input, read("expected")),
        _ => (
            json!({"StartAt": "Init", "States": {
                "Init": {"Type": "Pass", "Assign": {"i": 0, "n": "{% $states.input.n %}", "total": 0, "label": "-", "sq": 0}, "Next": "Check"},
                "Check": {"Type": "Choice", "Choices": [{"Condition": "{% $i < $n %}", "Next": "Step"}], "Default": "Done"},
                "Step": {"Type": "Pass", "Assign": {"i": "{% $i + 1 %}", "total": "{% $total + $i %}", "label": "{% 'item-' & $string($i) %}", "sq": "{% $sum([1, 2, 3].($ * $i)) %}"},
                    "Output": "{% {'i': $i, 'even': $i % 2 = 0} %}", "Next": "Check"},
                "Done": {"Type": "Succeed", "Output": "{% {'i': $i, 'n': $n, 'total': $total, 'label': $label, 'sq': $sq, 'last': $states.input} %}"}}}),
            json!({"n": 2500}),
            None,
        ),
    }
}

fn strip(v: &Value) -> Option<&str> {
    let s = v.as_str()?.trim();
    Some(s.strip_prefix("{%")?.strip_suffix("%}")?.trim())
}

struct Runner {
    /// Expressions compiled once, keyed by the address of their string in the definition.
    compiled: Vec<(usize, Expression)>,
    evaluations: u64,
}

impl Runner {
    fn ev(&mut self, v: &Value, states: &Value, vars: &Map<String, Value>) -> Value {
        let Some(src) = strip(v) else { return v.clone() };
        let key = v as *const Value as usize;
        let idx = match self.compiled.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.compiled.push((key, Expression::parse(src).expect("parse")));
                self.compiled.len() - 1
            }
        };
        let expr = &self.compiled[idx].1;
        self.evaluations += 1;
        expr.evaluate_with(None, &Vars { vars, states }, &BenchEnv, &Options::default())
            .expect("evaluate")
            .unwrap_or(Value::Null)
    }

    /// One execution; returns the output and the number of transitions.
    fn once(&mut self, def: &Value, input: &Value) -> (Value, u64) {
        let mut vars = Map::new();
        let mut cur = def["StartAt"].as_str().unwrap_or("").to_string();
        let mut data = input.clone();
        let mut transitions = 0;
        loop {
            transitions += 1;
            let st = &def["States"][&cur];
            let mut states = Map::new();
            states.insert("input".to_string(), data.clone());
            let states = Value::Object(states);
            if st["Type"] == "Choice" {
                let mut next = st["Default"].as_str().unwrap_or("").to_string();
                for r in st["Choices"].as_array().into_iter().flatten() {
                    if self.ev(&r["Condition"], &states, &vars) == Value::Bool(true) {
                        next = r["Next"].as_str().unwrap_or("").to_string();
                        break;
                    }
                }
                cur = next;
                continue;
            }
            let out = match st.get("Output") {
                Some(o) => self.ev(o, &states, &vars),
                None => data.clone(),
            };
            let mut upd = Vec::new();
            for (k, v) in st.get("Assign").and_then(|a| a.as_object()).into_iter().flatten() {
                upd.push((k.clone(), self.ev(v, &states, &vars)));
            }
            for (k, v) in upd {
                vars.insert(k, v);
            }
            data = out;
            if st["Type"] == "Succeed" || st.get("End") == Some(&Value::Bool(true)) {
                return (data, transitions);
            }
            cur = st["Next"].as_str().unwrap_or("").to_string();
        }
    }
}

fn main() {
    let (def, input, expected) = load();
    let mut r = Runner { compiled: Vec::new(), evaluations: 0 };
    let (out, _) = r.once(&def, &input);
    if let Some(exp) = expected {
        assert_eq!(out, exp, "workload output differs from expected");
    }
    let runs = std::env::args().filter_map(|a| a.parse::<u32>().ok()).next().unwrap_or(20);
    let mut times = Vec::new();
    let (mut evals, mut trans) = (0u64, 0u64);
    for _ in 0..runs {
        r.evaluations = 0;
        let t0 = Instant::now();
        let (_, t) = r.once(&def, &input);
        times.push(t0.elapsed().as_secs_f64());
        evals = r.evaluations;
        trans = t;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let median = times[times.len() / 2];
    let best = times[0];
    println!(
        "jsonata-loop: {trans} transitions, {evals} evaluations per run; median {median:.4} s, best {best:.4} s over {runs} runs"
    );
    println!(
        "  median: {:.0} evaluations/s, {:.0} transitions/s; best: {:.0} evaluations/s, {:.0} transitions/s",
        evals as f64 / median,
        trans as f64 / median,
        evals as f64 / best,
        trans as f64 / best
    );
    println!("  (JSONata evaluation time only; the jsonata-js reference replay does ~36,000 transitions/s)");

    if std::env::args().any(|a| a == "--no-hostile") {
        return;
    }
    // How long the default limits take to stop hostile expressions.
    let vars = Map::new();
    let states = Value::Null;
    for src in [
        "($f := function(){$f()}; $f())",
        "($f := function($n){$n + $f($n - 1)}; $f(1))",
        "($f := function($n){$n = 0 ? 0 : $f($n-1) + $f($n-1)}; $f(60))",
        "[1..10000000] ~> $count()",
    ] {
        let e = Expression::parse(src).expect("parse");
        let t0 = Instant::now();
        let r = e.evaluate_with(None, &Vars { vars: &vars, states: &states }, &BenchEnv, &Options::default());
        let outcome = match r {
            Ok(v) => format!("{v:?}"),
            Err(e) => e.code,
        };
        println!("  hostile {src:?}: {outcome} after {:.2} s", t0.elapsed().as_secs_f64());
    }
}
