//! Runs the public JSONata test suite in-process, comparing results as the suite's `run.py`
//! does (numbers within 1e-9 relative, error codes by `code`, also the nested
//! `error.code` form that `run.py` does not read). Fails when a case outside
//! `known_failures.txt` fails, and when a listed case passes, so the list only shrinks.
//!
//! The suite is read from `$JSONATA_SUITE`, else `<workspace>/../shared/jsonata-suite`; when
//! it is absent the test says so and passes.

use serde_json::Value;
use statecraft_jsonata::{Bindings, Env, Expression, Limits, Options};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

struct TestEnv(Cell<u64>);

impl Env for TestEnv {
    fn now_millis(&self) -> i64 {
        1_700_000_000_000
    }
    fn random_u64(&self) -> u64 {
        let mut z = self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.0.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn suite_dir() -> PathBuf {
    match std::env::var_os("JSONATA_SUITE") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/jsonata-suite"),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Runs one case; `Err` says why it failed.
fn run_case(case: &Value, datasets: &BTreeMap<String, Value>) -> Result<(), String> {
    let expr = case["expr"].as_str().ok_or("no expr")?;
    let input = match (case.get("data"), case.get("dataset").and_then(|d| d.as_str())) {
        (Some(d), _) => Some(d.clone()),
        (None, Some(name)) => datasets.get(name).cloned(),
        _ => None,
    };
    let mut bindings = Bindings::new();
    if let Some(Value::Object(b)) = case.get("bindings") {
        for (k, v) in b {
            bindings.bind(k.clone(), v.clone());
        }
    }
    let mut options = Options::default();
    if let Some(d) = case.get("depth").and_then(|d| d.as_u64()) {
        options.limits = Limits { max_depth: d as usize, ..Limits::default() };
    }
    let env = TestEnv(Cell::new(42));
    let outcome = Expression::parse(expr).and_then(|e| e.evaluate(input.as_ref(), &bindings, &env, &options));
    let want_code =
        case.get("code").or_else(|| case.get("error").and_then(|e| e.get("code"))).and_then(|c| c.as_str());
    match (want_code, outcome) {
        (Some(code), Err(e)) if e.code == code => Ok(()),
        (Some(code), got) => Err(format!("want error {code}, got {got:?}")),
        (None, Err(e)) => Err(format!("unexpected error {}: {}", e.code, e.message)),
        (None, Ok(got)) => {
            if case.get("undefinedResult").and_then(|u| u.as_bool()) == Some(true) {
                return if got.is_none() { Ok(()) } else { Err(format!("want undefined, got {got:?}")) };
            }
            let want = case.get("result").ok_or("case has no expected result")?;
            match got {
                Some(g) if same(&g, want) => Ok(()),
                other => Err(format!("want {want}, got {other:?}")),
            }
        }
    }
}

#[test]
fn jsonata_suite() {
    let dir = suite_dir();
    if !dir.join("groups").is_dir() {
        println!("JSONata suite not found at {}: skipping (set JSONATA_SUITE)", dir.display());
        return;
    }
    let mut datasets = BTreeMap::new();
    for e in std::fs::read_dir(dir.join("datasets")).expect("datasets dir").flatten() {
        let name = e.file_name().to_string_lossy().trim_end_matches(".json").to_string();
        let text = std::fs::read_to_string(e.path()).expect("dataset");
        datasets.insert(name, serde_json::from_str(&text).expect("dataset JSON"));
    }
    let known_text = include_str!("known_failures.txt");
    let known: BTreeSet<&str> = known_text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect();
    let mut groups: Vec<_> =
        std::fs::read_dir(dir.join("groups")).expect("groups dir").flatten().map(|e| e.path()).collect();
    groups.sort();
    let (mut passed, mut total) = (0, 0);
    let mut unexpected = Vec::new();
    let mut now_passing = Vec::new();
    for g in groups {
        let gname = g.file_name().unwrap_or_default().to_string_lossy().to_string();
        let mut files: Vec<_> = std::fs::read_dir(&g).expect("group").flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let fname = f.file_name().unwrap_or_default().to_string_lossy().to_string();
            if !fname.ends_with(".json") {
                continue;
            }
            let text = std::fs::read_to_string(&f).expect("case file");
            let spec: Result<Value, _> = serde_json::from_str(&text);
            let cases: Vec<(String, Result<(), String>)> = match spec {
                Ok(Value::Array(list)) => list
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (format!("{gname}/{fname}#{i}"), run_case(c, &datasets)))
                    .collect(),
                Ok(mut c) => {
                    if let Some(file) = c.get("expr-file").and_then(|x| x.as_str()) {
                        let src = std::fs::read_to_string(g.join(file)).unwrap_or_default();
                        c["expr"] = Value::String(src);
                    }
                    vec![(format!("{gname}/{fname}"), run_case(&c, &datasets))]
                }
                Err(e) => vec![(
                    format!("{gname}/{fname}"),
                    Err(format!("case file is not readable JSON here: {e}")),
                )],
            };
            for (id, r) in cases {
                total += 1;
                match (r, known.contains(id.as_str())) {
                    (Ok(()), false) => passed += 1,
                    (Ok(()), true) => {
                        passed += 1;
                        now_passing.push(id);
                    }
                    (Err(_), true) => {}
                    (Err(why), false) => unexpected.push(format!("{id}: {why}")),
                }
            }
        }
    }
    println!("jsonata suite (in-process): {passed}/{total} passed");
    assert!(unexpected.is_empty(), "unexpected failures:\n{}", unexpected.join("\n"));
    assert!(
        now_passing.is_empty(),
        "these cases now pass: remove them from known_failures.txt:\n{}",
        now_passing.join("\n")
    );
}
