//! The token cache of a credential.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt, Shared};
use tokio::time::Instant;

use super::{AccessToken, AuthError};
use crate::retry::RetryPolicy;

pub(super) type FetchFuture = BoxFuture<'static, Result<AccessToken, AuthError>>;
pub(super) type Fetch = Box<dyn Fn() -> FetchFuture + Send + Sync>;

/// What a cache asks for a new token.
pub(crate) trait TokenSource: Send + Sync + 'static {
    /// Obtains a new token.
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>>;
}

/// A token cache: one request in flight at a time, shared by every caller
/// that needs a token meanwhile; renewal ahead of expiry in the background,
/// serving the current token while it is valid, even when renewal fails.
pub(crate) struct TokenCache {
    margin: Duration,
    /// When to try again after a failed renewal: the credential's policy.
    retry: RetryPolicy,
    fetch: Fetch,
    state: Arc<Mutex<CacheState>>,
}

/// What a caller of [`TokenCache::get`] does.
enum Next {
    /// Use this valid token.
    Serve(AccessToken),
    /// Wait for the request in flight.
    Wait(Shared<FetchFuture>),
}

#[derive(Default)]
struct CacheState {
    token: Option<AccessToken>,
    inflight: Option<Shared<FetchFuture>>,
    failures: u32,
    retry_at: Option<Instant>,
}

impl TokenCache {
    pub(crate) fn new(margin: Duration, retry: RetryPolicy, fetch: Fetch) -> Self {
        TokenCache {
            margin,
            retry,
            fetch,
            state: Arc::new(Mutex::new(CacheState::default())),
        }
    }

    /// A cache whose tokens come from `source`, which it shares with the
    /// fetches it starts.
    pub(crate) fn of<S: TokenSource>(margin: Duration, retry: RetryPolicy, source: Arc<S>) -> Self {
        TokenCache::new(
            margin,
            retry,
            Box::new(move || {
                let source = Arc::clone(&source);
                Box::pin(async move { source.fetch().await })
            }),
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        // A panic while holding the lock leaves plain data; keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) async fn get(&self) -> Result<AccessToken, AuthError> {
        let now = Instant::now();
        let next = {
            let mut state = self.lock();
            match state.token.clone() {
                Some(token) if token.is_valid(now) => {
                    if token.needs_renewal(now, self.margin)
                        && state.inflight.is_none()
                        && state.retry_at.is_none_or(|at| now >= at)
                    {
                        tracing::debug!("renewing the token ahead of expiry");
                        tokio::spawn(self.start(&mut state));
                    }
                    Next::Serve(token)
                }
                _ => Next::Wait(match state.inflight.clone() {
                    Some(inflight) => inflight,
                    None => self.start(&mut state),
                }),
            }
        };
        match next {
            Next::Serve(token) => Ok(token),
            Next::Wait(fetch) => fetch.await,
        }
    }

    fn start(&self, state: &mut CacheState) -> Shared<FetchFuture> {
        let fetch = (self.fetch)();
        let shared_state = Arc::clone(&self.state);
        let retry = self.retry.clone();
        let future: FetchFuture = Box::pin(async move {
            let result = fetch.await;
            let mut state = shared_state.lock().unwrap_or_else(|p| p.into_inner());
            state.inflight = None;
            match &result {
                Ok(token) => {
                    state.token = Some(token.clone());
                    state.failures = 0;
                    state.retry_at = None;
                }
                Err(error) => {
                    state.failures += 1;
                    let delay = retry.delay(state.failures, None);
                    state.retry_at = Some(Instant::now() + delay);
                    if state
                        .token
                        .as_ref()
                        .is_some_and(|t| t.is_valid(Instant::now()))
                    {
                        tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "renewing the token failed; the current token stays in use while it is valid");
                    }
                }
            }
            result
        });
        let shared = future.shared();
        state.inflight = Some(shared.clone());
        shared
    }

    pub(crate) fn forget(&self, rejected: &AccessToken) {
        let mut state = self.lock();
        if state
            .token
            .as_ref()
            .is_some_and(|t| t.secret() == rejected.secret())
        {
            tracing::debug!("the service rejected the cached token; it will be renewed");
            state.token = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_fetch_waits_as_the_credentials_policy_says() {
        let policy = RetryPolicy {
            initial_delay: Duration::from_secs(3600),
            max_delay: Duration::from_secs(7200),
            ..RetryPolicy::token_endpoint()
        };
        let cache = TokenCache::new(
            Duration::from_secs(60),
            policy,
            Box::new(|| Box::pin(async { Err(AuthError::Credential("down".into())) })),
        );
        assert!(cache.get().await.is_err());
        let retry_at = cache.lock().retry_at.expect("set after a failure");
        let wait = retry_at.saturating_duration_since(Instant::now());
        // Equal jitter: between half and all of the first delay.
        assert!(
            wait >= Duration::from_secs(1700) && wait <= Duration::from_secs(3600),
            "{wait:?}"
        );
    }
}
