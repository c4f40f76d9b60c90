//! The answer form of every entity: its stored fields, its id and etag, and
//! the fields that move on the clock (an upload's state, a submission's
//! state and substate).

use serde_json::{json, Map, Value};

use crate::errors::items;
use crate::lifecycle::{is_upload, upload_state};
use crate::model::UploadState;
use crate::shared::Settings;
use crate::store::{Entity, Kind};

/// The entity as the service answers it.
pub fn view(s: &Settings, e: &Entity) -> Value {
    let mut out = Map::new();
    out.insert("@odata.etag".into(), Value::String(e.etag.clone()));
    out.insert("id".into(), Value::String(e.id.clone()));
    for (k, v) in &e.body {
        out.insert(k.clone(), v.clone());
    }
    if is_upload(e.kind) {
        let state = upload_state(s, e);
        if state == UploadState::ProcessFailed && e.kind == Kind::Package {
            let msg = e.meta.failure.as_deref().unwrap_or("Processing failed.");
            out.insert(
                "validationItems".into(),
                json!([{ "errorCode": items::PACKAGE_PROCESSING_FAILED, "severity": "Error", "message": msg, "resource": e.id }]),
            );
        }
        out.insert("state".into(), Value::String(state.as_str().into()));
    }
    if e.kind == Kind::Submission {
        crate::submissions::decorate(s, e, &mut out);
    }
    Value::Object(out)
}
