//! What the service does on its own: branches and draft resources when an
//! offer or plan is created, processing of uploaded files, and the answer
//! form of every entity (with the states that move on the clock).

use serde_json::{json, Map, Value};

use crate::app::{now_ms, App};
use crate::store::{new_etag, new_id, Entity, Kind, State};

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

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The default draft resource of a module.
fn default_draft(kind: Kind, product_type: &str, plan_type: &str) -> Map<String, Value> {
    obj(match kind {
        Kind::Listing => json!({
            "resourceType": "AzureListing", "languageCode": "en-us", "title": "", "summary": "",
            "description": "", "shortDescription": "", "publisherName": "", "keywords": [],
            "listingUris": [], "listingContacts": [],
        }),
        Kind::Property => json!({
            "resourceType": "AzureProperty", "industries": [], "categories": [], "leveledCategories": {},
            "marketCodes": [], "appVersion": "", "termsOfUse": "", "useEnterpriseContract": false,
        }),
        Kind::ProductAvailability => json!({
            "resourceType": "ProductAvailability", "visibility": "Public", "enterpriseLicensing": "Online",
            "audiences": [],
        }),
        Kind::FeatureAvailability => json!({
            "resourceType": "FeatureAvailability", "visibility": "Public", "marketStates": [],
            "priceSchedules": [], "customMeters": [], "isHidden": false,
        }),
        Kind::PackageConfiguration => {
            let t =
                if product_type.eq_ignore_ascii_case("AzureApplication") && !plan_type.is_empty() {
                    if plan_type.to_ascii_lowercase().contains("solution") {
                        "AzureSolutionTemplatePackageConfiguration"
                    } else {
                        "AzureManagedApplicationPackageConfiguration"
                    }
                } else if product_type.eq_ignore_ascii_case("AzureApplication") {
                    "AzureApplicationPackageConfiguration"
                } else {
                    "AzureManagedApplicationPackageConfiguration"
                };
            json!({ "resourceType": t, "version": "", "packageReferences": [] })
        }
        Kind::ResellerConfiguration => json!({
            "resourceType": "ResellerConfiguration", "resellerChannelState": "Disabled", "tenantIds": [],
        }),
        _ => json!({}),
    })
}

/// Adds the branches of an offer (`variant` none) or of a plan, with drafts.
pub fn add_branches(app: &App, st: &mut State, product: &Entity, variant: Option<&Entity>) {
    let product_type = product.body_str("resourceType").unwrap_or("");
    let plan_type = variant.map(plan_sub_type).unwrap_or_default();
    let visible_at = now_ms() + app.config.consistency_delay.as_millis() as u64;
    let modules: &[(&str, Kind)] = if variant.is_some() {
        &PLAN_MODULES
    } else {
        &OFFER_MODULES
    };
    for (module, kind) in modules {
        let instance = new_id();
        let mut branch_body = obj(json!({
            "resourceType": "Branch", "friendlyName": "Main", "type": "Main",
            "module": module, "currentDraftInstanceID": instance,
        }));
        if let Some(v) = variant {
            branch_body.insert("variantID".into(), Value::String(v.id.clone()));
        }
        let mut branch = Entity::new(Kind::Branch, Some(&product.id), branch_body);
        branch.variant = variant.map(|v| v.id.clone());
        branch.meta.insert("visibleAt".into(), json!(visible_at));
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
pub fn visible_branches<'a>(st: &'a State, product: &str, module: &str) -> Vec<&'a Entity> {
    let now = now_ms();
    st.find(Kind::Branch, |b| {
        b.product.as_deref() == Some(product)
            && b.body_str("module")
                .is_some_and(|m| m.eq_ignore_ascii_case(module))
            && b.meta_u64("visibleAt").is_none_or(|t| t <= now)
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
pub fn prepare_upload(app: &App, e: &mut Entity) {
    let blob = blob_name(e);
    let uri = crate::blob::sas_url(
        app,
        &blob,
        "rcw",
        app.config.sas_lifetime.as_millis() as u64,
    );
    e.body.insert("fileSasUri".into(), Value::String(uri));
    e.body
        .insert("state".into(), Value::String("PendingUpload".into()));
    e.meta.insert("blob".into(), Value::String(blob));
}

/// Applies a client's update to an upload entity: `state: Uploaded` starts processing.
pub fn update_upload(app: &App, old: &Entity, new: &mut Entity) {
    if let Some(v) = old.body.get("fileSasUri") {
        new.body.insert("fileSasUri".into(), v.clone());
    }
    let sent = new.body_str("state").unwrap_or("").to_string();
    let current = upload_state(app, old);
    let restart = sent.eq_ignore_ascii_case("Uploaded")
        && matches!(
            current.as_str(),
            "PendingUpload" | "ProcessFailed" | "Uploaded"
        );
    if restart {
        let blob = old.meta_str("blob").unwrap_or("").to_string();
        let is_zip_expected = old.kind == Kind::Package
            || old
                .body_str("fileName")
                .is_some_and(|f| f.to_ascii_lowercase().ends_with(".zip"));
        let peeked = crate::blob::peek(app, &blob);
        if let (Some((len, _)), Kind::Package) = (&peeked, old.kind) {
            new.body.insert("fileSize".into(), json!(len));
        }
        let outcome = match peeked {
            None => ("ProcessFailed", "The file was not uploaded."),
            Some((0, _)) => ("ProcessFailed", "The uploaded file is empty."),
            Some((_, head)) if is_zip_expected && head != b"PK\x03\x04" => {
                ("ProcessFailed", "The package is not a zip file.")
            }
            Some(_) => ("Processed", ""),
        };
        new.meta.insert("uploadedAt".into(), json!(now_ms()));
        new.meta.insert("outcome".into(), json!(outcome.0));
        new.meta.insert("failure".into(), json!(outcome.1));
        new.body.insert("state".into(), json!("Uploaded"));
    } else {
        // The state belongs to the service; keep what it was.
        match old.body.get("state") {
            Some(s) => new.body.insert("state".into(), s.clone()),
            None => new.body.remove("state"),
        };
    }
}

/// The state of an upload now.
pub fn upload_state(app: &App, e: &Entity) -> String {
    let stored = e.body_str("state").unwrap_or("PendingUpload").to_string();
    match (e.meta_u64("uploadedAt"), e.meta_str("outcome")) {
        (Some(at), Some(outcome)) if stored == "Uploaded" => {
            if now_ms() >= at + app.config.processing_delay.as_millis() as u64 {
                outcome.to_string()
            } else {
                "InProcessing".to_string()
            }
        }
        _ => stored,
    }
}

/// The entity as the service answers it.
pub fn view(app: &App, e: &Entity) -> Value {
    let mut out = Map::new();
    out.insert("@odata.etag".into(), Value::String(e.etag.clone()));
    out.insert("id".into(), Value::String(e.id.clone()));
    for (k, v) in &e.body {
        out.insert(k.clone(), v.clone());
    }
    if is_upload(e.kind) {
        let state = upload_state(app, e);
        if state == "ProcessFailed" && e.kind == Kind::Package {
            let msg = e.meta_str("failure").unwrap_or("Processing failed.");
            out.insert(
                "validationItems".into(),
                json!([{ "errorCode": "Package-40001", "severity": "Error", "message": msg, "resource": e.id }]),
            );
        }
        out.insert("state".into(), Value::String(state));
    }
    if e.kind == Kind::Submission {
        crate::submissions::decorate(app, e, &mut out);
    }
    Value::Object(out)
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
        let fresh = new_id();
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
