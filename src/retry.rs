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
//!   jitter, up to [`RetryPolicy::max_delay`]; no try starts once
//!   [`RetryPolicy::budget`] has passed since the first.
//!
//! One loop does this for everything the crate retries: the request
//! pipeline, the blob uploader, the `nextLink` of a page that answered 404
//! (and, through the same function, the token requests). Each caller says
//! what one try is and whether its failure is worth another
//! (`Outcome`); `drive` counts the tries, waits and stops.

use std::future::Future;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};

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

    /// Whether try number `attempt` (1 for the first) may be followed by
    /// another after waiting `wait`, `elapsed` after the first began.
    pub(crate) fn allows(&self, attempt: u32, elapsed: Duration, wait: Duration) -> bool {
        attempt < self.max_attempts.max(1) && elapsed + wait <= self.budget
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
    /// policy allows no further try, `drive` returns `Err(error)`.
    Retry {
        /// What to return if no further try is allowed.
        error: E,
        /// The server's `Retry-After`, read with [`retry_after`].
        retry_after: Option<Duration>,
    },
    /// The try itself mended the cause (for example it renewed a token the
    /// service refused): try again at once, without waiting. The caller
    /// makes sure this happens a bounded number of times.
    Again,
}

/// Runs `attempt` (called with 1 for the first try, 2 for the second…)
/// until it is [`Outcome::Done`] or `policy` allows no further try: the one
/// retry loop of the crate. Between tries it waits
/// [`RetryPolicy::delay`] (backoff with jitter, or the server's
/// `Retry-After`, capped); no try starts after [`RetryPolicy::max_attempts`]
/// tries or once the wait would end past [`RetryPolicy::budget`]. Whether a
/// failure may be retried at all (status, idempotency, whether the body can
/// be sent again) is the caller's to say, with [`Outcome::Retry`]; see
/// [`is_retryable_status`] and [`is_retryable_transport`].
///
/// The token requests in `crate::auth` can use it as
/// `retry::drive(&policy, |_| async { … }).await`.
pub(crate) async fn drive<T, E, F, Fut>(policy: &RetryPolicy, mut attempt: F) -> Result<T, E>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Outcome<T, E>>,
{
    let started = tokio::time::Instant::now();
    let mut tries = 0u32;
    loop {
        tries += 1;
        match attempt(tries).await {
            Outcome::Done(value) => return Ok(value),
            Outcome::Again => continue,
            Outcome::Retry { error, retry_after } => {
                let wait = policy.delay(tries, retry_after);
                if !policy.allows(tries, started.elapsed(), wait) {
                    tracing::debug!(attempt = tries, "no further try allowed");
                    return Err(error);
                }
                // Free what the failed try holds (a connection) before waiting.
                drop(error);
                tracing::debug!(
                    attempt = tries,
                    wait_ms = wait.as_millis() as u64,
                    "waiting before the next try"
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

/// Reads `Retry-After`: a number of seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    // Azure services also say it in milliseconds; the finer one wins.
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            return Some(Duration::from_millis(ms));
        }
    }
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        if seconds.is_finite() && seconds >= 0.0 {
            return Some(Duration::from_secs_f64(seconds.min(86_400.0)));
        }
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_milliseconds_wins_as_azure_sends_it() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "1".parse().unwrap());
        h.insert("retry-after-ms", "250".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut h = HeaderMap::new();
        h.insert("x-ms-retry-after-ms", "40".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(40)));
        h.insert("x-ms-retry-after-ms", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn retry_after_in_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        h.insert(
            "retry-after",
            httpdate::fmt_http_date(later).parse().unwrap(),
        );
        let wait = retry_after(&h).unwrap();
        assert!(
            wait > Duration::from_secs(110) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
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
    }

    #[tokio::test(start_paused = true)]
    async fn the_driver_counts_waits_and_stops() {
        let policy = RetryPolicy {
            max_attempts: 4,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(10),
            budget: Duration::from_secs(60),
        };
        // Always failing: four tries, then the last error.
        let started = tokio::time::Instant::now();
        let mut seen = Vec::new();
        let result: Result<(), u32> = drive(&policy, |n| {
            seen.push(n);
            async move {
                Outcome::Retry {
                    error: n,
                    retry_after: None,
                }
            }
        })
        .await;
        assert_eq!(result, Err(4));
        assert_eq!(seen, [1, 2, 3, 4]);
        // Waits of 0.5–1 s, 1–2 s and 2–4 s.
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(3_500) && waited <= Duration::from_secs(7),
            "{waited:?}"
        );

        // Retry-After is honoured; `Again` does not wait; success ends it.
        let started = tokio::time::Instant::now();
        let result: Result<&str, ()> = drive(&policy, |n| async move {
            match n {
                1 => Outcome::Retry {
                    error: (),
                    retry_after: Some(Duration::from_secs(7)),
                },
                2 => Outcome::Again,
                _ => Outcome::Done("done"),
            }
        })
        .await;
        assert_eq!(result, Ok("done"));
        assert_eq!(started.elapsed(), Duration::from_secs(7));

        // The budget stops a wait that would end too late.
        let tight = RetryPolicy {
            budget: Duration::from_secs(5),
            ..policy
        };
        let result: Result<(), &str> = drive(&tight, |_| async {
            Outcome::Retry {
                error: "late",
                retry_after: Some(Duration::from_secs(6)),
            }
        })
        .await;
        assert_eq!(result, Err("late"));
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
