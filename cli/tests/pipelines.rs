//! `partner-center` as a release pipeline runs it: many offers at once
//! under throttling, a submission already in progress, and runs killed
//! part-way and started again.

mod support;

use std::time::Duration;

use futures::TryStreamExt;
use partner_center_ingestion::auth::{ClientSecretCredential, Cloud};
use partner_center_ingestion::workflows::Publisher;
use partner_center_ingestion::Client;
use support::{quick, sample, Env};

fn client(env: &Env) -> Client {
    let emu = &env.emu;
    let credential =
        ClientSecretCredential::builder(emu.tenant_id(), emu.client_id(), emu.client_secret())
            .cloud(Cloud::from_authority_host(&emu.authority_host()).unwrap())
            .build()
            .unwrap();
    Client::builder(credential)
        .endpoint(emu.endpoint())
        .build()
        .unwrap()
}

/// How many products hold `offer_id`.
async fn offers_named(client: &Client, offer_id: &str) -> usize {
    let filter = format!("externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq '{offer_id}')");
    let found: Vec<_> = client
        .list_products()
        .filter(filter)
        .stream()
        .try_collect()
        .await
        .unwrap();
    found.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_offers_go_live_in_parallel_under_throttling() {
    let env = Env::start(
        quick()
            .throttle_rate(0.2)
            .throttle_window(Duration::from_millis(100))
            .seed(11),
    )
    .await;
    let dir = env.dir.path().join("offers");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..6 {
        std::fs::write(
            dir.join(format!("offer-{i}.yaml")),
            sample(&format!("parallel-{i}")),
        )
        .unwrap();
    }
    let run = env
        .run(&[
            "apply",
            dir.to_str().unwrap(),
            "--publish",
            "live",
            "--parallel",
            "3",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("apply: 6 offer(s)"), "{}", run.all());
    let client = client(&env);
    for i in 0..6 {
        assert_eq!(offers_named(&client, &format!("parallel-{i}")).await, 1);
    }
    let stats = env.emu.stats();
    assert_eq!(stats.products, 6, "{stats:?}");
    assert!(stats.throttled > 0, "the emulator throttled: {stats:?}");
}

#[tokio::test]
async fn one_offer_failing_does_not_stop_the_others_unless_fail_fast() {
    let env = Env::start(quick()).await;
    let dir = env.dir.path().join("offers");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("a.yaml"), sample("good-one")).unwrap();
    std::fs::write(
        dir.join("b.yaml"),
        sample("bad-one").replace("kind: managed-application", "kind: nonsense"),
    )
    .unwrap();
    std::fs::write(dir.join("c.yaml"), sample("good-two")).unwrap();
    let run = env
        .run(&["apply", dir.to_str().unwrap(), "--parallel", "1"])
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("ok       good-one"), "{}", run.all());
    assert!(run.stdout.contains("ok       good-two"), "{}", run.all());
    assert!(run.stdout.contains("failed"), "{}", run.all());

    let env = Env::start(quick()).await;
    let dir = env.dir.path().join("offers");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("a.yaml"),
        sample("x").replace("kind: managed-application", "kind: nonsense"),
    )
    .unwrap();
    std::fs::write(dir.join("b.yaml"), sample("after-failure")).unwrap();
    let run = env
        .run(&[
            "apply",
            dir.to_str().unwrap(),
            "--parallel",
            "1",
            "--fail-fast",
        ])
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("skipped"), "{}", run.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_in_progress_is_refused_waited_for_or_cancelled() {
    let env = Env::start(quick().certification_delay(Duration::from_millis(400))).await;
    let file = env.write("offer.yaml", &sample("busy-offer"));
    let f = file.to_str().unwrap();
    let first = env.run(&["apply", f, "--publish", "preview"]).await;
    assert_eq!(first.code, 0, "{}", first.all());

    // Other drafts while it moves: refused before anything is written.
    let changed = sample("busy-offer").replace(
        "summary: A sample managed application published from Rust.",
        "summary: A second version.",
    );
    std::fs::write(&file, &changed).unwrap();
    let refused = env.run(&["apply", f, "--publish", "preview"]).await;
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(refused.stderr.contains("in progress"), "{}", refused.all());
    assert!(
        refused.stderr.contains("--if-in-progress wait"),
        "{}",
        refused.all()
    );
    assert!(
        refused.stderr.contains("--if-in-progress cancel"),
        "{}",
        refused.all()
    );
    let plan = env.run(&["plan", f, "--detailed-exitcode"]).await;
    assert_eq!(plan.code, 2, "nothing was written: {}", plan.all());

    // cancel: the first goes, the second is submitted.
    let cancelled = env
        .run(&[
            "apply",
            f,
            "--publish",
            "preview",
            "--if-in-progress",
            "cancel",
        ])
        .await;
    assert_eq!(cancelled.code, 0, "{}", cancelled.all());
    assert!(
        cancelled.stdout.contains("cancelled submission"),
        "{}",
        cancelled.all()
    );

    // wait: a third version waits for the second, then submits.
    std::fs::write(
        &file,
        changed.replace("A second version.", "A third version."),
    )
    .unwrap();
    let waited = env
        .run(&[
            "apply",
            f,
            "--publish",
            "preview",
            "--wait",
            "60s",
            "--if-in-progress",
            "wait",
        ])
        .await;
    assert_eq!(waited.code, 0, "{}", waited.all());
    assert!(
        waited.stdout.contains("waiting for submission"),
        "{}",
        waited.all()
    );
    assert!(
        waited.stdout.contains("preview is ready"),
        "{}",
        waited.all()
    );

    // The same drafts again: not a conflict; carried on to live.
    let carried = env
        .run(&["apply", f, "--publish", "live", "--wait", "60s"])
        .await;
    assert_eq!(carried.code, 0, "{}", carried.all());
    assert!(carried.stdout.contains("is live"), "{}", carried.all());
    let client = client(&env);
    assert_eq!(offers_named(&client, "busy-offer").await, 1);
}

/// A small reproducible sequence of kill times.
fn kill_times(seed: u64, n: usize) -> Vec<Duration> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            Duration::from_millis(40 + (x >> 33) % 900)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_killed_at_random_moments_finishes_on_the_next_run() {
    let d = Duration::from_millis(60);
    let env = Env::start(
        partner_center_emulator::Emulator::builder()
            .consistency_delay(d)
            .processing_delay(d)
            .certification_delay(d),
    )
    .await;
    let file = env.write("offer.yaml", &sample("killed-offer"));
    let f = file.to_str().unwrap();
    for wait in kill_times(7, 6) {
        let mut child = env
            .command(&["apply", f, "--publish", "live", "--wait", "60s"])
            .spawn()
            .unwrap();
        tokio::time::sleep(wait).await;
        // SIGKILL: no cleanup of any kind.
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
    let last = env
        .run(&["apply", f, "--publish", "live", "--wait", "60s"])
        .await;
    assert_eq!(last.code, 0, "{}", last.all());

    let client = client(&env);
    assert_eq!(offers_named(&client, "killed-offer").await, 1);
    let publisher = Publisher::new(client.clone());
    let offer = publisher.find_offer("killed-offer").await.unwrap().unwrap();
    assert_eq!(publisher.list_plans(&offer).await.unwrap().len(), 1);
    let processed = publisher.processed_packages(&offer).await.unwrap();
    let mut names: Vec<_> = processed
        .iter()
        .map(|p| p.file_name().to_string())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(
        processed.len(),
        names.len(),
        "a package processed twice: {names:?}"
    );
    let latest = publisher.latest_submission(&offer).await.unwrap().unwrap();
    assert_eq!(latest.substate_name(), "InStore", "{}", latest.summary());
    assert!(publisher
        .submission_in_progress(&offer)
        .await
        .unwrap()
        .is_none());
    let status = env.run(&["status", f]).await;
    assert_eq!(status.code, 0, "{}", status.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2026_service_changes_do_not_stop_the_publishing_flow() {
    // A required x-ms-publisherId, no unfiltered product list, nextLinks
    // that break, SAS URLs on another host: all at once.
    let env = Env::start(
        quick()
            .require_publisher_id(4242)
            .strict_product_filter(true)
            .broken_next_link_rate(0.3)
            .blob_host("localhost")
            .seed(3),
    )
    .await;
    let file = env.write("offer.yaml", &sample("changes-2026"));
    let f = file.to_str().unwrap();
    let refused = env
        .run(&["apply", f, "--publish", "live", "--wait", "60s"])
        .await;
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(
        refused.stderr.contains("x-ms-publisherId"),
        "{}",
        refused.all()
    );
    assert!(
        refused.stderr.contains("PARTNER_CENTER_PUBLISHER_ID"),
        "{}",
        refused.all()
    );

    let live = env
        .run_with(
            &["apply", f, "--publish", "live", "--wait", "60s"],
            &[("PARTNER_CENTER_PUBLISHER_ID", "4242")],
        )
        .await;
    assert_eq!(live.code, 0, "{}", live.all());
    assert!(live.stdout.contains("is live"), "{}", live.all());
    let offers = env
        .run_with(
            &[
                "list",
                "offers",
                "--type",
                "AzureApplication",
                "--output",
                "json",
            ],
            &[("PARTNER_CENTER_PUBLISHER_ID", "4242")],
        )
        .await;
    assert_eq!(offers.code, 0, "{}", offers.all());
    let listed = &offers.json_lines()[0]["offers"];
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
}
