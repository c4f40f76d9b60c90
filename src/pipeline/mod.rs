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
//! 6. retries as [`crate::retry`] describes;
//! 7. reads an error answer into an [`Error`] right away, so that the
//!    request id, the fault and the validation messages are kept;
//! 8. records a `tracing` span per request with the operation, method, path
//!    template, attempt, status, latency, `request-id` and
//!    `Client-Request-ID`. No header value is logged: tokens never appear.
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
use crate::error::{ApiError, Error};
use crate::net::read_limited;
use crate::throttle::Throttle;
use crate::retry::{self, Outcome, RetryPolicy};

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
        per_request: Option<(Duration, HeaderValue)>,
        default_headers: DefaultHeaders,
    ) -> Self {
        Pipeline {
            inner: Arc::new(PipelineInner {
                credential,
                retry,
                base,
                max_pages,
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
        let started = Instant::now();
        let reauthenticated = AtomicBool::new(false);
        let mut original = Some(request);
        let ended = retry::drive(&self.inner.retry, |attempt| {
            span.record("attempt", attempt);
            // Keep the original for the next try when the body allows a copy.
            let this_try = match original.as_ref().and_then(|r| r.try_clone()) {
                Some(copy) => Some((copy, true)),
                None => original.take().map(|only| (only, false)),
            };
            let (method, span, reauthenticated) = (&method, &span, &reauthenticated);
            async move {
                let Some((this_try, can_retry)) = this_try else {
                    let error =
                        Error::InvalidRequest("the request body cannot be sent twice".into());
                    return Outcome::Done(Ended::Carried(carry(error, None)));
                };
                self.try_once(http, this_try, can_retry, method, span, reauthenticated)
                    .await
            }
        })
        .await;
        match ended.unwrap_or_else(|last| last) {
            Ended::Carried(response) => response,
            Ended::Answer(response) if response.status().is_success() => response,
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
                carry(Error::from_response(api), Some((status, headers, body)))
            }
            Ended::Transport(error) => {
                tracing::debug!(%error, "request failed");
                let failure = if error.is_timeout() {
                    Error::Timeout {
                        after: started.elapsed(),
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

    /// One try: a token, the request, and what its answer means for the
    /// retry loop.
    async fn try_once(
        &self,
        http: &reqwest::Client,
        mut this_try: reqwest::Request,
        can_retry: bool,
        method: &http::Method,
        span: &tracing::Span,
        reauthenticated: &AtomicBool,
    ) -> Outcome<Ended, Ended> {
        let token = match self.inner.credential.get_token().await {
            Ok(token) => token,
            Err(error) => {
                tracing::warn!(%error, "no token for the request");
                return Outcome::Done(Ended::Carried(carry(Error::Auth(error), None)));
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
                return Outcome::Done(Ended::Carried(carry(error, None)));
            }
        }
        let permit = self.inner.throttle.admit().await;
        let sent = Instant::now();
        let result = http.execute(this_try).await;
        if let Ok(response) = &result {
            let throttled = response.status() == http::StatusCode::TOO_MANY_REQUESTS;
            let after = throttled
                .then(|| retry::retry_after(response.headers()))
                .flatten();
            self.inner.throttle.observe(throttled, after);
        }
        drop(permit);
        let latency_ms = sent.elapsed().as_millis() as u64;
        span.record("latency_ms", latency_ms);
        match result {
            Ok(response) => {
                let status = response.status();
                span.record("status", status.as_u16());
                if let Some(id) = response
                    .headers()
                    .get("request-id")
                    .and_then(|v| v.to_str().ok())
                {
                    span.record("request_id", id);
                }
                if status.is_success() {
                    tracing::debug!(status = status.as_u16(), latency_ms, "answered");
                    return Outcome::Done(Ended::Answer(response));
                }
                if status == http::StatusCode::UNAUTHORIZED
                    && can_retry
                    && !reauthenticated.swap(true, Ordering::Relaxed)
                {
                    tracing::debug!(
                        "401 from the service; renewing the token and trying once more"
                    );
                    self.inner.credential.token_rejected(&token);
                    return Outcome::Again;
                }
                if can_retry && retry::is_retryable_status(status, method) {
                    tracing::warn!(status = status.as_u16(), "the service asked to retry");
                    let retry_after = retry::retry_after(response.headers());
                    return Outcome::Retry {
                        error: Ended::Answer(response),
                        retry_after,
                    };
                }
                Outcome::Done(Ended::Answer(response))
            }
            Err(error) => {
                if can_retry && retry::is_retryable_transport(&error, method) {
                    tracing::warn!(%error, "request failed; it may be retried");
                    return Outcome::Retry {
                        error: Ended::Transport(error),
                        retry_after: None,
                    };
                }
                Outcome::Done(Ended::Transport(error))
            }
        }
    }
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
