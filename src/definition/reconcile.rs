//! Reading the service's side of a definition, and `plan` and `apply`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use serde_json::{json, Value};

use super::diff::{
    as_json, diff_fields, offer_availability_fields, offer_listing_fields,
    plan_availability_fields, plan_listing_fields, property_fields, reseller_fields, set_fields,
    technical_fields, Action, Change, ChangeSet, Field,
};
use super::load::{short_hash, Definition, LocalFile};
use crate::workflows::{
    ImageKind, Listing, NewOffer, NewPlan, Offer, OfferAvailability, Plan, PlanAvailability,
    Preview, ProcessedPackage, Property, Publisher, ResellerConfiguration, TechnicalConfiguration,
    WorkflowError,
};

type Result<T, E = WorkflowError> = std::result::Result<T, E>;

/// Where `apply` takes the offer once the drafts match the definition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Publish {
    /// Leave the drafts as drafts (the default).
    #[default]
    Never,
    /// Submit to preview and wait until preview is ready.
    Preview,
    /// Submit to preview, wait, promote, and wait until the offer is live.
    Live,
}

type ProgressSink = Arc<dyn Fn(&str) + Send + Sync>;

/// How `plan` and `apply` go about it.
#[derive(Clone)]
pub struct ApplyOptions {
    prune: bool,
    publish: Publish,
    publish_unchanged: bool,
    processing: Duration,
    certification: Duration,
    progress: Option<ProgressSink>,
}

impl std::fmt::Debug for ApplyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("prune", &self.prune)
            .field("publish", &self.publish)
            .field("publish_unchanged", &self.publish_unchanged)
            .field("processing", &self.processing)
            .field("certification", &self.certification)
            .finish_non_exhaustive()
    }
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            prune: false,
            publish: Publish::Never,
            publish_unchanged: false,
            processing: Duration::from_secs(3600),
            certification: Duration::from_secs(7 * 24 * 3600),
            progress: None,
        }
    }
}

impl ApplyOptions {
    /// The defaults: no pruning, no publishing, an hour for the service to
    /// process each file, a week for certification.
    pub fn new() -> Self {
        ApplyOptions::default()
    }

    /// Also delete what the definition does not mention: plans it does not
    /// list, and listing images of kinds it does not name.
    pub fn prune(mut self, prune: bool) -> Self {
        self.prune = prune;
        self
    }

    /// Where to publish after the drafts are written. Publishing happens
    /// when `apply` changed something, when the offer's last publish did not
    /// get there (never submitted, failed, or left at preview when the
    /// target is live), or always with [`ApplyOptions::publish_unchanged`].
    pub fn publish(mut self, publish: Publish) -> Self {
        self.publish = publish;
        self
    }

    /// Publish even when nothing changed (to finish a publish that an
    /// earlier run started but did not end).
    pub fn publish_unchanged(mut self, always: bool) -> Self {
        self.publish_unchanged = always;
        self
    }

    /// How long the service may take to process each uploaded file.
    pub fn processing_deadline(mut self, deadline: Duration) -> Self {
        self.processing = deadline;
        self
    }

    /// How long each wait for a submission (to preview, to live) may take.
    pub fn certification_deadline(mut self, deadline: Duration) -> Self {
        self.certification = deadline;
        self
    }

    /// Calls `sink` with a line for each step `apply` takes.
    pub fn on_progress(mut self, sink: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(sink));
        self
    }

    fn say(&self, line: impl AsRef<str>) {
        if let Some(sink) = &self.progress {
            sink(line.as_ref());
        }
    }
}

/// What `apply` did.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Applied {
    /// The changes it made (empty: the service already matched).
    pub changes: ChangeSet,
    /// The substate the publish ended in (`ReadyToPublish`, `InStore`), if
    /// it published.
    pub published: Option<String>,
}

/// A listing image as the service has it.
#[derive(Clone, Debug)]
struct Image {
    id: String,
    kind: String,
    file_name: String,
    state: String,
}

impl Image {
    /// Processed, or on its way there.
    fn usable(&self) -> bool {
        matches!(
            self.state.as_str(),
            "Processed" | "Uploaded" | "InProcessing"
        )
    }
}

/// One plan of the definition, as the service has it.
#[derive(Clone, Debug, Default)]
struct PlanState {
    plan: Option<Plan>,
    listing: Option<Value>,
    availability: Option<Value>,
    technical: Option<Value>,
}

/// What the service has of everything the definition mentions.
#[derive(Clone, Debug, Default)]
struct Snapshot {
    offer: Option<Offer>,
    listing: Option<Value>,
    images: Vec<Image>,
    property: Option<Value>,
    availability: Option<Value>,
    reseller: Option<Value>,
    packages: Vec<ProcessedPackage>,
    all_plans: Vec<Plan>,
    plans: Vec<PlanState>,
    /// The substate of the offer's last submission (`None`: never submitted).
    last_submission: Option<String>,
}

impl Snapshot {
    /// Whether the last publish did not get where `publish` goes: never
    /// submitted, failed, or (for live) left at preview.
    fn publish_unfinished(&self, publish: Publish) -> bool {
        match self.last_submission.as_deref() {
            None => true,
            Some("Failed" | "FailedInCertification") => true,
            Some("ReadyToPublish") => publish == Publish::Live,
            Some(_) => false,
        }
    }
}

/// The work that makes the service match, with the changes it shows.
#[derive(Debug, Default)]
struct Work {
    set: ChangeSet,
    create_offer: bool,
    edit_listing: bool,
    edit_property: bool,
    edit_availability: bool,
    edit_reseller: bool,
    /// Images to upload: kind, file, and the images they replace.
    uploads: Vec<(ImageKind, LocalFile, Vec<Image>)>,
    /// Images to delete outright.
    delete_images: Vec<Image>,
    plans: Vec<PlanWork>,
    delete_plans: Vec<Plan>,
}

#[derive(Debug, Default)]
struct PlanWork {
    create: bool,
    rename: bool,
    edit_listing: bool,
    edit_availability: bool,
    edit_technical: bool,
    /// The package to point the plan at, and the processed one to reuse.
    package: Option<(LocalFile, Option<ProcessedPackage>)>,
}

fn kind_label(kind: ImageKind) -> &'static str {
    match kind {
        ImageKind::LogoSmall => "logos.small",
        ImageKind::LogoMedium => "logos.medium",
        ImageKind::LogoLarge => "logos.large",
        ImageKind::LogoWide => "logos.wide",
        _ => "screenshots",
    }
}

fn file_shown(f: &LocalFile) -> String {
    format!("{} (as {})", f.file_name(), f.upload_name())
}

fn module_changes(
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
fn referenced_package(technical: &Value) -> Option<String> {
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
fn compare(def: &Definition, snap: &Snapshot, prune: bool) -> Work {
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
        match snap.last_submission.as_deref() {
            None => work
                .set
                .notes
                .push("the offer has never been submitted".to_string()),
            Some(s @ ("Failed" | "FailedInCertification" | "ReadyToPublish")) => work
                .set
                .notes
                .push(format!("the offer's last submission stopped at {s}")),
            Some(_) => {}
        }
    }
    work
}

fn compare_images(def: &Definition, snap: &Snapshot, prune: bool, work: &mut Work) {
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

/// Reads what the service has of everything `def` mentions. Only reads.
async fn snapshot(publisher: &Publisher, def: &Definition) -> Result<Snapshot> {
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
    let mut submissions = client
        .list_submissions()
        .product_id(offer.product_id())
        .stream();
    while let Some(submission) = submissions.try_next().await? {
        snap.last_submission = Some(
            submission
                .substate
                .map(|s| s.to_string())
                .unwrap_or_default(),
        );
    }
    snap.offer = Some(offer);
    Ok(snap)
}

/// Every difference between `def` and the service: what `apply` with the
/// same options would do. It only reads: not one write request is sent.
pub async fn plan(
    publisher: &Publisher,
    def: &Definition,
    options: &ApplyOptions,
) -> Result<ChangeSet> {
    let snap = snapshot(publisher, def).await?;
    Ok(compare(def, &snap, options.prune).set)
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

fn field_names(set: &ChangeSet, resource: &str) -> String {
    set.on(resource)
        .filter(|c| c.action == Action::Update)
        .filter_map(|c| c.field.clone())
        .collect::<Vec<_>>()
        .join(", ")
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
    let work = compare(def, &snap, options.prune);
    if work.set.is_empty() {
        options.say(format!("offer {}: no changes", o.offer_id));
        let published = if options.publish != Publish::Never
            && (options.publish_unchanged || snap.publish_unfinished(options.publish))
        {
            let offer = snap.offer.clone().ok_or_else(|| {
                WorkflowError::Unexpected("an offer with no changes does not exist".into())
            })?;
            Some(publish(publisher, &offer, options).await?)
        } else {
            None
        };
        return Ok(Applied {
            changes: work.set,
            published,
        });
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
                }
            }
        });
    }

    let set = &work.set;
    if let (true, Some(listing)) = (work.edit_listing, &o.listing) {
        let fields = offer_listing_fields(listing);
        publisher
            .edit_offer::<Listing>(&offer, |r| set_fields(r, &fields))
            .await?;
        options.say(format!(
            "updated the offer listing: {}",
            field_names(set, "offer listing")
        ));
    }
    if let (true, Some(p)) = (work.edit_property, &o.properties) {
        let fields = property_fields(p);
        publisher
            .edit_offer::<Property>(&offer, |r| set_fields(r, &fields))
            .await?;
        options.say(format!(
            "updated the offer properties: {}",
            field_names(set, "offer properties")
        ));
    }
    if let (true, Some(a)) = (work.edit_availability, &o.availability) {
        let fields = offer_availability_fields(a);
        publisher
            .edit_offer::<OfferAvailability>(&offer, |r| set_fields(r, &fields))
            .await?;
        options.say(format!(
            "updated the offer availability: {}",
            field_names(set, "offer availability")
        ));
    }
    if let (true, Some(r)) = (work.edit_reseller, &o.reseller) {
        let fields = reseller_fields(r);
        publisher
            .edit_offer::<ResellerConfiguration>(&offer, |res| set_fields(res, &fields))
            .await?;
        options.say(format!(
            "updated the reseller configuration: {}",
            field_names(set, "offer reseller configuration")
        ));
    }

    for ((plan_def, pw), (state, package)) in o
        .plans
        .iter()
        .zip(&work.plans)
        .zip(snap.plans.iter().zip(&packages))
    {
        let label = format!("plan {}", plan_def.id);
        let plan = match &state.plan {
            Some(plan) => plan.clone(),
            None => {
                let plan = publisher
                    .create_plan(
                        &offer,
                        &NewPlan::new(&plan_def.id, &plan_def.name, plan_def.kind.kind())?,
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
        if pw.rename {
            rename_plan(publisher, &plan, &plan_def.name).await?;
            options.say(format!("renamed {label} to {:?}", plan_def.name));
        }
        if let (true, Some(l)) = (pw.edit_listing, &plan_def.listing) {
            let fields = plan_listing_fields(l);
            publisher
                .edit_plan::<Listing>(&plan, |r| set_fields(r, &fields))
                .await?;
            options.say(format!(
                "updated the {label} listing: {}",
                field_names(set, &format!("{label} listing"))
            ));
        }
        if let (true, Some(a)) = (pw.edit_availability, &plan_def.availability) {
            let fields = plan_availability_fields(a);
            publisher
                .edit_plan::<PlanAvailability>(&plan, |r| set_fields(r, &fields))
                .await?;
            options.say(format!(
                "updated the {label} availability: {}",
                field_names(set, &format!("{label} availability"))
            ));
        }
        if let Some(t) = &plan_def.technical_configuration {
            if pw.edit_technical || package.is_some() {
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
                publisher
                    .edit_plan::<TechnicalConfiguration>(&plan, |r| set_fields(r, &fields))
                    .await?;
                options.say(format!(
                    "updated the {label} technical configuration: {}",
                    field_names(set, &format!("{label} technical configuration"))
                ));
            }
        }
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

    let published = if options.publish != Publish::Never {
        Some(publish(publisher, &offer, options).await?)
    } else {
        None
    };
    Ok(Applied {
        changes: work.set,
        published,
    })
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

async fn publish(publisher: &Publisher, offer: &Offer, options: &ApplyOptions) -> Result<String> {
    let submission = publisher.submit::<Preview>(offer).await?;
    options.say(format!("submitted to preview ({})", submission.id()));
    let preview = publisher.wait(submission, options.certification).await?;
    options.say(format!("preview is ready ({})", preview.substate()));
    if options.publish == Publish::Preview {
        return Ok(preview.substate().to_string());
    }
    let live = publisher.promote(preview).await?;
    options.say("promoted to live");
    let live = publisher.wait(live, options.certification).await?;
    options.say(format!(
        "offer {} is live ({})",
        offer.offer_id(),
        live.substate()
    ));
    Ok(live.substate().to_string())
}
