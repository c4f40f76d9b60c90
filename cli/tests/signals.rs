//! SIGINT and SIGTERM (issue 26): the command stops within a second, says
//! where it stopped and how to continue, reports, and exits 130 or 143;
//! the same command then carries on. Against an emulator on 127.0.0.1
//! slow enough that a run takes several seconds.

#![cfg(unix)]

mod support;

use std::time::{Duration, Instant};

use support::{sample, standin, Env, Run};

fn slow() -> partner_center_emulator::EmulatorBuilder {
    let d = Duration::from_millis(1500);
    partner_center_emulator::Emulator::builder()
        .consistency_delay(Duration::from_millis(100))
        .processing_delay(d)
        .certification_delay(d)
}

/// Starts `cmd`, sends `signal` after `after`; returns the run and how
/// long it took to end after the signal.
async fn signalled(
    mut cmd: tokio::process::Command,
    signal: &str,
    after: Duration,
) -> (Run, Duration) {
    let child = cmd.spawn().expect("the command starts");
    let pid = child.id().expect("a pid").to_string();
    let output = tokio::spawn(child.wait_with_output());
    tokio::time::sleep(after).await;
    let sent = Instant::now();
    let kill = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let out = tokio::time::timeout(Duration::from_secs(30), output)
        .await
        .expect("the command ends after the signal")
        .unwrap()
        .unwrap();
    let took = sent.elapsed();
    (
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        took,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_publish_live_interrupted_exits_130_and_the_same_command_ends_live() {
    let env = Env::start(slow()).await;
    let file = env.write("offer.yaml", &sample("interrupted-offer"));
    let f = file.to_str().unwrap();
    let args = ["apply", "--publish", "live", f];
    let (run, took) = signalled(env.command(&args), "-INT", Duration::from_secs(1)).await;
    assert!(took < Duration::from_secs(2), "{took:?}\n{}", run.all());
    assert_eq!(run.code, 130, "{}", run.all());
    assert!(
        run.stderr.contains("interrupted by SIGINT"),
        "{}",
        run.all()
    );
    assert!(
        run.stderr
            .contains("Running the same command again continues"),
        "{}",
        run.all()
    );
    assert!(
        run.stderr.contains(&format!("apply --publish live {f}")),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("interrupted"),
        "the summary says so\n{}",
        run.all()
    );

    let again = env.run(&args).await;
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(
        again.stdout.contains("reached InStore") || again.stdout.contains("live"),
        "{}",
        again.all()
    );
    let status = env.run(&["status", f]).await;
    assert_eq!(status.code, 0, "{}", status.all());
    assert!(status.stdout.contains("InStore"), "{}", status.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_writes_the_json_report_and_the_github_summary_and_exits_143() {
    let env = Env::start(slow()).await;
    let file = env.write("offer.yaml", &sample("terminated-offer"));
    let f = file.to_str().unwrap();
    let summary = env.dir.path().join("summary.md");
    let mut cmd = env.command(&["apply", "--publish", "live", "--output", "json", f]);
    cmd.env("GITHUB_STEP_SUMMARY", &summary);
    let (run, took) = signalled(cmd, "-TERM", Duration::from_secs(1)).await;
    assert!(took < Duration::from_secs(2), "{took:?}\n{}", run.all());
    assert_eq!(run.code, 143, "{}", run.all());
    let lines = run.json_lines();
    let report = lines
        .iter()
        .find(|v| v["event"] == "summary")
        .expect("a summary");
    assert_eq!(report["exit_code"], 143, "{report}");
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["offers"][0]["status"], "interrupted", "{report}");
    let stopped = lines
        .iter()
        .find(|v| v["event"] == "interrupted")
        .expect("an interrupted object");
    assert_eq!(stopped["signal"], "SIGTERM", "{stopped}");
    assert_eq!(stopped["command"], "apply", "{stopped}");
    assert!(
        stopped["again"]
            .as_str()
            .unwrap()
            .contains("apply --publish live"),
        "{stopped}"
    );
    let md = std::fs::read_to_string(&summary).expect("the step summary");
    assert!(md.contains("### partner-center apply"), "{md}");
    assert!(md.contains("| terminated-offer | interrupted |"), "{md}");
    assert!(md.contains("Interrupted"), "{md}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_waiting_out_throttling_stops_at_sigint_too() {
    let env = Env::start(support::quick()).await;
    let api =
        standin::start(|_| standin::answer("429 Too Many Requests", &[b"retry-after: 0.5"], "{}"))
            .await;
    let mut cmd = env.command(&["list", "offers"]);
    cmd.env("PARTNER_CENTER_ENDPOINT", &api.url);
    let (run, took) = signalled(cmd, "-INT", Duration::from_millis(1500)).await;
    assert!(took < Duration::from_secs(2), "{took:?}\n{}", run.all());
    assert_eq!(run.code, 130, "{}", run.all());
    assert!(run.stderr.contains("retry: GET"), "{}", run.all());
    assert!(
        run.stderr
            .contains("interrupted by SIGINT: `list offers` stopped"),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("list offers"), "{}", run.all());
}
