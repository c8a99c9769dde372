//! Evaluation of parsed path tokens, following Jayway's token-by-token semantics with the
//! Jackson node provider AWS uses: an index out of range selects `null` (Jackson's
//! `ArrayNode.get` returns null there), except in [`Ctx::strict`] mode, which intrinsic
//! arguments use and where it selects nothing; a missing key or a token applied to the wrong
//! kind of node contributes no match;
//! `..` walks the tree depth-first (a node before its children, keys in document order); a
//! multi-key leaf (`['a','b']`) yields one object of the keys present.

use super::filter;
use super::{Slice, Token};
use serde_json::{Map, Value};
use std::borrow::Cow;

static NULL: Value = Value::Null;

/// What an evaluation needs besides the tokens and the current node.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    /// The document `$` inside filters refers to.
    pub(crate) root: &'a Value,
    /// An index out of range selects nothing (instead of `null`).
    pub(crate) strict: bool,
}

/// Appends to `out` every match of `tokens[i..]` starting at `node`.
pub(crate) fn collect<'a>(
    tokens: &[Token],
    i: usize,
    node: &'a Value,
    cx: Ctx<'a>,
    out: &mut Vec<Cow<'a, Value>>,
) {
    let Some(token) = tokens.get(i) else {
        out.push(Cow::Borrowed(node));
        return;
    };
    let last = i + 1 == tokens.len();
    match token {
        Token::Property { names, .. } => {
            let Value::Object(map) = node else { return };
            if names.len() > 1 && last {
                let mut merged = Map::new();
                for name in names {
                    if let Some(v) = map.get(name) {
                        merged.insert(name.clone(), v.clone());
                    }
                }
                out.push(Cow::Owned(Value::Object(merged)));
            } else {
                for name in names {
                    if let Some(v) = map.get(name) {
                        collect(tokens, i + 1, v, cx, out);
                    }
                }
            }
        }
        Token::Index(indexes) => {
            let Value::Array(items) = node else { return };
            for &idx in indexes {
                match index(items, i64::from(idx)) {
                    Some(v) => collect(tokens, i + 1, v, cx, out),
                    None if !cx.strict => collect(tokens, i + 1, &NULL, cx, out),
                    None => {}
                }
            }
        }
        Token::Slice(slice) => {
            let Value::Array(items) = node else { return };
            for idx in slice_indexes(*slice, items.len() as i64) {
                if let Some(v) = index(items, idx) {
                    collect(tokens, i + 1, v, cx, out);
                }
            }
        }
        Token::Wildcard => match node {
            Value::Object(map) => map.values().for_each(|v| collect(tokens, i + 1, v, cx, out)),
            Value::Array(items) => items.iter().for_each(|v| collect(tokens, i + 1, v, cx, out)),
            _ => {}
        },
        Token::Scan => scan(tokens, i + 1, node, cx, out),
        Token::Filter(expr) => match node {
            Value::Object(_) if filter::accept(expr, node, cx.root) => collect(tokens, i + 1, node, cx, out),
            Value::Array(items) => {
                for v in items {
                    if filter::accept(expr, v, cx.root) {
                        collect(tokens, i + 1, v, cx, out);
                    }
                }
            }
            _ => {}
        },
        Token::Length => {
            let len = match node {
                Value::Array(items) => Value::from(items.len()),
                Value::Object(map) => Value::from(map.len()),
                _ => Value::Null,
            };
            out.push(Cow::Owned(len));
        }
    }
}

/// Jayway's `ScanPathToken.walk`: `tokens[j]` is the token after `..`.
fn scan<'a>(tokens: &[Token], j: usize, node: &'a Value, cx: Ctx<'a>, out: &mut Vec<Cow<'a, Value>>) {
    let Some(target) = tokens.get(j) else { return };
    match node {
        Value::Object(map) => {
            if scan_matches(target, node, cx.root) {
                collect(tokens, j, node, cx, out);
            }
            for v in map.values() {
                scan(tokens, j, v, cx, out);
            }
        }
        Value::Array(items) => {
            if scan_matches(target, node, cx.root) {
                if j + 1 == tokens.len() {
                    collect(tokens, j, node, cx, out);
                } else {
                    // Jayway applies the token after the target to each element here.
                    for v in items {
                        collect(tokens, j + 1, v, cx, out);
                    }
                }
            }
            for v in items {
                scan(tokens, j, v, cx, out);
            }
        }
        _ => {}
    }
}

fn scan_matches(target: &Token, node: &Value, root: &Value) -> bool {
    match target {
        Token::Property { names, .. } => match node {
            Value::Object(map) => names.len() > 1 || names.iter().all(|n| map.contains_key(n)),
            _ => false,
        },
        Token::Index(_) | Token::Slice(_) => node.is_array(),
        Token::Wildcard => true,
        Token::Filter(expr) => filter::accept(expr, node, root),
        Token::Scan | Token::Length => false,
    }
}

/// Element at a possibly negative index.
pub(crate) fn index(items: &[Value], idx: i64) -> Option<&Value> {
    let len = items.len() as i64;
    let eff = if idx < 0 { len + idx } else { idx };
    if eff < 0 {
        return None;
    }
    items.get(usize::try_from(eff).ok()?)
}

/// The indexes a slice visits, with Jayway's arithmetic (which, for `[a:b]`, does not adjust
/// negative bounds: they only work when both are negative).
fn slice_indexes(slice: Slice, len: i64) -> std::ops::Range<i64> {
    match slice {
        Slice::From(from) => {
            let from = i64::from(from);
            let from = if from < 0 { len + from } else { from }.max(0);
            if len == 0 || from >= len {
                0..0
            } else {
                from..len
            }
        }
        Slice::Between(from, to) => {
            let (from, to) = (i64::from(from), i64::from(to).min(len));
            if from >= to || len == 0 {
                0..0
            } else {
                from..to
            }
        }
        Slice::To(to) => {
            let to = i64::from(to);
            let to = if to < 0 { len + to } else { to }.min(len);
            if len == 0 {
                0..0
            } else {
                0..to.max(0)
            }
        }
    }
}

/// Fast path for definite paths made of single keys and single indexes: no allocation.
pub(crate) fn simple<'a>(tokens: &[Token], mut node: &'a Value, strict: bool) -> Option<&'a Value> {
    for token in tokens {
        node = match (token, node) {
            (Token::Property { names, .. }, Value::Object(map)) => map.get(names.first()?)?,
            (Token::Index(idx), Value::Array(items)) => match index(items, i64::from(*idx.first()?)) {
                Some(v) => v,
                None if !strict => &NULL,
                None => return None,
            },
            _ => return None,
        };
    }
    Some(node)
}
