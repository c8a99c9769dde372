//! The AWS Step Functions Local mock configuration format: `StateMachines` → `TestCases` →
//! state name → mocked response name; `MockedResponses` → name → invocation keys (`"0"`,
//! `"1-2"`) → `{"Return": ...}` or `{"Throw": {"Error", "Cause"}}`.

use serde_json::Value;
use std::collections::HashMap;

/// One mocked invocation result.
#[derive(Debug, Clone, PartialEq)]
pub enum MockResponse {
    Return(Value),
    Throw { error: Option<String>, cause: Option<String>, timed_out: bool },
}

/// The mocks of one test case of one state machine: state name → responses by invocation.
#[derive(Debug, Clone, Default)]
pub struct MockConfig {
    states: HashMap<String, Vec<(u32, u32, MockResponse)>>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the mock file has no state machine named '{0}' (known: {1})")]
    NoStateMachine(String, String),
    #[error("state machine '{0}' has no test case named '{1}' in the mock file")]
    NoTestCase(String, String),
    #[error("test case '{case}' maps state '{state}' to mocked response '{response}', which is not defined in MockedResponses")]
    NoResponse { case: String, state: String, response: String },
    #[error("invalid mock file: {0}")]
    Invalid(String),
}

impl MockConfig {
    /// Selects one test case of one state machine from a mock file. Without a state machine
    /// name, the file must hold exactly one.
    pub fn from_file(doc: &Value, state_machine: Option<&str>, test_case: &str) -> Result<MockConfig, Error> {
        let machines = doc
            .get("StateMachines")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::Invalid("missing 'StateMachines' object".into()))?;
        let known = || machines.keys().cloned().collect::<Vec<_>>().join(", ");
        let (sm_name, sm) = match state_machine {
            Some(n) => {
                (n.to_string(), machines.get(n).ok_or_else(|| Error::NoStateMachine(n.into(), known()))?)
            }
            None if machines.len() == 1 => {
                let (k, v) =
                    machines.iter().next().ok_or_else(|| Error::Invalid("no state machines".into()))?;
                (k.clone(), v)
            }
            None => return Err(Error::NoStateMachine(String::new(), known())),
        };
        let case = sm
            .get("TestCases")
            .and_then(|t| t.get(test_case))
            .and_then(Value::as_object)
            .ok_or_else(|| Error::NoTestCase(sm_name.clone(), test_case.into()))?;
        let responses = doc.get("MockedResponses").and_then(Value::as_object);
        let mut states = HashMap::new();
        for (state, response) in case {
            let response = response.as_str().ok_or_else(|| {
                Error::Invalid(format!(
                    "test case '{test_case}': the mock of state '{state}' must be a response name"
                ))
            })?;
            let def =
                responses.and_then(|r| r.get(response)).and_then(Value::as_object).ok_or_else(|| {
                    Error::NoResponse {
                        case: test_case.into(),
                        state: state.clone(),
                        response: response.into(),
                    }
                })?;
            let mut entries = Vec::new();
            for (key, v) in def {
                let (lo, hi) = parse_range(key).ok_or_else(|| {
                    Error::Invalid(format!("mocked response '{response}': invalid invocation key '{key}'"))
                })?;
                entries.push((
                    lo,
                    hi,
                    parse_response(v).ok_or_else(|| {
                        Error::Invalid(format!(
                            "mocked response '{response}' key '{key}' needs 'Return' or 'Throw'"
                        ))
                    })?,
                ));
            }
            entries.sort_by_key(|e| e.0);
            states.insert(state.clone(), entries);
        }
        Ok(MockConfig { states })
    }

    pub fn has_mock(&self, state: &str) -> bool {
        self.states.contains_key(state)
    }

    /// The response for the `invocation`-th call (0-based, retries included) of a state.
    pub fn response(&self, state: &str, invocation: u32) -> Option<&MockResponse> {
        let entries = self.states.get(state)?;
        entries.iter().find(|(lo, hi, _)| (*lo..=*hi).contains(&invocation)).map(|(_, _, r)| r)
    }
}

fn parse_range(key: &str) -> Option<(u32, u32)> {
    match key.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => {
            let n = key.trim().parse().ok()?;
            Some((n, n))
        }
    }
}

fn parse_response(v: &Value) -> Option<MockResponse> {
    if let Some(r) = v.get("Return") {
        return Some(MockResponse::Return(r.clone()));
    }
    let t = v.get("Throw")?;
    let timed_out = v.get("_recorded_event").and_then(Value::as_str).is_some_and(|e| e.ends_with("TimedOut"));
    Some(MockResponse::Throw {
        error: t.get("Error").and_then(Value::as_str).map(str::to_string),
        cause: t.get("Cause").and_then(Value::as_str).map(str::to_string),
        timed_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selects_responses_by_invocation() {
        let doc = json!({
            "StateMachines": {"SM": {"TestCases": {"T": {"A": "R"}}}},
            "MockedResponses": {"R": {"0": {"Throw": {"Error": "E", "Cause": "c"}}, "1-2": {"Return": 5}}}
        });
        let m = MockConfig::from_file(&doc, Some("SM"), "T").unwrap();
        assert!(matches!(m.response("A", 0), Some(MockResponse::Throw { error: Some(e), .. }) if e == "E"));
        assert_eq!(m.response("A", 2), Some(&MockResponse::Return(json!(5))));
        assert_eq!(m.response("A", 3), None);
        assert!(MockConfig::from_file(&doc, Some("X"), "T").is_err());
        assert!(MockConfig::from_file(&doc, None, "nope").is_err());
    }
}
