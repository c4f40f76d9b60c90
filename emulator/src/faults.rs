//! Faults on request: throttling (429) and failures (503), decided by a seeded
//! sequence so that the same seed gives the same faults for the same requests.

/// What to do with a request.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Fault {
    None,
    Throttle,
    Fail,
}

/// The fault schedule.
#[derive(Debug)]
pub struct Faults {
    throttle_rate: f64,
    fail_rate: f64,
    seed: u64,
    counter: u64,
}

/// SplitMix64: a small, well-mixed function of a counter.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Faults {
    pub fn new(throttle_rate: f64, fail_rate: f64, seed: u64) -> Faults {
        Faults {
            throttle_rate,
            fail_rate,
            seed,
            counter: 0,
        }
    }

    /// The fault for the next request.
    pub fn next(&mut self) -> Fault {
        if self.throttle_rate <= 0.0 && self.fail_rate <= 0.0 {
            return Fault::None;
        }
        self.counter += 1;
        let r = mix(self.seed ^ mix(self.counter));
        let x = (r >> 11) as f64 / (1u64 << 53) as f64;
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
    }
}
