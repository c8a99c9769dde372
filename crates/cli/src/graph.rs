//! `statecraft graph`: draws a definition as SVG (laid out by `statecraft-graph`, no Graphviz
//! needed), Graphviz DOT or a Mermaid flowchart, on stdout.
//!
//! `--statuses FILE` marks states with an execution status: a JSON object from state name to
//! `running`, `succeeded`, `failed`, `caught`, `cancelled` or `not-started` (AWS's `SUCCEEDED`,
//! `FAILED`... are accepted too). Exit code: 0 when drawn, 1 for an invalid definition (the
//! validator's diagnostics go to stderr), 2 for usage errors.

use statecraft_asl::{parse, MachineType};
use statecraft_graph::{render, Format, RenderOptions, Status};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The definition file (ASL JSON).
    definition: PathBuf,
    /// Output format.
    #[arg(long, default_value = "svg", value_parser = ["svg", "dot", "mermaid"])]
    format: String,
    /// STANDARD or EXPRESS (some validation rules differ).
    #[arg(long = "type", default_value = "STANDARD")]
    machine_type: String,
    /// A JSON file mapping state names to statuses, drawn on the nodes.
    #[arg(long)]
    statuses: Option<PathBuf>,
    /// A title for the drawing.
    #[arg(long)]
    title: Option<String>,
}

pub(crate) fn main(args: Args) -> ExitCode {
    match run(&args) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                eprintln!("statecraft graph: cannot write the graph: {e}");
                return ExitCode::from(2);
            }
            ExitCode::SUCCESS
        }
        Err((code, msg)) => {
            eprintln!("{msg}");
            ExitCode::from(code)
        }
    }
}

fn run(args: &Args) -> Result<String, (u8, String)> {
    let usage = |m: String| (2, format!("statecraft graph: {m}"));
    let format =
        Format::parse(&args.format).ok_or_else(|| usage("--format must be svg, dot or mermaid".into()))?;
    let machine_type = MachineType::parse(&args.machine_type)
        .ok_or_else(|| usage("--type must be STANDARD or EXPRESS".into()))?;
    let text = read(&args.definition).map_err(usage)?;
    let def = parse(&text, machine_type).into_result().map_err(|diags| {
        let mut lines = vec![format!("statecraft graph: invalid definition {}:", args.definition.display())];
        lines.extend(diags.iter().map(|d| d.to_string()));
        (1, lines.join("\n"))
    })?;
    let mut opts = RenderOptions { title: args.title.clone(), ..RenderOptions::default() };
    if let Some(path) = &args.statuses {
        let doc: serde_json::Value = serde_json::from_str(&read(path).map_err(usage)?)
            .map_err(|e| usage(format!("{} is not JSON: {e}", path.display())))?;
        let obj = doc.as_object().ok_or_else(|| usage(format!("{}: expected an object", path.display())))?;
        for (state, status) in obj {
            let st = status.as_str().and_then(Status::parse).ok_or_else(|| {
                usage(format!("{}: state '{state}' has an unknown status {status}", path.display()))
            })?;
            opts.statuses.insert(state.clone(), st);
        }
    }
    Ok(render(&def, format, &opts))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}
