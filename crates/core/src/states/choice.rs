//! Choice: picks the next state from the first rule that matches, else `Default`, else
//! `States.NoChoiceMatched`.

use crate::execution::{Failure, Machine};
use crate::io::{self, States};
use serde_json::{Map, Value};
use statecraft_asl::{
    Choice, ChoiceRule, Comparison, Condition, JsonataTemplate, Operand, QueryLanguage, State,
};
use statecraft_expr::StatesError;

pub(crate) fn run(m: &mut Machine<'_>, fid: u32, state: &State, choice: &Choice) {
    let Some(raw) = m.frame(fid).map(|f| f.input.clone()) else { return };
    match decide(m, fid, state, choice, &raw) {
        Ok((next, output, assigned)) => {
            if let Some(vars) = &assigned {
                if let Some(f) = m.frame_mut(fid) {
                    f.vars.assign(vars.clone());
                }
            }
            m.exit_state(fid, output, Some(next), assigned)
        }
        Err(f) => m.fail_state(fid, f),
    }
}

type Decision = (u32, Value, Option<Map<String, Value>>);

fn decide(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    choice: &Choice,
    raw: &Value,
) -> Result<Decision, Failure> {
    let jsonata = state.query_language == QueryLanguage::Jsonata;
    let effective = if jsonata { raw.clone() } else { io::input_path(m, fid, state, raw)?.into_owned() };
    let mut matched: Option<&ChoiceRule> = None;
    for rule in &choice.choices {
        if eval(m, fid, state, &rule.condition, &effective)? {
            matched = Some(rule);
            break;
        }
    }
    let next = match (matched, choice.default) {
        (Some(r), _) => r.next,
        (None, Some(d)) => d,
        (None, None) => {
            return Err(Failure::new(StatesError::NoChoiceMatched.as_str(), "No Matches!"));
        }
    };
    let states = States { input: Some(&effective), ..Default::default() };
    let assign = matched.and_then(|r| r.assign.as_ref()).or(state.assign.as_ref());
    let assigned = assign.map(|a| io::assign(m, fid, state, a, &states)).transpose()?;
    let output = if jsonata {
        match matched.and_then(|r| r.output.as_ref()).or(state.output.as_ref()) {
            Some(t) => io::jsonata(m, fid, state, t, "Output", &states)?,
            None => effective,
        }
    } else {
        io::output_path(m, fid, state, effective)?
    };
    Ok((next, output, assigned))
}

fn eval(m: &Machine<'_>, fid: u32, state: &State, c: &Condition, input: &Value) -> Result<bool, Failure> {
    match c {
        Condition::And(rules) => {
            for r in rules {
                if !eval(m, fid, state, r, input)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(rules) => {
            for r in rules {
                if eval(m, fid, state, r, input)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(r) => Ok(!eval(m, fid, state, r, input)?),
        Condition::Jsonata(t) => jsonata_condition(m, fid, state, t, input),
        Condition::Compare { variable, op, operand } => {
            let value = io::select(m, fid, variable, input);
            if *op == Comparison::IsPresent {
                let want = matches!(operand, Operand::Literal(Value::Bool(true)));
                return Ok(value.is_some() == want);
            }
            let Some(value) = value else {
                return Err(io::runtime_failure(
                    m,
                    fid,
                    state,
                    &format!(
                        "Invalid path '{}': The choice state's condition path references an invalid value.",
                        variable.as_str()
                    ),
                ));
            };
            let expected = match operand {
                Operand::Literal(v) => v.clone(),
                Operand::Path(p) => io::select(m, fid, p, input).ok_or_else(|| {
                    io::runtime_failure(
                        m,
                        fid,
                        state,
                        &format!("Invalid path '{}': The choice state's condition path references an invalid value.", p.as_str()),
                    )
                })?,
            };
            Ok(compare(*op, &value, &expected))
        }
    }
}

fn jsonata_condition(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    t: &JsonataTemplate,
    input: &Value,
) -> Result<bool, Failure> {
    let states = States { input: Some(input), ..Default::default() };
    match io::jsonata(m, fid, state, t, "Condition", &states)? {
        Value::Bool(b) => Ok(b),
        other => Err(Failure::new(
            StatesError::QueryEvaluationError.as_str(),
            io::state_cause(
                m,
                fid,
                state,
                &format!(
                    "The JSONata expression specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '{}' for value: {}",
                    json_type(&other),
                    statecraft_expr::to_aws_json(&other)
                ),
            ),
        )),
    }
}

pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A comparison between the selected value and the operand. Values of the wrong type never
/// match (no error), as in Step Functions.
pub fn compare(op: Comparison, v: &Value, operand: &Value) -> bool {
    use std::cmp::Ordering::*;
    use Comparison::*;
    let flag = operand.as_bool().unwrap_or(false);
    match op {
        IsNull => v.is_null() == flag,
        IsPresent => flag,
        IsNumeric => v.is_number() == flag,
        IsString => v.is_string() == flag,
        IsBoolean => v.is_boolean() == flag,
        IsTimestamp => v.as_str().is_some_and(|s| statecraft_asl::timestamp::parse(s).is_some()) == flag,
        BooleanEquals => matches!((v, operand), (Value::Bool(a), Value::Bool(b)) if a == b),
        StringMatches => match (v, operand) {
            (Value::String(s), Value::String(p)) => string_matches(s, p),
            _ => false,
        },
        StringEquals
        | StringLessThan
        | StringGreaterThan
        | StringLessThanEquals
        | StringGreaterThanEquals => {
            let (Value::String(a), Value::String(b)) = (v, operand) else { return false };
            let ord = a.as_str().cmp(b.as_str());
            ordering_matches(op, ord)
        }
        NumericEquals
        | NumericLessThan
        | NumericGreaterThan
        | NumericLessThanEquals
        | NumericGreaterThanEquals => {
            let (Value::Number(a), Value::Number(b)) = (v, operand) else { return false };
            let ord = match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => match a.as_f64().unwrap_or(f64::NAN).partial_cmp(&b.as_f64().unwrap_or(f64::NAN)) {
                    Some(o) => o,
                    None => return false,
                },
            };
            ordering_matches(op, ord)
        }
        TimestampEquals
        | TimestampLessThan
        | TimestampGreaterThan
        | TimestampLessThanEquals
        | TimestampGreaterThanEquals => {
            let (Some(a), Some(b)) = (
                v.as_str().and_then(statecraft_asl::timestamp::parse_nanos),
                operand.as_str().and_then(statecraft_asl::timestamp::parse_nanos),
            ) else {
                return false;
            };
            let _ = (Less, Equal, Greater);
            ordering_matches(op, a.cmp(&b))
        }
    }
}

fn ordering_matches(op: Comparison, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    use Comparison::*;
    match op {
        StringEquals | NumericEquals | TimestampEquals => ord == Equal,
        StringLessThan | NumericLessThan | TimestampLessThan => ord == Less,
        StringGreaterThan | NumericGreaterThan | TimestampGreaterThan => ord == Greater,
        StringLessThanEquals | NumericLessThanEquals | TimestampLessThanEquals => ord != Greater,
        StringGreaterThanEquals | NumericGreaterThanEquals | TimestampGreaterThanEquals => ord != Less,
        _ => false,
    }
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
pub fn string_matches(s: &str, pattern: &str) -> bool {
    #[derive(PartialEq)]
    enum Tok {
        Star,
        Char(char),
    }
    let mut toks = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next() {
                Some(n) => toks.push(Tok::Char(n)),
                None => toks.push(Tok::Char('\\')),
            },
            '*' => toks.push(Tok::Star),
            c => toks.push(Tok::Char(c)),
        }
    }
    let chars: Vec<char> = s.chars().collect();
    // Classic wildcard matching with backtracking on the last star: O(n*m) worst case.
    let (mut si, mut pi) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while si < chars.len() {
        if pi < toks.len() && toks[pi] == Tok::Char(chars[si]) {
            si += 1;
            pi += 1;
        } else if pi < toks.len() && toks[pi] == Tok::Star {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < toks.len() && toks[pi] == Tok::Star {
        pi += 1;
    }
    pi == toks.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_matches_globs() {
        assert!(string_matches("log-2024.txt", "log-*.txt"));
        assert!(string_matches("anything", "*"));
        assert!(!string_matches("log.csv", "log-*.txt"));
        assert!(string_matches("a*b", "a\\*b"));
        assert!(!string_matches("axb", "a\\*b"));
        assert!(string_matches("a\\b", "a\\\\b"));
        assert!(string_matches("", "*"));
    }

    #[test]
    fn comparisons_are_type_strict() {
        assert!(compare(Comparison::NumericEquals, &json!(1), &json!(1.0)));
        assert!(!compare(Comparison::NumericEquals, &json!("1"), &json!(1)));
        assert!(!compare(Comparison::BooleanEquals, &json!(null), &json!(true)));
        assert!(compare(Comparison::StringLessThan, &json!("a"), &json!("b")));
        assert!(compare(
            Comparison::TimestampLessThan,
            &json!("2016-03-14T01:59:00Z"),
            &json!("2016-03-14T02:59:00+00:00")
        ));
        assert!(compare(Comparison::IsNull, &json!(null), &json!(true)));
        assert!(compare(Comparison::IsNumeric, &json!("1"), &json!(false)));
    }
}
