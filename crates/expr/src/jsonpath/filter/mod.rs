//! Filter expressions, `[?(...)]`, with Jayway's operators and comparison rules: `==`, `!=`,
//! `<`, `<=`, `>`, `>=`, `=~ /regex/i`, `in`, `nin`, `subsetof`, `anyof`, `noneof`, `size`,
//! `empty`, `contains`, `&&`, `||`, `!`, parentheses, and bare paths as existence checks.
//!
//! Jayway's node typing is kept: a number equals a string that parses to the same number,
//! a missing path is "undefined" and equals nothing, and ordering works on numbers and strings
//! only. Deliberately not supported: `[?]` placeholders (they need Java predicates) and
//! Jayway's date comparisons.

mod parse;

pub(crate) use parse::parse;
use parse::parse_number;

use super::eval;
use super::Token;
use crate::java;
use serde_json::{Number, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Exists(FilterPath),
    Compare(Operand, Op, Operand),
}

#[derive(Debug, Clone)]
pub(crate) struct FilterPath {
    /// `@` (the current item) rather than `$` (the document root).
    current: bool,
    tokens: Vec<Token>,
    definite: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Path(FilterPath),
    Value(Value),
    Pattern(Pattern),
}

#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    src: String,
    re: regex_lite::Regex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    TypeSafeEq,
    TypeSafeNe,
    Lt,
    Le,
    Gt,
    Ge,
    Regex,
    In,
    Nin,
    SubsetOf,
    AnyOf,
    NoneOf,
    Size,
    Empty,
    Contains,
}

/// A value as Jayway's filter sees it.
enum Node<'a> {
    Undefined,
    Json(Cow<'a, Value>),
    Pattern(&'a Pattern),
}

/// True when `item` passes the filter; `root` is the document `$` refers to.
pub(crate) fn accept(expr: &Expr, item: &Value, root: &Value) -> bool {
    match expr {
        Expr::Or(a, b) => accept(a, item, root) || accept(b, item, root),
        Expr::And(a, b) => accept(a, item, root) && accept(b, item, root),
        Expr::Not(e) => !accept(e, item, root),
        Expr::Exists(p) => {
            let doc = if p.current { item } else { root };
            let mut out = Vec::new();
            eval::collect(&p.tokens, 0, doc, eval::Ctx { root, strict: false }, &mut out);
            !out.is_empty()
        }
        Expr::Compare(l, op, r) => {
            let l = node(l, item, root);
            let r = node(r, item, root);
            compare(&l, *op, &r)
        }
    }
}

fn node<'a>(operand: &'a Operand, item: &'a Value, root: &'a Value) -> Node<'a> {
    match operand {
        Operand::Value(v) => Node::Json(Cow::Borrowed(v)),
        Operand::Pattern(p) => Node::Pattern(p),
        Operand::Path(p) => {
            let doc = if p.current { item } else { root };
            let mut out = Vec::new();
            eval::collect(&p.tokens, 0, doc, eval::Ctx { root, strict: false }, &mut out);
            if p.definite {
                out.into_iter().next().map_or(Node::Undefined, Node::Json)
            } else {
                Node::Json(Cow::Owned(Value::Array(out.into_iter().map(Cow::into_owned).collect())))
            }
        }
    }
}

fn compare(l: &Node<'_>, op: Op, r: &Node<'_>) -> bool {
    match op {
        Op::Eq => eq(l, r),
        Op::Ne => !eq(l, r),
        Op::TypeSafeEq => same_kind(l, r) && eq(l, r),
        Op::TypeSafeNe => !(same_kind(l, r) && eq(l, r)),
        Op::Lt => order(l, r) == Some(Ordering::Less),
        Op::Le => matches!(order(l, r), Some(Ordering::Less | Ordering::Equal)),
        Op::Gt => order(l, r) == Some(Ordering::Greater),
        Op::Ge => matches!(order(l, r), Some(Ordering::Greater | Ordering::Equal)),
        Op::Regex => regex(l, r),
        Op::In => list(r).is_some_and(|items| items.iter().any(|i| eq(l, &json(i)))),
        Op::Nin => !list(r).is_some_and(|items| items.iter().any(|i| eq(l, &json(i)))),
        Op::Contains => match (l, r) {
            (Node::Json(a), Node::Json(b)) => match (&**a, &**b) {
                (Value::String(a), Value::String(b)) => a.contains(b.as_str()),
                (Value::Array(items), _) => items.iter().any(|i| eq(&json(i), r)),
                _ => false,
            },
            _ => false,
        },
        Op::SubsetOf => match (list(l), list(r)) {
            (Some(a), Some(b)) => a.iter().all(|x| b.iter().any(|y| eq(&json(x), &json(y)))),
            _ => false,
        },
        Op::AnyOf => match (list(l), list(r)) {
            (Some(a), Some(b)) => a.iter().any(|x| b.iter().any(|y| eq(&json(x), &json(y)))),
            _ => false,
        },
        Op::NoneOf => match (list(l), list(r)) {
            (Some(a), Some(b)) => !a.iter().any(|x| b.iter().any(|y| eq(&json(x), &json(y)))),
            _ => false,
        },
        Op::Size => {
            let (Node::Json(a), Node::Json(b)) = (l, r) else { return false };
            let Some(n) = b.as_f64() else { return false };
            let expected = n as i64;
            match &**a {
                Value::String(s) => java::utf16_len(s) as i64 == expected,
                Value::Array(items) => items.len() as i64 == expected,
                Value::Object(map) => map.len() as i64 == expected,
                _ => false,
            }
        }
        Op::Empty => {
            let (Node::Json(a), Node::Json(b)) = (l, r) else { return false };
            let Some(want) = b.as_bool() else { return false };
            match &**a {
                Value::String(s) => s.is_empty() == want,
                Value::Array(items) => items.is_empty() == want,
                Value::Object(map) => map.is_empty() == want,
                _ => false,
            }
        }
    }
}

fn json(v: &Value) -> Node<'_> {
    Node::Json(Cow::Borrowed(v))
}

fn list<'n>(n: &'n Node<'_>) -> Option<&'n Vec<Value>> {
    match n {
        Node::Json(v) => v.as_array(),
        _ => None,
    }
}

fn same_kind(l: &Node<'_>, r: &Node<'_>) -> bool {
    match (l, r) {
        (Node::Json(a), Node::Json(b)) => std::mem::discriminant(&**a) == std::mem::discriminant(&**b),
        (Node::Pattern(_), Node::Pattern(_)) => true,
        _ => false,
    }
}

fn eq(l: &Node<'_>, r: &Node<'_>) -> bool {
    match (l, r) {
        (Node::Json(a), Node::Json(b)) => match (&**a, &**b) {
            (Value::Number(x), Value::Number(y)) => num_cmp(x, y) == Some(Ordering::Equal),
            (Value::Number(x), Value::String(s)) | (Value::String(s), Value::Number(x)) => {
                string_number(s).is_some_and(|y| num_cmp(x, &y) == Some(Ordering::Equal))
            }
            (a, b) => a == b,
        },
        (Node::Pattern(a), Node::Pattern(b)) => a.src == b.src,
        _ => false,
    }
}

fn string_number(s: &str) -> Option<Number> {
    match parse_number(s)? {
        Value::Number(n) => Some(n),
        _ => None,
    }
}

pub(crate) fn num_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (as_i128(a), as_i128(b)) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

fn as_i128(n: &Number) -> Option<i128> {
    n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from))
}

fn utf16_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn order(l: &Node<'_>, r: &Node<'_>) -> Option<Ordering> {
    let (Node::Json(a), Node::Json(b)) = (l, r) else { return None };
    match (&**a, &**b) {
        (Value::Number(x), Value::Number(y)) => num_cmp(x, y),
        (Value::String(x), Value::String(y)) => Some(utf16_cmp(x, y)),
        (Value::String(x), Value::Number(y)) => {
            let mut s = String::new();
            java::write_number(y, &mut s);
            Some(utf16_cmp(x, &s))
        }
        (Value::Number(x), Value::String(y)) => {
            let mut s = String::new();
            java::write_number(x, &mut s);
            Some(utf16_cmp(&s, y))
        }
        _ => None,
    }
}

fn regex(l: &Node<'_>, r: &Node<'_>) -> bool {
    let (pattern, other) = match (l, r) {
        (Node::Pattern(p), other) | (other, Node::Pattern(p)) if !matches!(other, Node::Pattern(_)) => {
            (p, other)
        }
        _ => return false,
    };
    let text = |v: &Value| -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => {
                let mut s = String::new();
                java::write_number(n, &mut s);
                s
            }
            Value::Bool(b) => b.to_string(),
            _ => String::new(),
        }
    };
    match other {
        Node::Json(v) => match &**v {
            Value::Array(items) => items.iter().any(|i| pattern.re.is_match(&text(i))),
            v => pattern.re.is_match(&text(v)),
        },
        _ => pattern.re.is_match(""),
    }
}
