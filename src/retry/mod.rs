//! When to try a request again, and how long to wait first.
//!
//! * `429 Too Many Requests` and `503 Service Unavailable` are the service
//!   refusing the request before doing anything: they are retried for every
//!   method, waiting what `Retry-After` says (seconds or an HTTP date,
//!   capped by [`RetryPolicy::max_retry_after`]).
//! * Other 5xx answers, timeouts and dropped connections may come after the
//!   service applied the request: they are retried only for idempotent
//!   methods (GET, PUT, DELETE, HEAD, OPTIONS). A `POST` is retried on a
//!   connection error only when the connection was never made.
//! * Between tries the wait doubles from [`RetryPolicy::initial_delay`], with
//!   jitter, up to [`RetryPolicy::max_delay`].
//! * No wait starts that would end past [`RetryPolicy::budget`] (counted
//!   from the first try), or past the deadline of the work the request
//!   belongs to ([`with_deadline`]; the submission waits set one): the
//!   request fails at once instead, and the error says which [`Bound`]
//!   stopped it. A server asking for an hour, or for years, therefore costs
//!   at most the cap, and only when the budget has room for it.
//!
//! One loop does this for everything the crate retries: the request
//! pipeline, the blob uploader, the `nextLink` of a page that answered 404
//! and the token requests of every credential. Each caller says what one
//! try is and whether its failure is worth another (`Outcome`); `drive`
//! counts the tries, waits and stops, and logs one line before each retry
//! (target [`RETRY_TARGET`]).

use std::future::Future;
use std::time::Duration;

use http::{Method, StatusCode};
use tokio::time::Instant;

mod after;
mod deadline;

pub(crate) use after::retry_after;
use after::LONGEST_ASKED;
pub use deadline::with_deadline;

/// How requests to the ingestion API are retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most tries of one request, the first included (default 8).
    pub max_attempts: u32,
    /// Wait before the second try (default 1 s); it doubles for each further try.
    pub initial_delay: Duration,
    /// Longest wait between two tries without `Retry-After` (default 30 s).
    pub max_delay: Duration,
    /// Longest wait the client accepts from a `Retry-After` header (default 60 s).
    pub max_retry_after: Duration,
    /// Total time after which no further try starts (default 5 minutes).
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            budget: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The policy of the Azure AD token endpoint, unless the credential is
    /// configured otherwise: four tries, 500 ms doubling to 10 s, at most
    /// 30 s from `Retry-After`, one minute in all.
    pub(crate) fn token_endpoint() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(30),
            budget: Duration::from_secs(60),
        }
    }

    /// The wait after try number `attempt` (1 for the first) failed:
    /// `retry_after` when the server said (capped), else exponential with
    /// "equal jitter" (between half and all of the doubled delay).
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_retry_after);
        }
        let exponent = attempt.saturating_sub(1).min(20);
        let full = self
            .initial_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// What one try of an operation came to, as [`drive`] needs to know.
pub(crate) enum Outcome<T, E> {
    /// The operation is over, well or badly: `drive` returns `Ok` of it.
    Done(T),
    /// The try failed in a way another try may mend, after the wait the
    /// policy gives (`retry_after`, when the server said how long). If the
    /// policy allows no further try, `drive` returns it as [`Stopped`].
    Retry {
        /// What to return if no further try is allowed.
        error: E,
        /// The server's `Retry-After`, read with [`retry_after`].
        retry_after: Option<Duration>,
        /// What failed, in a few words (`429 Too Many Requests`), for the
        /// line that says a retry is coming.
        reason: String,
    },
    /// The try itself mended the cause (for example it renewed a token the
    /// service refused): try again at once, without waiting. The caller
    /// makes sure this happens a bounded number of times.
    Again,
}

/// How the retries of an operation ended without success: the last
/// failure, and what stopped them.
#[derive(Debug)]
pub(crate) struct Stopped<E> {
    /// The last try's failure.
    pub(crate) error: E,
    /// Tries made.
    pub(crate) attempts: u32,
    /// Time since the first try began.
    pub(crate) waited: Duration,
    /// The last wait the server asked for, before any cap.
    pub(crate) asked: Option<Duration>,
    /// What allowed no further try.
    pub(crate) bound: Bound,
}

/// What ends the retries of a request: every wait of the crate stops at
/// one of these, whatever the server asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Bound {
    /// [`RetryPolicy::max_attempts`] tries were made.
    Attempts(u32),
    /// The next wait would end past [`RetryPolicy::budget`].
    Budget(Duration),
    /// The next wait would end past the deadline of the work the request
    /// belongs to ([`with_deadline`]); it names that work.
    Deadline(String),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Attempts(n) => write!(f, "after {n} tries (the retry policy's max_attempts)"),
            Bound::Budget(budget) => write!(
                f,
                "as the next wait would end past the retry budget of {} (RetryPolicy::budget, `--retry-budget`)",
                humane(*budget)
            ),
            Bound::Deadline(what) => {
                write!(f, "as the next wait would end past the deadline of {what}")
            }
        }
    }
}

/// A duration as people read it: `850 ms`, `12.5 s`, `3600 s`, and
/// "more than a year" for what no wait reaches.
pub(crate) fn humane(d: Duration) -> String {
    if d >= Duration::from_secs(366 * 86_400) {
        "more than a year".to_string()
    } else if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// When the retries that began at `started` must be over, and what sets
/// that: the policy's budget, or the caller's deadline when it is sooner.
pub(crate) fn limit(policy: &RetryPolicy, started: Instant) -> (Instant, Bound) {
    let by_budget = started
        .checked_add(policy.budget)
        .unwrap_or_else(|| started + LONGEST_ASKED);
    match deadline::current() {
        Some(d) if d.at < by_budget => (d.at, Bound::Deadline(d.what.to_string())),
        _ => (by_budget, Bound::Budget(policy.budget)),
    }
}

/// The tracing target of the line the crate logs before each retry (at
/// `INFO`), with the fields `request`, `attempt`, `max_attempts`,
/// `wait_ms` and `reason`: a program shows its users that a request is
/// being retried by enabling this target.
pub const RETRY_TARGET: &str = "partner_center_ingestion::retry";

/// Runs `attempt` (called with 1 for the first try, 2 for the second…)
/// until it is [`Outcome::Done`] or no further try is allowed: the one
/// retry loop of the crate. `request` names what is tried, for the log.
///
/// Between tries it waits [`RetryPolicy::delay`] (backoff with jitter, or
/// the server's `Retry-After`, capped). It stops, returning [`Stopped`],
/// after [`RetryPolicy::max_attempts`] tries, or as soon as the next wait
/// would end past [`RetryPolicy::budget`] or past the deadline of the
/// current work ([`with_deadline`]): it never starts a wait it could not
/// finish. Whether a failure may be retried at all (status, idempotency,
/// whether the body can be sent again) is the caller's to say, with
/// [`Outcome::Retry`]; see [`is_retryable_status`] and
/// [`is_retryable_transport`].
pub(crate) async fn drive<T, E, F, Fut>(
    policy: &RetryPolicy,
    request: &str,
    mut attempt: F,
) -> Result<T, Stopped<E>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Outcome<T, E>>,
{
    let started = Instant::now();
    let (until, bound) = limit(policy, started);
    let max_attempts = policy.max_attempts.max(1);
    let mut tries = 0u32;
    loop {
        tries += 1;
        match attempt(tries).await {
            Outcome::Done(value) => return Ok(value),
            Outcome::Again => continue,
            Outcome::Retry {
                error,
                retry_after,
                reason,
            } => {
                let wait = policy.delay(tries, retry_after);
                let now = Instant::now();
                let stop = if tries >= max_attempts {
                    Some(Bound::Attempts(tries))
                } else if now.checked_add(wait).is_none_or(|end| end > until) {
                    Some(bound.clone())
                } else {
                    None
                };
                if let Some(bound) = stop {
                    tracing::debug!(attempt = tries, %bound, "no further try allowed");
                    return Err(Stopped {
                        error,
                        attempts: tries,
                        waited: now.saturating_duration_since(started),
                        asked: retry_after,
                        bound,
                    });
                }
                // Free what the failed try holds (a connection) before waiting.
                drop(error);
                tracing::info!(
                    target: RETRY_TARGET,
                    request,
                    attempt = tries,
                    max_attempts,
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    reason = reason.as_str(),
                    "retrying"
                );
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// Whether a request that got no answer may be sent again: always when the
/// connection was never made (the server never saw it); after a timeout or
/// a failure while sending, only for an idempotent method.
pub(crate) fn is_retryable_transport(error: &reqwest::Error, method: &Method) -> bool {
    error.is_connect()
        || (is_idempotent(method) && (error.is_timeout() || error.is_request() || error.is_body()))
}

/// Whether a method may be sent twice without changing the outcome.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::PUT | Method::DELETE | Method::HEAD | Method::OPTIONS
    )
}

/// Whether an answer with `status` to a `method` request is worth another try.
pub(crate) fn is_retryable_status(status: StatusCode, method: &Method) -> bool {
    match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => true,
        s if s.is_server_error() => is_idempotent(method),
        StatusCode::REQUEST_TIMEOUT => is_idempotent(method),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(10),
            budget: Duration::from_secs(60),
        }
    }

    fn retry<E>(error: E, retry_after: Option<Duration>) -> Outcome<(), E> {
        Outcome::Retry {
            error,
            retry_after,
            reason: "503 Service Unavailable".into(),
        }
    }

    #[test]
    fn delays_grow_and_are_capped() {
        let b = RetryPolicy::default();
        for attempt in 1..10 {
            let d = b.delay(attempt, None);
            let full = Duration::from_secs(1)
                .saturating_mul(1 << (attempt - 1))
                .min(b.max_delay);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
        assert_eq!(
            b.delay(1, Some(Duration::from_secs(3600))),
            b.max_retry_after
        );
        assert_eq!(b.delay(u32::MAX, Some(LONGEST_ASKED)), b.max_retry_after);
    }

    #[tokio::test(start_paused = true)]
    async fn the_driver_counts_tries_and_stops() {
        // Always failing: four tries, then the last error.
        let started = Instant::now();
        let mut seen = Vec::new();
        let result: Result<(), _> = drive(&policy(), "test", |n| {
            seen.push(n);
            async move { retry(n, None) }
        })
        .await;
        let stopped = result.unwrap_err();
        assert_eq!(stopped.error, 4);
        assert_eq!(stopped.attempts, 4);
        assert_eq!(stopped.bound, Bound::Attempts(4));
        assert_eq!(seen, [1, 2, 3, 4]);
        // Waits of 0.5–1 s, 1–2 s and 2–4 s.
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(3_500) && waited <= Duration::from_secs(7),
            "{waited:?}"
        );
        assert_eq!(stopped.waited, waited);

        // Retry-After is honoured; `Again` does not wait; success ends it.
        let started = Instant::now();
        let result: Result<&str, Stopped<()>> = drive(&policy(), "test", |n| async move {
            match n {
                1 => Outcome::Retry {
                    error: (),
                    retry_after: Some(Duration::from_secs(7)),
                    reason: "429".into(),
                },
                2 => Outcome::Again,
                _ => Outcome::Done("done"),
            }
        })
        .await;
        assert_eq!(result.unwrap(), "done");
        assert_eq!(started.elapsed(), Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_budget_fails_at_once() {
        let tight = RetryPolicy {
            budget: Duration::from_secs(5),
            ..policy()
        };
        let started = Instant::now();
        let result: Result<(), _> = drive(&tight, "test", |_| async {
            retry("late", Some(Duration::from_secs(3600)))
        })
        .await;
        let stopped = result.unwrap_err();
        assert_eq!(stopped.error, "late");
        assert_eq!(stopped.bound, Bound::Budget(Duration::from_secs(5)));
        assert_eq!(stopped.asked, Some(Duration::from_secs(3600)));
        assert_eq!(started.elapsed(), Duration::ZERO, "no wait was started");
    }

    #[tokio::test(start_paused = true)]
    async fn a_callers_deadline_bounds_the_waits() {
        let started = Instant::now();
        let at = started + Duration::from_secs(3);
        let result: Result<(), _> = with_deadline(at, "the test's wait", async {
            drive(&policy(), "test", |_| async { retry((), None) }).await
        })
        .await;
        let stopped = result.unwrap_err();
        assert_eq!(stopped.bound, Bound::Deadline("the test's wait".into()));
        assert!(started.elapsed() <= Duration::from_secs(3));
        assert!(stopped.bound.to_string().contains("the test's wait"));
    }

    proptest::proptest! {
        /// On tokio's paused clock: whatever a server writes in its wait
        /// headers, the driver's waits end within the budget.
        #[test]
        fn any_wait_header_stays_within_the_budget(
            values in proptest::collection::vec("[-0-9.eE ,:a-zA-Z]{0,30}", 0..3),
            ms in proptest::option::of("[-0-9.eE]{0,25}"),
        ) {
            let mut headers = http::HeaderMap::new();
            for v in &values {
                if let Ok(v) = http::HeaderValue::from_str(v) {
                    headers.append(http::header::RETRY_AFTER, v);
                }
            }
            if let Some(Ok(v)) = ms.as_deref().map(http::HeaderValue::from_str) {
                headers.insert("retry-after-ms", v);
            }
            let asked = retry_after(&headers);
            let policy = RetryPolicy {
                max_retry_after: Duration::from_millis(50),
                budget: Duration::from_millis(200),
                max_attempts: 100,
                ..policy()
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            let took = runtime.block_on(async {
                let started = Instant::now();
                let result: Result<(), _> =
                    drive(&policy, "test", |_| async move { retry((), asked) }).await;
                assert!(result.is_err());
                started.elapsed()
            });
            proptest::prop_assert!(took <= policy.budget, "{took:?} for {headers:?}");
        }
    }

    #[test]
    fn bounds_and_durations_read_well() {
        assert_eq!(humane(Duration::from_millis(850)), "850 ms");
        assert_eq!(humane(Duration::from_secs(3600)), "3600 s");
        assert_eq!(humane(Duration::from_millis(12_500)), "12.5 s");
        assert_eq!(humane(LONGEST_ASKED), "more than a year");
        let budget = Bound::Budget(Duration::from_secs(5)).to_string();
        assert!(budget.contains("retry budget of 5 s"), "{budget}");
    }

    #[test]
    fn which_answers_are_retried() {
        assert!(is_retryable_status(
            StatusCode::TOO_MANY_REQUESTS,
            &Method::POST
        ));
        assert!(is_retryable_status(
            StatusCode::SERVICE_UNAVAILABLE,
            &Method::POST
        ));
        assert!(!is_retryable_status(StatusCode::BAD_GATEWAY, &Method::POST));
        assert!(is_retryable_status(StatusCode::BAD_GATEWAY, &Method::PUT));
        assert!(!is_retryable_status(StatusCode::BAD_REQUEST, &Method::GET));
    }
}
