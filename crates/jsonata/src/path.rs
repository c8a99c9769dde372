//! Path evaluation: steps over sequences with upstream's flattening rules, tuple streams for
//! `@` focus, `#` index and `%` parent bindings, predicates (filters and numeric indexes),
//! order-by (`^(...)`) and group-by / object construction.

use crate::ast::{Group, Kind, Node, Stage};
use crate::eval::{append, Ev, R};
use crate::functions;
use crate::value::{FrameId, ObjMap, Str, Tuple, Val, CONS, KEEP, SEQ};
use crate::Error;
use indexmap::IndexMap;
use std::rc::Rc;

/// An item of a step's input: a plain value, or a tuple carrying bindings.
enum Items<'a> {
    Vals(Vec<Val<'a>>),
    Tuples(Vec<Tuple<'a>>),
}

fn is_empty_seq(v: &Val<'_>) -> bool {
    match v {
        Val::Undef => true,
        Val::Arr(a, _) => a.is_empty(),
        Val::JArr(a) => a.is_empty(),
        Val::Tuples(t) => t.is_empty(),
        _ => false,
    }
}

impl<'a> Ev<'a, '_> {
    pub(crate) fn eval_path(&mut self, node: &Node, input: &Val<'a>, env: FrameId) -> R<'a> {
        let Kind::Path { steps, keep_singleton } = &node.kind else { return Ok(Val::Undef) };
        if !*keep_singleton && node.group.is_none() && !node.tuple && !node.keep_array {
            if let Some(v) = self.simple_path(steps, input, env)? {
                return Ok(v);
            }
        }
        let first_is_var = matches!(steps.first().map(|s| &s.kind), Some(Kind::Var(_)));
        let mut input_seq =
            if input.is_array() && !first_is_var { input.clone() } else { Val::seq(vec![input.clone()]) };
        let mut result = Val::Undef;
        let mut is_tuple = false;
        let mut tuples: Option<Vec<Tuple<'a>>> = None;
        let last = steps.len().saturating_sub(1);
        for (i, step) in steps.iter().enumerate() {
            if step.tuple {
                is_tuple = true;
            }
            if i == 0 && step.cons_array {
                result = self.eval(step, &input_seq, env)?;
            } else if is_tuple {
                tuples = Some(self.eval_tuple_step(step, &input_seq, tuples.take(), env)?);
            } else {
                result = self.eval_step(step, &input_seq, env, i == last)?;
            }
            if !is_tuple && is_empty_seq(&result) {
                break;
            }
            if step.focus.is_none() {
                input_seq = result.clone();
            }
        }
        let mut tuple_stream = None;
        if is_tuple {
            let t = tuples.unwrap_or_default();
            if node.tuple {
                result = Val::Tuples(Rc::new(t));
            } else {
                result = Val::seq(t.iter().map(|t| t.at.clone()).collect());
                tuple_stream = Some(Val::Tuples(Rc::new(t)));
            }
        }
        if *keep_singleton {
            if let Val::Arr(a, f) = &result {
                if f & CONS != 0 && f & SEQ == 0 {
                    result = Val::Arr(Rc::new(vec![result.clone()]), SEQ | KEEP);
                } else {
                    result = Val::Arr(a.clone(), f | KEEP);
                }
            } else if let Val::JArr(_) = &result {
                result = Val::Arr(Rc::new(result.members()), KEEP);
            }
        }
        if let Some(g) = &node.group {
            let data = tuple_stream.unwrap_or(result);
            result = self.eval_group(g, data, env)?;
        }
        Ok(result)
    }

    /// A path of plain field names (optionally after a variable) over single objects needs
    /// no sequences; `None` when the general algorithm is needed.
    fn simple_path(
        &mut self,
        steps: &[Node],
        input: &Val<'a>,
        env: FrameId,
    ) -> Result<Option<Val<'a>>, Error> {
        let plain = |s: &Node| {
            s.stages.is_empty()
                && s.predicates.is_empty()
                && s.group.is_none()
                && s.focus.is_none()
                && s.index.is_none()
                && !s.tuple
                && s.ancestor.is_none()
                && !s.keep_array
                && !s.cons_array
        };
        if !steps.iter().all(plain) {
            return Ok(None);
        }
        let (mut cur, rest) = match steps.first().map(|s| &s.kind) {
            Some(Kind::Var(_)) => (self.eval(&steps[0], input, env)?, &steps[1..]),
            Some(Kind::Name(_)) if !input.is_array() => (input.clone(), steps),
            _ => return Ok(None),
        };
        for s in rest {
            let Kind::Name(n) = &s.kind else { return Ok(None) };
            cur = match &cur {
                Val::JObj(m) => crate::value::jget(m, n).map(Val::from_json).unwrap_or(Val::Undef),
                Val::Obj(m) => m.get(n).cloned().unwrap_or(Val::Undef),
                Val::Arr(..) | Val::JArr(_) | Val::Tuples(_) => return Ok(None),
                _ => Val::Undef,
            };
            if cur.is_undef() {
                return Ok(Some(Val::Undef));
            }
        }
        if cur.is_seq() || matches!(cur, Val::Tuples(_)) {
            return Ok(None);
        }
        Ok(Some(cur))
    }

    fn eval_step(&mut self, step: &Node, input: &Val<'a>, env: FrameId, last_step: bool) -> R<'a> {
        if let Kind::Sort(_) = step.kind {
            let mut r = self.eval_sort(step, input.clone(), env)?;
            for st in &step.stages {
                if let Stage::Filter(p) = st {
                    r = self.eval_filter(p, r, env)?;
                }
            }
            return Ok(r);
        }
        let n = input.arr_len();
        let mut results: Vec<Val<'a>> = Vec::with_capacity(n);
        for i in 0..n {
            let item = input.arr_get(i);
            let mut res = self.eval(step, &item, env)?;
            for st in &step.stages {
                if let Stage::Filter(p) = st {
                    res = self.eval_filter(p, res, env)?;
                }
            }
            if !res.is_undef() {
                results.push(res);
            }
        }
        if last_step && results.len() == 1 && results[0].is_array() && !results[0].is_seq() {
            return Ok(results.pop().unwrap_or(Val::Undef));
        }
        let mut out = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Val::Arr(a, f) if f & CONS == 0 => out.extend(a.iter().cloned()),
                Val::JArr(a) => out.extend(a.iter().map(Val::from_json)),
                other => out.push(other),
            }
        }
        Ok(Val::seq(out))
    }

    fn eval_stages(
        &mut self,
        stages: &[Stage],
        mut tuples: Vec<Tuple<'a>>,
        env: FrameId,
    ) -> Result<Vec<Tuple<'a>>, Error> {
        for st in stages {
            match st {
                Stage::Filter(p) => {
                    let r = self.eval_filter(p, Val::Tuples(Rc::new(tuples)), env)?;
                    tuples = match r {
                        Val::Tuples(t) => Rc::try_unwrap(t).unwrap_or_else(|rc| (*rc).clone()),
                        other => {
                            other.members().into_iter().map(|v| Tuple { at: v, binds: Vec::new() }).collect()
                        }
                    };
                }
                Stage::Index(name) => {
                    for (i, t) in tuples.iter_mut().enumerate() {
                        t.set(name.clone(), Val::Num(i as f64));
                    }
                }
            }
        }
        Ok(tuples)
    }

    fn eval_tuple_step(
        &mut self,
        step: &Node,
        input: &Val<'a>,
        tuples: Option<Vec<Tuple<'a>>>,
        env: FrameId,
    ) -> Result<Vec<Tuple<'a>>, Error> {
        if let Kind::Sort(_) = step.kind {
            let result = match tuples {
                Some(t) => match self.eval_sort(step, Val::Tuples(Rc::new(t)), env)? {
                    Val::Tuples(t) => Rc::try_unwrap(t).unwrap_or_else(|rc| (*rc).clone()),
                    _ => Vec::new(),
                },
                None => {
                    let sorted = self.eval_sort(step, input.clone(), env)?;
                    sorted
                        .members()
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let mut t = Tuple { at: v, binds: Vec::new() };
                            if let Some(ix) = &step.index {
                                t.set(ix.clone(), Val::Num(i as f64));
                            }
                            t
                        })
                        .collect()
                }
            };
            return self.eval_stages(&step.stages, result, env);
        }
        let tb = match tuples {
            Some(t) => t,
            None => input.members().into_iter().map(|v| Tuple { at: v, binds: Vec::new() }).collect(),
        };
        let mut result = Vec::new();
        for t in &tb {
            let mark = self.frame_count();
            let frame = self.frame_from_tuple(env, t);
            let res = self.eval(step, &t.at, frame)?;
            self.release(mark);
            match res {
                Val::Undef => {}
                Val::Tuples(rt) => {
                    for r in rt.iter() {
                        let mut nt = t.clone();
                        nt.at = r.at.clone();
                        for (k, v) in &r.binds {
                            nt.set(k.clone(), v.clone());
                        }
                        result.push(nt);
                    }
                }
                other => {
                    let items = if other.is_array() { other.members() } else { vec![other] };
                    for (bb, v) in items.into_iter().enumerate() {
                        let mut nt = t.clone();
                        if let Some(f) = &step.focus {
                            nt.set(f.clone(), v);
                        } else {
                            nt.at = v;
                        }
                        if let Some(ix) = &step.index {
                            nt.set(ix.clone(), Val::Num(bb as f64));
                        }
                        if let Some(l) = &step.label {
                            if step.ancestor.is_some() {
                                nt.set(l.clone(), t.at.clone());
                            }
                        }
                        result.push(nt);
                    }
                }
            }
        }
        self.eval_stages(&step.stages, result, env)
    }

    pub(crate) fn eval_filter(&mut self, pred: &Node, input: Val<'a>, env: FrameId) -> R<'a> {
        let items = match input {
            Val::Tuples(t) => Items::Tuples(Rc::try_unwrap(t).unwrap_or_else(|rc| (*rc).clone())),
            v if v.is_array() => Items::Vals(v.members()),
            v => Items::Vals(vec![v]),
        };
        let len = match &items {
            Items::Vals(v) => v.len(),
            Items::Tuples(t) => t.len(),
        };
        if let Kind::Num(n) = pred.kind {
            let mut idx = n.floor();
            if idx < 0.0 {
                idx += len as f64;
            }
            if idx < 0.0 || idx >= len as f64 {
                return Ok(match items {
                    Items::Tuples(_) => Val::Tuples(Rc::new(Vec::new())),
                    Items::Vals(_) => Val::seq(Vec::new()),
                });
            }
            let i = idx as usize;
            return Ok(match items {
                Items::Tuples(mut t) => Val::Tuples(Rc::new(vec![t.swap_remove(i)])),
                Items::Vals(mut v) => {
                    let item = v.swap_remove(i);
                    if item.is_array() {
                        item
                    } else {
                        Val::seq(vec![item])
                    }
                }
            });
        }
        let mut keep = Vec::with_capacity(len);
        for index in 0..len {
            let res = match &items {
                Items::Vals(v) => self.eval(pred, &v[index], env)?,
                Items::Tuples(t) => {
                    let mark = self.frame_count();
                    let frame = self.frame_from_tuple(env, &t[index]);
                    let r = self.eval(pred, &t[index].at, frame)?;
                    self.release(mark);
                    r
                }
            };
            let nums: Option<Vec<f64>> = match &res {
                Val::Num(n) => Some(vec![*n]),
                v if v.is_array() => {
                    let m = v.members();
                    if m.iter().all(|x| x.is_number()) {
                        Some(m.iter().filter_map(|x| x.as_num()).collect())
                    } else {
                        None
                    }
                }
                _ => None,
            };
            let selected = match nums {
                Some(ns) => ns.iter().any(|n| {
                    let mut ii = n.floor();
                    if ii < 0.0 {
                        ii += len as f64;
                    }
                    ii == index as f64
                }),
                None => functions::truthy(&res),
            };
            if selected {
                keep.push(index);
            }
        }
        Ok(match items {
            Items::Vals(v) => Val::seq(keep.into_iter().map(|i| v[i].clone()).collect()),
            Items::Tuples(t) => Val::Tuples(Rc::new(keep.into_iter().map(|i| t[i].clone()).collect())),
        })
    }

    pub(crate) fn eval_sort(&mut self, step: &Node, input: Val<'a>, env: FrameId) -> R<'a> {
        let Kind::Sort(terms) = &step.kind else { return Ok(input) };
        let items = match input {
            Val::Tuples(t) => Items::Tuples(Rc::try_unwrap(t).unwrap_or_else(|rc| (*rc).clone())),
            v => Items::Vals(v.members()),
        };
        let len = match &items {
            Items::Vals(v) => v.len(),
            Items::Tuples(t) => t.len(),
        };
        // Evaluate every sort key once, then merge-sort indexes.
        let mut keys: Vec<Vec<Val<'a>>> = Vec::with_capacity(len);
        for i in 0..len {
            let mut k = Vec::with_capacity(terms.len());
            for term in terms {
                let v = match &items {
                    Items::Vals(v) => self.eval(&term.expr, &v[i], env)?,
                    Items::Tuples(t) => {
                        let mark = self.frame_count();
                        let frame = self.frame_from_tuple(env, &t[i]);
                        let r = self.eval(&term.expr, &t[i].at, frame)?;
                        self.release(mark);
                        r
                    }
                };
                k.push(v);
            }
            keys.push(k);
        }
        let pos = step.pos;
        let mut cmp_err: Option<Error> = None;
        let mut swap = |a: usize, b: usize| -> bool {
            for (ti, term) in terms.iter().enumerate() {
                let (x, y) = (&keys[a][ti], &keys[b][ti]);
                if x.is_undef() {
                    if y.is_undef() {
                        continue;
                    }
                    return true;
                }
                if y.is_undef() {
                    return false;
                }
                let ok = |v: &Val<'_>| v.is_string() || v.is_number();
                if !ok(x) || !ok(y) {
                    let bad = if !ok(x) { x } else { y };
                    cmp_err.get_or_insert_with(|| {
                        Error::new("T2008", "The expressions within an order-by clause must evaluate to numeric or string values")
                            .at(pos)
                            .val(functions::describe(bad))
                    });
                    return false;
                }
                let ord = match (x, y) {
                    (Val::Num(p), Val::Num(q)) => p.partial_cmp(q).unwrap_or(std::cmp::Ordering::Equal),
                    (p, q) if p.is_string() && q.is_string() => {
                        functions::js_str_cmp(p.as_str().unwrap_or(""), q.as_str().unwrap_or(""))
                    }
                    _ => {
                        cmp_err.get_or_insert_with(|| {
                            Error::new(
                                "T2007",
                                "Type mismatch within order-by clause. All values must be of the same type",
                            )
                            .at(pos)
                        });
                        return false;
                    }
                };
                if ord == std::cmp::Ordering::Equal {
                    continue;
                }
                let greater = ord == std::cmp::Ordering::Greater;
                return if term.descending { !greater } else { greater };
            }
            false
        };
        let idx: Vec<usize> = (0..len).collect();
        let order = merge_sort(idx, &mut |a, b| Ok(swap(*a, *b)))?;
        if let Some(e) = cmp_err {
            return Err(e);
        }
        Ok(match items {
            Items::Vals(v) => {
                if len <= 1 {
                    Val::seq(v)
                } else {
                    Val::arr(order.into_iter().map(|i| v[i].clone()).collect())
                }
            }
            Items::Tuples(t) => Val::Tuples(Rc::new(order.into_iter().map(|i| t[i].clone()).collect())),
        })
    }

    pub(crate) fn eval_group(&mut self, g: &Group, input: Val<'a>, env: FrameId) -> R<'a> {
        if !input.is_array() && !matches!(input, Val::Tuples(_)) {
            return self.eval_object_single(g, input, env);
        }
        let items = match input {
            Val::Tuples(t) => Items::Tuples(Rc::try_unwrap(t).unwrap_or_else(|rc| (*rc).clone())),
            v if v.is_array() => Items::Vals(v.members()),
            v => Items::Vals(vec![v]),
        };
        let reduce = matches!(items, Items::Tuples(_));
        let items: Vec<(Val<'a>, Option<Tuple<'a>>)> = match items {
            Items::Vals(v) if v.is_empty() => vec![(Val::Undef, None)],
            Items::Vals(v) => v.into_iter().map(|x| (x, None)).collect(),
            Items::Tuples(t) if t.is_empty() => vec![(Val::Undef, None)],
            Items::Tuples(t) => t.into_iter().map(|x| (x.at.clone(), Some(x))).collect(),
        };
        enum Data<'a> {
            Val(Val<'a>),
            Tuples(Vec<Tuple<'a>>),
        }
        let mut groups: IndexMap<Str, (Data<'a>, usize)> = IndexMap::new();
        for (item, tuple) in &items {
            let mark = self.frame_count();
            let ienv = match tuple {
                Some(t) => self.frame_from_tuple(env, t),
                None => env,
            };
            for (pi, (kn, _)) in g.pairs.iter().enumerate() {
                let key = self.eval(kn, item, ienv)?;
                let key: Str = match key {
                    Val::Undef => continue,
                    Val::Str(s) => s,
                    Val::JStr(s) => Str::from(s),
                    other => {
                        return Err(Error::new("T1003", "Key in object structure must evaluate to a string")
                            .at(g.pos)
                            .val(functions::describe(&other)))
                    }
                };
                match groups.get_mut(&key) {
                    Some((data, idx)) => {
                        if *idx != pi {
                            return Err(Error::new(
                                "D1009",
                                format!("Multiple key definitions evaluate to same key: {key}"),
                            )
                            .at(g.pos)
                            .val(key.to_string()));
                        }
                        match data {
                            Data::Val(v) => *v = append(std::mem::replace(v, Val::Undef), item.clone()),
                            Data::Tuples(ts) => ts.extend(tuple.clone()),
                        }
                    }
                    None => {
                        let data = match tuple {
                            Some(t) if reduce => Data::Tuples(vec![t.clone()]),
                            _ => Data::Val(item.clone()),
                        };
                        groups.insert(key, (data, pi));
                    }
                }
            }
            self.release(mark);
        }
        let mut out = ObjMap::with_capacity(groups.len());
        for (key, (data, idx)) in groups {
            let mark = self.frame_count();
            let (context, venv) = match data {
                Data::Val(v) => (v, env),
                Data::Tuples(ts) => {
                    let t = reduce_tuples(ts);
                    let frame = self.frame_from_tuple(env, &t);
                    (t.at, frame)
                }
            };
            let v = self.eval(&g.pairs[idx].1, &context, venv)?;
            self.release(mark);
            if !v.is_undef() {
                out.insert(key, v);
            }
        }
        Ok(Val::obj(out))
    }
}

impl<'a> Ev<'a, '_> {
    /// Object construction over one (non-array) context: every key expression sees the same
    /// item, so no grouping table is needed. Keys are evaluated before values, as upstream.
    fn eval_object_single(&mut self, g: &Group, item: Val<'a>, env: FrameId) -> R<'a> {
        let mut keys: Vec<(Str, usize)> = Vec::with_capacity(g.pairs.len());
        for (pi, (kn, _)) in g.pairs.iter().enumerate() {
            let key: Str = match self.eval(kn, &item, env)? {
                Val::Undef => continue,
                Val::Str(s) => s,
                Val::JStr(s) => Str::from(s),
                other => {
                    return Err(Error::new("T1003", "Key in object structure must evaluate to a string")
                        .at(g.pos)
                        .val(functions::describe(&other)))
                }
            };
            if keys.iter().any(|(k, _)| *k == key) {
                return Err(Error::new(
                    "D1009",
                    format!("Multiple key definitions evaluate to same key: {key}"),
                )
                .at(g.pos)
                .val(key.to_string()));
            }
            keys.push((key, pi));
        }
        let mut out = ObjMap::with_capacity(keys.len());
        for (key, pi) in keys {
            let v = self.eval(&g.pairs[pi].1, &item, env)?;
            if !v.is_undef() {
                out.insert(key, v);
            }
        }
        Ok(Val::obj(out))
    }
}

fn reduce_tuples<'a>(mut ts: Vec<Tuple<'a>>) -> Tuple<'a> {
    if ts.len() == 1 {
        return ts.pop().unwrap_or(Tuple { at: Val::Undef, binds: Vec::new() });
    }
    let mut it = ts.into_iter();
    let Some(mut acc) = it.next() else { return Tuple { at: Val::Undef, binds: Vec::new() } };
    for t in it {
        acc.at = append(std::mem::replace(&mut acc.at, Val::Undef), t.at);
        for (k, v) in t.binds {
            let prev = acc.get(&k).cloned().unwrap_or(Val::Undef);
            acc.set(k, append(prev, v));
        }
    }
    acc
}

/// Stable top-down merge sort with upstream's "swap?" comparator.
pub(crate) fn merge_sort<T: Clone>(
    v: Vec<T>,
    swap: &mut dyn FnMut(&T, &T) -> Result<bool, Error>,
) -> Result<Vec<T>, Error> {
    if v.len() <= 1 {
        return Ok(v);
    }
    let mid = v.len() / 2;
    let right: Vec<T> = v[mid..].to_vec();
    let mut left = v;
    left.truncate(mid);
    let l = merge_sort(left, swap)?;
    let r = merge_sort(right, swap)?;
    let mut out = Vec::with_capacity(l.len() + r.len());
    let (mut i, mut j) = (0, 0);
    while i < l.len() && j < r.len() {
        if swap(&l[i], &r[j])? {
            out.push(r[j].clone());
            j += 1;
        } else {
            out.push(l[i].clone());
            i += 1;
        }
    }
    out.extend_from_slice(&l[i..]);
    out.extend_from_slice(&r[j..]);
    Ok(out)
}
