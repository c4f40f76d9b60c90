//! Every command of `partner-center` and its exit codes, run as a user
//! runs it: the built binary against an emulator on 127.0.0.1.

mod support;

use serde_json::Value;
use support::{bare, quick, sample, Env};

#[tokio::test]
async fn help_lists_the_commands_and_usage_errors_exit_64() {
    let help = bare(&["--help"]).await;
    assert_eq!(help.code, 0, "{}", help.all());
    for command in [
        "validate", "plan", "apply", "status", "wait", "promote", "cancel", "list", "schema",
    ] {
        assert!(
            help.stdout.contains(command),
            "{command} missing:\n{}",
            help.stdout
        );
    }
    assert!(help.stdout.contains("64  usage error"), "{}", help.stdout);
    let apply_help = bare(&["apply", "--help"]).await;
    assert!(
        apply_help.stdout.contains("--if-in-progress"),
        "{}",
        apply_help.all()
    );
    assert!(
        apply_help.stdout.contains("Examples:"),
        "{}",
        apply_help.all()
    );

    let unknown = bare(&["plan", "--no-such-option", "x.yaml"]).await;
    assert_eq!(unknown.code, 64, "{}", unknown.all());
    let bad_duration = bare(&["wait", "x", "--for", "preview", "--timeout", "soon"]).await;
    assert_eq!(bad_duration.code, 64, "{}", bad_duration.all());
    assert!(
        bad_duration.stderr.contains("not a duration"),
        "{}",
        bad_duration.all()
    );
}

#[tokio::test]
async fn without_credentials_it_says_what_to_set_and_never_falls_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("offer.yaml");
    std::fs::write(&file, sample("no-credentials")).unwrap();
    let run = bare(&["plan", file.to_str().unwrap()]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("AZURE_TENANT_ID"), "{}", run.all());
    assert!(run.stderr.contains("--emulator"), "{}", run.all());
    assert!(
        !run.stderr.contains("in-process emulator at"),
        "{}",
        run.all()
    );
}

#[tokio::test]
async fn validate_passes_the_sample_and_names_every_problem_of_a_bad_copy() {
    let env = Env::start(quick()).await;
    let good = env.write("good.yaml", &sample("good-offer"));
    let run = env.run(&["validate", good.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{}", run.all());

    // A 10×10 logo and a package without mainTemplate.json.
    let dir = env.dir.path();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend(10u32.to_be_bytes());
    png.extend(10u32.to_be_bytes());
    png.extend([8, 6, 0, 0, 0]);
    std::fs::write(dir.join("tiny.png"), png).unwrap();
    {
        use std::io::Write;
        let file = std::fs::File::create(dir.join("bad.zip")).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        zip.start_file(
            "createUiDefinition.json",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(b"{}").unwrap();
        zip.finish().unwrap();
    }
    let text = sample("bad-offer")
        .replace(
            &format!("{}/logo-216.png", support::assets().display()),
            "tiny.png",
        )
        .replace(
            &format!("{}/app.zip", support::assets().display()),
            "bad.zip",
        )
        .replace(
            "version: 1.0.0\n      tenant_id",
            "version: \"1.0\"\n      tenant_id",
        );
    let bad = env.write("bad.yaml", &text);
    let run = env.run(&["validate", bad.to_str().unwrap()]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("listing.logos.large"), "{}", run.all());
    assert!(run.stdout.contains("10×10"), "{}", run.all());
    assert!(run.stdout.contains("mainTemplate.json"), "{}", run.all());
    assert!(
        run.stdout
            .contains("plans[0].technical_configuration.package"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("not major.minor.patch"),
        "{}",
        run.all()
    );
    assert!(run.stdout.contains("3 errors"), "{}", run.all());

    // On GitHub Actions each finding is also an annotation with its line.
    let gh = env
        .run_with(
            &["validate", bad.to_str().unwrap()],
            &[("GITHUB_ACTIONS", "true")],
        )
        .await;
    let annotation = gh
        .stdout
        .lines()
        .find(|l| l.starts_with("::error file=") && l.contains("10×10"))
        .unwrap_or_else(|| panic!("no annotation:\n{}", gh.all()));
    assert!(annotation.contains(",line=29::"), "{annotation}");

    // A key the format does not know: file, line and a suggestion.
    let typo = env.write(
        "typo.yaml",
        &sample("typo-offer").replace("  summary:", "  sumary:"),
    );
    let run = env
        .run(&["validate", typo.to_str().unwrap(), "--output", "json"])
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    let finding = run
        .json_lines()
        .into_iter()
        .find(|v| v["event"] == "finding")
        .expect("a finding");
    assert_eq!(finding["severity"], "error");
    assert!(finding["line"].as_u64().is_some(), "{finding}");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("did you mean"),
        "{finding}"
    );
}

#[tokio::test]
async fn from_plan_to_live_across_separate_runs() {
    let env = Env::start(quick()).await;
    let file = env.write("offer.yaml", &sample("pipeline-offer"));
    let f = file.to_str().unwrap();

    let plan = env.run(&["plan", f, "--detailed-exitcode"]).await;
    assert_eq!(plan.code, 2, "{}", plan.all());

    let apply = env.run(&["apply", f, "--publish", "preview"]).await;
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(
        apply.stdout.contains("is in progress"),
        "it does not wait: {}",
        apply.all()
    );

    let status = env.run(&["status", "pipeline-offer"]).await;
    assert!([0, 3].contains(&status.code), "{}", status.all());

    let wait = env
        .run(&["wait", f, "--for", "preview", "--timeout", "60s"])
        .await;
    assert_eq!(wait.code, 0, "{}", wait.all());
    let status = env.run(&["status", f]).await;
    assert_eq!(status.code, 0, "{}", status.all());
    assert!(status.stdout.contains("ReadyToPublish"), "{}", status.all());

    // Live only once promoted.
    let early = env
        .run(&["wait", f, "--for", "live", "--timeout", "5s"])
        .await;
    assert_eq!(early.code, 1, "{}", early.all());
    assert!(early.stderr.contains("promote"), "{}", early.all());

    let promote = env
        .run(&["promote", "pipeline-offer", "--wait", "60s"])
        .await;
    assert_eq!(promote.code, 0, "{}", promote.all());
    let again = env.run(&["promote", "pipeline-offer"]).await;
    assert_eq!(again.code, 1, "{}", again.all());
    assert!(again.stderr.contains("already live"), "{}", again.all());

    let json = env
        .run(&["status", "pipeline-offer", "--output", "json"])
        .await;
    assert_eq!(json.code, 0, "{}", json.all());
    let lines = json.json_lines();
    let result = lines
        .iter()
        .find(|v| v["event"] == "result")
        .expect("a result");
    assert_eq!(result["command"], "status");
    assert_eq!(result["submission"]["phase"], "live");
    assert_eq!(result["submission"]["substate"], "InStore");
    assert!(result["workflows"].is_array(), "{result}");

    let plan = env.run(&["plan", f, "--detailed-exitcode"]).await;
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.contains("no changes"), "{}", plan.all());

    let offers = env.run(&["list", "offers", "--output", "json"]).await;
    assert_eq!(offers.code, 0, "{}", offers.all());
    let listed = &offers.json_lines()[0]["offers"];
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["offer_id"], "pipeline-offer");
    let plans = env.run(&["list", "plans", "pipeline-offer"]).await;
    assert!(plans.stdout.contains("standard"), "{}", plans.all());
    let subs = env.run(&["list", "submissions", f]).await;
    assert_eq!(subs.stdout.lines().count(), 1, "{}", subs.all());
    assert!(subs.stdout.contains("live"), "{}", subs.all());
}

#[tokio::test]
async fn json_output_is_one_object_per_line_with_a_summary() {
    let env = Env::start(quick()).await;
    let file = env.write("offer.yaml", &sample("json-offer"));
    let run = env
        .run(&["apply", file.to_str().unwrap(), "--output", "json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    let lines = run.json_lines();
    assert!(lines
        .iter()
        .any(|v| v["event"] == "step" && v["offer"] == "json-offer"));
    let summary = lines.last().expect("a summary");
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["command"], "apply");
    assert_eq!(summary["exit_code"], 0);
    assert_eq!(summary["ok"], true);
    let offer = &summary["offers"][0];
    assert_eq!(offer["offer"], "json-offer");
    assert_eq!(offer["status"], "ok");
    assert!(
        offer["changes"].as_array().is_some_and(|c| !c.is_empty()),
        "{offer}"
    );
    assert!(offer["changes"][0]["action"].is_string(), "{offer}");
    assert_eq!(offer["submission_id"], Value::Null);
}

#[tokio::test]
async fn the_plan_reads_the_same_every_time() {
    let env = Env::start(quick()).await;
    let file = env.write("offer.yaml", &sample("snapshot-offer"));
    let run = env.run(&["plan", file.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let assets = support::assets().display().to_string();
    insta::assert_snapshot!(run.stdout.replace(&assets, "[assets]"));
}

#[tokio::test]
async fn status_exit_codes_follow_the_submission() {
    // A slow certification keeps the submission moving.
    let env = Env::start(quick().certification_delay(std::time::Duration::from_secs(30))).await;
    let file = env.write("offer.yaml", &sample("status-offer"));
    let f = file.to_str().unwrap();
    let none = env.run(&["status", "no-such-offer"]).await;
    assert_eq!(none.code, 1, "{}", none.all());
    assert!(
        none.stderr
            .contains("no offer with offer id `no-such-offer`"),
        "{}",
        none.all()
    );
    let apply = env.run(&["apply", f]).await;
    assert_eq!(apply.code, 0, "{}", apply.all());
    let never = env.run(&["status", f]).await;
    assert_eq!(never.code, 1, "{}", never.all());
    assert!(
        never.stderr.contains("never been submitted"),
        "{}",
        never.all()
    );
    let submit = env.run(&["apply", f, "--publish", "preview"]).await;
    assert_eq!(submit.code, 0, "{}", submit.all());
    let moving = env.run(&["status", f]).await;
    assert_eq!(moving.code, 3, "{}", moving.all());
    let promote = env.run(&["promote", f]).await;
    assert_eq!(promote.code, 1, "{}", promote.all());
    assert!(
        promote.stderr.contains("has not reached preview"),
        "{}",
        promote.all()
    );
    let timeout = env
        .run(&["wait", f, "--for", "preview", "--timeout", "300ms"])
        .await;
    assert_eq!(timeout.code, 1, "{}", timeout.all());
    assert!(
        timeout.stderr.contains("gave up waiting"),
        "{}",
        timeout.all()
    );
    let refuse = env.run(&["cancel", f]).await;
    assert_eq!(refuse.code, 64, "no terminal, no --yes: {}", refuse.all());
    let cancel = env.run(&["cancel", f, "--yes"]).await;
    assert_eq!(cancel.code, 0, "{}", cancel.all());
    let after = env.run(&["status", f]).await;
    assert_ne!(
        after.code,
        3,
        "nothing is moving after a cancel: {}",
        after.all()
    );
}

#[tokio::test]
async fn a_step_summary_lands_in_the_github_file() {
    let env = Env::start(quick()).await;
    let file = env.write("offer.yaml", &sample("summary-offer"));
    let summary = env.dir.path().join("summary.md");
    let run = env
        .run_with(
            &["plan", file.to_str().unwrap()],
            &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
        )
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    let md = std::fs::read_to_string(&summary).expect("the summary was written");
    assert!(md.contains("### partner-center plan"), "{md}");
    assert!(md.contains("| summary-offer | changes |"), "{md}");
    assert!(
        md.contains("| action | resource | field | now | wanted |"),
        "{md}"
    );
}

#[tokio::test]
async fn schema_prints_or_writes_the_definition_format() {
    let dir = tempfile::tempdir().unwrap();
    let printed = bare(&["schema"]).await;
    assert_eq!(printed.code, 0, "{}", printed.all());
    let schema: Value = serde_json::from_str(&printed.stdout).expect("JSON");
    assert!(schema["properties"]["offer_id"].is_object(), "{schema}");
    let path = dir.path().join("offer.schema.json");
    let written = bare(&["schema", path.to_str().unwrap()]).await;
    assert_eq!(written.code, 0, "{}", written.all());
    let on_disk: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(on_disk, schema);
}

#[tokio::test]
async fn the_emulator_flag_is_announced_and_runs_the_whole_flow() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("offer.yaml");
    std::fs::write(&file, sample("emulated-offer")).unwrap();
    let run = bare(&[
        "--emulator",
        "apply",
        file.to_str().unwrap(),
        "--publish",
        "live",
    ])
    .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains("in-process emulator"), "{}", run.all());
    assert!(run.stdout.contains("is live (InStore)"), "{}", run.all());
}

#[tokio::test]
async fn a_second_apply_changes_nothing_and_a_plan_writes_nothing() {
    let env = Env::start(quick()).await;
    let file = env.write("offer.yaml", &sample("twice-offer"));
    let f = file.to_str().unwrap();
    let first = env.run(&["apply", f]).await;
    assert_eq!(first.code, 0, "{}", first.all());
    let writes = env.emu.stats().writes;
    let second = env.run(&["apply", f]).await;
    assert_eq!(second.code, 0, "{}", second.all());
    assert!(second.stdout.contains("no changes"), "{}", second.all());
    assert_eq!(
        env.emu.stats().writes,
        writes,
        "a second apply writes nothing"
    );

    // One listing text edited: planned (old and new value, nothing written), then applied.
    std::fs::write(
        &file,
        sample("twice-offer").replace(
            "short_description: Deploys a sample resource group.",
            "short_description: Deploys two sample resource groups.",
        ),
    )
    .unwrap();
    let before = env.emu.stats();
    let plan = env.run(&["plan", f]).await;
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout.contains(
            "offer listing short_description: \"Deploys a sample resource group.\" → \"Deploys two sample resource groups.\""
        ),
        "{}",
        plan.all()
    );
    assert!(plan.stdout.contains("1 change"), "{}", plan.all());
    let after = env.emu.stats();
    assert_eq!(after.writes, before.writes, "plan writes nothing");
    assert_eq!(
        (after.products, after.variants, after.listings),
        (before.products, before.variants, before.listings)
    );
    let applied = env.run(&["apply", f]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    assert!(
        applied
            .stdout
            .contains("updated the offer listing: short_description"),
        "{}",
        applied.all()
    );
    let plan = env.run(&["plan", f]).await;
    assert!(plan.stdout.contains("no changes"), "{}", plan.all());
}

#[tokio::test]
async fn a_package_that_is_not_a_zip_fails_naming_the_file() {
    let env = Env::start(quick()).await;
    std::fs::write(env.dir.path().join("broken.zip"), b"not a zip at all").unwrap();
    let text = sample("broken-package").replace(
        &format!("{}/app.zip", support::assets().display()),
        "broken.zip",
    );
    let file = env.write("offer.yaml", &text);
    let run = env.run(&["apply", file.to_str().unwrap()]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("broken.zip"), "{}", run.all());
}

#[tokio::test]
async fn a_misspelt_key_fails_before_anything_is_sent() {
    let env = Env::start(quick()).await;
    let file = env.write(
        "offer.yaml",
        &sample("typo").replace("  summary:", "  sumary:"),
    );
    let run = env.run(&["apply", file.to_str().unwrap()]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("listing.sumary") || run.stderr.contains("listing.sumary"),
        "{}",
        run.all()
    );
    assert!(
        run.all().contains("did you mean `summary`"),
        "{}",
        run.all()
    );
    assert_eq!(env.emu.stats().writes, 0, "nothing was sent");
}

#[tokio::test]
async fn the_committed_schema_is_what_schema_writes() {
    let committed =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/offer.schema.json");
    let printed = bare(&["schema"]).await;
    assert_eq!(printed.code, 0, "{}", printed.all());
    let committed: Value = serde_json::from_slice(&std::fs::read(committed).unwrap()).unwrap();
    let printed: Value = serde_json::from_str(&printed.stdout).unwrap();
    assert_eq!(printed, committed, "examples/offer.schema.json is stale: run `partner-center schema examples/offer.schema.json`");
}
