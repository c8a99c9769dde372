//! Payload templates through the public API: compilation errors with their JSON pointers,
//! evaluation of paths and calls at any depth (arrays included), and AWS's failure causes.

use serde_json::{json, Value};
use statecraft_expr::template::CompileError;
use statecraft_expr::{Env, NoVariables, Scope, StatesError, Template, Variables};

struct FixedEnv;

impl Env for FixedEnv {
    fn random_u64(&self) -> u64 {
        0x0123_4567_89ab_cdef
    }
}

struct Vars(Value);

impl Variables for Vars {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

fn eval(template: Value, input: Value) -> Result<Value, statecraft_expr::EvalError> {
    let t = Template::compile(&template).expect("compiles");
    let ctx = json!({"Execution": {"Id": "arn:exec", "Input": input.clone()}});
    t.evaluate(&Scope { input: &input, context: &ctx, variables: &NoVariables, env: &FixedEnv })
}

#[test]
fn fields_ending_in_dollar_are_evaluated() {
    let out = eval(
        json!({
            "literal": "$.not_evaluated",
            "path.$": "$.a",
            "ctx.$": "$$.Execution.Id",
            "call.$": "States.MathAdd($.n, 1)",
            "nested": {"deep.$": "$.a", "keep": [1, "x"]},
            "list": [{"in_array.$": "$.n"}, 2, [{"x.$": "$.a"}]],
            "num": 1.0
        }),
        json!({"a": "A", "n": 41}),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({
            "literal": "$.not_evaluated",
            "path": "A",
            "ctx": "arn:exec",
            "call": 42,
            "nested": {"deep": "A", "keep": [1, "x"]},
            "list": [{"in_array": 41}, 2, [{"x": "A"}]],
            "num": 1.0
        })
    );
    assert!(out["num"].is_f64());
    assert_eq!(
        out.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["literal", "path", "ctx", "call", "nested", "list", "num"]
    );
}

#[test]
fn uses_context() {
    let t = |v: Value| Template::compile(&v).unwrap().uses_context();
    assert!(t(json!({"a.$": "$$.Execution.Id"})));
    assert!(t(json!({"a": [{"b.$": "States.Format('{}', $$.x)"}]})));
    assert!(!t(json!({"a.$": "$.x", "b": "$$.x"})));
}

#[test]
fn whole_input_and_indefinite_paths() {
    assert_eq!(eval(json!({"all.$": "$"}), json!([1])).unwrap(), json!({"all": [1]}));
    // Recorded: an indefinite path that matches nothing is an empty array.
    assert_eq!(
        eval(json!({"item.$": "$.item.items[1:5].itemValue"}), json!({})).unwrap(),
        json!({"item": []})
    );
    assert_eq!(eval(json!({"item.$": "$.items[*]"}), json!({})).unwrap(), json!({"item": []}));
    // Observed on AWS: an index past the end is null in a template field (not a failure).
    assert_eq!(eval(json!({"v.$": "$.items[5]"}), json!({"items": [1, 2]})).unwrap(), json!({"v": null}));
    assert!(eval(json!({"v.$": "$.items[5].x"}), json!({"items": [1, 2]})).is_err());
}

#[test]
fn missing_path_is_runtime_error_with_aws_cause() {
    let e = eval(json!({"value.$": "$.no_such_jsonpath"}), json!({"int-literal": 0})).unwrap_err();
    assert_eq!(e.error, StatesError::Runtime);
    // Recorded (the input is quoted as compact JSON).
    assert_eq!(
        e.cause,
        "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"int-literal\":0}'"
    );
    let e = eval(json!({"n": {"x.$": "$$.Missing"}}), json!({"a": 1.0})).unwrap_err();
    assert!(e.cause.starts_with("The JSONPath '$$.Missing' specified for the field 'x.$' could not be found in the input '{\"Execution\""));
}

#[test]
fn intrinsic_failures_propagate() {
    let e = eval(json!({"x.$": "States.ArrayLength($.a)"}), json!({"a": 1})).unwrap_err();
    assert_eq!(e.error, StatesError::Runtime);
    assert!(e.cause.contains("Invalid arguments in States.ArrayLength"));
}

#[test]
fn variables() {
    let t = Template::compile(&json!({"v.$": "$x.y", "w.$": "$x"})).unwrap();
    let vars = Vars(json!({"x": {"y": [1]}}));
    let input = json!({});
    let out = t
        .evaluate(&Scope { input: &input, context: &Value::Null, variables: &vars, env: &FixedEnv })
        .unwrap();
    assert_eq!(out, json!({"v": [1], "w": {"y": [1]}}));
}

#[test]
fn compile_errors_carry_pointers() {
    let errors = Template::compile(&json!({
        "ok.$": "$.a",
        "bad.$": "$.a..",
        "nested": {"num.$": 1, "a/b~c.$": "States.Nope()"},
        "list": [{"x.$": "not a path"}],
    }))
    .unwrap_err();
    let msg = |k: &str| {
        format!("The value for the field '{k}' must be a valid JSONPath or a valid intrinsic function call")
    };
    assert_eq!(
        errors,
        vec![
            CompileError { pointer: "/bad.$".into(), message: msg("bad.$") },
            CompileError { pointer: "/nested/num.$".into(), message: msg("num.$") },
            CompileError { pointer: "/nested/a~1b~0c.$".into(), message: msg("a/b~c.$") },
            CompileError { pointer: "/list/0/x.$".into(), message: msg("x.$") },
        ]
    );
}

#[test]
fn deep_templates_do_not_overflow() {
    let mut v = json!({"leaf.$": "$.a"});
    for _ in 0..2000 {
        v = json!({ "n": v });
    }
    let errors = Template::compile(&v).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.contains("nested too deeply"));
    // Drop iteratively: serde_json's recursive drop would be fine at this depth too.
    let mut v = v;
    while let Some(inner) = v.get_mut("n").map(Value::take) {
        v = inner;
    }
}
