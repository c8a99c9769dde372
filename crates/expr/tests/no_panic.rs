//! Property tests: parsing and evaluating paths, intrinsic calls and templates never panics,
//! whatever the text and whatever the document.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use statecraft_expr::{Call, Env, NoVariables, Path, Scope, Template};

struct FixedEnv;

impl Env for FixedEnv {
    fn random_u64(&self) -> u64 {
        0xdead_beef_cafe_f00d
    }
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-c0-9 ,{}$.'\\\\-]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-c]{1,2}", inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Text that looks like a path often enough to reach deep into the parser.
fn path_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        "\\.[a-c]{1,2}",
        "\\[[0-9-]{1,2}\\]",
        "\\[[0-9-]{0,2}:[0-9-]{0,2}(:[0-9]?)?\\]",
        "\\['[a-c ,\\\\']{0,3}'(,'[a-c]')?\\]",
        Just(".*".to_string()),
        Just("[*]".to_string()),
        Just("..".to_string()),
        Just(".length()".to_string()),
        "\\[\\?\\(@(\\.[a-c])? ?(==|!=|<|>=|=~|in|size|empty) ?([0-9]|'[a-c]'|@\\.[a-c]|\\$\\.[a-c]|/[a-c.*]+/i|\\[1,'a'\\]|true|null)\\)\\]",
        "\\[\\?\\((!?@\\.[a-c])( (&&|\\|\\|) !?\\(?@\\.[a-c]\\)?)?\\)\\]",
        "[$@.\\[\\]()?*'\",:0-9a-c =!<>&|~/\\\\-]{1,4}",
    ];
    (prop_oneof![Just("$"), Just("$$"), Just("$v"), Just("@"), Just("")], prop::collection::vec(token, 0..6))
        .prop_map(|(root, tokens)| format!("{root}{}", tokens.concat()))
}

/// Text that looks like an intrinsic call often enough.
fn call_text() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("Format"),
        Just("StringToJson"),
        Just("JsonToString"),
        Just("Array"),
        Just("ArrayPartition"),
        Just("ArrayContains"),
        Just("ArrayRange"),
        Just("ArrayGetItem"),
        Just("ArrayLength"),
        Just("ArrayUnique"),
        Just("Base64Encode"),
        Just("Base64Decode"),
        Just("Hash"),
        Just("JsonMerge"),
        Just("MathRandom"),
        Just("MathAdd"),
        Just("StringSplit"),
        Just("UUID"),
        Just("Nope"),
    ];
    let arg = prop_oneof![
        "'[a-c{}, ]{0,4}'",
        "'\\\\[{}'\\\\n]'",
        "-?[0-9]{1,3}(\\.[0-9])?",
        Just("2147483647".to_string()),
        Just("1e309".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("'SHA-256'".to_string()),
        "\\$\\.[a-c](\\[[0-9]\\])?",
        "\\$\\$\\.[a-c]",
        Just("States.Array(1, 'a')".to_string()),
        "[$'(),.a-c0-9 ]{1,4}",
    ];
    (name, prop::collection::vec(arg, 0..4), prop_oneof![Just(")"), Just(""), Just("))")])
        .prop_map(|(name, args, close)| format!("States.{name}({}{close}", args.join(", ")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn path_parse_and_select_never_panic(src in path_text(), doc in json(), value in json()) {
        if let Ok(path) = Path::parse(&src) {
            let _ = path.select(&doc);
            let _ = path.select_or_not_found(&doc);
            let _ = path.jayway_string();
            let mut target = doc.clone();
            let _ = path.set(&mut target, value);
        }
    }

    #[test]
    fn path_parse_never_panics_on_any_text(src in "\\PC{0,40}") {
        let _ = Path::parse(&src);
    }

    #[test]
    fn call_parse_and_evaluate_never_panic(src in call_text(), input in json()) {
        if let Ok(call) = Call::parse(&src) {
            let ctx = serde_json::json!({"a": input.clone()});
            let scope = Scope { input: &input, context: &ctx, variables: &NoVariables, env: &FixedEnv };
            let _ = call.evaluate(&scope);
        }
    }

    #[test]
    fn call_parse_never_panics_on_any_text(src in "States\\.\\PC{0,40}") {
        let _ = Call::parse(&src);
    }

    #[test]
    fn template_compile_and_evaluate_never_panic(
        template in json(),
        key in "[a-c]{1,2}\\.\\$",
        src in prop_oneof![path_text(), call_text()],
        input in json(),
    ) {
        let mut t = template;
        if let Value::Object(map) = &mut t {
            map.insert(key, Value::String(src));
        }
        if let Ok(compiled) = Template::compile(&t) {
            let scope = Scope { input: &input, context: &Value::Null, variables: &NoVariables, env: &FixedEnv };
            let _ = compiled.evaluate(&scope);
        }
    }
}
