//! One module per command; [`run`] dispatches and turns failures into an
//! exit code.

mod apply;
mod list;
mod many;
mod plan;
mod submission;
mod validate;

use std::sync::Arc;

use crate::args::{Cli, Command};
use crate::error::CliError;
use crate::output::Reporter;
use crate::session::Session;

/// Runs the command; returns the exit code.
pub async fn run(cli: Cli, reporter: Arc<Reporter>) -> u8 {
    let emulator = cli.global.emulator;
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args, &reporter),
        Command::Schema(args) => schema(args.file.as_deref(), &reporter),
        command => match Session::open(emulator, &reporter).await {
            Err(e) => Err(e),
            Ok(session) => online(command, &session, &reporter).await,
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            reporter.error(None, None, &e);
            e.exit_code()
        }
    }
}

async fn online(
    command: Command,
    session: &Session,
    reporter: &Arc<Reporter>,
) -> Result<u8, CliError> {
    match command {
        Command::Plan(args) => plan::run(&args, session, reporter).await,
        Command::Apply(args) => apply::run(&args, session, reporter).await,
        Command::Status(args) => submission::status(&args, session, reporter).await,
        Command::Wait(args) => submission::wait(&args, session, reporter).await,
        Command::Promote(args) => submission::promote(&args, session, reporter).await,
        Command::Cancel(args) => submission::cancel(&args, session, reporter).await,
        Command::List(args) => list::run(&args, session, reporter).await,
        Command::Validate(_) | Command::Schema(_) => Ok(crate::exit::OK),
    }
}

/// `schema [FILE]`: the definition format's JSON Schema.
fn schema(file: Option<&std::path::Path>, reporter: &Reporter) -> Result<u8, CliError> {
    use partner_center_ingestion::definition;
    match file {
        Some(path) => {
            definition::write_schema(path)
                .map_err(|e| CliError::Config(format!("cannot write {}: {e}", path.display())))?;
            reporter.step(
                None,
                format_args!("wrote the definition's JSON Schema to {}", path.display()),
            );
        }
        None => {
            let text = serde_json::to_string_pretty(&definition::json_schema())
                .map_err(|e| CliError::Config(e.to_string()))?;
            crate::output::print_line(&text);
        }
    }
    Ok(crate::exit::OK)
}
