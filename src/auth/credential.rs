//! What the client asks a credential for: a token and when it expires.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::Instant;

use super::AuthError;
use crate::secret::Secret;

/// A bearer token and when it expires.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    secret: Secret,
    expires_at: Option<Instant>,
    obtained_at: Instant,
}

impl AccessToken {
    /// A token that expires `expires_in` from now (at most a day: Azure AD
    /// issues no longer-lived tokens, and a bigger number is a mistake).
    pub fn new(secret: impl Into<Secret>, expires_in: Duration) -> Self {
        let now = Instant::now();
        AccessToken {
            secret: secret.into(),
            expires_at: now.checked_add(expires_in.min(MAX_LIFETIME)),
            obtained_at: now,
        }
    }

    /// A token with no known expiry (the client uses it until the service
    /// rejects it).
    pub fn without_expiry(secret: impl Into<Secret>) -> Self {
        AccessToken {
            secret: secret.into(),
            expires_at: None,
            obtained_at: Instant::now(),
        }
    }

    /// The token. Do not log it.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// How long until the token expires (zero once expired); `None` when unknown.
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    pub(super) fn is_valid(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }

    /// Whether the token is past the point where it should be renewed:
    /// `margin` before expiry, but never earlier than half its lifetime.
    pub(super) fn needs_renewal(&self, now: Instant, margin: Duration) -> bool {
        match self.expires_at {
            None => false,
            Some(at) => {
                let lifetime = at.saturating_duration_since(self.obtained_at);
                let margin = margin.min(lifetime / 2);
                now + margin >= at
            }
        }
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &self.secret)
            .field("expires_in", &self.expires_in())
            .finish()
    }
}

/// A source of bearer tokens for the ingestion API.
///
/// Implement it to plug in any token source; the client calls
/// [`get_token`](Self::get_token) before every request, so an
/// implementation should cache.
pub trait TokenCredential: Send + Sync + fmt::Debug {
    /// A token valid for `https://api.partner.microsoft.com`.
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>>;

    /// The service answered 401 to a request that carried `token`: the next
    /// [`get_token`](Self::get_token) must not return it. The default does
    /// nothing.
    fn token_rejected(&self, token: &AccessToken) {
        let _ = token;
    }
}

impl<T: TokenCredential + ?Sized> TokenCredential for Arc<T> {
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        (**self).get_token()
    }
    fn token_rejected(&self, token: &AccessToken) {
        (**self).token_rejected(token)
    }
}

/// The longest lifetime a token is trusted for.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
