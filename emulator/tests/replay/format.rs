//! The format of a recording: its types, and reading and checking one.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

/// Where the recordings are.
pub(crate) const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/recordings");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Recording {
    pub(crate) flow: String,
    pub(crate) rests_on: Vec<String>,
    #[serde(default)]
    pub(crate) emulator: Settings,
    #[serde(default)]
    pub(crate) every_answer_headers: BTreeMap<String, Value>,
    pub(crate) steps: Vec<Step>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Settings {
    pub(crate) page_size: Option<usize>,
    pub(crate) consistency_delay_seconds: Option<u64>,
    pub(crate) processing_delay_seconds: Option<u64>,
    pub(crate) certification_delay_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Step {
    #[serde(default)]
    pub(crate) note: String,
    pub(crate) advance_seconds: Option<u64>,
    pub(crate) method: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) url: Option<String>,
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) body: Option<Value>,
    pub(crate) bytes: Option<String>,
    pub(crate) status: Option<u16>,
    pub(crate) answer: Option<Value>,
    #[serde(default)]
    pub(crate) answer_headers: BTreeMap<String, Value>,
    #[serde(default)]
    pub(crate) capture: BTreeMap<String, Capture>,
    pub(crate) follow: Option<Follow>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Capture {
    At(String),
    Find(Find),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Find {
    pub(crate) from: String,
    #[serde(rename = "where")]
    pub(crate) matching: Value,
    pub(crate) take: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Follow {
    pub(crate) link: Value,
    pub(crate) page_items: [usize; 2],
    pub(crate) min_pages: usize,
    pub(crate) items: Vec<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Ich {
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) mentions: Vec<String>,
    pub(crate) detail: Option<Value>,
}

/// Parses a recording and checks that every step is one thing or the other.
pub(crate) fn parse(text: &str) -> Result<Recording, String> {
    let rec: Recording = serde_json::from_str(text).map_err(|e| format!("does not parse: {e}"))?;
    if rec.flow.trim().is_empty() || rec.rests_on.is_empty() {
        return Err("needs a flow and what it rests on".into());
    }
    let mut requests = 0;
    for (i, s) in rec.steps.iter().enumerate() {
        let n = i + 1;
        let request_parts = s.method.is_some()
            || s.path.is_some()
            || s.url.is_some()
            || !s.headers.is_empty()
            || s.body.is_some()
            || s.bytes.is_some()
            || s.status.is_some()
            || s.answer.is_some()
            || !s.answer_headers.is_empty()
            || !s.capture.is_empty()
            || s.follow.is_some();
        if s.advance_seconds.is_some() {
            if request_parts {
                return Err(format!("step {n}: advance_seconds stands alone"));
            }
            continue;
        }
        requests += 1;
        let Some(method) = &s.method else {
            return Err(format!("step {n}: a request needs a method"));
        };
        if Method::from_bytes(method.as_bytes()).is_err() {
            return Err(format!("step {n}: {method:?} is not a method"));
        }
        if s.path.is_some() == s.url.is_some() {
            return Err(format!("step {n}: a request has a path or a url"));
        }
        if s.status.is_none() {
            return Err(format!("step {n}: a request needs the status answered"));
        }
        if s.body.is_some() && s.bytes.is_some() {
            return Err(format!("step {n}: body or bytes, not both"));
        }
        if let Some(f) = &s.follow {
            if method != "GET" || f.page_items[0] > f.page_items[1] || f.min_pages == 0 {
                return Err(format!(
                    "step {n}: follow needs a GET, page_items [min, max] and min_pages ≥ 1"
                ));
            }
        }
    }
    if requests == 0 {
        return Err("has no requests".into());
    }
    Ok(rec)
}

/// Reads and parses the recording of this file name.
pub(crate) fn load(name: &str) -> Result<Recording, String> {
    let path = format!("{DIR}/{name}");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    parse(&text).map_err(|e| format!("{path} {e}"))
}

// ---------------------------------------------------------------------------
// Refusing broken recordings.

#[test]
fn recordings_that_are_broken_do_not_load() {
    let ok = r#"{"flow": "f", "rests_on": ["x"], "steps": [{"method": "GET", "path": "/products", "status": 200}]}"#;
    assert!(parse(ok).is_ok());
    for bad in [
        "{not json",
        r#"{"flow": "f", "rests_on": ["x"], "steps": []}"#,
        r#"{"flow": "f", "rests_on": [], "steps": [{"method": "GET", "path": "/p", "status": 200}]}"#,
        r#"{"flow": "f", "rests_on": ["x"], "steps": [{"method": "GET", "path": "/p"}]}"#,
        r#"{"flow": "f", "rests_on": ["x"], "steps": [{"method": "GET", "path": "/p", "status": 200, "answr": {}}]}"#,
        r#"{"flow": "f", "rests_on": ["x"], "steps": [{"advance_seconds": 5, "status": 200}]}"#,
        r#"{"flow": "f", "rests_on": ["x"], "steps": [{"advance_seconds": 5}]}"#,
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}
