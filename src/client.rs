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
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderName, HeaderValue, AUTHORIZATION, IF_MATCH};
use progenitor_client::{ClientHooks, OperationInfo};
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::auth::{AuthError, ClientSecretCredential, TokenCredential};
use crate::error::{carry, ApiError, Error};
use crate::generated::Client;
use crate::net::{check_secure, read_limited, USER_AGENT};
use crate::retry::{self, RetryPolicy};

/// The API's address unless configured otherwise.
pub const DEFAULT_ENDPOINT: &str = "https://api.partner.microsoft.com/v1.0/ingestion";

const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
const API_VERSION: HeaderName = HeaderName::from_static("api-version");
/// Most of an error body the pipeline reads.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Most pages a stream follows unless configured otherwise.
const DEFAULT_MAX_PAGES: usize = 10_000;

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
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("credential", &self.inner.credential)
            .field("retry", &self.inner.retry)
            .field("base", &self.inner.base.as_str())
            .field("max_pages", &self.inner.max_pages)
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
    http: Option<reqwest::Client>,
    max_pages: usize,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credential", &self.credential)
            .field("endpoint", &self.endpoint)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("own_http_client", &self.http.is_some())
            .field("max_pages", &self.max_pages)
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

    /// Sends every request through `client`, your own `reqwest::Client`:
    /// for a corporate proxy, extra root certificates or client
    /// certificates. [`timeout`](Self::timeout) and the `User-Agent` still
    /// apply to each request; [`connect_timeout`](Self::connect_timeout) is
    /// then yours to set on `client`.
    ///
    /// ```no_run
    /// # fn run() -> partner_center_ingestion::Result<()> {
    /// use partner_center_ingestion::{auth::StaticTokenCredential, Client};
    ///
    /// let http = reqwest::Client::builder()
    ///     .proxy(reqwest::Proxy::https("http://proxy.corp.example:3128").unwrap())
    ///     .build()
    ///     .unwrap();
    /// let client = Client::builder(StaticTokenCredential::new("token"))
    ///     .http_client(http)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Most pages one `stream()` follows before it ends with
    /// [`Error::Paging`] (default 10,000).
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = pages.max(1);
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
        check_secure(&base, "the endpoint").map_err(Error::Config)?;
        let user_agent = match &self.user_agent {
            Some(suffix) => format!("{USER_AGENT} {suffix}"),
            None => USER_AGENT.to_string(),
        };
        let (http, per_request) = match self.http {
            Some(http) => {
                let agent = HeaderValue::from_str(&user_agent).map_err(|_| {
                    Error::Config(format!(
                        "the User-Agent `{user_agent}` is not a valid header value"
                    ))
                })?;
                (http, Some((self.timeout, agent)))
            }
            None => {
                let http = reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.connect_timeout)
                    .user_agent(user_agent)
                    .build()
                    .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
                (http, None)
            }
        };
        let baseurl = base.as_str().trim_end_matches('/').to_string();
        let pipeline = Pipeline {
            inner: Arc::new(PipelineInner {
                credential: self.credential,
                retry: self.retry,
                base,
                max_pages: self.max_pages,
                per_request,
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
            http: None,
            max_pages: DEFAULT_MAX_PAGES,
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

#[doc(hidden)]
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

impl Pipeline {
    /// The API's base URL.
    pub(crate) fn base(&self) -> &Url {
        &self.inner.base
    }

    /// Most pages one stream follows.
    pub(crate) fn max_pages(&self) -> usize {
        self.inner.max_pages
    }

    /// Sends `request` as described in the module documentation. It always
    /// returns a response: a failure without one comes back as a stand-in
    /// carrying the [`Error`] (see [`crate::error::carry`]).
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
        if let Some((timeout, agent)) = &self.inner.per_request {
            *request.timeout_mut() = Some(*timeout);
            request
                .headers_mut()
                .entry(http::header::USER_AGENT)
                .or_insert_with(|| agent.clone());
        }
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
                    return carry(Error::Auth(error), None);
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
                        return carry(error, None);
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
                    return carry(error, None);
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
                    return carry(Error::from_response(api), Some((status, headers, body)));
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
                    return carry(failure, None);
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
