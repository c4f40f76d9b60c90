//! Drafts: which module's draft instance is current (through its branches),
//! reading it, and editing it with its etag.

use std::fmt;
use std::future::Future;

use futures::TryStreamExt;
use serde::Serialize;

use super::poll::Waiter;
use super::{
    Etag, Event, InstanceId, Offer, Plan, ProductId, Publisher, Result, VariantId, WorkflowError,
};
use crate::types::{self, BranchModule};
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

    /// The branch module whose `currentDraftInstanceID` names the draft.
    fn branch() -> BranchModule;

    #[doc(hidden)]
    fn read(
        client: &Client,
        product_id: &ProductId,
        instance_id: &InstanceId,
    ) -> impl Future<Output = Result<Self::Resource>> + Send;

    #[doc(hidden)]
    fn write(
        client: &Client,
        product_id: &ProductId,
        resource: Self::Resource,
    ) -> impl Future<Output = Result<()>> + Send;

    #[doc(hidden)]
    fn etag(resource: &Self::Resource) -> Option<&str>;
}

/// A module the offer itself has.
pub trait OfferModule: Module {}

/// A module each plan has.
pub trait PlanModule: Module {}

/// The draft of one module: the instance it belongs to and the resource,
/// with the etag it was read with.
#[derive(Clone, Debug)]
pub struct Draft<M: Module> {
    product_id: ProductId,
    variant_id: Option<VariantId>,
    instance_id: InstanceId,
    etag: Option<Etag>,
    resource: M::Resource,
}

impl<M: Module> Draft<M> {
    /// The product.
    pub fn product_id(&self) -> &ProductId {
        &self.product_id
    }

    /// The plan's variant id, for a plan's draft.
    pub fn variant_id(&self) -> Option<&VariantId> {
        self.variant_id.as_ref()
    }

    /// The draft instance (`currentDraftInstanceID` of its branch).
    pub fn instance_id(&self) -> &InstanceId {
        &self.instance_id
    }

    /// The etag the draft was read with (`@odata.etag`), which an edit
    /// sends back as `If-Match`; `None` for a module the service does not
    /// version (the reseller configuration).
    pub fn etag(&self) -> Option<&Etag> {
        self.etag.as_ref()
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

fn first<T>(items: Vec<T>, what: &str, instance_id: &InstanceId) -> Result<T> {
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

/// Declares a module whose draft is read by its instance id
/// (`…/getByInstanceID(instanceID=…)`, answering a one-item page) and
/// written by the resource's own id, with the etag in its body.
macro_rules! by_instance_module {
    (
        $(#[$doc:meta])*
        $module:ident for $($level:ident),+ {
            resource: $resource:ty,
            branch: $branch:expr,
            what: $what:literal,
            read: $read:ident,
            write: $write:ident($id_param:ident),
            id: |$r:ident| $id:expr,
            etag: |$e:ident| $etag:expr $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub enum $module {}
        impl sealed::Sealed for $module {}
        $( impl $level for $module {} )+
        impl Module for $module {
            type Resource = $resource;
            fn branch() -> BranchModule {
                $branch
            }
            async fn read(
                client: &Client,
                product_id: &ProductId,
                instance_id: &InstanceId,
            ) -> Result<Self::Resource> {
                let page = client
                    .$read()
                    .product_id(product_id)
                    .instance_id(instance_id)
                    .send()
                    .await?
                    .into_inner();
                first(page.value, $what, instance_id)
            }
            async fn write(
                client: &Client,
                product_id: &ProductId,
                resource: Self::Resource,
            ) -> Result<()> {
                let id = {
                    let $r = &resource;
                    need_id($id, $what)?.to_string()
                };
                client
                    .$write()
                    .product_id(product_id)
                    .$id_param(id)
                    .body(resource)
                    .send()
                    .await?;
                Ok(())
            }
            fn etag($e: &Self::Resource) -> Option<&str> {
                $etag
            }
        }
    };
}

by_instance_module! {
    /// The listing (texts, links, contacts) of the offer or of a plan.
    Listing for OfferModule, PlanModule {
        resource: types::AzureListing,
        branch: BranchModule::Listing,
        what: "listing",
        read: get_listing_by_instance_id,
        write: update_listing(listing_id),
        id: |r| r.id.as_deref(),
        etag: |r| r.odata_etag.as_deref(),
    }
}

by_instance_module! {
    /// The offer's properties: categories, industries, version, legal terms.
    Property for OfferModule {
        resource: types::AzureProperty,
        branch: BranchModule::Property,
        what: "property",
        read: get_property_by_instance_id,
        write: update_property(property_id),
        id: |r| r.id.as_deref(),
        etag: |r| r.odata_etag.as_deref(),
    }
}

by_instance_module! {
    /// Who can see the offer (its preview audience and visibility).
    OfferAvailability for OfferModule {
        resource: types::ProductAvailability,
        branch: BranchModule::Availability,
        what: "offer availability",
        read: get_product_availability_by_instance_id,
        write: update_product_availability(product_availability_id),
        id: |r| r.id.as_deref(),
        etag: |r| r.odata_etag.as_deref(),
    }
}

by_instance_module! {
    /// A plan's markets, visibility, prices and audiences.
    PlanAvailability for PlanModule {
        resource: types::FeatureAvailability,
        branch: BranchModule::Availability,
        what: "plan availability",
        read: get_feature_availability_by_instance_id,
        write: update_feature_availability(feature_availability_id),
        id: |r| r.id.as_deref(),
        etag: |r| r.odata_etag.as_deref(),
    }
}

by_instance_module! {
    /// A plan's technical configuration: the package it deploys and, for a
    /// managed application, its authorizations and policies.
    TechnicalConfiguration for PlanModule {
        resource: types::PackageConfiguration,
        branch: BranchModule::Package,
        what: "technical configuration",
        read: get_package_configuration_by_instance_id,
        write: update_package_configuration(package_configuration_id),
        id: |r| r.id(),
        etag: |r| r.odata_etag(),
    }
}

/// Whether Cloud Solution Provider partners may resell the offer. A
/// submission without this module fails validation.
#[derive(Debug)]
pub enum ResellerConfiguration {}
impl sealed::Sealed for ResellerConfiguration {}
impl OfferModule for ResellerConfiguration {}
impl Module for ResellerConfiguration {
    type Resource = types::ResellerConfiguration;
    fn branch() -> BranchModule {
        reseller_branch()
    }
    async fn read(
        client: &Client,
        product_id: &ProductId,
        _instance_id: &InstanceId,
    ) -> Result<Self::Resource> {
        Ok(client
            .get_reseller_configuration()
            .product_id(product_id)
            .send()
            .await?
            .into_inner())
    }
    async fn write(
        client: &Client,
        product_id: &ProductId,
        resource: Self::Resource,
    ) -> Result<()> {
        client
            .set_reseller_configuration()
            .product_id(product_id)
            .body(resource)
            .send()
            .await?;
        Ok(())
    }
    fn etag(_: &Self::Resource) -> Option<&str> {
        None
    }
}

/// The reseller configuration's branch module. The service has it, but
/// Microsoft's published documents leave it out of `BranchModule`, so it is
/// named by its text: a known variant where the document lists it, kept as
/// `Unknown` (and sent as it is) where it does not.
pub(crate) fn reseller_branch() -> BranchModule {
    BranchModule::from("ResellerConfiguration")
}

/// Whose draft a module's draft is: the offer's own, or one plan's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DraftOwner {
    /// The offer (its listing, properties, setup…).
    Offer,
    /// The plan with this variant id.
    Plan(VariantId),
}

impl DraftOwner {
    fn of(variant: Option<&VariantId>) -> DraftOwner {
        variant.map_or(DraftOwner::Offer, |v| DraftOwner::Plan(v.clone()))
    }
}

/// `offer`, or `plan <variant id>`.
impl std::fmt::Display for DraftOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DraftOwner::Offer => f.write_str("offer"),
            DraftOwner::Plan(variant) => write!(f, "plan {variant}"),
        }
    }
}

impl Publisher {
    /// The current draft instance of `module` for the offer (`variant`
    /// `None`) or a plan, through the module's branches. An empty or
    /// incomplete branch list is read again until `wait` gives up: right
    /// after a create the service does not show new branches yet.
    pub(crate) async fn branch_instance(
        &self,
        product_id: &ProductId,
        module: &BranchModule,
        variant: Option<&VariantId>,
        wait: &mut Waiter,
    ) -> Result<InstanceId> {
        loop {
            let scan = async {
                let mut branches = self
                    .client
                    .list_branches_by_module()
                    .product_id(product_id)
                    // As text: Microsoft's documents type this parameter as a
                    // plain string, ours as `BranchModule`; both take a `&str`.
                    .module(module.as_str())
                    .stream();
                while let Some(branch) = branches.try_next().await? {
                    let branch_variant = branch.variant_id.as_deref().filter(|v| !v.is_empty());
                    if branch_variant == variant.map(VariantId::as_str) {
                        if let Some(instance) =
                            branch.current_draft_instance_id.filter(|i| !i.is_empty())
                        {
                            return Ok::<_, WorkflowError>(Some(InstanceId::new(instance)));
                        }
                    }
                }
                Ok(None)
            };
            if let Some(instance) = wait.bounded(scan).await? {
                return Ok(instance);
            }
            wait.pause().await?;
        }
    }

    async fn draft<M: Module>(
        &self,
        product_id: &ProductId,
        variant: Option<&VariantId>,
    ) -> Result<Draft<M>> {
        let mut wait = self.waiter(
            self.consistency_deadline,
            format!("the {} draft of the {}", M::branch(), DraftOwner::of(variant)),
            "the service shows no branch of that module; check the offer's type has it, or raise Publisher::consistency_deadline",
        );
        let instance_id = self
            .branch_instance(product_id, &M::branch(), variant, &mut wait)
            .await?;
        let resource = M::read(&self.client, product_id, &instance_id).await?;
        Ok(Draft {
            product_id: product_id.clone(),
            variant_id: variant.cloned(),
            instance_id,
            etag: M::etag(&resource).map(Etag::new),
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
        mut change: impl FnMut(&mut M::Resource) + Send,
    ) -> Result<Edit<M>> {
        self.edit::<M>(offer.product_id(), None, |r| {
            change(r);
            Ok(())
        })
        .await
    }

    /// [`Publisher::edit_offer`] for a plan's draft.
    pub async fn edit_plan<M: PlanModule>(
        &self,
        plan: &Plan,
        mut change: impl FnMut(&mut M::Resource) + Send,
    ) -> Result<Edit<M>> {
        self.edit::<M>(plan.product_id(), Some(plan.variant_id()), |r| {
            change(r);
            Ok(())
        })
        .await
    }

    /// [`Publisher::edit_offer`] with a change that can fail: an error
    /// from `change` ends the edit with nothing written.
    pub async fn try_edit_offer<M: OfferModule>(
        &self,
        offer: &Offer,
        change: impl FnMut(&mut M::Resource) -> Result<()> + Send,
    ) -> Result<Edit<M>> {
        self.edit::<M>(offer.product_id(), None, change).await
    }

    /// [`Publisher::edit_plan`] with a change that can fail: an error from
    /// `change` ends the edit with nothing written.
    pub async fn try_edit_plan<M: PlanModule>(
        &self,
        plan: &Plan,
        change: impl FnMut(&mut M::Resource) -> Result<()> + Send,
    ) -> Result<Edit<M>> {
        self.edit::<M>(plan.product_id(), Some(plan.variant_id()), change)
            .await
    }

    async fn edit<M: Module>(
        &self,
        product_id: &ProductId,
        variant: Option<&VariantId>,
        mut change: impl FnMut(&mut M::Resource) -> Result<()> + Send,
    ) -> Result<Edit<M>> {
        let owner = DraftOwner::of(variant);
        for attempt in 1..=self.edit_attempts {
            let mut draft = self.draft::<M>(product_id, variant).await?;
            let before = serde_json::to_value(&draft.resource).ok();
            change(&mut draft.resource)?;
            if before.is_some() && serde_json::to_value(&draft.resource).ok() == before {
                self.emit(Event::DraftUnchanged {
                    module: M::branch(),
                    owner: owner.clone(),
                });
                return Ok(Edit::Unchanged(draft));
            }
            match M::write(&self.client, product_id, draft.resource.clone()).await {
                Ok(()) => {
                    self.emit(Event::DraftUpdated {
                        module: M::branch(),
                        owner: owner.clone(),
                    });
                    return Ok(Edit::Updated(draft));
                }
                Err(WorkflowError::Api(crate::Error::EtagMismatch(_))) => {
                    self.emit(Event::EditRetried {
                        module: M::branch(),
                        attempt,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Err(WorkflowError::Conflict {
            what: format!("the {} draft of the {owner}", M::branch()),
            attempts: self.edit_attempts,
        })
    }
}
