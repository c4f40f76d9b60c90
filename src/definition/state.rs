//! What the service has of everything a definition mentions: read, never
//! written.

use futures::TryStreamExt;
use serde_json::Value;

use super::diff::as_json;
use super::load::Definition;
use super::options::Publish;
use crate::workflows::{
    Listing, Offer, OfferAvailability, Phase, Plan, PlanAvailability, ProcessedPackage, Property,
    Publisher, ResellerConfiguration, SubmissionStatus, TechnicalConfiguration, WorkflowError,
};

type Result<T, E = WorkflowError> = std::result::Result<T, E>;

/// A listing image as the service has it.
#[derive(Clone, Debug)]
pub(super) struct Image {
    pub(super) id: String,
    pub(super) kind: String,
    pub(super) file_name: String,
    pub(super) state: String,
}

impl Image {
    /// Processed, or on its way there.
    pub(super) fn usable(&self) -> bool {
        matches!(
            self.state.as_str(),
            "Processed" | "Uploaded" | "InProcessing"
        )
    }
}

/// One plan of the definition, as the service has it.
#[derive(Clone, Debug, Default)]
pub(super) struct PlanState {
    pub(super) plan: Option<Plan>,
    pub(super) listing: Option<Value>,
    pub(super) availability: Option<Value>,
    pub(super) technical: Option<Value>,
}

/// What the service has of everything the definition mentions.
#[derive(Clone, Debug, Default)]
pub(super) struct Snapshot {
    pub(super) offer: Option<Offer>,
    pub(super) listing: Option<Value>,
    pub(super) images: Vec<Image>,
    pub(super) property: Option<Value>,
    pub(super) availability: Option<Value>,
    pub(super) reseller: Option<Value>,
    pub(super) packages: Vec<ProcessedPackage>,
    pub(super) all_plans: Vec<Plan>,
    pub(super) plans: Vec<PlanState>,
    /// The offer's latest submission (`None`: never submitted).
    pub(super) latest: Option<SubmissionStatus>,
}

impl Snapshot {
    /// Whether the last publish did not get where `publish` goes: never
    /// submitted, failed, or (for live) left at preview.
    pub(super) fn publish_unfinished(&self, publish: Publish) -> bool {
        match self.latest.as_ref().map(SubmissionStatus::phase) {
            None | Some(Phase::Failed) => true,
            Some(Phase::PreviewReady) => publish == Publish::Live,
            Some(Phase::Live) => false,
            // Carried on by `apply`, not submitted again.
            Some(_) => false,
        }
    }
}

/// Reads what the service has of everything `def` mentions. Only reads.
pub(super) async fn snapshot(publisher: &Publisher, def: &Definition) -> Result<Snapshot> {
    let o = def.offer();
    let mut snap = Snapshot::default();
    let Some(offer) = publisher.find_offer(&o.offer_id).await? else {
        snap.plans = vec![PlanState::default(); o.plans.len()];
        return Ok(snap);
    };
    let client = publisher.client();
    if o.listing.is_some() {
        let draft = publisher.offer_draft::<Listing>(&offer).await?;
        snap.listing = Some(as_json(draft.resource()));
        if let Some(listing_id) = draft.resource().id.as_deref() {
            let mut images = client
                .list_listing_images()
                .product_id(offer.product_id())
                .listing_id(listing_id)
                .stream();
            while let Some(image) = images.try_next().await? {
                let Some(id) = image.id.clone() else { continue };
                snap.images.push(Image {
                    id,
                    kind: image.type_.clone().unwrap_or_default(),
                    file_name: image.file_name.clone().unwrap_or_default(),
                    state: image.state.map(|s| s.to_string()).unwrap_or_default(),
                });
            }
        }
    }
    if o.properties.is_some() {
        let draft = publisher.offer_draft::<Property>(&offer).await?;
        snap.property = Some(as_json(draft.resource()));
    }
    if o.availability.is_some() {
        let draft = publisher.offer_draft::<OfferAvailability>(&offer).await?;
        snap.availability = Some(as_json(draft.resource()));
    }
    if o.reseller.is_some() {
        let draft = publisher
            .offer_draft::<ResellerConfiguration>(&offer)
            .await?;
        snap.reseller = Some(as_json(draft.resource()));
    }
    if o.plans.iter().any(|p| p.technical_configuration.is_some()) {
        snap.packages = publisher.processed_packages(&offer).await?;
    }
    snap.all_plans = publisher.list_plans(&offer).await?;
    for plan in &o.plans {
        let mut state = PlanState::default();
        if let Some(existing) = snap.all_plans.iter().find(|p| p.plan_id() == plan.id) {
            if plan.listing.is_some() {
                let d = publisher.plan_draft::<Listing>(existing).await?;
                state.listing = Some(as_json(d.resource()));
            }
            if plan.availability.is_some() {
                let d = publisher.plan_draft::<PlanAvailability>(existing).await?;
                state.availability = Some(as_json(d.resource()));
            }
            if plan.technical_configuration.is_some() {
                let d = publisher
                    .plan_draft::<TechnicalConfiguration>(existing)
                    .await?;
                state.technical = Some(as_json(d.resource()));
            }
            state.plan = Some(existing.clone());
        }
        snap.plans.push(state);
    }
    snap.latest = publisher.latest_submission(&offer).await?;
    snap.offer = Some(offer);
    Ok(snap)
}
