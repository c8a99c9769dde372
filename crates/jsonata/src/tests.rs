//! Unit tests for the tricky corners: sequences and singleton flattening, parent paths,
//! signatures, tail calls, limits, number output and the injected environment.

use crate::{Bindings, Env, Expression, Limits, Options};
use serde_json::{json, Value};
use std::cell::Cell;

struct FixedEnv {
    now: i64,
    rng: Cell<u64>,
}

impl Env for FixedEnv {
    fn now_millis(&self) -> i64 {
        self.now
    }
    fn random_u64(&self) -> u64 {
        let v = self.rng.get().wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.rng.set(v);
        v
    }
}

fn env() -> FixedEnv {
    FixedEnv { now: 1_510_067_557_121, rng: Cell::new(7) }
}

fn eval_with(expr: &str, input: Value, opts: &Options) -> Result<Option<Value>, crate::Error> {
    Expression::parse(expr)?.evaluate(Some(&input), &Bindings::new(), &env(), opts)
}

fn ok(expr: &str, input: Value) -> Value {
    match eval_with(expr, input, &Options::default()) {
        Ok(Some(v)) => v,
        other => panic!("{expr}: {other:?}"),
    }
}

fn code(expr: &str, input: Value) -> String {
    match eval_with(expr, input, &Options::default()) {
        Err(e) => e.code,
        other => panic!("{expr}: expected an error, got {other:?}"),
    }
}

#[test]
fn singleton_sequences_flatten_and_keep_arrays() {
    let doc = json!({"a": [{"b": 1}, {"b": [2, 3]}], "c": {"b": 4}});
    assert_eq!(ok("a.b", doc.clone()), json!([1, 2, 3]));
    assert_eq!(ok("c.b", doc.clone()), json!(4));
    assert_eq!(ok("c.b[]", doc.clone()), json!([4]));
    assert_eq!(ok("a[0].b", doc.clone()), json!(1));
    assert_eq!(ok("a[-1].b", doc.clone()), json!([2, 3]));
    assert_eq!(ok("[a.b]", doc.clone()), json!([1, 2, 3]));
    assert_eq!(ok("a.[b]", doc), json!([[1], [2, 3]]));
}

#[test]
fn parent_and_focus_bindings() {
    let doc = json!({"o": [{"id": 1, "items": [{"n": "x"}, {"n": "y"}]}, {"id": 2, "items": [{"n": "z"}]}]});
    assert_eq!(
        ok("o.items.{'n': n, 'id': %.id}", doc.clone()),
        json!([{"n":"x","id":1},{"n":"y","id":1},{"n":"z","id":2}])
    );
    assert_eq!(ok("o@$o.$o.items@$i.($o.id & $i.n)", doc.clone()), json!(["1x", "1y", "2z"]));
    assert_eq!(
        ok("o.items#$p.{'n': n, 'p': $p}", doc),
        json!([{"n":"x","p":0},{"n":"y","p":1},{"n":"z","p":0}])
    );
    assert_eq!(code("%.a", json!({})), "S0217");
}

#[test]
fn sorting_grouping_and_transform() {
    let doc = json!({"p": [{"k": "b", "v": 2}, {"k": "a", "v": 1}, {"k": "b", "v": 3}]});
    assert_eq!(ok("p^(>v).v", doc.clone()), json!([3, 2, 1]));
    assert_eq!(ok("p{k: $sum(v)}", doc.clone()), json!({"b": 5, "a": 1}));
    assert_eq!(ok("$ ~> |p[k='a']|{'v': 10}|", doc.clone())["p"][1]["v"], json!(10));
    assert_eq!(ok("$ ~> |p|{}, ['k']|", doc)["p"][0], json!({"v": 2}));
}

#[test]
fn signatures_and_partial_application() {
    assert_eq!(ok("$substring(?, 0, 2)('hello')", json!(null)), json!("he"));
    assert_eq!(ok("function($a, $b)<nn:n>{$a + $b}(1, 2)", json!(null)), json!(3));
    assert_eq!(code("function($a)<n:n>{$a}('x')", json!(null)), "T0410");
    assert_eq!(ok("$sum(5)", json!(null)), json!(5));
    assert_eq!(ok("$map([1,2,3], $string)", json!(null)), json!(["1", "2", "3"]));
    assert_eq!(code("λ($arr)<(sa<n>)>>{$arr}([[1]])", json!(null)), "S0402");
}

#[test]
fn tail_calls_run_in_constant_stack() {
    let e = "($loop := function($n, $acc){$n = 0 ? $acc : $loop($n - 1, $acc + 1)}; $loop(100000, 0))";
    assert_eq!(ok(e, json!(null)), json!(100000));
}

#[test]
fn limits_stop_hostile_expressions() {
    let opts = Options { limits: Limits { max_depth: 200, max_steps: 200_000 }, ..Options::default() };
    let run = |e: &str| eval_with(e, json!(null), &opts).map_err(|e| e.code);
    assert_eq!(run("($f := function(){$f()}; $f())"), Err("U1001".into()));
    assert_eq!(run("($f := function($n){$n + $f($n - 1)}; $f(1))"), Err("U1001".into()));
    assert_eq!(run("($f := function($n){$n = 0 ? 0 : $f($n-1) + $f($n-1)}; $f(60))"), Err("U1001".into()));
    assert_eq!(run("[1..10000001]"), Err("D2014".into()));
    assert_eq!(run("$count([1..1000000])"), Err("U1001".into()));
}

#[test]
fn deep_recursion_with_a_large_depth_limit_does_not_overflow_the_stack() {
    let opts = Options { limits: Limits { max_depth: 200_000, max_steps: 10_000_000 }, ..Options::default() };
    let e = "($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(20000))";
    let r = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || eval_with(e, json!(null), &opts))
        .expect("thread")
        .join()
        .expect("no panic");
    assert_eq!(r, Ok(Some(json!(20000))));
}

#[test]
fn numbers_come_out_as_integers_when_integral() {
    let v = ok("1 + 2", json!(null));
    assert_eq!(v.to_string(), "3");
    assert_eq!(ok("0.1 + 0.2", json!(null)), json!(0.30000000000000004));
    assert_eq!(code("1/0", json!(null)), "D1001");
    assert_eq!(ok("$string(1e21)", json!(null)), json!("1e+21"));
    assert_eq!(ok("$string(0.1 + 0.2)", json!(null)), json!("0.3"));
}

#[test]
fn object_key_order_is_kept() {
    let v = ok("{'z': 1, 'a': 2, 'm': 3}", json!(null));
    let keys: Vec<_> = v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    assert_eq!(keys, vec!["z", "a", "m"]);
}

#[test]
fn clock_and_randomness_come_from_env() {
    assert_eq!(ok("$now()", json!(null)), json!("2017-11-07T15:12:37.121Z"));
    assert_eq!(ok("$millis() = $millis()", json!(null)), json!(true));
    let a = ok("$shuffle([1,2,3,4,5,6,7,8])", json!(null));
    let b = ok("$shuffle([1,2,3,4,5,6,7,8])", json!(null));
    assert_eq!(a, b);
}

#[test]
fn aws_functions_only_when_enabled() {
    let aws = Options { aws_functions: true, allow_eval: false, ..Options::default() };
    let run = |e: &str, o: &Options| eval_with(e, json!(null), o);
    assert_eq!(run("$partition([1,2,3,4,5], 2)", &aws), Ok(Some(json!([[1, 2], [3, 4], [5]]))));
    assert_eq!(run("$range(0, 10, 5)", &aws), Ok(Some(json!([0, 5, 10]))));
    assert_eq!(run("$range(3, 1, -1)", &aws), Ok(Some(json!([3, 2, 1]))));
    assert_eq!(
        run("$hash('abc', 'SHA-256')", &aws),
        Ok(Some(json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")))
    );
    assert_eq!(run("$hash('abc', 'MD5')", &aws), Ok(Some(json!("900150983cd24fb0d6963f7d28e17f72"))));
    assert_eq!(run("$random(7) = $random(7)", &aws), Ok(Some(json!(true))));
    assert_eq!(run("$parse('{\"a\": [1]}').a", &aws), Ok(Some(json!([1]))));
    let uuid = run("$uuid()", &aws).ok().flatten().unwrap_or_default();
    assert_eq!(uuid.as_str().map(|s| (s.len(), &s[14..15])), Some((36, "4")));
    assert_eq!(run("$eval('1')", &aws).map_err(|e| e.code), Err("T1006".into()));
    assert_eq!(run("$partition([1], 1)", &Options::default()).map_err(|e| e.code), Err("T1006".into()));
    assert_eq!(run("$eval('1 + 1')", &Options::default()), Ok(Some(json!(2))));
}

#[test]
fn bindings_are_visible_and_shadow_builtins() {
    let mut b = Bindings::new();
    b.bind("x", json!({"y": [1, 2]}));
    b.bind("sum", json!(5));
    let e = Expression::parse("$x.y[1] + $sum").expect("parse");
    assert_eq!(e.evaluate(None, &b, &env(), &Options::default()), Ok(Some(json!(7))));
}

#[test]
fn regexes_follow_javascript() {
    assert_eq!(ok("$match('abc12d3', /[0-9]+/).match", json!(null)), json!(["12", "3"]));
    assert_eq!(ok("$replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')", json!(null)), json!("Smith, John"));
    assert_eq!(ok("$split('a1b22c', /\\d+/)", json!(null)), json!(["a", "b", "c"]));
    assert_eq!(code("$replace('abc', /x*/, 'y')", json!(null)), "D1004");
    assert_eq!(ok("'abc' ~> /B/i", json!(null))["match"], json!("b"));
}

#[test]
fn date_pictures() {
    assert_eq!(
        ok("$fromMillis(1510067557121, '[H01]:[m01]:[s01] [z]', '-0500')", json!(null)),
        json!("10:12:37 GMT-05:00")
    );
    assert_eq!(ok("$toMillis('2018-03-27', '[Y1]-[M01]-[D01]')", json!(null)), json!(1522108800000u64));
    assert_eq!(ok("$formatInteger(1999, 'I')", json!(null)), json!("MCMXCIX"));
    assert_eq!(ok("$formatNumber(1234.5678, '#,##0.00')", json!(null)), json!("1,234.57"));
}

#[test]
fn expressions_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Expression>();
}
