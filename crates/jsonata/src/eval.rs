//! The tree-walking evaluator: operators, blocks, variables, function application (with
//! signatures, partial application and a trampoline for tail calls), transforms, and the
//! depth and step limits. Path navigation lives in `path.rs`.
//!
//! Variable frames live in an arena owned by one evaluation (closures refer to frames by
//! index), so recursive closures cannot leak reference cycles and everything is freed when
//! the evaluation ends.

use crate::ast::{BinOp, Kind, Node, TransformDef};
use crate::functions::{self, Builtin};
use crate::value::{js_number, FrameId, Func, ObjMap, Str, Tuple, Val, CONS, KEEP, OUTER, SEQ};
use crate::{Env, Error, Options, Variables};
use std::collections::HashMap;
use std::rc::Rc;

pub(crate) struct Frame<'a> {
    parent: Option<FrameId>,
    vars: Vec<(Str, Val<'a>)>,
}

pub(crate) struct Ev<'a, 'e> {
    frames: Vec<Frame<'a>>,
    pub(crate) env: &'e dyn Env,
    vars: &'a dyn Variables,
    pub(crate) opts: &'e Options,
    steps: u64,
    depth: usize,
    now: Option<i64>,
    /// Frames below this index may be referenced by closures and must be kept.
    pinned: usize,
    /// The evaluation's input, which `$$` names.
    pub(crate) root_input: Val<'a>,
}

pub(crate) type R<'a> = Result<Val<'a>, Error>;

impl<'a, 'e> Ev<'a, 'e> {
    pub(crate) fn new(env: &'e dyn Env, opts: &'e Options, vars: &'a dyn Variables) -> Self {
        Ev {
            frames: Vec::with_capacity(8),
            env,
            vars,
            opts,
            steps: 0,
            depth: 0,
            now: None,
            pinned: 0,
            root_input: Val::Undef,
        }
    }

    /// The instant of this evaluation (read from `Env` once).
    pub(crate) fn now(&mut self) -> i64 {
        *self.now.get_or_insert_with(|| self.env.now_millis())
    }

    pub(crate) fn new_frame(&mut self, parent: Option<FrameId>) -> FrameId {
        self.frames.push(Frame { parent, vars: Vec::new() });
        self.frames.len() - 1
    }

    /// Frames live on a stack: when a scope ends, its frames are dropped unless a closure
    /// captured one of them (see `pin`). Keeps tail-recursive loops in constant memory.
    pub(crate) fn release(&mut self, mark: usize) {
        if mark >= self.pinned && mark < self.frames.len() {
            self.frames.truncate(mark);
        }
    }

    fn pin(&mut self, frame: FrameId) {
        self.pinned = self.pinned.max(frame + 1);
    }

    pub(crate) fn frame_count(&self) -> usize {
        self.frames.len()
    }

    pub(crate) fn bind(&mut self, frame: FrameId, name: Str, v: Val<'a>) {
        let vars = &mut self.frames[frame].vars;
        if let Some(slot) = vars.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = v;
        } else {
            vars.push((name, v));
        }
    }

    pub(crate) fn lookup(&self, frame: FrameId, name: &str) -> Option<Val<'a>> {
        if let Some(v) = self.lookup_user(frame, name) {
            return Some(v);
        }
        let b = Builtin::resolve(name, self.opts)?;
        Some(Val::Func(Rc::new(Func::Builtin(b))))
    }

    /// Variables bound by the expression or the caller (not the function library).
    fn lookup_user(&self, mut frame: FrameId, name: &str) -> Option<Val<'a>> {
        loop {
            let f = &self.frames[frame];
            if let Some((_, v)) = f.vars.iter().rev().find(|(n, _)| &**n == name) {
                return Some(v.clone());
            }
            match f.parent {
                Some(p) => frame = p,
                None => break,
            }
        }
        if name == "$" {
            return Some(self.root_input.clone());
        }
        self.vars.get(name).map(Val::from_json)
    }

    pub(crate) fn frame_from_tuple(&mut self, parent: FrameId, t: &Tuple<'a>) -> FrameId {
        self.frames.push(Frame { parent: Some(parent), vars: t.binds.clone() });
        self.frames.len() - 1
    }

    fn tick(&mut self) -> Result<(), Error> {
        self.steps += 1;
        if self.steps > self.opts.limits.max_steps {
            return Err(Error::new(
                "U1001",
                format!("Evaluation step budget of {} exceeded", self.opts.limits.max_steps),
            ));
        }
        Ok(())
    }

    /// Charges `n` steps at once (for builtins that do work proportional to their input).
    pub(crate) fn charge(&mut self, n: u64) -> Result<(), Error> {
        self.steps = self.steps.saturating_add(n);
        self.tick()
    }

    pub(crate) fn eval(&mut self, node: &Node, input: &Val<'a>, env: FrameId) -> R<'a> {
        self.tick()?;
        self.depth += 1;
        if self.depth > self.opts.limits.max_depth {
            self.depth -= 1;
            return Err(Error::new(
                "U1001",
                "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
            )
            .at(node.pos));
        }
        // Checking the remaining stack every few levels is enough: the red zone covers the
        // frames in between (debug builds included).
        let r = if self.depth & 7 == 0 {
            stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || self.eval_node(node, input, env))
        } else {
            self.eval_node(node, input, env)
        };
        self.depth -= 1;
        r
    }

    fn eval_node(&mut self, node: &Node, input: &Val<'a>, env: FrameId) -> R<'a> {
        let mut result = match &node.kind {
            Kind::Path { .. } => self.eval_path(node, input, env)?,
            Kind::Binary(op, l, r) => {
                self.eval_binary(*op, l, r, input, env).map_err(|e| e.at_default(node.pos))?
            }
            Kind::Neg(e) => match self.eval(e, input, env)? {
                Val::Undef => Val::Undef,
                Val::Num(n) => Val::Num(-n),
                other => {
                    return Err(Error::new(
                        "D1002",
                        format!("Cannot negate a non-numeric value: {}", functions::describe(&other)),
                    )
                    .at(node.pos)
                    .tok("-".into()))
                }
            },
            Kind::Array(items) => {
                let mut out: Vec<Val<'a>> = Vec::with_capacity(items.len());
                for item in items {
                    let v = self.eval(item, input, env)?;
                    if v.is_undef() {
                        continue;
                    }
                    if matches!(item.kind, Kind::Array(_)) {
                        out.push(v);
                    } else {
                        push_flat(&mut out, v);
                    }
                }
                Val::Arr(Rc::new(out), if node.cons_array { CONS } else { 0 })
            }
            Kind::Object(g) => self.eval_group(g, input.clone(), env)?,
            Kind::Name(n) => lookup_field(input, n),
            Kind::Str(s) => Val::Str(s.clone()),
            Kind::Num(n) => Val::Num(*n),
            Kind::Bool(b) => Val::Bool(*b),
            Kind::Null => Val::Null,
            Kind::Wildcard => wildcard(input),
            Kind::Descendant => descendants(input),
            Kind::Parent(_) => match &node.label {
                Some(l) => self.lookup(env, l).unwrap_or(Val::Undef),
                None => Val::Undef,
            },
            Kind::Var(name) => {
                if name.is_empty() {
                    match input {
                        Val::Arr(a, f) if f & OUTER != 0 => a.first().cloned().unwrap_or(Val::Undef),
                        other => other.clone(),
                    }
                } else {
                    self.lookup(env, name).unwrap_or(Val::Undef)
                }
            }
            Kind::Regex(re) => Val::Func(Rc::new(Func::Regex(re.clone()))),
            Kind::Condition(c, t, e) => {
                let cv = self.eval(c, input, env)?;
                if functions::truthy(&cv) {
                    self.eval(t, input, env)?
                } else if let Some(e) = e {
                    self.eval(e, input, env)?
                } else {
                    Val::Undef
                }
            }
            Kind::Block(items) => {
                let mark = self.frames.len();
                let frame = self.new_frame(Some(env));
                let mut r = Val::Undef;
                for item in items {
                    r = self.eval(item, input, frame)?;
                }
                self.release(mark);
                r
            }
            Kind::Bind(name, rhs) => {
                let v = self.eval(rhs, input, env)?;
                self.bind(env, name.clone(), v.clone());
                v
            }
            Kind::Call { proc, args, tail } => self.eval_call(node, proc, args, *tail, None, input, env)?,
            Kind::Partial { proc, args } => self.eval_partial(node, proc, args, input, env)?,
            Kind::Lambda(def) => {
                self.pin(env);
                Val::Func(Rc::new(Func::Lambda { def: def.clone(), env, input: input.clone() }))
            }
            Kind::Apply(l, r) => self.eval_apply(node, l, r, input, env)?,
            Kind::Transform(def) => {
                self.pin(env);
                Val::Func(Rc::new(Func::Transform { def: def.clone(), env }))
            }
            Kind::Sort(_) => {
                let seq = if input.is_array() { input.clone() } else { Val::seq(vec![input.clone()]) };
                self.eval_sort(node, seq, env)?
            }
            Kind::Placeholder => Val::Undef,
        };
        for p in &node.predicates {
            result = self.eval_filter(p, result, env)?;
        }
        if !matches!(node.kind, Kind::Path { .. }) {
            if let Some(g) = &node.group {
                result = self.eval_group(g, result, env)?;
            }
        }
        if let Val::Arr(a, f) = &result {
            if f & SEQ != 0 {
                let flags = if node.keep_array { f | KEEP } else { *f };
                if a.is_empty() {
                    return Ok(Val::Undef);
                }
                if a.len() == 1 && flags & KEEP == 0 {
                    return Ok(a[0].clone());
                }
                if flags != *f {
                    return Ok(Val::Arr(a.clone(), flags));
                }
            }
        }
        Ok(result)
    }

    fn eval_binary(&mut self, op: BinOp, l: &Node, r: &Node, input: &Val<'a>, env: FrameId) -> R<'a> {
        let lhs = self.eval(l, input, env)?;
        let tok = || op.token().to_string();
        match op {
            BinOp::And => {
                if !functions::truthy(&lhs) {
                    return Ok(Val::Bool(false));
                }
                let rhs = self.eval(r, input, env)?;
                return Ok(Val::Bool(functions::truthy(&rhs)));
            }
            BinOp::Or => {
                if functions::truthy(&lhs) {
                    return Ok(Val::Bool(true));
                }
                let rhs = self.eval(r, input, env)?;
                return Ok(Val::Bool(functions::truthy(&rhs)));
            }
            _ => {}
        }
        let rhs = self.eval(r, input, env)?;
        let pos = r.pos.min(l.pos).max(l.pos);
        let _ = pos;
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                let ln = match &lhs {
                    Val::Undef => None,
                    Val::Num(n) => Some(check_finite(*n)?),
                    other => {
                        return Err(Error::new(
                            "T2001",
                            format!("The left side of the {} operator must evaluate to a number", op.token()),
                        )
                        .tok(tok())
                        .val(functions::describe(other)))
                    }
                };
                let rn = match &rhs {
                    Val::Undef => None,
                    Val::Num(n) => Some(check_finite(*n)?),
                    other => {
                        return Err(Error::new(
                            "T2002",
                            format!(
                                "The right side of the {} operator must evaluate to a number",
                                op.token()
                            ),
                        )
                        .tok(tok())
                        .val(functions::describe(other)))
                    }
                };
                let (Some(a), Some(b)) = (ln, rn) else { return Ok(Val::Undef) };
                Ok(Val::Num(match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    _ => a % b,
                }))
            }
            BinOp::Eq | BinOp::Ne => {
                if lhs.is_undef() || rhs.is_undef() {
                    return Ok(Val::Bool(false));
                }
                let eq = lhs.deep_eq(&rhs);
                Ok(Val::Bool(if op == BinOp::Eq { eq } else { !eq }))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let comparable = |v: &Val<'_>| v.is_undef() || v.is_string() || v.is_number();
                if !comparable(&lhs) || !comparable(&rhs) {
                    let bad = if !(lhs.is_string() || lhs.is_number()) { &lhs } else { &rhs };
                    return Err(Error::new(
                        "T2010",
                        format!("The expressions either side of operator {} must evaluate to numeric or string values", op.token()),
                    )
                    .tok(tok())
                    .val(functions::describe(bad)));
                }
                if lhs.is_undef() || rhs.is_undef() {
                    return Ok(Val::Undef);
                }
                let ord = match (&lhs, &rhs) {
                    (Val::Num(a), Val::Num(b)) => a.partial_cmp(b),
                    (a, b) if a.is_string() && b.is_string() => {
                        Some(functions::js_str_cmp(a.as_str().unwrap_or(""), b.as_str().unwrap_or("")))
                    }
                    _ => {
                        return Err(Error::new(
                            "T2009",
                            format!(
                            "The values {} and {} either side of operator {} must be of the same data type",
                            functions::describe(&lhs),
                            functions::describe(&rhs),
                            op.token()
                        ),
                        )
                        .tok(tok()))
                    }
                };
                use std::cmp::Ordering::*;
                Ok(Val::Bool(match (op, ord) {
                    (_, None) => false,
                    (BinOp::Lt, Some(o)) => o == Less,
                    (BinOp::Le, Some(o)) => o != Greater,
                    (BinOp::Gt, Some(o)) => o == Greater,
                    (_, Some(o)) => o != Less,
                }))
            }
            BinOp::Concat => {
                let mut s = String::new();
                if !lhs.is_undef() {
                    s.push_str(&functions::to_string(&lhs, false)?);
                }
                if !rhs.is_undef() {
                    s.push_str(&functions::to_string(&rhs, false)?);
                }
                Ok(Val::string(s))
            }
            BinOp::Range => {
                let int = |v: &Val<'_>| matches!(v, Val::Num(n) if n.fract() == 0.0 && n.is_finite());
                if !lhs.is_undef() && !int(&lhs) {
                    return Err(Error::new(
                        "T2003",
                        "The left side of the range operator (..) must evaluate to an integer",
                    )
                    .tok(tok())
                    .val(functions::describe(&lhs)));
                }
                if !rhs.is_undef() && !int(&rhs) {
                    return Err(Error::new(
                        "T2004",
                        "The right side of the range operator (..) must evaluate to an integer",
                    )
                    .tok(tok())
                    .val(functions::describe(&rhs)));
                }
                let (Val::Num(a), Val::Num(b)) = (&lhs, &rhs) else { return Ok(Val::Undef) };
                if a > b {
                    return Ok(Val::Undef);
                }
                let size = b - a + 1.0;
                if size > 1e7 {
                    return Err(Error::new(
                        "D2014",
                        format!("The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {}.", js_number(size)),
                    )
                    .tok(tok()));
                }
                self.charge(size as u64)?;
                let (a, n) = (*a as i64, size as i64);
                Ok(Val::seq((0..n).map(|i| Val::Num((a + i) as f64)).collect()))
            }
            BinOp::In => {
                if lhs.is_undef() || rhs.is_undef() {
                    return Ok(Val::Bool(false));
                }
                let found = rhs.members().iter().any(|v| strict_eq(v, &lhs));
                Ok(Val::Bool(found))
            }
            BinOp::And | BinOp::Or => Ok(Val::Undef),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_call(
        &mut self,
        node: &Node,
        proc_node: &Node,
        arg_nodes: &[Node],
        tail: bool,
        applyto: Option<Val<'a>>,
        input: &Val<'a>,
        env: FrameId,
    ) -> R<'a> {
        if let Kind::Var(vname) = &proc_node.kind {
            if !tail && self.lookup_user(env, vname).is_none() {
                if let Some(b) = Builtin::resolve(vname, self.opts) {
                    let mut args = Vec::with_capacity(arg_nodes.len() + 1);
                    if let Some(a) = applyto {
                        args.push(a);
                    }
                    for a in arg_nodes {
                        args.push(self.eval(a, input, env)?);
                    }
                    return self.call_builtin(b, args, input, env).map_err(|e| e.with_fn(vname, node.pos));
                }
            }
        }
        let proc = self.eval(proc_node, input, env)?;
        if proc.is_undef() {
            if let Kind::Path { steps, .. } = &proc_node.kind {
                if let Some(Node { kind: Kind::Name(n), .. }) = steps.first() {
                    if self.lookup(env, n).is_some() {
                        return Err(Error::new(
                            "T1005",
                            format!("Attempted to invoke a non-function. Did you mean ${n}?"),
                        )
                        .at(node.pos)
                        .tok(n.to_string()));
                    }
                }
            }
        }
        let mut args = Vec::with_capacity(arg_nodes.len() + 1);
        if let Some(a) = applyto {
            args.push(a);
        }
        for a in arg_nodes {
            args.push(self.eval(a, input, env)?);
        }
        if tail && proc.is_func() {
            return Ok(Val::Func(Rc::new(Func::Thunk { f: proc, args })));
        }
        self.apply(&proc, args, input, env).map_err(|e| e.with_fn(&proc_name(proc_node), node.pos))
    }

    fn eval_partial(
        &mut self,
        node: &Node,
        proc_node: &Node,
        arg_nodes: &[Option<Node>],
        input: &Val<'a>,
        env: FrameId,
    ) -> R<'a> {
        let mut args = Vec::with_capacity(arg_nodes.len());
        for a in arg_nodes {
            args.push(match a {
                Some(n) => Some(self.eval(n, input, env)?),
                None => None,
            });
        }
        let proc = self.eval(proc_node, input, env)?;
        if proc.is_undef() {
            if let Kind::Path { steps, .. } = &proc_node.kind {
                if let Some(Node { kind: Kind::Name(n), .. }) = steps.first() {
                    if self.lookup(env, n).is_some() {
                        return Err(Error::new(
                            "T1007",
                            format!("Attempted to partially apply a non-function. Did you mean ${n}?"),
                        )
                        .at(node.pos)
                        .tok(n.to_string()));
                    }
                }
            }
        }
        if !proc.is_func() {
            return Err(Error::new("T1008", "Attempted to partially apply a non-function")
                .at(node.pos)
                .tok(proc_name(proc_node)));
        }
        let arity = args.iter().filter(|a| a.is_none()).count();
        Ok(Val::Func(Rc::new(Func::Partial { f: proc, args, arity })))
    }

    fn eval_apply(&mut self, node: &Node, l: &Node, r: &Node, input: &Val<'a>, env: FrameId) -> R<'a> {
        let lhs = self.eval(l, input, env)?;
        if let Kind::Call { proc, args, .. } = &r.kind {
            return self.eval_call(r, proc, args, false, Some(lhs), input, env);
        }
        let func = self.eval(r, input, env)?;
        if !func.is_func() {
            return Err(Error::new(
                "T2006",
                "The right side of the function application operator ~> must be a function",
            )
            .at(node.pos)
            .val(functions::describe(&func)));
        }
        if lhs.is_func() {
            return Ok(Val::Func(Rc::new(Func::Chain(lhs, func))));
        }
        self.apply(&func, vec![lhs], input, env)
    }

    /// Applies a function value to arguments (trampolining tail calls).
    pub(crate) fn apply(&mut self, f: &Val<'a>, args: Vec<Val<'a>>, input: &Val<'a>, env: FrameId) -> R<'a> {
        let mut r = self.apply_inner(f, args, input, env)?;
        loop {
            let next = match &r {
                Val::Func(rc) => match &**rc {
                    Func::Thunk { f, args } => Some((f.clone(), args.clone())),
                    _ => None,
                },
                _ => None,
            };
            let Some((f, args)) = next else { break };
            self.tick()?;
            r = self.apply_inner(&f, args, input, env)?;
        }
        Ok(r)
    }

    fn apply_inner(&mut self, f: &Val<'a>, args: Vec<Val<'a>>, input: &Val<'a>, env: FrameId) -> R<'a> {
        let Val::Func(rc) = f else {
            return Err(Error::new("T1006", "Attempted to invoke a non-function"));
        };
        match &**rc {
            Func::Lambda { def, env: cenv, input: cinput } => {
                let args = match &def.signature {
                    Some(sig) => sig.validate(args, input).map_err(|e| e.with_fn("", 0))?,
                    None => args,
                };
                let mark = self.frames.len();
                let frame = self.new_frame(Some(*cenv));
                let mut it = args.into_iter();
                for p in &def.params {
                    let v = it.next().unwrap_or(Val::Undef);
                    self.frames[frame].vars.push((p.clone(), v));
                }
                let r = self.eval(&def.body, cinput, frame);
                self.release(mark);
                r
            }
            Func::Builtin(b) => self.call_builtin(*b, args, input, env),
            Func::Partial { f, args: bound, .. } => {
                let mut supplied = args.into_iter();
                let full: Vec<Val<'a>> = bound
                    .iter()
                    .map(|a| match a {
                        Some(v) => v.clone(),
                        None => supplied.next().unwrap_or(Val::Undef),
                    })
                    .collect();
                let f = f.clone();
                self.apply_inner(&f, full, input, env)
            }
            Func::Regex(re) => {
                let s = args.first().cloned().unwrap_or(Val::Undef);
                let Some(text) = s.as_str() else { return Ok(Val::Undef) };
                functions::regex_match_object(re, text, 0)
            }
            Func::MatchNext { re, text, at } => {
                if *at >= text.len() {
                    return Ok(Val::Undef);
                }
                let next = functions::regex_match_object(re, text, *at)?;
                if next.obj_get("match").as_str() == Some("") {
                    return Err(Error::new("D1004", "Regular expression matches zero length string"));
                }
                Ok(next)
            }
            Func::Transform { def, env: tenv } => {
                let arg = args.into_iter().next().unwrap_or(Val::Undef);
                if !(arg.is_undef() || arg.is_object() || arg.is_array()) {
                    return Err(Error::new(
                        "T0410",
                        "Argument 1 of function transform does not match function signature",
                    ));
                }
                let (def, tenv) = (def.clone(), *tenv);
                self.transform(&def, tenv, arg)
            }
            Func::Chain(a, b) => {
                let (a, b) = (a.clone(), b.clone());
                let r = self.apply(&a, args, input, env)?;
                self.apply(&b, vec![r], input, env)
            }
            Func::Thunk { f, args } => {
                let (f, args) = (f.clone(), args.clone());
                self.apply_inner(&f, args, input, env)
            }
        }
    }

    fn call_builtin(&mut self, b: Builtin, args: Vec<Val<'a>>, input: &Val<'a>, env: FrameId) -> R<'a> {
        let args = b.signature().validate(args, input).map_err(|e| e.with_fn(b.name(), 0))?;
        functions::call(self, b, args, input, env).map_err(|e| e.with_fn(b.name(), 0))
    }

    /// The number of arguments a higher-order function should pass to `f`.
    pub(crate) fn arity(&self, f: &Val<'a>) -> usize {
        match f {
            Val::Func(rc) => match &**rc {
                Func::Lambda { def, .. } => def.params.len(),
                Func::Builtin(b) => b.arity(),
                Func::Partial { arity, .. } => *arity,
                Func::Regex(_) | Func::Transform { .. } | Func::Chain(..) => 1,
                Func::Thunk { .. } | Func::MatchNext { .. } => 0,
            },
            _ => 0,
        }
    }

    fn transform(&mut self, def: &TransformDef, env: FrameId, obj: Val<'a>) -> R<'a> {
        if obj.is_undef() {
            return Ok(Val::Undef);
        }
        let result = deep_clone(&obj);
        let matches = self.eval(&def.pattern, &result, env)?;
        let mut modified: HashMap<*const ObjMap<'a>, Rc<ObjMap<'a>>> = HashMap::new();
        for m in matches.members() {
            let ptr = match &m {
                Val::Obj(rc) => Some(Rc::as_ptr(rc)),
                _ => None,
            };
            let current = match ptr.and_then(|p| modified.get(&p)) {
                Some(rc) => Val::Obj(rc.clone()),
                None => m.clone(),
            };
            let update = self.eval(&def.update, &current, env)?;
            let mut map = if ptr.is_some() { Some(current.to_obj_map()) } else { None };
            if !update.is_undef() {
                if !update.is_object() {
                    return Err(Error::new(
                        "T2011",
                        "The insert/update clause of the transform expression must evaluate to an object",
                    )
                    .at(def.update.pos)
                    .val(functions::describe(&update)));
                }
                if let Some(map) = &mut map {
                    for (k, v) in update.obj_entries() {
                        map.insert(k, v);
                    }
                }
            }
            if let Some(del) = &def.delete {
                let deletions = self.eval(del, &current, env)?;
                if !deletions.is_undef() {
                    let list = deletions.members();
                    if !list.iter().all(|v| v.is_string()) {
                        return Err(Error::new("T2012", "The delete clause of the transform expression must evaluate to a string or array of strings")
                            .at(del.pos)
                            .val(functions::describe(&deletions)));
                    }
                    if let Some(map) = &mut map {
                        for k in list {
                            map.remove(k.as_str().unwrap_or(""));
                        }
                    }
                }
            }
            if let (Some(p), Some(map)) = (ptr, map) {
                modified.insert(p, Rc::new(map));
            }
        }
        if modified.is_empty() {
            return Ok(result);
        }
        let mut active = Vec::new();
        Ok(rebuild(&result, &modified, &mut active))
    }
}

fn proc_name(n: &Node) -> String {
    match &n.kind {
        Kind::Path { steps, .. } => match steps.first().map(|s| &s.kind) {
            Some(Kind::Name(x)) => x.to_string(),
            _ => String::new(),
        },
        Kind::Var(v) => v.to_string(),
        _ => String::new(),
    }
}

fn check_finite(n: f64) -> Result<f64, Error> {
    if n.is_finite() {
        Ok(n)
    } else {
        Err(Error::new("D1001", format!("Number out of range: {}", js_number(n))))
    }
}

fn strict_eq(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Null, Val::Null) => true,
        (x, y) if x.is_string() && y.is_string() => x.as_str() == y.as_str(),
        (Val::Obj(x), Val::Obj(y)) => Rc::ptr_eq(x, y),
        (Val::JObj(x), Val::JObj(y)) => std::ptr::eq(*x, *y),
        (Val::Arr(x, _), Val::Arr(y, _)) => Rc::ptr_eq(x, y),
        (Val::JArr(x), Val::JArr(y)) => std::ptr::eq(*x, *y),
        (Val::Func(x), Val::Func(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// Upstream `fn.append` flattening for array constructors: arrays are spliced in.
pub(crate) fn push_flat<'a>(out: &mut Vec<Val<'a>>, v: Val<'a>) {
    match v {
        Val::Arr(a, _) if out.is_empty() => match Rc::try_unwrap(a) {
            Ok(owned) => *out = owned,
            Err(shared) => out.extend(shared.iter().cloned()),
        },
        Val::Arr(a, _) => out.extend(a.iter().cloned()),
        Val::JArr(a) => out.extend(a.iter().map(Val::from_json)),
        Val::Tuples(t) => out.extend(t.iter().map(|x| x.at.clone())),
        other => out.push(other),
    }
}

/// Upstream `fn.append`: returns a plain array (or one side when the other is undefined).
pub(crate) fn append<'a>(a: Val<'a>, b: Val<'a>) -> Val<'a> {
    if a.is_undef() {
        return b;
    }
    if b.is_undef() {
        return a;
    }
    let mut out = a.members();
    push_flat(&mut out, b);
    Val::arr(out)
}

/// Field lookup with upstream's flattening over arrays.
pub(crate) fn lookup_field<'a>(input: &Val<'a>, key: &str) -> Val<'a> {
    match input {
        Val::JObj(m) => crate::value::jget(m, key).map(Val::from_json).unwrap_or(Val::Undef),
        Val::Obj(m) => m.get(key).cloned().unwrap_or(Val::Undef),
        Val::Arr(..) | Val::JArr(_) => {
            let mut out = Vec::new();
            for item in input.members() {
                let r = lookup_field(&item, key);
                match r {
                    Val::Undef => {}
                    Val::Arr(..) | Val::JArr(_) => push_flat(&mut out, r),
                    other => out.push(other),
                }
            }
            Val::seq(out)
        }
        _ => Val::Undef,
    }
}

fn flatten_into<'a>(v: Val<'a>, out: &mut Vec<Val<'a>>) {
    if v.is_array() {
        for m in v.members() {
            flatten_into(m, out);
        }
    } else {
        out.push(v);
    }
}

fn wildcard<'a>(input: &Val<'a>) -> Val<'a> {
    let mut input = input.clone();
    if let Val::Arr(a, f) = &input {
        if f & OUTER != 0 && !a.is_empty() {
            input = a[0].clone();
        }
    }
    let mut out = Vec::new();
    let mut seq = true;
    let entries: Vec<Val<'a>> = if input.is_array() {
        input.members()
    } else {
        input.obj_entries().into_iter().map(|(_, v)| v).collect()
    };
    for v in entries {
        if v.is_array() {
            let mut flat = Vec::new();
            flatten_into(v, &mut flat);
            out.extend(flat.into_iter().filter(|x| !x.is_undef()));
            seq = false;
        } else {
            out.push(v);
        }
    }
    if seq {
        Val::seq(out)
    } else {
        Val::arr(out)
    }
}

fn descendants<'a>(input: &Val<'a>) -> Val<'a> {
    if input.is_undef() {
        return Val::Undef;
    }
    let mut out = Vec::new();
    recurse_descendants(input, &mut out);
    if out.len() == 1 {
        out.pop().unwrap_or(Val::Undef)
    } else {
        Val::seq(out)
    }
}

fn recurse_descendants<'a>(input: &Val<'a>, out: &mut Vec<Val<'a>>) {
    if input.is_array() {
        for m in input.members() {
            recurse_descendants(&m, out);
        }
        return;
    }
    out.push(input.clone());
    if input.is_object() {
        for (_, v) in input.obj_entries() {
            recurse_descendants(&v, out);
        }
    }
}

fn deep_clone<'a>(v: &Val<'a>) -> Val<'a> {
    match v {
        Val::Arr(..) | Val::JArr(_) => Val::arr(v.members().iter().map(deep_clone).collect()),
        Val::Obj(_) | Val::JObj(_) => {
            let mut m = ObjMap::with_capacity(v.obj_len());
            for (k, x) in v.obj_entries() {
                m.insert(k, deep_clone(&x));
            }
            Val::obj(m)
        }
        Val::JStr(s) => Val::str(s),
        other => other.clone(),
    }
}

fn rebuild<'a>(
    v: &Val<'a>,
    modified: &HashMap<*const ObjMap<'a>, Rc<ObjMap<'a>>>,
    active: &mut Vec<*const ObjMap<'a>>,
) -> Val<'a> {
    match v {
        Val::Obj(rc) => {
            let p = Rc::as_ptr(rc);
            if active.contains(&p) {
                return v.clone();
            }
            let base = modified.get(&p).cloned().unwrap_or_else(|| rc.clone());
            active.push(p);
            let mut m = ObjMap::with_capacity(base.len());
            for (k, x) in &base.entries {
                m.entries.push((k.clone(), rebuild(x, modified, active)));
            }
            active.pop();
            Val::obj(m)
        }
        Val::Arr(a, f) => Val::Arr(Rc::new(a.iter().map(|x| rebuild(x, modified, active)).collect()), *f),
        other => other.clone(),
    }
}
