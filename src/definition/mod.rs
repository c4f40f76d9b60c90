//! Offers as code: a definition file says what an Azure Application offer
//! should be; [`plan`] shows how the service differs from it; [`apply`]
//! makes the service match.
//!
//! ```yaml
//! # yaml-language-server: $schema=offer.schema.json
//! offer_id: contoso-sample-app
//! name: Contoso Sample App
//! listing:
//!   title: Contoso Sample App
//!   summary: A sample managed application.
//!   logos:
//!     large: assets/logo-216.png
//! reseller:
//!   channel: disabled
//! plans:
//!   - id: standard
//!     name: Standard
//!     kind: managed-application
//!     technical_configuration:
//!       package: assets/app.zip
//!       version: 1.0.0
//! ```
//!
//! ```no_run
//! use partner_center_ingestion::definition::{self, ApplyOptions, Definition, Publish};
//! use partner_center_ingestion::workflows::Publisher;
//! # async fn run(client: partner_center_ingestion::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let def = Definition::load("examples/offer.yaml")?;
//! let publisher = Publisher::new(client);
//! let options = ApplyOptions::new().publish(Publish::Live);
//! println!("{}", definition::plan(&publisher, &def, &options).await?);
//! let applied = definition::apply(&publisher, &def, &options).await?;
//! println!("{} changes; published: {:?}", applied.changes.len(), applied.published);
//! # Ok(()) }
//! ```
//!
//! The format is [`OfferDefinition`]; [`json_schema`] gives its JSON Schema
//! (`partner-center schema FILE` writes it;
//! `examples/offer.schema.json` is kept current by a test). Keys it does not
//! know are refused, with the key's path, line and the nearest known key.
//! File paths are relative to the definition file.
//!
//! **What is compared.** Only what the definition mentions: a key left out
//! leaves the service's value alone. Each module's draft (listing,
//! properties, availability, reseller configuration; a plan's listing,
//! availability, technical configuration) is read and compared field by
//! field. Plans on the service that the definition does not list are left
//! alone unless [`ApplyOptions::prune`] is set.
//!
//! **Files.** Logos, screenshots and packages are compared by content
//! without downloading anything: each is uploaded under its name with the
//! first 8 hex digits of the SHA-256 of its content before the extension
//! (`logo-216.png` goes up as `logo-216.3f2a9c1b.png`). `plan` reads the
//! names the service holds (a listing's images; the package a plan's
//! technical configuration references) and compares their hashes with the
//! local files'. A processed package whose name carries the wanted hash but
//! that no plan references yet (an `apply` stopped after uploading) is used
//! as it is rather than uploaded again.
//!
//! **Safety.** [`plan`] sends only reads. [`apply`] does exactly what
//! `plan` shows, each draft written with the etag it was read with (the
//! workflows redo an edit that met a concurrent change); when the plan is
//! empty it writes nothing at all. It uploads files before the drafts that
//! reference them, so a run that stops part-way is finished by the next.
//!
//! **Publishing.** With [`ApplyOptions::publish`], `apply` submits to
//! preview (and promotes to live) when it changed something, or when the
//! offer's last submission did not get there (none, failed, or stopped at
//! preview when live is the target). A run stopped after writing the drafts
//! but before submitting leaves nothing the next run can see (the drafts
//! match): publish then with [`ApplyOptions::publish_unchanged`]
//! (`--force-publish`).

pub mod business_central;
mod changes;
mod compare;
mod diff;
mod files;
mod format;
mod load;
mod options;
mod parse;
mod publish;
mod reconcile;
mod state;

use std::path::Path;

pub use changes::{Action, Change, ChangeSet, Resource};
pub use files::LocalFile;
pub use format::{
    Audience, Authorization, BillingPeriod, Contact, Contacts, DeploymentMode, Link, Logos,
    OfferAvailability, OfferDefinition, OfferListing, PlanAvailability, PlanDefinition,
    PlanKindName, PlanListing, Price, Properties, Reseller, ResellerChannel,
    TechnicalConfiguration, Visibility,
};
pub use load::Definition;
pub use options::{ApplyOptions, IfInProgress, Publish};
pub use parse::{DefinitionError, Format};
pub use reconcile::{apply, plan, Applied};

/// The JSON Schema of the definition format ([`OfferDefinition`]), for
/// editors to check a definition while it is written.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(OfferDefinition)).unwrap_or_default()
}

/// Writes [`json_schema`] to `path`, pretty-printed, with a final newline.
pub fn write_schema(path: impl AsRef<Path>) -> std::io::Result<()> {
    let mut text = serde_json::to_string_pretty(&json_schema()).map_err(std::io::Error::other)?;
    text.push('\n');
    std::fs::write(path, text)
}
