//! What the service does on its own: branches and draft resources when an
//! offer or plan is created, new draft instances after a submission, and
//! processing of uploaded files (with the states that move on the clock).

use serde_json::{json, Map, Value};

use crate::clock::millis;
use crate::ids::{new_etag, new_id, numeric_id};
use crate::model::UploadState;
use crate::shapes;
use crate::shared::Settings;
use crate::store::{Entity, Kind, State};

/// Modules of an offer, and the kind of their draft resource.
const OFFER_MODULES: [(&str, Kind); 5] = [
    ("Listing", Kind::Listing),
    ("Property", Kind::Property),
    ("Availability", Kind::ProductAvailability),
    ("Package", Kind::PackageConfiguration),
    ("ResellerConfiguration", Kind::ResellerConfiguration),
];

/// Modules of a plan, and the kind of their draft resource.
const PLAN_MODULES: [(&str, Kind); 3] = [
    ("Listing", Kind::Listing),
    ("Availability", Kind::FeatureAvailability),
    ("Package", Kind::PackageConfiguration),
];

/// Kinds that are the content of a draft instance.
pub const DRAFT_KINDS: [Kind; 8] = [
    Kind::Listing,
    Kind::Property,
    Kind::ProductAvailability,
    Kind::FeatureAvailability,
    Kind::PackageConfiguration,
    Kind::ResellerConfiguration,
    Kind::SupplementalContent,
    Kind::CosellListing,
];

/// A new draft instance id: Availability instances are long numbers on the
/// service (`"2152924500012534075"`), the others GUIDs.
fn instance_id(module: &str) -> String {
    if module.eq_ignore_ascii_case("Availability") {
        numeric_id()
    } else {
        new_id()
    }
}

/// The default draft resource of a module.
fn default_draft(kind: Kind, product_type: &str, plan_type: &str) -> Map<String, Value> {
    let mut body = shapes::empty(kind);
    if kind == Kind::PackageConfiguration {
        let app = product_type.eq_ignore_ascii_case("AzureApplication");
        let t = if app && !plan_type.is_empty() {
            if plan_type.to_ascii_lowercase().contains("solution") {
                "AzureSolutionTemplatePackageConfiguration"
            } else {
                "AzureManagedApplicationPackageConfiguration"
            }
        } else if app {
            "AzureApplicationPackageConfiguration"
        } else {
            "AzureManagedApplicationPackageConfiguration"
        };
        body.insert("resourceType".into(), json!(t));
    }
    body
}

/// Adds the branches of an offer (`variant` none) or of a plan, with drafts.
pub fn add_branches(s: &Settings, st: &mut State, product: &Entity, variant: Option<&Entity>) {
    let product_type = product.body_str("resourceType").unwrap_or("");
    let plan_type = variant.map(plan_sub_type).unwrap_or_default();
    let visible_at = s.clock.now_ms() + millis(s.config.consistency_delay);
    let modules: &[(&str, Kind)] = if variant.is_some() {
        &PLAN_MODULES
    } else {
        &OFFER_MODULES
    };
    for (module, kind) in modules {
        let instance = instance_id(module);
        let mut branch_body = shapes::obj_of(json!({
            "resourceType": "Branch", "friendlyName": "Main", "type": "Main",
            "module": module, "currentDraftInstanceID": instance,
        }));
        if let Some(v) = variant {
            branch_body.insert("variantID".into(), Value::String(v.id.clone()));
        }
        let mut branch = Entity::new(Kind::Branch, Some(&product.id), branch_body);
        branch.variant = variant.map(|v| v.id.clone());
        branch.meta.visible_at = Some(visible_at);
        st.put(branch);
        let mut draft = Entity::new(
            *kind,
            Some(&product.id),
            default_draft(*kind, product_type, &plan_type),
        );
        draft.instance = Some(instance);
        draft.variant = variant.map(|v| v.id.clone());
        // A plan's listing starts with the plan's name as its title.
        if let (Kind::Listing, Some(name)) =
            (kind, variant.and_then(|v| v.body_str("friendlyName")))
        {
            draft
                .body
                .insert("title".into(), Value::String(name.to_string()));
        }
        st.put(draft);
    }
}

/// The plan's sub-type (`subType`, matched case-insensitively), if it gives one.
fn plan_sub_type(v: &Entity) -> String {
    v.body
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("subType"))
        .and_then(|(_, v)| v.as_str())
        .unwrap_or("managed-application")
        .to_string()
}

/// Branches of a product for a module that are visible now.
pub fn visible_branches<'a>(
    s: &Settings,
    st: &'a State,
    product: &str,
    module: &str,
) -> Vec<&'a Entity> {
    let now = s.clock.now_ms();
    st.find(Kind::Branch, |b| {
        b.product.as_deref() == Some(product)
            && b.body_str("module")
                .is_some_and(|m| m.eq_ignore_ascii_case(module))
            && b.meta.visible_at.is_none_or(|t| t <= now)
    })
}

/// The current draft instance of a module (offer-level when `variant` is none).
pub fn current_instance(
    st: &State,
    product: &str,
    module: &str,
    variant: Option<&str>,
) -> Option<String> {
    st.find(Kind::Branch, |b| {
        b.product.as_deref() == Some(product)
            && b.variant.as_deref() == variant
            && b.body_str("module")
                .is_some_and(|m| m.eq_ignore_ascii_case(module))
    })
    .first()
    .and_then(|b| b.body_str("currentDraftInstanceID").map(str::to_string))
}

/// Whether a kind is an uploaded file.
pub fn is_upload(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Image | Kind::Video | Kind::Asset | Kind::Package | Kind::CosellAsset
    )
}

/// The blob name of an upload entity.
pub fn blob_name(e: &Entity) -> String {
    let file = e.body_str("fileName").unwrap_or("file");
    let file: String = file
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}/{}", e.id, file)
}

/// Gives a new upload entity its `fileSasUri` and first state.
pub fn prepare_upload(s: &Settings, e: &mut Entity) {
    let blob = blob_name(e);
    let uri = crate::blob_sas::sas_url(s, &blob, "rcw", millis(s.config.sas_lifetime));
    e.body.insert("fileSasUri".into(), Value::String(uri));
    e.body.insert(
        "state".into(),
        Value::String(UploadState::PendingUpload.as_str().into()),
    );
    e.meta.blob = Some(blob);
}

/// Applies a client's update to an upload entity: `state: Uploaded` starts processing.
pub fn update_upload(s: &Settings, old: &Entity, new: &mut Entity) {
    if let Some(v) = old.body.get("fileSasUri") {
        new.body.insert("fileSasUri".into(), v.clone());
    }
    let sent = new.body_str("state").and_then(UploadState::parse);
    let restart = sent == Some(UploadState::Uploaded)
        && matches!(
            upload_state(s, old),
            UploadState::PendingUpload | UploadState::ProcessFailed | UploadState::Uploaded
        );
    if restart {
        let blob = old.meta.blob.clone().unwrap_or_default();
        let is_zip_expected = old.kind == Kind::Package
            || old
                .body_str("fileName")
                .is_some_and(|f| f.to_ascii_lowercase().ends_with(".zip"));
        let peeked = crate::blob_props::peek(s, &blob);
        if let (Some((len, _)), Kind::Package) = (&peeked, old.kind) {
            new.body.insert("fileSize".into(), json!(len));
        }
        let failure = match peeked {
            None => Some("The file was not uploaded."),
            Some((0, _)) => Some("The uploaded file is empty."),
            Some((_, head)) if is_zip_expected && head != b"PK\x03\x04" => {
                Some("The package is not a zip file.")
            }
            Some(_) => None,
        };
        new.meta.uploaded_at = Some(s.clock.now_ms());
        new.meta.outcome = Some(match failure {
            Some(_) => UploadState::ProcessFailed,
            None => UploadState::Processed,
        });
        new.meta.failure = failure.map(str::to_string);
        new.body
            .insert("state".into(), json!(UploadState::Uploaded.as_str()));
    } else {
        // The state belongs to the service; keep what it was.
        match old.body.get("state") {
            Some(st) => new.body.insert("state".into(), st.clone()),
            None => new.body.remove("state"),
        };
    }
}

/// The state of an upload now.
pub fn upload_state(s: &Settings, e: &Entity) -> UploadState {
    let stored = e
        .body_str("state")
        .and_then(UploadState::parse)
        .unwrap_or(UploadState::PendingUpload);
    match (e.meta.uploaded_at, e.meta.outcome) {
        (Some(at), Some(outcome)) if stored == UploadState::Uploaded => {
            if s.clock.now_ms() >= at + millis(s.config.processing_delay) {
                outcome
            } else {
                UploadState::InProcessing
            }
        }
        _ => stored,
    }
}

/// Gives every branch of a product a fresh draft instance, copying the drafts
/// (and the images, videos and assets of copied listings).
pub fn new_draft_instances(st: &mut State, product: &str) {
    let branches: Vec<Entity> = st
        .find(Kind::Branch, |b| b.product.as_deref() == Some(product))
        .into_iter()
        .cloned()
        .collect();
    for mut branch in branches {
        let Some(old) = branch
            .body_str("currentDraftInstanceID")
            .map(str::to_string)
        else {
            continue;
        };
        let fresh = instance_id(branch.body_str("module").unwrap_or(""));
        let drafts: Vec<Entity> = st
            .find_any(|e| {
                e.product.as_deref() == Some(product)
                    && e.instance.as_deref() == Some(&old)
                    && DRAFT_KINDS.contains(&e.kind)
            })
            .into_iter()
            .cloned()
            .collect();
        for draft in drafts {
            let mut copy = draft.clone();
            copy.id = new_id();
            copy.etag = new_etag();
            copy.seq = 0;
            copy.instance = Some(fresh.clone());
            let children: Vec<Entity> = st
                .find_any(|e| e.parent.as_deref() == Some(&draft.id))
                .into_iter()
                .cloned()
                .collect();
            let new_parent = copy.id.clone();
            st.put(copy);
            for child in children {
                let mut c = child.clone();
                c.id = new_id();
                c.etag = new_etag();
                c.seq = 0;
                c.parent = Some(new_parent.clone());
                st.put(c);
            }
        }
        branch
            .body
            .insert("currentDraftInstanceID".into(), Value::String(fresh));
        branch.etag = new_etag();
        st.put(branch);
    }
}

/// Removes an entity and everything that hangs off it.
pub fn delete_tree(st: &mut State, id: &str) {
    let mut doomed = vec![id.to_string()];
    let mut i = 0;
    while i < doomed.len() {
        let cur = doomed[i].clone();
        let instance_ids: Vec<String> = st
            .get(&cur)
            .filter(|e| e.kind == Kind::Branch)
            .and_then(|b| b.body_str("currentDraftInstanceID").map(str::to_string))
            .into_iter()
            .collect();
        for e in st.entities.values() {
            let hangs = e.product.as_deref() == Some(&cur)
                || e.parent.as_deref() == Some(&cur)
                || e.variant.as_deref() == Some(&cur)
                || e.instance
                    .as_ref()
                    .is_some_and(|inst| instance_ids.contains(inst));
            if hangs && !doomed.contains(&e.id) {
                doomed.push(e.id.clone());
            }
        }
        i += 1;
    }
    for d in doomed {
        st.delete(&d);
    }
}
