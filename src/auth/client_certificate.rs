//! The client-credentials grant of an app registration, with a certificate.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;
use url::Url;

use super::cache::{TokenCache, TokenSource};
use super::certificate::Certificate;
use super::client_secret::{app_ids, cloud_from_env};
use super::env::{vars, Environment};
use super::grant::{grant_options_methods, ClientAuth, Grant, GrantOptions};
use super::{AccessToken, AuthError, TokenCredential};
use crate::secret::Secret;

/// The client-credentials grant of an app registration that holds a
/// certificate (uploaded under the app's *Certificates & secrets*): each
/// token request carries a fresh JWT signed with the certificate's private
/// key (RS256, with the certificate's SHA-256 thumbprint as `x5t#S256`),
/// and no secret travels. Tokens are cached and renewed ahead of expiry.
///
/// The file is PEM (the certificate and its unencrypted private key) or
/// PKCS#12 (`.pfx`, with its password; needs the crate's `pkcs12` feature).
///
/// ```no_run
/// use partner_center_ingestion::{auth::ClientCertificateCredential, Client};
///
/// // AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_CERTIFICATE_PATH and,
/// // for a PKCS#12 file, AZURE_CLIENT_CERTIFICATE_PASSWORD.
/// let credential = ClientCertificateCredential::from_env()?;
/// // Or explicitly:
/// let credential = ClientCertificateCredential::builder(
///     "contoso.onmicrosoft.com",
///     "00000000-0000-0000-0000-000000000001",
///     "/etc/partner-center/app.pfx",
/// )
/// .password("the .pfx password")
/// .build()?;
/// let client = Client::builder(credential).build()?;
/// # Ok::<(), partner_center_ingestion::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientCertificateCredential {
    inner: Arc<CertificateSource>,
    cache: Arc<TokenCache>,
}

struct CertificateSource {
    grant: Grant,
    certificate: Certificate,
    send_chain: bool,
}

impl TokenSource for CertificateSource {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        let audience = self.grant.token_url.to_string();
        Box::pin(async move {
            self.grant
                .request(|| {
                    let assertion = self.certificate.assertion(
                        &self.grant.client_id,
                        &audience,
                        self.send_chain,
                    );
                    async move { assertion.map(ClientAuth::Assertion) }
                })
                .await
        })
    }
}

impl fmt::Debug for ClientCertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let grant = &self.inner.grant;
        f.debug_struct("ClientCertificateCredential")
            .field("tenant_id", &grant.tenant_id)
            .field("client_id", &grant.client_id)
            .field("certificate", &self.inner.certificate)
            .field("token_url", &grant.token_url.as_str())
            .finish()
    }
}

/// Builds a [`ClientCertificateCredential`].
#[derive(Clone)]
pub struct ClientCertificateCredentialBuilder {
    tenant_id: String,
    client_id: String,
    path: PathBuf,
    password: Option<Secret>,
    send_chain: bool,
    options: GrantOptions,
}

impl fmt::Debug for ClientCertificateCredentialBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificateCredentialBuilder")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("path", &self.path)
            .field("password", &self.password)
            .field("send_chain", &self.send_chain)
            .field("options", &self.options)
            .finish()
    }
}

impl ClientCertificateCredential {
    /// Starts a credential for the app `client_id` of tenant `tenant_id`,
    /// signing with the certificate and key in the file at `path`.
    pub fn builder(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> ClientCertificateCredentialBuilder {
        ClientCertificateCredentialBuilder {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            path: path.into(),
            password: None,
            send_chain: false,
            options: GrantOptions::default(),
        }
    }

    /// Reads `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
    /// `AZURE_CLIENT_CERTIFICATE_PATH`, and optionally
    /// `AZURE_CLIENT_CERTIFICATE_PASSWORD`,
    /// `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN` (`true` or `1`) and
    /// `AZURE_AUTHORITY_HOST`.
    pub fn from_env() -> Result<Self, AuthError> {
        Self::builder_from_environment(&Environment::process())?.build()
    }

    /// The builder [`from_env`](Self::from_env) uses, reading `env`.
    pub fn builder_from_environment(
        env: &Environment,
    ) -> Result<ClientCertificateCredentialBuilder, AuthError> {
        let (tenant, client) = app_ids(env)?;
        let path = env.require(
            vars::CLIENT_CERTIFICATE_PATH,
            "the path of a PEM or PKCS#12 file with the app's certificate and private key",
        )?;
        let mut builder = Self::builder(tenant, client, path).cloud(cloud_from_env(env)?);
        if let Some(password) = env.get(vars::CLIENT_CERTIFICATE_PASSWORD) {
            builder = builder.password(password);
        }
        let send = env
            .get(vars::CLIENT_SEND_CERTIFICATE_CHAIN)
            .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        Ok(builder.send_certificate_chain(send))
    }

    /// The token endpoint this credential calls.
    pub fn token_url(&self) -> &Url {
        &self.inner.grant.token_url
    }

    /// The certificate's SHA-256 thumbprint, base64url-encoded, as the
    /// assertions' `x5t#S256` header carries it.
    pub fn thumbprint(&self) -> &str {
        self.inner.certificate.thumbprint()
    }
}

impl ClientCertificateCredentialBuilder {
    grant_options_methods!();

    /// The password of a PKCS#12 file (default: none).
    pub fn password(mut self, password: impl Into<Secret>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Sends the certificate chain with each assertion (`x5c`), which
    /// subject-name/issuer authentication needs (default: no).
    pub fn send_certificate_chain(mut self, send: bool) -> Self {
        self.send_chain = send;
        self
    }

    /// Reads the certificate file, checks the configuration and builds the
    /// credential.
    pub fn build(self) -> Result<ClientCertificateCredential, AuthError> {
        let shown = self.path.display().to_string();
        let bytes = std::fs::read(&self.path).map_err(|e| {
            AuthError::InvalidConfig(format!(
                "cannot read the client certificate {shown}: {e}; AZURE_CLIENT_CERTIFICATE_PATH must name a PEM or PKCS#12 file"
            ))
        })?;
        let certificate = Certificate::from_bytes(&bytes, self.password.as_ref(), &shown)?;
        let grant = Grant::new(&self.tenant_id, &self.client_id, &self.options)?;
        let inner = Arc::new(CertificateSource {
            grant,
            certificate,
            send_chain: self.send_chain,
        });
        let cache = TokenCache::of(
            self.options.renew_before_expiry,
            self.options.retry.clone(),
            Arc::clone(&inner),
        );
        Ok(ClientCertificateCredential {
            inner,
            cache: Arc::new(cache),
        })
    }
}

impl TokenCredential for ClientCertificateCredential {
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.cache.get())
    }

    fn token_rejected(&self, token: &AccessToken) {
        self.cache.forget(token);
    }
}
