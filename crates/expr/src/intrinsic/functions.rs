//! The bodies of the 18 intrinsic functions, with the argument rules AWS applies: integers are
//! taken by truncation (`ArrayRange(1.6, ...)` starts at 1) except in `States.MathAdd`, which
//! rounds half up like Java's `Math.round` and works in 32-bit integers; strings fed to
//! `Base64Encode`, `Base64Decode` and `Hash` are limited to 10,000 characters; `ArrayRange`
//! returns at most 1,000 items; `ArrayContains` compares elements by their Java text (so key
//! order matters and `true` matches `"true"`); `StringSplit` is Java's `StringTokenizer`.

use super::random::JavaRandom;
use super::{runtime_template, Arg, Call, Func, Piece};
use crate::{java, EvalError, Scope};
use base64::Engine as _;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Largest input of `Base64Encode`, `Base64Decode` and `Hash`, in UTF-16 code units.
const MAX_STRING: usize = 10_000;
/// Largest array `ArrayRange` may build.
const MAX_RANGE: i64 = 1_000;

pub(super) fn evaluate(call: &Call, scope: &Scope<'_>, root: &str) -> Result<Value, EvalError> {
    let n = call.args.len();
    let arity_ok = match call.func {
        Func::Format => n >= 1,
        Func::Array => true,
        Func::Uuid => n == 0,
        Func::StringToJson
        | Func::JsonToString
        | Func::ArrayLength
        | Func::ArrayUnique
        | Func::Base64Encode
        | Func::Base64Decode => n == 1,
        Func::ArrayPartition
        | Func::ArrayContains
        | Func::ArrayGetItem
        | Func::Hash
        | Func::MathAdd
        | Func::StringSplit => n == 2,
        Func::ArrayRange | Func::JsonMerge => n == 3,
        Func::MathRandom => n == 2 || n == 3,
    };
    if !arity_ok {
        return Err(call.invalid(root));
    }
    let arg = |i: usize| call.arg(i, scope, root);
    match call.func {
        Func::Format => format(call, scope, root),
        Func::Array => {
            (0..n).map(|i| arg(i).map(Cow::into_owned)).collect::<Result<Vec<_>, _>>().map(Value::Array)
        }
        Func::Uuid => Ok(Value::String(uuid(scope))),
        Func::StringToJson => match &*arg(0)? {
            Value::String(s) => string_to_json(s).ok_or_else(|| call.invalid(root)),
            _ => Err(call.invalid(root)),
        },
        Func::JsonToString => Ok(Value::String(java::to_json(&*arg(0)?))),
        Func::ArrayLength => match &*arg(0)? {
            Value::Array(items) => Ok(Value::from(items.len())),
            _ => Err(call.invalid(root)),
        },
        Func::ArrayUnique => match arg(0)? {
            Cow::Borrowed(Value::Array(items)) => Ok(Value::Array(unique(items.iter().cloned()))),
            Cow::Owned(Value::Array(items)) => Ok(Value::Array(unique(items.into_iter()))),
            _ => Err(call.invalid(root)),
        },
        Func::Base64Encode => match &*arg(0)? {
            Value::String(s) if java::utf16_len(s) <= MAX_STRING => {
                Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(s.as_bytes())))
            }
            _ => Err(call.invalid(root)),
        },
        Func::Base64Decode => match &*arg(0)? {
            Value::String(s) if java::utf16_len(s) <= MAX_STRING => {
                Ok(Value::String(String::from_utf8_lossy(&lenient_base64(s)).into_owned()))
            }
            _ => Err(call.invalid(root)),
        },
        Func::ArrayPartition => {
            let (array, size) = (arg(0)?, arg(1)?);
            let (Value::Array(items), Some(size)) = (&*array, truncated(&size)) else {
                return Err(call.invalid(root));
            };
            if size <= 0 {
                return Err(call.invalid(root));
            }
            let size = size as usize;
            Ok(Value::Array(items.chunks(size).map(|c| Value::Array(c.to_vec())).collect()))
        }
        Func::ArrayContains => {
            let (array, target) = (arg(0)?, arg(1)?);
            let Value::Array(items) = &*array else { return Err(call.invalid(root)) };
            let target = java::to_java_string(&target);
            let mut buf = String::new();
            Ok(Value::Bool(items.iter().any(|item| {
                buf.clear();
                java::write_java_string(item, &mut buf);
                buf == target
            })))
        }
        Func::ArrayRange => {
            let (a, b, c) = (arg(0)?, arg(1)?, arg(2)?);
            let (Some(start), Some(end), Some(step)) = (truncated(&a), truncated(&b), truncated(&c)) else {
                return Err(call.invalid(root));
            };
            array_range(i64::from(start), i64::from(end), i64::from(step)).ok_or_else(|| call.invalid(root))
        }
        Func::ArrayGetItem => {
            let (array, index) = (arg(0)?, arg(1)?);
            let (Value::Array(items), Some(index)) = (&*array, truncated(&index)) else {
                return Err(call.invalid(root));
            };
            if index < 0 {
                return Err(call.invalid(root));
            }
            if items.is_empty() {
                // Observed on AWS: any index into an empty array gives null.
                return Ok(Value::Null);
            }
            items.get(index as usize).cloned().ok_or_else(|| call.invalid(root))
        }
        Func::Hash => {
            let (data, algorithm) = (arg(0)?, arg(1)?);
            let data: Cow<'_, str> = match &*data {
                Value::String(s) => Cow::Borrowed(s.as_str()),
                other => Cow::Owned(java::to_json(other)),
            };
            let Value::String(algorithm) = &*algorithm else { return Err(call.invalid(root)) };
            if java::utf16_len(&data) > MAX_STRING {
                return Err(call.invalid(root));
            }
            hash(&data, algorithm).map(Value::String).ok_or_else(|| call.invalid(root))
        }
        Func::JsonMerge => {
            let (left, right, deep) = (arg(0)?, arg(1)?, arg(2)?);
            if deep.as_bool() == Some(true) {
                // Only the shallow mode exists.
                return Err(call.invalid(root));
            }
            let Value::Object(right) = &*right else { return Err(call.invalid(root)) };
            let mut merged: Map<String, Value> = match left {
                Cow::Owned(Value::Object(m)) => m,
                Cow::Borrowed(Value::Object(m)) => m.clone(),
                _ => return Err(call.invalid(root)),
            };
            for (k, v) in right {
                merged.insert(k.clone(), v.clone());
            }
            Ok(Value::Object(merged))
        }
        Func::MathAdd => {
            let (a, b) = (arg(0)?, arg(1)?);
            let (Some(a), Some(b)) = (rounded(&a), rounded(&b)) else { return Err(call.invalid(root)) };
            let (Ok(a), Ok(b)) = (i32::try_from(a), i32::try_from(b)) else { return Err(call.invalid(root)) };
            a.checked_add(b).map(Value::from).ok_or_else(|| call.invalid(root))
        }
        Func::MathRandom => {
            let (a, b) = (arg(0)?, arg(1)?);
            let (Some(start), Some(end)) = (truncated(&a), truncated(&b)) else {
                return Err(call.invalid(root));
            };
            if start >= end {
                return Err(call.invalid(root));
            }
            if n == 3 {
                let seed = arg(2)?;
                let Some(seed) = seed_of(&seed) else { return Err(call.invalid(root)) };
                let bound = end.wrapping_sub(start);
                let r = JavaRandom::new(seed).next_int(bound).ok_or_else(|| call.invalid(root))?;
                return Ok(Value::from(start.wrapping_add(r)));
            }
            let range = (i64::from(end) - i64::from(start)) as u128;
            let offset = (u128::from(scope.env.random_u64()) * range) >> 64;
            Ok(Value::from(i64::from(start) + offset as i64))
        }
        Func::StringSplit => {
            let (s, d) = (arg(0)?, arg(1)?);
            let (Value::String(s), Value::String(d)) = (&*s, &*d) else { return Err(call.invalid(root)) };
            Ok(Value::Array(
                s.split(|c: char| d.contains(c))
                    .filter(|t| !t.is_empty())
                    .map(|t| Value::String(t.to_string()))
                    .collect(),
            ))
        }
    }
}

fn format(call: &Call, scope: &Scope<'_>, root: &str) -> Result<Value, EvalError> {
    let runtime;
    let pieces = match &call.format {
        Some(parsed) => parsed,
        None => {
            let template = call.arg(0, scope, root)?;
            let Value::String(text) = &*template else { return Err(call.invalid(root)) };
            runtime = runtime_template(text);
            &runtime
        }
    };
    // A brace without its partner, or a count of `{}` other than the number of values.
    let pieces = pieces.as_ref().map_err(|_| call.invalid(root))?;
    let holes = pieces.iter().filter(|p| **p == Piece::Hole).count();
    if holes != call.args.len() - 1 {
        return Err(call.invalid(root));
    }
    let mut out = String::new();
    let mut next = 1;
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Hole => {
                match &call.args[next] {
                    Arg::Literal { value: Value::String(s), .. } => out.push_str(s),
                    _ => java::write_java_string(&*call.arg(next, scope, root)?, &mut out),
                }
                next += 1;
            }
        }
    }
    Ok(Value::String(out))
}

/// An integer argument as AWS reads it: a JSON number, truncated toward zero, saturated to
/// 32 bits. `None` for anything that is not a number.
fn truncated(v: &Value) -> Option<i32> {
    let Value::Number(n) = v else { return None };
    Some(if let Some(i) = n.as_i64() {
        i.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
    } else if n.is_u64() {
        i32::MAX
    } else {
        n.as_f64()? as i32
    })
}

/// Java's `Math.round`: half up, to a 64-bit integer.
fn rounded(v: &Value) -> Option<i64> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    if n.is_u64() {
        return Some(i64::MAX);
    }
    let x = n.as_f64()?;
    let f = x.floor();
    let r = if x - f >= 0.5 { f + 1.0 } else { f };
    Some(r as i64)
}

/// The seed of `States.MathRandom`: any number, as a Java `long`.
fn seed_of(v: &Value) -> Option<i64> {
    let Value::Number(n) = v else { return None };
    n.as_i64().or_else(|| n.as_u64().map(|u| u as i64)).or_else(|| n.as_f64().map(|f| f as i64))
}

fn array_range(start: i64, end: i64, step: i64) -> Option<Value> {
    if step == 0 {
        return None;
    }
    let count =
        if (step > 0 && start <= end) || (step < 0 && start >= end) { (end - start) / step + 1 } else { 0 };
    if count > MAX_RANGE {
        return None;
    }
    Some(Value::Array((0..count).map(|k| Value::from(start + k * step)).collect()))
}

/// Distinct elements, first occurrence kept (objects compare regardless of key order, `1` and
/// `1.0` differ, as Jackson nodes do).
fn unique(items: impl Iterator<Item = Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// `States.StringToJson`: blank text is `null`; text after the first JSON value is ignored, as
/// Jackson's `readTree` does.
fn string_to_json(s: &str) -> Option<Value> {
    if s.trim().is_empty() {
        return Some(Value::Null);
    }
    // serde_json reads the integer `-0` as the double -0.0; Jackson reads it as the int 0.
    let fixed;
    let s = if s.contains("-0") {
        fixed = integer_negative_zero_to_zero(s);
        fixed.as_str()
    } else {
        s
    };
    serde_json::Deserializer::from_str(s).into_iter::<Value>().next()?.ok()
}

/// Rewrites each `-0` number token that has no fraction or exponent to `0`, outside strings.
fn integer_negative_zero_to_zero(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut last = 0;
    for i in 0..b.len() {
        let c = b[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        if c == b'"' {
            in_string = true;
        } else if c == b'-'
            && b.get(i + 1) == Some(&b'0')
            && !matches!(b.get(i + 2), Some(b'.' | b'e' | b'E' | b'0'..=b'9'))
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
        {
            out.push_str(&s[last..i]);
            last = i + 1;
        }
    }
    out.push_str(&s[last..]);
    out
}

fn hash(data: &str, algorithm: &str) -> Option<String> {
    use sha2::Digest as _;
    let bytes = data.as_bytes();
    let digest: Vec<u8> = match algorithm {
        "MD5" => md5::Md5::digest(bytes).to_vec(),
        "SHA-1" => sha1::Sha1::digest(bytes).to_vec(),
        "SHA-256" => sha2::Sha256::digest(bytes).to_vec(),
        "SHA-384" => sha2::Sha384::digest(bytes).to_vec(),
        "SHA-512" => sha2::Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    Some(hex(&digest))
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0xf)] as char);
    }
    s
}

/// Base64 decoding as forgiving as AWS's: characters outside the alphabet (either the standard
/// or the URL-safe one) are skipped, decoding stops at the first `=`, and a trailing partial
/// group keeps the whole bytes it has.
fn lenient_base64(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut n = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    match n {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => {}
    }
    out
}

/// A version-4 UUID from the injected randomness.
fn uuid(scope: &Scope<'_>) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&scope.env.random_u64().to_be_bytes());
    bytes[8..].copy_from_slice(&scope.env.random_u64().to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h = hex(&bytes);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}
