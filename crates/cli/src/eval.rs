//! `statecraft eval`: evaluates one JSONata expression, JSONPath or intrinsic call against an
//! input, like `jq` for ASL. With `--json` it prints exactly one object: `{"result": V}`,
//! `{"undefined": true}` or `{"error": {"code", "message", "position"}}`; the exit code is 0
//! whenever evaluation finished (even with an error result) and 2 for usage errors.

use serde_json::{json, Value};
use std::io::Read;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("expr").required(true).args(["jsonata", "jsonpath", "intrinsic"])))]
pub(crate) struct Args {
    /// A JSONata expression.
    #[arg(long, allow_hyphen_values = true)]
    jsonata: Option<String>,
    /// A JSONPath (`$.a.b`, `$$.Execution.Id`, `$var`).
    #[arg(long)]
    jsonpath: Option<String>,
    /// An intrinsic function call (`States.Format('{}', $.x)`).
    #[arg(long)]
    intrinsic: Option<String>,
    /// The input document (default: stdin; empty stdin means undefined input).
    #[arg(long)]
    input_file: Option<std::path::PathBuf>,
    /// A JSON object of variable bindings (`{"name": value}` binds `$name`).
    #[arg(long)]
    bindings_file: Option<std::path::PathBuf>,
    /// A JSON context object for `$$` paths.
    #[arg(long)]
    context_file: Option<std::path::PathBuf>,
    /// Print one JSON object instead of the bare result.
    #[arg(long)]
    json: bool,
}

/// The outcome of an evaluation, independent of how it is printed.
enum Outcome {
    Value(Value),
    Undefined,
    Error { code: String, message: String, position: Option<usize> },
}

pub(crate) fn main(args: Args) -> ExitCode {
    let input = match read_input(&args) {
        Ok(v) => v,
        Err(msg) => return usage(&msg),
    };
    let bindings = match read_json_file(args.bindings_file.as_deref()) {
        Ok(v) => v.unwrap_or(Value::Object(Default::default())),
        Err(msg) => return usage(&msg),
    };
    let Value::Object(bindings) = bindings else {
        return usage("--bindings-file must hold a JSON object");
    };
    let context = match read_json_file(args.context_file.as_deref()) {
        Ok(v) => v.unwrap_or(Value::Null),
        Err(msg) => return usage(&msg),
    };
    let outcome = if let Some(src) = &args.jsonata {
        eval_jsonata(src, input.as_ref(), &bindings)
    } else if let Some(src) = &args.jsonpath {
        eval_jsonpath(src, input.as_ref(), &context, &bindings)
    } else if let Some(src) = &args.intrinsic {
        eval_intrinsic(src, input.as_ref(), &context, &bindings)
    } else {
        return usage("one of --jsonata, --jsonpath, --intrinsic is required");
    };
    print(&outcome, args.json);
    ExitCode::SUCCESS
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("statecraft eval: {msg}");
    ExitCode::from(2)
}

fn read_input(args: &Args) -> Result<Option<Value>, String> {
    let text = match &args.input_file {
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?,
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| format!("cannot read stdin: {e}"))?;
            s
        }
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&text).map(Some).map_err(|e| format!("input is not JSON: {e}"))
}

fn read_json_file(path: Option<&std::path::Path>) -> Result<Option<Value>, String> {
    let Some(p) = path else { return Ok(None) };
    let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    serde_json::from_str(&text).map(Some).map_err(|e| format!("{} is not JSON: {e}", p.display()))
}

fn print(outcome: &Outcome, as_json: bool) {
    let doc = match outcome {
        Outcome::Value(v) if !as_json => {
            println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
            return;
        }
        Outcome::Value(v) => json!({ "result": v }),
        Outcome::Undefined => json!({ "undefined": true }),
        Outcome::Error { code, message, position } => {
            json!({ "error": { "code": code, "message": message, "position": position } })
        }
    };
    println!("{doc}");
}

struct Entropy(std::cell::Cell<u64>);

impl Entropy {
    fn from_time() -> Entropy {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Entropy(std::cell::Cell::new(seed | 1))
    }

    fn next(&self) -> u64 {
        // splitmix64
        let mut z = self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.0.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl statecraft_jsonata::Env for Entropy {
    fn now_millis(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
    fn random_u64(&self) -> u64 {
        self.next()
    }
}

impl statecraft_expr::Env for Entropy {
    fn random_u64(&self) -> u64 {
        self.next()
    }
}

struct MapVariables<'a>(&'a serde_json::Map<String, Value>);

impl statecraft_expr::Variables for MapVariables<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

fn eval_jsonata(src: &str, input: Option<&Value>, bindings: &serde_json::Map<String, Value>) -> Outcome {
    use statecraft_jsonata::{Bindings, Expression, Options};
    let expr = match Expression::parse(src) {
        Ok(e) => e,
        Err(e) => return Outcome::Error { code: e.code, message: e.message, position: e.position },
    };
    let mut b = Bindings::new();
    for (k, v) in bindings {
        b.bind(k.clone(), v.clone());
    }
    match expr.evaluate(input, &b, &Entropy::from_time(), &Options::default()) {
        Ok(Some(v)) => Outcome::Value(v),
        Ok(None) => Outcome::Undefined,
        Err(e) => Outcome::Error { code: e.code, message: e.message, position: e.position },
    }
}

fn eval_jsonpath(
    src: &str,
    input: Option<&Value>,
    context: &Value,
    bindings: &serde_json::Map<String, Value>,
) -> Outcome {
    use statecraft_expr::{Path, Root};
    let path = match Path::parse(src) {
        Ok(p) => p,
        Err(e) => return Outcome::Error { code: "InvalidPath".into(), message: e.message, position: None },
    };
    let null = Value::Null;
    let doc = match path.root() {
        Root::Input => input.unwrap_or(&null),
        Root::Context => context,
        Root::Variable(name) => match bindings.get(name) {
            Some(v) => v,
            None => return Outcome::Undefined,
        },
    };
    match path.select(doc) {
        Some(v) => Outcome::Value(v.into_owned()),
        None => Outcome::Undefined,
    }
}

fn eval_intrinsic(
    src: &str,
    input: Option<&Value>,
    context: &Value,
    bindings: &serde_json::Map<String, Value>,
) -> Outcome {
    use statecraft_expr::{Call, Scope};
    let call = match Call::parse(src) {
        Ok(c) => c,
        Err(e) => {
            return Outcome::Error { code: "InvalidIntrinsic".into(), message: e.message, position: None }
        }
    };
    let null = Value::Null;
    let entropy = Entropy::from_time();
    let vars = MapVariables(bindings);
    let scope = Scope { input: input.unwrap_or(&null), context, variables: &vars, env: &entropy };
    match call.evaluate(&scope) {
        Ok(v) => Outcome::Value(v),
        Err(e) => Outcome::Error { code: e.error.as_str().into(), message: e.cause, position: None },
    }
}
