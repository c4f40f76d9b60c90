//! Many offers under throttling: 20 offers of 2 plans each applied on the
//! emulator at `--throttle-rate 0.1`, one at a time against eight at a time
//! over one client (one shared throttle budget), and eight at a time over
//! eight clients of their own (eight independent retry loops). Prints wall
//! time, requests sent and 429s received.
//!
//! `cargo bench -p partner-center-cli --bench throttle`

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use partner_center_emulator::{Emulator, EmulatorHandle};
use partner_center_ingestion::auth::{ClientSecretCredential, Cloud};
use partner_center_ingestion::definition::{self, ApplyOptions, Definition};
use partner_center_ingestion::workflows::{PollPolicy, Publisher};
use partner_center_ingestion::Client;

const OFFERS: usize = 20;

fn client(emu: &EmulatorHandle) -> Client {
    let credential =
        ClientSecretCredential::builder(emu.tenant_id(), emu.client_id(), emu.client_secret())
            .cloud(Cloud::from_authority_host(&emu.authority_host()).expect("authority"))
            .build()
            .expect("credential");
    Client::builder(credential)
        .endpoint(emu.endpoint())
        .build()
        .expect("client")
}

/// The sample offer with a second plan, under `offer_id`.
fn definition(dir: &std::path::Path, offer_id: &str) -> Definition {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let text = std::fs::read_to_string(root.join("offer.yaml"))
        .expect("the sample")
        .replace(
            "offer_id: contoso-sample-app",
            &format!("offer_id: {offer_id}"),
        )
        .replace("assets/", &format!("{}/assets/", root.display()));
    let plans = text.find("plans:\n").expect("plans") + "plans:\n".len();
    let plan = text[plans..].to_string();
    let second = plan
        .replace("- id: standard", "- id: premium")
        .replace("name: Standard", "name: Premium");
    let text = format!("{text}{second}");
    let path = dir.join(format!("{offer_id}.yaml"));
    std::fs::write(&path, text).expect("write");
    Definition::load(&path).expect("the definition loads")
}

struct Row {
    label: &'static str,
    wall: Duration,
    requests: u64,
    throttled: u64,
    failed: usize,
}

async fn run(label: &'static str, parallel: usize, clients: usize) -> Row {
    let emu = Emulator::builder()
        .throttle_rate(0.1)
        .throttle_window(Duration::from_millis(200))
        .seed(2026)
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let defs: Vec<_> = (0..OFFERS)
        .map(|i| Arc::new(definition(dir.path(), &format!("bench-{i}"))))
        .collect();
    let publishers: Vec<Publisher> = (0..clients)
        .map(|_| Publisher::new(client(&emu)).poll_policy(PollPolicy::quick()))
        .collect();
    let before = emu.stats();
    let started = Instant::now();
    let results: Vec<_> = stream::iter(defs.into_iter().enumerate())
        .map(|(i, def)| {
            let publisher = publishers[i % publishers.len()].clone();
            async move { definition::apply(&publisher, &def, &ApplyOptions::new()).await }
        })
        .buffer_unordered(parallel)
        .collect()
        .await;
    let wall = started.elapsed();
    // An offer whose requests ran out of retries under throttling fails.
    let failed = results.iter().filter(|r| r.is_err()).count();
    let after = emu.stats();
    Row {
        label,
        wall,
        requests: after.total - before.total,
        throttled: after.throttled - before.throttled,
        failed,
    }
}

#[tokio::main]
async fn main() {
    // Worker slots: clients are handed out round robin, so with eight
    // clients each worker has a budget of its own.
    let rows = [
        run("--parallel 1, one client", 1, 1).await,
        run("--parallel 8, one client (shared budget)", 8, 1).await,
        run("--parallel 8, eight clients (independent)", 8, 8).await,
    ];
    println!("{OFFERS} offers of 2 plans, throttle rate 0.1, 200 ms windows");
    println!("| run | wall s | requests | 429s received | offers failed |");
    println!("| --- | --- | --- | --- | --- |");
    for r in rows {
        println!(
            "| {} | {:.2} | {} | {} | {} |",
            r.label,
            r.wall.as_secs_f64(),
            r.requests,
            r.throttled,
            r.failed
        );
    }
}
