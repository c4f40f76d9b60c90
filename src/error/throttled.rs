//! [`Throttled`]: the service kept refusing a request for now (`429`,
//! `503`), and the client stopped waiting at one of its bounds.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::error::wire::ApiError;
use crate::retry::{humane, Bound};

/// A request the service kept refusing for now (`429 Too Many Requests`
/// or `503 Service Unavailable`): what it answered, what it asked for, how
/// long the client waited and which bound stopped it. Nothing was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Throttled {
    /// The status of the last answer (`429` or `503`).
    pub status: StatusCode,
    /// The wait the service asked for (`Retry-After`, `retry-after-ms`),
    /// as it asked, before the client's cap; `None` when it named none.
    pub asked: Option<Duration>,
    /// How long the client had been trying when it stopped.
    pub waited: Duration,
    /// Tries made.
    pub attempts: u32,
    /// What stopped the retries.
    pub bound: Bound,
    /// The last answer's details (request id, fault, messages), when this
    /// request got one; `None` when the client held it back because
    /// another request of the same client had been throttled.
    pub answer: Option<ApiError>,
    /// The `Client-Request-ID` the request carried.
    pub client_request_id: String,
}

impl Throttled {
    /// The service's `request-id` of the last answer.
    pub fn request_id(&self) -> Option<&str> {
        self.answer.as_ref().and_then(|a| a.request_id.as_deref())
    }
}

impl fmt::Display for Throttled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status.canonical_reason() {
            Some(reason) => format!("{} {reason}", self.status.as_u16()),
            None => self.status.as_u16().to_string(),
        };
        match &self.answer {
            Some(_) => write!(f, "the ingestion API is throttling: it answered {status}")?,
            None => write!(
                f,
                "the ingestion API is throttling this client: another of its requests was answered {status}, and this one was held back"
            )?,
        }
        match self.asked {
            Some(asked) => write!(f, " and asked to wait {}", humane(asked))?,
            None => write!(f, " without saying how long to wait")?,
        }
        let tries = if self.attempts == 1 { "try" } else { "tries" };
        write!(
            f,
            "; the client stopped after {} {tries} and {} {}",
            self.attempts,
            humane(self.waited),
            self.bound
        )?;
        if let Some(id) = self.request_id() {
            write!(f, " (request id {id})")?;
        }
        write!(
            f,
            " (client request id {}). Nothing was applied; try again later, or allow longer waits (RetryPolicy::budget, `--retry-budget`)",
            self.client_request_id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_says_what_was_asked_what_was_waited_and_what_stopped_it() {
        let mut headers = http::HeaderMap::new();
        headers.insert("request-id", "req-1".parse().unwrap());
        let throttled = Throttled {
            status: StatusCode::TOO_MANY_REQUESTS,
            asked: Some(Duration::from_secs(3600)),
            waited: Duration::from_millis(1500),
            attempts: 2,
            bound: Bound::Budget(Duration::from_secs(5)),
            answer: Some(ApiError::from_parts(
                StatusCode::TOO_MANY_REQUESTS,
                &headers,
                b"",
            )),
            client_request_id: "c-1".into(),
        };
        let text = throttled.to_string();
        for part in [
            "429 Too Many Requests",
            "asked to wait 3600 s",
            "after 2 tries and 1.5 s",
            "retry budget of 5 s",
            "request id req-1",
            "client request id c-1",
        ] {
            assert!(text.contains(part), "{part:?} in {text}");
        }
        let held = Throttled {
            answer: None,
            asked: None,
            ..throttled
        };
        let text = held.to_string();
        assert!(
            text.contains("held back") && text.contains("without saying"),
            "{text}"
        );
    }
}
