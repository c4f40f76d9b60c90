//! Publishes an Azure Application offer from its definition file: reads
//! `examples/offer.yaml` (or `--definition FILE`), compares it with the
//! service, makes the service match (creating the offer and its plan,
//! writing the drafts that differ, uploading the logo and package whose
//! content changed), then submits to preview, waits, promotes and waits
//! until the offer is live. Each step is printed with the time it took. A
//! second run with the same definition changes nothing and says so.
//!
//! ```text
//! cargo run --example publish_offer                          # examples/offer.yaml, in-process emulator
//! cargo run --example publish_offer -- --plan                # only show what would change
//! cargo run --example publish_offer -- --definition my.yaml  # another definition
//! cargo run --example publish_offer -- --no-publish          # stop once the drafts are written
//! cargo run --example publish_offer -- --write-schema examples/offer.schema.json
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
//!   unless `--live` is given (`--plan` only reads, and runs without it).
//!
//! Options: `--definition FILE` (default `examples/offer.yaml`), `--plan`
//! (print the differences and exit), `--offer-id ID` (publish the
//! definition under another offer id), `--logo FILE` (the large logo),
//! `--package FILE` (deploy this package in every plan instead of the
//! definition's), `--no-publish`,
//! `--force-publish` (publish even when nothing changed, to finish a publish
//! an earlier run did not), `--prune` (also delete plans the definition does
//! not list), `--live`, `--write-schema FILE` (write the definition format's
//! JSON Schema and exit).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use partner_center_emulator::{Emulator, EmulatorHandle};
use partner_center_ingestion::auth::{ClientSecretCredential, Cloud};
use partner_center_ingestion::definition::{self, ApplyOptions, Definition, Publish};
use partner_center_ingestion::workflows::{Event, PollPolicy, Publisher};
use partner_center_ingestion::Client;

const USAGE: &str = "usage: publish_offer [--definition FILE] [--plan] [--offer-id ID] [--logo FILE] [--package FILE] [--no-publish] [--force-publish] [--prune] [--live] [--write-schema FILE]";

struct Options {
    definition: PathBuf,
    offer_id: Option<String>,
    logo: Option<PathBuf>,
    package: Option<PathBuf>,
    plan_only: bool,
    publish: bool,
    force_publish: bool,
    prune: bool,
    live: bool,
    write_schema: Option<PathBuf>,
}

fn parse_args() -> Result<Options, String> {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut options = Options {
        definition: examples.join("offer.yaml"),
        offer_id: None,
        logo: None,
        package: None,
        plan_only: false,
        publish: true,
        force_publish: false,
        prune: false,
        live: false,
        write_schema: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--definition" => options.definition = value("--definition")?.into(),
            "--offer-id" => options.offer_id = Some(value("--offer-id")?),
            "--logo" => options.logo = Some(value("--logo")?.into()),
            "--package" => options.package = Some(value("--package")?.into()),
            "--plan" => options.plan_only = true,
            "--no-publish" => options.publish = false,
            "--force-publish" => options.force_publish = true,
            "--prune" => options.prune = true,
            "--live" => options.live = true,
            "--write-schema" => options.write_schema = Some(value("--write-schema")?.into()),
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
    if let Some(path) = &options.write_schema {
        return match definition::write_schema(path) {
            Ok(()) => {
                say(format!(
                    "wrote the definition's JSON Schema to {}",
                    path.display()
                ));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::FAILURE
            }
        };
    }
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
    if !local && !options.live && !options.plan_only {
        return Err(format!(
            "{} is the live service; this example creates and publishes an offer there only when given --live",
            client.endpoint()
        )
        .into());
    }
    say(format!(
        "{} {}",
        if options.plan_only {
            "Comparing with"
        } else {
            "Publishing through"
        },
        client.endpoint()
    ));
    Ok((client, None, local))
}

fn step(started: Instant, what: impl std::fmt::Display) {
    say(format!(
        "[{:>6.2}s] {what}",
        started.elapsed().as_secs_f64()
    ));
}

async fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    // The definition is checked before anything is sent.
    let mut def = Definition::load(&options.definition)?;
    if let Some(offer_id) = &options.offer_id {
        def.override_offer_id(offer_id)?;
    }
    if let Some(logo) = &options.logo {
        def.override_logo(logo)?;
    }
    if let Some(package) = &options.package {
        def.override_package(package)?;
    }
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
    let apply_options = ApplyOptions::new()
        .prune(options.prune)
        .publish(if options.publish {
            Publish::Live
        } else {
            Publish::Never
        })
        .publish_unchanged(options.force_publish)
        .processing_deadline(processing)
        .certification_deadline(certification)
        .on_progress(move |line| step(started, line));

    if options.plan_only {
        let changes = definition::plan(&publisher, &def, &apply_options).await?;
        for line in changes.to_string().lines() {
            step(started, line);
        }
        return Ok(());
    }
    let applied = definition::apply(&publisher, &def, &apply_options).await?;
    if !applied.changes.is_empty() {
        step(
            started,
            format!(
                "applied {} change{} to offer {}",
                applied.changes.len(),
                if applied.changes.len() == 1 { "" } else { "s" },
                def.offer().offer_id
            ),
        );
    }
    if applied.published.is_none() && options.publish {
        step(started, "nothing to publish");
    } else if !options.publish {
        step(started, "drafts are ready; not publishing (--no-publish)");
    }
    Ok(())
}
