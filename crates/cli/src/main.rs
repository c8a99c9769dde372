//! `statecraft`: the command-line entry point. Each subcommand lives in its own module; this
//! file only parses arguments and dispatches.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod env;
mod eval;
mod graph;
mod run;
mod serve;
mod test;
mod triggers;
mod validate;

#[derive(Parser)]
#[command(name = "statecraft", version, about = "Amazon States Language workflows, run as a service you own")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one execution of a state machine to its end, in-process.
    Run(run::Args),
    /// Serve the Step Functions API on one machine, durably (SQLite in a data directory).
    Serve(serve::Args),
    /// Check a state machine definition, as ValidateStateMachineDefinition does.
    Validate(validate::Args),
    /// Evaluate a JSONata expression, a JSONPath or an intrinsic function call.
    Eval(eval::Args),
    /// Draw a state machine as SVG, Graphviz DOT or a Mermaid flowchart.
    Graph(graph::Args),
    /// Run the test cases of a Step Functions Local mock file and check their expectations.
    Test(test::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            return if usage { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Run(args) => run::main(args),
        Command::Serve(args) => serve::main(args),
        Command::Validate(args) => validate::main(args),
        Command::Eval(args) => eval::main(args),
        Command::Graph(args) => graph::main(args),
        Command::Test(args) => test::main(args),
    }
}

/// The AWS service integrations (`sqs:sendMessage`, `aws-sdk:...`) for what `statecraft.toml`
/// does not map: built on first use from the standard AWS configuration and the `[aws]` table,
/// with the project's region when nothing else names one.
fn integrations(
    project: &statecraft_runtime::config::ProjectConfig,
) -> std::sync::Arc<dyn statecraft_runtime::invoke::ServiceIntegrations> {
    use statecraft_integrations::{Config, LazyAwsInvoker};
    std::sync::Arc::new(LazyAwsInvoker::new(
        Config::from_settings(&project.aws),
        Some(project.region.clone()),
    ))
}
