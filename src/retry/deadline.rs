//! A deadline a caller sets around a piece of work, which every wait of
//! every request inside it respects: the retry driver, the throttle pause
//! and the token requests read it, so a wait that would end past it fails
//! at once instead of sleeping.
//!
//! It is carried by the task (a tokio task-local), so it reaches the
//! requests that the work makes without being passed through every call.
//! Work spawned onto other tasks does not inherit it.

use std::future::Future;
use std::sync::Arc;

use tokio::time::Instant;

/// A deadline and what it bounds, for the error that names it.
#[derive(Clone, Debug)]
pub(crate) struct Deadline {
    /// When the work must be over.
    pub(crate) at: Instant,
    /// What is bounded ("waiting for submission 115… to reach live").
    pub(crate) what: Arc<str>,
}

tokio::task_local! {
    static CURRENT: Deadline;
}

/// Runs `work` with a deadline: every request it sends through this
/// crate's clients (their retries, throttle pauses and token requests)
/// fails at once rather than start a wait that would end after `at`.
/// `what` says what is bounded, for the error. Nested calls keep the
/// earlier of the two deadlines.
///
/// ```
/// use std::time::Duration;
/// use partner_center_ingestion::retry::with_deadline;
/// # async fn run(client: partner_center_ingestion::Client) {
/// let at = tokio::time::Instant::now() + Duration::from_secs(30);
/// let products = with_deadline(at, "listing the offers", async {
///     client.list_products().send().await
/// })
/// .await;
/// # }
/// ```
pub async fn with_deadline<F: Future>(at: Instant, what: &str, work: F) -> F::Output {
    let deadline = match current() {
        Some(outer) if outer.at <= at => outer,
        _ => Deadline {
            at,
            what: Arc::from(what),
        },
    };
    CURRENT.scope(deadline, work).await
}

/// The deadline of the work the current task is doing, if one was set.
pub(crate) fn current() -> Option<Deadline> {
    CURRENT.try_with(Deadline::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn the_earlier_deadline_wins_and_ends_with_its_scope() {
        assert!(current().is_none());
        let now = Instant::now();
        let soon = now + Duration::from_secs(5);
        let later = now + Duration::from_secs(50);
        with_deadline(soon, "outer", async {
            with_deadline(later, "inner", async {
                let d = current().unwrap();
                assert_eq!(d.at, soon);
                assert_eq!(&*d.what, "outer");
            })
            .await;
        })
        .await;
        with_deadline(later, "outer", async {
            with_deadline(soon, "inner", async {
                assert_eq!(&*current().unwrap().what, "inner");
            })
            .await;
            assert_eq!(&*current().unwrap().what, "outer");
        })
        .await;
        assert!(current().is_none());
    }
}
