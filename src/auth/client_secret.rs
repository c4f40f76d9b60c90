//! The client-credentials grant of an app registration, with a client secret.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use url::Url;

use super::cache::{TokenCache, TokenSource};
use super::env::{vars, Environment};
use super::grant::{grant_options_methods, ClientAuth, Grant, GrantOptions};
use super::{AccessToken, AuthError, Cloud, TokenCredential};
use crate::secret::Secret;

/// The client-credentials grant of an app registration with a client
/// secret, with a token cache.
///
/// Build it with [`ClientSecretCredential::builder`] or read it from the
/// environment with [`ClientSecretCredential::from_env`]. Cloning is cheap
/// and clones share the cache.
///
/// ```no_run
/// use partner_center_ingestion::{auth::ClientSecretCredential, Client};
///
/// // AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
/// let credential = ClientSecretCredential::from_env()?;
/// let client = Client::builder(credential).build()?;
/// # Ok::<(), partner_center_ingestion::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientSecretCredential {
    inner: Arc<SecretSource>,
    cache: Arc<TokenCache>,
}

struct SecretSource {
    grant: Grant,
    secret: Secret,
}

impl TokenSource for SecretSource {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(
            self.grant
                .request(|| async { Ok(ClientAuth::Secret(self.secret.clone())) }),
        )
    }
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let grant = &self.inner.grant;
        f.debug_struct("ClientSecretCredential")
            .field("tenant_id", &grant.tenant_id)
            .field("client_id", &grant.client_id)
            .field("client_secret", &"REDACTED")
            .field("token_url", &grant.token_url.as_str())
            .finish()
    }
}

/// Builds a [`ClientSecretCredential`].
#[derive(Clone)]
pub struct ClientSecretCredentialBuilder {
    tenant_id: String,
    client_id: String,
    client_secret: Secret,
    options: GrantOptions,
}

impl fmt::Debug for ClientSecretCredentialBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredentialBuilder")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("options", &self.options)
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
            options: GrantOptions::default(),
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
        Self::builder_from_environment(&Environment::process())
    }

    /// Like [`builder_from_env`](Self::builder_from_env), reading `env`.
    pub fn builder_from_environment(
        env: &Environment,
    ) -> Result<ClientSecretCredentialBuilder, AuthError> {
        let (tenant, client) = app_ids(env)?;
        let secret = env.require(
            vars::CLIENT_SECRET,
            "a client secret value of the app registration",
        )?;
        Ok(Self::builder(tenant, client, secret).cloud(cloud_from_env(env)?))
    }

    /// The token endpoint this credential calls.
    pub fn token_url(&self) -> &Url {
        &self.inner.grant.token_url
    }
}

/// `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`.
pub(super) fn app_ids(env: &Environment) -> Result<(String, String), AuthError> {
    let tenant = env.require(
        vars::TENANT_ID,
        "the directory (tenant) id of the app registration",
    )?;
    let client = env.require(
        vars::CLIENT_ID,
        "the application (client) id of the app registration",
    )?;
    Ok((tenant, client))
}

/// The cloud named by `AZURE_AUTHORITY_HOST` (default: public).
pub(super) fn cloud_from_env(env: &Environment) -> Result<Cloud, AuthError> {
    match env.get(vars::AUTHORITY_HOST) {
        Some(host) => Cloud::from_authority_host(&host),
        None => Ok(Cloud::Public),
    }
}

impl ClientSecretCredentialBuilder {
    grant_options_methods!();

    /// Checks the configuration and builds the credential.
    pub fn build(self) -> Result<ClientSecretCredential, AuthError> {
        if self.client_secret.expose().is_empty() {
            return Err(AuthError::InvalidConfig(
                "the client secret is empty".into(),
            ));
        }
        let grant = Grant::new(&self.tenant_id, &self.client_id, &self.options)?;
        let inner = Arc::new(SecretSource {
            grant,
            secret: self.client_secret,
        });
        let cache = TokenCache::of(
            self.options.renew_before_expiry,
            self.options.retry.clone(),
            Arc::clone(&inner),
        );
        Ok(ClientSecretCredential {
            inner,
            cache: Arc::new(cache),
        })
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.cache.get())
    }

    fn token_rejected(&self, token: &AccessToken) {
        self.cache.forget(token);
    }
}
