//! Date/time pictures (XPath F&O 9.8): `$fromMillis` formatting, `$toMillis` parsing (ISO 8601
//! and pictures), on the proleptic Gregorian calendar in UTC with fixed offsets. No clock is
//! read here: `$now()` passes the evaluation's instant in.

use crate::format::{analyse_integer_picture, format_integer, integer_regex, parse_with, Case, IntFormat};
use crate::value::Val;
use crate::Error;

const DAY: i64 = 86_400_000;
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 8] = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// JavaScript `Date.UTC` (month zero-based, overflowing fields carried).
pub(crate) fn date_utc(y: f64, m0: f64, d: f64, h: f64, mi: f64, s: f64, ms: f64) -> f64 {
    let ym = y + (m0 / 12.0).floor();
    let mn = m0.rem_euclid(12.0);
    let days = days_from_civil(ym as i64, mn as i64 + 1, 1) as f64 + d - 1.0;
    days * DAY as f64 + h * 3_600_000.0 + mi * 60_000.0 + s * 1000.0 + ms
}

struct Parts {
    year: i64,
    month0: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    milli: i64,
    weekday: i64, // 0 = Sunday
    days: i64,
}

fn parts(ms: i64) -> Parts {
    let days = ms.div_euclid(DAY);
    let rem = ms.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days);
    Parts {
        year: y,
        month0: m - 1,
        day: d,
        hour: rem / 3_600_000,
        minute: rem / 60_000 % 60,
        second: rem / 1000 % 60,
        milli: rem % 1000,
        weekday: (days + 4).rem_euclid(7),
        days,
    }
}

fn start_of_first_week(year: i64, month0: i64) -> i64 {
    let jan1 = date_utc(year as f64, month0 as f64, 1.0, 0.0, 0.0, 0.0, 0.0) as i64;
    let mut dow = parts(jan1).weekday;
    if dow == 0 {
        dow = 7;
    }
    if dow > 4 {
        jan1 + (8 - dow) * DAY
    } else {
        jan1 - (dow - 1) * DAY
    }
}

fn next_month(y: i64, m: i64) -> (i64, i64) {
    if m == 11 {
        (y + 1, 0)
    } else {
        (y, m + 1)
    }
}
fn prev_month(y: i64, m: i64) -> (i64, i64) {
    if m == 0 {
        (y - 1, 11)
    } else {
        (y, m - 1)
    }
}

fn delta_weeks(start: i64, end: i64) -> f64 {
    (end - start) as f64 / (DAY * 7) as f64 + 1.0
}

fn fragment(ms: i64, c: char) -> FragVal {
    let p = parts(ms);
    FragVal::Num(match c {
        'Y' => p.year,
        'M' => p.month0 + 1,
        'D' => p.day,
        'd' => p.days - days_from_civil(p.year, 1, 1) + 1,
        'F' => {
            if p.weekday == 0 {
                7
            } else {
                p.weekday
            }
        }
        'W' => {
            let mut s1 = start_of_first_week(p.year, 0);
            let next = start_of_first_week(p.year + 1, 0);
            if ms >= next {
                s1 = next;
            } else if ms < s1 {
                s1 = start_of_first_week(p.year - 1, 0);
            }
            delta_weeks(s1, ms).floor() as i64
        }
        'X' => {
            let s = start_of_first_week(p.year, 0);
            let e = start_of_first_week(p.year + 1, 0);
            if ms < s {
                p.year - 1
            } else if ms >= e {
                p.year + 1
            } else {
                p.year
            }
        }
        'w' => {
            let mut s1 = start_of_first_week(p.year, p.month0);
            let (ny, nm) = next_month(p.year, p.month0);
            let next = start_of_first_week(ny, nm);
            if ms >= next {
                s1 = next;
            } else if ms < s1 {
                let (py, pm) = prev_month(p.year, p.month0);
                s1 = start_of_first_week(py, pm);
            }
            delta_weeks(s1, ms).floor() as i64
        }
        'x' => {
            let s = start_of_first_week(p.year, p.month0);
            let (ny, nm) = next_month(p.year, p.month0);
            let e = start_of_first_week(ny, nm);
            if ms < s {
                prev_month(p.year, p.month0).1 + 1
            } else if ms >= e {
                nm + 1
            } else {
                p.month0 + 1
            }
        }
        'H' => p.hour,
        'h' => {
            let h = p.hour % 12;
            if h == 0 {
                12
            } else {
                h
            }
        }
        'P' => return FragVal::Str(if p.hour >= 12 { "pm" } else { "am" }),
        'm' => p.minute,
        's' => p.second,
        'f' => p.milli,
        'C' | 'E' => return FragVal::Str("ISO"),
        _ => 0,
    })
}

enum FragVal {
    Num(i64),
    Str(&'static str),
}

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Marker(Marker),
}

#[derive(Debug, Clone)]
struct Marker {
    component: char,
    pres1: String,
    pres2: Option<char>,
    names: Option<Case>,
    int: Option<IntFormat>,
    width: Option<(Option<usize>, Option<usize>)>,
    n: i64,
}

fn default_presentation(c: char) -> Option<&'static str> {
    Some(match c {
        'Y' | 'M' | 'D' | 'd' | 'W' | 'w' | 'X' | 'x' | 'H' | 'h' | 'f' => "1",
        'F' | 'P' | 'C' | 'E' => "n",
        'm' | 's' => "01",
        'Z' | 'z' => "01:01",
        _ => return None,
    })
}

fn analyse_picture(picture: &str) -> Result<Vec<Part>, Error> {
    let chars: Vec<char> = picture.chars().collect();
    let mut spec = Vec::new();
    let add_literal = |spec: &mut Vec<Part>, s: usize, e: usize| {
        if e > s {
            let lit: String = chars[s..e].iter().collect();
            spec.push(Part::Literal(lit.replace("]]", "]")));
        }
    };
    let (mut start, mut pos) = (0, 0);
    while pos < chars.len() {
        if chars[pos] == '[' {
            if chars.get(pos + 1) == Some(&'[') {
                add_literal(&mut spec, start, pos);
                spec.push(Part::Literal("[".into()));
                pos += 2;
                start = pos;
                continue;
            }
            add_literal(&mut spec, start, pos);
            start = pos;
            let Some(close) = chars[start..].iter().position(|c| *c == ']').map(|i| i + start) else {
                return Err(Error::new(
                    "D3135",
                    "No matching closing bracket ']' in date/time picture string",
                ));
            };
            pos = close;
            let marker: String = chars[start + 1..pos].iter().filter(|c| !c.is_whitespace()).collect();
            let mchars: Vec<char> = marker.chars().collect();
            let component = mchars.first().copied().unwrap_or(' ');
            let mut width = None;
            let pres: String = match marker.rfind(',') {
                Some(comma) => {
                    let wm = &marker[comma + 1..];
                    let parse_w = |s: &str| -> Option<usize> {
                        if s == "*" || s.is_empty() {
                            None
                        } else {
                            let v = crate::format::parse_int_prefix(s);
                            if v.is_nan() {
                                None
                            } else {
                                Some(v.max(0.0) as usize)
                            }
                        }
                    };
                    width = Some(match wm.find('-') {
                        None => (parse_w(wm), None),
                        Some(d) => (parse_w(&wm[..d]), parse_w(&wm[d + 1..])),
                    });
                    marker[component.len_utf8()..comma].to_string()
                }
                None => marker.get(component.len_utf8()..).unwrap_or("").to_string(),
            };
            let mut m =
                Marker { component, pres1: String::new(), pres2: None, names: None, int: None, width, n: -1 };
            let pc: Vec<char> = pres.chars().collect();
            if pc.len() == 1 {
                m.pres1 = pres.clone();
            } else if pc.len() > 1 {
                let last = pc[pc.len() - 1];
                if "atco".contains(last) {
                    m.pres2 = Some(last);
                    m.pres1 = pc[..pc.len() - 1].iter().collect();
                } else {
                    m.pres1 = pres.clone();
                }
            } else {
                match default_presentation(component) {
                    Some(p) => m.pres1 = p.to_string(),
                    None => {
                        return Err(Error::new(
                            "D3132",
                            format!("Unknown component specifier {component} in date/time picture string"),
                        ))
                    }
                }
            }
            if default_presentation(component).is_none() {
                return Err(Error::new(
                    "D3132",
                    format!("Unknown component specifier {component} in date/time picture string"),
                ));
            }
            let p1: Vec<char> = m.pres1.chars().collect();
            if p1.first() == Some(&'n') {
                m.names = Some(Case::Lower);
            } else if p1.first() == Some(&'N') {
                m.names = Some(if p1.get(1) == Some(&'n') { Case::Title } else { Case::Upper });
            } else if "YMDdFWwXxHhmsf".contains(component) {
                let mut pat = m.pres1.clone();
                if let Some(p2) = m.pres2 {
                    pat.push(';');
                    pat.push(p2);
                }
                let mut f = analyse_integer_picture(&pat)?;
                if let Some((Some(min), _)) = m.width {
                    if f.mandatory < min {
                        f.mandatory = min;
                    }
                }
                if component == 'Y' {
                    m.n = -1;
                    if let Some((_, Some(max))) = m.width {
                        m.n = max as i64;
                        f.mandatory = max;
                    } else {
                        let w = f.mandatory + f.optional;
                        if w >= 2 {
                            m.n = w as i64;
                        }
                    }
                }
                m.int = Some(f);
            }
            if component == 'Z' || component == 'z' {
                m.int = Some(analyse_integer_picture(&m.pres1)?);
            }
            spec.push(Part::Marker(m));
            start = pos + 1;
        }
        pos += 1;
    }
    add_literal(&mut spec, start, chars.len());
    Ok(spec)
}

fn format_component(ms: i64, m: &Marker, off_h: i64, off_m: i64) -> Result<String, Error> {
    let c = m.component;
    if "YMDdFWwXxHhms".contains(c) {
        let FragVal::Num(mut v) = fragment(ms, c) else { return Ok(String::new()) };
        if c == 'Y' && m.n != -1 {
            v %= 10i64.pow(m.n.clamp(0, 18) as u32);
        }
        if let Some(case) = m.names {
            let mut name = match c {
                'M' | 'x' => MONTHS.get((v - 1).clamp(0, 11) as usize).copied().unwrap_or("").to_string(),
                'F' => DAYS.get(v.clamp(0, 7) as usize).copied().unwrap_or("").to_string(),
                _ => return Err(Error::new("D3133", format!("The 'name' modifier can only be applied to months and days in the date/time picture string, not {c}"))),
            };
            name = match case {
                Case::Upper => name.to_uppercase(),
                Case::Lower => name.to_lowercase(),
                Case::Title => name,
            };
            if let Some((_, Some(max))) = m.width {
                if name.chars().count() > max {
                    name = name.chars().take(max).collect();
                }
            }
            return Ok(name);
        }
        let f = m.int.as_ref().ok_or_else(|| Error::new("D3132", "Invalid date/time picture"))?;
        return format_integer(v as f64, f);
    }
    match c {
        'f' => {
            let FragVal::Num(v) = fragment(ms, c) else { return Ok(String::new()) };
            let f = m.int.as_ref().ok_or_else(|| Error::new("D3132", "Invalid date/time picture"))?;
            format_integer(v as f64, f)
        }
        'Z' | 'z' => {
            let offset = off_h * 100 + off_m;
            let f = m.int.as_ref().ok_or_else(|| Error::new("D3132", "Invalid date/time picture"))?;
            let mut s = if f.regular > 0 {
                format_integer(offset as f64, f)?
            } else {
                match f.mandatory {
                    1 | 2 => {
                        let mut s = format_integer(off_h as f64, f)?;
                        if off_m != 0 {
                            let two = analyse_integer_picture("00")?;
                            s = format!("{s}:{}", format_integer(off_m as f64, &two)?);
                        }
                        s
                    }
                    3 | 4 => format_integer(offset as f64, f)?,
                    n => {
                        return Err(Error::new(
                            "D3134",
                            format!(
                            "The timezone integer format specifier cannot have more than four digits: {n}"
                        ),
                        ))
                    }
                }
            };
            if offset >= 0 {
                s = format!("+{s}");
            }
            if c == 'z' {
                s = format!("GMT{s}");
            }
            if offset == 0 && m.pres2 == Some('t') {
                s = "Z".into();
            }
            Ok(s)
        }
        'P' => {
            let FragVal::Str(s) = fragment(ms, c) else { return Ok(String::new()) };
            Ok(if m.names == Some(Case::Upper) { s.to_uppercase() } else { s.to_string() })
        }
        _ => match fragment(ms, c) {
            FragVal::Str(s) => Ok(s.to_string()),
            FragVal::Num(n) => Ok(n.to_string()),
        },
    }
}

const ISO_PICTURE: &str = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";
const MAX_MILLIS: f64 = 8.64e15;

pub(crate) fn from_millis_fn<'a>(millis: Val<'a>, picture: Val<'a>, tz: Val<'a>) -> Result<Val<'a>, Error> {
    let Some(ms) = millis.as_num() else { return Ok(Val::Undef) };
    if !ms.is_finite() || ms.abs() > MAX_MILLIS {
        return Err(Error::new("D3110", "The millis value is out of range for a date"));
    }
    let ms = ms.trunc() as i64;
    let pic = match (picture.as_str(), tz.as_str()) {
        (None, None) => return Ok(Val::string(iso_string(ms))),
        (None, Some(_)) => ISO_PICTURE.to_string(),
        (Some(p), _) => p.to_string(),
    };
    let (mut off_h, mut off_m) = (0, 0);
    if let Some(t) = tz.as_str() {
        let off = crate::format::parse_int_prefix(t);
        if !off.is_nan() {
            let off = off as i64;
            off_h = off.div_euclid(100);
            off_m = off % 100;
        }
    }
    let spec = analyse_picture(&pic)?;
    let shifted = ms + (off_h * 60 + off_m) * 60_000;
    let mut out = String::new();
    for p in &spec {
        match p {
            Part::Literal(s) => out.push_str(s),
            Part::Marker(m) => out.push_str(&format_component(shifted, m, off_h, off_m)?),
        }
    }
    Ok(Val::string(out))
}

fn iso_string(ms: i64) -> String {
    let p = parts(ms);
    let y = if (0..=9999).contains(&p.year) {
        format!("{:04}", p.year)
    } else if p.year < 0 {
        format!("-{:06}", -p.year)
    } else {
        format!("+{:06}", p.year)
    };
    format!(
        "{y}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        p.month0 + 1,
        p.day,
        p.hour,
        p.minute,
        p.second,
        p.milli
    )
}

/// Upstream's ISO 8601 check before `Date.parse`.
fn parse_iso(s: &str) -> Option<f64> {
    let re = fancy_regex::Regex::new(
        r"^(\d{4})(?:-([01]\d))?(?:-([0-3]\d))?(?:T([0-2]\d):([0-5]\d)(?::([0-5]\d))?(\.\d+)?)?([+-][0-2]\d:?[0-5]\d|Z)?$",
    )
    .ok()?;
    let c = re.captures(s).ok()??;
    let num = |i: usize, d: f64| c.get(i).and_then(|m| m.as_str().parse::<f64>().ok()).unwrap_or(d);
    let y = num(1, 1970.0);
    let mo = num(2, 1.0);
    let d = num(3, 1.0);
    if !(1.0..=12.0).contains(&mo) || !(1.0..=31.0).contains(&d) {
        return None;
    }
    let h = num(4, 0.0);
    let mi = num(5, 0.0);
    let sec = num(6, 0.0);
    if h > 24.0 {
        return None;
    }
    let frac = c.get(7).map(|m| m.as_str()).unwrap_or("");
    let ms = if frac.len() > 1 {
        let digits: String = frac[1..].chars().chain("000".chars()).take(3).collect();
        digits.parse::<f64>().unwrap_or(0.0)
    } else {
        0.0
    };
    let mut t = date_utc(y, mo - 1.0, d, h, mi, sec, ms);
    if let Some(z) = c.get(8).map(|m| m.as_str()) {
        if z != "Z" {
            let sign = if z.starts_with('-') { -1.0 } else { 1.0 };
            let digits: String = z[1..].chars().filter(|c| c.is_ascii_digit()).collect();
            let oh: f64 = digits.get(..2).and_then(|x| x.parse().ok()).unwrap_or(0.0);
            let om: f64 = digits.get(2..4).and_then(|x| x.parse().ok()).unwrap_or(0.0);
            t -= sign * (oh * 60.0 + om) * 60_000.0;
        }
    }
    Some(t)
}

pub(crate) fn to_millis_fn<'a>(ts: Val<'a>, picture: Val<'a>, now: i64) -> Result<Val<'a>, Error> {
    let Some(s) = ts.as_str() else { return Ok(Val::Undef) };
    match picture.as_str() {
        None => {
            let ok = fancy_regex::Regex::new(
                r"^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$",
            )
            .ok()
            .and_then(|r| r.is_match(s).ok())
            .unwrap_or(false);
            if !ok {
                return Err(Error::new(
                    "D3110",
                    format!("The timestamp {s} cannot be parsed. It is not in ISO 8601 format"),
                ));
            }
            Ok(match parse_iso(s) {
                Some(t) => Val::Num(t),
                None => Val::Undef,
            })
        }
        Some(p) => parse_date_time(s, p, now),
    }
}

fn escape_regex(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if ".*+?^${}()|[]\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

enum Parser {
    None,
    Int(IntFormat),
    Names(Vec<(String, i64)>),
    Tz { z: bool, sep: Option<char> },
}

fn parse_date_time<'a>(ts: &str, picture: &str, now: i64) -> Result<Val<'a>, Error> {
    let spec = analyse_picture(picture)?;
    let mut regex = String::from("^");
    let mut parsers: Vec<(char, Parser)> = Vec::new();
    for p in &spec {
        match p {
            Part::Literal(l) => {
                regex.push_str(&format!("({})", escape_regex(l)));
                parsers.push((' ', Parser::None));
            }
            Part::Marker(m) if m.component == 'Z' || m.component == 'z' => {
                let f = m.int.as_ref().ok_or_else(|| Error::new("D3132", "Invalid picture"))?;
                let sep = if f.regular > 0 { f.separators.first().map(|s| s.1) } else { None };
                let mut r = String::new();
                if m.component == 'z' {
                    r.push_str("GMT");
                }
                r.push_str("[-+][0-9]+");
                if let Some(c) = sep {
                    r.push_str(&escape_regex(&c.to_string()));
                    r.push_str("[0-9]+");
                }
                regex.push_str(&format!("({r})"));
                parsers.push((m.component, Parser::Tz { z: m.component == 'z', sep }));
            }
            Part::Marker(m) => {
                if let Some(f) = &m.int {
                    let mut f = f.clone();
                    f.n = if m.n > 0 { Some(m.n as usize) } else { None };
                    regex.push_str(&format!("({})", integer_regex(&f)?));
                    parsers.push((m.component, Parser::Int(f)));
                } else {
                    let max = m.width.and_then(|w| w.1);
                    let cut = |s: &str| match max {
                        Some(n) => s.chars().take(n).collect(),
                        None => s.to_string(),
                    };
                    let names: Vec<(String, i64)> = match m.component {
                        'M' | 'x' => MONTHS.iter().enumerate().map(|(i, n)| (cut(n), i as i64 + 1)).collect(),
                        'F' => DAYS.iter().enumerate().skip(1).map(|(i, n)| (cut(n), i as i64)).collect(),
                        'P' => vec![("am".into(), 0), ("pm".into(), 1)],
                        c => {
                            return Err(Error::new("D3133", format!("The 'name' modifier can only be applied to months and days in the date/time picture string, not {c}")))
                        }
                    };
                    regex.push_str("([a-zA-Z]+)");
                    parsers.push((m.component, Parser::Names(names)));
                }
            }
        }
    }
    regex.push('$');
    let re = fancy_regex::RegexBuilder::new(&format!("(?i){regex}"))
        .build()
        .map_err(|e| Error::new("D3136", format!("Invalid date/time picture: {e}")))?;
    let Some(caps) = re.captures(ts).ok().flatten() else { return Ok(Val::Undef) };
    let mut comps: std::collections::HashMap<char, f64> = std::collections::HashMap::new();
    for (i, (c, p)) in parsers.iter().enumerate() {
        let text = caps.get(i + 1).map(|m| m.as_str()).unwrap_or("");
        let v = match p {
            Parser::None => continue,
            Parser::Int(_) if *c == 'f' => {
                let digits: String =
                    text.chars().filter(|c| c.is_ascii_digit()).chain("000".chars()).take(3).collect();
                digits.parse::<f64>().unwrap_or(f64::NAN)
            }
            Parser::Int(f) => parse_with(f, text)?,
            Parser::Names(names) => match names.iter().find(|(n, _)| n.eq_ignore_ascii_case(text)) {
                Some((_, v)) => *v as f64,
                None => f64::NAN,
            },
            Parser::Tz { z, sep } => {
                let t = if *z { &text[3.min(text.len())..] } else { text };
                let (h, m) = match sep {
                    Some(c) => {
                        let i = t.find(*c).unwrap_or(t.len());
                        (
                            crate::format::parse_int_prefix(&t[..i]),
                            crate::format::parse_int_prefix(t.get(i + 1..).unwrap_or("")),
                        )
                    }
                    None => {
                        if t.len() <= 3 {
                            (crate::format::parse_int_prefix(t), 0.0)
                        } else {
                            (
                                crate::format::parse_int_prefix(&t[..3]),
                                crate::format::parse_int_prefix(&t[3..]),
                            )
                        }
                    }
                };
                h * 60.0 + m
            }
        };
        comps.insert(*c, v);
    }
    if comps.is_empty() {
        return Ok(Val::Undef);
    }
    let has = |comps: &std::collections::HashMap<char, f64>, c: char| comps.contains_key(&c);
    let mask_of = |comps: &std::collections::HashMap<char, f64>, order: &str| -> u32 {
        order.chars().fold(0, |m, c| (m << 1) | has(comps, c) as u32)
    };
    let is_type = |t: u32, mask: u32| (!t & mask) == 0 && (t & mask) != 0;
    let dmask = mask_of(&comps, "YXMxWwdD");
    let date_a = is_type(161, dmask);
    let date_b = !date_a && is_type(130, dmask);
    let date_c = is_type(84, dmask);
    let date_d = !date_c && is_type(72, dmask);
    let tmask = mask_of(&comps, "PHhmsf");
    let time_a = is_type(23, tmask);
    let time_b = !time_a && is_type(47, tmask);
    let date_comps = if date_b {
        "YD"
    } else if date_c {
        "XxwF"
    } else if date_d {
        "XWF"
    } else {
        "YMD"
    };
    let time_comps = if time_b { "Phmsf" } else { "Hmsf" };
    let mut start = false;
    let mut end = false;
    for c in format!("{date_comps}{time_comps}").chars() {
        if let std::collections::hash_map::Entry::Vacant(slot) = comps.entry(c) {
            if start {
                slot.insert(if "MDd".contains(c) { 1.0 } else { 0.0 });
                end = true;
            } else {
                let v = match fragment(now, c) {
                    FragVal::Num(n) => n as f64,
                    FragVal::Str(s) => {
                        if s == "pm" {
                            1.0
                        } else {
                            0.0
                        }
                    }
                };
                slot.insert(v);
            }
        } else {
            start = true;
            if end {
                return Err(Error::new(
                    "D3136",
                    "The date/time picture string is missing specifiers required to parse the timestamp",
                ));
            }
        }
    }
    let g = |c: char| comps.get(&c).copied().unwrap_or(0.0);
    let mut month0 = if g('M') > 0.0 { g('M') - 1.0 } else { 0.0 };
    let mut day = g('D');
    if date_b {
        let first = date_utc(g('Y'), 0.0, 1.0, 0.0, 0.0, 0.0, 0.0);
        let derived = (first + (g('d') - 1.0) * DAY as f64) as i64;
        let p = parts(derived);
        month0 = p.month0 as f64;
        day = p.day as f64;
    }
    if date_c || date_d {
        return Err(Error::new(
            "D3136",
            "The date/time picture string is missing specifiers required to parse the timestamp",
        ));
    }
    let mut hour = g('H');
    if time_b {
        hour = if g('h') == 12.0 { 0.0 } else { g('h') };
        if g('P') == 1.0 {
            hour += 12.0;
        }
    }
    let mut millis = date_utc(g('Y'), month0, day, hour, g('m'), g('s'), g('f'));
    let tz = comps.get(&'Z').or(comps.get(&'z')).copied().unwrap_or(0.0);
    if tz != 0.0 {
        millis -= tz * 60_000.0;
    }
    if millis.is_nan() {
        return Ok(Val::Undef);
    }
    Ok(Val::Num(millis))
}
