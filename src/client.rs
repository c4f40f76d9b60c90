//! The client's configuration, and the pipeline every request goes through.
//!
//! The generated [`Client`] has one method per operation. Each request it
//! builds passes through [`Pipeline::execute`] (progenitor's `exec` hook),
//! which, in order:
//!
//! 1. drops the `api-version` header progenitor adds (the service does not
//!    use it);
//! 2. gives the request a `Client-Request-ID` (a fresh UUID unless the
//!    caller set one), kept across retries;
//! 3. for an update (`PUT`/`PATCH`) without `If-Match`, sends the body's
//!    `@odata.etag` as `If-Match`, so a resource changed meanwhile is not
//!    overwritten (set `if_match("*")` to overwrite regardless);
//! 4. adds `Authorization: Bearer …` from the credential, renewing the token
//!    once and trying again if the service answers 401;
//! 5. retries as [`crate::retry`] describes;
//! 6. reads an error answer into an [`Error`] right away, so that the
//!    request id, the fault and the validation messages are kept;
//! 7. records a `tracing` span per request with the operation, method, path
//!    template, attempt, status, latency, `request-id` and
//!    `Client-Request-ID`. No header value is logged: tokens never appear.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::header::{HeaderName, HeaderValue, AUTHORIZATION, IF_MATCH};
use progenitor_client::{ClientHooks, OperationInfo};
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::auth::{AuthError, ClientSecretCredential, TokenCredential};
use crate::error::{ApiError, Error};
use crate::generated::Client;
use crate::retry::{self, RetryPolicy};

/// The API's address unless configured otherwise.
pub const DEFAULT_ENDPOINT: &str = "https://api.partner.microsoft.com/v1.0/ingestion";
/// The `User-Agent` of every request: this crate and its version.
pub const USER_AGENT: &str = concat!("partner-center-ingestion/", env!("CARGO_PKG_VERSION"));

const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
const API_VERSION: HeaderName = HeaderName::from_static("api-version");
/// Most of an error body the pipeline reads.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Status of the stand-in response that carries a failure without an answer.
const NO_ANSWER: u16 = 599;

/// What the generated client carries: the credential and the retry policy.
#[derive(Clone)]
pub struct Pipeline {
    inner: Arc<PipelineInner>,
}

struct PipelineInner {
    credential: Arc<dyn TokenCredential>,
    retry: RetryPolicy,
    base: Url,
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("credential", &self.inner.credential)
            .field("retry", &self.inner.retry)
            .field("base", &self.inner.base.as_str())
            .finish()
    }
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    credential: Arc<dyn TokenCredential>,
    endpoint: String,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    user_agent: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credential", &self.credential)
            .field("endpoint", &self.endpoint)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

impl ClientBuilder {
    /// The API's base URL (default [`DEFAULT_ENDPOINT`]). It must be HTTPS
    /// unless it is a loopback address.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into();
        self
    }

    /// Timeout of one try of a request, from sending to the end of the
    /// answer (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout for opening a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How requests are retried (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Appends `product/version` (your tool) to the `User-Agent`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent = Some(suffix.into());
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = Url::parse(self.endpoint.trim()).map_err(|e| {
            Error::Config(format!(
                "the endpoint `{}` is not a URL ({e}); the default is {DEFAULT_ENDPOINT}",
                self.endpoint
            ))
        })?;
        crate::auth::check_secure(&base, "the endpoint")
            .map_err(|e| Error::Config(e.to_string()))?;
        let user_agent = match &self.user_agent {
            Some(suffix) => format!("{USER_AGENT} {suffix}"),
            None => USER_AGENT.to_string(),
        };
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(user_agent)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let baseurl = base.as_str().trim_end_matches('/').to_string();
        let pipeline = Pipeline {
            inner: Arc::new(PipelineInner {
                credential: self.credential,
                retry: self.retry,
                base,
            }),
        };
        Ok(Client::new_with_client(&baseurl, http, pipeline))
    }
}

impl Client {
    /// Starts configuring a client that authenticates with `credential`.
    pub fn builder(credential: impl TokenCredential + 'static) -> ClientBuilder {
        ClientBuilder {
            credential: Arc::new(credential),
            endpoint: DEFAULT_ENDPOINT.to_string(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            user_agent: None,
        }
    }

    /// A client configured from the environment: the credential from
    /// `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and
    /// `AZURE_AUTHORITY_HOST` (see [`ClientSecretCredential::from_env`]), the
    /// endpoint from `PARTNER_CENTER_ENDPOINT` (default [`DEFAULT_ENDPOINT`]).
    pub fn from_env() -> Result<Client, Error> {
        let credential = ClientSecretCredential::from_env()?;
        let mut builder = Client::builder(credential);
        if let Some(endpoint) = std::env::var("PARTNER_CENTER_ENDPOINT")
            .ok()
            .filter(|e| !e.trim().is_empty())
        {
            builder = builder.endpoint(endpoint);
        }
        builder.build()
    }

    /// The API's base URL.
    pub fn endpoint(&self) -> &str {
        &self.baseurl
    }

    pub(crate) fn pipeline(&self) -> &Pipeline {
        &self.inner
    }
}

impl ClientHooks<Pipeline> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        Ok(self
            .inner
            .execute(&self.client, request, info.operation_id)
            .await)
    }
}

/// A failure carried to the generated code inside a stand-in response.
#[derive(Clone)]
struct Failure(Arc<Mutex<Option<Error>>>);

/// Takes the [`Error`] the pipeline attached to a response, if any.
pub(crate) fn take_failure(response: &mut reqwest::Response) -> Option<Error> {
    let failure = response.extensions_mut().remove::<Failure>()?;
    let mut slot = failure.0.lock().unwrap_or_else(|p| p.into_inner());
    slot.take()
}

fn carry(
    error: Error,
    status: u16,
    headers: http::HeaderMap,
    body: bytes::Bytes,
) -> reqwest::Response {
    let mut response = http::Response::new(body);
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    *response.headers_mut() = headers;
    response
        .extensions_mut()
        .insert(Failure(Arc::new(Mutex::new(Some(error)))));
    reqwest::Response::from(response)
}

impl Pipeline {
    /// The API's base URL.
    pub(crate) fn base(&self) -> &Url {
        &self.inner.base
    }

    /// Sends `request` as described in the module documentation. It always
    /// returns a response: a failure without one comes back as a stand-in
    /// carrying the [`Error`] (see [`take_failure`]).
    pub(crate) async fn execute(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
        operation: &'static str,
    ) -> reqwest::Response {
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        let client_request_id = match headers
            .get(&CLIENT_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
        {
            Some(id) if !id.trim().is_empty() => id.trim().to_string(),
            _ => {
                let id = uuid::Uuid::new_v4().to_string();
                if let Ok(value) = HeaderValue::from_str(&id) {
                    headers.insert(CLIENT_REQUEST_ID, value);
                }
                id
            }
        };
        default_if_match(&mut request);
        let method = request.method().clone();
        let path = crate::generated::operation_path(operation).unwrap_or("");
        let span = tracing::info_span!(
            "partner_center.request",
            operation,
            method = %method,
            path,
            client_request_id = %client_request_id,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        self.send_with_retries(http, request, client_request_id)
            .instrument(span)
            .await
    }

    async fn send_with_retries(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        client_request_id: String,
    ) -> reqwest::Response {
        let span = tracing::Span::current();
        let method = request.method().clone();
        let backoff = self.inner.retry.backoff();
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut reauthenticated = false;
        let mut original = Some(request);
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let token = match self.inner.credential.get_token().await {
                Ok(token) => token,
                Err(error) => {
                    tracing::warn!(%error, "no token for the request");
                    return carry(
                        Error::Auth(error),
                        NO_ANSWER,
                        Default::default(),
                        Default::default(),
                    );
                }
            };
            // Keep the original for the next try when the body allows a copy.
            let (mut this_try, can_retry) = match original.as_ref().and_then(|r| r.try_clone()) {
                Some(copy) => (copy, true),
                None => match original.take() {
                    Some(only) => (only, false),
                    None => {
                        let error =
                            Error::InvalidRequest("the request body cannot be sent twice".into());
                        return carry(error, NO_ANSWER, Default::default(), Default::default());
                    }
                },
            };
            match HeaderValue::from_str(&format!("Bearer {}", token.secret().expose())) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    this_try.headers_mut().insert(AUTHORIZATION, value);
                }
                Err(_) => {
                    let error = Error::Auth(AuthError::Credential(
                        "the token contains characters an HTTP header cannot carry".into(),
                    ));
                    return carry(error, NO_ANSWER, Default::default(), Default::default());
                }
            }
            let sent = Instant::now();
            let result = http.execute(this_try).await;
            let latency_ms = sent.elapsed().as_millis() as u64;
            span.record("latency_ms", latency_ms);
            let may_retry = |wait: Duration| {
                can_retry
                    && attempt < backoff.max_attempts
                    && started.elapsed() + wait <= backoff.budget
            };
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
                        return response;
                    }
                    if status == http::StatusCode::UNAUTHORIZED && !reauthenticated && can_retry {
                        tracing::debug!(
                            "401 from the service; renewing the token and trying once more"
                        );
                        self.inner.credential.token_rejected(&token);
                        reauthenticated = true;
                        continue;
                    }
                    if retry::is_retryable_status(status, &method) {
                        let wait = backoff.delay(attempt, retry::retry_after(response.headers()));
                        if may_retry(wait) {
                            tracing::warn!(
                                status = status.as_u16(),
                                attempt,
                                wait_ms = wait.as_millis() as u64,
                                "the service asked to retry; waiting"
                            );
                            drop(response);
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                    let headers = response.headers().clone();
                    let body = read_limited(response, MAX_ERROR_BODY)
                        .await
                        .unwrap_or_default();
                    let mut api = ApiError::from_parts(status, &headers, &body);
                    if api.client_request_id.is_none() {
                        api.client_request_id = Some(client_request_id.clone());
                    }
                    tracing::debug!(error = %api, "error answer");
                    return carry(Error::from_response(api), status.as_u16(), headers, body);
                }
                Err(error) => {
                    let idempotent = retry::is_idempotent(&method);
                    // A request whose connection never opened was never seen
                    // by the service; anything else may have been applied.
                    let retryable = error.is_connect()
                        || (idempotent && (error.is_timeout() || error.is_request()));
                    let wait = backoff.delay(attempt, None);
                    if retryable && may_retry(wait) {
                        tracing::warn!(%error, attempt, wait_ms = wait.as_millis() as u64, "request failed; retrying");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    tracing::debug!(%error, "request failed");
                    let failure = if error.is_timeout() {
                        Error::Timeout {
                            after: started.elapsed(),
                            client_request_id: client_request_id.clone(),
                        }
                    } else {
                        Error::Transport {
                            source: error,
                            client_request_id: Some(client_request_id.clone()),
                        }
                    };
                    return carry(failure, NO_ANSWER, Default::default(), Default::default());
                }
            }
        }
    }
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

/// Reads at most `limit` bytes of a response body.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<bytes::Bytes, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    Ok(bytes::Bytes::from(body))
}
