//! Managed identities of Azure resources: the Instance Metadata Service
//! (VMs, scale sets, AKS, Arc) and the identity endpoint of App Service,
//! Functions and Container Apps.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Deserialize;
use url::Url;

use super::cache::{TokenCache, TokenSource};
use super::env::{vars, Environment};
use super::error::lenient_seconds;
use super::grant::{http_client, DEFAULT_LIFETIME};
use super::{AadError, AccessToken, AuthError, TokenCredential, PARTNER_CENTER_RESOURCE};
use crate::net::check_secure;
use crate::retry::{Outcome, RetryPolicy};
use crate::secret::Secret;

/// The Instance Metadata Service's address.
pub const IMDS_HOST: &str = "http://169.254.169.254";
const IMDS_PATH: &str = "/metadata/identity/oauth2/token";
const IMDS_API_VERSION: &str = "2018-02-01";
const APP_SERVICE_API_VERSION: &str = "2019-08-01";

/// Which managed identity to ask a token of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManagedIdentityId {
    /// The resource's system-assigned identity (the default).
    #[default]
    SystemAssigned,
    /// A user-assigned identity, by its client id.
    ClientId(String),
    /// A user-assigned identity, by its Azure resource id.
    ResourceId(String),
}

/// Where the managed identity's tokens come from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManagedIdentityEndpoint {
    /// The Instance Metadata Service at this base URL (default
    /// `http://169.254.169.254`, or `AZURE_POD_IDENTITY_AUTHORITY_HOST`).
    Imds(Url),
    /// The identity endpoint of App Service, Functions or Container Apps
    /// (`IDENTITY_ENDPOINT`), with its `IDENTITY_HEADER` secret.
    AppService {
        /// `IDENTITY_ENDPOINT`.
        endpoint: Url,
        /// `IDENTITY_HEADER`.
        header: Secret,
    },
}

/// A credential for the managed identity of the Azure resource the program
/// runs on: the Instance Metadata Service (with `Metadata: true`, retrying
/// 404, 410, 429 and 5xx as IMDS asks), or the App Service / Functions /
/// Container Apps identity endpoint (`IDENTITY_ENDPOINT` and
/// `IDENTITY_HEADER`). System-assigned by default, or a user-assigned
/// identity by client id or resource id. Tokens are cached and renewed
/// ahead of expiry.
///
/// ```no_run
/// use partner_center_ingestion::auth::{ManagedIdentityCredential, ManagedIdentityId};
/// use partner_center_ingestion::Client;
///
/// // System-assigned, endpoint from the environment:
/// let credential = ManagedIdentityCredential::from_env()?;
/// // A user-assigned identity:
/// let credential = ManagedIdentityCredential::builder()
///     .identity(ManagedIdentityId::ClientId("00000000-0000-0000-0000-000000000002".into()))
///     .build()?;
/// let client = Client::builder(credential).build()?;
/// # Ok::<(), partner_center_ingestion::Error>(())
/// ```
#[derive(Clone)]
pub struct ManagedIdentityCredential {
    inner: Arc<IdentitySource>,
    cache: Arc<TokenCache>,
}

struct IdentitySource {
    endpoint: ManagedIdentityEndpoint,
    identity: ManagedIdentityId,
    resource: String,
    http: reqwest::Client,
    retry: RetryPolicy,
    /// Set in the default chain: IMDS is first probed with this timeout.
    probe: Option<(Duration, reqwest::Client)>,
    probed: AtomicBool,
}

impl fmt::Debug for ManagedIdentityCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = match &self.inner.endpoint {
            ManagedIdentityEndpoint::Imds(url) => format!("IMDS at {url}"),
            ManagedIdentityEndpoint::AppService { endpoint, .. } => {
                format!("App Service endpoint {endpoint}")
            }
        };
        f.debug_struct("ManagedIdentityCredential")
            .field("endpoint", &endpoint)
            .field("identity", &self.inner.identity)
            .finish()
    }
}

/// Builds a [`ManagedIdentityCredential`].
#[derive(Clone, Debug)]
pub struct ManagedIdentityCredentialBuilder {
    endpoint: Option<ManagedIdentityEndpoint>,
    identity: ManagedIdentityId,
    resource: String,
    timeout: Duration,
    retry: RetryPolicy,
    probe_timeout: Option<Duration>,
    renew_before_expiry: Duration,
}

impl ManagedIdentityCredential {
    /// Starts a credential for the system-assigned identity, at IMDS's
    /// usual address unless set otherwise.
    pub fn builder() -> ManagedIdentityCredentialBuilder {
        ManagedIdentityCredentialBuilder {
            endpoint: None,
            identity: ManagedIdentityId::SystemAssigned,
            resource: PARTNER_CENTER_RESOURCE.to_string(),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy {
                max_attempts: 6,
                initial_delay: Duration::from_millis(800),
                max_delay: Duration::from_secs(30),
                max_retry_after: Duration::from_secs(60),
                budget: Duration::from_secs(120),
            },
            probe_timeout: None,
            renew_before_expiry: Duration::from_secs(5 * 60),
        }
    }

    /// Reads the process environment: see
    /// [`builder_from_environment`](Self::builder_from_environment).
    pub fn from_env() -> Result<Self, AuthError> {
        Self::builder_from_environment(&Environment::process())?.build()
    }

    /// The endpoint from `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` when
    /// both are set (App Service, Functions, Container Apps), else IMDS at
    /// `AZURE_POD_IDENTITY_AUTHORITY_HOST` or its usual address; a
    /// user-assigned identity's client id from `AZURE_CLIENT_ID`.
    pub fn builder_from_environment(
        env: &Environment,
    ) -> Result<ManagedIdentityCredentialBuilder, AuthError> {
        let mut builder = Self::builder();
        if let (Some(endpoint), Some(header)) = (
            env.get(vars::IDENTITY_ENDPOINT),
            env.get(vars::IDENTITY_HEADER),
        ) {
            builder = builder
                .app_service_endpoint(parse_url(&endpoint, vars::IDENTITY_ENDPOINT)?, header);
        } else if let Some(host) = env.get(vars::POD_IDENTITY_AUTHORITY_HOST) {
            builder = builder.imds_endpoint(parse_url(&host, vars::POD_IDENTITY_AUTHORITY_HOST)?);
        }
        if let Some(client) = env.get(vars::CLIENT_ID) {
            builder = builder.identity(ManagedIdentityId::ClientId(client));
        }
        Ok(builder)
    }
}

fn parse_url(text: &str, what: &str) -> Result<Url, AuthError> {
    Url::parse(text.trim())
        .map_err(|e| AuthError::InvalidConfig(format!("{what} `{text}` is not a URL ({e})")))
}

impl ManagedIdentityCredentialBuilder {
    /// Which identity (default: system-assigned).
    pub fn identity(mut self, identity: ManagedIdentityId) -> Self {
        self.identity = identity;
        self
    }

    /// Asks the Instance Metadata Service at `base` (such as
    /// `http://169.254.169.254`, or a loopback stand-in in tests).
    pub fn imds_endpoint(mut self, base: Url) -> Self {
        self.endpoint = Some(ManagedIdentityEndpoint::Imds(base));
        self
    }

    /// Asks the App Service / Functions / Container Apps identity endpoint.
    pub fn app_service_endpoint(mut self, endpoint: Url, header: impl Into<Secret>) -> Self {
        self.endpoint = Some(ManagedIdentityEndpoint::AppService {
            endpoint,
            header: header.into(),
        });
        self
    }

    /// The resource tokens are for (default: `https://api.partner.microsoft.com`).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = resource.into();
        self
    }

    /// Timeout of one token request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How failed requests are retried (default: six tries from 800 ms,
    /// two minutes in all; a 410 waits at least 10 s per try, or the
    /// policy's longest delay if that is shorter, as IMDS asks during its
    /// updates).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// First checks, with this short timeout, that IMDS answers at all; if
    /// it does not, the credential is unavailable at once instead of
    /// waiting and retrying. The default chain sets one second.
    pub fn probe_timeout(mut self, timeout: Duration) -> Self {
        self.probe_timeout = Some(timeout);
        self
    }

    /// How long before expiry a token is renewed (default 5 minutes).
    pub fn renew_before_expiry(mut self, margin: Duration) -> Self {
        self.renew_before_expiry = margin;
        self
    }

    /// Checks the configuration and builds the credential.
    pub fn build(self) -> Result<ManagedIdentityCredential, AuthError> {
        let endpoint = match self.endpoint {
            Some(endpoint) => endpoint,
            None => ManagedIdentityEndpoint::Imds(
                Url::parse(IMDS_HOST).map_err(|e| AuthError::InvalidConfig(e.to_string()))?,
            ),
        };
        if let ManagedIdentityEndpoint::AppService { endpoint, .. } = &endpoint {
            check_secure(endpoint, "IDENTITY_ENDPOINT")
                .or_else(|e| {
                    if is_link_local(endpoint) {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })
                .map_err(AuthError::InvalidConfig)?;
        }
        let probe = match (&endpoint, self.probe_timeout) {
            (ManagedIdentityEndpoint::Imds(_), Some(timeout)) => {
                Some((timeout, http_client(timeout)?))
            }
            _ => None,
        };
        let inner = Arc::new(IdentitySource {
            endpoint,
            identity: self.identity,
            resource: self.resource,
            http: http_client(self.timeout)?,
            retry: self.retry.clone(),
            probe,
            probed: AtomicBool::new(false),
        });
        let cache = TokenCache::of(self.renew_before_expiry, self.retry, Arc::clone(&inner));
        Ok(ManagedIdentityCredential {
            inner,
            cache: Arc::new(cache),
        })
    }
}

/// App Service's endpoint is plain http on a local address.
fn is_link_local(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_link_local() || ip.is_private(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        _ => false,
    }
}

/// The answer of IMDS and of the App Service endpoint.
#[derive(Deserialize)]
struct IdentityToken {
    access_token: Secret,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_on: Option<u64>,
}

impl IdentitySource {
    fn request(&self) -> (reqwest::RequestBuilder, String) {
        let (mut url, api_version) = match &self.endpoint {
            ManagedIdentityEndpoint::Imds(base) => {
                let mut url = base.clone();
                url.set_path(IMDS_PATH);
                (url, IMDS_API_VERSION)
            }
            ManagedIdentityEndpoint::AppService { endpoint, .. } => {
                (endpoint.clone(), APP_SERVICE_API_VERSION)
            }
        };
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("api-version", api_version)
                .append_pair("resource", &self.resource);
            match &self.identity {
                ManagedIdentityId::SystemAssigned => {}
                ManagedIdentityId::ClientId(id) => {
                    query.append_pair("client_id", id);
                }
                ManagedIdentityId::ResourceId(id) => {
                    let name = match self.endpoint {
                        ManagedIdentityEndpoint::Imds(_) => "msi_res_id",
                        ManagedIdentityEndpoint::AppService { .. } => "mi_res_id",
                    };
                    query.append_pair(name, id);
                }
            }
        }
        let shown = format!(
            "{}://{}{}",
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.path()
        );
        let request = self.http.get(url);
        let request = match &self.endpoint {
            ManagedIdentityEndpoint::Imds(_) => request.header("Metadata", "true"),
            ManagedIdentityEndpoint::AppService { header, .. } => {
                request.header("X-IDENTITY-HEADER", header.expose())
            }
        };
        (request, shown)
    }

    /// Whether IMDS answers at all, within the probe's timeout.
    async fn probe(&self) -> Result<(), AuthError> {
        let Some((timeout, client)) = &self.probe else {
            return Ok(());
        };
        if self.probed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let (request, shown) = self.request();
        let Ok(request) = request.build() else {
            return Ok(());
        };
        // Without `Metadata: true` IMDS answers 400 at once: enough to know
        // that it is there.
        let probe = client.get(request.url().clone());
        match probe.send().await {
            Ok(_) => {
                self.probed.store(true, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => Err(AuthError::Unavailable(format!(
                "no managed identity endpoint answered at {shown} within {} ms ({}); on Azure, enable a managed identity on the resource",
                timeout.as_millis(),
                if e.is_timeout() { "timed out" } else { "no connection" }
            ))),
        }
    }

    async fn fetch_token(&self) -> Result<AccessToken, AuthError> {
        self.probe().await?;
        crate::retry::drive(&self.retry, "managed identity token request", |attempt| async move {
            let (request, shown) = self.request();
            tracing::debug!(url = %shown, attempt, "asking the managed identity endpoint for a token");
            let (error, status, retry_after) = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = crate::retry::retry_after(response.headers());
                    let body = crate::net::read_limited(response, 64 * 1024)
                        .await
                        .unwrap_or_default();
                    if status.is_success() {
                        let Ok(token) = serde_json::from_slice::<IdentityToken>(&body) else {
                            return Outcome::Done(Err(AuthError::Credential(format!(
                                "the managed identity endpoint {shown} answered {status} with something that is not a token response"
                            ))));
                        };
                        let lifetime = lifetime(&token);
                        tracing::debug!(url = %shown, expires_in_s = lifetime.as_secs(), "managed identity token obtained");
                        return Outcome::Done(Ok(AccessToken::new(token.access_token, lifetime)));
                    }
                    (failure(&shown, status, &body), Some(status), retry_after)
                }
                Err(e) => {
                    let retryable = e.is_connect() || e.is_timeout();
                    let error = AuthError::Transport {
                        endpoint: shown.clone(),
                        source: Arc::new(e),
                    };
                    if !retryable {
                        return Outcome::Done(Err(error));
                    }
                    (error, None, None)
                }
            };
            // IMDS's own rules: 404 (identity not yet assigned), 410 (being
            // updated: it asks for 70 s of patience), 429 and 5xx are retried.
            let retryable =
                status.is_none_or(|s| matches!(s.as_u16(), 404 | 410 | 429) || s.is_server_error());
            if !retryable {
                return Outcome::Done(Err(error));
            }
            let retry_after = if status.is_some_and(|s| s.as_u16() == 410) {
                Some(retry_after.unwrap_or_default().max(Duration::from_secs(10).min(self.retry.max_delay)))
            } else {
                retry_after
            };
            tracing::debug!(url = %shown, attempt, error = %error, "managed identity token request failed; it may be retried");
            let reason = error.to_string();
            Outcome::Retry {
                error,
                retry_after,
                reason,
            }
        })
        .await
        .map_err(|stopped| stopped.error)
        .and_then(|r| r)
    }
}

fn lifetime(token: &IdentityToken) -> Duration {
    if let Some(seconds) = token.expires_in {
        return Duration::from_secs(seconds);
    }
    if let Some(at) = token.expires_on {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        return Duration::from_secs(at.saturating_sub(now));
    }
    DEFAULT_LIFETIME
}

fn failure(endpoint: &str, status: http::StatusCode, body: &[u8]) -> AuthError {
    if let Ok(aad) = serde_json::from_slice::<AadError>(body) {
        if !aad.error.is_empty() {
            return AuthError::Rejected(Box::new(aad));
        }
    }
    let text = String::from_utf8_lossy(body);
    let what = if text.trim().is_empty() {
        "an empty body".to_string()
    } else {
        crate::sensitive::shown(&text, 200)
    };
    let hint = match status.as_u16() {
        400 if endpoint.contains(IMDS_PATH) => {
            "; is the identity (AZURE_CLIENT_ID) assigned to this resource?"
        }
        404 => "; the identity may not be assigned to this resource yet",
        _ => "",
    };
    AuthError::Credential(format!(
        "the managed identity endpoint {endpoint} answered {status} with {what}{hint}"
    ))
}

impl TokenSource for IdentitySource {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.fetch_token())
    }
}

impl TokenCredential for ManagedIdentityCredential {
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.cache.get())
    }

    fn token_rejected(&self, token: &AccessToken) {
        self.cache.forget(token);
    }
}
