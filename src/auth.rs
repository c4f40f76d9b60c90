//! Authentication with Azure AD (Microsoft Entra ID).
//!
//! Every ingestion call carries `Authorization: Bearer <token>`. The client
//! asks a [`TokenCredential`] for the token; this module has two:
//!
//! * [`ClientSecretCredential`]: the OAuth 2.0 client-credentials grant of an
//!   app registration, against the AAD v1 endpoint
//!   (`/{tenant}/oauth2/token`, `resource=https://api.partner.microsoft.com`,
//!   the default) or the v2 endpoint (`/{tenant}/oauth2/v2.0/token`,
//!   `scope=https://api.partner.microsoft.com/.default`). It caches the
//!   token, renews it ahead of expiry, makes concurrent callers share one
//!   request, and retries throttling and outages of the token endpoint.
//! * [`StaticTokenCredential`]: a token you already have.
//!
//! Implement [`TokenCredential`] to use any other source (managed identity,
//! the Azure CLI, workload identity federation).
//!
//! Secrets and tokens live in [`Secret`], whose `Debug` and `Display` print
//! no secret; no error or log line of this module contains one.
//!
//! The module is made of small rooms: the [`TokenCredential`] trait and
//! [`AccessToken`] (`credential.rs`), one file per credential
//! (`static_token.rs`, `client_secret.rs`), the token cache (`cache.rs`), the
//! HTTP adapter for the token endpoint (`token_http.rs`), Azure AD's errors
//! (`error.rs`) and the clouds (`cloud.rs`). Everything is used from here:
//! `partner_center_ingestion::auth::…`.

mod cache;
mod client_secret;
mod cloud;
mod credential;
mod error;
mod static_token;
mod token_http;

pub use client_secret::{ClientSecretCredential, ClientSecretCredentialBuilder};
pub use cloud::{Cloud, TokenEndpoint};
pub use credential::{AccessToken, TokenCredential};
pub use error::{AadError, AuthError};
pub use static_token::StaticTokenCredential;

#[cfg(doc)]
use crate::Secret;

/// The resource (audience) of tokens for the Partner Center API.
pub const PARTNER_CENTER_RESOURCE: &str = "https://api.partner.microsoft.com";
