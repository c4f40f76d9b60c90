//! The client a command works through: from the environment, or an
//! in-process emulator with `--emulator` (never as a fallback).

use std::time::Duration;

use partner_center_ingestion::auth::DefaultCredential;
use partner_center_ingestion::definition::Definition;
use partner_center_ingestion::retry::RetryPolicy;
use partner_center_ingestion::workflows::{Offer, PollPolicy, Publisher};
use partner_center_ingestion::Client;

use crate::error::CliError;
use crate::output::Reporter;

/// A client and what it talks to.
pub struct Session {
    /// The client; clones share its token and throttle budget.
    pub client: Client,
    /// Whether the endpoint is on this machine (an emulator): waits poll quickly.
    pub local: bool,
    #[cfg(feature = "emulator")]
    _emulator: Option<partner_center_emulator::EmulatorHandle>,
}

fn is_loopback(url: &str) -> bool {
    url::Url::parse(url).ok().is_some_and(|u| match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    })
}

impl Session {
    /// Connects as the options say.
    /// Every request of the client retries as `policy` says (the CLI's
    /// `--retry-budget`).
    pub async fn open(
        emulator: bool,
        policy: RetryPolicy,
        reporter: &Reporter,
    ) -> Result<Session, CliError> {
        if emulator {
            return Self::emulator(policy, reporter).await;
        }
        let no_credentials = |e: &dyn std::fmt::Display| {
            CliError::Config(format!(
                "{e}\n  Set the credentials in the environment (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or a keyless credential), or pass --emulator to try things out on an in-process emulator"
            ))
        };
        let credential = DefaultCredential::from_env().map_err(|e| no_credentials(&e))?;
        let client = Client::builder(credential)
            .with_env()
            .and_then(|b| b.retry_policy(policy).build())
            .map_err(|e| CliError::Config(e.to_string()))?;
        let local = is_loopback(client.endpoint());
        Ok(Session {
            client,
            local,
            #[cfg(feature = "emulator")]
            _emulator: None,
        })
    }

    #[cfg(feature = "emulator")]
    async fn emulator(policy: RetryPolicy, reporter: &Reporter) -> Result<Session, CliError> {
        use partner_center_ingestion::auth::{ClientSecretCredential, Cloud};
        let delay = Duration::from_millis(200);
        let emulator = partner_center_emulator::Emulator::builder()
            .consistency_delay(delay)
            .processing_delay(delay)
            .certification_delay(delay)
            .start()
            .await
            .map_err(|e| CliError::Config(format!("cannot start the emulator: {e}")))?;
        reporter.note(format!(
            "note: --emulator: working against an in-process emulator at {} (its state ends with this command)",
            emulator.endpoint()
        ));
        let config = |e: &dyn std::fmt::Display| CliError::Config(e.to_string());
        let credential = ClientSecretCredential::builder(
            emulator.tenant_id(),
            emulator.client_id(),
            emulator.client_secret(),
        )
        .cloud(Cloud::from_authority_host(&emulator.authority_host()).map_err(|e| config(&e))?)
        .build()
        .map_err(|e| config(&e))?;
        let client = Client::builder(credential)
            .endpoint(emulator.endpoint())
            .retry_policy(policy)
            .build()
            .map_err(|e| config(&e))?;
        Ok(Session {
            client,
            local: true,
            _emulator: Some(emulator),
        })
    }

    #[cfg(not(feature = "emulator"))]
    async fn emulator(_policy: RetryPolicy, _reporter: &Reporter) -> Result<Session, CliError> {
        Err(CliError::Usage(
            "this partner-center was built without the `emulator` feature; --emulator is not available".into(),
        ))
    }

    /// Workflows over the client, polling quickly on a local endpoint.
    pub fn publisher(&self) -> Publisher {
        let publisher = Publisher::new(self.client.clone());
        if self.local {
            publisher
                .poll_policy(PollPolicy::quick())
                .consistency_deadline(Duration::from_secs(60))
        } else {
            publisher
        }
    }
}

/// The offer id an `OFFER` argument names: an offer id, or a definition
/// file whose `offer_id` is used.
pub fn offer_id_of(arg: &str) -> Result<String, CliError> {
    let path = std::path::Path::new(arg);
    if path.is_file() {
        let def = Definition::load(path).map_err(|e| CliError::Config(e.to_string()))?;
        return Ok(def.offer().offer_id.clone());
    }
    if arg.contains(['/', '\\']) || arg.ends_with(".yaml") || arg.ends_with(".yml") {
        return Err(CliError::Config(format!(
            "{arg} is neither an offer id nor a definition file that exists"
        )));
    }
    Ok(arg.to_string())
}

/// The offer an `OFFER` argument names, found on the service.
pub async fn find_offer(publisher: &Publisher, arg: &str) -> Result<Offer, CliError> {
    let offer_id = offer_id_of(arg)?;
    publisher
        .find_offer(&offer_id)
        .await?
        .ok_or_else(|| {
            CliError::Config(format!(
                "this account has no offer with offer id `{offer_id}`; `partner-center list offers` lists them"
            ))
        })
}
