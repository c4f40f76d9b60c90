//! The pace of the live service: how long it takes to answer (a latency
//! drawn from a range on a seeded sequence, so runs repeat) and how many
//! requests a tenant may make (a token bucket per tenant; over it, the time
//! until a token is free).
//!
//! Both run on tokio's time ([`tokio::time::Instant`], `tokio::time::sleep`),
//! so a test on tokio's paused clock sees them without waiting.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::faults::unit;

/// The most a latency may be.
pub const MAX_LATENCY: Duration = Duration::from_secs(3600);

/// The highest rate limit (requests a second) accepted.
pub const MAX_RATE: f64 = 1_000_000.0;

/// Answer times drawn uniformly from `min..=max`.
#[derive(Debug)]
pub struct Latency {
    min: Duration,
    max: Duration,
    seed: u64,
    counter: u64,
}

impl Latency {
    /// A latency in `min..=max` (a fixed one when they are equal).
    pub fn new(min: Duration, max: Duration, seed: u64) -> Latency {
        Latency {
            min,
            max: max.max(min),
            seed,
            counter: 0,
        }
    }

    /// Whether no answer is delayed.
    pub fn is_zero(&self) -> bool {
        self.max.is_zero()
    }

    /// The delay of the next answer.
    pub fn next(&mut self) -> Duration {
        if self.min == self.max {
            return self.min;
        }
        self.counter += 1;
        let span = (self.max - self.min).as_secs_f64();
        // `unit` is below 1, so this stays below `max`; `max` is reached
        // only as a bound, which a uniform draw hits with probability 0.
        self.min + Duration::from_secs_f64(span * unit(self.seed, self.counter))
    }
}

/// One tenant's bucket.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets, one per tenant: each holds up to one second's worth of
/// requests (at least one), and refills at the rate.
#[derive(Debug)]
pub struct RateLimit {
    per_second: f64,
    capacity: f64,
    buckets: HashMap<String, Bucket>,
}

impl RateLimit {
    /// `per_second` requests a second per tenant (positive and finite).
    pub fn new(per_second: f64) -> RateLimit {
        RateLimit {
            per_second,
            capacity: per_second.max(1.0),
            buckets: HashMap::new(),
        }
    }

    /// Takes a token of `tenant`'s bucket at `now`, or says how long until
    /// one is free (a refused request takes none).
    pub fn take(&mut self, tenant: &str, now: Instant) -> Result<(), Duration> {
        let capacity = self.capacity;
        let rate = self.per_second;
        let b = self.buckets.entry(tenant.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(capacity);
        b.at = now;
        // A hair under one token counts as one: the wait told is rounded
        // up to the microsecond, and a caller waiting exactly that long
        // must find the token free.
        if b.tokens >= 1.0 - 1e-9 {
            b.tokens = (b.tokens - 1.0).max(0.0);
            Ok(())
        } else {
            let micros = ((1.0 - b.tokens) / rate * 1e6).ceil();
            let wait = Duration::try_from_secs_f64(micros / 1e6).unwrap_or(Duration::from_secs(1));
            Err(wait.max(Duration::from_millis(1)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_stay_in_their_range_and_repeat_with_the_seed() {
        let (lo, hi) = (Duration::from_millis(100), Duration::from_millis(300));
        let draw = |seed| {
            let mut l = Latency::new(lo, hi, seed);
            (0..500).map(|_| l.next()).collect::<Vec<_>>()
        };
        let a = draw(5);
        assert!(a.iter().all(|d| (lo..hi).contains(d)), "{a:?}");
        assert_eq!(a, draw(5));
        assert_ne!(a, draw(6));
        let mean = a.iter().sum::<Duration>() / 500;
        assert!(
            (Duration::from_millis(180)..Duration::from_millis(220)).contains(&mean),
            "{mean:?}"
        );
        let mut fixed = Latency::new(lo, lo, 5);
        assert_eq!(fixed.next(), lo);
        assert!(Latency::new(Duration::ZERO, Duration::ZERO, 0).is_zero());
    }

    #[test]
    fn a_bucket_lets_a_second_through_then_says_when_a_token_is_free() {
        let start = Instant::now();
        let mut r = RateLimit::new(30.0);
        let passed = (0..40).filter(|_| r.take("t", start).is_ok()).count();
        assert_eq!(passed, 30);
        let wait = r.take("t", start).expect_err("the bucket is empty");
        assert!(
            (Duration::from_millis(33)..=Duration::from_millis(34)).contains(&wait),
            "{wait:?}"
        );
        // Another tenant has a bucket of its own.
        assert!(r.take("other", start).is_ok());
        // A token is free once the wait is over, and only one.
        let later = start + wait;
        assert!(r.take("t", later).is_ok());
        assert!(r.take("t", later).is_err());
        // A slow rate still lets one request through.
        let mut slow = RateLimit::new(0.5);
        assert!(slow.take("t", start).is_ok());
        assert_eq!(slow.take("t", start), Err(Duration::from_secs(2)));
    }
}
