//! Property tests: no source text and no evaluation may panic; every failure is an `Error`
//! with a code.

use proptest::prelude::*;
use serde_json::json;
use statecraft_jsonata::{Bindings, Env, Expression, Limits, Options};

struct Zero;
impl Env for Zero {
    fn now_millis(&self) -> i64 {
        0
    }
    fn random_u64(&self) -> u64 {
        12345
    }
}

fn check(src: &str) {
    let opts = Options {
        limits: Limits { max_depth: 100, max_steps: 20_000 },
        aws_functions: true,
        allow_eval: true,
    };
    let input = json!({"a": [1, {"b": "x"}, [2, 3]], "c": {"d": null, "e": true}, "s": "text"});
    match Expression::parse(src) {
        Err(e) => assert!(!e.code.is_empty()),
        Ok(expr) => {
            if let Err(e) = expr.evaluate(Some(&input), &Bindings::new(), &Zero, &opts) {
                assert!(!e.code.is_empty());
            }
        }
    }
}

const ATOMS: &[&str] = &[
    "a",
    "b",
    "c",
    "d",
    "$",
    "$$",
    "$x",
    "*",
    "**",
    "%",
    "1",
    "0",
    "-1",
    "2.5",
    "'s'",
    "\"t\"",
    "true",
    "null",
    "[]",
    "{}",
    "$sum",
    "$string",
    "$map",
    "$sort",
    "$each",
    "$sift",
    "$zip",
    "$spread",
    "$merge",
    "$lookup",
    "$keys",
    "$split",
    "$replace",
    "$match",
    "$formatNumber",
    "$formatInteger",
    "$fromMillis",
    "$toMillis",
    "$eval",
    "$range",
    "$hash",
    "/a+/",
    "function($x){$x}",
    "$f",
    "?",
];
const OPS: &[&str] = &[
    ".", "+", "-", "*", "/", "%", "&", "=", "!=", "<", ">=", " and ", " or ", " in ", "~>", "..", ":=", "?",
    ":", "??", "?:", "@", "#", "^", ",", ";", "|",
];
const WRAP: &[(&str, &str)] =
    &[("(", ")"), ("[", "]"), ("{", "}"), ("$f(", ")"), ("^(", ")"), ("|", "|"), ("<", ">")];

fn expr_strategy() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(ATOMS).prop_map(|s| s.to_string());
    leaf.prop_recursive(5, 64, 4, |inner| {
        prop_oneof![
            (inner.clone(), prop::sample::select(OPS), inner.clone())
                .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
            (prop::sample::select(WRAP), inner.clone()).prop_map(|((l, r), e)| format!("{l}{e}{r}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}[{b}]")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("($f := function($x, $y){{{a}}}; $f({b}, $x))")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,40}") {
        check(&s);
    }

    #[test]
    fn arbitrary_ascii_never_panics(s in "[ -~]{0,60}") {
        check(&s);
    }

    #[test]
    fn arbitrary_expressions_never_panic(s in expr_strategy()) {
        check(&s);
    }
}

#[test]
fn known_nasty_inputs() {
    for s in [
        "",
        "(",
        ")",
        "[",
        "{",
        "$",
        "$$$$",
        "/",
        "/*",
        "'",
        "\"\\u12",
        "1e999",
        "a[",
        "a.",
        "..",
        "::",
        ":=",
        "function",
        "function(",
        "function($x)<",
        "function($x)<a<",
        "λ($x){",
        "$x[-99999999999999999999]",
        "$substring('abc', -1e300, 1e300)",
        "$pad('x', 1e300)",
        "$formatBase(1e300, 36)",
        "$formatNumber(1e300, '#')",
        "$fromMillis(1e300)",
        "$toMillis('99999-99-99')",
        "$power(10, 400)",
        "[1..1e7]",
        "$sort([1, 'a'])",
        "$fromMillis(0, '[Y,2-1]')",
        "$formatInteger(1e300, 'w')",
        "$formatInteger(-5, 'I')",
        "$replace('a', /a/, $string)",
        "$split('abc', function($s){ {'match': 'b', 'start': 1e300, 'end': -5, 'groups': []} })",
    ] {
        check(s);
    }
}
