//! Workload identity federation: the app's token is obtained with a token
//! that another identity provider issued (Kubernetes, GitHub Actions, Azure
//! Pipelines), which Azure AD trusts through a federated credential.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;
use url::Url;

use super::cache::{TokenCache, TokenSource};
use super::client_secret::cloud_from_env;
use super::env::{vars, Environment};
use super::grant::{grant_options_methods, ClientAuth, Grant, GrantOptions};
use super::oidc::{self, OidcClient};
use super::{AccessToken, AuthError, TokenCredential};
use crate::secret::Secret;

/// The audience Azure AD expects of federated tokens (public cloud).
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Where a [`WorkloadIdentityCredential`] gets the federated token it
/// presents to Azure AD. A new one is obtained for every token request.
#[derive(Clone)]
#[non_exhaustive]
pub enum FederatedTokenSource {
    /// A file holding the token, read again every time (it is rotated):
    /// `AZURE_FEDERATED_TOKEN_FILE`, as Azure Workload Identity on
    /// Kubernetes sets it, or any file a pipeline step writes.
    File(PathBuf),
    /// The OIDC token service of a GitHub Actions job
    /// (`permissions: id-token: write`).
    GitHubActions {
        /// `ACTIONS_ID_TOKEN_REQUEST_URL`.
        request_url: String,
        /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
        request_token: Secret,
    },
    /// The OIDC token service of an Azure Pipelines job, for a service
    /// connection that uses workload identity federation.
    AzurePipelines {
        /// `SYSTEM_OIDCREQUESTURI`.
        oidc_request_uri: String,
        /// The service connection's id.
        service_connection_id: String,
        /// `SYSTEM_ACCESSTOKEN` (map `$(System.AccessToken)` into the step's
        /// environment).
        access_token: Secret,
    },
}

impl FederatedTokenSource {
    /// A short name for messages: `token file`, `GitHub Actions`, `Azure Pipelines`.
    pub fn name(&self) -> &'static str {
        match self {
            FederatedTokenSource::File(_) => "token file",
            FederatedTokenSource::GitHubActions { .. } => "GitHub Actions",
            FederatedTokenSource::AzurePipelines { .. } => "Azure Pipelines",
        }
    }
}

impl fmt::Debug for FederatedTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FederatedTokenSource::File(path) => f.debug_tuple("File").field(path).finish(),
            FederatedTokenSource::GitHubActions {
                request_url,
                request_token,
            } => f
                .debug_struct("GitHubActions")
                .field("request_url", &crate::sensitive::redact(request_url))
                .field("request_token", request_token)
                .finish(),
            FederatedTokenSource::AzurePipelines {
                oidc_request_uri,
                service_connection_id,
                access_token,
            } => f
                .debug_struct("AzurePipelines")
                .field(
                    "oidc_request_uri",
                    &crate::sensitive::redact(oidc_request_uri),
                )
                .field("service_connection_id", service_connection_id)
                .field("access_token", access_token)
                .finish(),
        }
    }
}

/// The client-credentials grant of an app registration with a federated
/// credential: the app presents a token from a trusted identity provider
/// (a Kubernetes service account token file, GitHub Actions' or Azure
/// Pipelines' OIDC token) instead of a secret. A fresh federated token is
/// obtained whenever the Azure AD token is renewed; tokens are cached and
/// renewed ahead of expiry.
///
/// ```no_run
/// use partner_center_ingestion::auth::{FederatedTokenSource, WorkloadIdentityCredential};
/// use partner_center_ingestion::Client;
///
/// // In a GitHub Actions job with `permissions: id-token: write` and
/// // AZURE_TENANT_ID, AZURE_CLIENT_ID set; or with
/// // AZURE_FEDERATED_TOKEN_FILE; or in an Azure Pipelines task with
/// // SYSTEM_ACCESSTOKEN and AZURE_SERVICE_CONNECTION_ID.
/// let credential = WorkloadIdentityCredential::from_env()?;
/// // Or explicitly:
/// let credential = WorkloadIdentityCredential::builder(
///     "contoso.onmicrosoft.com",
///     "00000000-0000-0000-0000-000000000001",
///     FederatedTokenSource::File("/var/run/secrets/azure/tokens/azure-identity-token".into()),
/// )
/// .build()?;
/// let client = Client::builder(credential).build()?;
/// # Ok::<(), partner_center_ingestion::Error>(())
/// ```
#[derive(Clone)]
pub struct WorkloadIdentityCredential {
    inner: Arc<FederatedSource>,
    cache: Arc<TokenCache>,
}

struct FederatedSource {
    grant: Grant,
    source: FederatedTokenSource,
    audience: String,
    oidc: OidcClient,
}

impl FederatedSource {
    async fn federated_token(&self) -> Result<Secret, AuthError> {
        let token = match &self.source {
            FederatedTokenSource::File(path) => {
                let text = tokio::fs::read_to_string(path).await.map_err(|e| {
                    AuthError::Credential(format!(
                        "cannot read the federated token file {} ({e}); AZURE_FEDERATED_TOKEN_FILE must name a file that holds the token",
                        path.display()
                    ))
                })?;
                Secret::new(text.trim().to_string())
            }
            FederatedTokenSource::GitHubActions {
                request_url,
                request_token,
            } => {
                self.oidc
                    .github(request_url, request_token, &self.audience)
                    .await?
            }
            FederatedTokenSource::AzurePipelines {
                oidc_request_uri,
                service_connection_id,
                access_token,
            } => {
                self.oidc
                    .pipelines(oidc_request_uri, service_connection_id, access_token)
                    .await?
            }
        };
        if token.expose().is_empty() {
            return Err(AuthError::Credential(format!(
                "the federated token from {} is empty",
                self.source.name()
            )));
        }
        tracing::debug!(source = self.source.name(), "federated token obtained");
        Ok(token)
    }
}

impl TokenSource for FederatedSource {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(
            self.grant
                .request(|| async { self.federated_token().await.map(ClientAuth::Assertion) }),
        )
    }
}

impl fmt::Debug for WorkloadIdentityCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let grant = &self.inner.grant;
        f.debug_struct("WorkloadIdentityCredential")
            .field("tenant_id", &grant.tenant_id)
            .field("client_id", &grant.client_id)
            .field("source", &self.inner.source)
            .field("token_url", &grant.token_url.as_str())
            .finish()
    }
}

/// Builds a [`WorkloadIdentityCredential`].
#[derive(Clone, Debug)]
pub struct WorkloadIdentityCredentialBuilder {
    tenant_id: String,
    client_id: String,
    source: FederatedTokenSource,
    audience: String,
    options: GrantOptions,
}

impl WorkloadIdentityCredential {
    /// Starts a credential for the app `client_id` of tenant `tenant_id`,
    /// presenting federated tokens from `source`.
    pub fn builder(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        source: FederatedTokenSource,
    ) -> WorkloadIdentityCredentialBuilder {
        WorkloadIdentityCredentialBuilder {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            source,
            audience: TOKEN_EXCHANGE_AUDIENCE.to_string(),
            options: GrantOptions::default(),
        }
    }

    /// Reads the process environment: see
    /// [`builder_from_environment`](Self::builder_from_environment).
    pub fn from_env() -> Result<Self, AuthError> {
        Self::builder_from_environment(&Environment::process())?.build()
    }

    /// The builder for the first source `env` configures, in this order:
    ///
    /// 1. `AZURE_FEDERATED_TOKEN_FILE`, with `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`;
    /// 2. GitHub Actions: `ACTIONS_ID_TOKEN_REQUEST_URL` and
    ///    `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, with `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`;
    /// 3. Azure Pipelines: `SYSTEM_OIDCREQUESTURI` and `SYSTEM_ACCESSTOKEN`, with the
    ///    service connection's id in `AZURE_SERVICE_CONNECTION_ID` (or
    ///    `AZURESUBSCRIPTION_SERVICE_CONNECTION_ID`, which the AzureCLI@2 task
    ///    sets), and `AZURE_TENANT_ID`/`AZURE_CLIENT_ID` (or
    ///    `AZURESUBSCRIPTION_TENANT_ID`/`AZURESUBSCRIPTION_CLIENT_ID`).
    ///
    /// `AZURE_AUTHORITY_HOST` selects the cloud. The error names what is missing.
    pub fn builder_from_environment(
        env: &Environment,
    ) -> Result<WorkloadIdentityCredentialBuilder, AuthError> {
        let (source, tenant, client) = source_from_env(env)?;
        Ok(Self::builder(tenant, client, source).cloud(cloud_from_env(env)?))
    }

    /// Where the federated tokens come from.
    pub fn source(&self) -> &FederatedTokenSource {
        &self.inner.source
    }

    /// The token endpoint this credential calls.
    pub fn token_url(&self) -> &Url {
        &self.inner.grant.token_url
    }
}

/// The source `env` configures, with the tenant and client ids.
fn source_from_env(env: &Environment) -> Result<(FederatedTokenSource, String, String), AuthError> {
    const TENANT: &str = "the directory (tenant) id of the app registration";
    const CLIENT: &str = "the application (client) id of the app registration";
    let ids = |tenant_alias: Option<&'static str>, client_alias: Option<&'static str>| {
        let tenant = env
            .get(vars::TENANT_ID)
            .or_else(|| tenant_alias.and_then(|a| env.get(a)))
            .ok_or(AuthError::MissingVariable {
                name: vars::TENANT_ID,
                meaning: TENANT,
            })?;
        let client = env
            .get(vars::CLIENT_ID)
            .or_else(|| client_alias.and_then(|a| env.get(a)))
            .ok_or(AuthError::MissingVariable {
                name: vars::CLIENT_ID,
                meaning: CLIENT,
            })?;
        Ok::<_, AuthError>((tenant, client))
    };
    if let Some(file) = env.get(vars::FEDERATED_TOKEN_FILE) {
        let (tenant, client) = ids(None, None)?;
        return Ok((FederatedTokenSource::File(file.into()), tenant, client));
    }
    if let Some(url) = env.get(vars::GITHUB_REQUEST_URL) {
        let token = env.require(
            vars::GITHUB_REQUEST_TOKEN,
            "the job's OIDC request token: give the workflow `permissions: id-token: write`",
        )?;
        let (tenant, client) = ids(None, None)?;
        let source = FederatedTokenSource::GitHubActions {
            request_url: url,
            request_token: token.into(),
        };
        return Ok((source, tenant, client));
    }
    if let Some(uri) = env.get(vars::PIPELINES_OIDC_URI) {
        let connection = env
            .get(vars::SERVICE_CONNECTION_ID)
            .or_else(|| env.get(vars::TASK_SERVICE_CONNECTION_ID))
            .ok_or(AuthError::MissingVariable {
                name: vars::SERVICE_CONNECTION_ID,
                meaning: "the id of the Azure Pipelines service connection (workload identity federation) to authenticate as",
            })?;
        let token = env.require(
            vars::PIPELINES_ACCESS_TOKEN,
            "the job's access token: add `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` to the step",
        )?;
        let (tenant, client) = ids(Some(vars::TASK_TENANT_ID), Some(vars::TASK_CLIENT_ID))?;
        let source = FederatedTokenSource::AzurePipelines {
            oidc_request_uri: uri,
            service_connection_id: connection,
            access_token: token.into(),
        };
        return Ok((source, tenant, client));
    }
    Err(AuthError::MissingVariable {
        name: vars::FEDERATED_TOKEN_FILE,
        meaning: "the path of a federated token file (or run in GitHub Actions with `id-token: write`, or in Azure Pipelines with SYSTEM_ACCESSTOKEN and AZURE_SERVICE_CONNECTION_ID)",
    })
}

impl WorkloadIdentityCredentialBuilder {
    grant_options_methods!();

    /// The audience asked of the CI providers' OIDC services (default
    /// `api://AzureADTokenExchange`; it must match the federated
    /// credential's audience).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// Checks the configuration and builds the credential.
    pub fn build(self) -> Result<WorkloadIdentityCredential, AuthError> {
        match &self.source {
            FederatedTokenSource::File(_) => {}
            FederatedTokenSource::GitHubActions { request_url, .. } => {
                oidc::check_url(request_url, vars::GITHUB_REQUEST_URL)?;
            }
            FederatedTokenSource::AzurePipelines {
                oidc_request_uri,
                service_connection_id,
                ..
            } => {
                oidc::check_url(oidc_request_uri, vars::PIPELINES_OIDC_URI)?;
                if service_connection_id.trim().is_empty() {
                    return Err(AuthError::InvalidConfig(
                        "the Azure Pipelines service connection id is empty".into(),
                    ));
                }
            }
        }
        let grant = Grant::new(&self.tenant_id, &self.client_id, &self.options)?;
        let inner = Arc::new(FederatedSource {
            grant,
            source: self.source,
            audience: self.audience,
            oidc: OidcClient::new(self.options.timeout)?,
        });
        let cache = TokenCache::of(
            self.options.renew_before_expiry,
            self.options.retry.clone(),
            Arc::clone(&inner),
        );
        Ok(WorkloadIdentityCredential {
            inner,
            cache: Arc::new(cache),
        })
    }
}

impl TokenCredential for WorkloadIdentityCredential {
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.cache.get())
    }

    fn token_rejected(&self, token: &AccessToken) {
        self.cache.forget(token);
    }
}
