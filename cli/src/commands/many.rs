//! Working on many offers at once: up to `--parallel` at a time over one
//! client, each offer's failure its own unless `--fail-fast`.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use partner_center_ingestion::definition::Definition;

use crate::checks::load_finding;
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
/// others (they are reported as `skipped`).
pub async fn each<F, Fut>(
    files: Vec<PathBuf>,
    parallel: usize,
    fail_fast: bool,
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
        let Ok(permit) = limit.clone().acquire_owned().await else {
            break;
        };
        if fail_fast && stop.load(Ordering::SeqCst) {
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
    outcomes
        .into_iter()
        .zip(files)
        .map(|(o, file)| {
            o.unwrap_or_else(|| OfferOutcome {
                offer: file.display().to_string(),
                file: Some(file.display().to_string()),
                status: "skipped",
                error: Some("not run: another offer failed first (--fail-fast)".into()),
                ..Default::default()
            })
        })
        .collect()
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
            let outcomes = each(files, 1, true, move |file| {
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
        let outcomes = each(files, 2, false, |file| async move {
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
}
