//! Publishes a sample Azure Application offer from nothing to live: finds or
//! creates the offer, writes its listing, uploads its logo, sets the reseller
//! configuration, finds or creates a managed-application plan, uploads its
//! package and points the plan at it, submits to preview, waits, promotes
//! and waits until the offer is live. Each step is printed with the time it
//! took.
//!
//! ```text
//! cargo run --example publish_offer                    # against an in-process emulator
//! cargo run --example publish_offer -- --no-publish    # stop once the drafts are written
//! ```
//!
//! Where it runs:
//!
//! * no `AZURE_*` variables: it starts the emulator (`partner-center-emulator`)
//!   in this process and says so;
//! * `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and
//!   `PARTNER_CENTER_ENDPOINT` pointing at a loopback address: that emulator
//!   (start one with `cargo run -p partner-center-emulator`);
//! * anything else is the live service: it refuses to change anything there
//!   unless `--live` is given.
//!
//! Options: `--offer-id ID`, `--plan-id ID`, `--logo FILE`, `--package FILE`
//! (defaults: the samples in `examples/assets/`), `--no-publish`, `--live`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use partner_center_emulator::{Emulator, EmulatorHandle};
use partner_center_ingestion::auth::{ClientSecretCredential, Cloud};
use partner_center_ingestion::types::ResellerConfigurationResellerChannelState;
use partner_center_ingestion::workflows::{
    Event, ImageKind, Listing, NewOffer, NewPlan, PlanKind, PollPolicy, Preview, Publisher,
    ResellerConfiguration, WorkflowError,
};
use partner_center_ingestion::Client;

const USAGE: &str = "usage: publish_offer [--offer-id ID] [--plan-id ID] [--logo FILE] [--package FILE] [--no-publish] [--live]";

struct Options {
    offer_id: String,
    plan_id: String,
    logo: PathBuf,
    package: PathBuf,
    publish: bool,
    live: bool,
}

fn parse_args() -> Result<Options, String> {
    let assets = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/assets");
    let mut options = Options {
        offer_id: "contoso-sample-app".to_string(),
        plan_id: "standard".to_string(),
        logo: assets.join("logo-216.png"),
        package: assets.join("app.zip"),
        publish: true,
        live: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--offer-id" => options.offer_id = value("--offer-id")?,
            "--plan-id" => options.plan_id = value("--plan-id")?,
            "--logo" => options.logo = value("--logo")?.into(),
            "--package" => options.package = value("--package")?.into(),
            "--no-publish" => options.publish = false,
            "--live" => options.live = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(options)
}

/// Prints a line; a closed standard output (`| head`) ends the program
/// quietly instead of panicking.
fn say(line: impl std::fmt::Display) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
        std::process::exit(0);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn is_loopback(url: &str) -> bool {
    url::Url::parse(url).ok().is_some_and(|u| match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    })
}

/// The client to publish with, the emulator started for it (kept alive
/// until the end), and whether the endpoint is a local one.
async fn connect(
    options: &Options,
) -> Result<(Client, Option<EmulatorHandle>, bool), Box<dyn std::error::Error>> {
    let any_azure = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if !any_azure {
        let emulator = Emulator::builder()
            .consistency_delay(Duration::from_millis(300))
            .processing_delay(Duration::from_millis(300))
            .certification_delay(Duration::from_millis(300))
            .start()
            .await?;
        say(format!(
            "No AZURE_* variables are set: running against an in-process emulator at {}",
            emulator.endpoint()
        ));
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
        return Ok((client, Some(emulator), true));
    }
    let client = Client::from_env()?;
    let local = is_loopback(client.endpoint());
    if !local && !options.live {
        return Err(format!(
            "{} is the live service; this example creates and publishes an offer there only when given --live",
            client.endpoint()
        )
        .into());
    }
    say(format!("Publishing through {}", client.endpoint()));
    Ok((client, None, local))
}

fn step(started: Instant, what: impl std::fmt::Display) {
    say(format!(
        "[{:>6.2}s] {what}",
        started.elapsed().as_secs_f64()
    ));
}

async fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let (client, _emulator, local) = connect(&options).await?;
    let started = Instant::now();
    let mut publisher = Publisher::new(client).on_event(move |event| match event {
        Event::SubmissionProgress {
            substate, elapsed, ..
        } => step(
            started,
            format!(
                "submission is {substate} (after {:.1}s)",
                elapsed.as_secs_f64()
            ),
        ),
        Event::EditRetried { module, attempt } => step(
            started,
            format!("{module} changed meanwhile; redoing the edit (try {attempt})"),
        ),
        _ => {}
    });
    if local {
        publisher = publisher.poll_policy(PollPolicy::quick());
    }
    let processing = Duration::from_secs(if local { 60 } else { 3600 });
    let certification = Duration::from_secs(if local { 120 } else { 7 * 24 * 3600 });

    let new_offer = NewOffer::azure_application(&options.offer_id, "Contoso Sample App")?;
    let offer = match publisher.find_offer(new_offer.offer_id()).await? {
        Some(offer) => {
            step(
                started,
                format!(
                    "found offer {} (product {})",
                    offer.offer_id(),
                    offer.product_id()
                ),
            );
            offer
        }
        None => {
            let offer = publisher.create_offer(&new_offer).await?;
            step(
                started,
                format!(
                    "created offer {} (product {})",
                    offer.offer_id(),
                    offer.product_id()
                ),
            );
            offer
        }
    };

    let listing = publisher
        .edit_offer::<Listing>(&offer, |l| {
            l.title = Some("Contoso Sample App".into());
            l.summary = Some("A sample managed application published from Rust.".into());
            l.short_description = Some("Deploys a sample resource group.".into());
            l.description = Some(
                "<p>Contoso Sample App shows a whole publishing flow: listing, logo, plan, package, preview and live.</p>"
                    .into(),
            );
            l.keywords = vec!["sample".into(), "rust".into()];
        })
        .await?;
    step(
        started,
        if listing.changed() {
            "wrote the offer listing"
        } else {
            "offer listing already up to date"
        },
    );

    let logo_name = options
        .logo
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match publisher
        .listing_image(listing.draft(), ImageKind::LogoLarge)
        .await?
        .filter(|image| image.file_name() == logo_name)
    {
        Some(logo) => step(
            started,
            format!("logo {} is already there ({})", logo.file_name(), logo.id()),
        ),
        None => {
            let logo = publisher
                .upload_listing_image(
                    listing.draft(),
                    ImageKind::LogoLarge,
                    &options.logo,
                    processing,
                )
                .await?;
            step(
                started,
                format!(
                    "uploaded and processed logo {} ({})",
                    logo.file_name(),
                    logo.id()
                ),
            );
        }
    }

    let reseller = publisher
        .edit_offer::<ResellerConfiguration>(&offer, |r| {
            r.reseller_channel_state = Some(ResellerConfigurationResellerChannelState::Disabled);
        })
        .await?;
    step(
        started,
        if reseller.changed() {
            "set the reseller configuration"
        } else {
            "reseller configuration already set"
        },
    );

    let new_plan = NewPlan::new(&options.plan_id, "Standard", PlanKind::ManagedApplication)?;
    let plan = match publisher.find_plan(&offer, new_plan.plan_id()).await? {
        Some(plan) => {
            step(
                started,
                format!("found plan {} ({})", plan.plan_id(), plan.variant_id()),
            );
            plan
        }
        None => {
            let plan = publisher.create_plan(&offer, &new_plan).await?;
            step(
                started,
                format!("created plan {} ({})", plan.plan_id(), plan.variant_id()),
            );
            plan
        }
    };
    let plan_listing = publisher
        .edit_plan::<Listing>(&plan, |l| {
            l.title = Some("Standard".into());
            l.summary = Some("The standard plan.".into());
            l.description = Some("<p>Everything the sample app has.</p>".into());
        })
        .await?;
    step(
        started,
        if plan_listing.changed() {
            "wrote the plan listing"
        } else {
            "plan listing already up to date"
        },
    );

    let package = publisher
        .upload_package(&offer, &options.package, processing)
        .await
        .map_err(|e| match e {
            WorkflowError::File { .. } | WorkflowError::ProcessingFailed { .. } => {
                format!("package {}: {e}", options.package.display())
            }
            other => other.to_string(),
        })?;
    step(
        started,
        format!(
            "uploaded and processed package {} ({})",
            package.file_name(),
            package.id()
        ),
    );
    publisher.use_package(&plan, &package, "1.0.0").await?;
    step(
        started,
        "pointed the plan's technical configuration at the package",
    );

    if !options.publish {
        step(started, "drafts are ready; not publishing (--no-publish)");
        return Ok(());
    }
    let submission = publisher.submit::<Preview>(&offer).await?;
    step(
        started,
        format!("submitted to preview ({})", submission.id()),
    );
    let preview = publisher.wait(submission, certification).await?;
    step(
        started,
        format!("preview is ready ({})", preview.substate()),
    );
    let live = publisher.promote(preview).await?;
    step(started, "promoted to live");
    let live = publisher.wait(live, certification).await?;
    step(
        started,
        format!("offer {} is live ({})", offer.offer_id(), live.substate()),
    );
    Ok(())
}
