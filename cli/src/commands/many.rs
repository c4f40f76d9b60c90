//! Working on many offers at once: up to `--parallel` at a time over one
//! client, each offer's failure its own unless `--fail-fast`.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::output::OfferOutcome;

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
    let mut outcomes: Vec<Option<OfferOutcome>> = vec![None; files.len()];
    let mut tasks = JoinSet::new();
    for (i, file) in files.iter().cloned().enumerate() {
        let limit = limit.clone();
        let work = work.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (i, work(file).await)
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
