//! The default chain: the first credential the environment configures.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;

use super::env::{vars, Environment};
use super::error::Tried;
use super::{
    AccessToken, AuthError, AzureCliCredential, ClientCertificateCredential,
    ClientSecretCredential, ManagedIdentityCredential, TokenCredential, WorkloadIdentityCredential,
};

/// Azure's DMI asset tag: every Azure VM (and AKS node) carries it.
const AZURE_ASSET_TAG: &str = "7783-7084-3265-9085-8269-3286-77";

/// The credential [`Client::from_env`](crate::Client::from_env) uses: the
/// first of these that the environment configures, in azure-identity's
/// order, with the same variables:
///
/// 1. **environment, client secret**: `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
///    `AZURE_CLIENT_SECRET` ([`ClientSecretCredential`]);
/// 2. **environment, client certificate**: `AZURE_TENANT_ID`,
///    `AZURE_CLIENT_ID`, `AZURE_CLIENT_CERTIFICATE_PATH` (and
///    `AZURE_CLIENT_CERTIFICATE_PASSWORD`) ([`ClientCertificateCredential`]);
/// 3. **workload identity**: `AZURE_FEDERATED_TOKEN_FILE`, then GitHub
///    Actions' OIDC (`ACTIONS_ID_TOKEN_REQUEST_URL`), then Azure Pipelines'
///    (`SYSTEM_OIDCREQUESTURI`), with `AZURE_TENANT_ID` and
///    `AZURE_CLIENT_ID` ([`WorkloadIdentityCredential`]);
/// 4. **managed identity**: App Service's `IDENTITY_ENDPOINT`, or IMDS
///    (tried with a one-second probe) ([`ManagedIdentityCredential`]);
/// 5. **Azure CLI**: `az` on `PATH` after `az login` ([`AzureCliCredential`]).
///
/// The first three are used as soon as their variables are set, and their
/// failures (a wrong secret, an unregistered federated credential) are
/// errors. The last two are tried in turn when none of those is set; the
/// first that gives a token is kept. When nothing gives a token, the error
/// ([`AuthError::NoCredential`]) lists each credential and why it did not
/// apply, and says what to set.
///
/// ```no_run
/// use partner_center_ingestion::{auth::DefaultCredential, Client};
///
/// let client = Client::builder(DefaultCredential::from_env()?).build()?;
/// // The same as:
/// let client = Client::from_env()?;
/// # Ok::<(), partner_center_ingestion::Error>(())
/// ```
pub struct DefaultCredential {
    candidates: Vec<Candidate>,
    /// Credentials not configured, and why: listed in the final error.
    skipped: Vec<Tried>,
    chosen: Mutex<Option<usize>>,
}

struct Candidate {
    name: &'static str,
    credential: Arc<dyn TokenCredential>,
    /// Configured by variables set for it: its failures are final.
    explicit: bool,
}

impl fmt::Debug for DefaultCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.candidates.iter().map(|c| c.name).collect();
        f.debug_struct("DefaultCredential")
            .field("candidates", &names)
            .field("chosen", &self.chosen())
            .finish()
    }
}

/// Builds a [`DefaultCredential`].
#[derive(Clone, Debug)]
pub struct DefaultCredentialBuilder {
    env: Environment,
    managed_identity: Option<bool>,
    azure_cli: bool,
    imds_probe_timeout: Duration,
}

impl DefaultCredential {
    /// The chain configured by the process environment.
    pub fn from_env() -> Result<Self, AuthError> {
        Self::builder().build()
    }

    /// The chain configured by `env`.
    pub fn from_environment(env: &Environment) -> Result<Self, AuthError> {
        Self::builder().environment(env.clone()).build()
    }

    /// Starts configuring a chain (default: the process environment, every
    /// credential).
    pub fn builder() -> DefaultCredentialBuilder {
        DefaultCredentialBuilder {
            env: Environment::process(),
            managed_identity: None,
            azure_cli: true,
            imds_probe_timeout: Duration::from_secs(1),
        }
    }

    /// The names of the credentials the chain will try, in order, such as
    /// `["workload identity (GitHub Actions)", "Azure CLI"]`.
    pub fn candidates(&self) -> Vec<&'static str> {
        self.candidates.iter().map(|c| c.name).collect()
    }

    /// The credential that gave the last token, once one has.
    pub fn chosen(&self) -> Option<&'static str> {
        let chosen = *self.chosen.lock().unwrap_or_else(|p| p.into_inner());
        chosen.map(|i| self.candidates[i].name)
    }

    async fn token(&self) -> Result<AccessToken, AuthError> {
        let chosen = *self.chosen.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = chosen {
            return self.candidates[i].credential.get_token().await;
        }
        let mut tried = self.skipped.clone();
        for (i, candidate) in self.candidates.iter().enumerate() {
            match candidate.credential.get_token().await {
                Ok(token) => {
                    tracing::debug!(
                        credential = candidate.name,
                        "the default chain uses this credential"
                    );
                    *self.chosen.lock().unwrap_or_else(|p| p.into_inner()) = Some(i);
                    return Ok(token);
                }
                Err(error) if candidate.explicit => {
                    tracing::debug!(credential = candidate.name, %error, "the configured credential failed");
                    return Err(error);
                }
                Err(error) => {
                    tracing::debug!(credential = candidate.name, %error, "credential unavailable; trying the next");
                    tried.push(Tried {
                        credential: candidate.name,
                        reason: error.to_string(),
                    });
                }
            }
        }
        Err(AuthError::NoCredential { tried })
    }
}

impl DefaultCredentialBuilder {
    /// Reads the variables from `env` instead of the process environment.
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// Whether to try a managed identity. By default it is tried when
    /// `IDENTITY_ENDPOINT` or `AZURE_POD_IDENTITY_AUTHORITY_HOST` is set,
    /// when the machine says it is an Azure VM, or on systems where that
    /// cannot be told; `true` always tries IMDS, `false` never.
    pub fn managed_identity(mut self, try_it: bool) -> Self {
        self.managed_identity = Some(try_it);
        self
    }

    /// Whether to try the Azure CLI (default: yes).
    pub fn azure_cli(mut self, try_it: bool) -> Self {
        self.azure_cli = try_it;
        self
    }

    /// How long IMDS may take to answer the chain's first probe (default 1 s).
    pub fn imds_probe_timeout(mut self, timeout: Duration) -> Self {
        self.imds_probe_timeout = timeout;
        self
    }

    /// Reads the environment and builds the chain. Variables that are set
    /// but wrong (a malformed tenant id, an unreadable certificate) are an
    /// error now; when no credential is configured at all the error lists
    /// what each needs.
    pub fn build(self) -> Result<DefaultCredential, AuthError> {
        let env = &self.env;
        let mut candidates = Vec::new();
        let mut skipped = Vec::new();
        let mut add = |name: &'static str,
                       built: Option<Result<Arc<dyn TokenCredential>, AuthError>>,
                       unset: String,
                       explicit: bool|
         -> Result<(), AuthError> {
            match built {
                Some(Ok(credential)) => candidates.push(Candidate {
                    name,
                    credential,
                    explicit,
                }),
                Some(Err(AuthError::MissingVariable { name: var, meaning })) => {
                    skipped.push(Tried {
                        credential: name,
                        reason: format!("{var} is not set (it must hold {meaning})"),
                    })
                }
                Some(Err(AuthError::Unavailable(reason))) => skipped.push(Tried {
                    credential: name,
                    reason,
                }),
                Some(Err(error)) => return Err(error),
                None => skipped.push(Tried {
                    credential: name,
                    reason: unset,
                }),
            }
            Ok(())
        };
        add(
            "environment (client secret)",
            env.has(vars::CLIENT_SECRET).then(|| {
                ClientSecretCredential::builder_from_environment(env)
                    .and_then(|b| b.build())
                    .map(|c| Arc::new(c) as Arc<dyn TokenCredential>)
            }),
            "AZURE_CLIENT_SECRET is not set".into(),
            true,
        )?;
        add(
            "environment (client certificate)",
            env.has(vars::CLIENT_CERTIFICATE_PATH).then(|| {
                ClientCertificateCredential::builder_from_environment(env)
                    .and_then(|b| b.build())
                    .map(|c| Arc::new(c) as Arc<dyn TokenCredential>)
            }),
            "AZURE_CLIENT_CERTIFICATE_PATH is not set".into(),
            true,
        )?;
        let workload = [
            vars::FEDERATED_TOKEN_FILE,
            vars::GITHUB_REQUEST_URL,
            vars::PIPELINES_OIDC_URI,
        ]
        .into_iter()
        .any(|v| env.has(v));
        let workload_name = workload_name(env);
        add(
            workload_name,
            workload.then(|| {
                WorkloadIdentityCredential::builder_from_environment(env)
                    .and_then(|b| b.build())
                    .map(|c| Arc::new(c) as Arc<dyn TokenCredential>)
            }),
            "none of AZURE_FEDERATED_TOKEN_FILE, ACTIONS_ID_TOKEN_REQUEST_URL (GitHub Actions with `id-token: write`) or SYSTEM_OIDCREQUESTURI (Azure Pipelines) is set".into(),
            true,
        )?;
        let app_service = env.has(vars::IDENTITY_ENDPOINT) && env.has(vars::IDENTITY_HEADER);
        let pod_host = env.has(vars::POD_IDENTITY_AUTHORITY_HOST);
        let try_identity = self
            .managed_identity
            .unwrap_or_else(|| app_service || pod_host || maybe_azure_vm());
        let probe = self.imds_probe_timeout;
        add(
            "managed identity",
            try_identity.then(|| {
                ManagedIdentityCredential::builder_from_environment(env)
                    .map(|b| {
                        if app_service {
                            b
                        } else {
                            b.probe_timeout(probe)
                        }
                    })
                    .and_then(|b| b.build())
                    .map(|c| Arc::new(c) as Arc<dyn TokenCredential>)
            }),
            if self.managed_identity == Some(false) {
                "excluded".into()
            } else {
                "not on Azure (no IDENTITY_ENDPOINT, no AZURE_POD_IDENTITY_AUTHORITY_HOST, and the machine is no Azure VM)".into()
            },
            false,
        )?;
        add(
            "Azure CLI",
            self.azure_cli.then(|| {
                AzureCliCredential::builder_from_environment(env)
                    .build()
                    .map(|c| Arc::new(c) as Arc<dyn TokenCredential>)
            }),
            "excluded".into(),
            false,
        )?;
        if candidates.is_empty() {
            return Err(AuthError::NoCredential { tried: skipped });
        }
        tracing::debug!(candidates = ?candidates.iter().map(|c| c.name).collect::<Vec<_>>(), "default credential chain");
        Ok(DefaultCredential {
            candidates,
            skipped,
            chosen: Mutex::new(None),
        })
    }
}

/// The workload identity source the environment names, for messages.
fn workload_name(env: &Environment) -> &'static str {
    if env.has(vars::FEDERATED_TOKEN_FILE) {
        "workload identity (token file)"
    } else if env.has(vars::GITHUB_REQUEST_URL) {
        "workload identity (GitHub Actions)"
    } else if env.has(vars::PIPELINES_OIDC_URI) {
        "workload identity (Azure Pipelines)"
    } else {
        "workload identity"
    }
}

/// Whether this may be an Azure VM: Linux tells through its DMI asset tag;
/// elsewhere it cannot be told without asking IMDS, so "maybe".
fn maybe_azure_vm() -> bool {
    if cfg!(target_os = "linux") {
        std::fs::read_to_string("/sys/class/dmi/id/chassis_asset_tag")
            .is_ok_and(|tag| tag.trim() == AZURE_ASSET_TAG)
    } else {
        true
    }
}

impl TokenCredential for DefaultCredential {
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.token())
    }

    fn token_rejected(&self, token: &AccessToken) {
        let chosen = *self.chosen.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = chosen {
            self.candidates[i].credential.token_rejected(token);
        }
    }
}
