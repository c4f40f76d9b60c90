//! Hostile answers (issue 26): however a server answers, `partner-center`
//! ends in bounded time with an error that names what happened. The
//! tokens come from an emulator; the API is a raw stand-in on 127.0.0.1.

mod support;

use std::time::{Duration, Instant};

use support::standin::{self, Answer};
use support::{quick, sample, Env, Run};

/// Runs the command with the API at `api` (tokens from the emulator).
async fn against(env: &Env, api: &str, args: &[&str]) -> (Run, Duration) {
    let started = Instant::now();
    let run = env
        .run_with(args, &[("PARTNER_CENTER_ENDPOINT", api)])
        .await;
    (run, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttling_server_ends_status_within_the_budget_whatever_it_asks() {
    let env = Env::start(quick()).await;
    let file = env.write("offer.yaml", &sample("throttled-offer"));
    let f = file.to_str().unwrap().to_string();
    // What each Retry-After is reported as.
    let cases = [
        ("3600", "asked to wait 3600 s"),
        ("99999999999", "asked to wait more than a year"),
        ("18446744073709551615", "asked to wait more than a year"),
        ("-5", "without saying how long to wait"),
        ("1e9", "asked to wait more than a year"),
        ("0.5", "asked to wait 500 ms"),
        (
            "Thu, 01 Jan 2099 00:00:00 GMT",
            "asked to wait more than a year",
        ),
    ];
    let mut runs = Vec::new();
    for status in ["429 Too Many Requests", "503 Service Unavailable"] {
        for (value, said) in cases {
            let env = &env;
            let f = f.clone();
            runs.push(async move {
                let header = format!("retry-after: {value}");
                let header = header.into_bytes();
                let api = standin::start(move |_| {
                    standin::answer(
                        status,
                        &[&header],
                        r#"{"error":{"code":"Throttled","message":"slow down"}}"#,
                    )
                })
                .await;
                let (run, took) =
                    against(env, &api.url, &["--retry-budget", "5s", "status", &f]).await;
                (status, value, said, run, took)
            });
        }
    }
    for (status, value, said, run, took) in futures::future::join_all(runs).await {
        let case = format!("{status}, Retry-After: {value}");
        assert!(
            took < Duration::from_secs(20),
            "{case}: {took:?}\n{}",
            run.all()
        );
        assert_eq!(run.code, 1, "{case}\n{}", run.all());
        assert!(!run.stderr.contains("panicked"), "{case}\n{}", run.all());
        assert!(run.stderr.contains("throttling"), "{case}\n{}", run.all());
        assert!(run.stderr.contains(status), "{case}\n{}", run.all());
        assert!(run.stderr.contains(said), "{case}: {said:?}\n{}", run.all());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_breaks_http_is_retried_visibly_and_named() {
    let env = Env::start(quick()).await;
    let api = standin::start(|_| {
        standin::answer(
            "200 OK",
            &[b"x-ms-correlation-id: \x01bad"],
            r#"{"value":[]}"#,
        )
    })
    .await;
    let (run, took) = against(&env, &api.url, &["--retry-budget", "5s", "list", "offers"]).await;
    assert!(took < Duration::from_secs(20), "{took:?}\n{}", run.all());
    assert_eq!(run.code, 1, "{}", run.all());
    let retries: Vec<_> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("retry: GET ") && l.contains("/products failed"))
        .collect();
    assert!(
        !retries.is_empty(),
        "no retry line without -v\n{}",
        run.all()
    );
    assert!(
        retries[0]
            .contains("(the answer could not be read as HTTP), attempt 1 of 8; trying again in"),
        "{}",
        run.all()
    );
    assert!(
        run.stderr.contains("could not be read as HTTP"),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("/products"), "{}", run.all());

    // --quiet: no retry lines, the error still.
    let (quiet, _) = against(
        &env,
        &api.url,
        &["--retry-budget", "2s", "--quiet", "list", "offers"],
    )
    .await;
    assert_eq!(quiet.code, 1, "{}", quiet.all());
    assert!(!quiet.stderr.contains("retry: "), "{}", quiet.all());
    assert!(
        quiet.stderr.contains("could not be read as HTTP"),
        "{}",
        quiet.all()
    );

    // -v: each retry said once.
    let (verbose, _) = against(
        &env,
        &api.url,
        &["--retry-budget", "2s", "-v", "list", "offers"],
    )
    .await;
    let lines = verbose
        .stderr
        .lines()
        .filter(|l| l.contains("retrying") || l.starts_with("retry: "))
        .count();
    let said = verbose
        .stderr
        .lines()
        .filter(|l| l.starts_with("retry: "))
        .count();
    assert!(said > 0 && lines == said, "{}", verbose.all());
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_gib_answer_is_refused_at_the_cap_in_little_memory() {
    let env = Env::start(quick()).await;
    let api = standin::start(|_| Answer::Huge(1 << 30)).await;
    let mut child = env
        .command(&["list", "offers"])
        .env("PARTNER_CENTER_ENDPOINT", &api.url)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let started = Instant::now();
    let mut peak_kb = 0u64;
    let status = loop {
        if let Ok(status) = tokio::time::timeout(Duration::from_millis(20), child.wait()).await {
            break status.unwrap();
        }
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(kb) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "still reading after 2 minutes"
        );
    };
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        use tokio::io::AsyncReadExt;
        let _ = err.read_to_string(&mut stderr).await;
    }
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("larger than"), "{stderr}");
    assert!(stderr.contains("64 MiB"), "{stderr}");
    assert!(peak_kb > 0, "no memory reading");
    assert!(peak_kb < 300 * 1024, "peak memory {peak_kb} kB\n{stderr}");
}
