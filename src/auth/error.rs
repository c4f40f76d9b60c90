//! Why no token could be obtained, and what Azure AD said.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize};

use crate::sensitive::{redact, truncate};

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

    /// A credential failed: a token file that cannot be read, a CI
    /// provider's OIDC service or `az` that refused, a token source of your
    /// own. The message says what to check.
    #[error("the credential failed: {0}")]
    Credential(String),

    /// The credential is not set up where the program runs (no managed
    /// identity endpoint, the Azure CLI not installed or not signed in);
    /// [`DefaultCredential`](super::DefaultCredential) goes on to the next.
    #[error("{0}")]
    Unavailable(String),

    /// [`DefaultCredential`](super::DefaultCredential) found no credential
    /// that gave a token: each one it tried, and why it did not.
    #[error("{}", describe_tried(.tried))]
    NoCredential {
        /// Each credential tried, in order, and why it gave no token.
        tried: Vec<Tried>,
    },
}

/// One credential that [`AuthError::NoCredential`] lists.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Tried {
    /// The credential, such as `environment (client secret)`.
    pub credential: &'static str,
    /// Why it gave no token.
    pub reason: String,
}

fn describe_tried(tried: &[Tried]) -> String {
    let mut text =
        String::from("no credential gave a token for the Partner Center API. Tried, in order:");
    for t in tried {
        text.push_str(&format!("\n  - {}: {}", t.credential, t.reason));
    }
    text.push_str(concat!(
        "\nTo authenticate, set AZURE_TENANT_ID and AZURE_CLIENT_ID (the app registration) and one of ",
        "AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH (with AZURE_CLIENT_CERTIFICATE_PASSWORD for a .pfx) ",
        "or AZURE_FEDERATED_TOKEN_FILE; or, in GitHub Actions, give the job `permissions: id-token: write`; ",
        "or, in Azure Pipelines, set SYSTEM_ACCESSTOKEN and AZURE_SERVICE_CONNECTION_ID; ",
        "or run on Azure with a managed identity; or run `az login`. See the README's \"Authentication in CI\"."
    ));
    text
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
            70021 => "Azure AD has no federated credential matching this token's issuer, subject and audience: add one to the app registration (Certificates & secrets > Federated credentials) for this repository, branch or environment, or service connection",
            700211 => "no federated credential of the app has this token's issuer: check the issuer of the app's federated credential",
            700024 => "the client assertion has expired or is not yet valid: the federated token is too old (a new one is fetched on the next try) or the clock of this machine is wrong",
            700027 => "Azure AD could not verify the client assertion: upload this certificate (its public part) to the app registration's Certificates & secrets, or check that the key matches the certificate",
            7000274 => "the federated token's signature could not be verified with its issuer's keys: check that the token comes from the issuer the federated credential names",
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

pub(super) fn lenient_seconds<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.as_ref().and_then(json_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

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
