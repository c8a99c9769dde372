//! Numeric functions: aggregates, `$number`, rounding (banker's, as upstream), `$power`,
//! `$formatBase` and `$formatNumber` (XPath F&O 4.7 picture strings).

use super::Builtin;
use crate::value::{js_number, Val};
use crate::Error;

type R<'a> = Result<Val<'a>, Error>;

pub(super) fn aggregate<'a>(b: Builtin, arr: Val<'a>) -> R<'a> {
    if arr.is_undef() {
        return Ok(if b == Builtin::Count { Val::Num(0.0) } else { Val::Undef });
    }
    let mut nums: Vec<f64> = Vec::with_capacity(arr.arr_len());
    arr.each_item(|v| nums.extend(v.as_num()));
    if !arr.is_array() {
        nums.extend(arr.as_num());
    }
    Ok(match b {
        Builtin::Count => Val::Num(arr.arr_len() as f64),
        Builtin::Sum => Val::Num(nums.iter().sum()),
        Builtin::Max => match nums.iter().copied().reduce(f64::max) {
            Some(m) => Val::Num(m),
            None => Val::Undef,
        },
        Builtin::Min => match nums.iter().copied().reduce(f64::min) {
            Some(m) => Val::Num(m),
            None => Val::Undef,
        },
        _ => {
            if nums.is_empty() {
                Val::Undef
            } else {
                Val::Num(nums.iter().sum::<f64>() / nums.len() as f64)
            }
        }
    })
}

fn is_decimal_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let ds = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == ds {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == fs {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es {
            return false;
        }
    }
    i == b.len()
}

pub(super) fn number<'a>(v: Val<'a>) -> R<'a> {
    let err = |v: &Val<'_>| {
        Error::new("D3030", format!("Unable to cast value to a number: {}", super::describe(v)))
    };
    Ok(match &v {
        Val::Undef => Val::Undef,
        Val::Num(n) => Val::Num(*n),
        Val::Bool(b) => Val::Num(if *b { 1.0 } else { 0.0 }),
        Val::Str(_) | Val::JStr(_) => {
            let s = v.as_str().unwrap_or("");
            if is_decimal_literal(s) {
                let n: f64 = s.parse().map_err(|_| err(&v))?;
                if !n.is_finite() {
                    return Err(err(&v));
                }
                Val::Num(n)
            } else {
                let radix = match s.get(..2) {
                    Some("0x") | Some("0X") => 16,
                    Some("0o") | Some("0O") => 8,
                    Some("0b") | Some("0B") => 2,
                    _ => return Err(err(&v)),
                };
                let digits = &s[2..];
                if digits.is_empty() {
                    return Err(err(&v));
                }
                match u64::from_str_radix(digits, radix) {
                    Ok(n) => Val::Num(n as f64),
                    Err(_) => return Err(err(&v)),
                }
            }
        }
        other => return Err(err(other)),
    })
}

pub(super) fn unary<'a>(b: Builtin, v: Val<'a>) -> R<'a> {
    let Some(n) = v.as_num() else { return Ok(Val::Undef) };
    Ok(Val::Num(match b {
        Builtin::Floor => n.floor(),
        Builtin::Ceil => n.ceil(),
        Builtin::Abs => n.abs(),
        _ => {
            if n < 0.0 {
                return Err(Error::new(
                    "D3060",
                    format!("The sqrt function cannot be applied to a negative number: {}", js_number(n)),
                ));
            }
            n.sqrt()
        }
    }))
}

fn shift(x: f64, by: i64) -> f64 {
    let s = js_number(x);
    let (m, e) = match s.split_once('e') {
        Some((m, e)) => (m.to_string(), e.trim_start_matches('+').parse::<i64>().unwrap_or(0)),
        None => (s, 0),
    };
    format!("{m}e{}", e + by).parse().unwrap_or(x)
}

/// Upstream `$round`: half to even, decimal shifting done on the string form.
pub(crate) fn round(x: f64, precision: i64) -> f64 {
    let mut arg = x;
    if precision != 0 {
        arg = shift(arg, precision);
    }
    let mut r = (arg + 0.5).floor();
    let diff = r - arg;
    if diff.abs() == 0.5 && (r % 2.0).abs() == 1.0 {
        r -= 1.0;
    }
    if precision != 0 {
        r = shift(r, -precision);
    }
    if r == 0.0 {
        r = 0.0;
    }
    r
}

pub(super) fn round_fn<'a>(v: Val<'a>, p: Val<'a>) -> R<'a> {
    let Some(n) = v.as_num() else { return Ok(Val::Undef) };
    let p = p.as_num().unwrap_or(0.0).trunc() as i64;
    Ok(Val::Num(round(n, p)))
}

pub(super) fn power<'a>(b: Val<'a>, e: Val<'a>) -> R<'a> {
    let Some(x) = b.as_num() else { return Ok(Val::Undef) };
    let y = e.as_num().unwrap_or(f64::NAN);
    let r = x.powf(y);
    if !r.is_finite() {
        return Err(Error::new("D3061", format!("The power function has resulted in a value that cannot be represented as a JSON number: base={}, exponent={}", js_number(x), js_number(y))));
    }
    Ok(Val::Num(r))
}

pub(super) fn format_base<'a>(v: Val<'a>, radix: Val<'a>) -> R<'a> {
    let Some(n) = v.as_num() else { return Ok(Val::Undef) };
    let n = round(n, 0);
    let radix = radix.as_num().map(|r| r.trunc()).unwrap_or(10.0);
    if !(2.0..=36.0).contains(&radix) {
        return Err(Error::new(
            "D3100",
            format!(
                "The radix of the formatBase function must be between 2 and 36.  It was given {}",
                js_number(radix)
            ),
        ));
    }
    Ok(Val::string(to_radix(n, radix as u32)))
}

pub(crate) fn to_radix(n: f64, radix: u32) -> String {
    let neg = n < 0.0;
    let mut x = n.abs();
    if x >= 1e21 {
        return js_number(n);
    }
    let mut digits = Vec::new();
    if x < 1.0 {
        digits.push('0');
    }
    while x >= 1.0 {
        let d = (x % radix as f64) as u32;
        digits.push(std::char::from_digit(d, radix).unwrap_or('0'));
        x = (x / radix as f64).floor();
    }
    if neg {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

struct Props {
    decimal: char,
    grouping: char,
    exponent: char,
    minus: String,
    percent: char,
    per_mille: char,
    zero: char,
    digit: char,
    pattern: char,
}

struct Parts {
    prefix: String,
    suffix: String,
    active: Vec<char>,
    mantissa: Vec<char>,
    exponent: Option<Vec<char>>,
    integer: Vec<char>,
    fraction: Vec<char>,
    sub: Vec<char>,
}

struct Pic {
    int_groups: Vec<usize>,
    regular: usize,
    min_int: usize,
    scaling: usize,
    prefix: String,
    frac_groups: Vec<usize>,
    min_frac: usize,
    max_frac: usize,
    min_exp: usize,
    suffix: String,
    sub: Vec<char>,
}

fn find(v: &[char], c: char) -> Option<usize> {
    v.iter().position(|x| *x == c)
}
fn rfind(v: &[char], c: char) -> Option<usize> {
    v.iter().rposition(|x| *x == c)
}

pub(super) fn format_number<'a>(v: Val<'a>, picture: Val<'a>, options: Val<'a>) -> R<'a> {
    let Some(value) = v.as_num() else { return Ok(Val::Undef) };
    let picture = picture.as_str().unwrap_or("").to_string();
    let opt = |k: &str, d: &str| -> String {
        options.obj_get(k).as_str().map(|s| s.to_string()).unwrap_or_else(|| d.to_string())
    };
    let first = |s: String, d: char| s.chars().next().unwrap_or(d);
    let p = Props {
        decimal: first(opt("decimal-separator", "."), '.'),
        grouping: first(opt("grouping-separator", ","), ','),
        exponent: first(opt("exponent-separator", "e"), 'e'),
        minus: opt("minus-sign", "-"),
        percent: first(opt("percent", "%"), '%'),
        per_mille: first(opt("per-mille", "\u{2030}"), '\u{2030}'),
        zero: first(opt("zero-digit", "0"), '0'),
        digit: first(opt("digit", "#"), '#'),
        pattern: first(opt("pattern-separator", ";"), ';'),
    };
    let family: Vec<char> = (0..10).filter_map(|i| char::from_u32(p.zero as u32 + i)).collect();
    let is_digit = |c: char| family.contains(&c);
    let mut active_chars = family.clone();
    active_chars.extend([p.decimal, p.exponent, p.grouping, p.digit, p.pattern]);
    let is_active = |c: char| active_chars.contains(&c);

    let subs: Vec<Vec<char>> = picture.split(p.pattern).map(|s| s.chars().collect()).collect();
    if subs.len() > 2 {
        return Err(Error::new(
            "D3080",
            "The format-number picture string must not contain more than one pattern separator",
        ));
    }
    let split_parts = |sub: &Vec<char>| -> Parts {
        let pre_end = sub.iter().position(|c| is_active(*c) && *c != p.exponent).unwrap_or(sub.len());
        let prefix: String = sub[..pre_end].iter().collect();
        let suf_start =
            sub.iter().rposition(|c| is_active(*c) && *c != p.exponent).map(|i| i + 1).unwrap_or(sub.len());
        let suf_start = suf_start.max(pre_end);
        let suffix: String = sub[suf_start..].iter().collect();
        let active: Vec<char> = sub[pre_end..suf_start].to_vec();
        let exp_pos = sub.iter().skip(pre_end).position(|c| *c == p.exponent).map(|i| i + pre_end);
        let (mantissa, exponent) = match exp_pos {
            Some(e) if e <= suf_start => {
                let rel = e - pre_end;
                (
                    active[..rel.min(active.len())].to_vec(),
                    Some(active[(rel + 1).min(active.len())..].to_vec()),
                )
            }
            _ => (active.clone(), None),
        };
        let (integer, fraction) = match find(&mantissa, p.decimal) {
            None => (mantissa.clone(), suffix.chars().collect()),
            Some(d) => (mantissa[..d].to_vec(), mantissa[d + 1..].to_vec()),
        };
        Parts { prefix, suffix, active, mantissa, exponent, integer, fraction, sub: sub.clone() }
    };
    let parts: Vec<Parts> = subs.iter().map(split_parts).collect();
    for parts in &parts {
        let sub = &parts.sub;
        if !sub.iter().any(|c| is_active(*c)) {
            return Err(Error::new("D3086", "The picture string has no digits or active characters"));
        }
        let mut error = None;
        let dpos = find(sub, p.decimal);
        if dpos != rfind(sub, p.decimal) {
            error = Some("D3081");
        }
        if find(sub, p.percent) != rfind(sub, p.percent) {
            error = Some("D3082");
        }
        if find(sub, p.per_mille) != rfind(sub, p.per_mille) {
            error = Some("D3083");
        }
        if find(sub, p.percent).is_some() && find(sub, p.per_mille).is_some() {
            error = Some("D3084");
        }
        if !parts.mantissa.iter().any(|c| is_digit(*c) || *c == p.digit) {
            error = Some("D3085");
        }
        if parts.active.iter().any(|c| !is_active(*c)) {
            error = Some("D3086");
        }
        match dpos {
            Some(d) => {
                if (d > 0 && sub.get(d - 1) == Some(&p.grouping)) || sub.get(d + 1) == Some(&p.grouping) {
                    error = Some("D3087");
                }
            }
            None => {
                if parts.integer.last() == Some(&p.grouping) {
                    error = Some("D3088");
                }
            }
        }
        if sub.windows(2).any(|w| w[0] == p.grouping && w[1] == p.grouping) {
            error = Some("D3089");
        }
        if let Some(o) = find(&parts.integer, p.digit) {
            if parts.integer[..o].iter().any(|c| is_digit(*c)) {
                error = Some("D3090");
            }
        }
        if let Some(o) = rfind(&parts.fraction, p.digit) {
            if parts.fraction[o..].iter().any(|c| is_digit(*c)) {
                error = Some("D3091");
            }
        }
        if let Some(e) = &parts.exponent {
            if !e.is_empty() && (find(sub, p.percent).is_some() || find(sub, p.per_mille).is_some()) {
                error = Some("D3092");
            }
            if e.is_empty() || e.iter().any(|c| !is_digit(*c)) {
                error = Some("D3093");
            }
        }
        if let Some(code) = error {
            return Err(Error::new(code, "Invalid picture string for function formatNumber"));
        }
    }
    let analyse = |parts: &Parts| -> Pic {
        let grouping_positions = |part: &[char], to_left: bool| -> Vec<usize> {
            let mut out = Vec::new();
            let mut pos = find(part, p.grouping);
            while let Some(g) = pos {
                let slice = if to_left { &part[..g] } else { &part[g..] };
                out.push(slice.iter().filter(|c| is_digit(**c) || **c == p.digit).count());
                pos = parts.integer.iter().skip(g + 1).position(|c| *c == p.grouping).map(|i| i + g + 1);
                if pos.is_some_and(|x| x >= part.len()) {
                    break;
                }
            }
            out
        };
        let int_groups = grouping_positions(&parts.integer, false);
        let regular = if int_groups.is_empty() {
            0
        } else {
            fn gcd(a: usize, b: usize) -> usize {
                if b == 0 {
                    a
                } else {
                    gcd(b, a % b)
                }
            }
            let factor = int_groups.iter().copied().reduce(gcd).unwrap_or(0);
            if factor > 0 && (1..=int_groups.len()).all(|i| int_groups.contains(&(i * factor))) {
                factor
            } else {
                0
            }
        };
        let frac_groups = grouping_positions(&parts.fraction, true);
        let mut min_int = parts.integer.iter().filter(|c| is_digit(**c)).count();
        let scaling = min_int;
        let mut min_frac = parts.fraction.iter().filter(|c| is_digit(**c)).count();
        let mut max_frac = parts.fraction.iter().filter(|c| is_digit(**c) || **c == p.digit).count();
        let exp_present = parts.exponent.is_some();
        if min_int == 0 && max_frac == 0 {
            if exp_present {
                min_frac = 1;
                max_frac = 1;
            } else {
                min_int = 1;
            }
        }
        if exp_present && min_int == 0 && find(&parts.integer, p.digit).is_some() {
            min_int = 1;
        }
        if min_int == 0 && min_frac == 0 {
            min_frac = 1;
        }
        let min_exp =
            parts.exponent.as_ref().map(|e| e.iter().filter(|c| is_digit(**c)).count()).unwrap_or(0);
        Pic {
            int_groups,
            regular,
            min_int,
            scaling,
            prefix: parts.prefix.clone(),
            frac_groups,
            min_frac,
            max_frac,
            min_exp,
            suffix: parts.suffix.clone(),
            sub: parts.sub.clone(),
        }
    };
    let mut pics: Vec<Pic> = parts.iter().map(analyse).collect();
    if pics.len() == 1 {
        let mut neg = analyse(&parts[0]);
        neg.prefix = format!("{}{}", p.minus, neg.prefix);
        pics.push(neg);
    }
    let pic = if value >= 0.0 { &pics[0] } else { &pics[1] };
    let adjusted = if find(&pic.sub, p.percent).is_some() {
        value * 100.0
    } else if find(&pic.sub, p.per_mille).is_some() {
        value * 1000.0
    } else {
        value
    };
    let (mantissa, exponent) = if pic.min_exp == 0 {
        (adjusted, None)
    } else {
        let max_m = 10f64.powi(pic.scaling as i32);
        let min_m = 10f64.powi(pic.scaling as i32 - 1);
        let mut m = adjusted;
        let mut e = 0i32;
        if m != 0.0 {
            while m.abs() < min_m {
                m *= 10.0;
                e -= 1;
            }
            while m.abs() > max_m {
                m /= 10.0;
                e += 1;
            }
        }
        (m, Some(e))
    };
    let rounded = round(mantissa, pic.max_frac as i64);
    let make_string = |v: f64, dp: usize| -> Vec<char> {
        let s = format!("{:.*}", dp, v.abs());
        s.chars().map(|c| if c.is_ascii_digit() { family[(c as u8 - b'0') as usize] } else { c }).collect()
    };
    let mut sv = make_string(rounded, pic.max_frac);
    match find(&sv, '.') {
        None => sv.push(p.decimal),
        Some(i) => sv[i] = p.decimal,
    }
    while sv.first() == Some(&p.zero) {
        sv.remove(0);
    }
    while sv.last() == Some(&p.zero) {
        sv.pop();
    }
    let dpos = find(&sv, p.decimal).unwrap_or(sv.len());
    let pad_left = pic.min_int as i64 - dpos as i64;
    let pad_right = pic.min_frac as i64 - (sv.len() as i64 - dpos as i64 - 1);
    if pad_left > 0 {
        let mut v = vec![p.zero; pad_left as usize];
        v.extend(sv);
        sv = v;
    }
    if pad_right > 0 {
        sv.extend(std::iter::repeat_n(p.zero, pad_right as usize));
    }
    let mut dpos = find(&sv, p.decimal).unwrap_or(sv.len());
    if pic.regular > 0 {
        let groups = dpos.saturating_sub(1).checked_div(pic.regular).unwrap_or(0);
        for g in 1..=groups {
            let at = dpos - g * pic.regular;
            sv.insert(at, p.grouping);
        }
    } else {
        for pos in &pic.int_groups {
            if *pos <= dpos {
                sv.insert(dpos - pos, p.grouping);
                dpos += 1;
            }
        }
    }
    let dpos = find(&sv, p.decimal).unwrap_or(sv.len());
    for pos in &pic.frac_groups {
        let at = pos + dpos + 1;
        if at <= sv.len() {
            sv.insert(at, p.grouping);
        }
    }
    if let Some(d) = find(&sv, p.decimal) {
        if d == sv.len() - 1 {
            sv.pop();
        }
    }
    let mut out: String = sv.into_iter().collect();
    if let Some(e) = exponent {
        let mut es: String = make_string(e as f64, 0).into_iter().collect();
        let pad = pic.min_exp as i64 - es.chars().count() as i64;
        if pad > 0 {
            es = format!("{}{}", p.zero.to_string().repeat(pad as usize), es);
        }
        out = format!("{out}{}{}{es}", p.exponent, if e < 0 { p.minus.as_str() } else { "" });
    }
    Ok(Val::string(format!("{}{}{}", pic.prefix, out, pic.suffix)))
}
