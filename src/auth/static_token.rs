//! A token you already have.

use futures::future::BoxFuture;

use super::{AccessToken, AuthError, TokenCredential};
use crate::secret::Secret;

/// A credential that always returns the same token.
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
