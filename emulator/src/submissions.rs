//! Submissions: checking a `SubmissionCreationRequest`, the substates on the
//! certification clock, promotion, validations, reports and workflow details.
//!
//! The outcome is decided when the submission is made and stored; what a
//! reader sees is computed from the time elapsed since then, so the clock
//! survives restarts without background tasks.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::app::{now_ms, rfc3339, App};
use crate::http::ApiError;
use crate::lifecycle::current_instance;
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

fn item(code: &str, message: String, resource: &str) -> Value {
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
pub fn create(app: &App, st: &State, product: &Entity, req: &Value) -> Result<Entity, ApiError> {
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
        .map(str::to_ascii_lowercase)
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
            "Resell-20007",
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
                    "Listing-10001",
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
        if !plan_has_processed_package(app, st, pid, vid) {
            validations.push(item(
                "Package-30001",
                format!("The plan {vid} has no processed package in its package configuration."),
                vid,
            ));
        }
    }
    let plan = if !validations.is_empty() {
        "failed"
    } else if fail_cert {
        "failedCertification"
    } else {
        "ok"
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
    let mut body = match body {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if body.get("publishOption").is_some_and(Value::is_null) {
        body.remove("publishOption");
    }
    let mut e = Entity::new(Kind::Submission, Some(pid), body);
    e.meta.insert("createdAt".into(), json!(now_ms()));
    e.meta.insert("plan".into(), json!(plan));
    e.meta.insert("target".into(), json!(target));
    let auto = field(req, "publishOption")
        .and_then(|o| field(o, "isAutoPromote"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    e.meta.insert("autoPromote".into(), json!(auto));
    e.meta
        .insert("validations".into(), Value::Array(validations));
    Ok(e)
}

fn plan_has_processed_package(app: &App, st: &State, product: &str, variant: &str) -> bool {
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
                    p.kind == Kind::Package && crate::lifecycle::upload_state(app, p) == "Processed"
                })
            })
    })
}

/// A live target, or a preview with `publishOption.isAutoPromote`, needs no promote.
fn goes_live_by_itself(e: &Entity) -> bool {
    e.meta_str("target") == Some("live")
        || e.meta.get("autoPromote").and_then(Value::as_bool) == Some(true)
}

/// Where a submission is now: (state, substate, steps done).
fn phase(app: &App, e: &Entity) -> (&'static str, &'static str) {
    let c = app.config.certification_delay.as_millis() as u64;
    let now = now_ms();
    let created = e.meta_u64("createdAt").unwrap_or(0);
    let t = now.saturating_sub(created);
    let plan = e.meta_str("plan").unwrap_or("ok");
    let live = goes_live_by_itself(e);
    match plan {
        "failed" => {
            if t < c {
                ("InProgress", "InDraft")
            } else {
                ("InProgress", "Failed")
            }
        }
        "failedCertification" => {
            if t < c {
                ("InProgress", "InDraft")
            } else if t < 2 * c {
                ("InProgress", "Submitted")
            } else {
                ("InProgress", "FailedInCertification")
            }
        }
        _ => {
            let promoted =
                e.meta_u64("promotedAt")
                    .or(if live { Some(created + 2 * c) } else { None });
            match promoted {
                Some(p) if now >= p => {
                    let since = now - p;
                    if since < c {
                        ("InProgress", "Publishing")
                    } else if since < 2 * c {
                        ("Published", "Published")
                    } else {
                        ("Published", "InStore")
                    }
                }
                _ if t < c => ("InProgress", "InDraft"),
                _ if t < 2 * c => ("InProgress", "Submitted"),
                _ => ("InProgress", "ReadyToPublish"),
            }
        }
    }
}

/// Adds the clock-driven fields to a submission's answer.
pub fn decorate(app: &App, e: &Entity, out: &mut Map<String, Value>) {
    let (state, sub) = phase(app, e);
    out.insert("state".into(), json!(state));
    out.insert("substate".into(), json!(sub));
    out.insert("areResourcesReady".into(), json!(true));
    if state == "Published" {
        let c = app.config.certification_delay.as_millis() as u64;
        let at = e.meta_u64("promotedAt").unwrap_or(0) + c;
        out.insert("publishedTimeInUtc".into(), json!(rfc3339(at)));
    }
}

/// The substate of a submission now.
pub fn substate(app: &App, e: &Entity) -> &'static str {
    phase(app, e).1
}

/// `…/promote`: a preview submission at `ReadyToPublish` goes live.
pub fn promote(app: &App, e: &mut Entity) -> Result<(), ApiError> {
    let sub = substate(app, e);
    if sub != "ReadyToPublish" || e.meta_u64("promotedAt").is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("Only a submission that is ReadyToPublish can be promoted; this one is {sub}."),
        ));
    }
    e.meta.insert("promotedAt".into(), json!(now_ms()));
    if let Some(t) = e.body.get_mut("targets") {
        *t = json!([{ "type": "Scope", "value": "live" }]);
    }
    e.etag = crate::store::new_etag();
    Ok(())
}

/// Whether a submission may still be deleted.
pub fn deletable(app: &App, e: &Entity) -> bool {
    let (state, sub) = phase(app, e);
    state == "InProgress" && sub != "Publishing"
}

/// `…/validations`.
/// Entries appear once the step that found them has finished.
pub fn validations(app: &App, e: &Entity) -> Vec<Value> {
    match substate(app, e) {
        "Failed" => e
            .meta
            .get("validations")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        "FailedInCertification" => vec![item(
            "Certification-50001",
            "The offer did not pass certification; see the certification report.".into(),
            &e.id,
        )],
        _ => Vec::new(),
    }
}

/// `…/reports`: the certification report.
pub fn reports(app: &App, e: &Entity) -> Vec<Value> {
    let status = match substate(app, e) {
        "InDraft" | "Submitted" => "Pending",
        "Failed" => return Vec::new(),
        "FailedInCertification" => "Failed",
        _ => "Passed",
    };
    let at = e.meta_u64("createdAt").unwrap_or(0);
    vec![json!({ "reportTimeInUtc": rfc3339(at), "status": status, "fileUri": "" })]
}

/// `…/workflowdetails`: the steps and their states.
pub fn workflow(app: &App, e: &Entity) -> Vec<Value> {
    let sub = substate(app, e);
    let order = [
        "InDraft",
        "Submitted",
        "ReadyToPublish",
        "Publishing",
        "Published",
        "InStore",
    ];
    let pos = order.iter().position(|s| *s == sub);
    let step = |name: &str, done_at: usize, failed: bool| {
        let state = if failed {
            "Failed"
        } else {
            match pos {
                Some(p) if p >= done_at => "Completed",
                Some(p) if p + 1 == done_at => "InProgress",
                _ => "NotStarted",
            }
        };
        json!({ "name": name, "state": state })
    };
    let created = rfc3339(e.meta_u64("createdAt").unwrap_or(0));
    let mut out = vec![json!({
        "type": "Preview",
        "state": match sub { "Failed" | "FailedInCertification" => "Failed", "InDraft" | "Submitted" => "InProgress", _ => "Completed" },
        "targetEnvironment": "preview",
        "startDateTimeInUtc": created,
        "workflowSteps": [
            step("Validation", 1, sub == "Failed"),
            step("Certification", 2, sub == "FailedInCertification"),
            step("PreviewCreation", 2, false),
        ],
    })];
    if e.meta_u64("promotedAt").is_some() || goes_live_by_itself(e) {
        out.push(json!({
            "type": "Live",
            "state": if sub == "InStore" { "Completed" } else { "InProgress" },
            "targetEnvironment": "live",
            "workflowSteps": [step("Publishing", 4, false), step("InStore", 5, false)],
        }));
    }
    out
}
