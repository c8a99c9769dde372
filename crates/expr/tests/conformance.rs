//! Runs the conformance cases that need nothing but this crate: definitions made of one
//! JSONPath-mode `Pass` state (InputPath, Parameters or Result, Assign, ResultPath, OutputPath),
//! and compares with what AWS recorded, exactly as `shared/conformance/run.py` compares
//! (type-aware numbers, placeholders as wildcards).
//!
//! The corpus is found through `STATECRAFT_CONFORMANCE` (a corpus root or its `cases/` folder)
//! or at `<workspace>/../shared/conformance`; when absent the test says so and passes.
//! `KNOWN_FAILURES` lists the cases expected to fail, with the reason; a listed case that starts
//! passing fails the test, so the list only shrinks.

use serde_json::{json, Value};
use statecraft_expr::{Env, EvalError, NoVariables, Path, Scope, StatesError, Template};
use std::cell::Cell;
use std::path::PathBuf;

/// Cases that fail on purpose, and why.
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "intrinsic_functions__math_operations__math_random__e0",
        "the recording replaced the random number with the text RandomNumberGenerated",
    ),
    (
        "intrinsic_functions__math_operations__math_random__e1",
        "the recording replaced the random number with the text RandomNumberGenerated",
    ),
    (
        "intrinsic_functions__math_operations__math_random_seeded",
        "the recording replaced the random number with the text RandomNumberGenerated",
    ),
];

/// Keys of a Pass state this harness can play.
const PLAYABLE: &[&str] =
    &["Type", "End", "Comment", "InputPath", "Parameters", "Result", "ResultPath", "OutputPath", "Assign"];

struct SeededEnv(Cell<u64>);

impl Env for SeededEnv {
    fn random_u64(&self) -> u64 {
        // xorshift64*
        let mut x = self.0.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn corpus_cases() -> Option<PathBuf> {
    let root = match std::env::var_os("STATECRAFT_CONFORMANCE") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance"),
    };
    if root.join("cases").is_dir() {
        Some(root.join("cases"))
    } else if root.is_dir() && root.file_name().is_some_and(|n| n == "cases") {
        Some(root)
    } else {
        None
    }
}

fn read(path: &std::path::Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// The single Pass state of a playable definition, with its name.
fn playable(def: &Value) -> Option<(String, &serde_json::Map<String, Value>)> {
    if def.get("QueryLanguage").is_some() {
        return None;
    }
    let states = def.get("States")?.as_object()?;
    if states.len() != 1 {
        return None;
    }
    let (name, state) = states.iter().next()?;
    let state = state.as_object()?;
    let ok = state.get("Type") == Some(&json!("Pass"))
        && state.get("End") == Some(&json!(true))
        && state.keys().all(|k| PLAYABLE.contains(&k.as_str()));
    ok.then(|| (name.clone(), state))
}

fn context(input: &Value, state: &str) -> Value {
    json!({
        "Execution": {
            "Id": "arn:aws:states:us-east-1:111111111111:execution:ConformanceMachine-test:exec-1",
            "Input": input,
            "StartTime": "date",
            "Name": "exec-1",
            "RoleArn": "snf_role_arn",
            "RedriveCount": 0
        },
        "StateMachine": {
            "Id": "arn:aws:states:us-east-1:111111111111:stateMachine:ConformanceMachine-test",
            "Name": "ConformanceMachine-test"
        },
        "State": {"Name": state, "EnteredTime": "date"}
    })
}

/// Reads a path field (`InputPath`, `OutputPath`) the way the interpreter must.
fn path_field(src: &Value, input: &Value, ctx: &Value) -> Result<Value, EvalError> {
    let Some(src) = src.as_str() else { return Ok(json!({})) };
    let path = Path::parse(src).map_err(|e| EvalError::new(StatesError::Runtime, e.message))?;
    let doc = if *path.root() == statecraft_expr::Root::Context { ctx } else { input };
    path.select_or_not_found(doc)
        .map(|v| v.into_owned())
        .map_err(|e| EvalError::new(StatesError::Runtime, format!("Invalid path '{src}' : {}", e.message)))
}

/// Plays the state: `Ok(output)` or `Err((error, cause without the state prefix))`.
fn play(state: &serde_json::Map<String, Value>, name: &str, input: &Value) -> Result<Value, EvalError> {
    let ctx = context(input, name);
    let env = SeededEnv(Cell::new(0x9E37_79B9_7F4A_7C15));
    let effective = match state.get("InputPath") {
        None => input.clone(),
        Some(p) => path_field(p, input, &ctx)?,
    };
    let scope = Scope { input: &effective, context: &ctx, variables: &NoVariables, env: &env };
    let result = if let Some(params) = state.get("Parameters") {
        let t = Template::compile(params)
            .map_err(|e| EvalError::new(StatesError::Runtime, e[0].message.clone()))?;
        t.evaluate(&scope)?
    } else if let Some(result) = state.get("Result") {
        result.clone()
    } else {
        effective.clone()
    };
    if let Some(assign) = state.get("Assign") {
        // In JSONPath mode, `$` in Assign is the state's result.
        let scope = Scope { input: &result, ..scope };
        let t = Template::compile(assign)
            .map_err(|e| EvalError::new(StatesError::Runtime, e[0].message.clone()))?;
        t.evaluate(&scope)?;
    }
    let output = match state.get("ResultPath") {
        None => result,
        Some(Value::Null) => input.clone(),
        Some(p) => {
            let path = Path::parse(p.as_str().unwrap_or_default())
                .map_err(|e| EvalError::new(StatesError::Runtime, e.message))?;
            let mut target = input.clone();
            path.set(&mut target, result)
                .map_err(|e| EvalError::new(StatesError::ResultPathMatchFailure, e.message))?;
            target
        }
    };
    match state.get("OutputPath") {
        None => Ok(output),
        Some(p) => path_field(p, &output, &ctx),
    }
}

// ---- comparison, as run.py does it ----

fn wildcard_match(pattern: &str, text: &str, wild: &[String]) -> bool {
    // Split the pattern into literal pieces around placeholders; placeholders match anything.
    let mut pieces: Vec<(bool, &str)> = Vec::new();
    let mut rest = pattern;
    'outer: while !rest.is_empty() {
        let mut best: Option<(usize, &str)> = None;
        for w in wild {
            if let Some(i) = rest.find(w.as_str()) {
                if best.is_none_or(|(b, _)| i < b) {
                    best = Some((i, w));
                }
            }
        }
        match best {
            Some((i, w)) => {
                pieces.push((false, &rest[..i]));
                pieces.push((true, ""));
                rest = &rest[i + w.len()..];
            }
            None => {
                pieces.push((false, rest));
                break 'outer;
            }
        }
    }
    fn go(pieces: &[(bool, &str)], text: &str) -> bool {
        match pieces.split_first() {
            None => text.is_empty(),
            Some(((false, lit), rest)) => text.strip_prefix(lit).is_some_and(|t| go(rest, t)),
            Some(((true, _), rest)) => {
                (0..=text.len()).filter(|&i| text.is_char_boundary(i)).any(|i| go(rest, &text[i..]))
            }
        }
    }
    go(&pieces, text)
}

fn diff(expected: &Value, actual: &Value, wild: &[String], at: &str) -> Option<String> {
    if let Value::String(e) = expected {
        if wild.contains(e) {
            return None;
        }
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            if e.len() != a.len() || e.keys().any(|k| !a.contains_key(k)) {
                return Some(format!("{at}: keys differ"));
            }
            e.iter().find_map(|(k, v)| diff(v, &a[k], wild, &format!("{at}.{k}")))
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Some(format!("{at}: array length {} != {}", a.len(), e.len()));
            }
            e.iter().zip(a).enumerate().find_map(|(i, (e, a))| diff(e, a, wild, &format!("{at}[{i}]")))
        }
        (Value::String(e), Value::String(a)) => {
            (e != a && !wildcard_match(e, a, wild)).then(|| format!("{at}: {a:?} != expected {e:?}"))
        }
        (Value::Number(e), Value::Number(a)) => {
            let same = e.as_f64() == a.as_f64() && e.is_f64() == a.is_f64();
            (!same).then(|| format!("{at}: {a} != expected {e}"))
        }
        (e, a) => (e != a).then(|| format!("{at}: {a} != expected {e}")),
    }
}

fn check(expected: &Value, got: &Result<Value, EvalError>, state: &str) -> Option<String> {
    let wild: Vec<String> = expected
        .get("placeholders")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    match (expected["status"].as_str(), got) {
        (Some("SUCCEEDED"), Ok(out)) => diff(&expected["output"], out, &wild, "output"),
        (Some("FAILED"), Err(e)) => {
            if let Some(error) = expected.get("error") {
                if let Some(d) = diff(error, &json!(e.error.as_str()), &wild, "error") {
                    return Some(d);
                }
            }
            let cause = format!(
                "An error occurred while executing the state '{state}' (entered at the event id #2). {}",
                e.cause
            );
            expected.get("cause").and_then(|c| diff(c, &json!(cause), &wild, "cause"))
        }
        (status, Ok(out)) => Some(format!("status SUCCEEDED != expected {status:?} (output {out})")),
        (status, Err(e)) => Some(format!("status FAILED != expected {status:?} ({e})")),
    }
}

#[test]
fn single_pass_cases_match_aws() {
    let Some(cases) = corpus_cases() else {
        eprintln!("conformance corpus not found (set STATECRAFT_CONFORMANCE); skipping");
        return;
    };
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&cases).unwrap().filter_map(|e| e.ok().map(|e| e.path())).collect();
    dirs.sort();
    let (mut total, mut passed, mut with_params, mut with_params_passed) = (0, 0, 0, 0);
    let mut unexpected = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (Some(def), Some(input), Some(expected)) = (
            read(&dir.join("definition.json")),
            read(&dir.join("input.json")),
            read(&dir.join("expected.json")),
        ) else {
            continue;
        };
        let Some((state_name, state)) = playable(&def) else { continue };
        // Payload size limits belong to the interpreter.
        if expected.get("error") == Some(&json!("States.DataLimitExceeded")) {
            continue;
        }
        total += 1;
        let has_params = state.contains_key("Parameters");
        with_params += usize::from(has_params);
        let got = play(state, &state_name, &input);
        let failure = check(&expected, &got, &state_name);
        if failure.is_none() {
            passed += 1;
            with_params_passed += usize::from(has_params);
        }
        let known = KNOWN_FAILURES.iter().any(|(n, _)| *n == name);
        match (failure, known) {
            (Some(why), false) => unexpected.push(format!("{name}: {why}")),
            (None, true) => unexpected.push(format!("{name}: passes now; remove it from KNOWN_FAILURES")),
            _ => {}
        }
        if name.contains("math_random") {
            // What can be checked: an integer in [start, end).
            let out = got.as_ref().expect("MathRandom failed");
            let r = out["FunctionResult"].as_i64().expect("MathRandom gave no integer");
            let fi = &input["FunctionInput"];
            assert!(
                r >= fi["fst"].as_f64().unwrap() as i64 && r < fi["snd"].as_f64().unwrap() as i64,
                "{name}: {r}"
            );
        }
    }
    eprintln!(
        "conformance (single JSONPath Pass state): {passed} of {total} pass; with Parameters: {with_params_passed} of {with_params}"
    );
    assert!(total > 0, "no playable case found in {}", cases.display());
    assert!(unexpected.is_empty(), "unexpected results:\n{}", unexpected.join("\n"));
}

/// Every path, intrinsic call and payload template in a JSONPath-mode definition that AWS ran
/// must parse: AWS accepted all of them.
fn check_definition(v: &Value, jsonata: bool, at: &str, problems: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            let jsonata = match map.get("QueryLanguage").and_then(Value::as_str) {
                Some(q) => q == "JSONata",
                None => jsonata,
            };
            for (k, x) in map {
                let here = format!("{at}/{k}");
                match (k.as_str(), x) {
                    ("Parameters" | "ResultSelector" | "ItemSelector" | "Assign", _) if !jsonata => {
                        if let Err(e) = Template::compile(x) {
                            problems.push(format!("{here}: {e:?}"));
                        }
                    }
                    (
                        "Result" | "Arguments" | "Output" | "Parameters" | "ResultSelector" | "ItemSelector"
                        | "Assign",
                        _,
                    ) => {}
                    (k, Value::String(s)) if !jsonata && (k == "Variable" || k.ends_with("Path")) => {
                        let ok = if statecraft_expr::Call::looks_like_call(s) {
                            statecraft_expr::Call::parse(s).map(|_| ()).map_err(|e| e.message)
                        } else {
                            Path::parse(s).map(|_| ()).map_err(|e| e.message)
                        };
                        if let Err(e) = ok {
                            problems.push(format!("{here}: {s:?}: {e}"));
                        }
                    }
                    _ => check_definition(x, jsonata, &here, problems),
                }
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                check_definition(x, jsonata, &format!("{at}/{i}"), problems);
            }
        }
        _ => {}
    }
}

#[test]
fn every_jsonpath_expression_aws_ran_parses() {
    let Some(cases) = corpus_cases() else {
        eprintln!("conformance corpus not found (set STATECRAFT_CONFORMANCE); skipping");
        return;
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(&cases).unwrap().flatten() {
        let Some(def) = read(&entry.path().join("definition.json")) else { continue };
        checked += 1;
        let name = entry.file_name().to_string_lossy().to_string();
        check_definition(&def, false, &name, &mut problems);
    }
    eprintln!("checked the expressions of {checked} definitions");
    assert!(problems.is_empty(), "rejected expressions AWS accepted:\n{}", problems.join("\n"));
}

#[test]
fn illegal_intrinsic_escapes_are_rejected() {
    let Some(cases) = corpus_cases() else { return };
    let validation = cases.join("../validation");
    for name in [
        "scenarios__base_scenarios__illegal_escapes__ESCAPE_SEQUENCES_ILLEGAL_INTRINSIC_FUNCTION",
        "scenarios__base_scenarios__illegal_escapes__ESCAPE_SEQUENCES_ILLEGAL_INTRINSIC_FUNCTION_2",
    ] {
        let Some(def) = read(&validation.join(name).join("definition.json")) else { continue };
        let params = &def["States"]["IntrinsicEscape"]["Parameters"];
        let errors = Template::compile(params).expect_err(name);
        assert_eq!(
            errors[0].message,
            "The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call"
        );
        assert_eq!(errors[0].pointer, "/parsed.$");
    }
}
