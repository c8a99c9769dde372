//! JSONPath as AWS Step Functions evaluates it (Jayway JsonPath semantics): dot and bracket
//! notation, wildcards, recursive descent, slices, unions and filters; roots `$` (input), `$$`
//! (context object) and `$name` (a workflow variable). Reference paths (definite paths, used by
//! `ResultPath` and Choice `Variable`) are the subset that selects at most one node.
//!
//! A path is parsed once ([`Path::parse`]) and evaluated many times; evaluating a definite path
//! of plain keys and indexes does not allocate. This module does not decide what a failed
//! lookup means for a state (that is the interpreter's and [`crate::template`]'s business); it
//! reports `None`, or Jayway's own "not found" text through [`Path::select_or_not_found`].

mod eval;
mod filter;
mod parse;

use crate::{java, Scope};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Which document a path starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    /// `$`
    Input,
    /// `$$`
    Context,
    /// `$name`: a workflow variable.
    Variable(String),
}

/// One step of a parsed path.
#[derive(Debug, Clone)]
pub(crate) enum Token {
    /// `.a`, `['a']`, `['a','b']`. `quote` is the delimiter used, kept for Jayway's rendering.
    Property { names: Vec<String>, quote: char },
    /// `[0]`, `[-1]`, `[0,2]`.
    Index(Vec<i32>),
    /// `[1:3]`, `[1:]`, `[:2]`.
    Slice(Slice),
    /// `.*`, `[*]`.
    Wildcard,
    /// `..`: applies the following token at every depth.
    Scan,
    /// `[?(...)]`.
    Filter(Box<filter::Expr>),
    /// `.length()`.
    Length,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Slice {
    From(i32),
    To(i32),
    Between(i32, i32),
}

/// A parsed JSONPath.
#[derive(Debug, Clone)]
pub struct Path {
    src: String,
    root: Root,
    tokens: Vec<Token>,
    definite: bool,
    /// Only single keys and single indexes: the allocation-free fast path applies.
    simple: bool,
}

/// Why a string is not a valid path; `message` is suitable for a validation diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
}

/// Why a value could not be written at a reference path.
///
/// `message` is `Unable to apply step "b" to input {"a":"x"}` (the step that met a non-object,
/// and the whole target as compact JSON), the text AWS reports when a `ResultPath` cannot be
/// applied. Note: reports of real executions name that failure `States.ReferencePathConflict`
/// as often as `States.ResultPathMatchFailure`; the interpreter chooses the error name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SetError {
    pub message: String,
}

/// A definite path selected nothing. `message` is Jayway's `PathNotFoundException` text, e.g.
/// `No results for path: $['a']`, which AWS quotes as `Invalid path '$.a' : <message>` for
/// `InputPath`, `OutputPath` and similar fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NotFound {
    pub message: String,
}

pub(crate) fn definite(tokens: &[Token]) -> bool {
    tokens.iter().enumerate().all(|(i, t)| match t {
        Token::Property { names, .. } => names.len() == 1 || i + 1 == tokens.len(),
        Token::Index(idx) => idx.len() == 1,
        Token::Length => true,
        Token::Slice(_) | Token::Wildcard | Token::Scan | Token::Filter(_) => false,
    })
}

fn simple(tokens: &[Token]) -> bool {
    tokens.iter().all(|t| match t {
        Token::Property { names, .. } => names.len() == 1,
        Token::Index(idx) => idx.len() == 1,
        _ => false,
    })
}

impl Path {
    /// Parses a JSONPath (any root).
    pub fn parse(src: &str) -> Result<Path, ParseError> {
        let (root, tokens) = parse::parse_path(src).map_err(|message| ParseError { message })?;
        Ok(Path { src: src.to_string(), definite: definite(&tokens), simple: simple(&tokens), root, tokens })
    }

    /// The source text, as written in the definition.
    pub fn as_str(&self) -> &str {
        &self.src
    }

    pub fn root(&self) -> &Root {
        &self.root
    }

    /// True when the path can select at most one node (a reference path).
    pub fn is_definite(&self) -> bool {
        self.definite
    }

    /// True when the path is only keys and single indexes (`$.a['b'][0]`): what [`Path::set`]
    /// can write to and what the ASL calls a Reference Path.
    pub fn is_reference_path(&self) -> bool {
        self.simple
    }

    /// Evaluates against the document selected by [`Path::root`]. A definite path gives the
    /// node, or `None` when it does not exist. An indefinite path gives an array of all the
    /// matches (possibly empty), as Jayway does. As on AWS (Jayway over Jackson nodes), an array
    /// index out of range selects `null`: `$.a[5]` on `{"a": [1]}` is `Some(null)`, while
    /// `$.a[5].b` is `None`.
    pub fn select<'a>(&self, doc: &'a Value) -> Option<Cow<'a, Value>> {
        self.select_with(doc, false)
    }

    /// Like [`Path::select`], but an index out of range selects nothing: how AWS resolves the
    /// path arguments of intrinsic functions (`States.Format('{}', $.a[5])` fails).
    pub fn select_strict<'a>(&self, doc: &'a Value) -> Option<Cow<'a, Value>> {
        self.select_with(doc, true)
    }

    fn select_with<'a>(&self, doc: &'a Value, strict: bool) -> Option<Cow<'a, Value>> {
        if self.simple {
            return eval::simple(&self.tokens, doc, strict).map(Cow::Borrowed);
        }
        let mut out = Vec::new();
        eval::collect(&self.tokens, 0, doc, eval::Ctx { root: doc, strict }, &mut out);
        if self.definite {
            out.into_iter().next()
        } else {
            Some(Cow::Owned(Value::Array(out.into_iter().map(Cow::into_owned).collect())))
        }
    }

    /// The document this path reads in `scope`: the input, the context object or the variable
    /// (`None` when the variable does not exist).
    pub fn document<'a>(&self, scope: &Scope<'a>) -> Option<&'a Value> {
        match &self.root {
            Root::Input => Some(scope.input),
            Root::Context => Some(scope.context),
            Root::Variable(name) => scope.variables.get(name),
        }
    }

    /// [`Path::select`] against the document of this path's root in `scope`.
    pub fn select_in<'a>(&self, scope: &Scope<'a>) -> Option<Cow<'a, Value>> {
        self.select(self.document(scope)?)
    }

    /// Like [`Path::select`], but when a definite path selects nothing, explains why in
    /// Jayway's words (see [`NotFound`]).
    pub fn select_or_not_found<'a>(&self, doc: &'a Value) -> Result<Cow<'a, Value>, NotFound> {
        self.select(doc).ok_or_else(|| NotFound { message: self.explain(doc) })
    }

    /// Jayway's canonical rendering of the path, e.g. `$['a'][0]` for `$.a[0]`.
    pub fn jayway_string(&self) -> String {
        let mut s = String::from("$");
        for t in &self.tokens {
            write_token(t, &mut s);
        }
        s
    }

    fn explain(&self, doc: &Value) -> String {
        let mut path = String::from("$");
        let mut node = doc;
        let n = self.tokens.len();
        for (k, token) in self.tokens.iter().enumerate() {
            let last = k + 1 == n;
            let mut fragment = String::new();
            write_token(token, &mut fragment);
            match token {
                Token::Property { names, .. } if names.len() == 1 => match node {
                    Value::Object(map) => match map.get(&names[0]) {
                        Some(v) => node = v,
                        None if last => break,
                        None => return format!("Missing property in path {path}{fragment}"),
                    },
                    other => {
                        return format!(
                        "Expected to find an object with property {fragment} in path {path} but found '{}'. \
                             This is not a json object according to the JsonProvider: \
                             'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.",
                        java_class(other)
                    )
                    }
                },
                Token::Index(idx) if idx.len() == 1 => match node {
                    Value::Array(items) => {
                        node = eval::index(items, i64::from(idx[0])).unwrap_or(&Value::Null)
                    }
                    Value::Null => return format!("The path {path} is null"),
                    other => {
                        return format!(
                            "Filter: {fragment} can only be applied to arrays. Current context is: {}",
                            java::to_java_string(other)
                        )
                    }
                },
                _ => break,
            }
            path.push_str(&fragment);
        }
        format!("No results for path: {}", self.jayway_string())
    }

    /// Writes `value` at this (definite) path inside `target`, creating missing object nodes as
    /// `ResultPath` does. `$` replaces the whole target.
    pub fn set(&self, target: &mut Value, value: Value) -> Result<(), SetError> {
        if self.root != Root::Input || !self.simple {
            return Err(SetError {
                message: format!(
                    "The path '{}' is not a reference path that a value can be written to",
                    self.src
                ),
            });
        }
        if self.tokens.is_empty() {
            *target = value;
            return Ok(());
        }
        if let Err(step) = check_set(&self.tokens, target) {
            return Err(SetError {
                message: format!("Unable to apply step \"{step}\" to input {}", java::to_json(target)),
            });
        }
        write(&self.tokens, target, value);
        Ok(())
    }
}

fn write_token(t: &Token, s: &mut String) {
    match t {
        Token::Property { names, quote } => {
            s.push('[');
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push(*quote);
                s.push_str(n);
                s.push(*quote);
            }
            s.push(']');
        }
        Token::Index(idx) => {
            s.push('[');
            for (i, n) in idx.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                let _ = write!(s, "{n}");
            }
            s.push(']');
        }
        Token::Slice(Slice::From(f)) => {
            let _ = write!(s, "[{f}:]");
        }
        Token::Slice(Slice::To(t)) => {
            let _ = write!(s, "[:{t}]");
        }
        Token::Slice(Slice::Between(f, t)) => {
            let _ = write!(s, "[{f}:{t}]");
        }
        Token::Wildcard => s.push_str("[*]"),
        Token::Scan => s.push_str(".."),
        Token::Filter(_) => s.push_str("[?]"),
        Token::Length => s.push_str(".length()"),
    }
}

/// The Java class of a node as Jayway's Jackson node provider hands it over (scalars unwrapped
/// to Java objects, containers left as Jackson nodes), for Jayway's messages.
fn java_class(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "java.lang.Boolean",
        Value::String(_) => "java.lang.String",
        Value::Array(_) => "com.fasterxml.jackson.databind.node.ArrayNode",
        Value::Object(_) => "com.fasterxml.jackson.databind.node.ObjectNode",
        Value::Number(n) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => "java.lang.Integer",
            Some(_) => "java.lang.Long",
            None if n.is_u64() => "java.math.BigInteger",
            None => "java.lang.Double",
        },
    }
}

/// Checks that [`write`] can succeed without changing anything; the error is the step that
/// cannot be applied.
fn check_set(tokens: &[Token], mut node: &Value) -> Result<(), String> {
    for (k, token) in tokens.iter().enumerate() {
        let next = match (token, node) {
            (Token::Property { names, .. }, Value::Object(map)) => map.get(&names[0]),
            (Token::Property { names, .. }, _) => return Err(names[0].clone()),
            (Token::Index(idx), Value::Array(items)) => {
                let i = i64::from(idx[0]);
                match eval::index(items, i) {
                    Some(v) => Some(v),
                    None if i == items.len() as i64 => None,
                    None => return Err(idx[0].to_string()),
                }
            }
            (Token::Index(idx), _) => return Err(idx[0].to_string()),
            _ => return Err(String::new()),
        };
        match next {
            Some(v) => node = v,
            // Everything below is created fresh; a new array can only take index 0.
            None => {
                for t in &tokens[k + 1..] {
                    if let Token::Index(idx) = t {
                        if idx[0] != 0 {
                            return Err(idx[0].to_string());
                        }
                    }
                }
                return Ok(());
            }
        }
    }
    Ok(())
}

fn fresh(next: &Token) -> Value {
    match next {
        Token::Index(_) => Value::Array(Vec::new()),
        _ => Value::Object(serde_json::Map::new()),
    }
}

/// Writes after [`check_set`] succeeded.
fn write(tokens: &[Token], node: &mut Value, value: Value) {
    let Some((token, rest)) = tokens.split_first() else {
        *node = value;
        return;
    };
    match (token, node) {
        (Token::Property { names, .. }, Value::Object(map)) => match rest.first() {
            None => {
                map.insert(names[0].clone(), value);
            }
            Some(next) => {
                let child = map.entry(names[0].clone()).or_insert_with(|| fresh(next));
                write(rest, child, value);
            }
        },
        (Token::Index(idx), Value::Array(items)) => {
            let len = items.len() as i64;
            let i = i64::from(idx[0]);
            let eff = if i < 0 { len + i } else { i };
            let Ok(eff) = usize::try_from(eff) else { return };
            if eff == items.len() {
                items.push(rest.first().map_or(Value::Null, fresh));
            }
            if let Some(child) = items.get_mut(eff) {
                write(rest, child, value);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
