//! Reading the test plan out of a mock file: which state machines, their definitions, their
//! test cases and each case's expectation (see the format in [`super`]).

use serde_json::{Map, Value};
use statecraft_asl::{parse, Definition, MachineType};
use std::path::{Path, PathBuf};

/// The state machines to test, in file order.
pub(super) struct Plan {
    pub(super) suites: Vec<Suite>,
}

pub(super) struct Suite {
    pub(super) name: String,
    /// The parsed definition, or why there is none (every case then fails with it).
    pub(super) definition: Result<Definition, String>,
    pub(super) cases: Vec<Case>,
}

pub(super) struct Case {
    pub(super) name: String,
    pub(super) plan: CasePlan,
}

pub(super) enum CasePlan {
    Run(Box<Expectation>),
    /// A test case with no expectation: reported as ignored.
    Ignored,
    /// An expectation that cannot be used: reported as a failure with this message.
    Broken(String),
}

#[derive(Debug, Clone, Default)]
pub(super) struct Expectation {
    pub(super) input: Value,
    pub(super) status: String,
    pub(super) output: Option<Value>,
    pub(super) error: Option<Value>,
    pub(super) cause: Option<Value>,
}

const STATUSES: [&str; 4] = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];
const KEYS: [&str; 6] = ["status", "output", "error", "cause", "input", "inputFile"];

/// Where the definitions come from, when the command line names one.
pub(super) struct Selection<'a> {
    pub(super) state_machine: Option<&'a str>,
    pub(super) definition: Option<&'a Path>,
    pub(super) machine_type: MachineType,
}

/// Builds the plan; an `Err` is a usage error (exit 2).
pub(super) fn plan(doc: &Value, mock_path: &Path, sel: &Selection<'_>) -> Result<Plan, String> {
    let machines = doc
        .get("StateMachines")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{}: missing 'StateMachines' object", mock_path.display()))?;
    let chosen: Vec<(&String, &Value)> = match sel.state_machine {
        Some(name) => {
            let (k, v) = machines.get_key_value(name).ok_or_else(|| {
                let known: Vec<&str> = machines.keys().map(String::as_str).collect();
                format!(
                    "no state machine named '{name}' in {} (known: {})",
                    mock_path.display(),
                    known.join(", ")
                )
            })?;
            vec![(k, v)]
        }
        None => machines.iter().collect(),
    };
    if sel.definition.is_some() && chosen.len() != 1 {
        return Err(format!(
            "--definition applies to one state machine, and {} has {}: choose one with --state-machine",
            mock_path.display(),
            chosen.len()
        ));
    }
    let base = mock_path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut suites = Vec::new();
    for (name, sm) in chosen {
        let sm = sm.as_object().ok_or_else(|| format!("state machine '{name}': expected an object"))?;
        let text = definition_text(name, sm, &base, sel.definition)?;
        let definition = parse(&text, sel.machine_type).into_result().map_err(|diags| {
            let lines: Vec<String> = diags.iter().map(|d| format!("  {d}")).collect();
            format!("invalid definition:\n{}", lines.join("\n"))
        });
        suites.push(Suite { name: name.clone(), definition, cases: cases(sm, &base) });
    }
    Ok(Plan { suites })
}

/// `--definition`, else `DefinitionFile` (relative to the mock file), else `Definition` (an
/// ASL object, or its JSON text).
fn definition_text(
    name: &str,
    sm: &Map<String, Value>,
    base: &Path,
    cli: Option<&Path>,
) -> Result<String, String> {
    let read = |p: &Path| {
        std::fs::read(p)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| format!("state machine '{name}': cannot read the definition {}: {e}", p.display()))
    };
    if let Some(p) = cli {
        return read(p);
    }
    match (sm.get("DefinitionFile"), sm.get("Definition")) {
        (Some(Value::String(f)), _) => read(&base.join(f)),
        (Some(_), _) => Err(format!("state machine '{name}': 'DefinitionFile' must be a path")),
        (None, Some(Value::String(text))) => Ok(text.clone()),
        (None, Some(v @ Value::Object(_))) => Ok(v.to_string()),
        (None, Some(_)) => Err(format!("state machine '{name}': 'Definition' must be an object or a string")),
        (None, None) => Err(format!(
            "state machine '{name}' has no definition: add \"DefinitionFile\" next to its \"TestCases\", or pass --definition"
        )),
    }
}

/// The test cases in file order, then expectations naming no test case (as failures).
fn cases(sm: &Map<String, Value>, base: &Path) -> Vec<Case> {
    let empty = Map::new();
    let test_cases = sm.get("TestCases").and_then(Value::as_object).unwrap_or(&empty);
    let expectations = sm.get("Expectations").and_then(Value::as_object);
    let mut out: Vec<Case> = test_cases
        .keys()
        .map(|case| {
            let plan = match expectations.and_then(|e| e.get(case)) {
                None => CasePlan::Ignored,
                Some(v) => match expectation(v, base) {
                    Ok(e) => CasePlan::Run(Box::new(e)),
                    Err(msg) => CasePlan::Broken(format!("invalid expectation: {msg}")),
                },
            };
            Case { name: case.clone(), plan }
        })
        .collect();
    if sm.get("Expectations").is_some_and(|e| !e.is_object()) {
        out.push(Case {
            name: "Expectations".into(),
            plan: CasePlan::Broken("'Expectations' must be an object of test case names".into()),
        });
    }
    for name in expectations.into_iter().flat_map(|e| e.keys()) {
        if !test_cases.contains_key(name) {
            out.push(Case {
                name: name.clone(),
                plan: CasePlan::Broken(format!(
                    "an expectation names test case '{name}', which is not in TestCases"
                )),
            });
        }
    }
    out
}

/// One expectation. Keys are matched case-insensitively (`output` or `Output`).
fn expectation(v: &Value, base: &Path) -> Result<Expectation, String> {
    let obj = v.as_object().ok_or("expected an object")?;
    let mut e =
        Expectation { input: Value::Object(Map::new()), status: "SUCCEEDED".into(), ..Default::default() };
    let mut input_given = false;
    for (key, value) in obj {
        let known = KEYS.iter().find(|k| k.eq_ignore_ascii_case(key)).copied();
        match known {
            Some("status") => {
                let s = value
                    .as_str()
                    .filter(|s| STATUSES.contains(s))
                    .ok_or_else(|| format!("'status' must be one of {}, not {value}", STATUSES.join(", ")))?;
                e.status = s.to_string();
            }
            Some("output") => e.output = Some(value.clone()),
            Some("error") | Some("cause") => {
                if !(value.is_string() || value.is_null()) {
                    return Err(format!("'{key}' must be a string or null, not {value}"));
                }
                if known == Some("error") {
                    e.error = Some(value.clone());
                } else {
                    e.cause = Some(value.clone());
                }
            }
            Some("input") | Some("inputFile") => {
                if input_given {
                    return Err("give either 'input' or 'inputFile', not both".into());
                }
                input_given = true;
                e.input = if known == Some("input") { value.clone() } else { input_file(value, base)? };
            }
            _ => return Err(format!("unknown key '{key}' (known: {})", KEYS.join(", "))),
        }
    }
    Ok(e)
}

fn input_file(v: &Value, base: &Path) -> Result<Value, String> {
    let f = v.as_str().ok_or("'inputFile' must be a path")?;
    let path: PathBuf = base.join(f);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
}
