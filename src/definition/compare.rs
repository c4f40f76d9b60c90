//! What differs between a definition and what the service has, and the
//! work that makes them match. Pure: it works on a snapshot already read.

use serde_json::Value;

use super::diff::{
    diff_fields, offer_availability_fields, offer_listing_fields, plan_availability_fields,
    plan_listing_fields, property_fields, reseller_fields, technical_fields, Action, Change,
    ChangeSet, Field,
};
use super::load::{Definition, LocalFile};
use super::state::{Image, Snapshot};
use crate::workflows::{ImageKind, Phase, Plan, ProcessedPackage};

/// The work that makes the service match, with the changes it shows.
#[derive(Debug, Default)]
pub(super) struct Work {
    pub(super) set: ChangeSet,
    pub(super) create_offer: bool,
    pub(super) edit_listing: bool,
    pub(super) edit_property: bool,
    pub(super) edit_availability: bool,
    pub(super) edit_reseller: bool,
    /// Images to upload: kind, file, and the images they replace.
    pub(super) uploads: Vec<(ImageKind, LocalFile, Vec<Image>)>,
    /// Images to delete outright.
    pub(super) delete_images: Vec<Image>,
    pub(super) plans: Vec<PlanWork>,
    pub(super) delete_plans: Vec<Plan>,
}

#[derive(Debug, Default)]
pub(super) struct PlanWork {
    pub(super) create: bool,
    pub(super) rename: bool,
    pub(super) edit_listing: bool,
    pub(super) edit_availability: bool,
    pub(super) edit_technical: bool,
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

pub(super) fn module_changes(
    work: &mut Work,
    resource: &str,
    fields: &[Field],
    current: Option<&Value>,
) -> bool {
    let changes = diff_fields(resource, fields, current);
    let any = !changes.is_empty();
    work.set.changes.extend(changes);
    any
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
            work.create_offer = true;
            work.set.changes.push(Change {
                action: Action::Create,
                resource: "offer".into(),
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
        work.edit_listing = module_changes(
            &mut work,
            "offer listing",
            &offer_listing_fields(listing),
            snap.listing.as_ref(),
        );
    }
    compare_images(def, snap, prune, &mut work);
    if let Some(p) = &o.properties {
        work.edit_property = module_changes(
            &mut work,
            "offer properties",
            &property_fields(p),
            snap.property.as_ref(),
        );
    }
    if let Some(a) = &o.availability {
        work.edit_availability = module_changes(
            &mut work,
            "offer availability",
            &offer_availability_fields(a),
            snap.availability.as_ref(),
        );
    }
    if let Some(r) = &o.reseller {
        work.edit_reseller = module_changes(
            &mut work,
            "offer reseller configuration",
            &reseller_fields(r),
            snap.reseller.as_ref(),
        );
    }
    for (i, plan) in o.plans.iter().enumerate() {
        let state = snap.plans.get(i).cloned().unwrap_or_default();
        let label = format!("plan {}", plan.id);
        let mut pw = PlanWork::default();
        match &state.plan {
            None => {
                pw.create = true;
                work.set.changes.push(Change {
                    action: Action::Create,
                    resource: label.clone(),
                    field: None,
                    old: None,
                    new: Some(format!("{} {:?}", plan.kind.kind().as_str(), plan.name)),
                });
            }
            Some(existing) => {
                if existing.name() != Some(plan.name.as_str()) {
                    pw.rename = true;
                    work.set.changes.push(Change {
                        action: Action::Update,
                        resource: label.clone(),
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
            pw.edit_listing = module_changes(
                &mut work,
                &format!("{label} listing"),
                &plan_listing_fields(l),
                state.listing.as_ref(),
            );
        }
        if let Some(a) = &plan.availability {
            pw.edit_availability = module_changes(
                &mut work,
                &format!("{label} availability"),
                &plan_availability_fields(a),
                state.availability.as_ref(),
            );
        }
        if let Some(t) = &plan.technical_configuration {
            let resource = format!("{label} technical configuration");
            pw.edit_technical = module_changes(
                &mut work,
                &resource,
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
                    resource: format!("plan {}", plan.plan_id()),
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
            resource: "offer listing".into(),
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
                resource: "offer listing".into(),
                field: Some(format!("image {}", image.kind)),
                old: Some(image.file_name.clone()),
                new: None,
            });
            work.delete_images.push(image.clone());
        }
    }
}
