//! Submissions: checking a `SubmissionCreationRequest`, one submission in
//! progress per product, the substates on the certification clock, promotion
//! and cancelling. What they report (validations, reports, workflow details)
//! is in `submission_reports.rs`, above this file.
//!
//! The outcome is decided when the submission is made and stored; what a
//! reader sees is computed from the time elapsed since then, so the clock
//! survives restarts without background tasks.
//!
//! What counts as in progress (and blocks a new submission): one that is
//! moving towards preview (`InDraft`, `Submitted`), and one that was promoted
//! or targets live and is not yet `InStore` ("neither cancelled nor replaced
//! until it is live"). A ready preview (`Published` / `ReadyToPublish`, not
//! promoted) is not in progress: its state is `Published`, and the next
//! submission replaces it (it can then no longer be promoted). A failed
//! submission blocks nothing. Tools look at the latest submission and wait,
//! cancel (`DELETE`, until it is promoted) or stop.

use serde_json::{json, Map, Value};

use crate::clock::millis;
use crate::errors::{items, ApiError};
use crate::ids::{new_etag, numeric_id};
use crate::lifecycle::{current_instance, upload_state};
use crate::model::{Outcome, Substate, Target, UploadState};
use crate::shared::Settings;
use crate::store::{Entity, Kind, State};

/// A marker a listing text may carry to make certification fail (for tests).
pub const FAIL_CERTIFICATION: &str = "[fail-certification]";

fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map(|(_, v)| v)
}

fn field_str<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    field(v, name).and_then(Value::as_str)
}

/// One validation item as the service reports it.
pub fn item(code: &str, message: String, resource: &str) -> Value {
    json!({ "errorCode": code, "severity": "Error", "message": message, "resource": resource })
}

/// Checks the resources of one level (offer or plan); returns the modules named.
fn check_resources(
    st: &State,
    product: &str,
    variant: Option<&str>,
    list: Option<&Value>,
    field_name: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for (i, r) in list
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let (Some(module), Some(instance)) = (field_str(r, "type"), field_str(r, "value")) else {
            return Err(ApiError::bad_request(
                &format!("{field_name}[{i}]"),
                "Each resource needs a type (the module) and a value (its draft instance id).",
            ));
        };
        match current_instance(st, product, module, variant) {
            Some(cur) if cur == instance => out.push((module.to_string(), instance.to_string())),
            _ => {
                return Err(ApiError::bad_request(
                    &format!("{field_name}[{i}]"),
                    format!("{instance} is not the current draft instance of the {module} module."),
                ))
            }
        }
    }
    Ok(out)
}

/// Checks a creation request and builds the submission (not yet stored).
pub fn create(s: &Settings, st: &State, product: &Entity, req: &Value) -> Result<Entity, ApiError> {
    let pid = product.id.as_str();
    let targets = field(req, "targets")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let target = targets
        .iter()
        .filter(|t| field_str(t, "type").is_some_and(|x| x.eq_ignore_ascii_case("Scope")))
        .filter_map(|t| field_str(t, "value"))
        .find(|v| v.eq_ignore_ascii_case("preview") || v.eq_ignore_ascii_case("live"))
        .map(|v| {
            if v.eq_ignore_ascii_case("live") {
                Target::Live
            } else {
                Target::Preview
            }
        })
        .ok_or_else(|| {
            ApiError::bad_request(
                "targets",
                "A target {type: Scope, value: preview or live} is required.",
            )
        })?;
    let offer = check_resources(st, pid, None, field(req, "resources"), "resources")?;
    let mut plans = Vec::new();
    for (i, vr) in field(req, "variantResources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = format!("variantResources[{i}]");
        let vid = field_str(vr, "variantID")
            .ok_or_else(|| ApiError::bad_request(&name, "variantID is required."))?;
        if !st
            .get(vid)
            .is_some_and(|v| v.kind == Kind::Variant && v.product.as_deref() == Some(pid))
        {
            return Err(ApiError::bad_request(
                &name,
                format!("The offer has no plan {vid}."),
            ));
        }
        let modules = check_resources(
            st,
            pid,
            Some(vid),
            field(vr, "resources"),
            &format!("{name}.resources"),
        )?;
        plans.push((vid.to_string(), modules));
    }
    if offer.is_empty() && plans.is_empty() {
        return Err(ApiError::bad_request(
            "resources",
            "A submission needs at least one resource.",
        ));
    }

    let mut validations = Vec::new();
    let mut fail_cert = false;
    if !offer
        .iter()
        .any(|(m, _)| m.eq_ignore_ascii_case("ResellerConfiguration"))
    {
        validations.push(item(
            items::RESELLER_MODULE_MISSING,
            "The ResellerConfiguration module must be part of the submission.".into(),
            "ResellerConfiguration",
        ));
    }
    let listed = offer.iter().map(|r| (None, r)).chain(
        plans
            .iter()
            .flat_map(|(v, ms)| ms.iter().map(move |r| (Some(v.as_str()), r))),
    );
    for (variant, (module, instance)) in listed {
        if !module.eq_ignore_ascii_case("Listing") {
            continue;
        }
        for l in st.find(Kind::Listing, |l| {
            l.product.as_deref() == Some(pid) && l.instance.as_deref() == Some(instance)
        }) {
            let text = |k: &str| l.body_str(k).unwrap_or("").trim().to_string();
            let mut missing = Vec::new();
            if text("title").is_empty() {
                missing.push("title");
            }
            if text("description").is_empty() {
                missing.push("description");
            }
            if variant.is_none()
                && text("summary").is_empty()
                && text("shortDescription").is_empty()
            {
                missing.push("summary");
            }
            for m in missing {
                validations.push(item(
                    items::LISTING_TEXT_MISSING,
                    format!("The listing ({}) has no {m}.", text("languageCode")),
                    &l.id,
                ));
            }
            if [text("title"), text("description")]
                .iter()
                .any(|t| t.contains(FAIL_CERTIFICATION))
            {
                fail_cert = true;
            }
        }
    }
    for (vid, _) in &plans {
        if !plan_has_processed_package(s, st, pid, vid) {
            validations.push(item(
                items::PLAN_WITHOUT_PACKAGE,
                format!("The plan {vid} has no processed package in its package configuration."),
                vid,
            ));
        }
    }
    let outcome = if !validations.is_empty() {
        Outcome::FailsValidation
    } else if fail_cert {
        Outcome::FailsCertification
    } else {
        Outcome::Passes
    };
    let body = json!({
        "resourceType": "Submission",
        "targets": targets,
        "resources": field(req, "resources").cloned().unwrap_or(json!([])),
        "variantResources": field(req, "variantResources").cloned().unwrap_or(json!([])),
        "publishOption": field(req, "publishOption").cloned().unwrap_or(Value::Null),
        "extendedProperties": field(req, "extendedProperties").cloned().unwrap_or(json!([])),
        "friendlyName": format!("Submission {}", st.count(Kind::Submission) + 1),
        "releaseNumber": st.find(Kind::Submission, |s| s.product.as_deref() == Some(pid)).len() + 1,
    });
    let body = match body {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut e = Entity::new(Kind::Submission, Some(pid), body);
    e.id = numeric_id();
    e.meta.created_at = Some(s.clock.now_ms());
    e.meta.outcome_of_submission = Some(outcome);
    e.meta.target = Some(target);
    e.meta.auto_promote = field(req, "publishOption")
        .and_then(|o| field(o, "isAutoPromote"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    e.meta.validations = validations;
    Ok(e)
}

fn plan_has_processed_package(s: &Settings, st: &State, product: &str, variant: &str) -> bool {
    let Some(instance) = current_instance(st, product, "Package", Some(variant)) else {
        return false;
    };
    st.find(Kind::PackageConfiguration, |c| {
        c.instance.as_deref() == Some(instance.as_str())
    })
    .iter()
    .any(|c| {
        c.body
            .get("packageReferences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| field_str(r, "value"))
            .any(|id| {
                st.get(id).is_some_and(|p| {
                    p.kind == Kind::Package && upload_state(s, p) == UploadState::Processed
                })
            })
    })
}

/// A live target, or a preview with `publishOption.isAutoPromote`, needs no promote.
pub fn goes_live_by_itself(e: &Entity) -> bool {
    e.meta.target == Some(Target::Live) || e.meta.auto_promote
}

/// When the submission started going live, if it has (or will by itself).
pub fn live_from(s: &Settings, e: &Entity) -> Option<u64> {
    let c = millis(s.config.certification_delay);
    let created = e.meta.created_at.unwrap_or(0);
    e.meta
        .promoted_at
        .or(goes_live_by_itself(e).then_some(created + 2 * c))
}

/// Where a submission is now.
pub fn substate(s: &Settings, e: &Entity) -> Substate {
    let c = millis(s.config.certification_delay);
    let now = s.clock.now_ms();
    let created = e.meta.created_at.unwrap_or(0);
    let t = now.saturating_sub(created);
    match e.meta.outcome_of_submission.unwrap_or(Outcome::Passes) {
        Outcome::FailsValidation if t < c => Substate::InDraft,
        Outcome::FailsValidation => Substate::Failed,
        Outcome::FailsCertification if t < c => Substate::InDraft,
        Outcome::FailsCertification if t < 2 * c => Substate::Submitted,
        Outcome::FailsCertification => Substate::FailedInCertification,
        Outcome::Passes => match live_from(s, e) {
            Some(p) if now >= p => {
                let since = now - p;
                if since < c {
                    Substate::Publishing
                } else if since < 2 * c {
                    Substate::Published
                } else {
                    Substate::InStore
                }
            }
            _ if t < c => Substate::InDraft,
            _ if t < 2 * c => Substate::Submitted,
            _ => Substate::ReadyToPublish,
        },
    }
}

/// Adds the clock-driven fields to a submission's answer.
pub fn decorate(s: &Settings, e: &Entity, out: &mut Map<String, Value>) {
    let sub = substate(s, e);
    out.insert("state".into(), json!(sub.state().as_str()));
    out.insert("substate".into(), json!(sub.as_str()));
    out.insert("areResourcesReady".into(), json!(true));
    let c = millis(s.config.certification_delay);
    let published = match sub {
        Substate::ReadyToPublish => Some(e.meta.created_at.unwrap_or(0) + 2 * c),
        Substate::Published | Substate::InStore => live_from(s, e).map(|p| p + c),
        _ => None,
    };
    out.insert(
        "publishedTimeInUtc".into(),
        published.map_or(Value::Null, |t| json!(crate::clock::rfc3339(t))),
    );
    for k in ["publishOption", "pendingUpdateInfo"] {
        out.entry(k).or_insert(Value::Null);
    }
}

/// The submission of a product that blocks a new one, if any: one that has
/// not failed, is not a ready preview, and is not yet in the store.
pub fn in_progress<'a>(
    s: &Settings,
    st: &'a State,
    product: &str,
) -> Option<(&'a Entity, Substate)> {
    st.find(Kind::Submission, |e| e.product.as_deref() == Some(product))
        .into_iter()
        .map(|e| (e, substate(s, e)))
        .find(|(_, sub)| {
            !sub.failed() && !matches!(sub, Substate::ReadyToPublish | Substate::InStore)
        })
}

/// `…/promote`: a preview submission that is `Published`/`ReadyToPublish` goes live.
pub fn promote(s: &Settings, e: &mut Entity) -> Result<(), ApiError> {
    let sub = substate(s, e);
    if sub != Substate::ReadyToPublish || live_from(s, e).is_some() {
        return Err(ApiError::cannot_promote(sub.as_str()));
    }
    e.meta.promoted_at = Some(s.clock.now_ms());
    if let Some(t) = e.body.get_mut("targets") {
        *t = json!([{ "type": "Scope", "value": "live" }]);
    }
    e.etag = new_etag();
    Ok(())
}

/// `DELETE …/submissions/{id}`: allowed until the submission starts going
/// live; a promoted or live one cannot be cancelled.
pub fn check_cancel(s: &Settings, e: &Entity) -> Result<(), ApiError> {
    let sub = substate(s, e);
    let started =
        live_from(s, e).is_some_and(|p| s.clock.now_ms() >= p) || e.meta.promoted_at.is_some();
    if started
        || matches!(
            sub,
            Substate::Publishing | Substate::Published | Substate::InStore
        )
    {
        return Err(ApiError::cannot_cancel(sub.as_str()));
    }
    Ok(())
}
