//! `plan FILE…`: how the service differs from each definition. Only reads.

use std::sync::Arc;

use partner_center_ingestion::definition::{self, ApplyOptions};

use super::many;
use crate::args::Plan;
use crate::error::CliError;
use crate::exit;
use crate::files;
use crate::interrupt::Interrupt;
use crate::output::{change_value, OfferOutcome, Reporter};
use crate::session::Session;

pub async fn run(
    args: &Plan,
    session: &Session,
    reporter: &Arc<Reporter>,
    interrupt: &Interrupt,
) -> Result<u8, CliError> {
    let paths = files::expand(&args.many.files).map_err(CliError::Config)?;
    let publisher = session.publisher();
    let prune = args.many.prune;
    let r = reporter.clone();
    let stop = interrupt.clone();
    let outcomes = many::each(
        paths,
        args.many.parallel.into(),
        args.many.fail_fast,
        interrupt,
        move |path| {
            let publisher = publisher.clone();
            let reporter = r.clone();
            let interrupt = stop.clone();
            async move {
                let file = path.display().to_string();
                let def = match many::load(&path, &reporter) {
                    Ok(def) => def,
                    Err(failed) => return *failed,
                };
                let offer = def.offer().offer_id.clone();
                let options = ApplyOptions::new().prune(prune);
                let planned = many::stop_on(
                    &interrupt,
                    &offer,
                    definition::plan(&publisher, &def, &options),
                )
                .await;
                let planned = match planned {
                    Ok(planned) => planned,
                    Err(signal) => {
                        let last = reporter.last_step_of(&offer);
                        return OfferOutcome::interrupted(offer, Some(file), signal, last);
                    }
                };
                match planned {
                    Ok(set) => {
                        if reporter.json() {
                            reporter.changes(&offer, &set.changes);
                        } else {
                            reporter.text(&set.to_string());
                        }
                        OfferOutcome {
                            status: if set.is_empty() { "ok" } else { "changes" },
                            changes: set
                                .changes
                                .iter()
                                .map(|c| change_value(&offer, c))
                                .collect(),
                            offer,
                            file: Some(file),
                            ..Default::default()
                        }
                    }
                    Err(e) => {
                        reporter.error(Some(&offer), Some(&file), &e);
                        OfferOutcome::failed(offer, Some(file), e.to_string())
                    }
                }
            }
        },
    )
    .await;
    let failed = outcomes
        .iter()
        .any(|o| o.status != "ok" && o.status != "changes");
    let changed = outcomes.iter().any(|o| o.status == "changes");
    let stopped = many::interrupted(interrupt, &outcomes);
    let code = if let Some(signal) = stopped {
        signal.exit_code()
    } else if failed {
        exit::ERROR
    } else if changed && args.detailed_exitcode {
        exit::CHANGES
    } else {
        exit::OK
    };
    reporter.summary("plan", &outcomes, code);
    match stopped {
        Some(signal) => Err(CliError::Interrupted(signal)),
        None => Ok(code),
    }
}
