//! The Choice state: `Choices` and `Default`, and its rules. JSONPath rules are comparisons
//! (`StringEquals`, `NumericLessThanPath`, `IsPresent`, ...: exactly one operator, a
//! `Variable`, an operand of the operator's type) or `And`/`Or`/`Not` of nested rules; only
//! top-level rules have `Next`. JSONata rules are a `Condition`.

use super::fields::is_jsonata;
use super::{idx, ptr, Parser};
use crate::model::*;
use serde_json::{Map, Value};
use std::collections::HashMap;

impl Parser<'_> {
    pub(crate) fn choice(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        ql: QueryLanguage,
        names: &HashMap<String, u32>,
    ) -> Kind {
        self.require(obj, base, &["Choices"]);
        let choices = self.choice_rules(obj, base, ql, names);
        let default = self.target(obj, base, "Default", names);
        Kind::Choice(Choice { choices, default })
    }

    fn choice_rules(
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
            self.type_error(location, "ARRAY");
            return Vec::new();
        };
        if arr.is_empty() {
            self.schema(location.clone(), "Array should have at least 1 item");
        }
        let mut out = Vec::new();
        for (i, rule) in arr.iter().enumerate() {
            let rp = idx(&location, i);
            let Some(robj) = rule.as_object() else {
                self.type_error(rp, "OBJECT");
                continue;
            };
            self.require(robj, &rp, &["Next"]);
            let next = self.target(robj, &rp, "Next", names);
            let assign = robj.get("Assign").and_then(|v| self.payload(v, &ptr(&rp, "Assign"), "Assign", ql));
            let output = match (ql, robj.get("Output")) {
                (QueryLanguage::Jsonata, Some(v)) => self.jsonata(v, &ptr(&rp, "Output")),
                _ => None,
            };
            let condition = self.condition(robj, &rp, ql, true);
            if let (Some(condition), Some(next)) = (condition, next) {
                out.push(ChoiceRule { condition, next, assign, output });
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
        if ql == QueryLanguage::Jsonata {
            return self.jsonata_condition(obj, base);
        }
        let mut ops = Vec::new();
        for key in obj.keys() {
            match key.as_str() {
                "Variable" | "Comment" => {}
                "Next" | "Assign" if top => {}
                "Output" | "Condition" if top || key == "Condition" => self.schema(
                    base,
                    format!("The QueryLanguage is set to 'JSONPath', but field '{key}' is only supported for the 'JSONata' QueryLanguage"),
                ),
                k if is_operator(k) => ops.push(k),
                k => self.unsupported(base, k),
            }
        }
        self.opt_string(obj, base, "Comment");
        let op = match ops.as_slice() {
            [op] => *op,
            [] => {
                self.schema(
                    base,
                    "A choice rule must have exactly one comparison operator, 'And', 'Or' or 'Not'",
                );
                return None;
            }
            _ => {
                self.schema(
                    base,
                    format!("A choice rule must have exactly one comparison operator, 'And', 'Or' or 'Not' (found {})", ops.join(", ")),
                );
                return None;
            }
        };
        let v = &obj[op];
        let location = ptr(base, op);
        match op {
            "And" | "Or" | "Not" => {
                if obj.contains_key("Variable") {
                    self.schema(base, format!("The field 'Variable' is not supported with '{op}'"));
                }
                if op == "Not" {
                    let Some(o) = v.as_object() else {
                        self.type_error(location, "OBJECT");
                        return None;
                    };
                    return self.nested(o, &location).map(|c| Condition::Not(Box::new(c)));
                }
                let Some(arr) = v.as_array() else {
                    self.type_error(location, "ARRAY");
                    return None;
                };
                if arr.is_empty() {
                    self.schema(location, "Array should have at least 1 item");
                    return None;
                }
                let mut rules = Vec::new();
                for (i, r) in arr.iter().enumerate() {
                    let p = idx(&location, i);
                    match r.as_object() {
                        Some(o) => rules.extend(self.nested(o, &p)),
                        None => self.type_error(p, "OBJECT"),
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
            _ => {
                let (cmp, is_path) = parse_operator(op)?;
                let Some(var) = obj.get("Variable") else {
                    self.required(base, &["Variable"]);
                    return None;
                };
                let variable = self.path(var, &ptr(base, "Variable"), "Variable");
                let operand = if is_path {
                    self.path(v, &location, op).map(Operand::Path)
                } else if operand_type_ok(cmp, v) {
                    Some(Operand::Literal(v.clone()))
                } else {
                    match expected_operand(cmp) {
                        "TIMESTAMP" if v.is_string() => {
                            self.schema(location, "String does not match RFC3339 timestamp")
                        }
                        "TIMESTAMP" => self.type_error(location, "STRING"),
                        expected => self.type_error(location, expected),
                    }
                    None
                };
                Some(Condition::Compare { variable: variable?, op: cmp, operand: operand? })
            }
        }
    }

    /// A rule inside `And`/`Or`/`Not`: no `Next`, no `Assign`.
    fn nested(&mut self, obj: &Map<String, Value>, base: &str) -> Option<Condition> {
        self.condition(obj, base, QueryLanguage::JsonPath, false)
    }

    fn jsonata_condition(&mut self, obj: &Map<String, Value>, base: &str) -> Option<Condition> {
        for key in obj.keys() {
            match key.as_str() {
                "Condition" | "Next" | "Comment" | "Assign" | "Output" => {}
                k if k == "Variable" || k == "And" || k == "Or" || k == "Not" || is_operator(k) => self.schema(
                    base,
                    format!("The QueryLanguage is set to 'JSONata', but field '{k}' is only supported for the 'JSONPath' QueryLanguage"),
                ),
                k => self.unsupported(base, k),
            }
        }
        let Some(v) = obj.get("Condition") else {
            self.required(base, &["Condition"]);
            return None;
        };
        let location = ptr(base, "Condition");
        if !v.is_boolean() && !is_jsonata(v) {
            self.type_error(location, "BOOLEAN");
            return None;
        }
        self.jsonata(v, &location).map(Condition::Jsonata)
    }
}

fn operand_type_ok(cmp: Comparison, v: &Value) -> bool {
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

/// The operand type of a comparison, as AWS names types in its messages.
fn expected_operand(cmp: Comparison) -> &'static str {
    use Comparison::*;
    match cmp {
        StringEquals
        | StringLessThan
        | StringGreaterThan
        | StringLessThanEquals
        | StringGreaterThanEquals
        | StringMatches => "STRING",
        NumericEquals
        | NumericLessThan
        | NumericGreaterThan
        | NumericLessThanEquals
        | NumericGreaterThanEquals => "NUMBER",
        TimestampEquals
        | TimestampLessThan
        | TimestampGreaterThan
        | TimestampLessThanEquals
        | TimestampGreaterThanEquals => "TIMESTAMP",
        BooleanEquals | IsNull | IsPresent | IsNumeric | IsString | IsBoolean | IsTimestamp => "BOOLEAN",
    }
}

fn is_operator(k: &str) -> bool {
    matches!(k, "And" | "Or" | "Not") || parse_operator(k).is_some()
}

/// `NumericEqualsPath` -> (NumericEquals, true). Type tests and `StringMatches` have no
/// `...Path` form.
fn parse_operator(k: &str) -> Option<(Comparison, bool)> {
    if let Some(c) = Comparison::ALL.iter().find(|c| c.as_str() == k) {
        return Some((*c, false));
    }
    let base = k.strip_suffix("Path")?;
    let c = Comparison::ALL.iter().find(|c| c.as_str() == base && !c.is_type_test())?;
    (*c != Comparison::StringMatches).then_some((*c, true))
}
