//! The intrinsic functions (`States.Format`, `States.Array`, ... all 18), parsed once from their
//! source text and evaluated against a [`Scope`]. Failures are `States.Runtime` with AWS's
//! cause text, `The function '<the whole expression, as written>' had the following error:
//! <detail>`: AWS reports bad arguments, wrong arity and argument paths that match nothing as
//! `States.Runtime`, not `States.IntrinsicFailure`.
//!
//! Arity is checked when a call is evaluated, not when it is parsed, because AWS accepts
//! `States.Hash()` in a definition and fails the execution. What does not parse (unknown
//! function, bad escape, unbalanced quotes or parentheses) is a [`ParseError`].

mod functions;
mod random;

use crate::{java, EvalError, Path, Root, Scope, StatesError};
use serde_json::Value;
use std::borrow::Cow;

/// Deepest nesting of calls accepted (AWS documents 10; this bound only protects the stack).
const MAX_NESTING: usize = 64;

/// A parsed intrinsic function call, e.g. `States.Format('{}', $.name)`.
#[derive(Debug, Clone)]
pub struct Call {
    src: String,
    func: Func,
    args: Vec<Arg>,
    uses_context: bool,
    /// For `States.Format` with a literal template: the template, parsed once.
    format: Option<Result<Vec<Piece>, String>>,
}

/// Why a string is not a valid intrinsic call (unknown function, bad arity where it is static,
/// bad escapes, unbalanced quotes, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
}

#[derive(Debug, Clone)]
enum Arg {
    /// A number, `true`, `false`, `null`, or a string literal (kept with its source text, whose
    /// escapes matter to `States.Format`).
    Literal {
        value: Value,
        raw: Option<String>,
    },
    Path(Path),
    Call(Box<Call>),
}

/// A piece of a `States.Format` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    Hole,
}

/// The 18 functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    Uuid,
}

impl Func {
    const ALL: [Func; 18] = [
        Func::Format,
        Func::StringToJson,
        Func::JsonToString,
        Func::Array,
        Func::ArrayPartition,
        Func::ArrayContains,
        Func::ArrayRange,
        Func::ArrayGetItem,
        Func::ArrayLength,
        Func::ArrayUnique,
        Func::Base64Encode,
        Func::Base64Decode,
        Func::Hash,
        Func::JsonMerge,
        Func::MathRandom,
        Func::MathAdd,
        Func::StringSplit,
        Func::Uuid,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Func::Format => "States.Format",
            Func::StringToJson => "States.StringToJson",
            Func::JsonToString => "States.JsonToString",
            Func::Array => "States.Array",
            Func::ArrayPartition => "States.ArrayPartition",
            Func::ArrayContains => "States.ArrayContains",
            Func::ArrayRange => "States.ArrayRange",
            Func::ArrayGetItem => "States.ArrayGetItem",
            Func::ArrayLength => "States.ArrayLength",
            Func::ArrayUnique => "States.ArrayUnique",
            Func::Base64Encode => "States.Base64Encode",
            Func::Base64Decode => "States.Base64Decode",
            Func::Hash => "States.Hash",
            Func::JsonMerge => "States.JsonMerge",
            Func::MathRandom => "States.MathRandom",
            Func::MathAdd => "States.MathAdd",
            Func::StringSplit => "States.StringSplit",
            Func::Uuid => "States.UUID",
        }
    }
}

impl Call {
    /// True when `src` looks like an intrinsic call (`States.` prefix) rather than a path.
    pub fn looks_like_call(src: &str) -> bool {
        src.trim_start().starts_with("States.")
    }

    pub fn parse(src: &str) -> Result<Call, ParseError> {
        let mut p = Parser { s: src, pos: 0 };
        p.ws();
        let mut call = p.call(0).map_err(|message| ParseError { message })?;
        // AWS quotes the whole expression as written in its causes.
        call.src = src.to_string();
        p.ws();
        if p.pos < src.len() {
            return Err(ParseError {
                message: format!("Unexpected text after the intrinsic function call: '{}'", &src[p.pos..]),
            });
        }
        Ok(call)
    }

    pub fn as_str(&self) -> &str {
        &self.src
    }

    /// True when some argument reads `$$`.
    pub fn uses_context(&self) -> bool {
        self.uses_context
    }

    pub fn evaluate(&self, scope: &Scope<'_>) -> Result<Value, EvalError> {
        functions::evaluate(self, scope, &self.src)
    }

    /// Evaluates argument `i` (which must exist). `root` is the source of the outermost call,
    /// which error causes quote.
    fn arg<'a>(&'a self, i: usize, scope: &Scope<'a>, root: &str) -> Result<Cow<'a, Value>, EvalError> {
        match &self.args[i] {
            Arg::Literal { value, .. } => Ok(Cow::Borrowed(value)),
            Arg::Call(call) => functions::evaluate(call, scope, root).map(Cow::Owned),
            Arg::Path(path) => match path.document(scope).and_then(|d| path.select_strict(d)) {
                Some(v) => Ok(v),
                None => {
                    // A `$$` path is quoted relative to the context object, and the input quoted
                    // is the state's, whatever the path read (as AWS words it).
                    let text = path.as_str().trim();
                    let shown = match path.root() {
                        Root::Context => &text[1..],
                        _ => text,
                    };
                    Err(error(
                        root,
                        &format!(
                            "The JsonPath argument for the field '{shown}' could not be found in the input '{}'",
                            java::to_json(scope.input)
                        ),
                    ))
                }
            },
        }
    }

    /// `Invalid arguments in States.X`.
    fn invalid(&self, root: &str) -> EvalError {
        error(root, &format!("Invalid arguments in {}", self.func.name()))
    }
}

/// `States.Runtime` with AWS's wording for intrinsic failures.
fn error(root: &str, detail: &str) -> EvalError {
    EvalError::new(StatesError::Runtime, format!("The function '{root}' had the following error: {detail}"))
}

struct Parser<'s> {
    s: &'s str,
    pos: usize,
}

impl<'s> Parser<'s> {
    fn rest(&self) -> &'s str {
        &self.s[self.pos..]
    }

    fn ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }

    fn call(&mut self, depth: usize) -> Result<Call, String> {
        if depth > MAX_NESTING {
            return Err("Intrinsic functions are nested too deeply".to_string());
        }
        let start = self.pos;
        let name_len =
            self.rest().find(|c: char| !(c.is_ascii_alphanumeric() || c == '.')).unwrap_or(self.rest().len());
        let name = &self.rest()[..name_len];
        let func = Func::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| format!("Unsupported intrinsic function: '{name}'"))?;
        self.pos += name_len;
        self.ws();
        if !self.rest().starts_with('(') {
            return Err(format!("Expected '(' after {name}"));
        }
        self.pos += 1;
        self.ws();
        let mut args = Vec::new();
        if self.rest().starts_with(')') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                args.push(self.arg(depth)?);
                self.ws();
                match self.rest().chars().next() {
                    Some(',') => self.pos += 1,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(format!("Expected ',' or ')' in the arguments of {name}")),
                }
            }
        }
        let src = self.s[start..self.pos].to_string();
        let uses_context = args.iter().any(|a| match a {
            Arg::Path(p) => *p.root() == Root::Context,
            Arg::Call(c) => c.uses_context,
            Arg::Literal { .. } => false,
        });
        let format = match (func, args.first()) {
            (Func::Format, Some(Arg::Literal { raw: Some(raw), .. })) => Some(literal_template(raw)),
            _ => None,
        };
        Ok(Call { src, func, args, uses_context, format })
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, String> {
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return Err("Unexpected end of the intrinsic function call".to_string());
        };
        if c == '\'' {
            return self.string();
        }
        if c == '$' {
            let len = path_len(rest).ok_or("Unbalanced brackets in a path argument")?;
            let text = rest[..len].trim_end();
            let path = Path::parse(text).map_err(|e| format!("Invalid path '{text}': {}", e.message))?;
            self.pos += len;
            return Ok(Arg::Path(path));
        }
        if rest.starts_with("States.") {
            return Ok(Arg::Call(Box::new(self.call(depth + 1)?)));
        }
        let len = rest.find(|c: char| matches!(c, ',' | ')') || c.is_whitespace()).unwrap_or(rest.len());
        let word = &rest[..len];
        let value = match word {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ => number(word).ok_or_else(|| format!("Invalid argument '{word}'"))?,
        };
        self.pos += len;
        Ok(Arg::Literal { value, raw: None })
    }

    fn string(&mut self) -> Result<Arg, String> {
        let body_start = self.pos + 1;
        let mut value = String::new();
        let mut chars = self.s[body_start..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, e @ ('\'' | '{' | '}' | '\\'))) => value.push(e),
                    Some((_, e)) => {
                        return Err(format!("Invalid escape sequence '\\{e}' in a string literal"))
                    }
                    None => return Err("Unterminated string literal".to_string()),
                },
                '\'' => {
                    let raw = self.s[body_start..body_start + i].to_string();
                    self.pos = body_start + i + 1;
                    return Ok(Arg::Literal { value: Value::String(value), raw: Some(raw) });
                }
                c => value.push(c),
            }
        }
        Err("Unterminated string literal".to_string())
    }
}

/// Length of a path argument: up to the `,` or `)` that ends it, outside brackets and quotes.
fn path_len(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' if depth > 0 => quote = Some(c),
            '[' | '(' => depth += 1,
            ']' | ')' if depth > 0 => depth -= 1,
            ',' | ')' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    if depth == 0 && quote.is_none() {
        Some(s.len())
    } else {
        None
    }
}

/// A number literal: JSON's syntax; integers stay integers.
fn number(word: &str) -> Option<Value> {
    let b = word.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == int_start {
        return None;
    }
    let mut integer = true;
    if i < b.len() && b[i] == b'.' {
        integer = false;
        i += 1;
        let frac = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == frac {
            return None;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        integer = false;
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    if integer {
        if let Ok(n) = word.parse::<i64>() {
            return Some(Value::from(n));
        }
    }
    serde_json::Number::from_f64(word.parse().ok()?).map(Value::Number)
}

/// Parses a `States.Format` template written as a literal: `\{` and `\}` are plain braces.
fn literal_template(raw: &str) -> Result<Vec<Piece>, String> {
    template(raw, true)
}

/// Parses a `States.Format` template that came from a path (no escapes).
pub(crate) fn runtime_template(text: &str) -> Result<Vec<Piece>, String> {
    template(text, false)
}

fn template(text: &str, escapes: bool) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if escapes => {
                if let Some(e) = chars.next() {
                    cur.push(e);
                }
            }
            '{' => {
                if chars.next_if_eq(&'}').is_none() {
                    return Err("matching '}' not found for '{'.".to_string());
                }
                if !cur.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut cur)));
                }
                pieces.push(Piece::Hole);
            }
            '}' => return Err("unmatched '}'.".to_string()),
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        pieces.push(Piece::Text(cur));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests;
