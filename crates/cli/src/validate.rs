//! `statecraft validate`: checks a definition as ValidateStateMachineDefinition does.
//! Exit code 0 when valid, 1 when not, 2 for usage errors.

use serde_json::json;
use statecraft_asl::{parse, MachineType, Resource, Severity};
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
        if ok {
            if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) {
                for (location, arn) in unsupported_resources(&doc) {
                    println!(
                        "NOTE {location}: Statecraft has no built-in integration for {arn}; map it under [resources] in statecraft.toml or mock it (AWS accepts it)"
                    );
                }
            }
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

/// Task resources that AWS accepts but Statecraft can run only through a `[resources]`
/// mapping or a mock: service integrations other than the built-in ones. Locations are in
/// the validator's form (`/States/A/Branches[0]/States/B/Resource`).
fn unsupported_resources(doc: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(states: &serde_json::Value, at: &str, out: &mut Vec<(String, String)>) {
        let Some(states) = states.as_object() else { return };
        for (name, state) in states {
            let here = format!("{at}/States/{name}");
            if state.get("Type").and_then(|t| t.as_str()) == Some("Task") {
                if let Some(arn) = state.get("Resource").and_then(|r| r.as_str()) {
                    if let Ok(resource) = Resource::parse(arn) {
                        if !built_in(&resource) {
                            out.push((format!("{here}/Resource"), arn.to_string()));
                        }
                    }
                }
            }
            if let Some(branches) = state.get("Branches").and_then(|b| b.as_array()) {
                for (i, branch) in branches.iter().enumerate() {
                    if let Some(s) = branch.get("States") {
                        walk(s, &format!("{here}/Branches[{i}]"), out);
                    }
                }
            }
            for key in ["ItemProcessor", "Iterator"] {
                if let Some(s) = state.get(key).and_then(|p| p.get("States")) {
                    walk(s, &format!("{here}/{key}"), out);
                }
            }
        }
    }
    let mut out = Vec::new();
    if let Some(states) = doc.get("States") {
        walk(states, "", &mut out);
    }
    out
}

fn built_in(resource: &Resource) -> bool {
    match resource {
        Resource::Lambda { .. } | Resource::Activity { .. } => true,
        Resource::Service { service, action, .. } => {
            matches!(
                (service.as_str(), action.as_str()),
                ("states", "startExecution") | ("http", "invoke") | ("lambda", "invoke")
            ) || statecraft_integrations::supported(resource)
        }
        Resource::Sdk { .. } => statecraft_integrations::supported(resource),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_resources_are_named_with_their_location() {
        let doc = serde_json::json!({
            "StartAt": "P",
            "States": {
                "P": { "Type": "Parallel", "End": true, "Branches": [{ "StartAt": "K", "States": {
                    "K": { "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:kinesis:putRecord", "End": true }
                }}]},
                "Q": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true },
                "G": { "Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "End": true },
                "N": { "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": true },
                "M": { "Type": "Map", "End": true, "ItemProcessor": { "StartAt": "D", "States": {
                    "D": { "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem", "End": true }
                }}}
            }
        });
        assert_eq!(
            unsupported_resources(&doc),
            vec![
                (
                    "/States/P/Branches[0]/States/K/Resource".to_string(),
                    "arn:aws:states:::aws-sdk:kinesis:putRecord".to_string()
                ),
                ("/States/G/Resource".to_string(), "arn:aws:states:::glue:startJobRun.sync".to_string()),
            ]
        );
    }
}
