//! A token you already have.

use futures::future::BoxFuture;

use super::{AccessToken, AuthError, TokenCredential};
use crate::secret::Secret;

/// A credential that always returns the same token.
///
/// ```no_run
/// use partner_center_ingestion::{auth::StaticTokenCredential, Client};
///
/// let token = std::env::var("PARTNER_CENTER_TOKEN").unwrap_or_default();
/// let client = Client::builder(StaticTokenCredential::new(token)).build()?;
/// # Ok::<(), partner_center_ingestion::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct StaticTokenCredential {
    token: AccessToken,
}

impl StaticTokenCredential {
    /// Uses `token` until the service rejects it.
    pub fn new(token: impl Into<Secret>) -> Self {
        StaticTokenCredential {
            token: AccessToken::without_expiry(token),
        }
    }
}

impl TokenCredential for StaticTokenCredential {
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        let token = self.token.clone();
        Box::pin(async move { Ok(token) })
    }
}
