//! `partner-center`: offers as code for Microsoft Partner Center, from any
//! release pipeline. `partner-center --help` lists the commands.

mod args;
mod checks;
mod commands;
mod error;
mod exit;
mod files;
mod github;
mod interrupt;
mod logging;
mod output;
mod report;
mod session;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use crate::args::Cli;
use crate::interrupt::Interrupt;
use crate::output::Reporter;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Help and version are answers, not errors.
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    let reporter = Arc::new(Reporter::new(&cli.global));
    let lines = reporter.clone();
    logging::init(cli.global.verbose, cli.global.quiet, move |line| {
        lines.notice(line)
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    let code = runtime.block_on(async {
        let interrupt = Interrupt::listen({
            let reporter = reporter.clone();
            move || reporter.finish()
        });
        commands::run(cli, reporter.clone(), interrupt).await
    });
    reporter.finish();
    // Work a signal cut short may have left behind (a file being hashed)
    // does not hold the exit.
    runtime.shutdown_timeout(Duration::from_millis(200));
    ExitCode::from(code)
}
