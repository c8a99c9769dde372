//! Integer pictures (XPath F&O 4.6): `$formatInteger`, `$parseInteger`, and the integer parts
//! of date/time pictures — decimal digit patterns with grouping, letters, roman numerals and
//! English words (cardinal and ordinal).

use crate::value::Val;
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Primary {
    Decimal,
    Letters,
    Roman,
    Words,
    Sequence,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Case {
    Upper,
    Lower,
    Title,
}

#[derive(Debug, Clone)]
pub(crate) struct IntFormat {
    pub(crate) primary: Primary,
    pub(crate) case: Case,
    pub(crate) ordinal: bool,
    pub(crate) zero: u32,
    pub(crate) mandatory: usize,
    pub(crate) optional: usize,
    /// (position counted from the right, separator)
    pub(crate) separators: Vec<(usize, char)>,
    /// Regular grouping interval (0 = irregular).
    pub(crate) regular: usize,
    pub(crate) token: String,
    /// Maximum digits when parsing a year (`n`), if any.
    pub(crate) n: Option<usize>,
}

const DECIMAL_GROUPS: [u32; 37] = [
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
];

pub(crate) fn analyse_integer_picture(picture: &str) -> Result<IntFormat, Error> {
    let mut f = IntFormat {
        primary: Primary::Decimal,
        case: Case::Lower,
        ordinal: false,
        zero: 0x30,
        mandatory: 0,
        optional: 0,
        separators: Vec::new(),
        regular: 0,
        token: String::new(),
        n: None,
    };
    let primary = match picture.rfind(';') {
        None => picture,
        Some(i) => {
            if picture[i + 1..].starts_with('o') {
                f.ordinal = true;
            }
            &picture[..i]
        }
    };
    match primary {
        "A" => {
            f.case = Case::Upper;
            f.primary = Primary::Letters;
        }
        "a" => f.primary = Primary::Letters,
        "I" => {
            f.case = Case::Upper;
            f.primary = Primary::Roman;
        }
        "i" => f.primary = Primary::Roman,
        "W" => {
            f.case = Case::Upper;
            f.primary = Primary::Words;
        }
        "Ww" => {
            f.case = Case::Title;
            f.primary = Primary::Words;
        }
        "w" => f.primary = Primary::Words,
        _ => {
            let mut zero: Option<u32> = None;
            let mut pos = 0;
            let mut seps = Vec::new();
            for c in primary.chars().rev() {
                let cp = c as u32;
                if let Some(g) = DECIMAL_GROUPS.iter().find(|g| cp >= **g && cp <= **g + 9) {
                    f.mandatory += 1;
                    pos += 1;
                    match zero {
                        None => zero = Some(*g),
                        Some(z) if z != *g => {
                            return Err(Error::new(
                                "D3131",
                                "In a decimal digit pattern, all digits must be from the same decimal group",
                            ))
                        }
                        _ => {}
                    }
                } else if c == '#' {
                    pos += 1;
                    f.optional += 1;
                } else {
                    seps.push((pos, c));
                }
            }
            if f.mandatory > 0 {
                f.zero = zero.unwrap_or(0x30);
                let regular = if seps.is_empty() || seps.iter().any(|s| s.1 != seps[0].1) {
                    0
                } else {
                    fn gcd(a: usize, b: usize) -> usize {
                        if b == 0 {
                            a
                        } else {
                            gcd(b, a % b)
                        }
                    }
                    let factor = seps.iter().map(|s| s.0).reduce(gcd).unwrap_or(0);
                    if factor > 0 && (1..=seps.len()).all(|i| seps.iter().any(|s| s.0 == i * factor)) {
                        factor
                    } else {
                        0
                    }
                };
                f.regular = regular;
                f.separators = seps;
            } else {
                f.primary = Primary::Sequence;
                f.token = primary.to_string();
            }
        }
    }
    Ok(f)
}

const FEW: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];
const ORDINALS: [&str; 20] = [
    "Zeroth",
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Eleventh",
    "Twelfth",
    "Thirteenth",
    "Fourteenth",
    "Fifteenth",
    "Sixteenth",
    "Seventeenth",
    "Eighteenth",
    "Nineteenth",
];
const DECADES: [&str; 9] =
    ["Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"];
const MAGNITUDES: [&str; 4] = ["Thousand", "Million", "Billion", "Trillion"];

fn words(num: f64, prev: bool, ord: bool) -> String {
    if num <= 19.0 {
        let i = num as usize;
        return format!("{}{}", if prev { " and " } else { "" }, if ord { ORDINALS[i] } else { FEW[i] });
    }
    if num < 100.0 {
        let tens = (num / 10.0).floor() as usize;
        let rem = num % 10.0;
        let mut w = format!("{}{}", if prev { " and " } else { "" }, DECADES[tens - 2]);
        if rem > 0.0 {
            w = format!("{w}-{}", words(rem, false, ord));
        } else if ord {
            w.pop();
            w.push_str("ieth");
        }
        return w;
    }
    if num < 1000.0 {
        let hundreds = (num / 100.0).floor() as usize;
        let rem = num % 100.0;
        let mut w = format!("{}{} Hundred", if prev { ", " } else { "" }, FEW[hundreds]);
        if rem > 0.0 {
            w.push_str(&words(rem, true, ord));
        } else if ord {
            w.push_str("th");
        }
        return w;
    }
    let mut mag = (num.log10() / 3.0).floor() as usize;
    if mag > MAGNITUDES.len() {
        mag = MAGNITUDES.len();
    }
    let factor = 10f64.powi(mag as i32 * 3);
    let mant = (num / factor).floor();
    let rem = num - mant * factor;
    let mut w =
        format!("{}{} {}", if prev { ", " } else { "" }, words(mant, false, false), MAGNITUDES[mag - 1]);
    if rem > 0.0 {
        w.push_str(&words(rem, true, ord));
    } else if ord {
        w.push_str("th");
    }
    w
}

fn roman(mut v: u64) -> String {
    const NUMS: [(u64, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    'outer: while v > 0 {
        for (n, s) in NUMS {
            if v >= n {
                out.push_str(s);
                v -= n;
                continue 'outer;
            }
        }
    }
    out
}

fn letters(mut v: u64, a: char) -> String {
    let mut out = Vec::new();
    while v > 0 {
        out.push(char::from_u32((v - 1) as u32 % 26 + a as u32).unwrap_or('?'));
        v = (v - 1) / 26;
    }
    out.iter().rev().collect()
}

pub(crate) fn format_integer(value: f64, f: &IntFormat) -> Result<String, Error> {
    let negative = value < 0.0;
    let value = value.abs();
    let mut s = match f.primary {
        Primary::Letters => letters(value as u64, if f.case == Case::Upper { 'A' } else { 'a' }),
        Primary::Roman => {
            if value > 1e6 {
                return Err(Error::new("D3130", "Number too large for roman numerals"));
            }
            let r = roman(value as u64);
            if f.case == Case::Upper {
                r.to_uppercase()
            } else {
                r
            }
        }
        Primary::Words => {
            let w = words(value, false, f.ordinal);
            match f.case {
                Case::Upper => w.to_uppercase(),
                Case::Lower => w.to_lowercase(),
                Case::Title => w,
            }
        }
        Primary::Decimal => {
            let mut s = crate::value::js_number(value);
            let pad = f.mandatory as i64 - s.chars().count() as i64;
            if pad > 0 {
                s = format!("{}{}", "0".repeat(pad as usize), s);
            }
            if f.zero != 0x30 {
                s = s.chars().map(|c| char::from_u32(c as u32 + f.zero - 0x30).unwrap_or(c)).collect();
            }
            let mut chars: Vec<char> = s.chars().collect();
            if f.regular > 0 {
                let sep = f.separators[0].1;
                let n = chars.len().saturating_sub(1).checked_div(f.regular).unwrap_or(0);
                for ii in (1..=n).rev() {
                    let pos = chars.len() - ii * f.regular;
                    chars.insert(pos, sep);
                }
            } else {
                for (pos, sep) in f.separators.iter().rev() {
                    let at = chars.len().saturating_sub(*pos);
                    chars.insert(at, *sep);
                }
            }
            let mut s: String = chars.into_iter().collect();
            if f.ordinal {
                let c: Vec<char> = s.chars().collect();
                let last = c.last().copied().unwrap_or('0');
                let mut suffix = match last {
                    '1' => "st",
                    '2' => "nd",
                    '3' => "rd",
                    _ => "th",
                };
                if c.len() > 1 && c[c.len() - 2] == '1' {
                    suffix = "th";
                }
                s.push_str(suffix);
            }
            s
        }
        Primary::Sequence => {
            return Err(Error::new("D3130", format!("Formatting or parsing an integer as a sequence starting with {} is not supported by this implementation", f.token)))
        }
    };
    if negative {
        s = format!("-{s}");
    }
    Ok(s)
}

pub(crate) fn format_integer_fn<'a>(v: Val<'a>, picture: Val<'a>) -> Result<Val<'a>, Error> {
    let Some(n) = v.as_num() else { return Ok(Val::Undef) };
    let f = analyse_integer_picture(picture.as_str().unwrap_or(""))?;
    Ok(Val::string(format_integer(n.floor(), &f)?))
}

fn word_value(w: &str) -> Option<f64> {
    for (i, x) in FEW.iter().enumerate() {
        if x.eq_ignore_ascii_case(w) {
            return Some(i as f64);
        }
    }
    for (i, x) in ORDINALS.iter().enumerate() {
        if x.eq_ignore_ascii_case(w) {
            return Some(i as f64);
        }
    }
    for (i, x) in DECADES.iter().enumerate() {
        let l = x.to_lowercase();
        let ieth = format!("{}ieth", &l[..l.len() - 1]);
        if l == w || ieth == w {
            return Some(((i + 2) * 10) as f64);
        }
    }
    if w == "hundredth" {
        return Some(100.0);
    }
    for (i, x) in MAGNITUDES.iter().enumerate() {
        let l = x.to_lowercase();
        if l == w || format!("{l}th") == w {
            return Some(10f64.powi((i as i32 + 1) * 3));
        }
    }
    None
}

/// All the words `words_to_number` understands (for date pictures' regexes).
pub(crate) fn word_alternatives() -> String {
    let mut all: Vec<String> = Vec::new();
    all.extend(FEW.iter().map(|w| w.to_lowercase()));
    all.extend(ORDINALS.iter().map(|w| w.to_lowercase()));
    for d in DECADES {
        let l = d.to_lowercase();
        all.push(format!("{}ieth", &l[..l.len() - 1]));
        all.push(l);
    }
    all.push("hundredth".into());
    for m in MAGNITUDES {
        let l = m.to_lowercase();
        all.push(format!("{l}th"));
        all.push(l);
    }
    all.push("and".into());
    all.sort_by_key(|w| std::cmp::Reverse(w.len()));
    format!("(?:{}|[\\-, ])+", all.join("|"))
}

pub(crate) fn words_to_number(text: &str) -> f64 {
    let text = text.to_lowercase();
    let text = text.replace(", ", " ").replace(" and ", " ").replace('-', " ");
    let mut segs: Vec<f64> = vec![0.0];
    for part in text.split(' ') {
        let v = word_value(part).unwrap_or(f64::NAN);
        if v < 100.0 || v.is_nan() {
            let mut top = segs.pop().unwrap_or(0.0);
            if top >= 1000.0 {
                segs.push(top);
                top = 0.0;
            }
            segs.push(top + v);
        } else {
            let top = segs.pop().unwrap_or(0.0);
            segs.push(top * v);
        }
    }
    segs.iter().sum()
}

fn roman_to_decimal(r: &str) -> f64 {
    let mut dec = 0.0;
    let mut max = 1.0;
    for c in r.chars().rev() {
        let v = match c {
            'M' => 1000.0,
            'D' => 500.0,
            'C' => 100.0,
            'L' => 50.0,
            'X' => 10.0,
            'V' => 5.0,
            'I' => 1.0,
            _ => f64::NAN,
        };
        if v < max {
            dec -= v;
        } else {
            max = v;
            dec += v;
        }
    }
    dec
}

fn letters_to_decimal(s: &str, a: char) -> f64 {
    let mut dec = 0.0;
    for (i, c) in s.chars().rev().enumerate() {
        dec += (c as i64 - a as i64 + 1) as f64 * 26f64.powi(i as i32);
    }
    dec
}

/// Parses text in an integer picture (upstream's `parse` for an integer matcher).
pub(crate) fn parse_with(f: &IntFormat, value: &str) -> Result<f64, Error> {
    Ok(match f.primary {
        Primary::Letters => letters_to_decimal(value, if f.case == Case::Upper { 'A' } else { 'a' }),
        Primary::Roman => roman_to_decimal(&value.to_uppercase()),
        Primary::Words => words_to_number(value),
        Primary::Decimal => {
            let mut digits: String = value.to_string();
            if f.ordinal && digits.chars().count() >= 2 {
                let n = digits.chars().count();
                digits = digits.chars().take(n - 2).collect();
            }
            if f.regular > 0 {
                digits = digits.replace(f.separators[0].1, "");
            } else {
                for (_, s) in &f.separators {
                    digits = digits.replace(*s, "");
                }
            }
            if f.zero != 0x30 {
                digits = digits.chars().map(|c| char::from_u32(c as u32 + 0x30 - f.zero).unwrap_or(c)).collect();
            }
            parse_int_prefix(&digits)
        }
        Primary::Sequence => {
            return Err(Error::new("D3130", format!("Formatting or parsing an integer as a sequence starting with {} is not supported by this implementation", f.token)))
        }
    })
}

/// JavaScript `parseInt(s, 10)`: leading sign and digits, NaN when there are none.
pub(crate) fn parse_int_prefix(s: &str) -> f64 {
    let s = s.trim_start();
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return f64::NAN;
    }
    let v: f64 = digits.parse().unwrap_or(f64::NAN);
    if neg {
        -v
    } else {
        v
    }
}

/// Regex for one integer picture (date/time parsing).
pub(crate) fn integer_regex(f: &IntFormat) -> Result<String, Error> {
    let occ = match f.n {
        Some(n) if n > 0 => {
            if f.optional == 0 {
                format!("{{{n}}}")
            } else {
                format!("{{{},{n}}}", n.saturating_sub(f.optional))
            }
        }
        _ if f.mandatory + f.optional >= 2 => format!("{{{},{}}}", f.mandatory, f.mandatory + f.optional),
        _ => "+".into(),
    };
    Ok(match f.primary {
        Primary::Letters => if f.case == Case::Upper { "[A-Z]+" } else { "[a-z]+" }.into(),
        Primary::Roman => if f.case == Case::Upper { "[MDCLXVI]+" } else { "[mdclxvi]+" }.into(),
        Primary::Words => word_alternatives(),
        Primary::Decimal => {
            let mut r = format!("[0-9]{occ}");
            if f.ordinal {
                r.push_str("(?:th|st|nd|rd)");
            }
            r
        }
        Primary::Sequence => {
            return Err(Error::new("D3130", format!("Formatting or parsing an integer as a sequence starting with {} is not supported by this implementation", f.token)))
        }
    })
}

pub(crate) fn parse_integer_fn<'a>(v: Val<'a>, picture: Val<'a>) -> Result<Val<'a>, Error> {
    let Some(s) = v.as_str() else { return Ok(Val::Undef) };
    let f = analyse_integer_picture(picture.as_str().unwrap_or(""))?;
    let n = parse_with(&f, s)?;
    if n.is_nan() {
        return Ok(Val::Undef);
    }
    Ok(Val::Num(n))
}
