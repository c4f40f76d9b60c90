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
        let (limit, work, stop) = (limit.clone(), work.clone(), stop.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            if fail_fast && stop.load(Ordering::SeqCst) {
                return (i, None);
            }
            let outcome = work(file).await;
            if outcome.status == "failed" {
                stop.store(true, Ordering::SeqCst);
            }
            (i, Some(outcome))
        });
    }
    while let Some(done) = tasks.join_next().await {
        let Ok((i, outcome)) = done else { continue };
        let failed = outcome.as_ref().is_some_and(|o| o.status == "failed");
        outcomes[i] = outcome;
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
