//! Plans (the service calls them variants): list, find by plan id, create.

use futures::TryStreamExt;

use super::offers::check_id;
use super::{Event, Offer, ProductId, Publisher, Result, VariantId, WorkflowError};
use crate::types::{
    AzureSkuVariant, AzureSkuVariantResourceType, AzureSkuVariantState, BranchModule, Variant,
};

/// The field, not in the published documents, that carries an Azure
/// Application plan's sub-type.
const SUB_TYPE: &str = "subType";

/// What an Azure Application plan deploys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PlanKind {
    /// A managed application: the publisher manages the deployed resources.
    ManagedApplication,
    /// A solution template: the customer owns the deployed resources.
    SolutionTemplate,
}

impl PlanKind {
    /// The service's name for the sub-type.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::ManagedApplication => "managed-application",
            PlanKind::SolutionTemplate => "solution-template",
        }
    }

    fn parse(value: &str) -> Option<PlanKind> {
        match value.to_ascii_lowercase().as_str() {
            "managed-application" | "managedapplication" => Some(PlanKind::ManagedApplication),
            "solution-template" | "solutiontemplate" => Some(PlanKind::SolutionTemplate),
            _ => None,
        }
    }
}

/// A plan of an offer, as the service knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    product_id: ProductId,
    variant_id: VariantId,
    plan_id: String,
    name: Option<String>,
    kind: Option<PlanKind>,
}

impl Plan {
    /// The product the plan belongs to.
    pub fn product_id(&self) -> &ProductId {
        &self.product_id
    }

    /// The service's id of the plan (a GUID; `variantID` in branches).
    pub fn variant_id(&self) -> &VariantId {
        &self.variant_id
    }

    /// The plan id the publisher chose.
    pub fn plan_id(&self) -> &str {
        &self.plan_id
    }

    /// The plan's name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Managed application or solution template, when the service says.
    pub fn kind(&self) -> Option<PlanKind> {
        self.kind
    }

    fn from_variant(product_id: &ProductId, variant: AzureSkuVariant) -> Option<Plan> {
        let kind = variant
            .extra
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(SUB_TYPE))
            .and_then(|(_, v)| v.as_str())
            .and_then(PlanKind::parse);
        Some(Plan {
            product_id: product_id.clone(),
            variant_id: VariantId::new(variant.id.filter(|id| !id.is_empty())?),
            plan_id: variant.external_id.unwrap_or_default(),
            name: variant.friendly_name,
            kind,
        })
    }
}

/// What a new plan needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPlan {
    plan_id: String,
    name: String,
    kind: PlanKind,
}

impl NewPlan {
    /// A plan with this plan id (1 to 50 lowercase letters, digits, `-` or
    /// `_`), name and kind.
    pub fn new(
        plan_id: impl Into<String>,
        name: impl Into<String>,
        kind: PlanKind,
    ) -> Result<NewPlan> {
        let plan_id = plan_id.into();
        check_id("plan id", &plan_id, 50)?;
        let name = name.into();
        if name.trim().is_empty() {
            return Err(WorkflowError::Invalid(format!(
                "the new plan `{plan_id}` needs a name"
            )));
        }
        Ok(NewPlan {
            plan_id,
            name,
            kind,
        })
    }

    /// The plan id.
    pub fn plan_id(&self) -> &str {
        &self.plan_id
    }
}

impl Publisher {
    /// Every plan of the offer (test-drive variants are left out).
    pub async fn list_plans(&self, offer: &Offer) -> Result<Vec<Plan>> {
        let mut variants = self
            .client
            .list_variants()
            .product_id(offer.product_id())
            .stream();
        let mut plans = Vec::new();
        while let Some(variant) = variants.try_next().await? {
            if let Variant::AzureSkuVariant(v) = variant {
                plans.extend(Plan::from_variant(offer.product_id(), v));
            }
        }
        Ok(plans)
    }

    /// The plan whose plan id is `plan_id`, if there is one.
    pub async fn find_plan(&self, offer: &Offer, plan_id: &str) -> Result<Option<Plan>> {
        Ok(self
            .list_plans(offer)
            .await?
            .into_iter()
            .find(|p| p.plan_id == plan_id))
    }

    /// Creates a plan and waits until the service shows its drafts (up to
    /// the consistency deadline).
    pub async fn create_plan(&self, offer: &Offer, new: &NewPlan) -> Result<Plan> {
        let mut body = AzureSkuVariant {
            resource_type: Some(AzureSkuVariantResourceType::AzureSkuVariant),
            state: Some(AzureSkuVariantState::Active),
            friendly_name: Some(new.name.clone()),
            external_id: Some(new.plan_id.clone()),
            cloud_availabilities: vec!["public-azure".to_string()],
            ..Default::default()
        };
        body.extra
            .insert(SUB_TYPE.to_string(), new.kind.as_str().into());
        let created = self
            .client
            .create_variant()
            .product_id(offer.product_id())
            .body(Variant::AzureSkuVariant(body))
            .send()
            .await?
            .into_inner();
        let plan = match created {
            Variant::AzureSkuVariant(v) => Plan::from_variant(offer.product_id(), v),
            _ => None,
        }
        .map(|mut plan| {
            plan.kind.get_or_insert(new.kind);
            if plan.plan_id.is_empty() {
                plan.plan_id = new.plan_id.clone();
            }
            plan
        })
        .ok_or_else(|| {
            WorkflowError::Unexpected(format!(
                "creating plan `{}` answered with something that is not a plan with an id",
                new.plan_id
            ))
        })?;
        let mut wait = self.waiter(
            self.consistency_deadline,
            format!("the drafts of the new plan `{}`", plan.plan_id),
            "the service is slow to show new plans; raise Publisher::consistency_deadline",
        );
        self.branch_instance(
            offer.product_id(),
            &BranchModule::Listing,
            Some(plan.variant_id()),
            &mut wait,
        )
        .await?;
        self.emit(Event::PlanCreated {
            plan_id: plan.plan_id.clone(),
            variant_id: plan.variant_id.clone(),
        });
        Ok(plan)
    }

    /// The plan with `new`'s plan id, created if there is none.
    pub async fn get_or_create_plan(&self, offer: &Offer, new: &NewPlan) -> Result<Plan> {
        match self.find_plan(offer, &new.plan_id).await? {
            Some(plan) => {
                self.emit(Event::PlanFound {
                    plan_id: plan.plan_id.clone(),
                    variant_id: plan.variant_id.clone(),
                });
                Ok(plan)
            }
            None => self.create_plan(offer, new).await,
        }
    }
}
