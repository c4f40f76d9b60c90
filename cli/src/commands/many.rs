//! Working on many offers at once: up to `--parallel` at a time over one
//! client, each offer's failure its own unless `--fail-fast`.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::Instrument;

use partner_center_ingestion::definition::Definition;

use crate::checks::load_finding;
use crate::interrupt::{Interrupt, Signal};
use crate::logging::offer_span;
use crate::output::{OfferOutcome, Reporter};

/// Loads one definition; a file that does not load is reported as a
/// finding (file, line, key) and comes back as the offer's failed outcome.
pub fn load(path: &std::path::Path, reporter: &Reporter) -> Result<Definition, Box<OfferOutcome>> {
    let file = path.display().to_string();
    Definition::load(path).map_err(|e| {
        reporter.finding(&load_finding(&file, &e));
        Box::new(OfferOutcome::failed(
            file.clone(),
            Some(file),
            e.to_string(),
        ))
    })
}

/// Runs `work` for each file, `parallel` at a time; the outcomes come back
/// in the files' order. With `fail_fast`, the first failure stops the
/// others (they are reported as `skipped`). Once `interrupt` is set, no
/// further offer starts (those are `skipped` too); the offers under way
/// stop by themselves (see [`stop_on`]).
pub async fn each<F, Fut>(
    files: Vec<PathBuf>,
    parallel: usize,
    fail_fast: bool,
    interrupt: &Interrupt,
    work: F,
) -> Vec<OfferOutcome>
where
    F: Fn(PathBuf) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = OfferOutcome> + Send + 'static,
{
    let limit = Arc::new(Semaphore::new(parallel.max(1)));
    let work = Arc::new(work);
    // Set by a failing offer before it gives its place up, so that with
    // --fail-fast no later offer starts.
    let stop = Arc::new(AtomicBool::new(false));
    let mut outcomes: Vec<Option<OfferOutcome>> = vec![None; files.len()];
    let mut tasks = JoinSet::new();
    for (i, file) in files.iter().cloned().enumerate() {
        // Places are taken here, in the files' order, so the offers start in
        // that order (with --parallel 1, one after the other), and with
        // --fail-fast none starts once one has failed: a failing offer sets
        // `stop` before it gives its place up.
        let permit = tokio::select! {
            biased;
            _ = interrupt.wait() => break,
            permit = limit.clone().acquire_owned() => permit,
        };
        let Ok(permit) = permit else {
            break;
        };
        if (fail_fast && stop.load(Ordering::SeqCst)) || interrupt.signal().is_some() {
            break;
        }
        let (work, stop) = (work.clone(), stop.clone());
        tasks.spawn(async move {
            let outcome = work(file).await;
            if outcome.status == "failed" {
                stop.store(true, Ordering::SeqCst);
            }
            drop(permit);
            (i, outcome)
        });
    }
    while let Some(done) = tasks.join_next().await {
        let Ok((i, outcome)) = done else { continue };
        let failed = outcome.status == "failed";
        outcomes[i] = Some(outcome);
        if failed && fail_fast {
            tasks.abort_all();
        }
    }
    let why = match interrupt.signal() {
        Some(signal) if !(fail_fast && stop.load(Ordering::SeqCst)) => {
            format!("not started: the command was interrupted by {signal}")
        }
        _ => "not run: another offer failed first (--fail-fast)".to_string(),
    };
    outcomes
        .into_iter()
        .zip(files)
        .map(|(o, file)| {
            o.unwrap_or_else(|| OfferOutcome {
                offer: file.display().to_string(),
                file: Some(file.display().to_string()),
                status: "skipped",
                error: Some(why.clone()),
                ..Default::default()
            })
        })
        .collect()
}

/// Runs one offer's `work` until it ends or `interrupt` is set, whichever
/// comes first: once it is set, `work` is not polled again, so it starts
/// no further request (the one it was sending is dropped; the resume rule
/// makes the next run find out whether it was applied). Its retry lines
/// name the offer.
pub async fn stop_on<T>(
    interrupt: &Interrupt,
    offer: &str,
    work: impl Future<Output = T>,
) -> Result<T, Signal> {
    let work = work.instrument(offer_span(offer));
    tokio::select! {
        biased;
        signal = interrupt.wait() => Err(signal),
        done = work => Ok(done),
    }
}

/// Whether some offer was stopped or not started because of a signal;
/// then the command ends with the signal's exit code.
pub fn interrupted(interrupt: &Interrupt, outcomes: &[OfferOutcome]) -> Option<Signal> {
    let signal = interrupt.signal()?;
    outcomes
        .iter()
        .any(|o| o.status == "interrupted" || o.status == "skipped")
        .then_some(signal)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn outcome(file: &std::path::Path, status: &'static str) -> OfferOutcome {
        OfferOutcome {
            offer: file.display().to_string(),
            status,
            ..Default::default()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_at_a_time_goes_in_file_order_and_fail_fast_skips_the_rest() {
        for _ in 0..20 {
            let started = Arc::new(Mutex::new(Vec::new()));
            let seen = started.clone();
            let files: Vec<PathBuf> = ["a", "b", "c", "d"].iter().map(PathBuf::from).collect();
            let (interrupt, _send) = Interrupt::manual();
            let outcomes = each(files, 1, true, &interrupt, move |file| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push(file.display().to_string());
                    tokio::task::yield_now().await;
                    let status = if file == std::path::Path::new("b") {
                        "failed"
                    } else {
                        "ok"
                    };
                    outcome(&file, status)
                }
            })
            .await;
            assert_eq!(*started.lock().unwrap(), ["a", "b"]);
            let statuses: Vec<_> = outcomes.iter().map(|o| o.status).collect();
            assert_eq!(statuses, ["ok", "failed", "skipped", "skipped"]);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_fail_fast_every_offer_runs() {
        let files: Vec<PathBuf> = ["a", "b", "c"].iter().map(PathBuf::from).collect();
        let (interrupt, _send) = Interrupt::manual();
        let outcomes = each(files, 2, false, &interrupt, |file| async move {
            outcome(
                &file,
                if file == std::path::Path::new("a") {
                    "failed"
                } else {
                    "ok"
                },
            )
        })
        .await;
        let statuses: Vec<_> = outcomes.iter().map(|o| o.status).collect();
        assert_eq!(statuses, ["failed", "ok", "ok"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_signal_stops_the_offers_under_way_and_starts_no_other() {
        let (interrupt, send) = Interrupt::manual();
        let send = Arc::new(send);
        let files: Vec<PathBuf> = ["a", "b", "c", "d"].iter().map(PathBuf::from).collect();
        let started = Arc::new(Mutex::new(Vec::new()));
        let seen = started.clone();
        let stopper = interrupt.clone();
        let outcomes = each(files, 2, false, &interrupt, move |file| {
            let (seen, send, interrupt) = (seen.clone(), send.clone(), stopper.clone());
            async move {
                let name = file.display().to_string();
                seen.lock().unwrap().push(name.clone());
                if name == "a" {
                    // a ends (well) only once the signal came: its place
                    // frees up too late for c.
                    interrupt.wait().await;
                    return outcome(&file, "ok");
                }
                // b: the signal comes while it works; its work never ends.
                let _ = send.send(Some(Signal::Interrupt));
                match stop_on(&interrupt, &name, std::future::pending::<()>()).await {
                    Ok(()) => outcome(&file, "ok"),
                    Err(signal) => OfferOutcome::interrupted(name, None, signal, None),
                }
            }
        })
        .await;
        let statuses: Vec<_> = outcomes.iter().map(|o| o.status).collect();
        assert_eq!(statuses, ["ok", "interrupted", "skipped", "skipped"]);
        assert_eq!(*started.lock().unwrap(), ["a", "b"]);
        assert_eq!(
            outcomes[2].error.as_deref(),
            Some("not started: the command was interrupted by SIGINT")
        );
        assert_eq!(interrupted(&interrupt, &outcomes), Some(Signal::Interrupt));
    }

    #[tokio::test]
    async fn a_signal_after_every_offer_ended_changes_nothing() {
        let (interrupt, send) = Interrupt::manual();
        let files: Vec<PathBuf> = ["a"].iter().map(PathBuf::from).collect();
        let outcomes = each(files, 1, false, &interrupt, |file| async move {
            outcome(&file, "ok")
        })
        .await;
        send.send(Some(Signal::Terminate)).unwrap();
        assert_eq!(interrupted(&interrupt, &outcomes), None);
    }
}
