//! One throttle budget per client. When the service answers 429, every
//! request sent through the same [`Client`](crate::Client) (and its clones)
//! holds back, not only the one refused: all of them wait out the
//! `Retry-After`, and afterwards fewer go at once, growing back one at a
//! time as answers succeed. Many workers sharing one client so slow down
//! together instead of each hammering the service with retries of its own.
//!
//! Until the first 429 nothing is limited.
//!
//! Every pause is bounded twice: a 429 pauses the budget for at most the
//! cap its caller gives (the retry policy's `max_retry_after`), whatever the
//! `Retry-After` says, and a request never starts waiting for a pause (or
//! for room under the limit) that would end past its own limit
//! ([`Throttle::admit_until`]): it is told at once instead ([`HeldBack`]).

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
    /// The wait the answer that set the pause asked for, before the cap.
    asked: Option<Duration>,
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
                asked: None,
                limit: None,
                in_flight: 0,
                streak: 0,
            }),
            changed: Notify::new(),
        }
    }
}

/// Why a request was not let through before its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HeldBack {
    /// How much longer the client's pause (or the wait for room) would
    /// have lasted past the request's limit… counted from now.
    pub(crate) remaining: Duration,
    /// The wait the service asked for with the 429 that paused the client.
    pub(crate) asked: Option<Duration>,
}

impl Throttle {
    /// Waits until a request may go: the pause is over and there is room
    /// under the limit. A request that would still be waiting at `until`
    /// is not kept waiting at all (for a pause) or is let go at `until`
    /// (for room), with [`HeldBack`].
    pub(crate) async fn admit_until(&self, until: Instant) -> Result<Permit<'_>, HeldBack> {
        loop {
            // Registered before looking, so a release in between is seen.
            let changed = self.changed.notified();
            let (pause, asked) = {
                let Ok(mut s) = self.state.lock() else {
                    return Ok(Permit { throttle: self });
                };
                let now = Instant::now();
                match s.paused_until {
                    Some(end) if end > now => (Some(end), s.asked),
                    _ => {
                        s.paused_until = None;
                        if s.limit.is_none_or(|l| s.in_flight < l) {
                            s.in_flight += 1;
                            return Ok(Permit { throttle: self });
                        }
                        (None, None)
                    }
                }
            };
            let now = Instant::now();
            match pause {
                Some(end) if end > until => {
                    return Err(HeldBack {
                        remaining: end.saturating_duration_since(now),
                        asked,
                    })
                }
                Some(end) => tokio::time::sleep_until(end).await,
                None => {
                    if tokio::time::timeout_at(until, changed).await.is_err() {
                        return Err(HeldBack {
                            remaining: Duration::ZERO,
                            asked: None,
                        });
                    }
                }
            }
        }
    }

    /// Takes note of an answer: a 429 pauses everyone for the wait it
    /// `asked` for (one second when it said nothing), at most `cap`, and
    /// halves how many may go at once; other answers let it grow back.
    pub(crate) fn observe(&self, throttled: bool, asked: Option<Duration>, cap: Duration) {
        if let Ok(mut s) = self.state.lock() {
            if throttled {
                let pause = asked.unwrap_or(DEFAULT_PAUSE).min(cap);
                let now = Instant::now();
                let until = now.checked_add(pause).unwrap_or(now);
                if s.paused_until.is_none_or(|u| until >= u) {
                    s.paused_until = Some(until);
                    s.asked = asked;
                }
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

    const CAP: Duration = Duration::from_secs(60);

    /// Admitted with no limit of its own.
    async fn admit(throttle: &Throttle) -> Permit<'_> {
        let far = Instant::now() + Duration::from_secs(86_400);
        throttle.admit_until(far).await.expect("no limit")
    }

    #[tokio::test(start_paused = true)]
    async fn a_hostile_retry_after_pauses_no_longer_than_the_cap() {
        let throttle = Throttle::default();
        let asked = Duration::from_secs(u64::MAX / 4);
        throttle.observe(true, Some(asked), Duration::from_millis(50));
        let started = Instant::now();
        drop(admit(&throttle).await);
        assert_eq!(started.elapsed(), Duration::from_millis(50));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_past_the_requests_limit_is_refused_at_once() {
        let throttle = Throttle::default();
        throttle.observe(true, Some(Duration::from_secs(3600)), CAP);
        let started = Instant::now();
        let held = throttle
            .admit_until(started + Duration::from_secs(5))
            .await
            .expect_err("the pause ends past the limit");
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert_eq!(held.remaining, CAP);
        assert_eq!(held.asked, Some(Duration::from_secs(3600)));
        // Within the limit, the pause is waited out.
        let ok = throttle
            .admit_until(started + Duration::from_secs(61))
            .await;
        assert!(ok.is_ok());
        assert_eq!(started.elapsed(), CAP);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_for_room_ends_at_the_limit() {
        let throttle = Throttle::default();
        let _a = admit(&throttle).await;
        throttle.observe(true, Some(Duration::ZERO), CAP); // limit 1, one in flight
        let started = Instant::now();
        let held = throttle
            .admit_until(started + Duration::from_secs(2))
            .await
            .expect_err("no room before the limit");
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        assert_eq!(held.remaining, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_every_request_back_for_the_retry_after() {
        let throttle = Arc::new(Throttle::default());
        let first = admit(&throttle).await;
        throttle.observe(true, Some(Duration::from_secs(2)), CAP);
        drop(first);
        let started = Instant::now();
        let mut waiting = Vec::new();
        for _ in 0..3 {
            let t = throttle.clone();
            waiting.push(tokio::spawn(async move {
                let _p = admit(&t).await;
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
        throttle.observe(true, Some(Duration::ZERO), CAP);
        assert_eq!(throttle.limit(), Some(4));
        drop(permits);
        for _ in 0..4 {
            throttle.observe(false, None, CAP);
        }
        assert_eq!(throttle.limit(), Some(5));
        // Grown past the ceiling, the limit is lifted.
        for _ in 0..(CEILING * CEILING) {
            throttle.observe(false, None, CAP);
        }
        assert_eq!(throttle.limit(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_over_the_limit_waits_for_one_to_finish() {
        let throttle = Arc::new(Throttle::default());
        let a = admit(&throttle).await;
        let b = admit(&throttle).await;
        throttle.observe(true, Some(Duration::ZERO), CAP); // limit 1, two in flight
        let t = throttle.clone();
        let third = tokio::spawn(async move {
            let _p = admit(&t).await;
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
            v.push(admit(throttle).await);
        }
        v
    }
}
