//! String functions: `$substring` and friends, `$pad`, `$trim`, the regex-aware `$match`,
//! `$contains`, `$replace`, `$split`, `$join`, and the URL/base64 encoders. Offsets count
//! Unicode characters, as upstream counts code points.

use super::{regex_match_object, Builtin};
use crate::eval::Ev;
use crate::regex::{Found, JsRegex};
use crate::value::{FrameId, Func, ObjMap, Val};
use crate::Error;
use base64::Engine;
use std::sync::Arc;

type R<'a> = Result<Val<'a>, Error>;

/// JavaScript `Array.prototype.slice` index normalisation.
fn slice_idx(i: f64, len: usize) -> usize {
    let i = if i.is_nan() { 0.0 } else { i.trunc() };
    if i < 0.0 {
        (len as f64 + i).max(0.0) as usize
    } else {
        i.min(len as f64) as usize
    }
}

pub(super) fn substring<'a>(s: Val<'a>, start: Val<'a>, length: Val<'a>) -> R<'a> {
    let Some(s) = s.as_str() else { return Ok(Val::Undef) };
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len();
    let mut start = start.as_num().unwrap_or(0.0);
    if len as f64 + start < 0.0 {
        start = 0.0;
    }
    if let Some(l) = length.as_num() {
        if l <= 0.0 {
            return Ok(Val::str(""));
        }
        let end = if start >= 0.0 { start + l } else { len as f64 + start + l };
        let (a, b) = (slice_idx(start, len), slice_idx(end, len));
        if b <= a {
            return Ok(Val::str(""));
        }
        return Ok(Val::string(chars[a..b].iter().collect()));
    }
    let a = slice_idx(start, len);
    Ok(Val::string(chars[a..].iter().collect()))
}

pub(super) fn substring_around<'a>(b: Builtin, s: Val<'a>, chars: Val<'a>) -> R<'a> {
    let Some(s) = s.as_str() else { return Ok(Val::Undef) };
    let c = chars.as_str().unwrap_or("");
    Ok(match s.find(c) {
        Some(i) if b == Builtin::SubstringBefore => Val::str(&s[..i]),
        Some(i) => Val::str(&s[i + c.len()..]),
        None => Val::str(s),
    })
}

pub(super) fn simple<'a>(b: Builtin, s: Val<'a>) -> R<'a> {
    let Some(s) = s.as_str() else { return Ok(Val::Undef) };
    Ok(match b {
        Builtin::Lowercase => Val::string(s.to_lowercase()),
        Builtin::Uppercase => Val::string(s.to_uppercase()),
        _ => {
            let mut out = String::with_capacity(s.len());
            let mut ws = false;
            for c in s.chars() {
                if matches!(c, ' ' | '\t' | '\n' | '\r') {
                    ws = true;
                } else {
                    if ws {
                        out.push(' ');
                        ws = false;
                    }
                    out.push(c);
                }
            }
            if ws {
                out.push(' ');
            }
            let t = out.strip_prefix(' ').unwrap_or(&out);
            let t = t.strip_suffix(' ').unwrap_or(t);
            Val::str(t)
        }
    })
}

pub(super) fn pad<'a>(s: Val<'a>, width: Val<'a>, ch: Val<'a>) -> R<'a> {
    let Some(s) = s.as_str() else { return Ok(Val::Undef) };
    let width = width.as_num().unwrap_or(0.0);
    let ch = match ch.as_str() {
        Some(c) if !c.is_empty() => c.to_string(),
        _ => " ".to_string(),
    };
    let pad_len = width.abs().trunc() as i64 - s.chars().count() as i64;
    if pad_len <= 0 {
        return Ok(Val::str(s));
    }
    if pad_len > 10_000_000 {
        return Err(Error::new("D1001", "Padding width out of range"));
    }
    let padding: String = ch.chars().cycle().take(pad_len as usize).collect();
    Ok(Val::string(if width > 0.0 { format!("{s}{padding}") } else { format!("{padding}{s}") }))
}

fn regex_of<'a>(v: &Val<'a>) -> Option<Arc<JsRegex>> {
    match v {
        Val::Func(f) => match &**f {
            Func::Regex(r) => Some(r.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Upstream's iteration over a regex's matches: a zero-length match after the first is D1004.
pub(crate) fn regex_matches(re: &JsRegex, s: &str, limit: Option<usize>) -> Result<Vec<Found>, Error> {
    let mut out = Vec::new();
    let mut cur = re.find_at(s, 0)?;
    while let Some(m) = cur {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        let end = m.end;
        out.push(m);
        cur = if end >= s.len() {
            None
        } else {
            let n = re.find_at(s, end)?;
            if n.as_ref().is_some_and(|n| n.start == n.end) {
                return Err(Error::new("D1004", "Regular expression matches zero length string")
                    .tok(re.source.clone()));
            }
            n
        };
    }
    Ok(out)
}

/// Matches from a regex literal or from a custom matcher function (one returning upstream's
/// match objects with `match`, `start`, `end`, `groups` and `next`).
fn matcher_matches<'a>(
    ev: &mut Ev<'a, '_>,
    m: &Val<'a>,
    s: &str,
    limit: Option<usize>,
) -> Result<Vec<Found>, Error> {
    if let Some(re) = regex_of(m) {
        return regex_matches(&re, s, limit);
    }
    let bad = || {
        Error::new(
            "T1010",
            "The matcher function argument passed to function does not return the correct object structure",
        )
    };
    let byte_at = |ci: f64| -> usize {
        let ci = ci.max(0.0) as usize;
        s.char_indices().nth(ci).map(|(b, _)| b).unwrap_or(s.len())
    };
    let mut out = Vec::new();
    let mut r = ev.apply(m, vec![Val::str(s)], &Val::Undef, 0)?;
    while !r.is_undef() {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        let (mv, st, en, gr) =
            (r.obj_get("match"), r.obj_get("start"), r.obj_get("end"), r.obj_get("groups"));
        let (Some(_), Some(st), Some(en)) = (mv.as_str(), st.as_num(), en.as_num()) else {
            return Err(bad());
        };
        if !gr.is_array() {
            return Err(bad());
        }
        out.push(Found { start: byte_at(st), end: byte_at(en).max(byte_at(st)), groups: Vec::new() });
        let next = r.obj_get("next");
        if !next.is_func() {
            break;
        }
        ev.charge(1)?;
        r = ev.apply(&next, Vec::new(), &Val::Undef, 0)?;
    }
    Ok(out)
}

fn limit_of(v: &Val<'_>, code: &str) -> Result<Option<usize>, Error> {
    match v.as_num() {
        None => Ok(None),
        Some(n) if n < 0.0 => Err(Error::new(code, "Third argument of function must be a positive number")),
        Some(n) => Ok(Some(n.trunc() as usize)),
    }
}

fn char_index(s: &str, byte: usize) -> f64 {
    s[..byte].chars().count() as f64
}

pub(super) fn match_<'a>(ev: &mut Ev<'a, '_>, s: Val<'a>, re: Val<'a>, limit: Val<'a>) -> R<'a> {
    let Some(s) = s.as_str() else { return Ok(Val::Undef) };
    let limit = limit_of(&limit, "D3040")?;
    let found = matcher_matches(ev, &re, s, limit)?;
    ev.charge(found.len() as u64)?;
    let out = found
        .iter()
        .map(|f| {
            let mut m = ObjMap::with_capacity(3);
            m.insert("match".into(), Val::str(&s[f.start..f.end]));
            m.insert("index".into(), Val::Num(char_index(s, f.start)));
            m.insert(
                "groups".into(),
                Val::arr(
                    f.groups
                        .iter()
                        .map(|g| g.map(|(a, b)| Val::str(&s[a..b])).unwrap_or(Val::str("")))
                        .collect(),
                ),
            );
            Val::obj(m)
        })
        .collect();
    Ok(Val::seq(out))
}

pub(super) fn contains<'a>(ev: &mut Ev<'a, '_>, s: Val<'a>, token: Val<'a>) -> R<'a> {
    let Some(s) = s.as_str() else { return Ok(Val::Undef) };
    if token.is_undef() {
        return Ok(Val::Undef);
    }
    if let Some(t) = token.as_str() {
        return Ok(Val::Bool(s.contains(t)));
    }
    match regex_of(&token) {
        Some(re) => Ok(Val::Bool(re.find_at(s, 0)?.is_some())),
        None => Ok(Val::Bool(!matcher_matches(ev, &token, s, Some(1))?.is_empty())),
    }
}

fn expand_replacement(rep: &str, s: &str, f: &Found) -> String {
    let groups: Vec<Option<&str>> = f.groups.iter().map(|g| g.map(|(a, b)| &s[a..b])).collect();
    let chars: Vec<char> = rep.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        match chars.get(i) {
            Some('$') => {
                out.push('$');
                i += 1;
            }
            Some('0') => {
                out.push_str(&s[f.start..f.end]);
                i += 1;
            }
            _ => {
                let max_digits =
                    if groups.is_empty() { 1 } else { (groups.len() as f64).log10().floor() as usize + 1 };
                let digits: String =
                    chars[i..].iter().take(max_digits).take_while(|c| c.is_ascii_digit()).collect();
                let mut idx: Option<usize> = digits.parse().ok();
                let mut used = digits.len();
                if max_digits > 1 && idx.is_some_and(|x| x > groups.len()) {
                    let d2: String = digits.chars().take(max_digits - 1).collect();
                    idx = d2.parse().ok();
                    used = d2.len();
                }
                match idx {
                    Some(n) => {
                        if n >= 1 {
                            if let Some(Some(g)) = groups.get(n - 1) {
                                out.push_str(g);
                            }
                        }
                        i += used;
                    }
                    None => out.push('$'),
                }
            }
        }
    }
    out
}

pub(super) fn replace<'a>(
    ev: &mut Ev<'a, '_>,
    s: Val<'a>,
    pattern: Val<'a>,
    replacement: Val<'a>,
    limit: Val<'a>,
    env: FrameId,
) -> R<'a> {
    let Some(s) = s.as_str() else { return Ok(Val::Undef) };
    if pattern.as_str() == Some("") {
        return Err(Error::new("D3010", "Second argument of replace function cannot be an empty string"));
    }
    let limit = limit_of(&limit, "D3011")?;
    if limit == Some(0) {
        return Ok(Val::str(s));
    }
    if let Some(p) = pattern.as_str() {
        let rep = match replacement.as_str() {
            Some(r) => r.to_string(),
            None => String::new(),
        };
        let mut out = String::new();
        let mut pos = 0;
        let mut count = 0;
        while let Some(i) = s[pos..].find(p) {
            if limit.is_some_and(|l| count >= l) {
                break;
            }
            out.push_str(&s[pos..pos + i]);
            out.push_str(&rep);
            pos += i + p.len();
            count += 1;
        }
        out.push_str(&s[pos..]);
        return Ok(Val::string(out));
    }
    let found = matcher_matches(ev, &pattern, s, limit)?;
    let re = regex_of(&pattern);
    ev.charge(found.len() as u64)?;
    let mut out = String::new();
    let mut pos = 0;
    for f in &found {
        out.push_str(&s[pos..f.start]);
        if let Some(r) = replacement.as_str() {
            out.push_str(&expand_replacement(r, s, f));
        } else {
            let mobj = match &re {
                Some(re) => regex_match_object(re, s, f.start)?,
                None => Val::Undef,
            };
            let r = ev.apply(&replacement, vec![mobj], &Val::Undef, env)?;
            match r.as_str() {
                Some(x) => out.push_str(x),
                None => {
                    return Err(Error::new(
                        "D3012",
                        "Attempted to replace a matched string with a non-string value",
                    ))
                }
            }
        }
        pos = f.end;
    }
    out.push_str(&s[pos..]);
    Ok(Val::string(out))
}

pub(super) fn split<'a>(ev: &mut Ev<'a, '_>, s: Val<'a>, sep: Val<'a>, limit: Val<'a>) -> R<'a> {
    let Some(s) = s.as_str() else { return Ok(Val::Undef) };
    let limit = limit_of(&limit, "D3020")?;
    let mut out: Vec<Val<'a>> = Vec::new();
    if limit == Some(0) {
        return Ok(Val::arr(out));
    }
    if let Some(p) = sep.as_str() {
        if p.is_empty() {
            out = s.chars().map(|c| Val::string(c.to_string())).collect();
        } else {
            out = s.split(p).map(Val::str).collect();
        }
        if let Some(l) = limit {
            out.truncate(l);
        }
        ev.charge(out.len() as u64)?;
        return Ok(Val::arr(out));
    }
    let found = matcher_matches(ev, &sep, s, limit)?;
    let mut start = 0;
    for f in &found {
        out.push(Val::str(&s[start..f.start]));
        start = f.end;
    }
    if limit.is_none_or(|l| found.len() < l) {
        out.push(Val::str(&s[start..]));
    }
    ev.charge(out.len() as u64)?;
    Ok(Val::arr(out))
}

pub(super) fn join<'a>(strs: Val<'a>, sep: Val<'a>) -> R<'a> {
    if strs.is_undef() {
        return Ok(Val::Undef);
    }
    let sep = sep.as_str().unwrap_or("");
    let parts: Vec<String> = strs.members().iter().map(|v| v.as_str().unwrap_or("").to_string()).collect();
    Ok(Val::string(parts.join(sep)))
}

const COMPONENT_SAFE: &str = "-_.!~*'()";
const URI_SAFE: &str = "-_.!~*'();/?:@&=+$,#";

fn encode(s: &str, safe: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || safe.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn decode(s: &str, keep: &str) -> Result<String, Error> {
    let bad = || Error::new("D3140", format!("Malformed URL passed to function: {s}"));
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = s.get(i + 1..i + 3).ok_or_else(bad)?;
        let b = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
        if b < 0x80 {
            if keep.contains(b as char) {
                out.extend_from_slice(&bytes[i..i + 3]);
            } else {
                out.push(b);
            }
            i += 3;
            continue;
        }
        // a multi-byte sequence: all continuation bytes must be escaped too
        let n = match b {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => return Err(bad()),
        };
        let mut seq = vec![b];
        let mut j = i + 3;
        for _ in 1..n {
            if bytes.get(j) != Some(&b'%') {
                return Err(bad());
            }
            let hex = s.get(j + 1..j + 3).ok_or_else(bad)?;
            seq.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            j += 3;
        }
        let text = std::str::from_utf8(&seq).map_err(|_| bad())?;
        out.extend_from_slice(text.as_bytes());
        i = j;
    }
    String::from_utf8(out).map_err(|_| bad())
}

pub(super) fn encoding<'a>(b: Builtin, s: Val<'a>) -> R<'a> {
    let Some(s) = s.as_str() else { return Ok(Val::Undef) };
    Ok(Val::string(match b {
        Builtin::Base64Encode => base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
        Builtin::Base64Decode => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s.trim().as_bytes())
                .or_else(|_| {
                    base64::engine::general_purpose::STANDARD_NO_PAD
                        .decode(s.trim().trim_end_matches('=').as_bytes())
                })
                .map_err(|_| Error::new("D3137", "Invalid base64 string"))?;
            match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
            }
        }
        Builtin::EncodeUrlComponent => encode(s, COMPONENT_SAFE),
        Builtin::EncodeUrl => encode(s, URI_SAFE),
        Builtin::DecodeUrlComponent => decode(s, "")?,
        _ => decode(s, ";/?:@&=+$,#")?,
    }))
}
