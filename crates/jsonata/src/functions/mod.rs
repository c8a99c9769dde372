//! The built-in function library: the registry (names, signatures, upstream arities), the
//! dispatcher, and helpers shared by the implementations (`$boolean`/`$string` semantics).
//! Implementations are grouped by theme in the submodules.

mod arrays;
mod aws;
mod numbers;
mod strings;

use crate::eval::Ev;
use crate::regex::JsRegex;
use crate::signature::Signature;
use crate::value::{js_number, round15, FrameId, Func, ObjMap, Val};
use crate::{Error, Options};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

macro_rules! builtins {
    ($($v:ident = $name:literal, $sig:literal, $arity:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Builtin { $($v),* }
        const TABLE: &[(Builtin, &str, &str, usize)] = &[$((Builtin::$v, $name, $sig, $arity)),*];
        const ALL: &[Builtin] = &[$(Builtin::$v),*];
    };
}

builtins! {
    Sum = "sum", "<a<n>:n>", 1;
    Count = "count", "<a:n>", 1;
    Max = "max", "<a<n>:n>", 1;
    Min = "min", "<a<n>:n>", 1;
    Average = "average", "<a<n>:n>", 1;
    String = "string", "<x-b?:s>", 1;
    Substring = "substring", "<s-nn?:s>", 3;
    SubstringBefore = "substringBefore", "<s-s:s>", 2;
    SubstringAfter = "substringAfter", "<s-s:s>", 2;
    Lowercase = "lowercase", "<s-:s>", 1;
    Uppercase = "uppercase", "<s-:s>", 1;
    Length = "length", "<s-:n>", 1;
    Trim = "trim", "<s-:s>", 1;
    Pad = "pad", "<s-ns?:s>", 3;
    Match = "match", "<s-f<s:o>n?:a<o>>", 3;
    Contains = "contains", "<s-(sf):b>", 2;
    Replace = "replace", "<s-(sf)(sf)n?:s>", 4;
    Split = "split", "<s-(sf)n?:a<s>>", 3;
    Join = "join", "<a<s>s?:s>", 2;
    FormatNumber = "formatNumber", "<n-so?:s>", 3;
    FormatBase = "formatBase", "<n-n?:s>", 2;
    FormatInteger = "formatInteger", "<n-s:s>", 2;
    ParseInteger = "parseInteger", "<s-s:n>", 2;
    Number = "number", "<(nsb)-:n>", 1;
    Floor = "floor", "<n-:n>", 1;
    Ceil = "ceil", "<n-:n>", 1;
    Round = "round", "<n-n?:n>", 2;
    Abs = "abs", "<n-:n>", 1;
    Sqrt = "sqrt", "<n-:n>", 1;
    Power = "power", "<n-n:n>", 2;
    Random = "random", "<:n>", 0;
    Boolean = "boolean", "<x-:b>", 1;
    Not = "not", "<x-:b>", 1;
    Map = "map", "<af>", 2;
    Zip = "zip", "<a+>", 0;
    Filter = "filter", "<af>", 2;
    Single = "single", "<af?>", 2;
    Reduce = "reduce", "<afj?:j>", 3;
    Sift = "sift", "<o-f?:o>", 2;
    Keys = "keys", "<x-:a<s>>", 1;
    Lookup = "lookup", "<x-s:x>", 2;
    Append = "append", "<xx:a>", 2;
    Exists = "exists", "<x:b>", 1;
    Spread = "spread", "<x-:a<o>>", 1;
    Merge = "merge", "<a<o>:o>", 1;
    Reverse = "reverse", "<a:a>", 1;
    Each = "each", "<o-f:a>", 2;
    Error = "error", "<s?:x>", 1;
    Assert = "assert", "<bs?:x>", 2;
    Type = "type", "<x:s>", 1;
    Sort = "sort", "<af?:a>", 2;
    Shuffle = "shuffle", "<a:a>", 1;
    Distinct = "distinct", "<x:x>", 1;
    Base64Encode = "base64encode", "<s-:s>", 1;
    Base64Decode = "base64decode", "<s-:s>", 1;
    EncodeUrlComponent = "encodeUrlComponent", "<s-:s>", 1;
    EncodeUrl = "encodeUrl", "<s-:s>", 1;
    DecodeUrlComponent = "decodeUrlComponent", "<s-:s>", 1;
    DecodeUrl = "decodeUrl", "<s-:s>", 1;
    Eval = "eval", "<sx?:x>", 2;
    ToMillis = "toMillis", "<s-s?:n>", 2;
    FromMillis = "fromMillis", "<n-s?s?:s>", 3;
    Clone = "clone", "<(oa)-:o>", 1;
    Now = "now", "<s?s?:s>", 2;
    Millis = "millis", "<:n>", 0;
    // AWS Step Functions additions (only with `Options::aws_functions`).
    Partition = "partition", "<an:a>", 2;
    Range = "range", "<nnn?:a>", 3;
    Hash = "hash", "<ss?:s>", 2;
    AwsRandom = "random", "<n?:n>", 1;
    Uuid = "uuid", "<:s>", 0;
    Parse = "parse", "<s:x>", 1;
}

fn signatures() -> &'static Vec<Signature> {
    static SIGS: OnceLock<Vec<Signature>> = OnceLock::new();
    SIGS.get_or_init(|| {
        TABLE.iter().map(|(_, _, s, _)| Signature::parse(s).unwrap_or_else(|_| Signature::empty())).collect()
    })
}

impl Builtin {
    fn index(self) -> usize {
        // the enum and TABLE are generated in the same order
        self as usize
    }

    pub(crate) fn from_name(name: &str) -> Option<Builtin> {
        // first byte and length narrow the search before comparing names
        let b0 = *name.as_bytes().first()?;
        ALL.iter()
            .zip(TABLE)
            .find(|(_, (_, n, ..))| n.len() == name.len() && n.as_bytes()[0] == b0 && *n == name)
            .map(|(b, _)| *b)
    }

    /// Looks a name up with the AWS variants taking precedence when enabled.
    pub(crate) fn resolve(name: &str, opts: &Options) -> Option<Builtin> {
        if opts.aws_functions && name == "random" {
            return Some(Builtin::AwsRandom);
        }
        let b = Builtin::from_name(name)?;
        if b.available(opts) {
            Some(b)
        } else {
            None
        }
    }

    pub(crate) fn available(self, opts: &Options) -> bool {
        match self {
            Builtin::Eval => opts.allow_eval,
            Builtin::Partition
            | Builtin::Range
            | Builtin::Hash
            | Builtin::Uuid
            | Builtin::Parse
            | Builtin::AwsRandom => opts.aws_functions,
            _ => true,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        TABLE[self.index()].1
    }

    pub(crate) fn arity(self) -> usize {
        TABLE[self.index()].3
    }

    pub(crate) fn signature(self) -> &'static Signature {
        &signatures()[self.index()]
    }
}

/// Dispatches a validated call.
pub(crate) fn call<'a>(
    ev: &mut Ev<'a, '_>,
    b: Builtin,
    args: Vec<Val<'a>>,
    input: &Val<'a>,
    env: FrameId,
) -> Result<Val<'a>, Error> {
    let mut it = args.into_iter();
    let mut a = || it.next().unwrap_or(Val::Undef);
    use Builtin as B;
    match b {
        B::Sum | B::Count | B::Max | B::Min | B::Average => numbers::aggregate(b, a()),
        B::String => {
            let (v, pretty) = (a(), a());
            if v.is_undef() {
                return Ok(Val::Undef);
            }
            Ok(Val::string(to_string(&v, truthy(&pretty))?))
        }
        B::Substring => strings::substring(a(), a(), a()),
        B::SubstringBefore | B::SubstringAfter => strings::substring_around(b, a(), a()),
        B::Lowercase | B::Uppercase | B::Trim => strings::simple(b, a()),
        B::Length => Ok(match a().as_str() {
            Some(s) => Val::Num(s.chars().count() as f64),
            None => Val::Undef,
        }),
        B::Pad => strings::pad(a(), a(), a()),
        B::Match => strings::match_(ev, a(), a(), a()),
        B::Contains => strings::contains(ev, a(), a()),
        B::Replace => strings::replace(ev, a(), a(), a(), a(), env),
        B::Split => strings::split(ev, a(), a(), a()),
        B::Join => strings::join(a(), a()),
        B::FormatNumber => numbers::format_number(a(), a(), a()),
        B::FormatBase => numbers::format_base(a(), a()),
        B::FormatInteger => crate::format::format_integer_fn(a(), a()),
        B::ParseInteger => crate::format::parse_integer_fn(a(), a()),
        B::Number => numbers::number(a()),
        B::Floor | B::Ceil | B::Abs | B::Sqrt => numbers::unary(b, a()),
        B::Round => numbers::round_fn(a(), a()),
        B::Power => numbers::power(a(), a()),
        B::Random => Ok(Val::Num(random_f64(ev))),
        B::Boolean => {
            let v = a();
            Ok(match boolean(&v) {
                Some(x) => Val::Bool(x),
                None => Val::Undef,
            })
        }
        B::Not => {
            let v = a();
            Ok(match boolean(&v) {
                Some(x) => Val::Bool(!x),
                None => Val::Undef,
            })
        }
        B::Map => arrays::map(ev, a(), a(), input, env),
        B::Filter => arrays::filter(ev, a(), a(), input, env),
        B::Single => arrays::single(ev, a(), a(), input, env),
        B::Reduce => arrays::reduce(ev, a(), a(), a(), input, env),
        B::Sift => arrays::sift(ev, a(), a(), input, env),
        B::Each => arrays::each(ev, a(), a(), input, env),
        B::Sort => arrays::sort(ev, a(), a(), input, env),
        B::Zip => {
            let all: Vec<Val<'a>> = std::iter::from_fn(|| it.next()).collect();
            Ok(arrays::zip(all))
        }
        B::Keys => Ok(arrays::keys(&a())),
        B::Lookup => {
            let (o, k) = (a(), a());
            Ok(crate::eval::lookup_field(&o, k.as_str().unwrap_or("")))
        }
        B::Append => Ok(crate::eval::append(a(), a())),
        B::Exists => Ok(Val::Bool(!a().is_undef())),
        B::Spread => Ok(arrays::spread(a())),
        B::Merge => Ok(arrays::merge(a())),
        B::Reverse => {
            let v = a();
            if v.arr_len() <= 1 {
                return Ok(v);
            }
            let mut m = v.members();
            m.reverse();
            Ok(Val::arr(m))
        }
        B::Error => {
            let m = a();
            Err(Error::new("D3137", m.as_str().unwrap_or("$error() function evaluated").to_string()))
        }
        B::Assert => {
            let (c, m) = (a(), a());
            if !matches!(c, Val::Bool(true)) {
                return Err(Error::new(
                    "D3141",
                    m.as_str().unwrap_or("$assert() statement failed").to_string(),
                ));
            }
            Ok(Val::Undef)
        }
        B::Type => {
            let v = a();
            Ok(if v.is_undef() { Val::Undef } else { Val::str(v.type_name()) })
        }
        B::Shuffle => arrays::shuffle(ev, a()),
        B::Distinct => Ok(arrays::distinct(a())),
        B::Base64Encode
        | B::Base64Decode
        | B::EncodeUrl
        | B::EncodeUrlComponent
        | B::DecodeUrl
        | B::DecodeUrlComponent => strings::encoding(b, a()),
        B::Eval => eval_fn(ev, a(), a(), input, env),
        B::ToMillis => {
            let now = ev.now();
            crate::datetime::to_millis_fn(a(), a(), now)
        }
        B::FromMillis => crate::datetime::from_millis_fn(a(), a(), a()),
        B::Now => {
            let (p, tz) = (a(), a());
            let now = ev.now();
            crate::datetime::from_millis_fn(Val::Num(now as f64), p, tz)
        }
        B::Millis => Ok(Val::Num(ev.now() as f64)),
        B::Clone => {
            let v = a();
            if v.is_undef() {
                return Ok(Val::Undef);
            }
            Ok(match v.to_json()? {
                Some(j) => Val::from_owned_json(j),
                None => Val::Undef,
            })
        }
        B::Partition => aws::partition(a(), a()),
        B::Range => aws::range(ev, a(), a(), a()),
        B::Hash => aws::hash(a(), a()),
        B::AwsRandom => aws::random(ev, a()),
        B::Uuid => Ok(aws::uuid(ev)),
        B::Parse => aws::parse(a()),
    }
}

fn eval_fn<'a>(
    ev: &mut Ev<'a, '_>,
    expr: Val<'a>,
    focus: Val<'a>,
    input: &Val<'a>,
    env: FrameId,
) -> Result<Val<'a>, Error> {
    let Some(src) = expr.as_str() else { return Ok(Val::Undef) };
    let mut ctx = input.clone();
    if !focus.is_undef() {
        ctx = focus;
        if ctx.is_array() && !ctx.is_seq() {
            ctx = Val::Arr(std::rc::Rc::new(vec![ctx]), crate::value::SEQ | crate::value::OUTER);
        }
    }
    let ast = crate::parser::parse(src).map_err(|e| {
        Error::new("D3120", format!("Syntax error in expression passed to function eval: {}", e.message))
    })?;
    ev.eval(&ast, &ctx, env).map_err(|e| {
        if e.code == "U1001" {
            e
        } else {
            Error::new(
                "D3121",
                format!("Dynamic error evaluating the expression passed to function eval: {}", e.message),
            )
        }
    })
}

pub(crate) fn random_f64(ev: &mut Ev<'_, '_>) -> f64 {
    (ev.env.random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Upstream `fn.boolean`: `None` for undefined.
pub(crate) fn boolean(v: &Val<'_>) -> Option<bool> {
    Some(match v {
        Val::Undef => return None,
        Val::Null => false,
        Val::Bool(b) => *b,
        Val::Num(n) => *n != 0.0,
        Val::Str(s) => !s.is_empty(),
        Val::JStr(s) => !s.is_empty(),
        Val::Arr(..) | Val::JArr(_) | Val::Tuples(_) => {
            let m = match v {
                Val::Tuples(t) => t.iter().map(|x| x.at.clone()).collect(),
                _ => v.members(),
            };
            match m.len() {
                0 => false,
                1 => boolean(&m[0]).unwrap_or(false),
                _ => m.iter().any(|x| boolean(x).unwrap_or(false)),
            }
        }
        Val::Obj(_) | Val::JObj(_) => v.obj_len() > 0,
        Val::Func(_) => false,
    })
}

pub(crate) fn truthy(v: &Val<'_>) -> bool {
    boolean(v).unwrap_or(false)
}

/// JavaScript string ordering (UTF-16 code units).
pub(crate) fn js_str_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Upstream `fn.string`: strings unchanged, functions `""`, everything else as JSON with
/// numbers rounded to 15 significant digits.
pub(crate) fn to_string(v: &Val<'_>, pretty: bool) -> Result<String, Error> {
    match v {
        Val::Str(s) => Ok(s.to_string()),
        Val::JStr(s) => Ok((*s).to_string()),
        Val::Func(_) => Ok(String::new()),
        Val::Num(n) if !n.is_finite() => {
            Err(Error::new("D3001", "Attempting to invoke string function on Infinity or NaN"))
        }
        _ => {
            let mut out = String::new();
            let v = match v {
                Val::Arr(a, f) if f & crate::value::OUTER != 0 && !a.is_empty() => a[0].clone(),
                other => other.clone(),
            };
            stringify(&v, pretty, 0, &mut out)?;
            Ok(out)
        }
    }
}

fn indent(out: &mut String, pretty: bool, level: usize) {
    if pretty {
        out.push('\n');
        for _ in 0..level {
            out.push_str("  ");
        }
    }
}

fn stringify(v: &Val<'_>, pretty: bool, level: usize, out: &mut String) -> Result<(), Error> {
    match v {
        Val::Undef | Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => {
            if !n.is_finite() {
                return Err(Error::new("D1001", format!("Number out of range: {}", js_number(*n))));
            }
            let v = if n.fract() == 0.0 { *n } else { round15(*n) };
            out.push_str(&js_number(v));
        }
        Val::Str(_) | Val::JStr(_) => json_quote(v.as_str().unwrap_or(""), out),
        Val::Func(_) => out.push_str("\"\""),
        Val::Arr(..) | Val::JArr(_) | Val::Tuples(_) => {
            let items = match v {
                Val::Tuples(t) => t.iter().map(|x| x.at.clone()).collect(),
                _ => v.members(),
            };
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, pretty, level + 1);
                stringify(x, pretty, level + 1, out)?;
            }
            indent(out, pretty, level);
            out.push(']');
        }
        Val::Obj(_) | Val::JObj(_) => {
            let entries: Vec<_> = v.obj_entries().into_iter().filter(|(_, x)| !x.is_undef()).collect();
            if entries.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, x)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, pretty, level + 1);
                json_quote(k, out);
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                stringify(x, pretty, level + 1, out)?;
            }
            indent(out, pretty, level);
            out.push('}');
        }
    }
    Ok(())
}

pub(crate) fn json_quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A short rendering of a value for error messages.
pub(crate) fn describe(v: &Val<'_>) -> String {
    match v {
        Val::Undef => "undefined".into(),
        Val::Func(_) => "function".into(),
        Val::Num(n) => js_number(*n),
        other => {
            let mut s = String::new();
            if stringify(other, false, 0, &mut s).is_err() {
                return "value".into();
            }
            if s.chars().count() > 100 {
                s = s.chars().take(100).collect::<String>() + "...";
            }
            s
        }
    }
}

/// A regex match as upstream's match object (`match`, `start`, `end`, `groups`, `next`).
pub(crate) fn regex_match_object<'a>(re: &Arc<JsRegex>, s: &str, at: usize) -> Result<Val<'a>, Error> {
    let Some(f) = re.find_at(s, at)? else { return Ok(Val::Undef) };
    let cidx = |b: usize| s[..b].chars().count() as f64;
    let mut m = ObjMap::new();
    m.insert("match".into(), Val::str(&s[f.start..f.end]));
    m.insert("start".into(), Val::Num(cidx(f.start)));
    m.insert("end".into(), Val::Num(cidx(f.end)));
    m.insert(
        "groups".into(),
        Val::arr(
            f.groups.iter().map(|g| g.map(|(a, b)| Val::str(&s[a..b])).unwrap_or(Val::str(""))).collect(),
        ),
    );
    let next = Func::MatchNext { re: re.clone(), text: s.into(), at: f.end };
    m.insert("next".into(), Val::Func(Rc::new(next)));
    Ok(Val::obj(m))
}
