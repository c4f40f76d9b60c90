//! The pipeline every request goes through.
//!
//! The generated [`crate::Client`] has one method per operation. Each
//! request it builds passes through [`Pipeline::execute`] (progenitor's
//! `exec` hook), which, in order:
//!
//! 1. (the `api-version` header progenitor would add is left out at
//!    generation: the service does not use it);
//! 2. sets the headers configured for every call (the publisher id
//!    `x-ms-publisherId`, [`crate::ClientBuilder::default_header`]) that the
//!    request does not carry already;
//! 3. gives the request a `Client-Request-ID` (a fresh UUID unless the
//!    caller set one), kept across retries;
//! 4. for an update (`PUT`/`PATCH`) without `If-Match`, sends the body's
//!    `@odata.etag` as `If-Match`, so a resource changed meanwhile is not
//!    overwritten (set `if_match("*")` to overwrite regardless);
//! 5. adds `Authorization: Bearer …` from the credential, renewing the token
//!    once and trying again if the service answers 401;
//! 6. retries as [`crate::retry`] describes, never waiting past the
//!    request's retry budget or the caller's deadline
//!    ([`crate::retry::with_deadline`]), for a retry, a throttle pause or
//!    the token; a request the service keeps throttling ends as
//!    [`Error::Throttled`];
//! 7. reads an error answer into an [`Error`] right away, so that the
//!    request id, the fault and the validation messages are kept, and a
//!    success answer's body up to
//!    [`crate::ClientBuilder::max_response_size`] ([`Error::TooLarge`]
//!    past it, without reading the rest);
//! 8. records a `tracing` span per request with the operation, method, path
//!    template, tries, the final status, the latency in all, `request-id`
//!    and `Client-Request-ID`, each once; each try is a `debug` event in
//!    it, each retry an `info` event on [`crate::retry::RETRY_TARGET`]. No
//!    header value is logged: tokens never appear.
//!
//! Its rooms: [`headers`] (the headers of every call), [`bridge`] (how a
//! failure travels through the generated code, and how the generated
//! client's errors become [`Error`]s); when and how long to retry is
//! [`crate::retry`]'s.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::header::{HeaderName, HeaderValue, AUTHORIZATION, IF_MATCH};
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::auth::{AccessToken, AuthError, TokenCredential};
use crate::error::{ApiError, Error, Throttled};
use crate::net::{read_capped, read_limited, ReadFailure};
use crate::retry::{self, Outcome, RetryPolicy};
use crate::throttle::{HeldBack, Throttle};

pub(crate) mod bridge;
pub(crate) mod headers;

use bridge::carry;
use headers::DefaultHeaders;

const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
/// Most of an error body the pipeline reads.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// What the generated client carries: the credential and the retry policy.
#[derive(Clone)]
pub struct Pipeline {
    inner: Arc<PipelineInner>,
}

struct PipelineInner {
    credential: Arc<dyn TokenCredential>,
    retry: RetryPolicy,
    base: Url,
    max_pages: usize,
    /// The longest success body read (see [`crate::ClientBuilder::max_response_size`]).
    max_response_size: u64,
    /// Set on every request when the caller brought their own HTTP client
    /// (which has its own settings): the per-try timeout and User-Agent.
    per_request: Option<(Duration, HeaderValue)>,
    /// Headers sent on every call.
    default_headers: DefaultHeaders,
    /// The `Authorization` value of the last token used, so that a token
    /// is turned into a header once, not on every request.
    bearer: Mutex<Option<(AccessToken, HeaderValue)>>,
    /// The budget every clone of the client shares (see [`crate::throttle`]).
    throttle: Throttle,
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("credential", &self.inner.credential)
            .field("retry", &self.inner.retry)
            .field("base", &self.inner.base.as_str())
            .field("max_pages", &self.inner.max_pages)
            .field("default_headers", &self.inner.default_headers)
            .finish()
    }
}

impl Pipeline {
    /// A pipeline sending with `credential`'s tokens to the API at `base`.
    /// `per_request`, when the caller brought their own HTTP client: the
    /// per-try timeout and the User-Agent to set on every request;
    /// `default_headers`: the headers every call carries.
    pub(crate) fn new(
        credential: Arc<dyn TokenCredential>,
        retry: RetryPolicy,
        base: Url,
        max_pages: usize,
        max_response_size: u64,
        per_request: Option<(Duration, HeaderValue)>,
        default_headers: DefaultHeaders,
    ) -> Self {
        Pipeline {
            inner: Arc::new(PipelineInner {
                credential,
                retry,
                base,
                max_pages,
                max_response_size,
                per_request,
                default_headers,
                bearer: Mutex::new(None),
                throttle: Throttle::default(),
            }),
        }
    }
}

impl Pipeline {
    /// The API's base URL.
    pub(crate) fn base(&self) -> &Url {
        &self.inner.base
    }

    /// Most pages one stream follows.
    pub(crate) fn max_pages(&self) -> usize {
        self.inner.max_pages
    }

    /// `Bearer <token>` as a sensitive header value (`None` if the token
    /// holds characters a header cannot carry).
    fn bearer(&self, token: &AccessToken) -> Option<HeaderValue> {
        let mut cached = self.inner.bearer.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((last, value)) = cached.as_ref() {
            if last.secret() == token.secret() {
                return Some(value.clone());
            }
        }
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", token.secret().expose())).ok()?;
        value.set_sensitive(true);
        *cached = Some((token.clone(), value.clone()));
        Some(value)
    }

    /// Sends `request` as described in the module documentation. It always
    /// returns a response: a failure without one comes back as a stand-in
    /// carrying the [`Error`] (see [`bridge::carry`]).
    pub(crate) async fn execute(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
        operation: &'static str,
        path: &'static str,
    ) -> reqwest::Response {
        let headers = request.headers_mut();
        if !self.inner.default_headers.is_empty() {
            self.inner.default_headers.apply(headers);
        }
        let client_request_id = match headers.get(&CLIENT_REQUEST_ID) {
            Some(id) if !id.to_str().unwrap_or("").trim().is_empty() => id.clone(),
            _ => {
                let id = new_request_id();
                headers.insert(CLIENT_REQUEST_ID, id.clone());
                id
            }
        };
        default_if_match(&mut request);
        if let Some((timeout, agent)) = &self.inner.per_request {
            *request.timeout_mut() = Some(*timeout);
            request
                .headers_mut()
                .entry(http::header::USER_AGENT)
                .or_insert_with(|| agent.clone());
        }
        let method = request.method().clone();
        let span = tracing::info_span!(
            "partner_center.request",
            operation,
            method = %method,
            path,
            client_request_id = client_request_id.to_str().unwrap_or("").trim(),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        self.send_with_retries(http, request, client_request_id, span.clone())
            .instrument(span)
            .await
    }

    async fn send_with_retries(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        client_request_id: HeaderValue,
        span: tracing::Span,
    ) -> reqwest::Response {
        let client_request_id = || client_request_id.to_str().unwrap_or("").trim().to_string();
        let method = request.method().clone();
        let shown = shown_url(&method, request.url());
        let started = Instant::now();
        let (until, bound) = retry::limit(&self.inner.retry, started);
        let reauthenticated = AtomicBool::new(false);
        let mut original = Some(request);
        let mut tries = 0u32;
        let ended = retry::drive(&self.inner.retry, &shown, |attempt| {
            tries = attempt;
            // Keep the original for the next try when the body allows a copy.
            let this_try = match original.as_ref().and_then(|r| r.try_clone()) {
                Some(copy) => Some((copy, true)),
                None => original.take().map(|only| (only, false)),
            };
            let (method, reauthenticated) = (&method, &reauthenticated);
            let (bound, client_request_id) = (&bound, &client_request_id);
            async move {
                let Some((this_try, can_retry)) = this_try else {
                    let error =
                        Error::InvalidRequest("the request body cannot be sent twice".into());
                    return Outcome::Done(Ended::Carried(carry(error, None)));
                };
                let limits = Limits { until, attempt };
                self.try_once(http, this_try, can_retry, method, reauthenticated, limits)
                    .await
                    .unwrap_or_else(|held| {
                        let error = Error::Throttled(Box::new(Throttled {
                            status: http::StatusCode::TOO_MANY_REQUESTS,
                            asked: held.asked,
                            waited: started.elapsed(),
                            attempts: attempt,
                            bound: bound.clone(),
                            answer: None,
                            client_request_id: client_request_id(),
                        }));
                        Outcome::Done(Ended::Carried(carry(error, None)))
                    })
            }
        })
        .await;
        span.record("attempt", tries);
        span.record("latency_ms", millis(started.elapsed()));
        let (ended, stopped) = match ended {
            Ok(ended) => (ended, None),
            Err(stopped) => {
                let retry::Stopped {
                    error,
                    attempts,
                    waited,
                    asked,
                    bound,
                } = stopped;
                (error, Some((attempts, waited, asked, bound)))
            }
        };
        if let Ended::Answer(response) = &ended {
            span.record("status", response.status().as_u16());
            if let Some(id) = response
                .headers()
                .get("request-id")
                .and_then(|v| v.to_str().ok())
            {
                span.record("request_id", id);
            }
        }
        match ended {
            Ended::Carried(response) => response,
            Ended::Answer(response) if response.status().is_success() => {
                self.buffered(response, &shown).await
            }
            Ended::Answer(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = read_limited(response, MAX_ERROR_BODY)
                    .await
                    .unwrap_or_default();
                let mut api = ApiError::from_parts(status, &headers, &body);
                if api.client_request_id.is_none() {
                    api.client_request_id = Some(client_request_id());
                }
                tracing::debug!(error = %api, "error answer");
                let error = match stopped {
                    Some((attempts, waited, asked, bound)) if is_throttling(status) => {
                        Error::Throttled(Box::new(Throttled {
                            status,
                            asked,
                            waited,
                            attempts,
                            bound,
                            answer: Some(api),
                            client_request_id: client_request_id(),
                        }))
                    }
                    _ => Error::from_response(api),
                };
                carry(error, Some((status, headers, body)))
            }
            Ended::Transport(error) => {
                tracing::debug!(%error, "request failed");
                let failure = if error.is_timeout() {
                    Error::Timeout {
                        after: started.elapsed(),
                        client_request_id: client_request_id(),
                    }
                } else if is_malformed_answer(&error) {
                    Error::MalformedAnswer {
                        url: shown,
                        source: error,
                        client_request_id: client_request_id(),
                    }
                } else {
                    Error::Transport {
                        source: error,
                        client_request_id: Some(client_request_id()),
                    }
                };
                carry(failure, None)
            }
        }
    }

    /// A success answer with its body read into memory, at most
    /// [`crate::ClientBuilder::max_response_size`] of it: a longer body is
    /// refused as soon as that is known, and the rest is never read.
    async fn buffered(&self, mut response: reqwest::Response, shown: &str) -> reqwest::Response {
        let limit = self.inner.max_response_size;
        let body = match read_capped(&mut response, limit).await {
            Ok(body) => body,
            Err(ReadFailure::TooLarge) => {
                let error = Error::TooLarge {
                    url: shown.to_string(),
                    limit,
                };
                return carry(error, None);
            }
            Err(ReadFailure::Transport(source)) => {
                let error = Error::Transport {
                    source,
                    client_request_id: None,
                };
                return carry(error, None);
            }
        };
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = response.status();
        *rebuilt.version_mut() = response.version();
        *rebuilt.headers_mut() = std::mem::take(response.headers_mut());
        reqwest::Response::from(rebuilt)
    }

    /// One try: a token, the request, and what its answer means for the
    /// retry loop. `Err` when the client's throttle pause (or the wait for
    /// room under its limit) would end past the request's limit.
    async fn try_once(
        &self,
        http: &reqwest::Client,
        mut this_try: reqwest::Request,
        can_retry: bool,
        method: &http::Method,
        reauthenticated: &AtomicBool,
        limits: Limits,
    ) -> Result<Outcome<Ended, Ended>, HeldBack> {
        let Limits { until, attempt } = limits;
        // The token request's own retries stop at the request's limit too.
        let token = retry::with_deadline(
            until,
            "the retry budget of the API request the token is for",
            self.inner.credential.get_token(),
        )
        .await;
        let token = match token {
            Ok(token) => token,
            Err(error) => {
                tracing::warn!(%error, "no token for the request");
                return Ok(Outcome::Done(Ended::Carried(carry(
                    Error::Auth(error),
                    None,
                ))));
            }
        };
        match self.bearer(&token) {
            Some(value) => {
                this_try.headers_mut().insert(AUTHORIZATION, value);
            }
            None => {
                let error = Error::Auth(AuthError::Credential(
                    "the token contains characters an HTTP header cannot carry".into(),
                ));
                return Ok(Outcome::Done(Ended::Carried(carry(error, None))));
            }
        }
        let permit = self.inner.throttle.admit_until(until).await?;
        let sent = Instant::now();
        let result = http.execute(this_try).await;
        let retry_after = result
            .as_ref()
            .ok()
            .and_then(|r| retry::retry_after(r.headers()));
        if let Ok(response) = &result {
            let throttled = response.status() == http::StatusCode::TOO_MANY_REQUESTS;
            self.inner.throttle.observe(
                throttled,
                retry_after.filter(|_| throttled),
                self.inner.retry.max_retry_after,
            );
        }
        drop(permit);
        let latency_ms = millis(sent.elapsed());
        Ok(match result {
            Ok(response) => {
                let status = response.status();
                tracing::debug!(attempt, status = status.as_u16(), latency_ms, "answered");
                if status.is_success() {
                    return Ok(Outcome::Done(Ended::Answer(response)));
                }
                if status == http::StatusCode::UNAUTHORIZED
                    && can_retry
                    && !reauthenticated.swap(true, Ordering::Relaxed)
                {
                    tracing::debug!(
                        "401 from the service; renewing the token and trying once more"
                    );
                    self.inner.credential.token_rejected(&token);
                    return Ok(Outcome::Again);
                }
                if can_retry && retry::is_retryable_status(status, method) {
                    tracing::debug!(status = status.as_u16(), "the service asked to retry");
                    return Ok(Outcome::Retry {
                        error: Ended::Answer(response),
                        retry_after,
                        reason: status_text(status),
                    });
                }
                Outcome::Done(Ended::Answer(response))
            }
            Err(error) => {
                if can_retry && retry::is_retryable_transport(&error, method) {
                    tracing::debug!(attempt, %error, latency_ms, "request failed; it may be retried");
                    let reason = if is_malformed_answer(&error) {
                        "the answer could not be read as HTTP".to_string()
                    } else if error.is_timeout() {
                        "no answer in time".to_string()
                    } else {
                        "no answer".to_string()
                    };
                    return Ok(Outcome::Retry {
                        error: Ended::Transport(error),
                        retry_after: None,
                        reason,
                    });
                }
                Outcome::Done(Ended::Transport(error))
            }
        })
    }
}

/// Where one try stands: the request's limit, and which try it is.
#[derive(Clone, Copy)]
struct Limits {
    until: Instant,
    attempt: u32,
}

/// Whether `status` is the service refusing for now.
fn is_throttling(status: http::StatusCode) -> bool {
    matches!(
        status,
        http::StatusCode::TOO_MANY_REQUESTS | http::StatusCode::SERVICE_UNAVAILABLE
    )
}

/// `429 Too Many Requests`.
fn status_text(status: http::StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// Milliseconds, saturating.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The method and URL of a request without its query (which may hold a
/// signature): `GET https://host/v1.0/ingestion/products`.
fn shown_url(method: &http::Method, url: &Url) -> String {
    format!("{method} {}", &url[..url::Position::AfterPath])
}

/// Whether the HTTP stack got an answer it could not parse (a header with
/// a control byte, a broken status line), rather than no answer.
fn is_malformed_answer(error: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_parse)
        {
            return true;
        }
        cause = e.source();
    }
    false
}

/// How a request ended, for [`Pipeline::send_with_retries`] to turn into
/// the response the generated code reads.
enum Ended {
    /// The service answered (success or error status).
    Answer(reqwest::Response),
    /// No answer.
    Transport(reqwest::Error),
    /// A stand-in response carrying an [`Error`] already.
    Carried(reqwest::Response),
}

/// Decodes a success answer into a `ResponseValue`, as progenitor's
/// `ResponseValue::from_response` does, but moving the headers instead of
/// copying them. The generated `send`s call it.
pub(crate) async fn decode<T: serde::de::DeserializeOwned>(
    mut response: reqwest::Response,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<()>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    let inner = serde_json::from_slice(&body)
        .map_err(|e| progenitor_client::Error::InvalidResponsePayload(body, e))?;
    Ok(progenitor_client::ResponseValue::new(
        inner, status, headers,
    ))
}

/// A fresh `Client-Request-ID`: a version 4 UUID. Its randomness comes from
/// `fastrand` (an id must be unique, not unpredictable), which spares every
/// request a system call and an allocation.
fn new_request_id() -> HeaderValue {
    let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    HeaderValue::from_str(id.hyphenated().encode_lower(&mut text))
        .expect("hex digits and dashes are a valid header value")
}

/// Sends the body's `@odata.etag` as `If-Match` on an update that has none.
fn default_if_match(request: &mut reqwest::Request) {
    if !matches!(*request.method(), http::Method::PUT | http::Method::PATCH)
        || request.headers().contains_key(IF_MATCH)
    {
        return;
    }
    let Some(body) = request.body().and_then(|b| b.as_bytes()) else {
        return;
    };
    let etag = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
        .ok()
        .and_then(|map| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("@odata.etag"))
                .and_then(|(_, v)| v.as_str().map(str::to_string))
        });
    if let Some(value) = etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
        request.headers_mut().insert(IF_MATCH, value);
    }
}
