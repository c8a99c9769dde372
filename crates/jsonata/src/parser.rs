//! Pratt parser from tokens to a raw tree, then upstream's `processAST` rewrite into the
//! evaluator's tree (`ast::Node`): path flattening, stages, group-by, sort, focus/index
//! bindings, parent-slot resolution and tail-call marking.

use crate::ast::{BinOp, Group, Kind, LambdaDef, Node, SortTerm, Stage, TransformDef};
use crate::lexer::{Lexer, Lit, Tok, Token};
use crate::regex::JsRegex;
use crate::signature::Signature;
use crate::value::Str;
use crate::Error;
use std::sync::Arc;

#[derive(Debug, Clone)]
struct Raw {
    k: RK,
    pos: usize,
    keep_array: bool,
}

#[derive(Debug, Clone)]
enum RK {
    Name(String),
    Var(String),
    Str(String),
    Num(f64),
    Value(Lit),
    Regex(String, String),
    Wildcard,
    Descendant,
    Parent,
    Placeholder,
    Binary(&'static str, Box<Raw>, Box<Raw>),
    Filter(Box<Raw>, Box<Raw>),
    Group(Box<Raw>, Vec<(Raw, Raw)>),
    Sort(Box<Raw>, Vec<(bool, Raw)>),
    Focus(Box<Raw>, String),
    IndexBind(Box<Raw>, String),
    Bind(String, Box<Raw>),
    Neg(Box<Raw>),
    Array(Vec<Raw>),
    Object(Vec<(Raw, Raw)>),
    Cond(Box<Raw>, Box<Raw>, Option<Box<Raw>>),
    Coalesce(Box<Raw>, Box<Raw>),
    Elvis(Box<Raw>, Box<Raw>),
    Block(Vec<Raw>),
    Call(Box<Raw>, Vec<Raw>, bool),
    Lambda(Vec<String>, Option<Signature>, Box<Raw>),
    Transform(Box<Raw>, Box<Raw>, Option<Box<Raw>>),
}

fn raw(k: RK, pos: usize) -> Raw {
    Raw { k, pos, keep_array: false }
}

/// Parses JSONata source into the evaluator's tree.
pub(crate) fn parse(src: &str) -> Result<Node, Error> {
    let mut p =
        Parser { lex: Lexer::new(src), cur: Token { tok: Tok::End, pos: 0 }, prev_operand: false, depth: 0 };
    p.advance(None)?;
    let tree = p.expression(0)?;
    if p.cur.tok != Tok::End {
        return Err(Error::new("S0201", format!("Syntax error: {}", tok_text(&p.cur.tok)))
            .at(p.cur.pos)
            .tok(tok_text(&p.cur.tok)));
    }
    let mut pr = Processor { slots: Vec::new(), next_label: 0 };
    let mut ast = pr.process(tree)?;
    if matches!(ast.kind, Kind::Parent(_)) || !ast.seeking_parent.is_empty() {
        return Err(Error::new(
            "S0217",
            "The object representing the 'parent' cannot be derived from this expression",
        )
        .at(ast.pos)
        .tok(ast.type_name().to_string()));
    }
    pr.finalize(&mut ast);
    Ok(ast)
}

pub(crate) fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Op(o) => (*o).to_string(),
        Tok::Name(n) => n.clone(),
        Tok::Var(v) => format!("${v}"),
        Tok::Str(s) => s.clone(),
        Tok::Num(n) => crate::value::js_number(*n),
        Tok::Value(Lit::True) => "true".into(),
        Tok::Value(Lit::False) => "false".into(),
        Tok::Value(Lit::Null) => "null".into(),
        Tok::Regex { pattern, .. } => format!("/{pattern}/"),
        Tok::End => "(end)".into(),
    }
}

struct Parser<'s> {
    lex: Lexer<'s>,
    cur: Token,
    prev_operand: bool,
    depth: usize,
}

const MAX_NESTING: usize = 2000;

fn lbp(t: &Tok) -> u32 {
    match t {
        Tok::Op(o) => match *o {
            "." => 75,
            "[" | "(" | "@" | "#" => 80,
            "{" => 70,
            "?" => 20,
            "+" | "-" | "&" => 50,
            "*" | "/" | "%" => 60,
            "=" | "<" | ">" | "!=" | "<=" | ">=" | "^" | "~>" | "in" | "??" | "?:" => 40,
            "and" => 30,
            "or" => 25,
            ":=" => 10,
            _ => 0,
        },
        _ => 0,
    }
}

impl Parser<'_> {
    fn is(&self, op: &str) -> bool {
        matches!(&self.cur.tok, Tok::Op(o) if *o == op)
    }

    /// Consumes the current token (checking it is `expect`) and reads the next one.
    fn advance(&mut self, expect: Option<&str>) -> Result<Token, Error> {
        if let Some(e) = expect {
            if !self.is(e) {
                let code = if self.cur.tok == Tok::End { "S0203" } else { "S0202" };
                return Err(Error::new(code, format!("Expected {e}, got {}", tok_text(&self.cur.tok)))
                    .at(self.cur.pos)
                    .tok(tok_text(&self.cur.tok)));
            }
        }
        self.prev_operand = match &self.cur.tok {
            Tok::Op(o) => matches!(*o, ")" | "]" | "}"),
            Tok::End => false,
            _ => true,
        };
        let next = self.lex.next(!self.prev_operand)?;
        Ok(std::mem::replace(&mut self.cur, next))
    }

    fn expression(&mut self, rbp: u32) -> Result<Raw, Error> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Error::new("U1001", "Expression nesting is too deep").at(self.cur.pos));
        }
        let r = stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expression_inner(rbp));
        self.depth -= 1;
        r
    }

    fn expression_inner(&mut self, rbp: u32) -> Result<Raw, Error> {
        let t = self.advance(None)?;
        let mut left = self.nud(t)?;
        while rbp < lbp(&self.cur.tok) {
            let t = self.advance(None)?;
            left = self.led(t, left)?;
        }
        Ok(left)
    }

    fn nud(&mut self, t: Token) -> Result<Raw, Error> {
        let pos = t.pos;
        Ok(match t.tok {
            Tok::Name(n) => raw(RK::Name(n), pos),
            Tok::Var(v) => raw(RK::Var(v), pos),
            Tok::Str(s) => raw(RK::Str(s), pos),
            Tok::Num(n) => raw(RK::Num(n), pos),
            Tok::Value(v) => raw(RK::Value(v), pos),
            Tok::Regex { pattern, flags } => raw(RK::Regex(pattern, flags), pos),
            Tok::End => return Err(Error::new("S0207", "Unexpected end of expression").at(pos)),
            Tok::Op(op) => match op {
                "and" | "or" | "in" => raw(RK::Name(op.to_string()), pos),
                "-" => raw(RK::Neg(Box::new(self.expression(70)?)), pos),
                "*" => raw(RK::Wildcard, pos),
                "**" => raw(RK::Descendant, pos),
                "%" => raw(RK::Parent, pos),
                "(" => {
                    let mut items = Vec::new();
                    while !self.is(")") {
                        items.push(self.expression(0)?);
                        if !self.is(";") {
                            break;
                        }
                        self.advance(Some(";"))?;
                    }
                    self.advance(Some(")"))?;
                    raw(RK::Block(items), pos)
                }
                "[" => {
                    let mut items = Vec::new();
                    if !self.is("]") {
                        loop {
                            let mut item = self.expression(0)?;
                            if self.is("..") {
                                let p = self.cur.pos;
                                self.advance(Some(".."))?;
                                let rhs = self.expression(0)?;
                                item = raw(RK::Binary("..", Box::new(item), Box::new(rhs)), p);
                            }
                            items.push(item);
                            if !self.is(",") {
                                break;
                            }
                            self.advance(Some(","))?;
                        }
                    }
                    self.advance(Some("]"))?;
                    raw(RK::Array(items), pos)
                }
                "{" => raw(RK::Object(self.pairs()?), pos),
                "|" => {
                    let pattern = self.expression(0)?;
                    self.advance(Some("|"))?;
                    let update = self.expression(0)?;
                    let mut delete = None;
                    if self.is(",") {
                        self.advance(Some(","))?;
                        delete = Some(Box::new(self.expression(0)?));
                    }
                    self.advance(Some("|"))?;
                    raw(RK::Transform(Box::new(pattern), Box::new(update), delete), pos)
                }
                _ => {
                    return Err(Error::new(
                        "S0211",
                        format!("The symbol {op} cannot be used as a unary operator"),
                    )
                    .at(pos)
                    .tok(op.to_string()))
                }
            },
        })
    }

    fn pairs(&mut self) -> Result<Vec<(Raw, Raw)>, Error> {
        let mut pairs = Vec::new();
        if !self.is("}") {
            loop {
                let k = self.expression(0)?;
                self.advance(Some(":"))?;
                let v = self.expression(0)?;
                pairs.push((k, v));
                if !self.is(",") {
                    break;
                }
                self.advance(Some(","))?;
            }
        }
        self.advance(Some("}"))?;
        Ok(pairs)
    }

    fn led(&mut self, t: Token, left: Raw) -> Result<Raw, Error> {
        let pos = t.pos;
        let Tok::Op(op) = t.tok else {
            return Err(Error::new("S0201", "Syntax error").at(pos));
        };
        let l = Box::new(left);
        Ok(match op {
            "." | "+" | "-" | "*" | "/" | "%" | "=" | "<" | ">" | "!=" | "<=" | ">=" | "&" | "and" | "or"
            | "in" | "~>" => {
                let rhs = self.expression(lbp(&Tok::Op(op)))?;
                raw(RK::Binary(op, l, Box::new(rhs)), pos)
            }
            ":=" => {
                let RK::Var(name) = &l.k else {
                    return Err(Error::new(
                        "S0212",
                        "The left side of := must be a variable name (start with $)",
                    )
                    .at(l.pos)
                    .tok(":=".into()));
                };
                let name = name.clone();
                let rhs = self.expression(9)?;
                raw(RK::Bind(name, Box::new(rhs)), pos)
            }
            "?" => {
                let then = self.expression(0)?;
                let mut els = None;
                if self.is(":") {
                    self.advance(Some(":"))?;
                    els = Some(Box::new(self.expression(0)?));
                }
                raw(RK::Cond(l, Box::new(then), els), pos)
            }
            "??" => raw(RK::Coalesce(l, Box::new(self.expression(0)?)), pos),
            "?:" => raw(RK::Elvis(l, Box::new(self.expression(0)?)), pos),
            "(" => {
                let mut args = Vec::new();
                let mut partial = false;
                if !self.is(")") {
                    loop {
                        if self.is("?") {
                            partial = true;
                            let p = self.cur.pos;
                            self.advance(Some("?"))?;
                            args.push(raw(RK::Placeholder, p));
                        } else {
                            args.push(self.expression(0)?);
                        }
                        if !self.is(",") {
                            break;
                        }
                        self.advance(Some(","))?;
                    }
                }
                self.advance(Some(")"))?;
                if matches!(&l.k, RK::Name(n) if n == "function" || n == "λ") {
                    let mut params = Vec::new();
                    for a in &args {
                        match &a.k {
                            RK::Var(v) => params.push(v.clone()),
                            _ => {
                                return Err(Error::new(
                                    "S0208",
                                    "Parameter of function definition must be a variable name (start with $)",
                                )
                                .at(a.pos))
                            }
                        }
                    }
                    let mut sig = None;
                    if self.is("<") {
                        let mut depth = 1;
                        let mut s = String::from("<");
                        self.advance(Some("<"))?;
                        while depth > 0 && !self.is("{") && self.cur.tok != Tok::End {
                            let t = self.advance(None)?;
                            if matches!(t.tok, Tok::Op(">")) {
                                depth -= 1;
                            } else if matches!(t.tok, Tok::Op("<")) {
                                depth += 1;
                            }
                            s.push_str(&tok_text(&t.tok));
                        }
                        sig = Some(Signature::parse(&s).map_err(|e| e.at(pos))?);
                    }
                    self.advance(Some("{"))?;
                    let body = self.expression(0)?;
                    self.advance(Some("}"))?;
                    raw(RK::Lambda(params, sig, Box::new(body)), pos)
                } else {
                    raw(RK::Call(l, args, partial), pos)
                }
            }
            "[" => {
                if self.is("]") {
                    let mut l = l;
                    mark_keep_array(&mut l);
                    self.advance(Some("]"))?;
                    return Ok(*l);
                }
                let rhs = self.expression(0)?;
                self.advance(Some("]"))?;
                raw(RK::Filter(l, Box::new(rhs)), pos)
            }
            "{" => raw(RK::Group(l, self.pairs()?), pos),
            "^" => {
                self.advance(Some("("))?;
                let mut terms = Vec::new();
                loop {
                    let mut desc = false;
                    if self.is("<") {
                        self.advance(Some("<"))?;
                    } else if self.is(">") {
                        desc = true;
                        self.advance(Some(">"))?;
                    }
                    terms.push((desc, self.expression(0)?));
                    if !self.is(",") {
                        break;
                    }
                    self.advance(Some(","))?;
                }
                self.advance(Some(")"))?;
                raw(RK::Sort(l, terms), pos)
            }
            "@" | "#" => {
                let rhs = self.expression(80)?;
                let RK::Var(v) = rhs.k else {
                    return Err(Error::new(
                        "S0214",
                        format!("The right side of {op} must be a variable name (start with $)"),
                    )
                    .at(rhs.pos)
                    .tok(op.to_string()));
                };
                if op == "@" {
                    raw(RK::Focus(l, v), pos)
                } else {
                    raw(RK::IndexBind(l, v), pos)
                }
            }
            _ => return Err(Error::new("S0201", format!("Syntax error: {op}")).at(pos).tok(op.to_string())),
        })
    }
}

fn mark_keep_array(r: &mut Raw) {
    match &mut r.k {
        RK::Filter(l, _) => mark_keep_array(l),
        _ => r.keep_array = true,
    }
}

struct Slot {
    label: usize,
    level: i32,
}

struct Processor {
    slots: Vec<Slot>,
    next_label: usize,
}

fn path(steps: Vec<Node>, pos: usize) -> Node {
    Node::new(Kind::Path { steps, keep_singleton: false }, pos)
}

fn push_ancestry(result: &mut Node, value: &Node) {
    result.seeking_parent.extend(value.seeking_parent.iter().copied());
    if let Kind::Parent(s) = value.kind {
        result.seeking_parent.push(s);
    }
}

impl Processor {
    fn process(&mut self, r: Raw) -> Result<Node, Error> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.process_inner(r))
    }

    fn process_inner(&mut self, r: Raw) -> Result<Node, Error> {
        let pos = r.pos;
        let keep = r.keep_array;
        let mut result = match r.k {
            RK::Binary(".", l, rr) => {
                let lstep = self.process(*l)?;
                let parent_slot = if let Kind::Parent(s) = lstep.kind { Some(s) } else { None };
                let mut result =
                    if matches!(lstep.kind, Kind::Path { .. }) { lstep } else { path(vec![lstep], pos) };
                if let Some(s) = parent_slot {
                    result.seeking_parent = vec![s];
                }
                let mut rest = self.process(*rr)?;
                let Kind::Path { steps, keep_singleton } = &mut result.kind else { return Err(internal()) };
                if let Kind::Path { steps: more, .. } = rest.kind {
                    steps.extend(more);
                } else {
                    for p in std::mem::take(&mut rest.predicates) {
                        rest.stages.push(Stage::Filter(p));
                    }
                    steps.push(rest);
                }
                for step in steps.iter_mut() {
                    match &step.kind {
                        Kind::Num(_) | Kind::Bool(_) | Kind::Null => {
                            return Err(Error::new(
                                "S0213",
                                "The literal value cannot be used as a step within a path expression",
                            )
                            .at(step.pos));
                        }
                        Kind::Str(s) => step.kind = Kind::Name(s.clone()),
                        _ => {}
                    }
                }
                if steps.iter().any(|s| s.keep_array) {
                    *keep_singleton = true;
                }
                if let Some(first) = steps.first_mut() {
                    if matches!(first.kind, Kind::Array(_)) {
                        first.cons_array = true;
                    }
                }
                if let Some(last) = steps.last_mut() {
                    if matches!(last.kind, Kind::Array(_)) {
                        last.cons_array = true;
                    }
                }
                self.resolve_ancestry(&mut result)?;
                result
            }
            RK::Filter(l, rr) => {
                let mut result = self.process(*l)?;
                let is_path = matches!(result.kind, Kind::Path { .. });
                let mut predicate = self.process(*rr)?;
                {
                    let step: &mut Node = match &mut result.kind {
                        Kind::Path { steps, .. } if !steps.is_empty() => {
                            steps.last_mut().ok_or_else(internal)?
                        }
                        _ => &mut result,
                    };
                    if step.group.is_some() {
                        return Err(Error::new(
                            "S0209",
                            "A predicate cannot follow a grouping expression in a step",
                        )
                        .at(pos));
                    }
                    if !predicate.seeking_parent.is_empty() {
                        let sp = predicate.seeking_parent.clone();
                        for slot in sp {
                            if self.slots[slot].level == 1 {
                                self.seek_parent(step, slot)?;
                            } else {
                                self.slots[slot].level -= 1;
                            }
                        }
                        push_ancestry(step, &predicate);
                    }
                    predicate.seeking_parent.clear();
                    if is_path {
                        step.stages.push(Stage::Filter(predicate));
                    } else {
                        step.predicates.push(predicate);
                    }
                }
                result
            }
            RK::Group(l, pairs) => {
                let mut result = self.process(*l)?;
                if result.group.is_some() {
                    return Err(
                        Error::new("S0210", "Each step can only have one grouping expression").at(pos)
                    );
                }
                let mut ps = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    ps.push((self.process(k)?, self.process(v)?));
                }
                result.group = Some(Box::new(Group { pairs: ps, pos }));
                result
            }
            RK::Sort(l, terms) => {
                let mut result = self.process(*l)?;
                if !matches!(result.kind, Kind::Path { .. }) {
                    result = path(vec![result], pos);
                }
                let mut sort = Node::new(Kind::Sort(Vec::new()), pos);
                let mut ts = Vec::new();
                for (descending, e) in terms {
                    let expr = self.process(e)?;
                    push_ancestry(&mut sort, &expr);
                    ts.push(SortTerm { descending, expr });
                }
                sort.kind = Kind::Sort(ts);
                if let Kind::Path { steps, .. } = &mut result.kind {
                    steps.push(sort);
                }
                self.resolve_ancestry(&mut result)?;
                result
            }
            RK::Bind(name, rhs) => {
                let rhs = self.process(*rhs)?;
                let mut n = Node::new(Kind::Var("".into()), pos);
                push_ancestry(&mut n, &rhs);
                n.kind = Kind::Bind(name.into(), Box::new(rhs));
                n
            }
            RK::Focus(l, var) => {
                let mut result = self.process(*l)?;
                {
                    let step: &mut Node = match &mut result.kind {
                        Kind::Path { steps, .. } if !steps.is_empty() => {
                            steps.last_mut().ok_or_else(internal)?
                        }
                        _ => &mut result,
                    };
                    if !step.stages.is_empty() || !step.predicates.is_empty() {
                        return Err(Error::new(
                            "S0215",
                            "A context variable binding must precede any predicates on a step",
                        )
                        .at(pos));
                    }
                    if matches!(step.kind, Kind::Sort(_)) {
                        return Err(Error::new(
                            "S0216",
                            "A context variable binding must precede the 'order-by' clause on a step",
                        )
                        .at(pos));
                    }
                    if keep {
                        step.keep_array = true;
                    }
                    step.focus = Some(var.into());
                    step.tuple = true;
                }
                result
            }
            RK::IndexBind(l, var) => {
                let mut result = self.process(*l)?;
                if !matches!(result.kind, Kind::Path { .. }) {
                    let mut step = result;
                    for p in std::mem::take(&mut step.predicates) {
                        step.stages.push(Stage::Filter(p));
                    }
                    result = path(vec![step], pos);
                }
                if let Kind::Path { steps, .. } = &mut result.kind {
                    if let Some(step) = steps.last_mut() {
                        if step.stages.is_empty() {
                            step.index = Some(var.into());
                        } else {
                            step.stages.push(Stage::Index(var.into()));
                        }
                        step.tuple = true;
                    }
                }
                result
            }
            RK::Binary("~>", l, rr) => {
                let lhs = self.process(*l)?;
                let rhs = self.process(*rr)?;
                let mut n = Node::new(Kind::Null, pos);
                n.keep_array = lhs.keep_array || rhs.keep_array;
                n.kind = Kind::Apply(Box::new(lhs), Box::new(rhs));
                n
            }
            RK::Binary(op, l, rr) => {
                let bop = match op {
                    "+" => BinOp::Add,
                    "-" => BinOp::Sub,
                    "*" => BinOp::Mul,
                    "/" => BinOp::Div,
                    "%" => BinOp::Mod,
                    "=" => BinOp::Eq,
                    "!=" => BinOp::Ne,
                    "<" => BinOp::Lt,
                    "<=" => BinOp::Le,
                    ">" => BinOp::Gt,
                    ">=" => BinOp::Ge,
                    "&" => BinOp::Concat,
                    "and" => BinOp::And,
                    "or" => BinOp::Or,
                    "in" => BinOp::In,
                    ".." => BinOp::Range,
                    _ => return Err(Error::new("S0204", format!("Unknown operator: {op}")).at(pos)),
                };
                let lhs = self.process(*l)?;
                let rhs = self.process(*rr)?;
                let mut n = Node::new(Kind::Null, pos);
                push_ancestry(&mut n, &lhs);
                push_ancestry(&mut n, &rhs);
                n.kind = Kind::Binary(bop, Box::new(lhs), Box::new(rhs));
                n
            }
            RK::Neg(e) => {
                let inner = self.process(*e)?;
                if let Kind::Num(v) = inner.kind {
                    let mut n = inner;
                    n.kind = Kind::Num(-v);
                    n
                } else {
                    let mut n = Node::new(Kind::Null, pos);
                    push_ancestry(&mut n, &inner);
                    n.kind = Kind::Neg(Box::new(inner));
                    n
                }
            }
            RK::Array(items) => {
                let mut n = Node::new(Kind::Null, pos);
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    let v = self.process(i)?;
                    push_ancestry(&mut n, &v);
                    out.push(v);
                }
                n.kind = Kind::Array(out);
                n
            }
            RK::Object(pairs) => {
                let mut n = Node::new(Kind::Null, pos);
                let mut out = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let k = self.process(k)?;
                    push_ancestry(&mut n, &k);
                    let v = self.process(v)?;
                    push_ancestry(&mut n, &v);
                    out.push((k, v));
                }
                n.kind = Kind::Object(Group { pairs: out, pos });
                n
            }
            RK::Call(p, args, partial) => {
                let mut n = Node::new(Kind::Null, pos);
                let mut out = Vec::with_capacity(args.len());
                for a in args {
                    if matches!(a.k, RK::Placeholder) {
                        out.push(None);
                        continue;
                    }
                    let v = self.process(a)?;
                    push_ancestry(&mut n, &v);
                    out.push(Some(v));
                }
                let proc = Box::new(self.process(*p)?);
                n.kind = if partial {
                    Kind::Partial { proc, args: out }
                } else {
                    Kind::Call { proc, args: out.into_iter().flatten().collect(), tail: false }
                };
                n
            }
            RK::Lambda(params, sig, body) => {
                let signature = sig;
                let mut body = self.process(*body)?;
                tail_call_optimize(&mut body);
                Node::new(
                    Kind::Lambda(Arc::new(LambdaDef {
                        params: params.into_iter().map(Str::from).collect(),
                        signature,
                        body,
                    })),
                    pos,
                )
            }
            RK::Cond(c, t, e) => {
                let mut n = Node::new(Kind::Null, pos);
                let c = self.process(*c)?;
                push_ancestry(&mut n, &c);
                let t = self.process(*t)?;
                push_ancestry(&mut n, &t);
                let e = match e {
                    Some(e) => {
                        let e = self.process(*e)?;
                        push_ancestry(&mut n, &e);
                        Some(Box::new(e))
                    }
                    None => None,
                };
                n.kind = Kind::Condition(Box::new(c), Box::new(t), e);
                n
            }
            RK::Coalesce(l, rr) => {
                let cond = raw(
                    RK::Call(Box::new(raw(RK::Var("exists".into()), pos)), vec![(*l).clone()], false),
                    pos,
                );
                self.process(raw(RK::Cond(Box::new(cond), l, Some(rr)), pos))?
            }
            RK::Elvis(l, rr) => self.process(raw(RK::Cond(l.clone(), l, Some(rr)), pos))?,
            RK::Transform(p, u, d) => {
                let pattern = self.process(*p)?;
                let update = self.process(*u)?;
                let delete = match d {
                    Some(d) => Some(self.process(*d)?),
                    None => None,
                };
                Node::new(Kind::Transform(Arc::new(TransformDef { pattern, update, delete })), pos)
            }
            RK::Block(items) => {
                let mut n = Node::new(Kind::Null, pos);
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    let part = self.process(i)?;
                    push_ancestry(&mut n, &part);
                    let cons = part.cons_array
                        || matches!(&part.kind, Kind::Path { steps, .. } if steps.first().is_some_and(|s| s.cons_array));
                    if cons {
                        n.cons_array = true;
                    }
                    out.push(part);
                }
                n.kind = Kind::Block(out);
                n
            }
            RK::Name(name) => {
                let mut p = path(vec![Node::new(Kind::Name(name.into()), pos)], pos);
                if keep {
                    if let Kind::Path { keep_singleton, .. } = &mut p.kind {
                        *keep_singleton = true;
                    }
                    if let Kind::Path { steps, .. } = &mut p.kind {
                        steps[0].keep_array = true;
                    }
                }
                p
            }
            RK::Parent => {
                let id = self.slots.len();
                self.slots.push(Slot { label: self.next_label, level: 1 });
                self.next_label += 1;
                Node::new(Kind::Parent(id), pos)
            }
            RK::Str(s) => Node::new(Kind::Str(s.into()), pos),
            RK::Num(n) => Node::new(Kind::Num(n), pos),
            RK::Value(Lit::True) => Node::new(Kind::Bool(true), pos),
            RK::Value(Lit::False) => Node::new(Kind::Bool(false), pos),
            RK::Value(Lit::Null) => Node::new(Kind::Null, pos),
            RK::Wildcard => Node::new(Kind::Wildcard, pos),
            RK::Descendant => Node::new(Kind::Descendant, pos),
            RK::Var(v) => Node::new(Kind::Var(v.into()), pos),
            RK::Regex(p, f) => {
                Node::new(Kind::Regex(Arc::new(JsRegex::new(&p, &f).map_err(|e| e.at(pos))?)), pos)
            }
            RK::Placeholder => Node::new(Kind::Placeholder, pos),
        };
        if keep {
            result.keep_array = true;
        }
        Ok(result)
    }

    fn seek_parent(&mut self, node: &mut Node, slot: usize) -> Result<(), Error> {
        match &mut node.kind {
            Kind::Name(_) | Kind::Wildcard => {
                self.slots[slot].level -= 1;
                if self.slots[slot].level == 0 {
                    if let Some(existing) = node.ancestor {
                        self.slots[slot].label = self.slots[existing].label;
                    }
                    node.ancestor = Some(slot);
                    node.tuple = true;
                }
            }
            Kind::Parent(_) => self.slots[slot].level += 1,
            Kind::Block(exprs) => {
                if let Some(last) = exprs.last_mut() {
                    node.tuple = true;
                    self.seek_parent(last, slot)?;
                }
            }
            Kind::Path { steps, .. } => {
                node.tuple = true;
                let mut index = steps.len() as isize - 1;
                if index >= 0 {
                    self.seek_parent(&mut steps[index as usize], slot)?;
                    index -= 1;
                }
                while self.slots[slot].level > 0 && index >= 0 {
                    self.seek_parent(&mut steps[index as usize], slot)?;
                    index -= 1;
                }
            }
            _ => {
                return Err(Error::new(
                    "S0217",
                    "The object representing the 'parent' cannot be derived from this expression",
                )
                .at(node.pos)
                .tok(node.type_name().to_string()));
            }
        }
        Ok(())
    }

    fn resolve_ancestry(&mut self, p: &mut Node) -> Result<(), Error> {
        let Kind::Path { steps, .. } = &mut p.kind else { return Ok(()) };
        let Some(last) = steps.last() else { return Ok(()) };
        let mut slots = last.seeking_parent.clone();
        if let Kind::Parent(s) = last.kind {
            slots.push(s);
        }
        for slot in slots {
            let mut index = steps.len() as isize - 2;
            while self.slots[slot].level > 0 {
                if index < 0 {
                    p.seeking_parent.push(slot);
                    break;
                }
                let mut i = index as usize;
                index -= 1;
                while index >= 0 && steps[i].focus.is_some() && steps[index as usize].focus.is_some() {
                    i = index as usize;
                    index -= 1;
                }
                self.seek_parent(&mut steps[i], slot)?;
            }
        }
        Ok(())
    }

    fn label(&self, slot: usize) -> Str {
        Str::from(format!("!{}", self.slots[slot].label))
    }

    fn finalize(&self, n: &mut Node) {
        if let Kind::Parent(s) = n.kind {
            n.label = Some(self.label(s));
        }
        if let Some(s) = n.ancestor {
            n.label = Some(self.label(s));
        }
        for_each_child(n, &mut |c| self.finalize(c));
    }
}

fn internal() -> Error {
    Error::new("S0500", "internal parser error")
}

fn tail_call_optimize(n: &mut Node) {
    match &mut n.kind {
        Kind::Call { tail, .. } if n.predicates.is_empty() => *tail = true,
        Kind::Condition(_, t, e) => {
            tail_call_optimize(t);
            if let Some(e) = e {
                tail_call_optimize(e);
            }
        }
        Kind::Block(items) => {
            if let Some(last) = items.last_mut() {
                tail_call_optimize(last);
            }
        }
        _ => {}
    }
}

/// Visits every direct child node (except inside lambda bodies and transforms, which are
/// shared and finalized when created).
fn for_each_child(n: &mut Node, f: &mut dyn FnMut(&mut Node)) {
    for p in &mut n.predicates {
        f(p);
    }
    for s in &mut n.stages {
        if let Stage::Filter(p) = s {
            f(p);
        }
    }
    if let Some(g) = &mut n.group {
        for (k, v) in &mut g.pairs {
            f(k);
            f(v);
        }
    }
    match &mut n.kind {
        Kind::Path { steps, .. } => steps.iter_mut().for_each(f),
        Kind::Binary(_, a, b) | Kind::Apply(a, b) => {
            f(a);
            f(b);
        }
        Kind::Neg(a) | Kind::Bind(_, a) => f(a),
        Kind::Array(items) | Kind::Block(items) => items.iter_mut().for_each(f),
        Kind::Object(g) => {
            for (k, v) in &mut g.pairs {
                f(k);
                f(v);
            }
        }
        Kind::Condition(c, t, e) => {
            f(c);
            f(t);
            if let Some(e) = e {
                f(e);
            }
        }
        Kind::Call { proc, args, .. } => {
            f(proc);
            args.iter_mut().for_each(f);
        }
        Kind::Partial { proc, args } => {
            f(proc);
            args.iter_mut().flatten().for_each(f);
        }
        Kind::Lambda(def) => {
            if let Some(d) = Arc::get_mut(def) {
                f(&mut d.body);
            }
        }
        Kind::Transform(def) => {
            if let Some(d) = Arc::get_mut(def) {
                f(&mut d.pattern);
                f(&mut d.update);
                if let Some(x) = &mut d.delete {
                    f(x);
                }
            }
        }
        Kind::Sort(terms) => terms.iter_mut().for_each(|t| f(&mut t.expr)),
        _ => {}
    }
}
