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
use crate::interrupt::{same_command, Interrupt};
use crate::output::Reporter;
use crate::session::Session;

/// Runs the command; returns the exit code. A signal (`interrupt`) stops
/// it where it is: `plan` and `apply` end their offers under way and
/// report them; any other command is dropped at its next wait. Either way
/// it says what it had done and the command that continues.
pub async fn run(cli: Cli, reporter: Arc<Reporter>, interrupt: Interrupt) -> u8 {
    let emulator = cli.global.emulator;
    let policy = cli.global.retry_policy();
    let name = cli.command.name();
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args, &reporter, &interrupt),
        Command::Schema(args) => schema(args.file.as_deref(), &reporter),
        command => {
            // plan and apply stop their offers themselves, to report them.
            let stops_itself = matches!(command, Command::Plan(_) | Command::Apply(_));
            let work = async {
                let session = Session::open(emulator, policy, &reporter).await?;
                online(command, &session, &reporter, &interrupt).await
            };
            if stops_itself {
                work.await
            } else {
                tokio::select! {
                    biased;
                    signal = interrupt.wait() => Err(CliError::Interrupted(signal)),
                    result = work => result,
                }
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(CliError::Interrupted(signal)) => {
            reporter.interrupted(name, signal, &same_command());
            signal.exit_code()
        }
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
    interrupt: &Interrupt,
) -> Result<u8, CliError> {
    match command {
        Command::Plan(args) => plan::run(&args, session, reporter, interrupt).await,
        Command::Apply(args) => apply::run(&args, session, reporter, interrupt).await,
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
