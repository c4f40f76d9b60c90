//! `plan` and `apply`: compare a definition with the service, then carry out the work.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

use super::changes::{ChangeSet, Resource};
use super::diff::{
    offer_availability_fields, offer_listing_fields, plan_availability_fields, plan_listing_fields,
    property_fields, reseller_fields, set_fields, technical_fields, Field,
};
use super::files::{short_hash, LocalFile};
use super::load::Definition;
use crate::workflows::{
    ImageKind, Listing, NewOffer, NewPlan, Offer, OfferAvailability, OfferModule, Plan,
    PlanAvailability, PlanModule, ProcessedPackage, Property, Publisher, ResellerConfiguration,
    SubmissionId, TechnicalConfiguration, WorkflowError,
};

type Result<T, E = WorkflowError> = std::result::Result<T, E>;

/// What `apply` did.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Applied {
    /// The changes it made (empty: the service already matched).
    pub changes: ChangeSet,
    /// The substate the publish ended in (`ReadyToPublish`, `InStore`), if
    /// it published and waited.
    pub published: Option<crate::types::SubmissionSubstate>,
    /// The submission it made or carried on, if it published.
    pub submission_id: Option<SubmissionId>,
}

impl Applied {
    fn new(changes: ChangeSet, outcome: Option<publish::Outcome>) -> Applied {
        let outcome = outcome.unwrap_or_default();
        Applied {
            changes,
            published: outcome.reached,
            submission_id: outcome.submission_id,
        }
    }
}

use super::compare::{compare, Work};
use super::options::{ApplyOptions, Publish};
use super::publish;
use super::state::{snapshot, Image};

/// Every difference between `def` and the service: what `apply` with the
/// same options would do. It only reads: not one write request is sent.
pub async fn plan(
    publisher: &Publisher,
    def: &Definition,
    options: &ApplyOptions,
) -> Result<ChangeSet> {
    let snap = snapshot(publisher, def).await?;
    Ok(accepted(compare(def, &snap, options.prune))?.set)
}

/// `work`, unless a draft's type refuses one of its changes: then the
/// error names each, and nothing is written.
fn accepted(work: Work) -> Result<Work> {
    if work.refused.is_empty() {
        Ok(work)
    } else {
        Err(WorkflowError::Invalid(work.refused.join("; ")))
    }
}

/// A copy of a file under its upload name, in a folder of its own that is
/// removed when this is dropped.
struct Staged {
    dir: PathBuf,
    path: PathBuf,
}

impl Staged {
    fn new(file: &LocalFile) -> Result<Staged> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WorkflowError::File { path, source }
        };
        let bytes = std::fs::read(file.path()).map_err(io(file.path()))?;
        if short_hash(&bytes) != file.hash() {
            return Err(WorkflowError::Invalid(format!(
                "`{}` changed after the definition was read; run again",
                file.path().display()
            )));
        }
        let dir =
            std::env::temp_dir().join(format!("partner-center-upload-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let staged = Staged {
            path: dir.join(file.upload_name()),
            dir,
        };
        std::fs::write(&staged.path, bytes).map_err(io(&staged.path))?;
        Ok(staged)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A file error names the local file, not the staged copy.
fn about_file(what: &str, file: &LocalFile, e: WorkflowError) -> WorkflowError {
    match e {
        WorkflowError::File { .. } | WorkflowError::ProcessingFailed { .. } => {
            WorkflowError::Invalid(format!("{what} `{}`: {e}", file.path().display()))
        }
        other => other,
    }
}

/// Edits the drafts whose fields the change set updates, and says so.
struct Edits<'a> {
    publisher: &'a Publisher,
    changes: &'a ChangeSet,
    options: &'a ApplyOptions,
}

impl Edits<'_> {
    /// Sets `fields` on the offer's draft of `M`, if the definition has
    /// them and the change set updates `resource`.
    async fn offer<M: OfferModule>(
        &self,
        offer: &Offer,
        resource: Resource,
        fields: Option<Vec<Field>>,
    ) -> Result<()>
    where
        M::Resource: DeserializeOwned,
    {
        let Some(fields) = fields.filter(|_| self.changes.updates(&resource)) else {
            return Ok(());
        };
        self.publisher
            .try_edit_offer::<M>(offer, |draft| set(&resource, draft, &fields))
            .await?;
        self.done(&resource);
        Ok(())
    }

    /// [`Edits::offer`] for a plan's draft; `also` edits it even when no
    /// field of it differs (a package to point it at).
    async fn plan<M: PlanModule>(
        &self,
        plan: &Plan,
        resource: Resource,
        fields: Option<Vec<Field>>,
        also: bool,
    ) -> Result<()>
    where
        M::Resource: DeserializeOwned,
    {
        let Some(fields) = fields.filter(|_| also || self.changes.updates(&resource)) else {
            return Ok(());
        };
        self.publisher
            .try_edit_plan::<M>(plan, |draft| set(&resource, draft, &fields))
            .await?;
        self.done(&resource);
        Ok(())
    }

    fn done(&self, resource: &Resource) {
        self.options.say(format!(
            "updated the {resource}: {}",
            self.changes.updated_fields(resource)
        ));
    }
}

/// Sets the definition's `fields` on a draft; a value the draft's type
/// cannot hold ends the edit with nothing written.
fn set<T: Serialize + DeserializeOwned>(
    resource: &Resource,
    draft: &mut T,
    fields: &[Field],
) -> Result<()> {
    set_fields(draft, fields).map_err(|e| WorkflowError::Invalid(e.about(resource)))
}

/// Makes the service match `def`: creates what is missing, updates what
/// differs (each draft with the etag it was read with), uploads the files
/// whose content is new, then publishes as `options` say. It does exactly
/// what [`plan`] shows; when that is nothing, it writes nothing.
///
/// Uploads come before the drafts that reference them, so a run that stops
/// part-way leaves files the next run finds (by the hash in their name) and
/// uses instead of uploading again.
pub async fn apply(
    publisher: &Publisher,
    def: &Definition,
    options: &ApplyOptions,
) -> Result<Applied> {
    let o = def.offer();
    let snap = snapshot(publisher, def).await?;
    let work = accepted(compare(def, &snap, options.prune))?;
    // One submission per offer at a time: settled before anything is written.
    let carry = publish::before_writing(
        publisher,
        snap.latest.as_ref(),
        !work.set.is_empty(),
        options,
    )
    .await?;
    if work.set.is_empty() {
        options.say(format!("offer {}: no changes", o.offer_id));
        let outcome = match (&snap.offer, carry) {
            (Some(offer), Some(moving)) => {
                Some(publish::carry_on(publisher, offer, moving, options).await?)
            }
            (Some(offer), None) if options.publish != Publish::Never => {
                let ready = snap.latest.as_ref().and_then(|s| s.ready_preview());
                match ready {
                    Some(preview)
                        if options.publish == Publish::Live && !options.publish_unchanged =>
                    {
                        Some(publish::promote_ready(publisher, offer, preview, options).await?)
                    }
                    _ if options.publish_unchanged || snap.publish_unfinished(options.publish) => {
                        Some(publish::publish(publisher, offer, options).await?)
                    }
                    _ => None,
                }
            }
            (None, _) if options.publish != Publish::Never => {
                return Err(WorkflowError::Unexpected(
                    "an offer with no changes does not exist".into(),
                ))
            }
            _ => None,
        };
        return Ok(Applied::new(work.set, outcome));
    }

    let offer = match &snap.offer {
        Some(offer) => offer.clone(),
        None => {
            let offer = publisher
                .create_offer(&NewOffer::azure_application(&o.offer_id, &o.name)?)
                .await?;
            options.say(format!(
                "created offer {} (product {})",
                offer.offer_id(),
                offer.product_id()
            ));
            offer
        }
    };

    // Files first: a run that stops after them finds them next time.
    if !work.uploads.is_empty() || !work.delete_images.is_empty() {
        let listing = publisher.offer_draft::<Listing>(&offer).await?;
        for (kind, file, replaced) in &work.uploads {
            let staged = Staged::new(file)?;
            let image = publisher
                .upload_listing_image(&listing, *kind, &staged.path, options.processing)
                .await
                .map_err(|e| about_file("image", file, e))?;
            let what = if *kind == ImageKind::Screenshot {
                "screenshot"
            } else {
                "logo"
            };
            options.say(format!(
                "uploaded and processed {what} {} (as {}, {})",
                file.file_name(),
                image.file_name(),
                image.id()
            ));
            for old in replaced {
                delete_image(publisher, &offer, &listing, old, options).await?;
            }
        }
        for old in &work.delete_images {
            delete_image(publisher, &offer, &listing, old, options).await?;
        }
    }
    let mut packages: Vec<Option<ProcessedPackage>> = Vec::new();
    for pw in &work.plans {
        packages.push(match &pw.package {
            None => None,
            Some((_, Some(reuse))) => {
                options.say(format!(
                    "package {} was uploaded before; using it",
                    reuse.file_name()
                ));
                Some(reuse.clone())
            }
            Some((file, None)) => {
                // Two plans may deploy the same file: upload it once.
                let done = packages
                    .iter()
                    .flatten()
                    .find(|p| p.file_name() == file.upload_name())
                    .cloned();
                match done {
                    Some(p) => Some(p),
                    None => match publisher
                        .finish_processing_package(&offer, file.upload_name(), options.processing)
                        .await?
                    {
                        Some(p) => {
                            options.say(format!(
                                "package {} was uploaded before and is now processed; using it",
                                p.file_name()
                            ));
                            Some(p)
                        }
                        None => {
                            let staged = Staged::new(file)?;
                            let package = publisher
                                .upload_package(&offer, &staged.path, options.processing)
                                .await
                                .map_err(|e| about_file("package", file, e))?;
                            options.say(format!(
                                "uploaded and processed package {} (as {}, {})",
                                file.file_name(),
                                package.file_name(),
                                package.id()
                            ));
                            Some(package)
                        }
                    },
                }
            }
        });
    }

    let changes = &work.set;
    let edits = Edits {
        publisher,
        changes,
        options,
    };
    edits
        .offer::<Listing>(
            &offer,
            Resource::OfferListing,
            o.listing.as_ref().map(offer_listing_fields),
        )
        .await?;
    edits
        .offer::<Property>(
            &offer,
            Resource::OfferProperties,
            o.properties.as_ref().map(property_fields),
        )
        .await?;
    edits
        .offer::<OfferAvailability>(
            &offer,
            Resource::OfferAvailability,
            o.availability.as_ref().map(offer_availability_fields),
        )
        .await?;
    edits
        .offer::<ResellerConfiguration>(
            &offer,
            Resource::OfferReseller,
            o.reseller.as_ref().map(reseller_fields),
        )
        .await?;

    for (plan_def, (state, package)) in o.plans.iter().zip(snap.plans.iter().zip(&packages)) {
        let id = &plan_def.id;
        let plan = match &state.plan {
            Some(plan) => plan.clone(),
            None => {
                let plan = publisher
                    .create_plan(
                        &offer,
                        &NewPlan::new(id, &plan_def.name, plan_def.kind.kind())?,
                    )
                    .await?;
                options.say(format!(
                    "created plan {} ({})",
                    plan.plan_id(),
                    plan.variant_id()
                ));
                plan
            }
        };
        if changes.updates(&Resource::Plan(id.clone())) {
            rename_plan(publisher, &plan, &plan_def.name).await?;
            options.say(format!("renamed plan {id} to {:?}", plan_def.name));
        }
        edits
            .plan::<Listing>(
                &plan,
                Resource::PlanListing(id.clone()),
                plan_def.listing.as_ref().map(plan_listing_fields),
                false,
            )
            .await?;
        edits
            .plan::<PlanAvailability>(
                &plan,
                Resource::PlanAvailability(id.clone()),
                plan_def.availability.as_ref().map(plan_availability_fields),
                false,
            )
            .await?;
        let technical = plan_def.technical_configuration.as_ref().map(|t| {
            let mut fields = technical_fields(t);
            if let Some(p) = package {
                fields.push(Field {
                    name: "package".into(),
                    key: "packageReferences",
                    value: json!([{"type": "AzureApplicationPackage", "value": p.id()}]),
                    unordered: false,
                    shown: None,
                });
            }
            fields
        });
        edits
            .plan::<TechnicalConfiguration>(
                &plan,
                Resource::PlanTechnicalConfiguration(id.clone()),
                technical,
                package.is_some(),
            )
            .await?;
    }
    for plan in &work.delete_plans {
        publisher
            .client()
            .delete_variant()
            .product_id(offer.product_id())
            .variant_id(plan.variant_id())
            .send()
            .await?;
        options.say(format!("deleted plan {} (prune)", plan.plan_id()));
    }

    let outcome = if options.publish != Publish::Never {
        Some(publish::publish(publisher, &offer, options).await?)
    } else {
        None
    };
    Ok(Applied::new(work.set, outcome))
}

/// Sets a plan's name (its variant's `friendlyName`), with the etag read.
async fn rename_plan(publisher: &Publisher, plan: &Plan, name: &str) -> Result<()> {
    use crate::types::Variant;
    let client = publisher.client();
    let variant = client
        .get_variant()
        .product_id(plan.product_id())
        .variant_id(plan.variant_id())
        .send()
        .await?
        .into_inner();
    let Variant::AzureSkuVariant(mut sku) = variant else {
        return Err(WorkflowError::Unexpected(format!(
            "plan {} is not an Azure Application plan",
            plan.plan_id()
        )));
    };
    sku.friendly_name = Some(name.to_string());
    client
        .update_variant()
        .product_id(plan.product_id())
        .variant_id(plan.variant_id())
        .body(Variant::AzureSkuVariant(sku))
        .send()
        .await?;
    Ok(())
}

async fn delete_image(
    publisher: &Publisher,
    offer: &Offer,
    listing: &crate::workflows::Draft<Listing>,
    image: &Image,
    options: &ApplyOptions,
) -> Result<()> {
    let Some(listing_id) = listing.resource().id.as_deref() else {
        return Ok(());
    };
    publisher
        .client()
        .delete_listing_image()
        .product_id(offer.product_id())
        .listing_id(listing_id)
        .image_id(&image.id)
        .send()
        .await?;
    options.say(format!(
        "deleted image {} ({})",
        image.file_name, image.kind
    ));
    Ok(())
}
