//! The live service's pace: answers that take a while (`latency`) and a
//! request rate per tenant (`rate_limit`), over it `429` with the time until
//! a token is free.

mod support;

use std::time::{Duration, Instant};

use futures::future::join_all;
use partner_center_emulator::{Emulator, Error};
use support::{start, token, Answer, Env};

/// Sends `n` `GET /products` at once.
async fn burst(env: &Env, n: usize) -> Vec<Answer> {
    join_all((0..n).map(|_| env.get("/products"))).await
}

/// The wait a 429 asks for, checked: `Retry-After` in whole seconds (at
/// least 1) and `retry-after-ms` no longer than one token's time at `rate`.
fn asked_wait(a: &Answer, rate: f64) -> Duration {
    assert_eq!(a.header("retry-after").as_deref(), Some("1"), "{a:?}");
    let ms: u64 = a
        .header("retry-after-ms")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("retry-after-ms in {a:?}"));
    let one_token = (1000.0 / rate).ceil() as u64;
    assert!((1..=one_token).contains(&ms), "{ms} ms at {rate}/s");
    assert!(a.text.contains("Rate limit is exceeded"), "{}", a.text);
    Duration::from_millis(ms)
}

#[tokio::test]
async fn over_the_rate_limit_a_burst_is_answered_429_with_when_a_token_is_free() {
    let env = start(Emulator::builder().rate_limit(30.0)).await;
    let before = env.emu.stats();
    let answers = burst(&env, 40).await;
    let ok = answers.iter().filter(|a| a.status == 200).count();
    let refused: Vec<&Answer> = answers.iter().filter(|a| a.status == 429).collect();
    assert_eq!(ok + refused.len(), 40, "{answers:?}");
    // The bucket holds one second's worth (30); the rest of the burst, less
    // what refills while it arrives, is refused.
    assert!(ok >= 30, "{ok} served");
    assert!(!refused.is_empty(), "none of 40 at once refused");
    let longest = refused
        .iter()
        .map(|a| asked_wait(a, 30.0))
        .max()
        .unwrap_or_default();
    let after = env.emu.stats();
    assert_eq!(
        after.throttled - before.throttled,
        refused.len() as u64,
        "429s are counted as throttled"
    );
    // Waiting as long as asked finds a token free.
    tokio::time::sleep(longest).await;
    assert_eq!(env.get("/products").await.status, 200);
    // Token requests are not limited.
    for _ in 0..40 {
        token(&env.http, &env.emu).await;
    }
}

#[tokio::test]
async fn below_the_rate_limit_nothing_is_refused() {
    let env = start(Emulator::builder().rate_limit(1000.0)).await;
    let answers = burst(&env, 40).await;
    assert!(answers.iter().all(|a| a.status == 200), "{answers:?}");
    assert_eq!(env.emu.stats().throttled, 0);
}

#[tokio::test]
async fn each_answer_takes_a_latency_within_its_range() {
    let (lo, hi) = (Duration::from_millis(100), Duration::from_millis(300));
    let env = start(Emulator::builder().latency(lo, hi).seed(7)).await;
    let mut took = Vec::new();
    for _ in 0..8 {
        let started = Instant::now();
        assert_eq!(env.get("/products").await.status, 200);
        took.push(started.elapsed());
    }
    // At least the shortest; at most the longest and what serving takes
    // on a loaded machine.
    let slack = Duration::from_millis(250);
    assert!(took.iter().all(|t| *t >= lo && *t < hi + slack), "{took:?}");
    // Drawn, not fixed.
    let spread = took
        .iter()
        .max()
        .unwrap()
        .saturating_sub(*took.iter().min().unwrap());
    assert!(spread > Duration::from_millis(10), "{took:?}");
    // Answers at once the requests sent together: the delays overlap.
    let started = Instant::now();
    burst(&env, 10).await;
    assert!(started.elapsed() < hi + slack, "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_fixed_latency_delays_the_api_and_not_the_token_endpoint() {
    let d = Duration::from_millis(1500);
    let env = start(Emulator::builder().latency(d, d)).await;
    let started = Instant::now();
    token(&env.http, &env.emu).await;
    assert!(started.elapsed() < d, "token took {:?}", started.elapsed());
    let started = Instant::now();
    assert_eq!(env.get("/products").await.status, 200);
    assert!(started.elapsed() >= d, "{:?}", started.elapsed());
    // A refusal before the API (no token) answers at once.
    let started = Instant::now();
    let r = env
        .http
        .get(format!("{}/products", env.emu.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(started.elapsed() < d, "{:?}", started.elapsed());
}

/// The message of the builder's refusal.
async fn refused(b: partner_center_emulator::EmulatorBuilder) -> String {
    match b.start().await {
        Err(Error::Config(m)) => m,
        Err(e) => panic!("another error: {e}"),
        Ok(_) => panic!("started"),
    }
}

#[tokio::test]
async fn bad_latencies_and_rate_limits_are_refused_saying_why() {
    let ms = Duration::from_millis;
    let m = refused(Emulator::builder().latency(ms(300), ms(100))).await;
    assert!(m.contains("shortest") && m.contains("min..max"), "{m}");
    let m = refused(Emulator::builder().latency(ms(0), Duration::from_secs(7200))).await;
    assert!(m.contains("at most one hour"), "{m}");
    for bad in [0.0, -5.0, f64::NAN, f64::INFINITY, 2e6] {
        let m = refused(Emulator::builder().rate_limit(bad)).await;
        assert!(
            m.contains("rate_limit") && m.contains("such as 30"),
            "{bad}: {m}"
        );
    }
}
