//! Function signatures (`<s-n?:b>`): parsing, and validating/coercing the arguments of a call
//! as upstream does (context substitution for `-`, singleton-to-array for `a`, array subtypes),
//! with the T0410/T0411/T0412 errors.

use crate::value::Val;
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Quant {
    One,
    Opt,
    Plus,
}

#[derive(Debug, Clone)]
struct Param {
    /// The symbols this parameter accepts (`m` = missing/undefined).
    class: String,
    quant: Quant,
    ty: char,
    context: bool,
    subtype: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Signature {
    params: Vec<Param>,
}

fn symbol(v: &Val<'_>) -> char {
    match v {
        Val::Func(_) => 'f',
        Val::Str(_) | Val::JStr(_) => 's',
        Val::Num(_) => 'n',
        Val::Bool(_) => 'b',
        Val::Null => 'l',
        Val::Arr(..) | Val::JArr(_) | Val::Tuples(_) => 'a',
        Val::Obj(_) | Val::JObj(_) => 'o',
        Val::Undef => 'm',
    }
}

impl Signature {
    pub(crate) fn empty() -> Signature {
        Signature { params: Vec::new() }
    }

    pub(crate) fn parse(sig: &str) -> Result<Signature, Error> {
        let chars: Vec<char> = sig.chars().collect();
        let mut params: Vec<Param> = Vec::new();
        let mut pos = 1;
        let close = |start: usize, open: char, close: char| -> usize {
            let mut depth = 1;
            let mut p = start;
            while p < chars.len() {
                p += 1;
                match chars.get(p) {
                    Some(c) if *c == close => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Some(c) if *c == open => depth += 1,
                    _ => {}
                }
            }
            p
        };
        while pos < chars.len() {
            let c = chars[pos];
            if c == ':' {
                break;
            }
            let simple = |class: &str, ty: char| Param {
                class: class.to_string(),
                quant: Quant::One,
                ty,
                context: false,
                subtype: None,
            };
            match c {
                's' | 'n' | 'b' | 'l' | 'o' => params.push(simple(&format!("{c}m"), c)),
                'a' => params.push(simple("asnblfom", 'a')),
                'f' => params.push(simple("f", 'f')),
                'j' => params.push(simple("asnblom", 'j')),
                'x' => params.push(simple("asnblfom", 'x')),
                '-' => {
                    if let Some(p) = params.last_mut() {
                        p.context = true;
                        p.quant = Quant::Opt;
                    }
                }
                '?' => {
                    if let Some(p) = params.last_mut() {
                        p.quant = Quant::Opt;
                    }
                }
                '+' => {
                    if let Some(p) = params.last_mut() {
                        p.quant = Quant::Plus;
                    }
                }
                '(' => {
                    let end = close(pos, '(', ')');
                    let choice: String = chars[pos + 1..end.min(chars.len())].iter().collect();
                    if choice.contains('<') {
                        return Err(Error::new(
                            "S0402",
                            "Choice groups containing parameterized types are not supported",
                        ));
                    }
                    params.push(Param {
                        class: format!("{choice}m"),
                        quant: Quant::One,
                        ty: '(',
                        context: false,
                        subtype: None,
                    });
                    pos = end;
                }
                '<' => {
                    let ok = params.last().is_some_and(|p| p.ty == 'a' || p.ty == 'f');
                    if !ok {
                        return Err(Error::new(
                            "S0401",
                            "Type parameters can only be applied to functions and arrays",
                        ));
                    }
                    let end = close(pos, '<', '>');
                    let sub: String = chars[pos + 1..end.min(chars.len())].iter().collect();
                    if let Some(p) = params.last_mut() {
                        p.subtype = Some(sub);
                    }
                    pos = end;
                }
                _ => {}
            }
            pos += 1;
        }
        Ok(Signature { params })
    }

    /// Backtracking match of the argument symbols against the parameters. With `prefix`, the
    /// whole input need not be consumed.
    fn matches(&self, sig: &[char], upto: usize, prefix: bool) -> Option<Vec<(usize, usize)>> {
        let mut spans = Vec::with_capacity(upto);
        if self.rec(sig, 0, 0, upto, prefix, &mut spans) {
            Some(spans)
        } else {
            None
        }
    }

    fn rec(
        &self,
        sig: &[char],
        pi: usize,
        at: usize,
        upto: usize,
        prefix: bool,
        spans: &mut Vec<(usize, usize)>,
    ) -> bool {
        if pi == upto {
            return prefix || at == sig.len();
        }
        let p = &self.params[pi];
        let ok = |c: char| p.class.contains(c);
        let mut max = 0;
        while at + max < sig.len() && ok(sig[at + max]) {
            max += 1;
            if p.quant != Quant::Plus {
                break;
            }
        }
        let min = match p.quant {
            Quant::One | Quant::Plus => 1,
            Quant::Opt => 0,
        };
        let mut n = max;
        loop {
            if n < min {
                return false;
            }
            spans.push((at, at + n));
            if self.rec(sig, pi + 1, at + n, upto, prefix, spans) {
                return true;
            }
            spans.pop();
            if n == 0 {
                return false;
            }
            n -= 1;
        }
    }

    /// The common case without allocation: each argument matches its own parameter and the
    /// parameters left over are optional and take no context.
    fn direct(&self, args: &[Val<'_>]) -> bool {
        if args.len() > self.params.len() {
            return false;
        }
        for (i, p) in self.params.iter().enumerate() {
            match args.get(i) {
                Some(a) => {
                    if p.quant == Quant::Plus || !p.class.contains(symbol(a)) {
                        return false;
                    }
                    if p.ty == 'a' {
                        if !a.is_array() {
                            return false;
                        }
                        if let Some(sub) = &p.subtype {
                            let mut ok = true;
                            let mut first: Option<char> = None;
                            a.each_item(|v| {
                                let t = symbol(v);
                                ok &= sub.starts_with(t) && first.is_none_or(|f| f == t);
                                first = Some(t);
                            });
                            if !ok {
                                return false;
                            }
                        }
                    }
                }
                None => {
                    if p.quant != Quant::Opt || p.context {
                        return false;
                    }
                }
            }
        }
        true
    }

    pub(crate) fn validate<'a>(&self, args: Vec<Val<'a>>, context: &Val<'a>) -> Result<Vec<Val<'a>>, Error> {
        if self.direct(&args) {
            return Ok(args);
        }
        let sig: Vec<char> = args.iter().map(symbol).collect();
        let Some(spans) = self.matches(&sig, self.params.len(), false) else {
            let mut good_to = 0;
            for i in 0..self.params.len() {
                match self.matches(&sig, i + 1, true) {
                    Some(sp) => good_to = sp.last().map(|s| s.1).unwrap_or(0),
                    None => break,
                }
            }
            return Err(Error::new(
                "T0410",
                format!("Argument {} of function {{name}} does not match function signature", good_to + 1),
            ));
        };
        let mut out = Vec::with_capacity(args.len());
        let mut ai = 0;
        for (p, (s, e)) in self.params.iter().zip(spans) {
            if s == e {
                if p.context {
                    let ct = symbol(context);
                    if p.class.contains(ct) {
                        out.push(context.clone());
                    } else {
                        return Err(Error::new(
                            "T0411",
                            format!("Context value is not a compatible type with argument {} of function {{name}}", ai + 1),
                        ));
                    }
                } else {
                    out.push(args.get(ai).cloned().unwrap_or(Val::Undef));
                    ai += 1;
                }
                continue;
            }
            let matched: String = sig[s..e].iter().collect();
            for single in matched.chars() {
                let arg = args.get(ai).cloned().unwrap_or(Val::Undef);
                if p.ty == 'a' {
                    if single == 'm' {
                        out.push(Val::Undef);
                    } else {
                        let mut ok = true;
                        if let Some(sub) = &p.subtype {
                            if single != 'a' && matched != *sub {
                                ok = false;
                            } else if single == 'a' && arg.arr_len() > 0 {
                                let t = symbol(&arg.arr_get(0));
                                if !sub.starts_with(t) {
                                    ok = false;
                                } else {
                                    arg.each_item(|v| ok &= symbol(v) == t);
                                }
                            }
                        }
                        if !ok {
                            return Err(Error::new(
                                "T0412",
                                format!(
                                    "Argument {} of function {{name}} must be an array of {}",
                                    ai + 1,
                                    type_word(p.subtype.as_deref())
                                ),
                            ));
                        }
                        if single != 'a' {
                            out.push(Val::arr(vec![arg]));
                        } else {
                            out.push(arg);
                        }
                    }
                } else {
                    out.push(arg);
                }
                ai += 1;
            }
        }
        Ok(out)
    }
}

fn type_word(sub: Option<&str>) -> &'static str {
    match sub {
        Some("s") => "strings",
        Some("n") => "numbers",
        Some("b") => "booleans",
        Some("o") => "objects",
        Some("a") => "arrays",
        Some("f") => "functions",
        _ => "values",
    }
}
