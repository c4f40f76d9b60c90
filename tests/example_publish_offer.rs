//! Runs `examples/publish_offer.rs` the way a user does: with no `AZURE_*`
//! variables (its own in-process emulator), against an emulator named by
//! the environment (twice; then a copy of the definition edited, planned and
//! applied), with a package that is not a zip, with a misspelt key, and
//! pointed at the live service without `--live`.

mod support;

use std::path::PathBuf;
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
    let writes_after_first = emulator.stats().writes;

    let second = tokio::task::spawn_blocking(move || run(&[], &vars))
        .await
        .unwrap();
    let (stdout, stderr) = text(&second);
    assert!(
        second.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for expected in ["offer contoso-sample-app: no changes", "nothing to publish"] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
    assert!(!stdout.contains("submitted"), "{stdout}");
    assert_eq!(
        emulator.stats().writes,
        writes_after_first,
        "the second run writes nothing"
    );
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

/// The "Checked by", against an emulator named by the environment:
/// apply the sample, apply it again (nothing changes), edit one listing
/// text in a copy, `--plan` it (the field with its old and new value, and
/// no resource created), apply the copy (the text changes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_of_the_definition_edited_is_planned_then_applied() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let vars = env_for(&emulator);
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/offer.yaml");
    let run_with = |args: Vec<String>| {
        let vars = vars.clone();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run(&args, &vars)
        })
    };
    let definition = |path: &std::path::Path| {
        vec![
            "--definition".to_string(),
            path.to_string_lossy().into_owned(),
        ]
    };

    let first = run_with(definition(&sample)).await.unwrap();
    assert!(first.status.success(), "{:?}", text(&first));
    let second = run_with(definition(&sample)).await.unwrap();
    let (stdout, _) = text(&second);
    assert!(second.status.success(), "{stdout}");
    assert!(stdout.contains("no changes"), "{stdout}");

    // A copy beside the assets it names, with one listing text edited.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("offer.yaml");
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    for asset in ["logo-216.png", "app.zip"] {
        std::fs::copy(
            sample.parent().unwrap().join("assets").join(asset),
            dir.path().join("assets").join(asset),
        )
        .unwrap();
    }
    let original = std::fs::read_to_string(&sample).unwrap();
    let edited = original.replacen(
        "short_description: Deploys a sample resource group.",
        "short_description: Deploys two sample resource groups.",
        1,
    );
    assert_ne!(original, edited);
    std::fs::write(&copy, edited).unwrap();

    let before = emulator.stats();
    let mut args = definition(&copy);
    args.push("--plan".into());
    let planned = run_with(args).await.unwrap();
    let (stdout, stderr) = text(&planned);
    assert!(
        planned.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains(
            "offer listing short_description: \"Deploys a sample resource group.\" → \"Deploys two sample resource groups.\""
        ),
        "{stdout}"
    );
    assert!(stdout.contains("1 change"), "{stdout}");
    let after = emulator.stats();
    assert_eq!(after.writes, before.writes, "--plan writes nothing");
    assert_eq!(
        (after.products, after.variants, after.listings),
        (before.products, before.variants, before.listings),
        "offers, plans and listings are as they were"
    );

    let applied = run_with(definition(&copy)).await.unwrap();
    let (stdout, stderr) = text(&applied);
    assert!(
        applied.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("updated the offer listing: short_description"),
        "{stdout}"
    );
    let mut args = definition(&copy);
    args.push("--plan".into());
    let (stdout, _) = text(&run_with(args).await.unwrap());
    assert!(stdout.contains("no changes"), "{stdout}");
}

#[test]
fn a_misspelt_key_fails_naming_the_key_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("offer.yaml");
    std::fs::write(
        &bad,
        "offer_id: contoso\nname: Contoso\nlisting:\n  titel: Contoso\n",
    )
    .unwrap();
    let output = run(&["--definition", bad.to_str().unwrap()], &[]);
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success(), "stdout:\n{stdout}");
    for expected in ["offer.yaml:4", "listing.titel", "did you mean `title`?"] {
        assert!(
            stderr.contains(expected),
            "missing `{expected}` in:\n{stderr}"
        );
    }
    assert!(
        !stdout.contains("emulator"),
        "nothing was started: {stdout}"
    );
}

#[test]
fn write_schema_writes_the_committed_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("offer.schema.json");
    let output = run(&["--write-schema", path.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{:?}", text(&output));
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/offer.schema.json");
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        std::fs::read_to_string(committed).unwrap()
    );
}

#[test]
fn offer_id_and_logo_can_be_given_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let logo = dir.path().join("brand-logo.png");
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/assets/logo-216.png");
    std::fs::copy(sample, &logo).unwrap();
    let output = run(
        &[
            "--offer-id",
            "brand-new-app",
            "--logo",
            logo.to_str().unwrap(),
            "--no-publish",
        ],
        &[],
    );
    let (stdout, stderr) = text(&output);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("created offer brand-new-app"), "{stdout}");
    assert!(stdout.contains("logo brand-logo.png"), "{stdout}");
    assert!(stdout.contains("not publishing"), "{stdout}");

    let bad = run(&["--offer-id", "Not Valid", "--no-publish"], &[]);
    let (stdout, stderr) = text(&bad);
    assert!(!bad.status.success(), "{stdout}");
    assert!(
        stderr.contains("Not Valid") && stderr.contains("offer_id"),
        "{stderr}"
    );
}
