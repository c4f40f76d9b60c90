//! The client's configuration: [`ClientBuilder`], and the constructors of
//! [`Client`]. Requests go through [`crate::pipeline`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderValue;
use progenitor_client::{ClientHooks, OperationInfo};
use url::Url;

use crate::auth::{DefaultCredential, TokenCredential};
use crate::blob::BlobUploader;
use crate::error::Error;
use crate::generated::Client;
use crate::net::{check_secure, USER_AGENT};
use crate::pipeline::headers::{self, DefaultHeaders, PUBLISHER_ID_HEADER};
use crate::pipeline::Pipeline;
use crate::retry::RetryPolicy;

/// The API's address unless configured otherwise.
pub const DEFAULT_ENDPOINT: &str = "https://api.partner.microsoft.com/v1.0/ingestion";

/// Most pages a stream follows unless configured otherwise.
const DEFAULT_MAX_PAGES: usize = 10_000;
/// The longest answer read by default: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 64 * 1024 * 1024;

/// The environment variable with the API's base URL.
pub(crate) const ENDPOINT_VAR: &str = "PARTNER_CENTER_ENDPOINT";
/// The environment variable with the account's numeric publisher id.
pub(crate) const PUBLISHER_ID_VAR: &str = "PARTNER_CENTER_PUBLISHER_ID";

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
    max_response_size: u64,
    publisher_id: Option<String>,
    /// `(name, value)` as given; checked by [`ClientBuilder::build`].
    default_headers: Vec<(String, String)>,
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
            .field("max_response_size", &self.max_response_size)
            .field("publisher_id", &self.publisher_id)
            .field("default_headers", &headers::Shown(&self.default_headers))
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

    /// The longest answer the client reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_SIZE`], 64 MiB): a longer one is refused with
    /// [`Error::TooLarge`] as soon as that is known (from its
    /// `Content-Length`, or once that many bytes have come), without
    /// reading the rest, so that a misbehaving server cannot swamp the
    /// client's memory.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = bytes.max(1);
        self
    }

    /// The account's numeric publisher id, sent as the `x-ms-publisherId`
    /// header on every API call. Since 2026 the service refuses calls
    /// without it for some accounts ("PublisherId is a required header").
    /// [`ClientBuilder::with_env`] reads it from `PARTNER_CENTER_PUBLISHER_ID`.
    /// It must be a positive number; [`build`](Self::build) says so if not.
    /// It takes precedence over a [`default_header`](Self::default_header)
    /// of the same name.
    pub fn publisher_id(mut self, id: impl fmt::Display) -> Self {
        self.publisher_id = Some(id.to_string().trim().to_string());
        self
    }

    /// A header sent on every API call (not on uploads to Azure Storage),
    /// for a header the service starts to require before this crate knows
    /// it. A later value of the same name replaces an earlier one; a header
    /// a request sets itself is left alone. [`build`](Self::build) refuses
    /// an invalid name or value, and the headers the client sets itself
    /// (`Authorization`, `Client-Request-ID`, `If-Match`, `Content-Type`, …).
    ///
    /// Values whose name or shape looks secret (`…key`, `…secret`,
    /// `…token`, `Authorization`-like names, bearer tokens) are marked
    /// sensitive and never shown in `Debug` output or logs.
    ///
    /// ```no_run
    /// # fn run() -> partner_center_ingestion::Result<()> {
    /// use partner_center_ingestion::{auth::StaticTokenCredential, Client};
    ///
    /// let client = Client::builder(StaticTokenCredential::new("token"))
    ///     .publisher_id(12345678)
    ///     .default_header("x-ms-new-required-header", "value")
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Applies the settings of the environment on top of this builder:
    /// the endpoint from `PARTNER_CENTER_ENDPOINT` and the publisher id
    /// from `PARTNER_CENTER_PUBLISHER_ID`, each when set and not empty.
    /// [`Client::from_env`] calls it; call it yourself when you bring your
    /// own credential.
    ///
    /// A publisher id that is not a positive number is an
    /// [`Error::Config`] naming the variable.
    pub fn with_env(mut self) -> Result<Self, Error> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if let Some(endpoint) = var(ENDPOINT_VAR) {
            self = self.endpoint(endpoint);
        }
        if let Some(id) = var(PUBLISHER_ID_VAR) {
            headers::check_publisher_id(&id)
                .map_err(|why| Error::Config(format!("{PUBLISHER_ID_VAR}: {why}")))?;
            self = self.publisher_id(id);
        }
        Ok(self)
    }

    /// The headers to send on every call, checked.
    fn checked_headers(&self) -> Result<DefaultHeaders, Error> {
        let mut checked = DefaultHeaders::default();
        for (name, value) in &self.default_headers {
            checked
                .add(name, value)
                .map_err(|why| Error::Config(format!("ClientBuilder::default_header: {why}")))?;
        }
        if let Some(id) = &self.publisher_id {
            headers::check_publisher_id(id)
                .map_err(|why| Error::Config(format!("ClientBuilder::publisher_id: {why}")))?;
            checked
                .add(PUBLISHER_ID_HEADER, id)
                .map_err(Error::Config)?;
        }
        Ok(checked)
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let default_headers = self.checked_headers()?;
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
        let pipeline = Pipeline::new(
            self.credential,
            self.retry,
            base,
            self.max_pages,
            self.max_response_size,
            per_request,
            default_headers,
        );
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
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            publisher_id: None,
            default_headers: Vec::new(),
        }
    }

    /// A client configured from the environment: the credential is the
    /// first that the environment configures (a client secret, a
    /// certificate, workload identity or a CI provider's OIDC token, a
    /// managed identity, the Azure CLI; see [`DefaultCredential`]), the
    /// endpoint from `PARTNER_CENTER_ENDPOINT` (default [`DEFAULT_ENDPOINT`])
    /// and the publisher id from `PARTNER_CENTER_PUBLISHER_ID` (see
    /// [`ClientBuilder::with_env`]). When no credential is configured, the
    /// error lists each one and what it needs.
    pub fn from_env() -> Result<Client, Error> {
        let credential = DefaultCredential::from_env()?;
        Client::builder(credential).with_env()?.build()
    }

    /// The API's base URL.
    pub fn endpoint(&self) -> &str {
        &self.baseurl
    }

    /// An uploader to Azure Blob Storage over this client's HTTP client
    /// (its connection pool, TLS and proxy settings), with a 5-minute
    /// timeout per Storage request. It sends nothing to the API and no
    /// token: a SAS URL carries its own authorisation.
    pub fn blob_uploader(&self) -> BlobUploader {
        BlobUploader::new(self.client.clone()).timeout(Duration::from_secs(300))
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
            .execute(
                &self.client,
                request,
                info.operation_id,
                crate::generated::operation_path(info.operation_id).unwrap_or(""),
            )
            .await)
    }
}
