//! Many offers under the service's rate limit: 20 offers of 2 plans each
//! applied on the emulator at `--latency 100ms..300ms --rate-limit 30/s`
//! (the live service's answer times, and a request rate per tenant), by one
//! worker, by eight workers over one client (one shared throttle budget, as
//! `partner-center --parallel 8` runs), and by eight workers over eight
//! clients of their own (eight independent retry loops). Prints requests
//! sent, 429s received, wall time, offers failed, and the floor the limit
//! sets (requests served ÷ rate).
//!
//! `cargo bench -p partner-center-cli --bench throttle`

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::join_all;
use partner_center_emulator::{Emulator, EmulatorHandle};
use partner_center_ingestion::auth::{ClientSecretCredential, Cloud};
use partner_center_ingestion::definition::{self, ApplyOptions, Definition};
use partner_center_ingestion::workflows::{PollPolicy, Publisher};
use partner_center_ingestion::Client;

const OFFERS: usize = 20;
const RATE: f64 = 30.0;
const LATENCY: (Duration, Duration) = (Duration::from_millis(100), Duration::from_millis(300));
const SEED: u64 = 2026;

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

impl Row {
    /// The least time the rate limit allows for the requests served.
    fn floor(&self) -> Duration {
        Duration::from_secs_f64((self.requests - self.throttled) as f64 / RATE)
    }
}

/// `workers` workers take offers off one queue until it is empty; with
/// `clients` equal to `workers` each has a client (and a budget) of its own,
/// with one client they share it.
async fn run(label: &'static str, workers: usize, clients: usize) -> Row {
    let emu = Emulator::builder()
        .latency(LATENCY.0, LATENCY.1)
        .rate_limit(RATE)
        .seed(SEED)
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let queue: VecDeque<_> = (0..OFFERS)
        .map(|i| definition(dir.path(), &format!("bench-{i}")))
        .collect();
    let queue = Arc::new(Mutex::new(queue));
    let publishers: Vec<Publisher> = (0..clients)
        .map(|_| Publisher::new(client(&emu)).poll_policy(PollPolicy::quick()))
        .collect();
    let before = emu.stats();
    let started = Instant::now();
    let failed: usize = join_all((0..workers).map(|w| {
        let publisher = publishers[w % publishers.len()].clone();
        let queue = queue.clone();
        async move {
            let mut failed = 0;
            loop {
                let next = queue.lock().expect("queue").pop_front();
                let Some(def) = next else { break };
                // An offer whose requests ran out of retries fails.
                if let Err(e) = definition::apply(&publisher, &def, &ApplyOptions::new()).await {
                    eprintln!("{label}: an offer failed: {e}");
                    failed += 1;
                }
            }
            failed
        }
    }))
    .await
    .into_iter()
    .sum();
    let wall = started.elapsed();
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
    let rows = [
        run("`--parallel 1`, one client", 1, 1).await,
        run("`--parallel 8`, one client (shared budget)", 8, 1).await,
        run("eight workers, eight clients (independent)", 8, 8).await,
    ];
    println!(
        "{OFFERS} offers of 2 plans, latency {:?}..{:?}, rate limit {RATE}/s, seed {SEED}",
        LATENCY.0, LATENCY.1
    );
    println!(
        "| run | requests | 429s received | wall s | floor s | wall ÷ floor | offers failed |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for r in rows {
        let floor = r.floor();
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.2} | {} |",
            r.label,
            r.requests,
            r.throttled,
            r.wall.as_secs_f64(),
            floor.as_secs_f64(),
            r.wall.as_secs_f64() / floor.as_secs_f64(),
            r.failed
        );
    }
}
