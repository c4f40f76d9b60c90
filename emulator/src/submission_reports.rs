//! What a submission reports about itself: `…/validations`, `…/reports`
//! (certification) and `…/workflowdetails`, each computed from where the
//! submission is on the clock.

use serde_json::{json, Value};

use crate::clock::{millis, rfc3339};
use crate::errors::items;
use crate::model::Substate;
use crate::shared::Settings;
use crate::store::Entity;
use crate::submissions::{item, live_from, substate};

/// `…/validations`: entries appear once the step that found them has finished.
pub fn validations(s: &Settings, e: &Entity) -> Vec<Value> {
    match substate(s, e) {
        Substate::Failed => e.meta.validations.clone(),
        Substate::FailedInCertification => vec![item(
            items::CERTIFICATION_FAILED,
            "The offer did not pass certification; see the certification report.".into(),
            &e.id,
        )],
        _ => Vec::new(),
    }
}

/// `…/reports`: the certification report.
pub fn reports(s: &Settings, e: &Entity) -> Vec<Value> {
    let status = match substate(s, e) {
        Substate::InDraft | Substate::Submitted => "Pending",
        Substate::Failed => return Vec::new(),
        Substate::FailedInCertification => "Failed",
        _ => "Passed",
    };
    let at = e.meta.created_at.unwrap_or(0);
    vec![json!({ "reportTimeInUtc": rfc3339(at), "status": status, "fileUri": "" })]
}

/// One step of a workflow: its name, when it runs, and whether it fails.
struct Step {
    name: &'static str,
    start: u64,
    end: u64,
    fails: bool,
}

/// The state of a step or workflow at `now`, as the service names it.
fn step_state(step: &Step, now: u64) -> &'static str {
    if now >= step.end && step.fails {
        "Failed"
    } else if now >= step.end {
        "Success"
    } else if now >= step.start {
        "InProgress"
    } else {
        "NotStarted"
    }
}

fn time(t: Option<u64>) -> Value {
    t.map_or(Value::Null, |t| json!(rfc3339(t)))
}

/// A `Push` workflow of steps run one after another; a failed step stops it.
fn push(target: &str, steps: &[Step], now: u64) -> Value {
    let mut out = Vec::new();
    let mut stopped = false;
    let mut state = "Success";
    for st in steps {
        let s = if stopped {
            "NotStarted"
        } else {
            step_state(st, now)
        };
        if s == "Failed" {
            stopped = true;
            state = "Failed";
        } else if s != "Success" && state == "Success" {
            state = "InProgress";
        }
        let started = s != "NotStarted";
        let done = s == "Success" || s == "Failed";
        out.push(json!({
            "name": st.name, "state": s,
            "startDateTimeInUtc": time(started.then_some(st.start)),
            "completeDateTimeInUtc": time(done.then_some(st.end)),
        }));
    }
    let first = steps.first().map(|s| s.start);
    let last = steps.last().map(|s| s.end);
    let complete = if state == "InProgress" {
        None
    } else {
        out.iter()
            .rev()
            .find_map(|s| s["completeDateTimeInUtc"].as_str().map(str::to_string))
            .map(Value::String)
            .or(last.map(|l| json!(rfc3339(l))))
    };
    json!({
        "type": "Push",
        "state": state,
        "targetEnvironment": target,
        "workflowSteps": out,
        "startDateTimeInUtc": time(first),
        "completeDateTimeInUtc": complete.unwrap_or(Value::Null),
    })
}

/// `…/workflowdetails`: the preview push, and the live push once it started.
pub fn workflow(s: &Settings, e: &Entity) -> Vec<Value> {
    let c = millis(s.config.certification_delay);
    let now = s.clock.now_ms();
    let created = e.meta.created_at.unwrap_or(0);
    let sub = substate(s, e);
    let preview = [
        Step {
            name: "Validation",
            start: created,
            end: created + c,
            fails: sub == Substate::Failed,
        },
        Step {
            name: "Certification",
            start: created + c,
            end: created + 2 * c,
            fails: sub == Substate::FailedInCertification,
        },
        Step {
            name: "PreviewCreation",
            start: created + 2 * c,
            end: created + 2 * c,
            fails: false,
        },
    ];
    let mut out = vec![push("Preview", &preview, now)];
    if let Some(p) = live_from(s, e) {
        let live = [
            Step {
                name: "Publishing",
                start: p,
                end: p + c,
                fails: false,
            },
            Step {
                name: "GoLive",
                start: p + c,
                end: p + 2 * c,
                fails: false,
            },
        ];
        out.push(push("Live", &live, now));
    }
    out
}
