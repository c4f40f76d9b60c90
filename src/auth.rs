//! Authentication with Azure AD (Microsoft Entra ID).
//!
//! Every ingestion call carries `Authorization: Bearer <token>`. The client
//! asks a [`TokenCredential`] for the token; this module has azure-identity's
//! family of credentials, with its names and environment variables:
//!
//! * [`ClientSecretCredential`]: the OAuth 2.0 client-credentials grant of an
//!   app registration with a client secret, against the AAD v1 endpoint
//!   (`/{tenant}/oauth2/token`, `resource=https://api.partner.microsoft.com`,
//!   the default) or the v2 endpoint (`/{tenant}/oauth2/v2.0/token`,
//!   `scope=https://api.partner.microsoft.com/.default`).
//! * [`ClientCertificateCredential`]: the same grant, proving the app's
//!   identity with a JWT signed by its certificate's key (PEM, or PKCS#12
//!   with the `pkcs12` feature).
//! * [`WorkloadIdentityCredential`]: the same grant with a federated token
//!   (a token file, GitHub Actions' or Azure Pipelines' OIDC token): no
//!   secret at all.
//! * [`ManagedIdentityCredential`]: the managed identity of an Azure
//!   resource (IMDS, or App Service's identity endpoint).
//! * [`AzureCliCredential`]: the account signed in with `az login`.
//! * [`DefaultCredential`]: the first of these the environment configures;
//!   what [`Client::from_env`](crate::Client::from_env) uses.
//! * [`StaticTokenCredential`]: a token you already have.
//!
//! Every credential but the static one caches its token, renews it ahead of
//! expiry, makes concurrent callers share one request, and retries
//! throttling and outages of its token endpoint. Implement
//! [`TokenCredential`] to use any other source.
//!
//! Secrets, assertions and tokens live in [`Secret`], whose `Debug` and
//! `Display` print no secret; no error or log line of this module contains
//! one.
//!
//! The module is made of small rooms in `src/auth/`: the [`TokenCredential`]
//! trait and [`AccessToken`] (`credential.rs`), one file per credential
//! (`static_token.rs`, `client_secret.rs`, `client_certificate.rs`,
//! `workload_identity.rs`, `managed_identity.rs`, `azure_cli.rs`,
//! `default.rs`), the grant they share (`grant.rs`), the certificate and its
//! assertion (`certificate.rs`), the CI providers' OIDC services
//! (`oidc.rs`), where settings are read (`env.rs`), the token cache
//! (`cache.rs`), the HTTP adapter for the token endpoint (`token_http.rs`),
//! Azure AD's errors (`error.rs`) and the clouds (`cloud.rs`). Everything is
//! used from here: `partner_center_ingestion::auth::…`.

mod azure_cli;
mod cache;
mod certificate;
mod client_certificate;
mod client_secret;
mod cloud;
mod credential;
mod default;
mod env;
mod error;
mod grant;
mod managed_identity;
mod oidc;
mod static_token;
mod token_http;
mod workload_identity;

pub use azure_cli::{AzureCliCredential, AzureCliCredentialBuilder};
pub use client_certificate::{ClientCertificateCredential, ClientCertificateCredentialBuilder};
pub use client_secret::{ClientSecretCredential, ClientSecretCredentialBuilder};
pub use cloud::{Cloud, TokenEndpoint};
pub use credential::{AccessToken, TokenCredential};
pub use default::{DefaultCredential, DefaultCredentialBuilder};
pub use env::Environment;
pub use error::{AadError, AuthError, Tried};
pub use managed_identity::{
    ManagedIdentityCredential, ManagedIdentityCredentialBuilder, ManagedIdentityEndpoint,
    ManagedIdentityId, IMDS_HOST,
};
pub use static_token::StaticTokenCredential;
pub use workload_identity::{
    FederatedTokenSource, WorkloadIdentityCredential, WorkloadIdentityCredentialBuilder,
    TOKEN_EXCHANGE_AUDIENCE,
};

#[cfg(doc)]
use crate::Secret;

/// The resource (audience) of tokens for the Partner Center API.
pub const PARTNER_CENTER_RESOURCE: &str = "https://api.partner.microsoft.com";
