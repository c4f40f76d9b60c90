//! `partner-center`: offers as code for Microsoft Partner Center, from any
//! release pipeline. `partner-center --help` lists the commands.

mod args;
mod checks;
mod commands;
mod error;
mod exit;
mod files;
mod github;
mod output;
mod session;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use crate::args::Cli;
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
    init_logging(cli.global.verbose);
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
    let reporter = Arc::new(Reporter::new(&cli.global));
    let code = runtime.block_on(commands::run(cli, reporter.clone()));
    reporter.finish();
    ExitCode::from(code)
}

/// `-v`: each request of the library at debug level; `-vv`: everything at
/// trace. `RUST_LOG` overrides both. Logs go to stderr and never hold a
/// token or secret (the library redacts them).
fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => return init_from_env_only(),
        1 => "partner_center_ingestion=debug,partner_center_cli=debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn init_from_env_only() {
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
    }
}
