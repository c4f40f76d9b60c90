//! One throttle budget per client. When the service answers 429, every
//! request sent through the same [`Client`](crate::Client) (and its clones)
//! holds back, not only the one refused: all of them wait out the
//! `Retry-After`, and afterwards fewer go at once, growing back one at a
//! time as answers succeed. Many workers sharing one client so slow down
//! together instead of each hammering the service with retries of its own.
//!
//! Until the first 429 nothing is limited.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The pause after a 429 that names no `Retry-After`.
const DEFAULT_PAUSE: Duration = Duration::from_secs(1);

/// Above this many requests at once, the limit is lifted again.
const CEILING: usize = 256;

#[derive(Debug)]
struct State {
    /// No request starts before this.
    paused_until: Option<Instant>,
    /// How many may be in flight (`None`: no limit).
    limit: Option<usize>,
    in_flight: usize,
    /// Successes since the limit last grew.
    streak: usize,
}

/// The shared budget.
#[derive(Debug)]
pub(crate) struct Throttle {
    state: Mutex<State>,
    changed: Notify,
}

/// A request's place in the budget, given back when dropped.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    throttle: &'a Throttle,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.throttle.state.lock() {
            s.in_flight = s.in_flight.saturating_sub(1);
        }
        self.throttle.changed.notify_waiters();
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            state: Mutex::new(State {
                paused_until: None,
                limit: None,
                in_flight: 0,
                streak: 0,
            }),
            changed: Notify::new(),
        }
    }
}

impl Throttle {
    /// Waits until a request may go: the pause is over and there is room
    /// under the limit.
    pub(crate) async fn admit(&self) -> Permit<'_> {
        loop {
            // Registered before looking, so a release in between is seen.
            let changed = self.changed.notified();
            let pause = {
                let Ok(mut s) = self.state.lock() else {
                    return Permit { throttle: self };
                };
                let now = Instant::now();
                match s.paused_until {
                    Some(until) if until > now => Some(until),
                    _ => {
                        s.paused_until = None;
                        if s.limit.is_none_or(|l| s.in_flight < l) {
                            s.in_flight += 1;
                            return Permit { throttle: self };
                        }
                        None
                    }
                }
            };
            match pause {
                Some(until) => tokio::time::sleep_until(until).await,
                None => changed.await,
            }
        }
    }

    /// Takes note of an answer: a 429 pauses everyone for `retry_after`
    /// and halves how many may go at once; other answers let it grow back.
    pub(crate) fn observe(&self, throttled: bool, retry_after: Option<Duration>) {
        if let Ok(mut s) = self.state.lock() {
            if throttled {
                let until = Instant::now() + retry_after.unwrap_or(DEFAULT_PAUSE);
                s.paused_until = Some(s.paused_until.map_or(until, |u| u.max(until)));
                let current = s.limit.unwrap_or(s.in_flight.max(1));
                s.limit = Some((current / 2).max(1));
                s.streak = 0;
            } else if let Some(limit) = s.limit {
                s.streak += 1;
                if s.streak >= limit {
                    s.streak = 0;
                    s.limit = (limit < CEILING).then_some(limit + 1);
                }
            }
        }
        self.changed.notify_waiters();
    }

    #[cfg(test)]
    fn limit(&self) -> Option<usize> {
        self.state.lock().ok().and_then(|s| s.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_every_request_back_for_the_retry_after() {
        let throttle = Arc::new(Throttle::default());
        let first = throttle.admit().await;
        throttle.observe(true, Some(Duration::from_secs(2)));
        drop(first);
        let started = Instant::now();
        let mut waiting = Vec::new();
        for _ in 0..3 {
            let t = throttle.clone();
            waiting.push(tokio::spawn(async move {
                let _p = t.admit().await;
                Instant::now()
            }));
        }
        for w in waiting {
            let went = w.await.unwrap();
            assert!(went - started >= Duration::from_secs(2));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_429_fewer_go_at_once_and_the_limit_grows_back() {
        let throttle = Throttle::default();
        let permits: Vec<_> = futures_join(&throttle, 8).await;
        assert_eq!(throttle.limit(), None);
        throttle.observe(true, Some(Duration::ZERO));
        assert_eq!(throttle.limit(), Some(4));
        drop(permits);
        for _ in 0..4 {
            throttle.observe(false, None);
        }
        assert_eq!(throttle.limit(), Some(5));
        // Grown past the ceiling, the limit is lifted.
        for _ in 0..(CEILING * CEILING) {
            throttle.observe(false, None);
        }
        assert_eq!(throttle.limit(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_over_the_limit_waits_for_one_to_finish() {
        let throttle = Arc::new(Throttle::default());
        let a = throttle.admit().await;
        let b = throttle.admit().await;
        throttle.observe(true, Some(Duration::ZERO)); // limit 1, two in flight
        let t = throttle.clone();
        let third = tokio::spawn(async move {
            let _p = t.admit().await;
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!third.is_finished());
        drop(a);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!third.is_finished(), "still one in flight, at the limit");
        drop(b);
        tokio::time::timeout(Duration::from_secs(1), third)
            .await
            .expect("admitted once room was made")
            .unwrap();
    }

    async fn futures_join(throttle: &Throttle, n: usize) -> Vec<Permit<'_>> {
        let mut v = Vec::new();
        for _ in 0..n {
            v.push(throttle.admit().await);
        }
        v
    }
}
