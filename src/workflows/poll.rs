//! Waiting with a deadline: pauses that grow from a first delay to a cap.

use std::time::Duration;

use tokio::time::Instant;

use super::WorkflowError;

/// The longest `Retry-After` a wait honours as its next pause.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// The `Retry-After` of an answer (seconds or an HTTP date, read by
/// [`crate::retry`], the same reader the request pipeline uses), capped at
/// five minutes: the floor of the next pause of a wait
/// ([`Waiter::pause_at_least`]).
// The submission wait (`submissions.rs`) is to call it instead of its own
// seconds-only reader; until then only the tests do.
pub(crate) fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    crate::retry::retry_after(headers).map(|wait| wait.min(MAX_RETRY_AFTER))
}

/// How a workflow polls while it waits for the service: the first pause,
/// doubled after each poll up to `max`.
///
/// The defaults (2 s, then up to 60 s) suit the live service, where
/// processing a package takes minutes and certification hours. Against the
/// emulator, [`PollPolicy::quick`] keeps tests fast. Throttling (`429`) is
/// handled below this, by the client's retry policy, which honours
/// `Retry-After`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    /// The pause after the first poll.
    pub first: Duration,
    /// The longest pause between two polls.
    pub max: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            first: Duration::from_secs(2),
            max: Duration::from_secs(60),
        }
    }
}

impl PollPolicy {
    /// Pauses of 20 ms growing to 500 ms: for a local emulator.
    pub fn quick() -> Self {
        PollPolicy {
            first: Duration::from_millis(20),
            max: Duration::from_millis(500),
        }
    }
}

/// One wait: knows when it started, when it must give up and how long the
/// next pause is.
pub(crate) struct Waiter {
    what: String,
    started: Instant,
    deadline: Duration,
    next: Duration,
    max: Duration,
    hint: &'static str,
}

impl Waiter {
    pub(crate) fn new(
        policy: PollPolicy,
        deadline: Duration,
        what: impl Into<String>,
        hint: &'static str,
    ) -> Self {
        Waiter {
            what: what.into(),
            started: Instant::now(),
            deadline,
            next: policy.first.max(Duration::from_millis(1)),
            max: policy.max.max(policy.first),
            hint,
        }
    }

    /// Time since the wait began.
    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Runs `work` (a poll's requests) within the wait's deadline: no
    /// retry, throttle pause or token request inside it starts a wait that
    /// would end past the deadline; such a request fails at once, its error
    /// naming what was waited for.
    pub(crate) async fn bounded<F: std::future::Future>(&self, work: F) -> F::Output {
        let now = Instant::now();
        let at = self
            .started
            .checked_add(self.deadline)
            .unwrap_or(now + Duration::from_secs(100 * 365 * 86_400));
        let what = format!("waiting for {}", self.what);
        crate::retry::with_deadline(at, &what, work).await
    }

    /// Sleeps before the next poll, or fails once the deadline has passed.
    pub(crate) async fn pause(&mut self) -> Result<(), WorkflowError> {
        self.pause_at_least(None).await
    }

    /// [`Waiter::pause`], sleeping at least `floor` (a `Retry-After` the
    /// service sent) when that is longer than the planned pause.
    pub(crate) async fn pause_at_least(
        &mut self,
        floor: Option<Duration>,
    ) -> Result<(), WorkflowError> {
        let elapsed = self.elapsed();
        if elapsed >= self.deadline {
            return Err(WorkflowError::Deadline {
                what: self.what.clone(),
                waited: elapsed,
                hint: self.hint,
            });
        }
        let planned = floor.map_or(self.next, |f| f.max(self.next));
        let sleep = planned.min(self.deadline - elapsed);
        tokio::time::sleep(sleep).await;
        self.next = (self.next * 2).min(self.max);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn pauses_double_up_to_the_cap_then_the_deadline_ends_the_wait() {
        let policy = PollPolicy {
            first: Duration::from_secs(1),
            max: Duration::from_secs(4),
        };
        let mut w = Waiter::new(policy, Duration::from_secs(12), "the test", "hint");
        let mut stops = Vec::new();
        while w.pause().await.is_ok() {
            stops.push(w.elapsed().as_secs());
        }
        // 1, +2, +4, +4, then the last pause is cut to the deadline.
        assert_eq!(stops, vec![1, 3, 7, 11, 12]);
        let err = w.pause().await.unwrap_err();
        assert!(err.to_string().contains("the test"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_sets_the_floor_of_a_pause_in_seconds_or_as_a_date() {
        let policy = PollPolicy {
            first: Duration::from_secs(1),
            max: Duration::from_secs(4),
        };
        let mut w = Waiter::new(policy, Duration::from_secs(3600), "the test", "hint");
        let mut headers = http::HeaderMap::new();
        headers.insert("retry-after", "9".parse().unwrap());
        w.pause_at_least(retry_after(&headers)).await.unwrap();
        assert_eq!(w.elapsed().as_secs(), 9);
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        headers.insert(
            "retry-after",
            httpdate::fmt_http_date(later).parse().unwrap(),
        );
        let floor = retry_after(&headers).unwrap();
        assert!(floor > Duration::from_secs(25) && floor <= Duration::from_secs(30));
        headers.insert("retry-after", "86400".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER));
        // Without the header the planned pause stands (2 s after the first).
        let before = w.elapsed();
        w.pause_at_least(retry_after(&http::HeaderMap::new()))
            .await
            .unwrap();
        assert_eq!(w.elapsed() - before, Duration::from_secs(2));
    }
}
