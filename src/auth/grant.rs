//! The client-credentials grant that the app credentials share: a client
//! secret, a certificate's signed assertion, or a federated token.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use oauth2::{AuthType, ClientId, ClientSecret, Scope, TokenUrl};
use serde::{Deserialize, Serialize};
use url::Url;

use super::error::lenient_seconds;
use super::token_http::{HttpFailure, TokenHttp};
use super::PARTNER_CENTER_RESOURCE;
use super::{AadError, AccessToken, AuthError, Cloud, TokenEndpoint};
use crate::net::check_secure;
use crate::retry::{Outcome, RetryPolicy};
use crate::secret::Secret;
use crate::sensitive::truncate;

/// The `client_assertion_type` of a signed JWT.
pub(super) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Azure AD's token response. The v1 endpoint writes the durations as JSON
/// strings (`"3599"`), the v2 endpoint as numbers; both are read.
#[derive(Debug, Deserialize, Serialize)]
pub(super) struct AadTokenResponse {
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
pub(super) const DEFAULT_LIFETIME: Duration = Duration::from_secs(10 * 60);

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

/// The settings every app credential shares: where the token comes from
/// and how it is renewed and retried.
#[derive(Clone, Debug)]
pub(super) struct GrantOptions {
    pub(super) cloud: Cloud,
    pub(super) endpoint: TokenEndpoint,
    pub(super) resource: String,
    pub(super) renew_before_expiry: Duration,
    pub(super) timeout: Duration,
    pub(super) retry: RetryPolicy,
}

impl Default for GrantOptions {
    fn default() -> Self {
        GrantOptions {
            cloud: Cloud::Public,
            endpoint: TokenEndpoint::V1,
            resource: PARTNER_CENTER_RESOURCE.to_string(),
            renew_before_expiry: Duration::from_secs(5 * 60),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::token_endpoint(),
        }
    }
}

/// The builder methods of [`GrantOptions`], the same on every app
/// credential's builder (which holds them as `options`).
macro_rules! grant_options_methods {
    () => {
        /// The cloud whose Azure AD issues the token (default: public).
        pub fn cloud(mut self, cloud: $crate::auth::Cloud) -> Self {
            self.options.cloud = cloud;
            self
        }

        /// The token endpoint version (default: v1).
        pub fn token_endpoint(mut self, endpoint: $crate::auth::TokenEndpoint) -> Self {
            self.options.endpoint = endpoint;
            self
        }

        /// The resource tokens are for (default: `https://api.partner.microsoft.com`).
        pub fn resource(mut self, resource: impl Into<String>) -> Self {
            self.options.resource = resource.into();
            self
        }

        /// How long before expiry a token is renewed (default: 5 minutes;
        /// never more than half the token's lifetime).
        pub fn renew_before_expiry(mut self, margin: std::time::Duration) -> Self {
            self.options.renew_before_expiry = margin;
            self
        }

        /// Timeout of one token request (default: 30 s).
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options.timeout = timeout;
            self
        }

        /// How many times a token request is tried when the endpoint
        /// throttles or fails (default: 4), and the first delay between
        /// tries (default: 500 ms, doubling with jitter).
        pub fn retries(mut self, max_attempts: u32, initial_delay: std::time::Duration) -> Self {
            self.options.retry.max_attempts = max_attempts.max(1);
            self.options.retry.initial_delay = initial_delay;
            self
        }

        /// The whole retry policy of token requests (default: four tries,
        /// 500 ms doubling to 10 s, at most 30 s from `Retry-After`, one
        /// minute in all). The token cache also waits as it says before
        /// trying again after a failed renewal.
        pub fn retry_policy(mut self, policy: $crate::retry::RetryPolicy) -> Self {
            self.options.retry = policy;
            self
        }
    };
}
pub(super) use grant_options_methods;

/// How the app proves who it is.
pub(super) enum ClientAuth {
    /// A client secret's value.
    Secret(Secret),
    /// A signed JWT: the certificate's own, or a federated token.
    Assertion(Secret),
}

/// The token request of one app: its token endpoint, HTTP client and
/// retry policy.
pub(super) struct Grant {
    pub(super) tenant_id: String,
    pub(super) client_id: String,
    pub(super) token_url: Url,
    endpoint: TokenEndpoint,
    resource: String,
    http: TokenHttp,
    pub(super) retry: RetryPolicy,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("token_url", &self.token_url.as_str())
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl Grant {
    /// Checks the ids and builds the token URL and the HTTP client.
    pub(super) fn new(
        tenant_id: &str,
        client_id: &str,
        options: &GrantOptions,
    ) -> Result<Grant, AuthError> {
        validate_tenant_id(tenant_id)?;
        if client_id.trim().is_empty() {
            return Err(AuthError::InvalidConfig("the client id is empty".into()));
        }
        let authority = options.cloud.authority_host();
        check_secure(&authority, "the authority host").map_err(AuthError::InvalidConfig)?;
        let path = match options.endpoint {
            TokenEndpoint::V1 => "oauth2/token",
            TokenEndpoint::V2 => "oauth2/v2.0/token",
        };
        let token_url = format!(
            "{}/{}/{path}",
            authority.as_str().trim_end_matches('/'),
            tenant_id.trim()
        );
        let token_url = Url::parse(&token_url)
            .map_err(|e| AuthError::InvalidConfig(format!("cannot build the token URL: {e}")))?;
        Ok(Grant {
            tenant_id: tenant_id.trim().to_string(),
            client_id: client_id.trim().to_string(),
            token_url,
            endpoint: options.endpoint,
            resource: options.resource.clone(),
            http: TokenHttp {
                client: http_client(options.timeout)?,
            },
            retry: options.retry.clone(),
        })
    }

    /// Asks for a token, retrying throttling and outages as the policy
    /// says. `auth` is called for every try, so that an assertion is fresh.
    pub(super) async fn request<F, Fut>(&self, auth: F) -> Result<AccessToken, AuthError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<ClientAuth, AuthError>>,
    {
        let endpoint = self.token_url.to_string();
        let (endpoint, auth) = (&endpoint, &auth);
        crate::retry::drive(&self.retry, "token request", |attempt| async move {
            let oauth = oauth2::Client::<
                AadError,
                AadTokenResponse,
                oauth2::basic::BasicTokenIntrospectionResponse,
                oauth2::StandardRevocableToken,
                oauth2::basic::BasicRevocationErrorResponse,
            >::new(ClientId::new(self.client_id.clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(TokenUrl::from_url(self.token_url.clone()));
            let client_auth = match auth().await {
                Ok(a) => a,
                Err(e) => return Outcome::Done(Err(e)),
            };
            let result = match client_auth {
                ClientAuth::Secret(secret) => {
                    let oauth = oauth.set_client_secret(ClientSecret::new(secret.expose().into()));
                    let request = self.scoped(oauth.exchange_client_credentials());
                    tracing::debug!(token_url = %endpoint, attempt, "requesting a token");
                    request.request_async(&self.http).await
                }
                ClientAuth::Assertion(assertion) => {
                    let request = oauth
                        .exchange_client_credentials()
                        .add_extra_param("client_assertion_type", JWT_BEARER)
                        .add_extra_param("client_assertion", assertion.expose().to_string());
                    let request = self.scoped(request);
                    tracing::debug!(token_url = %endpoint, attempt, "requesting a token with a client assertion");
                    request.request_async(&self.http).await
                }
            };
            let failure = match result {
                Ok(response) => {
                    let lifetime = response
                        .expires_in
                        .map(Duration::from_secs)
                        .unwrap_or(DEFAULT_LIFETIME);
                    tracing::debug!(token_url = %endpoint, attempt, expires_in_s = lifetime.as_secs(), "token obtained");
                    let secret = Secret::new(response.access_token.secret().clone());
                    return Outcome::Done(Ok(AccessToken::new(secret, lifetime)));
                }
                Err(e) => e,
            };
            match token_failure(endpoint, failure) {
                (error, Some(retry_after)) => {
                    tracing::debug!(token_url = %endpoint, attempt, error = %error, "token request failed; it may be retried");
                    let reason = error.to_string();
                    Outcome::Retry {
                        error,
                        retry_after,
                        reason,
                    }
                }
                (error, None) => {
                    tracing::debug!(token_url = %endpoint, attempt, error = %error, "token request failed");
                    Outcome::Done(Err(error))
                }
            }
        })
        .await
        .map_err(|stopped| stopped.error)
        .and_then(|r| r)
    }

    fn scoped<'a>(
        &self,
        request: oauth2::ClientCredentialsTokenRequest<'a, AadError, AadTokenResponse>,
    ) -> oauth2::ClientCredentialsTokenRequest<'a, AadError, AadTokenResponse> {
        match self.endpoint {
            TokenEndpoint::V1 => request.add_extra_param("resource", self.resource.clone()),
            TokenEndpoint::V2 => request.add_scope(Scope::new(format!(
                "{}/.default",
                self.resource.trim_end_matches('/')
            ))),
        }
    }
}

/// The HTTP client of token requests: redirects off, our `User-Agent`.
pub(super) fn http_client(timeout: Duration) -> Result<reqwest::Client, AuthError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(crate::net::USER_AGENT)
        .build()
        .map_err(|e| AuthError::InvalidConfig(format!("cannot build the HTTP client: {e}")))
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
