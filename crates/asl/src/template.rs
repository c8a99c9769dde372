//! JSONata templates: a JSON value whose strings of the form `{% expression %}` are JSONata
//! expressions (`Arguments`, `Output`, `Assign`, `Items`, `Condition`, and the numeric and
//! timestamp fields of JSONata states). Parsed once; evaluated by the interpreter.

use serde_json::Value;
use statecraft_jsonata::Expression;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum JsonataTemplate {
    /// A value with no expressions in it.
    Literal(Value),
    /// `{% ... %}`: `source` is the text between the delimiters.
    Expr {
        source: String,
        expr: Arc<Expression>,
    },
    Object(Vec<(String, JsonataTemplate)>),
    Array(Vec<JsonataTemplate>),
}

/// A JSONata syntax error inside a template.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    /// JSON pointer relative to the template root.
    pub pointer: String,
    pub message: String,
}

/// If `s` is a `{% ... %}` string, the expression inside it.
pub fn expression_source(s: &str) -> Option<&str> {
    let t = s.strip_prefix("{%")?.strip_suffix("%}")?;
    Some(t)
}

impl JsonataTemplate {
    pub fn compile(v: &Value) -> Result<JsonataTemplate, Vec<TemplateError>> {
        let mut errors = Vec::new();
        let t = compile_at(v, String::new(), &mut errors);
        if errors.is_empty() {
            Ok(t)
        } else {
            Err(errors)
        }
    }

    /// The expression, when the whole template is a single `{% %}` string.
    pub fn as_expression(&self) -> Option<(&str, &Expression)> {
        match self {
            JsonataTemplate::Expr { source, expr } => Some((source.as_str(), expr)),
            _ => None,
        }
    }

    pub fn is_literal(&self) -> bool {
        matches!(self, JsonataTemplate::Literal(_))
    }
}

fn compile_at(v: &Value, ptr: String, errors: &mut Vec<TemplateError>) -> JsonataTemplate {
    match v {
        Value::String(s) => match expression_source(s) {
            Some(src) => match Expression::parse(src) {
                Ok(expr) => JsonataTemplate::Expr { source: src.trim().to_string(), expr: Arc::new(expr) },
                Err(e) => {
                    errors
                        .push(TemplateError { pointer: ptr, message: format!("{}: {}", e.code, e.message) });
                    JsonataTemplate::Literal(Value::Null)
                }
            },
            None => JsonataTemplate::Literal(v.clone()),
        },
        Value::Object(m) => {
            let items: Vec<(String, JsonataTemplate)> = m
                .iter()
                .map(|(k, v)| {
                    let p = format!("{ptr}/{}", crate::diagnostic::escape_pointer_token(k));
                    (k.clone(), compile_at(v, p, errors))
                })
                .collect();
            if items.iter().all(|(_, t)| t.is_literal()) {
                JsonataTemplate::Literal(v.clone())
            } else {
                JsonataTemplate::Object(items)
            }
        }
        Value::Array(a) => {
            let items: Vec<JsonataTemplate> =
                a.iter().enumerate().map(|(i, v)| compile_at(v, format!("{ptr}/{i}"), errors)).collect();
            if items.iter().all(JsonataTemplate::is_literal) {
                JsonataTemplate::Literal(v.clone())
            } else {
                JsonataTemplate::Array(items)
            }
        }
        _ => JsonataTemplate::Literal(v.clone()),
    }
}
