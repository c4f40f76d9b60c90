//! The definition format: what an Azure Application offer should be, as a
//! YAML or JSON file keeps it.
//!
//! Every key is optional unless said otherwise; a key that is left out is
//! not managed (the service keeps whatever it has there). Every struct
//! refuses keys it does not know, so a misspelt key is an error rather than
//! a setting silently ignored.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An Azure Application offer: the root of a definition file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Azure Application offer definition")]
pub struct OfferDefinition {
    /// The JSON Schema the file follows (ignored; editors read it).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The offer id: 1 to 50 lowercase letters, digits, `-` or `_`. It names
    /// the offer for good; changing it means another offer.
    pub offer_id: String,
    /// The offer's name in Partner Center. It is given when the offer is
    /// created; the API cannot rename an offer, so `plan` only notes a
    /// difference.
    pub name: String,
    /// The offer's marketplace listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<OfferListing>,
    /// Categories, industries, version and legal terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Properties>,
    /// Who sees the offer before it is live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<OfferAvailability>,
    /// Whether Cloud Solution Provider partners may resell the offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reseller: Option<Reseller>,
    /// The plans. Plans on the service that are not listed here are left
    /// alone (deleted only by `apply` with `prune`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<PlanDefinition>,
}

/// The offer's listing: texts, links, contacts, logos and screenshots.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferListing {
    /// The offer's title in the marketplace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A one-sentence summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// A short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_description: Option<String>,
    /// The long description (HTML allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Search keywords.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// Useful links (documentation, privacy policy…), in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<Link>>,
    /// Who to contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Contacts>,
    /// Logo files, by size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logos: Option<Logos>,
    /// Screenshot files (1280 × 720 px). When given, this is the whole set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshots: Option<Vec<PathBuf>>,
}

/// A link of a listing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The text shown.
    pub title: String,
    /// The address.
    pub uri: String,
}

/// The listing's contacts, by role.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// Customer support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<Contact>,
    /// Engineering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engineering: Option<Contact>,
    /// The Cloud Solution Provider channel manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_manager: Option<Contact>,
}

/// One contact.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// The person's or team's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// A web page (the support site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Logo files, relative to the definition file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Logos {
    /// 48 × 48 px.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub small: Option<PathBuf>,
    /// 90 × 90 px.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<PathBuf>,
    /// 216 × 216 px: the one Partner Center requires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub large: Option<PathBuf>,
    /// 255 × 115 px.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wide: Option<PathBuf>,
}

/// The offer's properties.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Properties {
    /// Marketplace categories (`analytics`, `security`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    /// Industries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industries: Option<Vec<String>>,
    /// The version of the application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// The legal terms of use (text or a link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_use: Option<String>,
    /// Use Microsoft's standard contract for the commercial marketplace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_contract: Option<bool>,
}

/// Who sees the offer in preview.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferAvailability {
    /// Azure subscriptions that see the offer in preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_audience: Option<Vec<Audience>>,
}

/// A member of an audience: an Azure subscription or tenant id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    /// The subscription or tenant id.
    pub id: String,
    /// A note saying who it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Reselling through Cloud Solution Provider partners.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reseller {
    /// Which partners may resell.
    pub channel: ResellerChannel,
    /// With `partial-opt-in`: the partners' tenant ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_ids: Option<Vec<String>>,
}

/// Which Cloud Solution Provider partners may resell the offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ResellerChannel {
    /// None.
    Disabled,
    /// All of them.
    Enabled,
    /// Only those listed in `tenant_ids`.
    PartialOptIn,
    /// None, opted out.
    OptOut,
}

impl ResellerChannel {
    pub(crate) fn service_name(self) -> &'static str {
        match self {
            ResellerChannel::Disabled => "Disabled",
            ResellerChannel::Enabled => "Enabled",
            ResellerChannel::PartialOptIn => "PartialOptIn",
            ResellerChannel::OptOut => "OptOut",
        }
    }
}

/// A plan of the offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDefinition {
    /// The plan id: 1 to 50 lowercase letters, digits, `-` or `_`.
    pub id: String,
    /// The plan's name.
    pub name: String,
    /// What the plan deploys; fixed once the plan exists.
    pub kind: PlanKindName,
    /// The plan's listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<PlanListing>,
    /// Markets, visibility and prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<PlanAvailability>,
    /// The package the plan deploys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technical_configuration: Option<TechnicalConfiguration>,
}

/// What a plan deploys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PlanKindName {
    /// A managed application: the publisher manages the deployed resources.
    ManagedApplication,
    /// A solution template: the customer owns the deployed resources.
    SolutionTemplate,
}

impl PlanKindName {
    /// The workflows' plan kind.
    pub fn kind(self) -> crate::workflows::PlanKind {
        match self {
            PlanKindName::ManagedApplication => crate::workflows::PlanKind::ManagedApplication,
            PlanKindName::SolutionTemplate => crate::workflows::PlanKind::SolutionTemplate,
        }
    }
}

/// A plan's listing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanListing {
    /// The plan's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A one-sentence summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The description (HTML allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Where and to whom a plan is sold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanAvailability {
    /// Market codes (`us`, `gb`…) where the plan is sold; the set is
    /// compared without regard to order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markets: Option<Vec<String>>,
    /// Public or private (only the `private_audience` sees it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// Hidden: reachable by a direct link only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    /// Azure tenants that see a private plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_audience: Option<Vec<Audience>>,
    /// Prices (managed applications only; solution templates are free).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<Vec<Price>>,
}

/// A plan's visibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Visibility {
    /// Everyone.
    Public,
    /// Only the private audience.
    Private,
}

/// A recurring price in some markets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// The markets the price applies to.
    pub markets: Vec<String>,
    /// ISO 4217 currency code (`USD`).
    pub currency: String,
    /// The amount per billing period.
    pub amount: f64,
    /// The billing period.
    #[serde(default)]
    pub per: BillingPeriod,
}

/// How often a price is charged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BillingPeriod {
    /// Monthly.
    #[default]
    Month,
    /// Yearly.
    Year,
}

/// A plan's technical configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TechnicalConfiguration {
    /// The package (`.zip` with `mainTemplate.json` and
    /// `createUiDefinition.json`), relative to the definition file.
    pub package: PathBuf,
    /// The plan's version (`1.0.0`); raise it with each new package.
    pub version: String,
    /// Managed applications: the publisher's Azure AD tenant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// Managed applications: who may manage the deployed resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizations: Option<Vec<Authorization>>,
    /// Managed applications: how the template is deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_mode: Option<DeploymentMode>,
    /// Managed applications: whether just-in-time access is allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jit_access: Option<bool>,
}

/// An authorization of a managed application: a principal and its role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Authorization {
    /// The Azure AD user, group or application id.
    pub principal_id: String,
    /// The Azure role definition id (`8e3af657-a8ff-443c-a75c-2fe8c4bcb635` is Owner).
    pub role_definition_id: String,
}

/// How a managed application's template is deployed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeploymentMode {
    /// Resources not in the template are deleted.
    Complete,
    /// Resources not in the template are kept.
    Incremental,
}

impl DeploymentMode {
    pub(crate) fn service_name(self) -> &'static str {
        match self {
            DeploymentMode::Complete => "Complete",
            DeploymentMode::Incremental => "Incremental",
        }
    }
}
