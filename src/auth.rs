//! Authentication with Azure AD (Microsoft Entra ID).
//!
//! Every ingestion call carries `Authorization: Bearer <token>`. The client
//! asks a [`TokenCredential`] for the token; this module has two:
//!
//! * [`ClientSecretCredential`]: the OAuth 2.0 client-credentials grant of an
//!   app registration, against the AAD v1 endpoint
//!   (`/{tenant}/oauth2/token`, `resource=https://api.partner.microsoft.com`,
//!   the default) or the v2 endpoint (`/{tenant}/oauth2/v2.0/token`,
//!   `scope=https://api.partner.microsoft.com/.default`). It caches the
//!   token, renews it ahead of expiry, makes concurrent callers share one
//!   request, and retries throttling and outages of the token endpoint.
//! * [`StaticTokenCredential`]: a token you already have.
//!
//! Implement [`TokenCredential`] to use any other source (managed identity,
//! the Azure CLI, workload identity federation).
//!
//! Secrets and tokens live in [`Secret`], whose `Debug` and `Display` print
//! no secret; no error or log line of this module contains one.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt, Shared};
use oauth2::{AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, Scope, TokenUrl};
use serde::{Deserialize, Deserializer, Serialize};
use tokio::time::Instant;
use url::Url;

use crate::net::check_secure;
use crate::retry::Backoff;
use crate::secret::Secret;
use crate::sensitive::{redact, truncate};

/// The resource (audience) of tokens for the Partner Center API.
pub const PARTNER_CENTER_RESOURCE: &str = "https://api.partner.microsoft.com";

/// A bearer token and when it expires.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    secret: Secret,
    expires_at: Option<Instant>,
    obtained_at: Instant,
}

impl AccessToken {
    /// A token that expires `expires_in` from now (at most a day: Azure AD
    /// issues no longer-lived tokens, and a bigger number is a mistake).
    pub fn new(secret: impl Into<Secret>, expires_in: Duration) -> Self {
        let now = Instant::now();
        AccessToken {
            secret: secret.into(),
            expires_at: now.checked_add(expires_in.min(MAX_LIFETIME)),
            obtained_at: now,
        }
    }

    /// A token with no known expiry (the client uses it until the service
    /// rejects it).
    pub fn without_expiry(secret: impl Into<Secret>) -> Self {
        AccessToken {
            secret: secret.into(),
            expires_at: None,
            obtained_at: Instant::now(),
        }
    }

    /// The token. Do not log it.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// How long until the token expires (zero once expired); `None` when unknown.
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    fn is_valid(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }

    /// Whether the token is past the point where it should be renewed:
    /// `margin` before expiry, but never earlier than half its lifetime.
    fn needs_renewal(&self, now: Instant, margin: Duration) -> bool {
        match self.expires_at {
            None => false,
            Some(at) => {
                let lifetime = at.saturating_duration_since(self.obtained_at);
                let margin = margin.min(lifetime / 2);
                now + margin >= at
            }
        }
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &self.secret)
            .field("expires_in", &self.expires_in())
            .finish()
    }
}

/// A source of bearer tokens for the ingestion API.
///
/// Implement it to plug in any token source; the client calls
/// [`get_token`](Self::get_token) before every request, so an
/// implementation should cache.
pub trait TokenCredential: Send + Sync + fmt::Debug {
    /// A token valid for `https://api.partner.microsoft.com`.
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>>;

    /// The service answered 401 to a request that carried `token`: the next
    /// [`get_token`](Self::get_token) must not return it. The default does
    /// nothing.
    fn token_rejected(&self, token: &AccessToken) {
        let _ = token;
    }
}

impl<T: TokenCredential + ?Sized> TokenCredential for Arc<T> {
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        (**self).get_token()
    }
    fn token_rejected(&self, token: &AccessToken) {
        (**self).token_rejected(token)
    }
}

/// A credential that always returns the same token.
#[derive(Clone, Debug)]
pub struct StaticTokenCredential {
    token: AccessToken,
}

impl StaticTokenCredential {
    /// Uses `token` until the service rejects it.
    pub fn new(token: impl Into<Secret>) -> Self {
        StaticTokenCredential {
            token: AccessToken::without_expiry(token),
        }
    }
}

impl TokenCredential for StaticTokenCredential {
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        let token = self.token.clone();
        Box::pin(async move { Ok(token) })
    }
}

/// Why no token could be obtained.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A required environment variable is not set.
    #[error("environment variable {name} is not set: it must hold {meaning}")]
    MissingVariable {
        /// The variable's name.
        name: &'static str,
        /// What it must hold.
        meaning: &'static str,
    },

    /// The configuration cannot be used.
    #[error("{0}")]
    InvalidConfig(String),

    /// Azure AD refused the request.
    #[error("{0}")]
    Rejected(Box<AadError>),

    /// The token endpoint answered with something that is not a token
    /// response nor an Azure AD error (an HTML page, an empty body…).
    #[error("the token endpoint {endpoint} answered {status} with {what}; check AZURE_AUTHORITY_HOST and the tenant id")]
    UnexpectedResponse {
        /// The token endpoint.
        endpoint: String,
        /// The HTTP status, when known.
        status: String,
        /// What came back instead of a token.
        what: String,
    },

    /// The token endpoint could not be reached.
    #[error("cannot reach the token endpoint {endpoint}: {source}")]
    Transport {
        /// The token endpoint.
        endpoint: String,
        /// What failed.
        #[source]
        source: Arc<reqwest::Error>,
    },

    /// A token source of your own failed.
    #[error("the credential failed: {0}")]
    Credential(String),
}

/// The error answer of Azure AD, with the fields it sends.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct AadError {
    /// The OAuth error code, such as `invalid_client`.
    #[serde(default)]
    pub error: String,
    /// The description, starting with an `AADSTSnnnnnn:` code.
    #[serde(default)]
    pub error_description: Option<String>,
    /// The numeric AADSTS codes.
    #[serde(default, deserialize_with = "lenient_codes")]
    pub error_codes: Vec<u64>,
    /// Azure AD's trace id.
    #[serde(default)]
    pub trace_id: Option<String>,
    /// Azure AD's correlation id.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// When the error happened, as Azure AD wrote it.
    #[serde(default)]
    pub timestamp: Option<String>,
}

impl AadError {
    /// The first AADSTS code, from `error_codes` or the description.
    pub fn aadsts_code(&self) -> Option<u64> {
        self.error_codes.first().copied().or_else(|| {
            let description = self.error_description.as_deref()?;
            let at = description.find("AADSTS")? + "AADSTS".len();
            let digits: String = description[at..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            digits.parse().ok()
        })
    }

    /// What most likely fixes the error, for the codes people meet most.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self.aadsts_code()? {
            7000215 => "the client secret is wrong: AZURE_CLIENT_SECRET must hold the secret's Value (shown once, when it was created), not its Secret ID",
            7000222 => "the client secret has expired: create a new one under the app registration's Certificates & secrets and update AZURE_CLIENT_SECRET",
            700016 => "no application with this client id exists in the tenant: check AZURE_CLIENT_ID and AZURE_TENANT_ID, and that the app is registered (or consented) in that tenant",
            90002 => "the tenant was not found: check AZURE_TENANT_ID; a tenant in another cloud (US Government, China) also needs AZURE_AUTHORITY_HOST set to that cloud",
            900023 => "the tenant id is malformed: AZURE_TENANT_ID must be a GUID or a domain such as contoso.onmicrosoft.com",
            7000218 => "no client secret was sent: set AZURE_CLIENT_SECRET",
            500011 => "the resource is not known in this tenant: the app needs access to the Partner Center API (https://api.partner.microsoft.com)",
            _ => return None,
        })
    }
}

impl fmt::Display for AadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Azure AD refused the token request")?;
        if let Some(code) = self.aadsts_code() {
            write!(f, " with AADSTS{code}")?;
        }
        if !self.error.is_empty() {
            write!(f, " ({})", self.error)?;
        }
        if let Some(description) = &self.error_description {
            // The first line is the message; the rest repeats the ids below.
            let first = description.lines().next().unwrap_or("").trim();
            if !first.is_empty() {
                write!(f, ": {}", truncate(&redact(first), 400))?;
            }
        }
        if let Some(hint) = self.hint() {
            write!(f, ". Likely fix: {hint}")?;
        }
        if let Some(id) = &self.trace_id {
            write!(f, "; trace id {id}")?;
        }
        if let Some(id) = &self.correlation_id {
            write!(f, "; correlation id {id}")?;
        }
        Ok(())
    }
}

impl oauth2::ErrorResponse for AadError {}

fn lenient_codes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u64>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(json_seconds).collect(),
        Some(single) => json_seconds(&single).into_iter().collect(),
        None => Vec::new(),
    })
}

/// A number of seconds written as a JSON number or a JSON string.
fn json_seconds(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn lenient_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.as_ref().and_then(json_seconds))
}

/// Azure AD's token response. The v1 endpoint writes the durations as JSON
/// strings (`"3599"`), the v2 endpoint as numbers; both are read.
#[derive(Debug, Deserialize, Serialize)]
struct AadTokenResponse {
    access_token: oauth2::AccessToken,
    token_type: oauth2::basic::BasicTokenType,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient_seconds")]
    ext_expires_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_on: Option<u64>,
    #[serde(default, deserialize_with = "lenient_seconds")]
    not_before: Option<u64>,
}

impl oauth2::TokenResponse for AadTokenResponse {
    type TokenType = oauth2::basic::BasicTokenType;
    fn access_token(&self) -> &oauth2::AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &Self::TokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&oauth2::RefreshToken> {
        None
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        None
    }
}

/// The longest lifetime a token is trusted for.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a token without a stated lifetime is trusted.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The Azure cloud whose Azure AD issues the tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cloud {
    /// The public cloud, `https://login.microsoftonline.com` (the default).
    Public,
    /// Azure US Government, `https://login.microsoftonline.us`.
    UsGovernment,
    /// Azure operated by 21Vianet, `https://login.chinacloudapi.cn`.
    China,
    /// Any other authority host. It must be HTTPS unless it is a loopback
    /// address (for tests against a local stand-in).
    Custom(Url),
}

impl Cloud {
    /// The authority host.
    pub fn authority_host(&self) -> Url {
        let host = match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::UsGovernment => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
            Cloud::Custom(url) => return url.clone(),
        };
        Url::parse(host).expect("a valid constant URL")
    }

    /// Reads an authority host such as `AZURE_AUTHORITY_HOST`'s value.
    pub fn from_authority_host(host: &str) -> Result<Cloud, AuthError> {
        let url = Url::parse(host.trim()).map_err(|e| {
            AuthError::InvalidConfig(format!(
                "the authority host `{host}` is not a URL ({e}); write it like https://login.microsoftonline.com"
            ))
        })?;
        check_secure(&url, "the authority host").map_err(AuthError::InvalidConfig)?;
        let normalized = url.as_str().trim_end_matches('/');
        Ok(match normalized {
            "https://login.microsoftonline.com" => Cloud::Public,
            "https://login.microsoftonline.us" => Cloud::UsGovernment,
            "https://login.chinacloudapi.cn" => Cloud::China,
            _ => Cloud::Custom(url),
        })
    }
}

/// Which Azure AD token endpoint to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenEndpoint {
    /// `/{tenant}/oauth2/token` with `resource=…` (the documented flow).
    #[default]
    V1,
    /// `/{tenant}/oauth2/v2.0/token` with `scope=…/.default`.
    V2,
}

/// Checks a tenant id: a GUID or a domain name.
pub(crate) fn validate_tenant_id(tenant: &str) -> Result<(), AuthError> {
    let t = tenant.trim();
    let bad = |why: &str| {
        Err(AuthError::InvalidConfig(format!(
            "the tenant id `{}` {why}; use the directory (tenant) id GUID or a verified domain such as contoso.onmicrosoft.com",
            truncate(t, 80)
        )))
    };
    if t.is_empty() {
        return bad("is empty");
    }
    if ["common", "organizations", "consumers"].contains(&t.to_ascii_lowercase().as_str()) {
        return bad("names no single tenant, which the client-credentials grant needs");
    }
    let is_guid = t.len() == 36
        && t.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    let is_domain = t.len() <= 253
        && t.contains('.')
        && t.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if is_guid || is_domain {
        Ok(())
    } else {
        bad("is neither a GUID nor a domain name")
    }
}

/// The client-credentials grant of an app registration, with a token cache.
///
/// Build it with [`ClientSecretCredential::builder`] or read it from the
/// environment with [`ClientSecretCredential::from_env`]. Cloning is cheap
/// and clones share the cache.
#[derive(Clone)]
pub struct ClientSecretCredential {
    inner: Arc<CredentialInner>,
}

struct CredentialInner {
    tenant_id: String,
    client_id: String,
    token_url: Url,
    endpoint: TokenEndpoint,
    resource: String,
    oauth: OAuthClient,
    http: TokenHttp,
    retry: Backoff,
    cache: TokenCache,
}

type OAuthClient = oauth2::Client<
    AadError,
    AadTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("tenant_id", &self.inner.tenant_id)
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &"REDACTED")
            .field("token_url", &self.inner.token_url.as_str())
            .field("endpoint", &self.inner.endpoint)
            .finish()
    }
}

/// Builds a [`ClientSecretCredential`].
#[derive(Clone)]
pub struct ClientSecretCredentialBuilder {
    tenant_id: String,
    client_id: String,
    client_secret: Secret,
    cloud: Cloud,
    endpoint: TokenEndpoint,
    resource: String,
    renew_before_expiry: Duration,
    timeout: Duration,
    retry: Backoff,
}

impl fmt::Debug for ClientSecretCredentialBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredentialBuilder")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("cloud", &self.cloud)
            .field("endpoint", &self.endpoint)
            .field("resource", &self.resource)
            .field("renew_before_expiry", &self.renew_before_expiry)
            .finish()
    }
}

impl ClientSecretCredential {
    /// Starts a credential for the app `client_id` of tenant `tenant_id`,
    /// authenticating with `client_secret` (the secret's value).
    pub fn builder(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> ClientSecretCredentialBuilder {
        ClientSecretCredentialBuilder {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            cloud: Cloud::Public,
            endpoint: TokenEndpoint::V1,
            resource: PARTNER_CENTER_RESOURCE.to_string(),
            renew_before_expiry: Duration::from_secs(5 * 60),
            timeout: Duration::from_secs(30),
            retry: Backoff::token_endpoint(),
        }
    }

    /// Reads `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and
    /// (optionally) `AZURE_AUTHORITY_HOST`, the names azure-identity uses.
    pub fn from_env() -> Result<Self, AuthError> {
        Self::builder_from_env()?.build()
    }

    /// Like [`from_env`](Self::from_env), but returns the builder so more can
    /// be set before building.
    pub fn builder_from_env() -> Result<ClientSecretCredentialBuilder, AuthError> {
        let tenant = env_var(
            "AZURE_TENANT_ID",
            "the directory (tenant) id of the app registration",
        )?;
        let client = env_var(
            "AZURE_CLIENT_ID",
            "the application (client) id of the app registration",
        )?;
        let secret = env_var(
            "AZURE_CLIENT_SECRET",
            "a client secret value of the app registration",
        )?;
        let mut builder = Self::builder(tenant, client, secret);
        if let Some(host) = std::env::var("AZURE_AUTHORITY_HOST")
            .ok()
            .filter(|h| !h.trim().is_empty())
        {
            builder = builder.cloud(Cloud::from_authority_host(&host)?);
        }
        Ok(builder)
    }

    /// The token endpoint this credential calls.
    pub fn token_url(&self) -> &Url {
        &self.inner.token_url
    }

    async fn fetch(inner: Arc<CredentialInner>) -> Result<AccessToken, AuthError> {
        let endpoint = inner.token_url.to_string();
        let mut attempt = 0u32;
        let started = Instant::now();
        loop {
            attempt += 1;
            let request = inner.oauth.exchange_client_credentials();
            let request = match inner.endpoint {
                TokenEndpoint::V1 => request.add_extra_param("resource", inner.resource.clone()),
                TokenEndpoint::V2 => request.add_scope(Scope::new(format!(
                    "{}/.default",
                    inner.resource.trim_end_matches('/')
                ))),
            };
            tracing::debug!(token_url = %endpoint, attempt, "requesting a token");
            let result = request.request_async(&inner.http).await;
            let failure = match result {
                Ok(response) => {
                    let lifetime = response
                        .expires_in
                        .map(Duration::from_secs)
                        .unwrap_or(DEFAULT_LIFETIME);
                    tracing::debug!(token_url = %endpoint, attempt, expires_in_s = lifetime.as_secs(), "token obtained");
                    let secret = Secret::new(response.access_token.secret().clone());
                    return Ok(AccessToken::new(secret, lifetime));
                }
                Err(e) => e,
            };
            let (error, retry_after) = token_failure(&endpoint, failure);
            let retryable = retry_after.is_some();
            let delay = inner.retry.delay(attempt, retry_after.flatten());
            let within_budget = started.elapsed() + delay <= inner.retry.budget;
            if retryable && attempt < inner.retry.max_attempts && within_budget {
                tracing::warn!(token_url = %endpoint, attempt, delay_ms = delay.as_millis() as u64, error = %error, "token request failed; retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            tracing::debug!(token_url = %endpoint, attempt, error = %error, "token request failed");
            return Err(error);
        }
    }
}

fn env_var(name: &'static str, meaning: &'static str) -> Result<String, AuthError> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        _ => Err(AuthError::MissingVariable { name, meaning }),
    }
}

/// Maps a failed token request to our error, and says whether (and after
/// how long, if the endpoint said) it may be retried.
#[allow(clippy::type_complexity)]
fn token_failure(
    endpoint: &str,
    error: oauth2::RequestTokenError<HttpFailure, AadError>,
) -> (AuthError, Option<Option<Duration>>) {
    use oauth2::RequestTokenError as R;
    match error {
        R::ServerResponse(aad) => (AuthError::Rejected(Box::new(aad)), None),
        R::Request(HttpFailure::Transport(source)) => {
            let retry = source.is_connect() || source.is_timeout() || source.is_request();
            (
                AuthError::Transport {
                    endpoint: endpoint.to_string(),
                    source: Arc::new(source),
                },
                retry.then_some(None),
            )
        }
        R::Request(HttpFailure::Status {
            status,
            retry_after,
            aad,
            what,
        }) => {
            let error = match aad {
                Some(aad) => AuthError::Rejected(Box::new(aad)),
                None => AuthError::UnexpectedResponse {
                    endpoint: endpoint.to_string(),
                    status: status.to_string(),
                    what,
                },
            };
            (error, Some(retry_after))
        }
        R::Request(HttpFailure::NotJson { status, what }) => (
            AuthError::UnexpectedResponse {
                endpoint: endpoint.to_string(),
                status: status.to_string(),
                what,
            },
            None,
        ),
        R::Parse(e, _body) => (
            // The body of a 200 may hold a token: never shown.
            AuthError::UnexpectedResponse {
                endpoint: endpoint.to_string(),
                status: "200 OK".into(),
                what: format!("JSON that is not a token response (at `{}`)", e.path()),
            },
            None,
        ),
        R::Other(message) => (
            AuthError::UnexpectedResponse {
                endpoint: endpoint.to_string(),
                status: "unexpectedly".into(),
                what: truncate(&message, 200),
            },
            None,
        ),
    }
}

impl ClientSecretCredentialBuilder {
    /// The cloud whose Azure AD issues the token (default: public).
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// The token endpoint version (default: v1).
    pub fn token_endpoint(mut self, endpoint: TokenEndpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// The resource tokens are for (default: `https://api.partner.microsoft.com`).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = resource.into();
        self
    }

    /// How long before expiry a token is renewed (default: 5 minutes; never
    /// more than half the token's lifetime).
    pub fn renew_before_expiry(mut self, margin: Duration) -> Self {
        self.renew_before_expiry = margin;
        self
    }

    /// Timeout of one token request (default: 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a token request is tried when the endpoint throttles
    /// or fails (default: 4), and the first delay between tries (default:
    /// 500 ms, doubling with jitter).
    pub fn retries(mut self, max_attempts: u32, initial_delay: Duration) -> Self {
        self.retry.max_attempts = max_attempts.max(1);
        self.retry.initial = initial_delay;
        self
    }

    /// Checks the configuration and builds the credential.
    pub fn build(self) -> Result<ClientSecretCredential, AuthError> {
        validate_tenant_id(&self.tenant_id)?;
        if self.client_id.trim().is_empty() {
            return Err(AuthError::InvalidConfig("the client id is empty".into()));
        }
        if self.client_secret.expose().is_empty() {
            return Err(AuthError::InvalidConfig(
                "the client secret is empty".into(),
            ));
        }
        let authority = self.cloud.authority_host();
        check_secure(&authority, "the authority host").map_err(AuthError::InvalidConfig)?;
        let path = match self.endpoint {
            TokenEndpoint::V1 => "oauth2/token",
            TokenEndpoint::V2 => "oauth2/v2.0/token",
        };
        let token_url = format!(
            "{}/{}/{path}",
            authority.as_str().trim_end_matches('/'),
            self.tenant_id.trim()
        );
        let token_url = Url::parse(&token_url)
            .map_err(|e| AuthError::InvalidConfig(format!("cannot build the token URL: {e}")))?;
        let oauth = oauth2::Client::new(ClientId::new(self.client_id.trim().to_string()))
            .set_client_secret(ClientSecret::new(self.client_secret.expose().to_string()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(TokenUrl::from_url(token_url.clone()));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(10)))
            .user_agent(crate::net::USER_AGENT)
            .build()
            .map_err(|e| AuthError::InvalidConfig(format!("cannot build the HTTP client: {e}")))?;
        let margin = self.renew_before_expiry;
        let inner = Arc::new_cyclic(|weak: &std::sync::Weak<CredentialInner>| {
            let weak = weak.clone();
            CredentialInner {
                tenant_id: self.tenant_id.trim().to_string(),
                client_id: self.client_id.trim().to_string(),
                token_url,
                endpoint: self.endpoint,
                resource: self.resource,
                oauth,
                http: TokenHttp { client: http },
                retry: self.retry,
                cache: TokenCache::new(
                    margin,
                    Box::new(move || {
                        let weak = weak.clone();
                        Box::pin(async move {
                            match weak.upgrade() {
                                Some(inner) => ClientSecretCredential::fetch(inner).await,
                                None => {
                                    Err(AuthError::Credential("the credential was dropped".into()))
                                }
                            }
                        })
                    }),
                ),
            }
        });
        Ok(ClientSecretCredential { inner })
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.inner.cache.get())
    }

    fn token_rejected(&self, token: &AccessToken) {
        self.inner.cache.forget(token);
    }
}

// ------------------------------------------------------------------ cache

type FetchFuture = BoxFuture<'static, Result<AccessToken, AuthError>>;
type Fetch = Box<dyn Fn() -> FetchFuture + Send + Sync>;

/// A token cache: one request in flight at a time, shared by every caller
/// that needs a token meanwhile; renewal ahead of expiry in the background,
/// serving the current token while it is valid, even when renewal fails.
pub(crate) struct TokenCache {
    margin: Duration,
    fetch: Fetch,
    state: Arc<Mutex<CacheState>>,
}

/// What a caller of [`TokenCache::get`] does.
enum Next {
    /// Use this valid token.
    Serve(AccessToken),
    /// Wait for the request in flight.
    Wait(Shared<FetchFuture>),
}

#[derive(Default)]
struct CacheState {
    token: Option<AccessToken>,
    inflight: Option<Shared<FetchFuture>>,
    failures: u32,
    retry_at: Option<Instant>,
}

impl TokenCache {
    pub(crate) fn new(margin: Duration, fetch: Fetch) -> Self {
        TokenCache {
            margin,
            fetch,
            state: Arc::new(Mutex::new(CacheState::default())),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        // A panic while holding the lock leaves plain data; keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) async fn get(&self) -> Result<AccessToken, AuthError> {
        let now = Instant::now();
        let next = {
            let mut state = self.lock();
            match state.token.clone() {
                Some(token) if token.is_valid(now) => {
                    if token.needs_renewal(now, self.margin)
                        && state.inflight.is_none()
                        && state.retry_at.is_none_or(|at| now >= at)
                    {
                        tracing::debug!("renewing the token ahead of expiry");
                        tokio::spawn(self.start(&mut state));
                    }
                    Next::Serve(token)
                }
                _ => Next::Wait(match state.inflight.clone() {
                    Some(inflight) => inflight,
                    None => self.start(&mut state),
                }),
            }
        };
        match next {
            Next::Serve(token) => Ok(token),
            Next::Wait(fetch) => fetch.await,
        }
    }

    fn start(&self, state: &mut CacheState) -> Shared<FetchFuture> {
        let fetch = (self.fetch)();
        let shared_state = Arc::clone(&self.state);
        let future: FetchFuture = Box::pin(async move {
            let result = fetch.await;
            let mut state = shared_state.lock().unwrap_or_else(|p| p.into_inner());
            state.inflight = None;
            match &result {
                Ok(token) => {
                    state.token = Some(token.clone());
                    state.failures = 0;
                    state.retry_at = None;
                }
                Err(error) => {
                    state.failures += 1;
                    let delay = Backoff::token_endpoint().delay(state.failures, None);
                    state.retry_at = Some(Instant::now() + delay);
                    if state
                        .token
                        .as_ref()
                        .is_some_and(|t| t.is_valid(Instant::now()))
                    {
                        tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "renewing the token failed; the current token stays in use while it is valid");
                    }
                }
            }
            result
        });
        let shared = future.shared();
        state.inflight = Some(shared.clone());
        shared
    }

    pub(crate) fn forget(&self, rejected: &AccessToken) {
        let mut state = self.lock();
        if state
            .token
            .as_ref()
            .is_some_and(|t| t.secret == rejected.secret)
        {
            tracing::debug!("the service rejected the cached token; it will be renewed");
            state.token = None;
        }
    }
}

// ------------------------------------------------------------ HTTP adapter

/// Drives oauth2's requests through our reqwest client (redirects off).
///
/// Throttling and outages (429, 5xx) and answers that are not JSON come
/// back as errors of our own, so that they can be retried or reported
/// clearly instead of as JSON parse failures.
struct TokenHttp {
    client: reqwest::Client,
}

/// Why the HTTP exchange with the token endpoint failed.
#[derive(Debug, thiserror::Error)]
enum HttpFailure {
    #[error("{0}")]
    Transport(reqwest::Error),
    #[error("status {status}")]
    Status {
        status: http::StatusCode,
        retry_after: Option<Duration>,
        aad: Option<AadError>,
        what: String,
    },
    #[error("status {status}: {what}")]
    NotJson {
        status: http::StatusCode,
        what: String,
    },
}

const MAX_TOKEN_RESPONSE: usize = 256 * 1024;

impl<'c> oauth2::AsyncHttpClient<'c> for TokenHttp {
    type Error = HttpFailure;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, HttpFailure>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(HttpFailure::Transport)?;
            let response = self
                .client
                .execute(request)
                .await
                .map_err(HttpFailure::Transport)?;
            let status = response.status();
            let headers = response.headers().clone();
            let retry_after = crate::retry::retry_after(&headers);
            let body = crate::net::read_limited(response, MAX_TOKEN_RESPONSE)
                .await
                .map_err(HttpFailure::Transport)?
                .to_vec();
            let json = serde_json::from_slice::<serde_json::Value>(&body).ok();
            let is_object = json.as_ref().is_some_and(|v| v.is_object());
            if status == http::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                let aad = json
                    .filter(|v| v.get("error").is_some())
                    .and_then(|v| serde_json::from_value::<AadError>(v).ok());
                return Err(HttpFailure::Status {
                    status,
                    retry_after,
                    aad,
                    what: describe_body(&headers, &body),
                });
            }
            if !is_object {
                return Err(HttpFailure::NotJson {
                    status,
                    what: describe_body(&headers, &body),
                });
            }
            let mut out = http::Response::builder()
                .status(status)
                .body(body)
                .map_err(|_| HttpFailure::NotJson {
                    status,
                    what: "a response that could not be rebuilt".into(),
                })?;
            *out.headers_mut() = headers;
            // The body is a JSON object; say so whatever a proxy claimed.
            out.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            Ok(out)
        })
    }
}

/// Says what a non-token body is without showing anything secret.
fn describe_body(headers: &http::HeaderMap, body: &[u8]) -> String {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type");
    if body.is_empty() {
        return format!("an empty body ({content_type})");
    }
    let text = String::from_utf8_lossy(body);
    if crate::net::looks_like_html(&text) {
        let title = crate::net::html_title(&text)
            .map(|t| format!(" titled \"{t}\""))
            .unwrap_or_default();
        return format!("an HTML page{title} ({content_type}) instead of JSON");
    }
    format!(
        "{} bytes that are not a JSON object ({content_type})",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_responses_with_string_or_number_durations() {
        let v1 = r#"{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599","expires_on":"1700000000","not_before":"1699996100","resource":"https://api.partner.microsoft.com","access_token":"tok"}"#;
        let v2 = r#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"tok"}"#;
        for body in [v1, v2] {
            let parsed: AadTokenResponse = serde_json::from_str(body).unwrap();
            assert_eq!(parsed.expires_in, Some(3599));
            assert_eq!(parsed.access_token.secret(), "tok");
        }
    }

    #[test]
    fn tenant_ids() {
        assert!(validate_tenant_id("72f988bf-86f1-41af-91ab-2d7cd011db47").is_ok());
        assert!(validate_tenant_id("contoso.onmicrosoft.com").is_ok());
        assert!(validate_tenant_id("common").is_err());
        assert!(validate_tenant_id("").is_err());
        assert!(validate_tenant_id("a/b").is_err());
        assert!(validate_tenant_id("72f988bf-86f1-41af-91ab-2d7cd011db4").is_err());
    }

    #[test]
    fn authority_hosts() {
        assert_eq!(
            Cloud::from_authority_host("https://login.microsoftonline.us/").unwrap(),
            Cloud::UsGovernment
        );
        assert!(matches!(
            Cloud::from_authority_host("http://127.0.0.1:8080").unwrap(),
            Cloud::Custom(_)
        ));
        let e = Cloud::from_authority_host("http://login.example.com").unwrap_err();
        assert!(e.to_string().contains("https"), "{e}");
        assert!(Cloud::from_authority_host("login.microsoftonline.com").is_err());
    }

    #[test]
    fn aad_errors_name_the_code_and_the_fix() {
        let body = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: x","error_codes":[7000215],"timestamp":"x","trace_id":"t-1","correlation_id":"c-1"}"#;
        let e: AadError = serde_json::from_str(body).unwrap();
        let shown = e.to_string();
        assert!(shown.contains("AADSTS7000215"), "{shown}");
        assert!(shown.contains("Secret ID"), "{shown}");
        assert!(shown.contains("t-1") && shown.contains("c-1"), "{shown}");
        assert!(!shown.contains("Trace ID: t\r"), "{shown}");
    }
}
