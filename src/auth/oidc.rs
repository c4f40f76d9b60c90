//! The OIDC token services of CI providers (GitHub Actions, Azure
//! Pipelines), which issue the job's federated token.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::AuthError;
use crate::net::check_secure;
use crate::secret::Secret;

const MAX_RESPONSE: usize = 64 * 1024;

/// The Azure DevOps REST API version of the OIDC token request.
const PIPELINES_API_VERSION: &str = "7.1";

/// Checks the URL of an OIDC token service (`what` names its variable).
pub(super) fn check_url(url: &str, what: &str) -> Result<Url, AuthError> {
    let parsed = Url::parse(url.trim())
        .map_err(|e| AuthError::InvalidConfig(format!("{what} is not a URL ({e})")))?;
    check_secure(&parsed, what)
        .map_err(|m| AuthError::InvalidConfig(crate::sensitive::redact(&m)))?;
    Ok(parsed)
}

/// Talks to the CI providers' OIDC token services.
pub(super) struct OidcClient {
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct GitHubResponse {
    value: Option<Secret>,
}

#[derive(Deserialize)]
struct PipelinesResponse {
    #[serde(rename = "oidcToken")]
    oidc_token: Option<Secret>,
}

impl OidcClient {
    pub(super) fn new(timeout: Duration) -> Result<OidcClient, AuthError> {
        Ok(OidcClient {
            http: super::grant::http_client(timeout)?,
        })
    }

    /// `GET {ACTIONS_ID_TOKEN_REQUEST_URL}&audience=…` with the request
    /// token as bearer; the answer is `{"value": "<jwt>"}`.
    pub(super) async fn github(
        &self,
        request_url: &str,
        request_token: &Secret,
        audience: &str,
    ) -> Result<Secret, AuthError> {
        let mut url = check_url(request_url, "ACTIONS_ID_TOKEN_REQUEST_URL")?;
        url.query_pairs_mut().append_pair("audience", audience);
        let request = self
            .http
            .get(url.clone())
            .bearer_auth(request_token.expose())
            .header("Accept", "application/json; api-version=2.0");
        let body: GitHubResponse = self
            .send(request, &url, "GitHub Actions", "ACTIONS_ID_TOKEN_REQUEST_TOKEN is the job's current one and that the workflow has `permissions: id-token: write`")
            .await?;
        body.value.ok_or_else(|| {
            AuthError::Credential(
                "GitHub Actions' OIDC token service answered without a token (`value`)".into(),
            )
        })
    }

    /// `POST {SYSTEM_OIDCREQUESTURI}?api-version=7.1&serviceConnectionId=…`
    /// with the job's access token as bearer; the answer is
    /// `{"oidcToken": "<jwt>"}`.
    pub(super) async fn pipelines(
        &self,
        oidc_request_uri: &str,
        service_connection_id: &str,
        access_token: &Secret,
    ) -> Result<Secret, AuthError> {
        let mut url = check_url(oidc_request_uri, "SYSTEM_OIDCREQUESTURI")?;
        url.query_pairs_mut()
            .append_pair("api-version", PIPELINES_API_VERSION)
            .append_pair("serviceConnectionId", service_connection_id.trim());
        let request = self
            .http
            .post(url.clone())
            .bearer_auth(access_token.expose())
            .header("Content-Type", "application/json")
            // Answer 401 rather than redirect to a sign-in page.
            .header("X-TFS-FedAuthRedirect", "Suppress");
        let body: PipelinesResponse = self
            .send(request, &url, "Azure Pipelines", "the step maps `SYSTEM_ACCESSTOKEN: $(System.AccessToken)` into its environment and that the service connection id names a workload identity federation connection this pipeline may use")
            .await?;
        body.oidc_token.ok_or_else(|| {
            AuthError::Credential(
                "Azure Pipelines' OIDC token service answered without a token (`oidcToken`)".into(),
            )
        })
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        request: reqwest::RequestBuilder,
        url: &Url,
        provider: &str,
        check: &str,
    ) -> Result<T, AuthError> {
        // The query may hold ids; the path is enough to say where.
        let shown = format!(
            "{}://{}{}",
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.path()
        );
        tracing::debug!(provider, url = %shown, "requesting a federated token");
        let response = request.send().await.map_err(|e| {
            AuthError::Credential(format!(
                "cannot reach {provider}'s OIDC token service at {shown}: {e}"
            ))
        })?;
        let status = response.status();
        let body = crate::net::read_limited(response, MAX_RESPONSE)
            .await
            .map_err(|e| {
                AuthError::Credential(format!(
                    "reading the answer of {provider}'s OIDC token service failed: {e}"
                ))
            })?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            let what = if crate::net::looks_like_html(&text) {
                "an HTML page".to_string()
            } else {
                crate::sensitive::shown(&text, 200)
            };
            return Err(AuthError::Credential(format!(
                "{provider}'s OIDC token service at {shown} answered {status} ({what}); check that {check}"
            )));
        }
        serde_json::from_slice(&body).map_err(|_| {
            AuthError::Credential(format!(
                "{provider}'s OIDC token service at {shown} answered {status} with {} bytes that are not the expected JSON; check that {check}",
                body.len()
            ))
        })
    }
}
