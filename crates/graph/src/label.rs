//! Short human labels for Choice conditions: `$.total > 100`, `$.kind == "a" and not ...`,
//! or a JSONata condition's text. Labels are for reading a diagram, not for parsing back: long
//! ones are cut with an ellipsis.

use serde_json::Value;
use statecraft_asl::{Comparison, Condition, Operand};

/// The longest label, in characters, before it is cut.
pub const MAX_LABEL_CHARS: usize = 40;

/// A short description of a Choice rule's condition.
pub fn condition_label(c: &Condition) -> String {
    let mut out = String::new();
    describe(c, &mut out, 0);
    truncate(&out, MAX_LABEL_CHARS)
}

/// `s` cut to at most `max` characters, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

fn describe(c: &Condition, out: &mut String, depth: usize) {
    // Deep nesting is unreadable anyway, and the label is cut to a few words.
    if depth > 4 || out.len() > 4 * MAX_LABEL_CHARS {
        out.push('…');
        return;
    }
    match c {
        Condition::And(cs) | Condition::Or(cs) => {
            let word = if matches!(c, Condition::And(_)) { " and " } else { " or " };
            for (i, sub) in cs.iter().enumerate() {
                if i > 0 {
                    out.push_str(word);
                }
                let nested = matches!(sub, Condition::And(_) | Condition::Or(_));
                if nested {
                    out.push('(');
                }
                describe(sub, out, depth + 1);
                if nested {
                    out.push(')');
                }
            }
        }
        Condition::Not(sub) => {
            out.push_str("not ");
            let nested = matches!(**sub, Condition::And(_) | Condition::Or(_));
            if nested {
                out.push('(');
            }
            describe(sub, out, depth + 1);
            if nested {
                out.push(')');
            }
        }
        Condition::Compare { variable, op, operand } => {
            out.push_str(variable.as_str());
            let operand = match operand {
                Operand::Literal(v) => literal(v),
                Operand::Path(p) => p.as_str().to_string(),
            };
            let test = |out: &mut String, yes: &str, no: &str| {
                out.push(' ');
                out.push_str(if operand == "false" { no } else { yes });
            };
            match op {
                Comparison::IsNull => test(out, "is null", "is not null"),
                Comparison::IsPresent => test(out, "is present", "is absent"),
                Comparison::IsNumeric => test(out, "is numeric", "is not numeric"),
                Comparison::IsString => test(out, "is string", "is not string"),
                Comparison::IsBoolean => test(out, "is boolean", "is not boolean"),
                Comparison::IsTimestamp => test(out, "is timestamp", "is not timestamp"),
                _ => {
                    out.push(' ');
                    out.push_str(operator(*op));
                    out.push(' ');
                    out.push_str(&operand);
                }
            }
        }
        Condition::Jsonata(t) => match t.as_expression() {
            Some((source, _)) => out.push_str(source.trim()),
            None => out.push_str("JSONata condition"),
        },
    }
}

fn literal(v: &Value) -> String {
    v.to_string()
}

fn operator(op: Comparison) -> &'static str {
    use Comparison::*;
    match op {
        StringEquals | NumericEquals | BooleanEquals => "==",
        StringLessThan | NumericLessThan => "<",
        StringGreaterThan | NumericGreaterThan => ">",
        StringLessThanEquals | NumericLessThanEquals => "<=",
        StringGreaterThanEquals | NumericGreaterThanEquals => ">=",
        StringMatches => "matches",
        TimestampEquals => "== (time)",
        TimestampLessThan => "before",
        TimestampGreaterThan => "after",
        TimestampLessThanEquals => "at or before",
        TimestampGreaterThanEquals => "at or after",
        // The type tests are described above; this is only reached if one is added.
        IsNull | IsPresent | IsNumeric | IsString | IsBoolean | IsTimestamp => op.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_characters_not_bytes() {
        assert_eq!(truncate("héllo wörld", 5), "héll…");
        assert_eq!(truncate("short", 5), "short");
    }
}
