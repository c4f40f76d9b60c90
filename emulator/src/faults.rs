//! Faults on request, each decided by a seeded sequence so that the same seed
//! gives the same faults for the same requests: throttling (429) and failures
//! (503) of any ingestion call, passing 404s of a submission that is moving,
//! and 404s of followed `nextLink`s.

/// What to do with a request.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Fault {
    /// Serve it.
    None,
    /// 429 with `Retry-After`.
    Throttle,
    /// 503 with an HTML body.
    Fail,
}

/// The fault schedules.
#[derive(Debug)]
pub struct Faults {
    throttle_rate: f64,
    fail_rate: f64,
    seed: u64,
    counter: u64,
    /// How long the budget stays spent after a throttle is drawn.
    window: std::time::Duration,
    /// Until when every call is throttled.
    throttled_until: Option<std::time::Instant>,
    /// A read of a submission that is moving answers 404.
    pub transient_404: Chance,
    /// A followed `nextLink` answers 404.
    pub broken_next_link: Chance,
}

/// One yes-or-no fault at a rate, on its own seeded sequence.
#[derive(Debug)]
pub struct Chance {
    rate: f64,
    seed: u64,
    counter: u64,
}

impl Chance {
    /// A fault that happens at `rate` (0 to 1).
    pub fn new(rate: f64, seed: u64) -> Chance {
        Chance {
            rate,
            seed,
            counter: 0,
        }
    }

    /// Whether the fault happens this time.
    pub fn hit(&mut self) -> bool {
        if self.rate <= 0.0 {
            return false;
        }
        self.counter += 1;
        unit(self.seed, self.counter) < self.rate
    }
}

/// A number in [0, 1) from a seed and a counter.
pub(crate) fn unit(seed: u64, counter: u64) -> f64 {
    let r = mix(seed ^ mix(counter));
    (r >> 11) as f64 / (1u64 << 53) as f64
}

/// SplitMix64: a small, well-mixed function of a counter.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Faults {
    /// Throttling and failures of any call at these rates.
    pub fn new(throttle_rate: f64, fail_rate: f64, seed: u64) -> Faults {
        Faults {
            throttle_rate,
            fail_rate,
            seed,
            counter: 0,
            window: std::time::Duration::from_secs(1),
            throttled_until: None,
            transient_404: Chance::new(0.0, 0),
            broken_next_link: Chance::new(0.0, 0),
        }
    }

    /// Adds the passing 404s of moving submissions and of followed links.
    pub fn with_404s(mut self, transient: f64, broken_link: f64) -> Faults {
        // Streams of their own, so adding one does not move the others.
        self.transient_404 = Chance::new(transient, mix(self.seed ^ 0x7404));
        self.broken_next_link = Chance::new(broken_link, mix(self.seed ^ 0x1404));
        self
    }

    /// Throttling as a rate limiter does it: a call that draws a throttle
    /// spends the budget for `window`, and every call until then is
    /// throttled too, told how long is left (default one second).
    pub fn with_throttle_window(mut self, window: std::time::Duration) -> Faults {
        self.window = window;
        self
    }

    /// The fault for the next request at `now`: a throttle with the time
    /// left in its window, or another fault.
    pub fn next_at(&mut self, now: std::time::Instant) -> (Fault, std::time::Duration) {
        if let Some(until) = self.throttled_until {
            if until > now {
                return (Fault::Throttle, until - now);
            }
            self.throttled_until = None;
        }
        let fault = self.next();
        if fault == Fault::Throttle && !self.window.is_zero() {
            self.throttled_until = Some(now + self.window);
        }
        (fault, self.window)
    }

    /// The fault for the next request.
    pub fn next(&mut self) -> Fault {
        if self.throttle_rate <= 0.0 && self.fail_rate <= 0.0 {
            return Fault::None;
        }
        self.counter += 1;
        let x = unit(self.seed, self.counter);
        if x < self.throttle_rate {
            Fault::Throttle
        } else if x < self.throttle_rate + self.fail_rate {
            Fault::Fail
        } else {
            Fault::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throttle_spends_the_budget_for_its_window() {
        let start = std::time::Instant::now();
        let mut f =
            Faults::new(1.0, 0.0, 3).with_throttle_window(std::time::Duration::from_secs(2));
        assert_eq!(
            f.next_at(start),
            (Fault::Throttle, std::time::Duration::from_secs(2))
        );
        let later = start + std::time::Duration::from_millis(500);
        assert_eq!(
            f.next_at(later),
            (Fault::Throttle, std::time::Duration::from_millis(1500))
        );
        let mut f = Faults::new(0.0, 0.0, 3);
        assert_eq!(f.next_at(start).0, Fault::None);
    }

    #[test]
    fn same_seed_same_faults_and_rates_hold() {
        let run = |seed| {
            let mut f = Faults::new(0.2, 0.1, seed);
            (0..1000).map(|_| f.next()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let v = run(7);
        let t = v.iter().filter(|f| **f == Fault::Throttle).count();
        let e = v.iter().filter(|f| **f == Fault::Fail).count();
        assert!((150..250).contains(&t), "{t}");
        assert!((60..140).contains(&e), "{e}");
        assert!(Faults::new(0.0, 0.0, 1).next() == Fault::None);
        let mut c = Chance::new(0.3, 9);
        let hits = (0..1000).filter(|_| c.hit()).count();
        assert!((230..370).contains(&hits), "{hits}");
        assert!(!Chance::new(0.0, 9).hit());
    }
}
