//! Unit tests of the intrinsic functions, one group per function, and of their error causes.
//! Expected values marked "recorded" come from executions on AWS (the shared corpus);
//! "observed" ones from published characterizations of AWS.

use super::*;
use crate::{Env, NoVariables};
use serde_json::json;
use std::cell::Cell;

struct Counter(Cell<u64>);

impl Env for Counter {
    fn random_u64(&self) -> u64 {
        let x = self.0.get().wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0.set(x);
        x
    }
}

fn run_with(src: &str, input: Value) -> Result<Value, EvalError> {
    let call = Call::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    let ctx =
        json!({"Execution": {"Input": input.clone(), "Name": "exec-1"}, "StateMachine": {"Name": "a-b-c"}});
    let env = Counter(Cell::new(7));
    call.evaluate(&Scope { input: &input, context: &ctx, variables: &NoVariables, env: &env })
}

fn ok(src: &str, input: Value) -> Value {
    run_with(src, input).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn run(src: &str) -> Value {
    ok(src, json!({}))
}

/// The cause of a failing call; also checks that the error is `States.Runtime`.
fn cause(src: &str, input: Value) -> String {
    let e = run_with(src, input).expect_err(src);
    assert_eq!(e.error, StatesError::Runtime, "{src}");
    e.cause
}

fn invalid(src: &str, input: Value) {
    let c = cause(src, input);
    assert!(c.contains("Invalid arguments in States."), "{src}: {c}");
}

#[test]
fn parsing() {
    assert!(Call::looks_like_call("  States.Array()"));
    assert!(!Call::looks_like_call("$.States"));
    let c = Call::parse("States.Format('{}', $$.Execution.Id)").unwrap();
    assert_eq!(c.as_str(), "States.Format('{}', $$.Execution.Id)");
    assert!(c.uses_context());
    assert!(Call::parse("States.Array(States.Array($$.x))").unwrap().uses_context());
    assert!(!Call::parse("States.Array($.x, 'a', 1, -2.5, 1e3, true, false, null)").unwrap().uses_context());
    for ok in [
        "States.Array()",
        "States.Array( $.a , $.b )",
        "States.UUID()",
        "States.Array($.a[0,1], $['x,y'], $.b[?(@.c == 'd,e)')], $.l.length())",
        "States.Array($var, $var.x[0])",
        "States.Format('a\\'b\\{\\}\\\\')",
        "States.StringToJson('{\"constant_in_literal\": \"false\"}')",
        // Arity is checked at run time, as AWS does.
        "States.Hash()",
    ] {
        assert!(Call::parse(ok).is_ok(), "{ok}: {:?}", Call::parse(ok).err());
    }
    for bad in [
        "States.Nope()",
        "States.Array(",
        "States.Array($.a",
        "States.Array($.a,)",
        "States.Array(,)",
        "States.Array('a)",
        "States.Array([1,2])",
        "States.Array(1.)",
        "States.Array(.5)",
        "States.Array(abc)",
        "States.Array($.a) trailing",
        "States.Array(a.b)",
        "States.Array($.)",
        "States.Array",
        // Recorded: AWS rejects `\"` (and any other escape than \' \{ \} \\).
        "States.StringToJson('{\"text\":\"An \\\"escaped double quote\\\" here\"}')",
        "States.Format('He said, \\\"Hello, {}!\\\"', 'Test \\\"Name\\\" Here')",
        "States.Format('\\n')",
    ] {
        assert!(Call::parse(bad).is_err(), "{bad} should not parse");
    }
    let deep = format!("{}1{}", "States.Array(".repeat(100), ")".repeat(100));
    assert!(Call::parse(&deep).is_err());
    let ten = format!("{}1{}", "States.Array(".repeat(11), ")".repeat(11));
    assert!(Call::parse(&ten).is_ok());
}

#[test]
fn literal_escapes() {
    assert_eq!(run("States.Array('it\\'s', '\\\\', '\\{\\}')"), json!(["it's", "\\", "{}"]));
    // Recorded: a real newline inside a literal is kept.
    assert_eq!(run("States.StringSplit('Hello\nWorld', '\n')"), json!(["Hello", "World"]));
}

#[test]
fn format() {
    // Recorded.
    assert_eq!(
        ok("States.Format('Formatting argument {}.', $.v)", json!({"v": ""})),
        json!("Formatting argument .")
    );
    assert_eq!(
        ok("States.Format('Formatting argument {}.', $.v)", json!({"v": 1})),
        json!("Formatting argument 1.")
    );
    assert_eq!(
        ok("States.Format('Formatting argument {}.', $.v)", json!({"v": 1.1})),
        json!("Formatting argument 1.1.")
    );
    assert_eq!(ok("States.Format('a={} b={}', $.v, $.v)", json!({"v": null})), json!("a=null b=null"));
    assert_eq!(
        ok("States.Format('{} and {}', $.v, $.v)", json!({"v": {"Arg1": 1, "Arg2": []}})),
        json!("{Arg1=1, Arg2=[]} and {Arg1=1, Arg2=[]}")
    );
    // Java's rendering of doubles.
    assert_eq!(
        ok("States.Format('{} {} {}', $.a, $.b, $.c)", json!({"a": 1.0, "b": 1e20, "c": [0.1, true]})),
        json!("1.0 1.0E20 [0.1, true]")
    );
    assert_eq!(run("States.Format('no placeholders')"), json!("no placeholders"));
    assert_eq!(run("States.Format('\\{\\}{}\\}', 'x')"), json!("{}x}"));
    assert_eq!(ok("States.Format($.t, $.n)", json!({"t": "Hello {}", "n": "Ada"})), json!("Hello Ada"));
    assert_eq!(
        run("States.Format('{}:{}', States.MathAdd(1, 2), States.JsonToString(States.Array('x')))"),
        json!("3:[\"x\"]")
    );

    assert_eq!(
        cause("States.Format('{} {}', 'x')", json!({})),
        "The function 'States.Format('{} {}', 'x')' had the following error: Invalid arguments in States.Format"
    );
    invalid("States.Format('{}', 'x', 'y')", json!({}));
    invalid("States.Format('Hello {', 'x')", json!({}));
    invalid("States.Format('Hello {{}}', 'x')", json!({}));
    invalid("States.Format('}')", json!({}));
    invalid("States.Format($.t, 'x')", json!({"t": 123}));
    invalid("States.Format()", json!({}));
}

#[test]
fn missing_argument_path() {
    // Captured from AWS (quoted by others): the whole expression as written, the path, the
    // state's input.
    assert_eq!(
        cause("States.Format('{}',$.nope)", json!({"other": 1})),
        "The function 'States.Format('{}',$.nope)' had the following error: \
         The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'"
    );
    let c = cause("States.Format('{}', States.Format('{}', $.nope))", json!({"other": 1}));
    assert!(c.starts_with("The function 'States.Format('{}', States.Format('{}', $.nope))' had the following error: The JsonPath argument for the field '$.nope'"), "{c}");
    // An index out of range is a miss here (a plain template field would get null).
    let c = cause("States.Format('{}', $.items[5])", json!({"items": [1, 2]}));
    assert!(c.ends_with("The JsonPath argument for the field '$.items[5]' could not be found in the input '{\"items\":[1,2]}'"), "{c}");
    // A `$$` path is shown relative to the context object; the input shown is the state's.
    let c = cause("States.Format('{}', $$.Nope.Deep)", json!({"other": 1}));
    assert!(c.ends_with("The JsonPath argument for the field '$.Nope.Deep' could not be found in the input '{\"other\":1}'"), "{c}");
    // Present but null is not missing.
    assert_eq!(ok("States.Format('{}', $.nul)", json!({"nul": null})), json!("null"));
    // An indefinite path that matches nothing is an empty array, not a failure.
    assert_eq!(ok("States.ArrayLength($.l[*].x)", json!({"l": [{}]})), json!(0));
    assert_eq!(ok("States.JsonToString($)", json!({"other": 1})), json!("{\"other\":1}"));
}

#[test]
fn string_to_json() {
    let f = |s: &str| ok("States.StringToJson($.s)", json!({ "s": s }));
    // Recorded.
    assert_eq!(f(""), Value::Null);
    assert_eq!(f(" "), Value::Null);
    assert_eq!(f("null"), Value::Null);
    assert_eq!(f("-0"), json!(0));
    assert!(f("-0").is_u64());
    assert_eq!(f("1"), json!(1));
    assert_eq!(f("1.1"), json!(1.1));
    assert_eq!(f("true"), json!(true));
    assert_eq!(f("\"HelloWorld\""), json!("HelloWorld"));
    assert_eq!(f("[1, 2, \"HelloWorld\"]"), json!([1, 2, "HelloWorld"]));
    assert_eq!(f("{\"Arg1\": 1, \"Arg2\": []}"), json!({"Arg1": 1, "Arg2": []}));
    assert_eq!(f("-0.0"), json!(-0.0));
    assert_eq!(f("[-0, \"-0\", -0e1]"), json!([0, "-0", -0.0]));
    assert_eq!(f("{} trailing"), json!({}));
    invalid("States.StringToJson($.s)", json!({"s": "{"}));
    invalid("States.StringToJson($.s)", json!({"s": 1}));
}

#[test]
fn json_to_string() {
    let f = |v: Value| ok("States.JsonToString($.v)", json!({ "v": v }));
    // Recorded.
    assert_eq!(f(json!(0)), json!("0"));
    assert_eq!(f(json!(true)), json!("true"));
    assert_eq!(f(json!([1, 2, "HelloWorld"])), json!("[1,2,\"HelloWorld\"]"));
    assert_eq!(f(json!({"Arg1": 1, "Arg2": []})), json!("{\"Arg1\":1,\"Arg2\":[]}"));
    // Jackson's output.
    assert_eq!(
        f(json!({"f": 1.0, "g": 1e20, "h": 0.1, "s": "a\u{1}\"/"})),
        json!("{\"f\":1.0,\"g\":1.0E20,\"h\":0.1,\"s\":\"a\\u0001\\\"/\"}")
    );
    assert_eq!(f(json!("x")), json!("\"x\""));
    assert_eq!(f(Value::Null), json!("null"));
}

#[test]
fn array() {
    assert_eq!(run("States.Array()"), json!([]));
    assert_eq!(run("States.Array(42, true, null, 'hello', -1.5)"), json!([42, true, null, "hello", -1.5]));
    assert_eq!(ok("States.Array($.a, $.b)", json!({"a": {"k": 1}, "b": [1]})), json!([{"k": 1}, [1]]));
    assert_eq!(run("States.Array(1, States.Array(2, 3))"), json!([1, [2, 3]]));
    assert_eq!(ok("States.Array($$.Execution.Input.u)", json!({"u": 7})), json!([7]));
}

#[test]
fn array_partition() {
    let f = |a: Value, n: Value| ok("States.ArrayPartition($.a, $.n)", json!({ "a": a, "n": n }));
    // Recorded.
    assert_eq!(f(json!([0, 1, 2, 3]), json!(2)), json!([[0, 1], [2, 3]]));
    assert_eq!(f(json!([0, 1, 2]), json!(2)), json!([[0, 1], [2]]));
    assert_eq!(f(json!([0, 1]), json!(5)), json!([[0, 1]]));
    assert_eq!(f(json!([]), json!(3)), json!([]));
    // Observed: the size is truncated.
    assert_eq!(f(json!([1, 2, 3, 4, 5]), json!(2.6)), json!([[1, 2], [3, 4], [5]]));
    assert_eq!(f(json!([1, 2, 3]), json!(2147483647)), json!([[1, 2, 3]]));
    for n in [json!(0), json!(-1), json!(0.6), json!(-0.4), json!("2"), Value::Null, json!(true)] {
        invalid("States.ArrayPartition($.a, $.n)", json!({"a": [1, 2, 3], "n": n}));
    }
    invalid("States.ArrayPartition('not-array', 2)", json!({}));
    invalid("States.ArrayPartition($.a)", json!({"a": [1]}));
    invalid("States.ArrayPartition($.a, 1, 2)", json!({"a": [1]}));
}

#[test]
fn array_contains() {
    let f = |a: Value, v: Value| ok("States.ArrayContains($.a, $.v)", json!({ "a": a, "v": v }));
    // Recorded.
    assert_eq!(f(json!([]), Value::Null), json!(false));
    assert_eq!(f(json!([]), json!([])), json!(false));
    assert_eq!(f(json!([[1, 2, 3], 2]), Value::Null), json!(false));
    assert_eq!(f(json!([[1, 2, 3], 2]), json!([1, 2, 3])), json!(true));
    assert_eq!(f(json!([{"1": 2, "2": []}]), json!([])), json!(false));
    assert_eq!(f(json!([{"1": 2, "2": []}]), json!({"1": 2, "2": []})), json!(true));
    assert_eq!(f(json!([true, false]), json!(false)), json!(true));
    // Observed: compared as Java text.
    assert_eq!(f(json!([{"a": 1, "b": 2}]), json!({"b": 2, "a": 1})), json!(false));
    assert_eq!(f(json!(["true"]), json!(true)), json!(true));
    assert_eq!(f(json!(["9007199254740991"]), json!(9007199254740991_u64)), json!(true));
    assert_eq!(f(json!([0, 1]), json!(false)), json!(false));
    assert_eq!(f(json!([{"a": 1}]), json!({"a": 1, "extra": null})), json!(false));
    invalid("States.ArrayContains('not-array', 'x')", json!({}));
    invalid("States.ArrayContains($.a)", json!({"a": []}));
}

#[test]
fn array_range() {
    // Recorded.
    assert_eq!(run("States.ArrayRange(0, 9, 3)"), json!([0, 3, 6, 9]));
    assert_eq!(run("States.ArrayRange(0, 10, 3)"), json!([0, 3, 6, 9]));
    assert_eq!(run("States.ArrayRange(1, 9, 9)"), json!([1]));
    assert_eq!(run("States.ArrayRange(1, 9, 2)"), json!([1, 3, 5, 7, 9]));
    // Observed.
    assert_eq!(run("States.ArrayRange(-2, 2, 2)"), json!([-2, 0, 2]));
    assert_eq!(run("States.ArrayRange(3, 3, -1)"), json!([3]));
    assert_eq!(run("States.ArrayRange(5, 1, -2)"), json!([5, 3, 1]));
    assert_eq!(run("States.ArrayRange(5, 1, 1)"), json!([]));
    assert_eq!(run("States.ArrayRange(1, 5, -1)"), json!([]));
    assert_eq!(run("States.ArrayRange(1.4, 5.6, 2.2)"), json!([1, 3, 5]));
    assert_eq!(run("States.ArrayRange(1.6, 1.4, 1)"), json!([1]));
    assert_eq!(run("States.ArrayRange(5.4, -0.6, -2.4)"), json!([5, 3, 1]));
    assert_eq!(run("States.ArrayRange(1, 1000, 1)").as_array().unwrap().len(), 1000);
    assert_eq!(run("States.ArrayRange(1000, 1, -1)").as_array().unwrap().len(), 1000);
    invalid("States.ArrayRange(1, 1001, 1)", json!({}));
    invalid("States.ArrayRange(1001, 1, -1)", json!({}));
    invalid("States.ArrayRange(1, 10, 0)", json!({}));
    invalid("States.ArrayRange(1, 10, 0.49)", json!({}));
    invalid("States.ArrayRange('a', 5, 1)", json!({}));
    invalid("States.ArrayRange(1, 5)", json!({}));
    invalid("States.ArrayRange(-2147483648, 2147483647, 1)", json!({}));
}

#[test]
fn array_get_item() {
    let f = |a: Value, i: Value| run_with("States.ArrayGetItem($.a, $.i)", json!({ "a": a, "i": i }));
    // Recorded.
    assert_eq!(f(json!([1, 2, 3, 4, 5, 6, 7, 8, 9]), json!(5)).unwrap(), json!(6));
    assert_eq!(f(json!([null]), json!(0)).unwrap(), Value::Null);
    // Observed: fractional indexes truncate; an empty array gives null.
    assert_eq!(f(json!([10, 20, 30]), json!(1.2)).unwrap(), json!(20));
    assert_eq!(f(json!([]), json!(999)).unwrap(), Value::Null);
    for (a, i) in
        [(json!([10, 20, 30]), json!(3)), (json!([10, 20, 30]), json!(-1)), (json!([1]), json!("1"))]
    {
        invalid("States.ArrayGetItem($.a, $.i)", json!({ "a": a, "i": i }));
    }
    invalid("States.ArrayGetItem('not-array', 0)", json!({}));
    // Recorded (nested calls on the context).
    assert_eq!(run("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)"), json!("a"));
    assert_eq!(
        run("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))"),
        json!("c")
    );
}

#[test]
fn array_length_and_unique() {
    assert_eq!(ok("States.ArrayLength($.a)", json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]})), json!(9));
    assert_eq!(run("States.ArrayLength(States.Array())"), json!(0));
    invalid("States.ArrayLength('not-array')", json!({}));
    invalid("States.ArrayLength($.o)", json!({"o": {"k": 1}}));
    let input = json!({"a": [null, null, true, true, false, 1, 1, 1.0, 1.1, "x", "x", [], [], [null], [null],
        {"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": 1, "b": 1}]});
    assert_eq!(
        ok("States.ArrayUnique($.a)", input),
        json!([null, true, false, 1, 1.0, 1.1, "x", [], [null], {"a": 1, "b": 2}, {"a": 1, "b": 1}])
    );
    invalid("States.ArrayUnique('x')", json!({}));
}

#[test]
fn base64() {
    // Recorded.
    assert_eq!(ok("States.Base64Encode($.s)", json!({"s": "Data to encode"})), json!("RGF0YSB0byBlbmNvZGU="));
    assert_eq!(ok("States.Base64Encode($.s)", json!({"s": ""})), json!(""));
    assert_eq!(ok("States.Base64Decode($.s)", json!({"s": "RGF0YSB0byBlbmNvZGU="})), json!("Data to encode"));
    assert_eq!(ok("States.Base64Decode($.s)", json!({"s": ""})), json!(""));
    // Observed: the decoder is forgiving.
    assert_eq!(run("States.Base64Decode('4pyT')"), json!("✓"));
    assert_eq!(run("States.Base64Decode(' YWJjZA== ')"), json!("abcd"));
    assert_eq!(run("States.Base64Decode('YWJj')"), json!("abc"));
    assert_eq!(run("States.Base64Decode('abc')"), json!("i\u{fffd}"));
    assert_eq!(run("States.Base64Decode('ab==cd')"), json!("i"));
    assert_eq!(run("States.Base64Decode('YWJjAGRlZg==')"), json!("abc\u{0}def"));
    assert_eq!(run("States.Base64Decode(States.Base64Encode('héllo'))"), json!("héllo"));
    let max = "a".repeat(10_000);
    assert!(run_with("States.Base64Encode($.s)", json!({ "s": max })).is_ok());
    invalid("States.Base64Encode($.s)", json!({"s": "a".repeat(10_001)}));
    invalid("States.Base64Decode($.s)", json!({"s": "A".repeat(10_001)}));
    invalid("States.Base64Decode(123)", json!({}));
    invalid("States.Base64Encode($.o)", json!({"o": {}}));
    invalid("States.Base64Decode()", json!({}));
}

#[test]
fn hash() {
    // Recorded.
    assert_eq!(
        ok("States.Hash($.d, $.a)", json!({"d": "input data", "a": "SHA-1"})),
        json!("aaff4a450a104cd177d28d18d74485e8cae074b7")
    );
    assert_eq!(
        ok("States.Hash($.d, $.a)", json!({"d": "input data", "a": "SHA-256"})),
        json!("b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3")
    );
    // Observed.
    assert_eq!(run("States.Hash('hello', 'MD5')"), json!("5d41402abc4b2a76b9719d911017c592"));
    assert_eq!(
        run("States.Hash('hello', 'SHA-384')"),
        json!("59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f")
    );
    assert_eq!(
        run("States.Hash('hello', 'SHA-512')"),
        json!("9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043")
    );
    assert_eq!(
        run("States.Hash('🚀', 'SHA-256')"),
        json!("ebbc0b2870eb323f2b6cffa5c493ceef81ae7eb36afc73d4e0367301631daec5")
    );
    assert!(run_with("States.Hash($.s, 'SHA-256')", json!({"s": "a".repeat(10_000)})).is_ok());
    invalid("States.Hash($.s, 'SHA-256')", json!({"s": "a".repeat(10_001)}));
    for alg in ["UNSUPPORTED", "sha-256", "SHA256", "", "MD-5"] {
        invalid("States.Hash('data', $.a)", json!({ "a": alg }));
    }
    invalid("States.Hash('hello', 123)", json!({}));
    invalid("States.Hash('hello')", json!({}));
    // Non-string data is hashed as its JSON text.
    assert_eq!(run("States.Hash(123, 'MD5')"), run("States.Hash('123', 'MD5')"));
}

#[test]
fn json_merge() {
    // Recorded.
    assert_eq!(
        ok(
            "States.JsonMerge($.a, $.b, false)",
            json!({"a": {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3}, "b": {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4}})
        ),
        json!({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4})
    );
    let out = ok("States.JsonMerge($.a, $.b, false)", json!({"a": {"x": 1, "y": 2}, "b": {"y": 3, "z": 4}}));
    assert_eq!(out.as_object().unwrap().keys().collect::<Vec<_>>(), ["x", "y", "z"]);
    // Observed: a non-boolean flag merges shallowly; true is refused.
    assert_eq!(
        ok("States.JsonMerge($.a, $.b, $.d)", json!({"a": {}, "b": {"k": 1}, "d": "false"})),
        json!({"k": 1})
    );
    invalid("States.JsonMerge($.a, $.b, true)", json!({"a": {}, "b": {}}));
    invalid("States.JsonMerge($.a, $.b, false)", json!({"a": null, "b": {}}));
    invalid("States.JsonMerge($.a, $.b, false)", json!({"a": {}, "b": []}));
    invalid("States.JsonMerge($.a, $.b)", json!({"a": {}, "b": {}}));
}

#[test]
fn math_add() {
    let f = |a: Value, b: Value| ok("States.MathAdd($.a, $.b)", json!({ "a": a, "b": b }));
    // Recorded (Java's Math.round on each operand).
    for (a, b, sum) in [
        (json!(-9), json!(3), -6),
        (json!(1.49), json!(1.5), 3),
        (json!(1.5), json!(1.51), 4),
        (json!(-1.5), json!(-1.51), -3),
        (json!(1.49), json!(-1.49), 0),
        (json!(0.5), json!(0), 1),
        (json!(2.5), json!(0), 3),
        (json!(-0.5), json!(0), 0),
        (json!(-1.5), json!(0), -1),
        (json!(-3.5), json!(0), -3),
        (json!(-1.51), json!(0), -2),
        (json!(0.49999999999999994), json!(0), 0),
    ] {
        assert_eq!(f(a.clone(), b.clone()), json!(sum), "{a} + {b}");
    }
    assert!(f(json!(1.5), json!(1.5)).is_i64());
    assert_eq!(run("States.MathAdd(2147483646, 1)"), json!(2147483647));
    assert_eq!(run("States.MathAdd(-2147483647, -1)"), json!(-2147483648_i64));
    for bad in [
        "States.MathAdd(2147483647, 1)",
        "States.MathAdd(-2147483648, -1)",
        "States.MathAdd(3000000000, 1)",
        "States.MathAdd('a', 1)",
        "States.MathAdd('1', 2)",
        "States.MathAdd(null, 1)",
        "States.MathAdd(true, 1)",
        "States.MathAdd(1)",
        "States.MathAdd(1, 2, 3)",
    ] {
        invalid(bad, json!({}));
    }
    assert_eq!(
        cause("States.MathAdd($.a, 1)", json!({"a": "x"})),
        "The function 'States.MathAdd($.a, 1)' had the following error: Invalid arguments in States.MathAdd"
    );
}

#[test]
fn math_random() {
    for _ in 0..3 {
        let r = ok("States.MathRandom($.a, $.b)", json!({"a": 12.5, "b": 44.51})).as_i64().unwrap();
        assert!((12..44).contains(&r));
    }
    let r = run("States.MathRandom(1.6, 5.4)").as_i64().unwrap();
    assert!((1..5).contains(&r));
    let r = run("States.MathRandom(-1000000, 1000000)").as_i64().unwrap();
    assert!((-1_000_000..1_000_000).contains(&r));
    // Seeded: java.util.Random(seed).nextInt(end - start) + start.
    assert_eq!(run("States.MathRandom(0, 10, 42)"), json!(0));
    assert_eq!(run("States.MathRandom(1, 100, 42)"), run("States.MathRandom(1, 100, 42)"));
    let r = run("States.MathRandom(2147483640, 2147483647, 1)").as_i64().unwrap();
    assert!((2147483640..2147483647).contains(&r));
    assert!(run("States.MathRandom(1, 10, -10)").is_i64());
    for bad in [
        "States.MathRandom(1, 1)",
        "States.MathRandom(10, 5)",
        "States.MathRandom(1.4, 1.6)",
        "States.MathRandom('a', 10)",
        "States.MathRandom(1, 10, 'seed')",
        "States.MathRandom(1, 10, null)",
        "States.MathRandom(1)",
        "States.MathRandom(1, 10, 5, 99)",
    ] {
        invalid(bad, json!({}));
    }
}

#[test]
fn string_split() {
    let f = |s: &str, d: &str| ok("States.StringSplit($.s, $.d)", json!({ "s": s, "d": d }));
    // Recorded.
    assert_eq!(f(" ", ","), json!([" "]));
    assert_eq!(f(" , ", ","), json!([" ", " "]));
    assert_eq!(f(", , ,", ","), json!([" ", " "]));
    assert_eq!(f(",,,,", ","), json!([]));
    assert_eq!(f("1,2,3,4,5", ","), json!(["1", "2", "3", "4", "5"]));
    assert_eq!(f("This.is+a,test=string", ".+,="), json!(["This", "is", "a", "test", "string"]));
    assert_eq!(f("split on T and \nnew line", "T\n"), json!(["split on ", " and ", "new line"]));
    // Observed (StringTokenizer).
    assert_eq!(f("", ","), json!([]));
    assert_eq!(f("abc", ""), json!(["abc"]));
    assert_eq!(f("1a2b3ab4", "ab"), json!(["1", "2", "3", "4"]));
    invalid("States.StringSplit($.s, ',')", json!({"s": 123}));
    invalid("States.StringSplit('a,b', $.d)", json!({"d": null}));
    invalid("States.StringSplit('a,b')", json!({}));
}

#[test]
fn uuid() {
    let u = run("States.UUID()");
    let s = u.as_str().unwrap();
    assert_eq!(s.len(), 36);
    let parts: Vec<&str> = s.split('-').collect();
    assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
    assert!(parts[2].starts_with('4'));
    assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    assert!(s.chars().all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    invalid("States.UUID(1)", json!({}));
}

#[test]
fn variables_are_read() {
    struct Vars(Value);
    impl crate::Variables for Vars {
        fn get(&self, name: &str) -> Option<&Value> {
            self.0.get(name)
        }
    }
    let vars = Vars(json!({"x": {"n": [4]}}));
    let call = Call::parse("States.MathAdd($x.n[0], 1)").unwrap();
    let env = Counter(Cell::new(1));
    let input = json!({});
    let scope = Scope { input: &input, context: &Value::Null, variables: &vars, env: &env };
    assert_eq!(call.evaluate(&scope).unwrap(), json!(5));
    let missing = Call::parse("States.MathAdd($y, 1)").unwrap();
    assert!(missing.evaluate(&scope).is_err());
}
