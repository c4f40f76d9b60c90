//! `apply FILE…`: make the service match each definition, then publish as
//! asked, one client and one throttle budget for all of them.

use std::sync::Arc;
use std::time::Duration;

use partner_center_ingestion::definition::{self, ApplyOptions, IfInProgress, Publish};
use partner_center_ingestion::workflows::WorkflowError;

use super::many;
use crate::args::{Apply, InProgressArg, TargetArg};
use crate::error::CliError;
use crate::exit;
use crate::files;
use crate::interrupt::Interrupt;
use crate::output::{change_value, OfferOutcome, Reporter, Severity};
use crate::session::Session;

/// How long `--publish live` waits when `--wait` is not given.
const LIVE_WAIT: Duration = Duration::from_secs(7 * 24 * 3600);

pub async fn run(
    args: &Apply,
    session: &Session,
    reporter: &Arc<Reporter>,
    interrupt: &Interrupt,
) -> Result<u8, CliError> {
    let paths = files::expand(&args.many.files).map_err(CliError::Config)?;
    let base = ApplyOptions::new()
        .prune(args.many.prune)
        .publish(match args.publish {
            None => Publish::Never,
            Some(TargetArg::Preview) => Publish::Preview,
            Some(TargetArg::Live) => Publish::Live,
        })
        .publish_unchanged(args.force_publish)
        .wait_for_preview(args.wait.is_some())
        .certification_deadline(args.wait.unwrap_or(LIVE_WAIT))
        .processing_deadline(if session.local {
            Duration::from_secs(120)
        } else {
            Duration::from_secs(3600)
        })
        .if_in_progress(match args.if_in_progress {
            InProgressArg::Fail => IfInProgress::Fail,
            InProgressArg::Wait => IfInProgress::Wait,
            InProgressArg::Cancel => IfInProgress::Cancel,
        });
    let publisher = session.publisher();
    let r = reporter.clone();
    let stop = interrupt.clone();
    let outcomes = many::each(
        paths,
        args.many.parallel.into(),
        args.many.fail_fast,
        interrupt,
        move |path| {
            let reporter = r.clone();
            let publisher = publisher.clone();
            let base = base.clone();
            let interrupt = stop.clone();
            async move {
                let file = path.display().to_string();
                let def = match many::load(&path, &reporter) {
                    Ok(def) => def,
                    Err(failed) => return *failed,
                };
                let offer = def.offer().offer_id.clone();
                let (events, steps) = (reporter.clone(), reporter.clone());
                let (event_offer, step_offer) = (offer.clone(), offer.clone());
                let publisher = publisher.on_event(move |e| events.event(&event_offer, e));
                let options = base.on_progress(move |line| steps.step(Some(&step_offer), line));
                let applied =
                    many::stop_on(&interrupt, &offer, definition::apply(&publisher, &def, &options))
                        .await;
                let applied = match applied {
                    Ok(applied) => applied,
                    Err(signal) => {
                        let last = reporter.last_step_of(&offer);
                        return OfferOutcome::interrupted(offer, Some(file), signal, last);
                    }
                };
                match applied {
                    Ok(applied) => {
                        let n = applied.changes.len();
                        reporter.step(
                            Some(&offer),
                            match (&applied.submission_id, &applied.published) {
                                (Some(id), Some(reached)) => format!("done: {n} change(s); submission {id} reached {reached}"),
                                (Some(id), None) => format!("done: {n} change(s); submission {id} is in progress (`partner-center status {offer}`)"),
                                _ => format!("done: {n} change(s)"),
                            },
                        );
                        OfferOutcome {
                            changes: applied.changes.changes.iter().map(|c| change_value(&offer, c)).collect(),
                            submission_id: applied.submission_id,
                            reached: applied.published,
                            offer,
                            file: Some(file),
                            status: "ok",
                            error: None,
                        }
                    }
                    Err(e) => {
                        let message = explain(&e);
                        reporter.error(Some(&offer), Some(&file), &message);
                        if let WorkflowError::SubmissionFailed(failure) = &e {
                            for v in &failure.validations {
                                reporter.annotate(
                                    Severity::Error,
                                    Some(&file),
                                    v.message.as_deref().unwrap_or("validation failed"),
                                );
                            }
                        }
                        OfferOutcome::failed(offer, Some(file), message)
                    }
                }
            }
        },
    )
    .await;
    let stopped = many::interrupted(interrupt, &outcomes);
    let code = match stopped {
        Some(signal) => signal.exit_code(),
        None if outcomes.iter().all(|o| o.status == "ok") => exit::OK,
        None => exit::ERROR,
    };
    reporter.summary("apply", &outcomes, code);
    match stopped {
        Some(signal) => Err(CliError::Interrupted(signal)),
        None => Ok(code),
    }
}

/// The error, with the ways on where the command line has them.
fn explain(e: &WorkflowError) -> String {
    match e {
        WorkflowError::InProgress(s) => format!(
            "{e}\n  nothing was written. Either wait for it: run again with --if-in-progress wait\n  or cancel it first: run again with --if-in-progress cancel{}",
            if s.promoted() {
                " (not possible here: it was promoted, so only waiting works)"
            } else {
                ""
            }
        ),
        other => other.to_string(),
    }
}
