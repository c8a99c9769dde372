//! The evaluator's value representation: JSONata values plus the engine-internal notions
//! upstream keeps on JavaScript arrays (sequence, keep-singleton, constructed-array and
//! outer-wrapper flags), functions and tuple streams.
//!
//! Input documents and bindings are borrowed (`JArr`/`JObj`/`JStr`) rather than copied, so a
//! path into a large input costs nothing until a value is built from it. Values never hold a
//! wall clock or random state.

use crate::ast::{LambdaDef, TransformDef};
use crate::functions::Builtin;
use crate::regex::JsRegex;
use serde_json::Value;
use std::rc::Rc;
use std::sync::Arc;

pub(crate) type Str = Arc<str>;
pub(crate) type FrameId = usize;

/// Array flags: see upstream `createSequence` and friends.
pub(crate) const SEQ: u8 = 1;
pub(crate) const KEEP: u8 = 2;
pub(crate) const CONS: u8 = 4;
pub(crate) const OUTER: u8 = 8;

#[derive(Clone, Debug)]
pub(crate) enum Val<'a> {
    Undef,
    Null,
    Bool(bool),
    Num(f64),
    Str(Str),
    JStr(&'a str),
    Arr(Rc<Vec<Val<'a>>>, u8),
    JArr(&'a Vec<Value>),
    Obj(Rc<ObjMap<'a>>),
    JObj(&'a serde_json::Map<String, Value>),
    Func(Rc<Func<'a>>),
    Tuples(Rc<Vec<Tuple<'a>>>),
}

/// One member of a tuple stream: the context value and the variables bound along the path.
#[derive(Clone, Debug)]
pub(crate) struct Tuple<'a> {
    pub(crate) at: Val<'a>,
    pub(crate) binds: Vec<(Str, Val<'a>)>,
}

impl<'a> Tuple<'a> {
    pub(crate) fn get(&self, k: &str) -> Option<&Val<'a>> {
        self.binds.iter().find(|(n, _)| &**n == k).map(|(_, v)| v)
    }
    pub(crate) fn set(&mut self, k: Str, v: Val<'a>) {
        if let Some(slot) = self.binds.iter_mut().find(|(n, _)| *n == k) {
            slot.1 = v;
        } else {
            self.binds.push((k, v));
        }
    }
}

#[derive(Debug)]
pub(crate) enum Func<'a> {
    Lambda {
        def: Arc<LambdaDef>,
        env: FrameId,
        input: Val<'a>,
    },
    Builtin(Builtin),
    /// Partial application: `None` marks a `?` placeholder.
    Partial {
        f: Val<'a>,
        args: Vec<Option<Val<'a>>>,
        arity: usize,
    },
    Regex(Arc<JsRegex>),
    /// The `next` function of a regex match object: the following match from `at`.
    MatchNext {
        re: Arc<JsRegex>,
        text: Str,
        at: usize,
    },
    Transform {
        def: Arc<TransformDef>,
        env: FrameId,
    },
    /// `f ~> g` where both are functions.
    Chain(Val<'a>, Val<'a>),
    /// A pending tail call (trampolined by `apply`).
    Thunk {
        f: Val<'a>,
        args: Vec<Val<'a>>,
    },
}

/// A small insertion-ordered map: JSONata objects are mostly tiny.
#[derive(Clone, Debug, Default)]
pub(crate) struct ObjMap<'a> {
    pub(crate) entries: Vec<(Str, Val<'a>)>,
}

impl<'a> ObjMap<'a> {
    pub(crate) fn new() -> Self {
        ObjMap { entries: Vec::new() }
    }
    pub(crate) fn with_capacity(n: usize) -> Self {
        ObjMap { entries: Vec::with_capacity(n) }
    }
    pub(crate) fn get(&self, k: &str) -> Option<&Val<'a>> {
        self.entries.iter().find(|(n, _)| &**n == k).map(|(_, v)| v)
    }
    /// Inserts or replaces, keeping JavaScript's property order: integer-like keys first in
    /// ascending order, then the others in insertion order (what jsonata-js, and so AWS, emit).
    pub(crate) fn insert(&mut self, k: Str, v: Val<'a>) {
        if let Some(slot) = self.entries.iter_mut().find(|(n, _)| *n == k) {
            slot.1 = v;
        } else if let Some(ix) = index_key(&k) {
            let at = self
                .entries
                .iter()
                .position(|(n, _)| index_key(n).is_none_or(|other| other > ix))
                .unwrap_or(self.entries.len());
            self.entries.insert(at, (k, v));
        } else {
            self.entries.push((k, v));
        }
    }
    pub(crate) fn remove(&mut self, k: &str) {
        self.entries.retain(|(n, _)| &**n != k);
    }
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Property lookup in a borrowed object: small objects are scanned (cheaper than hashing).
pub(crate) fn jget<'v>(m: &'v serde_json::Map<String, Value>, k: &str) -> Option<&'v Value> {
    if m.len() <= 8 {
        m.iter().find(|(n, _)| n.as_str() == k).map(|(_, v)| v)
    } else {
        m.get(k)
    }
}

/// The array index a property name denotes in JavaScript (`"0"`, `"17"`), if any.
pub(crate) fn index_key(k: &str) -> Option<u32> {
    let b = k.as_bytes();
    if b.is_empty() || b.len() > 10 || !b.iter().all(u8::is_ascii_digit) || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    k.parse::<u64>().ok().filter(|n| *n < u32::MAX as u64).map(|n| n as u32)
}

/// A borrowed JSON object's entries in JavaScript property order.
fn js_ordered(m: &serde_json::Map<String, Value>) -> Option<Vec<(&String, &Value)>> {
    if !m.keys().any(|k| index_key(k).is_some()) {
        return None;
    }
    let mut idx: Vec<(u32, (&String, &Value))> =
        m.iter().filter_map(|(k, v)| index_key(k).map(|i| (i, (k, v)))).collect();
    idx.sort_by_key(|(i, _)| *i);
    let mut out: Vec<(&String, &Value)> = idx.into_iter().map(|(_, e)| e).collect();
    out.extend(m.iter().filter(|(k, _)| index_key(k).is_none()));
    Some(out)
}

impl<'a> Val<'a> {
    pub(crate) fn from_json(v: &'a Value) -> Val<'a> {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => Val::JStr(s),
            Value::Array(a) => Val::JArr(a),
            Value::Object(o) => Val::JObj(o),
        }
    }

    /// Builds an owned value (for `$parse`, `$eval` results and the like).
    pub(crate) fn from_owned_json(v: Value) -> Val<'a> {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(b),
            Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => Val::Str(s.into()),
            Value::Array(a) => Val::Arr(Rc::new(a.into_iter().map(Val::from_owned_json).collect()), 0),
            Value::Object(o) => {
                let mut m = ObjMap::with_capacity(o.len());
                for (k, v) in o {
                    m.insert(k.into(), Val::from_owned_json(v));
                }
                Val::Obj(Rc::new(m))
            }
        }
    }

    pub(crate) fn str(s: &str) -> Val<'a> {
        Val::Str(s.into())
    }
    pub(crate) fn string(s: String) -> Val<'a> {
        Val::Str(s.into())
    }
    pub(crate) fn seq(v: Vec<Val<'a>>) -> Val<'a> {
        Val::Arr(Rc::new(v), SEQ)
    }
    pub(crate) fn arr(v: Vec<Val<'a>>) -> Val<'a> {
        Val::Arr(Rc::new(v), 0)
    }
    pub(crate) fn obj(m: ObjMap<'a>) -> Val<'a> {
        Val::Obj(Rc::new(m))
    }

    pub(crate) fn is_undef(&self) -> bool {
        matches!(self, Val::Undef)
    }
    pub(crate) fn is_array(&self) -> bool {
        matches!(self, Val::Arr(..) | Val::JArr(_))
    }
    pub(crate) fn is_object(&self) -> bool {
        matches!(self, Val::Obj(_) | Val::JObj(_))
    }
    pub(crate) fn is_func(&self) -> bool {
        matches!(self, Val::Func(_))
    }
    pub(crate) fn is_string(&self) -> bool {
        matches!(self, Val::Str(_) | Val::JStr(_))
    }
    pub(crate) fn is_number(&self) -> bool {
        matches!(self, Val::Num(_))
    }
    pub(crate) fn flags(&self) -> u8 {
        match self {
            Val::Arr(_, f) => *f,
            _ => 0,
        }
    }
    pub(crate) fn is_seq(&self) -> bool {
        self.flags() & SEQ != 0
    }
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            Val::JStr(s) => Some(s),
            _ => None,
        }
    }
    pub(crate) fn as_num(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            _ => None,
        }
    }
    pub(crate) fn arr_len(&self) -> usize {
        match self {
            Val::Arr(a, _) => a.len(),
            Val::JArr(a) => a.len(),
            _ => 0,
        }
    }
    pub(crate) fn arr_get(&self, i: usize) -> Val<'a> {
        match self {
            Val::Arr(a, _) => a.get(i).cloned().unwrap_or(Val::Undef),
            Val::JArr(a) => a.get(i).map(Val::from_json).unwrap_or(Val::Undef),
            _ => Val::Undef,
        }
    }
    /// The members of an array (or the value itself as a one-member list; nothing for undefined).
    pub(crate) fn members(&self) -> Vec<Val<'a>> {
        match self {
            Val::Arr(a, _) => a.as_ref().clone(),
            Val::JArr(a) => a.iter().map(Val::from_json).collect(),
            Val::Undef => Vec::new(),
            other => vec![other.clone()],
        }
    }
    /// Visits array members without copying the array.
    pub(crate) fn each_item(&self, mut f: impl FnMut(&Val<'a>)) {
        match self {
            Val::Arr(a, _) => a.iter().for_each(f),
            Val::JArr(a) => a.iter().for_each(|v| f(&Val::from_json(v))),
            _ => {}
        }
    }

    pub(crate) fn obj_get(&self, k: &str) -> Val<'a> {
        match self {
            Val::Obj(m) => m.get(k).cloned().unwrap_or(Val::Undef),
            Val::JObj(m) => jget(m, k).map(Val::from_json).unwrap_or(Val::Undef),
            _ => Val::Undef,
        }
    }
    pub(crate) fn obj_len(&self) -> usize {
        match self {
            Val::Obj(m) => m.len(),
            Val::JObj(m) => m.len(),
            _ => 0,
        }
    }
    pub(crate) fn obj_entries(&self) -> Vec<(Str, Val<'a>)> {
        match self {
            Val::Obj(m) => m.entries.clone(),
            Val::JObj(m) => match js_ordered(m) {
                Some(o) => o.into_iter().map(|(k, v)| (Str::from(k.as_str()), Val::from_json(v))).collect(),
                None => m.iter().map(|(k, v)| (Str::from(k.as_str()), Val::from_json(v))).collect(),
            },
            _ => Vec::new(),
        }
    }
    pub(crate) fn obj_keys(&self) -> Vec<Str> {
        match self {
            Val::Obj(m) => m.entries.iter().map(|(k, _)| k.clone()).collect(),
            Val::JObj(m) => match js_ordered(m) {
                Some(o) => o.into_iter().map(|(k, _)| Str::from(k.as_str())).collect(),
                None => m.keys().map(|k| Str::from(k.as_str())).collect(),
            },
            _ => Vec::new(),
        }
    }
    pub(crate) fn to_obj_map(&self) -> ObjMap<'a> {
        match self {
            Val::Obj(m) => m.as_ref().clone(),
            _ => ObjMap { entries: self.obj_entries() },
        }
    }

    /// Upstream's `typeof`-style name used by `$type`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Val::Undef => "undefined",
            Val::Null => "null",
            Val::Bool(_) => "boolean",
            Val::Num(_) => "number",
            Val::Str(_) | Val::JStr(_) => "string",
            Val::Arr(..) | Val::JArr(_) | Val::Tuples(_) => "array",
            Val::Obj(_) | Val::JObj(_) => "object",
            Val::Func(_) => "function",
        }
    }

    /// Strict (`===`-like) equality of scalars, deep equality of arrays and objects.
    pub(crate) fn deep_eq(&self, other: &Val<'a>) -> bool {
        match (self, other) {
            (Val::Undef, Val::Undef) | (Val::Null, Val::Null) => true,
            (Val::Bool(a), Val::Bool(b)) => a == b,
            (Val::Num(a), Val::Num(b)) => a == b,
            (a, b) if a.is_string() && b.is_string() => a.as_str() == b.as_str(),
            (a, b) if a.is_array() && b.is_array() => {
                let n = a.arr_len();
                n == b.arr_len() && (0..n).all(|i| a.arr_get(i).deep_eq(&b.arr_get(i)))
            }
            (a, b) if a.is_object() && b.is_object() => {
                if a.obj_len() != b.obj_len() {
                    return false;
                }
                a.obj_entries().iter().all(|(k, v)| {
                    let o = b.obj_get(k);
                    !o.is_undef() && v.deep_eq(&o)
                })
            }
            (Val::Func(a), Val::Func(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Converts to JSON for output as `JSON.stringify` would: functions are left out of
    /// objects, `null` in arrays, and undefined at the top; undefined members are dropped.
    pub(crate) fn to_json(&self) -> Result<Option<Value>, crate::Error> {
        Ok(match self {
            Val::Undef => None,
            Val::Null => Some(Value::Null),
            Val::Bool(b) => Some(Value::Bool(*b)),
            Val::Num(n) => Some(num_to_json(*n)?),
            Val::Str(s) => Some(Value::String(s.to_string())),
            Val::JStr(s) => Some(Value::String((*s).to_string())),
            Val::JArr(a) => Some(js_ordered_json(&Value::Array(a.to_vec()))),
            Val::JObj(o) => Some(js_ordered_json(&Value::Object((*o).clone()))),
            Val::Arr(a, _) => {
                let mut out = Vec::with_capacity(a.len());
                for v in a.iter() {
                    match v {
                        // JSON.stringify writes functions inside arrays as null
                        Val::Func(_) => out.push(Value::Null),
                        _ => {
                            if let Some(j) = v.to_json()? {
                                out.push(j);
                            }
                        }
                    }
                }
                Some(Value::Array(out))
            }
            Val::Obj(m) => {
                let mut out = serde_json::Map::with_capacity(m.len());
                for (k, v) in &m.entries {
                    if let Some(j) = v.to_json()? {
                        out.insert(k.to_string(), j);
                    }
                }
                Some(Value::Object(out))
            }
            // and leaves them out of objects (and a function result is no JSON value at all)
            Val::Func(_) => None,
            Val::Tuples(t) => {
                let mut out = Vec::with_capacity(t.len());
                for tu in t.iter() {
                    if let Some(j) = tu.at.to_json()? {
                        out.push(j);
                    }
                }
                Some(Value::Array(out))
            }
        })
    }
}

/// Reorders every object inside a borrowed JSON value into JavaScript property order (a
/// no-op, apart from the copy, when no integer-like keys occur).
fn js_ordered_json(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(js_ordered_json).collect()),
        Value::Object(m) => {
            let mut out = serde_json::Map::with_capacity(m.len());
            match js_ordered(m) {
                Some(o) => {
                    for (k, x) in o {
                        out.insert(k.clone(), js_ordered_json(x));
                    }
                }
                None => {
                    for (k, x) in m {
                        out.insert(k.clone(), js_ordered_json(x));
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// An integral finite double within ±2^53 becomes a JSON integer (AWS prints `3`, not `3.0`).
pub(crate) fn num_to_json(n: f64) -> Result<Value, crate::Error> {
    if !n.is_finite() {
        return Err(crate::Error::new("D1001", format!("Number out of range: {}", js_number(n))));
    }
    if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0 {
        if n == 0.0 {
            return Ok(Value::from(0));
        }
        return Ok(Value::from(n as i64));
    }
    Ok(serde_json::Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null))
}

/// JavaScript's `Number.prototype.toString()` for a double.
pub(crate) fn js_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return (x as i64).to_string();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let e = format!("{:e}", x.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp + 1;
    let body = if k <= n && n <= 21 {
        format!("{}{}", digits, "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{}", "0".repeat((-n) as usize), digits)
    } else {
        let es = if n > 0 { format!("+{}", n - 1) } else { format!("{}", n - 1) };
        if k == 1 {
            format!("{digits}e{es}")
        } else {
            format!("{}.{}e{}", &digits[..1], &digits[1..], es)
        }
    };
    format!("{sign}{body}")
}

/// `Number(x.toPrecision(15))`, which upstream applies before turning numbers into strings.
pub(crate) fn round15(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{:.14e}", x).parse().unwrap_or(x)
}
