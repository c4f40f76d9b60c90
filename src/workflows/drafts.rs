//! Drafts: which module's draft instance is current (through its branches),
//! reading it, and editing it with its etag.

use std::fmt;
use std::future::Future;

use futures::TryStreamExt;
use serde::Serialize;

use super::poll::Waiter;
use super::{Event, Offer, Plan, Publisher, Result, WorkflowError};
use crate::types;
use crate::Client;

mod sealed {
    pub trait Sealed {}
}

/// A module of an offer or plan whose draft can be read and written.
///
/// Implemented by [`Listing`], [`Property`], [`OfferAvailability`],
/// [`PlanAvailability`], [`TechnicalConfiguration`] and
/// [`ResellerConfiguration`]; whether it belongs to the offer, a plan or
/// both is said by [`OfferModule`] and [`PlanModule`].
pub trait Module: sealed::Sealed + Send + Sync + 'static {
    /// The draft's resource type.
    type Resource: Clone + fmt::Debug + Serialize + Send + Sync + 'static;

    /// The module's name, as branches spell it: the branch module whose
    /// `currentDraftInstanceID` names the draft.
    const NAME: &'static str;

    #[doc(hidden)]
    fn read(
        client: &Client,
        product_id: &str,
        instance_id: &str,
    ) -> impl Future<Output = Result<Self::Resource>> + Send;

    #[doc(hidden)]
    fn write(
        client: &Client,
        product_id: &str,
        resource: Self::Resource,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// A module the offer itself has.
pub trait OfferModule: Module {}

/// A module each plan has.
pub trait PlanModule: Module {}

/// The draft of one module: the instance it belongs to and the resource,
/// with the etag it was read with.
#[derive(Clone, Debug)]
pub struct Draft<M: Module> {
    product_id: String,
    variant_id: Option<String>,
    instance_id: String,
    resource: M::Resource,
}

impl<M: Module> Draft<M> {
    /// The product.
    pub fn product_id(&self) -> &str {
        &self.product_id
    }

    /// The plan's variant id, for a plan's draft.
    pub fn variant_id(&self) -> Option<&str> {
        self.variant_id.as_deref()
    }

    /// The draft instance (`currentDraftInstanceID` of its branch).
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// The etag the draft was read with (`@odata.etag`), which an edit
    /// sends back as `If-Match`; `None` for a module the service does not
    /// version (the reseller configuration).
    pub fn etag(&self) -> Option<String> {
        let value = serde_json::to_value(&self.resource).ok()?;
        value.get("@odata.etag")?.as_str().map(str::to_string)
    }

    /// The resource as read.
    pub fn resource(&self) -> &M::Resource {
        &self.resource
    }

    /// The resource.
    pub fn into_resource(self) -> M::Resource {
        self.resource
    }
}

/// What an edit did.
#[derive(Clone, Debug)]
pub enum Edit<M: Module> {
    /// The draft was written; this is it as read before the write, with the
    /// change applied.
    Updated(Draft<M>),
    /// The change left the draft as it was, so nothing was written.
    Unchanged(Draft<M>),
}

impl<M: Module> Edit<M> {
    /// Whether anything was written.
    pub fn changed(&self) -> bool {
        matches!(self, Edit::Updated(_))
    }

    /// The draft, as it is now.
    pub fn draft(&self) -> &Draft<M> {
        match self {
            Edit::Updated(d) | Edit::Unchanged(d) => d,
        }
    }
}

fn first<T>(items: Vec<T>, what: &str, instance_id: &str) -> Result<T> {
    items.into_iter().next().ok_or_else(|| {
        WorkflowError::Unexpected(format!(
            "the service has no {what} for draft instance {instance_id}"
        ))
    })
}

fn need_id<'a>(id: Option<&'a str>, what: &str) -> Result<&'a str> {
    id.filter(|id| !id.is_empty())
        .ok_or_else(|| WorkflowError::Invalid(format!("the {what} to write has no id")))
}

/// The listing (texts, links, contacts) of the offer or of a plan.
#[derive(Debug)]
pub enum Listing {}
impl sealed::Sealed for Listing {}
impl OfferModule for Listing {}
impl PlanModule for Listing {}
impl Module for Listing {
    type Resource = types::AzureListing;
    const NAME: &'static str = "Listing";
    async fn read(client: &Client, product_id: &str, instance_id: &str) -> Result<Self::Resource> {
        let page = client
            .get_listing_by_instance_id()
            .product_id(product_id)
            .instance_id(instance_id)
            .send()
            .await?
            .into_inner();
        first(page.value, "listing", instance_id)
    }
    async fn write(client: &Client, product_id: &str, resource: Self::Resource) -> Result<()> {
        let id = need_id(resource.id.as_deref(), "listing")?.to_string();
        client
            .update_listing()
            .product_id(product_id)
            .listing_id(id)
            .body(resource)
            .send()
            .await?;
        Ok(())
    }
}

/// The offer's properties: categories, industries, version, legal terms.
#[derive(Debug)]
pub enum Property {}
impl sealed::Sealed for Property {}
impl OfferModule for Property {}
impl Module for Property {
    type Resource = types::AzureProperty;
    const NAME: &'static str = "Property";
    async fn read(client: &Client, product_id: &str, instance_id: &str) -> Result<Self::Resource> {
        let page = client
            .get_property_by_instance_id()
            .product_id(product_id)
            .instance_id(instance_id)
            .send()
            .await?
            .into_inner();
        first(page.value, "property", instance_id)
    }
    async fn write(client: &Client, product_id: &str, resource: Self::Resource) -> Result<()> {
        let id = need_id(resource.id.as_deref(), "property")?.to_string();
        client
            .update_property()
            .product_id(product_id)
            .property_id(id)
            .body(resource)
            .send()
            .await?;
        Ok(())
    }
}

/// Who can see the offer (its preview audience and visibility).
#[derive(Debug)]
pub enum OfferAvailability {}
impl sealed::Sealed for OfferAvailability {}
impl OfferModule for OfferAvailability {}
impl Module for OfferAvailability {
    type Resource = types::ProductAvailability;
    const NAME: &'static str = "Availability";
    async fn read(client: &Client, product_id: &str, instance_id: &str) -> Result<Self::Resource> {
        let page = client
            .get_product_availability_by_instance_id()
            .product_id(product_id)
            .instance_id(instance_id)
            .send()
            .await?
            .into_inner();
        first(page.value, "offer availability", instance_id)
    }
    async fn write(client: &Client, product_id: &str, resource: Self::Resource) -> Result<()> {
        let id = need_id(resource.id.as_deref(), "offer availability")?.to_string();
        client
            .update_product_availability()
            .product_id(product_id)
            .product_availability_id(id)
            .body(resource)
            .send()
            .await?;
        Ok(())
    }
}

/// A plan's markets, visibility, prices and audiences.
#[derive(Debug)]
pub enum PlanAvailability {}
impl sealed::Sealed for PlanAvailability {}
impl PlanModule for PlanAvailability {}
impl Module for PlanAvailability {
    type Resource = types::FeatureAvailability;
    const NAME: &'static str = "Availability";
    async fn read(client: &Client, product_id: &str, instance_id: &str) -> Result<Self::Resource> {
        let page = client
            .get_feature_availability_by_instance_id()
            .product_id(product_id)
            .instance_id(instance_id)
            .send()
            .await?
            .into_inner();
        first(page.value, "plan availability", instance_id)
    }
    async fn write(client: &Client, product_id: &str, resource: Self::Resource) -> Result<()> {
        let id = need_id(resource.id.as_deref(), "plan availability")?.to_string();
        client
            .update_feature_availability()
            .product_id(product_id)
            .feature_availability_id(id)
            .body(resource)
            .send()
            .await?;
        Ok(())
    }
}

/// A plan's technical configuration: the package it deploys and, for a
/// managed application, its authorizations and policies.
#[derive(Debug)]
pub enum TechnicalConfiguration {}
impl sealed::Sealed for TechnicalConfiguration {}
impl PlanModule for TechnicalConfiguration {}
impl Module for TechnicalConfiguration {
    type Resource = types::PackageConfiguration;
    const NAME: &'static str = "Package";
    async fn read(client: &Client, product_id: &str, instance_id: &str) -> Result<Self::Resource> {
        let page = client
            .get_package_configuration_by_instance_id()
            .product_id(product_id)
            .instance_id(instance_id)
            .send()
            .await?
            .into_inner();
        first(page.value, "technical configuration", instance_id)
    }
    async fn write(client: &Client, product_id: &str, resource: Self::Resource) -> Result<()> {
        let id = package_configuration_id(&resource);
        let id = need_id(id.as_deref(), "technical configuration")?.to_string();
        client
            .update_package_configuration()
            .product_id(product_id)
            .package_configuration_id(id)
            .body(resource)
            .send()
            .await?;
        Ok(())
    }
}

/// The id of a technical configuration, whatever its kind.
pub(crate) fn package_configuration_id(c: &types::PackageConfiguration) -> Option<String> {
    let value = serde_json::to_value(c).ok()?;
    let map = value.as_object()?;
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("id"))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_string)
}

/// Whether Cloud Solution Provider partners may resell the offer. A
/// submission without this module fails validation.
#[derive(Debug)]
pub enum ResellerConfiguration {}
impl sealed::Sealed for ResellerConfiguration {}
impl OfferModule for ResellerConfiguration {}
impl Module for ResellerConfiguration {
    type Resource = types::ResellerConfiguration;
    const NAME: &'static str = "ResellerConfiguration";
    async fn read(client: &Client, product_id: &str, _instance_id: &str) -> Result<Self::Resource> {
        Ok(client
            .get_reseller_configuration()
            .product_id(product_id)
            .send()
            .await?
            .into_inner())
    }
    async fn write(client: &Client, product_id: &str, resource: Self::Resource) -> Result<()> {
        client
            .set_reseller_configuration()
            .product_id(product_id)
            .body(resource)
            .send()
            .await?;
        Ok(())
    }
}

fn owner_label(variant: Option<&str>) -> String {
    match variant {
        None => "offer".to_string(),
        Some(v) => format!("plan {v}"),
    }
}

impl Publisher {
    /// The current draft instance of `module` for the offer (`variant`
    /// `None`) or a plan, through the module's branches. An empty or
    /// incomplete branch list is read again until `wait` gives up: right
    /// after a create the service does not show new branches yet.
    pub(crate) async fn branch_instance(
        &self,
        product_id: &str,
        module: &str,
        variant: Option<&str>,
        wait: &mut Waiter,
    ) -> Result<String> {
        loop {
            let mut branches = self
                .client
                .list_branches_by_module()
                .product_id(product_id)
                .module(module)
                .stream();
            while let Some(branch) = branches.try_next().await? {
                let branch_variant = branch.variant_id.as_deref().filter(|v| !v.is_empty());
                if branch_variant == variant {
                    if let Some(instance) =
                        branch.current_draft_instance_id.filter(|i| !i.is_empty())
                    {
                        return Ok(instance);
                    }
                }
            }
            wait.pause().await?;
        }
    }

    async fn draft<M: Module>(&self, product_id: &str, variant: Option<&str>) -> Result<Draft<M>> {
        let mut wait = self.waiter(
            self.consistency_deadline,
            format!("the {} draft of the {}", M::NAME, owner_label(variant)),
            "the service shows no branch of that module; check the offer's type has it, or raise Publisher::consistency_deadline",
        );
        let instance_id = self
            .branch_instance(product_id, M::NAME, variant, &mut wait)
            .await?;
        let resource = M::read(&self.client, product_id, &instance_id).await?;
        Ok(Draft {
            product_id: product_id.to_string(),
            variant_id: variant.map(str::to_string),
            instance_id,
            resource,
        })
    }

    /// The offer's current draft of module `M`.
    pub async fn offer_draft<M: OfferModule>(&self, offer: &Offer) -> Result<Draft<M>> {
        self.draft::<M>(offer.product_id(), None).await
    }

    /// The plan's current draft of module `M`.
    pub async fn plan_draft<M: PlanModule>(&self, plan: &Plan) -> Result<Draft<M>> {
        self.draft::<M>(plan.product_id(), Some(plan.variant_id()))
            .await
    }

    /// Reads the offer's draft of `M`, applies `change` and writes it back
    /// with its etag. If someone else changed the draft meanwhile, it is
    /// read again and `change` applied again (up to
    /// [`Publisher::edit_attempts`] rounds). A change that leaves the draft
    /// as it was writes nothing.
    pub async fn edit_offer<M: OfferModule>(
        &self,
        offer: &Offer,
        change: impl FnMut(&mut M::Resource) + Send,
    ) -> Result<Edit<M>> {
        self.edit::<M>(offer.product_id(), None, change).await
    }

    /// [`Publisher::edit_offer`] for a plan's draft.
    pub async fn edit_plan<M: PlanModule>(
        &self,
        plan: &Plan,
        change: impl FnMut(&mut M::Resource) + Send,
    ) -> Result<Edit<M>> {
        self.edit::<M>(plan.product_id(), Some(plan.variant_id()), change)
            .await
    }

    async fn edit<M: Module>(
        &self,
        product_id: &str,
        variant: Option<&str>,
        mut change: impl FnMut(&mut M::Resource) + Send,
    ) -> Result<Edit<M>> {
        let owner = owner_label(variant);
        for attempt in 1..=self.edit_attempts {
            let mut draft = self.draft::<M>(product_id, variant).await?;
            let before = serde_json::to_value(&draft.resource).ok();
            change(&mut draft.resource);
            if before.is_some() && serde_json::to_value(&draft.resource).ok() == before {
                self.emit(Event::DraftUnchanged {
                    module: M::NAME,
                    owner,
                });
                return Ok(Edit::Unchanged(draft));
            }
            match M::write(&self.client, product_id, draft.resource.clone()).await {
                Ok(()) => {
                    self.emit(Event::DraftUpdated {
                        module: M::NAME,
                        owner,
                    });
                    return Ok(Edit::Updated(draft));
                }
                Err(WorkflowError::Api(crate::Error::EtagMismatch(_))) => {
                    self.emit(Event::EditRetried {
                        module: M::NAME,
                        attempt,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Err(WorkflowError::Conflict {
            what: format!("the {} draft of the {owner}", M::NAME),
            attempts: self.edit_attempts,
        })
    }
}
