//! The client-credentials grant of an app registration.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use oauth2::{AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, Scope, TokenUrl};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use url::Url;

use super::cache::TokenCache;
use super::error::lenient_seconds;
use super::token_http::{HttpFailure, TokenHttp};
use super::PARTNER_CENTER_RESOURCE;
use super::{AadError, AccessToken, AuthError, Cloud, TokenCredential, TokenEndpoint};
use crate::net::check_secure;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::sensitive::truncate;

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

/// How long a token without a stated lifetime is trusted.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(10 * 60);

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
    retry: RetryPolicy,
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
    retry: RetryPolicy,
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
            retry: RetryPolicy::token_endpoint(),
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
            if retryable && inner.retry.allows(attempt, started.elapsed(), delay) {
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
        self.retry.initial_delay = initial_delay;
        self
    }

    /// The whole retry policy of token requests (default: four tries,
    /// 500 ms doubling to 10 s, at most 30 s from `Retry-After`, one minute
    /// in all). The token cache also waits as it says before trying again
    /// after a failed renewal.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
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
                retry: self.retry.clone(),
                cache: TokenCache::new(
                    margin,
                    self.retry.clone(),
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
}
