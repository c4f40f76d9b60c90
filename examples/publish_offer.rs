//! The library in one page: an offer definition planned, applied and
//! published with [`definition`](partner_center_ingestion::definition),
//! then read back with [`Publisher`](partner_center_ingestion::workflows::Publisher).
//!
//! It runs against an emulator started in this process, so it needs no
//! account: `cargo run --example publish_offer`. For real use, and in
//! pipelines, the command is `partner-center` (the `cli/` crate), which does
//! all of this and more from the command line.

use std::time::Duration;

use partner_center_emulator::Emulator;
use partner_center_ingestion::auth::{ClientSecretCredential, Cloud};
use partner_center_ingestion::definition::{self, ApplyOptions, Definition, Publish};
use partner_center_ingestion::workflows::{PollPolicy, Publisher};
use partner_center_ingestion::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A stand-in for Partner Center, and a client for it. Against the live
    // service this is `Client::from_env()?`.
    let delay = Duration::from_millis(100);
    let emulator = Emulator::builder()
        .consistency_delay(delay)
        .processing_delay(delay)
        .certification_delay(delay)
        .start()
        .await?;
    let credential = ClientSecretCredential::builder(
        emulator.tenant_id(),
        emulator.client_id(),
        emulator.client_secret(),
    )
    .cloud(Cloud::from_authority_host(&emulator.authority_host())?)
    .build()?;
    let client = Client::builder(credential)
        .endpoint(emulator.endpoint())
        .build()?;
    let publisher = Publisher::new(client).poll_policy(PollPolicy::quick());

    // Offers as code: what differs, then make it so and publish.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/offer.yaml");
    let def = Definition::load(path)?;
    let options = ApplyOptions::new()
        .publish(Publish::Live)
        .on_progress(|line| println!("  {line}"));
    println!("{}", definition::plan(&publisher, &def, &options).await?);
    let applied = definition::apply(&publisher, &def, &options).await?;
    println!(
        "applied {} changes; submission {} reached {}",
        applied.changes.len(),
        applied.submission_id.as_ref().map_or("-", |id| id.as_str()),
        applied.published.as_ref().map_or("-", |s| s.as_str())
    );

    // The workflows underneath: read what the service now holds.
    let offer = publisher
        .find_offer(&def.offer().offer_id)
        .await?
        .ok_or("the offer was just created")?;
    for plan in publisher.list_plans(&offer).await? {
        println!("plan {} ({})", plan.plan_id(), plan.variant_id());
    }
    if let Some(latest) = publisher.latest_submission(&offer).await? {
        println!("latest {} [{}]", latest.summary(), latest.phase());
    }

    // A second apply finds nothing to do.
    let again = definition::apply(&publisher, &def, &ApplyOptions::new()).await?;
    println!("second apply: {} changes", again.changes.len());
    Ok(())
}
