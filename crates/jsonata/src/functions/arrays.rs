//! Array, object and higher-order functions: `$map`, `$filter`, `$single`, `$reduce`, `$sift`,
//! `$each`, `$sort`, `$zip`, `$keys`, `$spread`, `$merge`, `$shuffle`, `$distinct`.
//! Callbacks get as many of (value, index, array) as they declare parameters, as upstream.

use super::truthy;
use crate::eval::{append, Ev};
use crate::path::merge_sort;
use crate::value::{FrameId, ObjMap, Str, Val};
use crate::Error;

type R<'a> = Result<Val<'a>, Error>;

fn hof_args<'a>(ev: &Ev<'a, '_>, f: &Val<'a>, v: Val<'a>, i: Val<'a>, arr: &Val<'a>) -> Vec<Val<'a>> {
    let n = ev.arity(f);
    let mut args = vec![v];
    if n >= 2 {
        args.push(i);
    }
    if n >= 3 {
        args.push(arr.clone());
    }
    args
}

pub(super) fn map<'a>(ev: &mut Ev<'a, '_>, arr: Val<'a>, f: Val<'a>, input: &Val<'a>, env: FrameId) -> R<'a> {
    if arr.is_undef() {
        return Ok(Val::Undef);
    }
    let items = arr.members();
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.into_iter().enumerate() {
        let args = hof_args(ev, &f, v, Val::Num(i as f64), &arr);
        let r = ev.apply(&f, args, input, env)?;
        if !r.is_undef() {
            out.push(r);
        }
    }
    Ok(Val::seq(out))
}

pub(super) fn filter<'a>(
    ev: &mut Ev<'a, '_>,
    arr: Val<'a>,
    f: Val<'a>,
    input: &Val<'a>,
    env: FrameId,
) -> R<'a> {
    if arr.is_undef() {
        return Ok(Val::Undef);
    }
    let items = arr.members();
    let mut out = Vec::new();
    for (i, v) in items.into_iter().enumerate() {
        let args = hof_args(ev, &f, v.clone(), Val::Num(i as f64), &arr);
        let r = ev.apply(&f, args, input, env)?;
        if truthy(&r) {
            out.push(v);
        }
    }
    Ok(Val::seq(out))
}

pub(super) fn single<'a>(
    ev: &mut Ev<'a, '_>,
    arr: Val<'a>,
    f: Val<'a>,
    input: &Val<'a>,
    env: FrameId,
) -> R<'a> {
    if arr.is_undef() {
        return Ok(Val::Undef);
    }
    let mut found: Option<Val<'a>> = None;
    for (i, v) in arr.members().into_iter().enumerate() {
        let ok = if f.is_undef() {
            true
        } else {
            let args = hof_args(ev, &f, v.clone(), Val::Num(i as f64), &arr);
            truthy(&ev.apply(&f, args, input, env)?)
        };
        if ok {
            if found.is_some() {
                return Err(Error::new(
                    "D3138",
                    "The $single() function expected exactly 1 matching result.  Instead it matched more.",
                ));
            }
            found = Some(v);
        }
    }
    found.ok_or_else(|| {
        Error::new(
            "D3139",
            "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
        )
    })
}

pub(super) fn reduce<'a>(
    ev: &mut Ev<'a, '_>,
    arr: Val<'a>,
    f: Val<'a>,
    init: Val<'a>,
    input: &Val<'a>,
    env: FrameId,
) -> R<'a> {
    if arr.is_undef() {
        return Ok(Val::Undef);
    }
    let n = ev.arity(&f);
    if n < 2 {
        return Err(Error::new(
            "D3050",
            "The second argument of reduce function must be a function with at least two arguments",
        ));
    }
    let items = arr.members();
    let (mut acc, start) =
        if init.is_undef() && !items.is_empty() { (items[0].clone(), 1) } else { (init, 0) };
    for (i, item) in items.iter().enumerate().skip(start) {
        let mut args = vec![acc, item.clone()];
        if n >= 3 {
            args.push(Val::Num(i as f64));
        }
        if n >= 4 {
            args.push(arr.clone());
        }
        acc = ev.apply(&f, args, input, env)?;
    }
    Ok(acc)
}

pub(super) fn sift<'a>(
    ev: &mut Ev<'a, '_>,
    obj: Val<'a>,
    f: Val<'a>,
    input: &Val<'a>,
    env: FrameId,
) -> R<'a> {
    if obj.is_undef() {
        return Ok(Val::Undef);
    }
    let mut out = ObjMap::new();
    for (k, v) in obj.obj_entries() {
        let args = hof_args(ev, &f, v.clone(), Val::Str(k.clone()), &obj);
        if truthy(&ev.apply(&f, args, input, env)?) {
            out.insert(k, v);
        }
    }
    if out.len() == 0 {
        return Ok(Val::Undef);
    }
    Ok(Val::obj(out))
}

pub(super) fn each<'a>(
    ev: &mut Ev<'a, '_>,
    obj: Val<'a>,
    f: Val<'a>,
    input: &Val<'a>,
    env: FrameId,
) -> R<'a> {
    if obj.is_undef() {
        return Ok(Val::Undef);
    }
    let mut out = Vec::new();
    for (k, v) in obj.obj_entries() {
        let args = hof_args(ev, &f, v, Val::Str(k), &obj);
        let r = ev.apply(&f, args, input, env)?;
        if !r.is_undef() {
            out.push(r);
        }
    }
    Ok(Val::seq(out))
}

pub(super) fn sort<'a>(
    ev: &mut Ev<'a, '_>,
    arr: Val<'a>,
    f: Val<'a>,
    input: &Val<'a>,
    env: FrameId,
) -> R<'a> {
    if arr.is_undef() {
        return Ok(Val::Undef);
    }
    if arr.arr_len() <= 1 {
        return Ok(arr);
    }
    let items = arr.members();
    ev.charge(items.len() as u64)?;
    if f.is_undef() {
        let nums = items.iter().all(|v| v.is_number());
        let strs = items.iter().all(|v| v.is_string());
        if !nums && !strs {
            return Err(Error::new("D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function"));
        }
        let sorted = merge_sort(items, &mut |a, b| {
            Ok(match (a, b) {
                (Val::Num(x), Val::Num(y)) => x > y,
                _ => {
                    super::js_str_cmp(a.as_str().unwrap_or(""), b.as_str().unwrap_or(""))
                        == std::cmp::Ordering::Greater
                }
            })
        })?;
        return Ok(Val::arr(sorted));
    }
    let sorted = merge_sort(items, &mut |a, b| {
        let r = ev.apply(&f, vec![a.clone(), b.clone()], input, env)?;
        Ok(truthy(&r))
    })?;
    Ok(Val::arr(sorted))
}

pub(super) fn zip<'a>(arrays: Vec<Val<'a>>) -> Val<'a> {
    let lists: Vec<Vec<Val<'a>>> =
        arrays.iter().map(|a| if a.is_array() { a.members() } else { Vec::new() }).collect();
    let n = lists.iter().map(|l| l.len()).min().unwrap_or(0);
    Val::arr((0..n).map(|i| Val::arr(lists.iter().map(|l| l[i].clone()).collect())).collect())
}

pub(super) fn keys<'a>(v: &Val<'a>) -> Val<'a> {
    if v.is_array() {
        let mut seen: Vec<Str> = Vec::new();
        for item in v.members() {
            for k in keys(&item).members() {
                if let Some(s) = k.as_str() {
                    if !seen.iter().any(|x| &**x == s) {
                        seen.push(Str::from(s));
                    }
                }
            }
        }
        return Val::seq(seen.into_iter().map(Val::Str).collect());
    }
    Val::seq(v.obj_keys().into_iter().map(Val::Str).collect())
}

pub(super) fn spread<'a>(v: Val<'a>) -> Val<'a> {
    if v.is_array() {
        let mut result = Val::seq(Vec::new());
        for item in v.members() {
            result = append(result, spread(item));
        }
        return result;
    }
    if v.is_object() {
        return Val::seq(
            v.obj_entries()
                .into_iter()
                .map(|(k, x)| {
                    let mut m = ObjMap::with_capacity(1);
                    m.insert(k, x);
                    Val::obj(m)
                })
                .collect(),
        );
    }
    v
}

pub(super) fn merge<'a>(v: Val<'a>) -> Val<'a> {
    if v.is_undef() {
        return Val::Undef;
    }
    let mut out = ObjMap::new();
    for item in v.members() {
        for (k, x) in item.obj_entries() {
            out.insert(k, x);
        }
    }
    Val::obj(out)
}

pub(super) fn shuffle<'a>(ev: &mut Ev<'a, '_>, v: Val<'a>) -> R<'a> {
    if v.is_undef() {
        return Ok(Val::Undef);
    }
    if v.arr_len() <= 1 {
        return Ok(v);
    }
    let mut items = v.members();
    for i in (1..items.len()).rev() {
        let j = (super::random_f64(ev) * (i + 1) as f64).floor() as usize;
        items.swap(i, j.min(i));
    }
    Ok(Val::arr(items))
}

pub(super) fn distinct<'a>(v: Val<'a>) -> Val<'a> {
    if !v.is_array() || v.arr_len() <= 1 {
        return v;
    }
    let mut out: Vec<Val<'a>> = Vec::new();
    for item in v.members() {
        if !out.iter().any(|x| x.deep_eq(&item)) {
            out.push(item);
        }
    }
    if v.is_seq() {
        Val::seq(out)
    } else {
        Val::arr(out)
    }
}
