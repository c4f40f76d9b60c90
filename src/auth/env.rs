//! Where the credentials read their settings: the process environment, or a
//! lookup of your own (tests, a configuration file, a secret store).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::AuthError;

type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// A source of environment variables for the `from_env` constructors.
///
/// [`Environment::process`] reads the process environment (what
/// `from_env()` uses); [`Environment::from_pairs`] and
/// [`Environment::from_fn`] read from elsewhere, so that a program (or a
/// test, which runs beside others in one process) need not change the
/// process environment. Empty and blank values count as unset.
///
/// ```
/// use partner_center_ingestion::auth::{DefaultCredential, Environment};
///
/// let env = Environment::from_pairs([
///     ("AZURE_TENANT_ID", "contoso.onmicrosoft.com"),
///     ("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000001"),
///     ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token"),
/// ]);
/// let credential = DefaultCredential::from_environment(&env)?;
/// # Ok::<(), partner_center_ingestion::auth::AuthError>(())
/// ```
#[derive(Clone)]
pub struct Environment {
    lookup: Arc<Lookup>,
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The values may be secret: never shown.
        f.write_str("Environment(..)")
    }
}

impl Default for Environment {
    fn default() -> Self {
        Self::process()
    }
}

impl Environment {
    /// The process environment.
    pub fn process() -> Self {
        Environment {
            lookup: Arc::new(|name| std::env::var(name).ok()),
        }
    }

    /// Variables from a list of names and values; any other name is unset.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let map: HashMap<String, String> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Environment {
            lookup: Arc::new(move |name| map.get(name).cloned()),
        }
    }

    /// Variables from a function of the name.
    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Environment {
            lookup: Arc::new(lookup),
        }
    }

    /// The trimmed value of `name`, or `None` when it is unset or blank.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name`, or the error that says what it must hold.
    pub(crate) fn require(
        &self,
        name: &'static str,
        meaning: &'static str,
    ) -> Result<String, AuthError> {
        self.get(name)
            .ok_or(AuthError::MissingVariable { name, meaning })
    }

    /// Whether `name` is set (and not blank).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// The names of the variables the credentials read, in one place.
pub(crate) mod vars {
    pub const TENANT_ID: &str = "AZURE_TENANT_ID";
    pub const CLIENT_ID: &str = "AZURE_CLIENT_ID";
    pub const CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
    pub const AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";
    pub const CLIENT_CERTIFICATE_PATH: &str = "AZURE_CLIENT_CERTIFICATE_PATH";
    pub const CLIENT_CERTIFICATE_PASSWORD: &str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";
    pub const CLIENT_SEND_CERTIFICATE_CHAIN: &str = "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN";
    pub const FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
    pub const GITHUB_REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
    pub const GITHUB_REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";
    pub const PIPELINES_OIDC_URI: &str = "SYSTEM_OIDCREQUESTURI";
    pub const PIPELINES_ACCESS_TOKEN: &str = "SYSTEM_ACCESSTOKEN";
    pub const SERVICE_CONNECTION_ID: &str = "AZURE_SERVICE_CONNECTION_ID";
    /// What the AzureCLI@2 and AzurePowerShell@5 tasks set.
    pub const TASK_SERVICE_CONNECTION_ID: &str = "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID";
    pub const TASK_CLIENT_ID: &str = "AZURESUBSCRIPTION_CLIENT_ID";
    pub const TASK_TENANT_ID: &str = "AZURESUBSCRIPTION_TENANT_ID";
    pub const IDENTITY_ENDPOINT: &str = "IDENTITY_ENDPOINT";
    pub const IDENTITY_HEADER: &str = "IDENTITY_HEADER";
    pub const POD_IDENTITY_AUTHORITY_HOST: &str = "AZURE_POD_IDENTITY_AUTHORITY_HOST";
    pub const PATH: &str = "PATH";
}
