//! What differs between a definition and what the service has, and the
//! work that makes them match. Pure: it works on a snapshot already read.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::changes::{Action, Change, ChangeSet, Resource};
use super::diff::{
    diff_fields, offer_availability_fields, offer_listing_fields, plan_availability_fields,
    plan_listing_fields, property_fields, reseller_fields, set_fields, technical_fields, Field,
    FieldsRefused,
};
use super::files::LocalFile;
use super::load::Definition;
use super::state::{Image, Snapshot};
use crate::workflows::{
    ImageKind, Listing, Module, OfferAvailability, Phase, Plan, PlanAvailability, ProcessedPackage,
    Property, ResellerConfiguration, TechnicalConfiguration,
};

/// The work that makes the service match: the changes it shows (which say
/// which drafts to edit, see [`ChangeSet::updates`]) and what the changes
/// need beyond their words.
#[derive(Debug, Default)]
pub(super) struct Work {
    pub(super) set: ChangeSet,
    /// Images to upload: kind, file, and the images they replace.
    pub(super) uploads: Vec<(ImageKind, LocalFile, Vec<Image>)>,
    /// Images to delete outright.
    pub(super) delete_images: Vec<Image>,
    pub(super) plans: Vec<PlanWork>,
    pub(super) delete_plans: Vec<Plan>,
    /// Changes a draft's type cannot hold (a field the service types as a
    /// number given text…), each naming its resource: `plan` and `apply`
    /// stop on them before anything is written.
    pub(super) refused: Vec<String>,
}

/// What a plan's changes need beyond their words.
#[derive(Debug, Default)]
pub(super) struct PlanWork {
    /// The package to point the plan at, and the processed one to reuse.
    pub(super) package: Option<(LocalFile, Option<ProcessedPackage>)>,
}

pub(super) fn kind_label(kind: ImageKind) -> &'static str {
    match kind {
        ImageKind::LogoSmall => "logos.small",
        ImageKind::LogoMedium => "logos.medium",
        ImageKind::LogoLarge => "logos.large",
        ImageKind::LogoWide => "logos.wide",
        _ => "screenshots",
    }
}

pub(super) fn file_shown(f: &LocalFile) -> String {
    format!("{} (as {})", f.file_name(), f.upload_name())
}

/// The changes of `fields` to the draft of module `M` (`current`, as read),
/// and whether the draft's type can take them.
pub(super) fn module_changes<M: Module>(
    work: &mut Work,
    resource: Resource,
    fields: &[Field],
    current: Option<&Value>,
) where
    M::Resource: DeserializeOwned,
{
    let changes = diff_fields(&resource, fields, current);
    if !changes.is_empty() {
        if let Some(refused) = refusal::<M::Resource>(current, fields) {
            work.refused.push(refused.about(&resource));
        }
    }
    work.set.changes.extend(changes);
}

/// Why the draft `current` would refuse `fields`, as `apply`'s edit would
/// find. A draft not read yet (a new offer's) is checked by that edit.
fn refusal<T: Serialize + DeserializeOwned>(
    current: Option<&Value>,
    fields: &[Field],
) -> Option<FieldsRefused> {
    let mut draft: T = serde_json::from_value(current?.clone()).ok()?;
    set_fields(&mut draft, fields).err()
}

/// The package a technical configuration references, if any.
pub(super) fn referenced_package(technical: &Value) -> Option<String> {
    let refs = technical
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("packageReferences"))?
        .1
        .as_array()?;
    refs.iter().find_map(|r| {
        r.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("value"))?
            .1
            .as_str()
            .map(str::to_string)
    })
}

/// What differs, and what to do about it.
pub(super) fn compare(def: &Definition, snap: &Snapshot, prune: bool) -> Work {
    let o = def.offer();
    let mut work = Work {
        set: ChangeSet {
            offer_id: o.offer_id.clone(),
            ..Default::default()
        },
        ..Default::default()
    };
    match &snap.offer {
        None => {
            work.set.changes.push(Change {
                action: Action::Create,
                resource: Resource::Offer,
                field: None,
                old: None,
                new: Some(format!("{} {:?}", o.offer_id, o.name)),
            });
        }
        Some(offer) => {
            if offer.name().is_some_and(|n| n != o.name) {
                work.set.notes.push(format!(
                    "the offer's name on the service is {:?}, the definition says {:?}; the API cannot rename an offer (rename it in Partner Center)",
                    offer.name().unwrap_or_default(),
                    o.name
                ));
            }
        }
    }
    if let Some(listing) = &o.listing {
        module_changes::<Listing>(
            &mut work,
            Resource::OfferListing,
            &offer_listing_fields(listing),
            snap.listing.as_ref(),
        );
    }
    compare_images(def, snap, prune, &mut work);
    if let Some(p) = &o.properties {
        module_changes::<Property>(
            &mut work,
            Resource::OfferProperties,
            &property_fields(p),
            snap.property.as_ref(),
        );
    }
    if let Some(a) = &o.availability {
        module_changes::<OfferAvailability>(
            &mut work,
            Resource::OfferAvailability,
            &offer_availability_fields(a),
            snap.availability.as_ref(),
        );
    }
    if let Some(r) = &o.reseller {
        module_changes::<ResellerConfiguration>(
            &mut work,
            Resource::OfferReseller,
            &reseller_fields(r),
            snap.reseller.as_ref(),
        );
    }
    for (i, plan) in o.plans.iter().enumerate() {
        let state = snap.plans.get(i).cloned().unwrap_or_default();
        let mut pw = PlanWork::default();
        match &state.plan {
            None => {
                work.set.changes.push(Change {
                    action: Action::Create,
                    resource: Resource::Plan(plan.id.clone()),
                    field: None,
                    old: None,
                    new: Some(format!("{} {:?}", plan.kind.kind().as_str(), plan.name)),
                });
            }
            Some(existing) => {
                if existing.name() != Some(plan.name.as_str()) {
                    work.set.changes.push(Change {
                        action: Action::Update,
                        resource: Resource::Plan(plan.id.clone()),
                        field: Some("name".into()),
                        old: Some(
                            existing
                                .name()
                                .map_or_else(|| "(none)".into(), |n| format!("{n:?}")),
                        ),
                        new: Some(format!("{:?}", plan.name)),
                    });
                }
                if existing.kind().is_some_and(|k| k != plan.kind.kind()) {
                    work.set.notes.push(format!(
                        "plan {} is a {} on the service, a {} in the definition; a plan's kind cannot change (use another plan id)",
                        plan.id,
                        existing.kind().map(|k| k.as_str()).unwrap_or_default(),
                        plan.kind.kind().as_str()
                    ));
                }
            }
        }
        if let Some(l) = &plan.listing {
            module_changes::<Listing>(
                &mut work,
                Resource::PlanListing(plan.id.clone()),
                &plan_listing_fields(l),
                state.listing.as_ref(),
            );
        }
        if let Some(a) = &plan.availability {
            module_changes::<PlanAvailability>(
                &mut work,
                Resource::PlanAvailability(plan.id.clone()),
                &plan_availability_fields(a),
                state.availability.as_ref(),
            );
        }
        if let Some(t) = &plan.technical_configuration {
            let resource = Resource::PlanTechnicalConfiguration(plan.id.clone());
            module_changes::<TechnicalConfiguration>(
                &mut work,
                resource.clone(),
                &technical_fields(t),
                state.technical.as_ref(),
            );
            if let Some(file) = def.packages.get(i).cloned().flatten() {
                let current = state
                    .technical
                    .as_ref()
                    .and_then(referenced_package)
                    .map(|id| {
                        snap.packages
                            .iter()
                            .find(|p| p.id() == id)
                            .map(|p| p.file_name().to_string())
                            .unwrap_or(id)
                    });
                if current.as_deref() != Some(file.upload_name()) {
                    let reuse = snap
                        .packages
                        .iter()
                        .find(|p| p.file_name() == file.upload_name())
                        .cloned();
                    work.set.changes.push(Change {
                        action: if reuse.is_some() {
                            Action::Reuse
                        } else {
                            Action::Upload
                        },
                        resource,
                        field: Some("package".into()),
                        old: Some(current.unwrap_or_else(|| "(none)".into())),
                        new: Some(match &reuse {
                            Some(_) => format!("{} (already uploaded)", file_shown(&file)),
                            None => file_shown(&file),
                        }),
                    });
                    pw.package = Some((file, reuse));
                }
            }
        }
        work.plans.push(pw);
    }
    if prune {
        for plan in &snap.all_plans {
            if !o.plans.iter().any(|p| p.id == plan.plan_id()) {
                work.set.changes.push(Change {
                    action: Action::Delete,
                    resource: Resource::Plan(plan.plan_id().to_string()),
                    field: None,
                    old: plan.name().map(|n| format!("{n:?}")),
                    new: None,
                });
                work.delete_plans.push(plan.clone());
            }
        }
    }
    if snap.offer.is_some() {
        match &snap.latest {
            None => work
                .set
                .notes
                .push("the offer has never been submitted".to_string()),
            Some(latest) => match latest.phase() {
                Phase::Failed | Phase::PreviewReady => work.set.notes.push(format!(
                    "the offer's last submission stopped at {}",
                    latest.substate_name()
                )),
                Phase::Moving => work
                    .set
                    .notes
                    .push(format!("{} is in progress", latest.summary())),
                _ => {}
            },
        }
    }
    work
}

pub(super) fn compare_images(def: &Definition, snap: &Snapshot, prune: bool, work: &mut Work) {
    let mentioned_screenshots = def
        .offer()
        .listing
        .as_ref()
        .is_some_and(|l| l.screenshots.is_some());
    let mut wanted: Vec<(ImageKind, &LocalFile)> = def.logos.iter().map(|(k, f)| (*k, f)).collect();
    wanted.extend(def.screenshots.iter().map(|f| (ImageKind::Screenshot, f)));
    for (kind, file) in &wanted {
        let present = snap
            .images
            .iter()
            .any(|i| i.kind == kind.as_str() && i.file_name == file.upload_name() && i.usable());
        if present {
            continue;
        }
        // A logo replaces the kind's other images; screenshots are a set.
        let replaced: Vec<Image> = if *kind == ImageKind::Screenshot {
            Vec::new()
        } else {
            snap.images
                .iter()
                .filter(|i| i.kind == kind.as_str())
                .cloned()
                .collect()
        };
        let old = replaced
            .iter()
            .filter(|i| i.usable())
            .map(|i| i.file_name.clone())
            .collect::<Vec<_>>()
            .join(", ");
        work.set.changes.push(Change {
            action: Action::Upload,
            resource: Resource::OfferListing,
            field: Some(kind_label(*kind).into()),
            old: (!old.is_empty()).then_some(old),
            new: Some(file_shown(file)),
        });
        work.uploads.push((*kind, (*file).clone(), replaced));
    }
    // What stays is what the definition names; the rest of a named kind
    // (a logo replaced earlier, an upload that never finished) goes, and
    // with `prune` so do images of kinds it does not name.
    for image in &snap.images {
        let is_wanted = wanted
            .iter()
            .any(|(k, f)| image.kind == k.as_str() && image.file_name == f.upload_name());
        let kind_named = wanted.iter().any(|(k, _)| image.kind == k.as_str())
            || (image.kind == ImageKind::Screenshot.as_str() && mentioned_screenshots);
        let already = work
            .uploads
            .iter()
            .any(|(_, _, replaced)| replaced.iter().any(|r| r.id == image.id));
        if is_wanted && image.usable() || already {
            continue;
        }
        if kind_named || prune {
            work.set.changes.push(Change {
                action: Action::Delete,
                resource: Resource::OfferListing,
                field: Some(format!("image {}", image.kind)),
                old: Some(image.file_name.clone()),
                new: None,
            });
            work.delete_images.push(image.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn title(value: Value) -> Field {
        Field {
            name: "title".to_string(),
            key: "title",
            value,
            unordered: false,
            shown: None,
        }
    }

    #[test]
    fn a_change_the_draft_cannot_hold_is_refused_at_plan_time() {
        let current = json!({ "resourceType": "AzureListing", "title": "Old" });
        let mut work = Work::default();
        module_changes::<Listing>(
            &mut work,
            Resource::OfferListing,
            &[title(json!({ "not": "text" }))],
            Some(&current),
        );
        assert_eq!(work.set.changes.len(), 1, "the change is still shown");
        assert_eq!(work.refused.len(), 1, "{:?}", work.refused);
        assert!(
            work.refused[0].starts_with("offer listing: ") && work.refused[0].contains("`title`"),
            "{}",
            work.refused[0]
        );

        let mut work = Work::default();
        module_changes::<Listing>(
            &mut work,
            Resource::OfferListing,
            &[title(json!("New"))],
            Some(&current),
        );
        assert_eq!(work.set.changes.len(), 1);
        assert!(work.refused.is_empty(), "{:?}", work.refused);

        // Nothing to change, or no draft read yet: nothing to refuse here.
        let mut work = Work::default();
        module_changes::<Listing>(
            &mut work,
            Resource::OfferListing,
            &[title(json!("Old"))],
            Some(&current),
        );
        module_changes::<Listing>(&mut work, Resource::OfferListing, &[title(json!(5))], None);
        assert!(work.refused.is_empty(), "{:?}", work.refused);
    }
}
