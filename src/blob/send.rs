//! Sending one Storage request, retried through the crate's one retry
//! loop ([`crate::retry`]).

use http::StatusCode;

use super::error::{Operation, StorageError, UploadError, UploadErrorKind};
use super::target::Target;
use super::{BlobUploader, STORAGE_VERSION};
use crate::retry::{self, Outcome};

impl BlobUploader {
    /// Sends a request, retrying as [`BlobUploader::retry_policy`] says
    /// (through [`retry::drive`], the crate's one retry loop).
    pub(super) async fn send(
        &self,
        target: &Target,
        operation: Operation,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Sent, UploadError> {
        let operation = &operation;
        let build = &build;
        let mut attempts = 0u32;
        let request_name = format!("{operation} of {}", target.shown);
        let ended = retry::drive(&self.retry, &request_name, |attempt| {
            attempts = attempt;
            async move {
                let mut request = build().header("x-ms-version", STORAGE_VERSION);
                if let Some(timeout) = self.timeout {
                    request = request.timeout(timeout);
                }
                match request.send().await {
                    Ok(response) if response.status().is_success() => {
                        tracing::debug!(
                            blob = %target.shown,
                            %operation,
                            attempt,
                            status = response.status().as_u16(),
                            "stored"
                        );
                        Outcome::Done(Ok(Sent {
                            response,
                            retries: attempt - 1,
                        }))
                    }
                    Ok(response) if is_retryable(response.status()) => {
                        tracing::warn!(
                            blob = %target.shown,
                            %operation,
                            attempt,
                            status = response.status().as_u16(),
                            "Storage asked to retry"
                        );
                        let retry_after = retry::retry_after(response.headers());
                        let status = response.status();
                        Outcome::Retry {
                            error: Ok(response),
                            retry_after,
                            reason: format!(
                                "{} {}",
                                status.as_u16(),
                                status.canonical_reason().unwrap_or("")
                            )
                            .trim_end()
                            .to_string(),
                        }
                    }
                    Ok(response) => Outcome::Done(Err(Ok(response))),
                    Err(error) => {
                        let error = error.without_url();
                        // Every call here is an idempotent PUT.
                        if retry::is_retryable_transport(&error, &http::Method::PUT) {
                            tracing::warn!(
                                blob = %target.shown,
                                %operation,
                                attempt,
                                %error,
                                "request failed; it may be retried"
                            );
                            let reason = if error.is_timeout() {
                                "no answer in time"
                            } else {
                                "no answer"
                            };
                            Outcome::Retry {
                                error: Err(error),
                                retry_after: None,
                                reason: reason.to_string(),
                            }
                        } else {
                            Outcome::Done(Err(Err(error)))
                        }
                    }
                }
            }
        })
        .await;
        let failed = match ended {
            Ok(Ok(sent)) => return Ok(sent),
            Ok(Err(failed)) => failed,
            Err(stopped) => stopped.error,
        };
        match failed {
            Ok(response) => {
                let error = StorageError::read(response, target).await;
                tracing::debug!(blob = %target.shown, %operation, attempts, %error, "refused");
                Err(target.error(UploadErrorKind::Storage {
                    operation: *operation,
                    attempts,
                    error: Box::new(error),
                }))
            }
            Err(error) => {
                tracing::debug!(blob = %target.shown, %operation, attempts, %error, "failed");
                Err(target.error(UploadErrorKind::Transport {
                    operation: *operation,
                    attempts,
                    timed_out: error.is_timeout(),
                    source: error,
                }))
            }
        }
    }
}

/// Storage statuses worth another try: every call here is an idempotent PUT.
fn is_retryable(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
}

/// A stored request's answer and how often it was sent again.
pub(super) struct Sent {
    pub(super) response: reqwest::Response,
    pub(super) retries: u32,
}
