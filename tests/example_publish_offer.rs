//! Runs `examples/publish_offer.rs` the way a user does: with no `AZURE_*`
//! variables (its own in-process emulator), against an emulator named by
//! the environment (twice), with a package that is not a zip, and pointed at
//! the live service without `--live`.

mod support;

use std::process::{Command, Output};

use partner_center_emulator::{Emulator, EmulatorHandle};
use support::example_binary;

/// The example with an empty environment but `PATH` and `vars`.
fn run(args: &[&str], vars: &[(&str, String)]) -> Output {
    let mut command = Command::new(example_binary("publish_offer"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("the example runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn env_for(emulator: &EmulatorHandle) -> Vec<(&'static str, String)> {
    vec![
        ("AZURE_TENANT_ID", emulator.tenant_id().to_string()),
        ("AZURE_CLIENT_ID", emulator.client_id().to_string()),
        ("AZURE_CLIENT_SECRET", emulator.client_secret().to_string()),
        ("AZURE_AUTHORITY_HOST", emulator.authority_host()),
        ("PARTNER_CENTER_ENDPOINT", emulator.endpoint()),
    ]
}

#[test]
fn with_no_azure_variables_it_publishes_to_an_in_process_emulator() {
    let output = run(&[], &[]);
    let (stdout, stderr) = text(&output);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for expected in [
        "in-process emulator",
        "created offer contoso-sample-app",
        "uploaded and processed logo logo-216.png",
        "created plan standard",
        "uploaded and processed package app.zip",
        "submitted to preview",
        "submission is ReadyToPublish",
        "promoted to live",
        "submission is InStore",
        "is live",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
    // Every step line carries its elapsed time.
    assert!(
        stdout
            .lines()
            .skip(1)
            .all(|l| l.starts_with('[') && l.contains("s] ")),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_an_emulator_named_by_the_environment_a_second_run_changes_nothing_it_need_not() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let vars = env_for(&emulator);
    let first = tokio::task::spawn_blocking({
        let vars = vars.clone();
        move || run(&[], &vars)
    })
    .await
    .unwrap();
    let (stdout, stderr) = text(&first);
    assert!(
        first.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(!stdout.contains("in-process"), "{stdout}");
    assert!(stdout.contains("created offer"), "{stdout}");

    let second = tokio::task::spawn_blocking(move || run(&[], &vars))
        .await
        .unwrap();
    let (stdout, stderr) = text(&second);
    assert!(
        second.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for expected in [
        "found offer contoso-sample-app",
        "offer listing already up to date",
        "logo logo-216.png is already there",
        "found plan standard",
        "is live",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
    let stats = emulator.stats();
    assert_eq!(stats.products, 1, "one offer after two runs");
    assert_eq!(stats.variants, 1, "one plan after two runs");
}

#[test]
fn a_package_that_is_not_a_zip_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("notes.txt");
    std::fs::write(&bad, "not a zip").unwrap();
    let output = run(&["--package", bad.to_str().unwrap()], &[]);
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success(), "stdout:\n{stdout}");
    assert!(stderr.contains("notes.txt"), "stderr:\n{stderr}");
    assert!(
        !stdout.contains("submitted"),
        "nothing is submitted: {stdout}"
    );
}

#[test]
fn the_live_service_is_left_alone_without_live() {
    // No request is sent: the refusal comes before the first call.
    let vars = vec![
        (
            "AZURE_TENANT_ID",
            "00000000-0000-0000-0000-000000000001".to_string(),
        ),
        (
            "AZURE_CLIENT_ID",
            "00000000-0000-0000-0000-000000000002".to_string(),
        ),
        ("AZURE_CLIENT_SECRET", "not-a-real-secret".to_string()),
    ];
    let output = run(&[], &vars);
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success(), "stdout:\n{stdout}");
    assert!(stderr.contains("--live"), "stderr:\n{stderr}");
    assert!(
        stderr.contains("api.partner.microsoft.com"),
        "stderr:\n{stderr}"
    );
    assert!(
        !stderr.contains("not-a-real-secret"),
        "the secret is not shown: {stderr}"
    );
}

#[test]
fn an_unknown_argument_is_refused_with_the_usage() {
    let output = run(&["--bogus"], &[]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("--bogus") && stderr.contains("usage:"),
        "{stderr}"
    );
}
