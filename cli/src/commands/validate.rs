//! `validate FILE…`: no network; every finding named with its file, line
//! and key path.

use crate::args::Validate;
use crate::checks;
use crate::error::CliError;
use crate::exit;
use crate::files;
use crate::interrupt::Interrupt;
use crate::output::{OfferOutcome, Reporter, Severity};

pub fn run(args: &Validate, reporter: &Reporter, interrupt: &Interrupt) -> Result<u8, CliError> {
    let paths = files::expand(&args.files).map_err(CliError::Config)?;
    let mut outcomes = Vec::new();
    let mut errors = 0;
    for path in &paths {
        if let Some(signal) = interrupt.signal() {
            let done = outcomes.len();
            for path in &paths[done..] {
                outcomes.push(OfferOutcome {
                    offer: path.display().to_string(),
                    file: Some(path.display().to_string()),
                    status: "skipped",
                    error: Some(format!("not validated: interrupted by {signal}")),
                    ..Default::default()
                });
            }
            reporter.step(
                None,
                format_args!(
                    "validated {done} of {} file(s) before {signal}",
                    paths.len()
                ),
            );
            reporter.summary("validate", &outcomes, signal.exit_code());
            return Err(CliError::Interrupted(signal));
        }
        let findings = checks::check_file(path);
        for f in &findings {
            reporter.finding(f);
        }
        let n = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        errors += n;
        let offer = partner_center_ingestion::definition::Definition::load(path)
            .map(|d| d.offer().offer_id.clone())
            .unwrap_or_else(|_| path.display().to_string());
        outcomes.push(OfferOutcome {
            offer,
            file: Some(path.display().to_string()),
            status: if n == 0 { "ok" } else { "failed" },
            error: (n > 0).then(|| format!("{n} error(s)")),
            ..Default::default()
        });
    }
    reporter.step(
        None,
        format_args!(
            "validated {} file(s): {}",
            paths.len(),
            match errors {
                0 => "no errors".to_string(),
                1 => "1 error".to_string(),
                n => format!("{n} errors"),
            }
        ),
    );
    let code = if errors == 0 { exit::OK } else { exit::ERROR };
    reporter.summary("validate", &outcomes, code);
    Ok(code)
}
