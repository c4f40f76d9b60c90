//! The client's configuration: [`ClientBuilder`], and the constructors of
//! [`Client`]. Requests go through [`crate::pipeline`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderValue;
use progenitor_client::{ClientHooks, OperationInfo};
use url::Url;

use crate::auth::{DefaultCredential, TokenCredential};
use crate::error::Error;
use crate::generated::Client;
use crate::net::{check_secure, USER_AGENT};
use crate::pipeline::Pipeline;
use crate::retry::RetryPolicy;

/// The API's address unless configured otherwise.
pub const DEFAULT_ENDPOINT: &str = "https://api.partner.microsoft.com/v1.0/ingestion";

/// Most pages a stream follows unless configured otherwise.
const DEFAULT_MAX_PAGES: usize = 10_000;

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
        let pipeline = Pipeline::new(
            self.credential,
            self.retry,
            base,
            self.max_pages,
            per_request,
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
        }
    }

    /// A client configured from the environment: the credential is the
    /// first that the environment configures (a client secret, a
    /// certificate, workload identity or a CI provider's OIDC token, a
    /// managed identity, the Azure CLI; see [`DefaultCredential`]), the
    /// endpoint comes from `PARTNER_CENTER_ENDPOINT` (default
    /// [`DEFAULT_ENDPOINT`]). When no credential is configured, the error
    /// lists each one and what it needs.
    pub fn from_env() -> Result<Client, Error> {
        let credential = DefaultCredential::from_env()?;
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
