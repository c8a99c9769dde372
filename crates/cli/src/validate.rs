//! `statecraft validate`: checks a definition as ValidateStateMachineDefinition does.
//! Exit code 0 when valid, 1 when not, 2 for usage errors.

use serde_json::json;
use statecraft_asl::{parse, MachineType, Severity};
use std::process::ExitCode;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The definition file (ASL JSON).
    definition: std::path::PathBuf,
    /// STANDARD or EXPRESS (some rules differ).
    #[arg(long = "type", default_value = "STANDARD")]
    machine_type: String,
    /// Print `{"result", "diagnostics"}` as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn main(args: Args) -> ExitCode {
    let Some(machine_type) = MachineType::parse(&args.machine_type) else {
        eprintln!("statecraft validate: --type must be STANDARD or EXPRESS");
        return ExitCode::from(2);
    };
    let text = match std::fs::read(&args.definition) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            eprintln!("statecraft validate: cannot read {}: {e}", args.definition.display());
            return ExitCode::from(2);
        }
    };
    let parsed = parse(&text, machine_type);
    let ok = parsed.is_ok();
    if args.json {
        let doc = json!({ "result": if ok { "OK" } else { "FAIL" }, "diagnostics": parsed.diagnostics, "truncated": false });
        println!("{doc}");
    } else {
        for d in &parsed.diagnostics {
            println!("{d}");
        }
        let errors = parsed.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        if ok {
            println!("{}: valid {} state machine", args.definition.display(), machine_type.as_str());
        } else {
            println!("{}: {errors} error(s)", args.definition.display());
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
