//! Throttling and failures on request, deterministic for a seed.

mod support;

use partner_center_emulator::Emulator;
use support::start;

async fn statuses(seed: u64) -> Vec<(u16, Option<String>, String)> {
    let env = start(
        Emulator::builder()
            .throttle_rate(0.3)
            .throttle_window(std::time::Duration::ZERO)
            .fail_rate(0.2)
            .seed(seed),
    )
    .await;
    let mut out = Vec::new();
    for _ in 0..40 {
        let a = env.get("/products").await;
        out.push((
            a.status.as_u16(),
            a.header("retry-after"),
            a.header("content-type").unwrap_or_default(),
        ));
    }
    out
}

#[tokio::test]
async fn faults_follow_the_seed() {
    let a = statuses(42).await;
    assert_eq!(a, statuses(42).await);
    assert_ne!(a, statuses(43).await);
    assert!(
        a.iter().any(|s| s.0 == 429)
            && a.iter().any(|s| s.0 == 503)
            && a.iter().any(|s| s.0 == 200)
    );
    for (status, retry, ctype) in &a {
        match status {
            429 => assert_eq!(retry.as_deref(), Some("1")),
            503 => assert!(ctype.starts_with("text/html")),
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_throttled_request_spends_the_budget_for_the_window() {
    let env = start(
        Emulator::builder()
            .throttle_rate(0.3)
            .throttle_window(std::time::Duration::from_secs(30))
            .seed(5),
    )
    .await;
    let mut first = None;
    for i in 0..40 {
        if env.get("/products").await.status.as_u16() == 429 {
            first = Some(i);
            break;
        }
    }
    assert!(first.is_some(), "no request was throttled");
    // Every request in the window is throttled, told what is left.
    for _ in 0..5 {
        let a = env.get("/products").await;
        assert_eq!(a.status.as_u16(), 429);
        let ms: u64 = a.header("retry-after-ms").unwrap().parse().unwrap();
        assert!(ms > 0 && ms <= 30_000, "{ms}");
        let secs: u64 = a.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=30).contains(&secs), "{secs}");
    }
    assert!(env.emu.stats().throttled >= 6);
}

#[tokio::test]
async fn tokens_are_never_faulted() {
    let env = start(Emulator::builder().fail_rate(1.0)).await;
    for _ in 0..5 {
        support::token(&env.http, &env.emu).await;
    }
    assert_eq!(env.get("/products").await.status, 503);
}

#[tokio::test]
async fn rates_out_of_range_are_refused() {
    assert!(Emulator::builder().fail_rate(1.5).start().await.is_err());
    assert!(Emulator::builder()
        .throttle_rate(-0.1)
        .start()
        .await
        .is_err());
}

#[test]
fn a_builder_never_shows_the_client_secret() {
    let b = Emulator::builder().client_secret("s3cret-value");
    let text = format!("{b:?}");
    assert!(!text.contains("s3cret-value"), "{text}");
    assert!(text.contains("not shown"), "{text}");
}
