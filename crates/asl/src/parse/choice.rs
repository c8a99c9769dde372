//! Choice rules: comparisons (`StringEquals`, `NumericLessThanPath`, `IsPresent`, ...),
//! `And`/`Or`/`Not`, and JSONata `Condition`s.

use super::{ptr, Parser};
use crate::model::*;
use crate::template::expression_source;
use serde_json::{Map, Value};
use std::collections::HashMap;

impl Parser {
    pub(crate) fn choice_rules(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        ql: QueryLanguage,
        names: &HashMap<String, u32>,
    ) -> Vec<ChoiceRule> {
        let location = ptr(base, "Choices");
        let Some(v) = obj.get("Choices") else {
            return Vec::new();
        };
        let Some(arr) = v.as_array() else {
            self.schema(location, "The field 'Choices' must be an array");
            return Vec::new();
        };
        if arr.is_empty() {
            self.schema(location.clone(), "The field 'Choices' must contain at least one rule");
        }
        let mut out = Vec::new();
        for (i, rule) in arr.iter().enumerate() {
            let rp = format!("{location}/{i}");
            let Some(robj) = rule.as_object() else {
                self.schema(rp, "A choice rule must be an object");
                continue;
            };
            let next = self.next_target(robj, &rp, names);
            if !robj.contains_key("Next") {
                self.schema(&rp, "These fields are required: [Next]");
            }
            let assign = robj.get("Assign").and_then(|v| self.payload(v, &ptr(&rp, "Assign"), "Assign", ql));
            let output = match (ql, robj.get("Output")) {
                (QueryLanguage::Jsonata, Some(v)) => self.jsonata(v, &ptr(&rp, "Output")),
                _ => None,
            };
            let condition = self.condition(robj, &rp, ql, true);
            if let Some(condition) = condition {
                out.push(ChoiceRule { condition, next: next.unwrap_or(0), assign, output });
            }
        }
        out
    }

    fn condition(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        ql: QueryLanguage,
        top: bool,
    ) -> Option<Condition> {
        let allowed_extra: &[&str] =
            if top { &["Next", "Comment", "Assign", "Output"] } else { &["Comment"] };
        if !top && obj.contains_key("Next") {
            self.schema(ptr(base, "Next"), "Nested choice rules may not have a 'Next' field");
        }
        if ql == QueryLanguage::Jsonata {
            for key in obj.keys() {
                if key != "Condition" && !allowed_extra.contains(&key.as_str()) {
                    self.schema(
                        ptr(base, key),
                        format!("The field '{key}' is not supported by Step Functions"),
                    );
                }
            }
            let Some(v) = obj.get("Condition") else {
                self.schema(base, "These fields are required: [Condition]");
                return None;
            };
            let location = ptr(base, "Condition");
            return match v {
                Value::Bool(_) => self.jsonata(v, &location).map(Condition::Jsonata),
                Value::String(s) if expression_source(s).is_some() => {
                    self.jsonata(v, &location).map(Condition::Jsonata)
                }
                _ => {
                    self.schema(
                        location,
                        "The value of the field 'Condition' must be a JSONata expression or a boolean",
                    );
                    None
                }
            };
        }
        let ops: Vec<&String> =
            obj.keys().filter(|k| !allowed_extra.contains(&k.as_str()) && k.as_str() != "Variable").collect();
        if ops.len() != 1 {
            if ops.is_empty() {
                self.schema(base, "A choice rule must have exactly one comparison operator or And, Or, Not");
            } else {
                for k in &ops {
                    if !is_operator(k) {
                        self.schema(
                            ptr(base, k),
                            format!("The field '{k}' is not supported by Step Functions"),
                        );
                    }
                }
                if ops.iter().all(|k| is_operator(k)) {
                    self.schema(
                        base,
                        "A choice rule must have exactly one comparison operator or And, Or, Not",
                    );
                }
            }
            return None;
        }
        let op = ops[0].as_str();
        let v = &obj[op];
        let location = ptr(base, op);
        match op {
            "And" | "Or" => {
                if obj.contains_key("Variable") {
                    self.schema(
                        ptr(base, "Variable"),
                        "The field 'Variable' is not supported with And/Or/Not",
                    );
                }
                let Some(arr) = v.as_array().filter(|a| !a.is_empty()) else {
                    self.schema(location, format!("The value of '{op}' must be a non-empty array of rules"));
                    return None;
                };
                let mut rules = Vec::new();
                for (i, r) in arr.iter().enumerate() {
                    let p = format!("{location}/{i}");
                    match r.as_object() {
                        Some(o) => rules.extend(self.condition(o, &p, ql, false)),
                        None => self.schema(p, "A choice rule must be an object"),
                    }
                }
                (rules.len() == arr.len()).then(|| {
                    if op == "And" {
                        Condition::And(rules)
                    } else {
                        Condition::Or(rules)
                    }
                })
            }
            "Not" => {
                if obj.contains_key("Variable") {
                    self.schema(
                        ptr(base, "Variable"),
                        "The field 'Variable' is not supported with And/Or/Not",
                    );
                }
                let Some(o) = v.as_object() else {
                    self.schema(location, "The value of 'Not' must be a rule object");
                    return None;
                };
                self.condition(o, &location, ql, false).map(|c| Condition::Not(Box::new(c)))
            }
            _ => {
                let (cmp, is_path) = match parse_operator(op) {
                    Some(x) => x,
                    None => {
                        self.schema(location, format!("The field '{op}' is not supported by Step Functions"));
                        return None;
                    }
                };
                let Some(var) = obj.get("Variable") else {
                    self.schema(base, "These fields are required: [Variable]");
                    return None;
                };
                let variable = self.path(var, &ptr(base, "Variable"), "Variable")?;
                let operand = if is_path {
                    Operand::Path(self.path(v, &location, op)?)
                } else {
                    if !self.operand_type_ok(cmp, v) {
                        self.schema(location, format!("The value of '{op}' has the wrong type"));
                        return None;
                    }
                    Operand::Literal(v.clone())
                };
                Some(Condition::Compare { variable, op: cmp, operand })
            }
        }
    }

    fn operand_type_ok(&mut self, cmp: Comparison, v: &Value) -> bool {
        use Comparison::*;
        match cmp {
            StringEquals
            | StringLessThan
            | StringGreaterThan
            | StringLessThanEquals
            | StringGreaterThanEquals
            | StringMatches => v.is_string(),
            NumericEquals
            | NumericLessThan
            | NumericGreaterThan
            | NumericLessThanEquals
            | NumericGreaterThanEquals => v.is_number(),
            BooleanEquals => v.is_boolean(),
            TimestampEquals
            | TimestampLessThan
            | TimestampGreaterThan
            | TimestampLessThanEquals
            | TimestampGreaterThanEquals => v.as_str().is_some_and(|s| crate::timestamp::parse(s).is_some()),
            IsNull | IsPresent | IsNumeric | IsString | IsBoolean | IsTimestamp => v.is_boolean(),
        }
    }
}

fn is_operator(k: &str) -> bool {
    matches!(k, "And" | "Or" | "Not") || parse_operator(k).is_some()
}

/// `NumericEqualsPath` -> (NumericEquals, true).
fn parse_operator(k: &str) -> Option<(Comparison, bool)> {
    if let Some(c) = Comparison::ALL.iter().find(|c| c.as_str() == k) {
        return Some((*c, false));
    }
    let base = k.strip_suffix("Path")?;
    let c = Comparison::ALL.iter().find(|c| c.as_str() == base && !c.is_type_test())?;
    (*c != Comparison::StringMatches).then_some((*c, true))
}
