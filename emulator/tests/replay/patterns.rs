//! Comparing answers with the recordings' patterns: the markers, the
//! captures named inside strings, and whole answers.

use std::collections::BTreeMap;
use std::fmt;

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use crate::format::{Ich, Step};

/// Values captured so far, by name.
pub(crate) type Vars = BTreeMap<String, Value>;

/// Where an answer differs from the recording.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mismatch {
    /// The JSON path (`$.value[0].id`), or `status`, `header …`, `body`.
    pub(crate) at: String,
    pub(crate) expected: String,
    pub(crate) actual: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at {}: expected {}, got {}",
            self.at, self.expected, self.actual
        )
    }
}

pub(crate) fn compact(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 600 {
        let cut: String = text.chars().take(600).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn show(actual: Option<&Value>) -> String {
    actual.map_or_else(|| "nothing (the field is absent)".into(), compact)
}

/// The path of a field of the object at `at`.
fn child(at: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("{at}.{key}")
    } else {
        format!("{at}['{key}']")
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The capture a string names when it is exactly `{name}`.
fn whole_ref(s: &str) -> Option<&str> {
    s.strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .filter(|n| is_name(n))
}

/// The text with every `{name}` replaced by its captured value.
pub(crate) fn interpolate(s: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if is_name(name) => {
                match vars.get(name) {
                    Some(Value::String(v)) => out.push_str(v),
                    Some(v @ (Value::Number(_) | Value::Bool(_))) => out.push_str(&v.to_string()),
                    Some(other) => {
                        return Err(format!(
                            "{{{name}}} is not text and cannot go inside a string: {}",
                            compact(other)
                        ))
                    }
                    None => return Err(format!("nothing was captured as {{{name}}}")),
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// A JSON value (a body) with its `{name}`s replaced.
pub(crate) fn substitute(v: &Value, vars: &Vars) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => match whole_ref(s) {
            Some(name) => vars
                .get(name)
                .cloned()
                .ok_or_else(|| format!("nothing was captured as {{{name}}}"))?,
            None => Value::String(interpolate(s, vars)?),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| substitute(i, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => {
            let mut out = serde_json::Map::new();
            for (k, v) in o {
                out.insert(k.clone(), substitute(v, vars)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Compares an answer (`actual`, `None` when the field is absent) with a pattern.
pub(crate) fn compare(
    expected: &Value,
    actual: Option<&Value>,
    vars: &Vars,
    at: &str,
) -> Result<(), Mismatch> {
    let miss = |expected: String| Mismatch {
        at: at.to_string(),
        expected,
        actual: show(actual),
    };
    match expected {
        Value::String(s) => compare_str(s, actual, vars, at),
        Value::Object(o) if o.len() == 1 && o.contains_key("$ich") => {
            compare_ich(&o["$ich"], actual, vars, at)
        }
        Value::Object(o) => {
            let Some(Value::Object(a)) = actual else {
                return Err(miss(format!("an object with {}", compact(expected))));
            };
            for (k, e) in o {
                compare(e, a.get(k), vars, &child(at, k))?;
            }
            Ok(())
        }
        Value::Array(items) => {
            let Some(Value::Array(a)) = actual else {
                return Err(miss(format!("an array {}", compact(expected))));
            };
            if a.len() != items.len() {
                return Err(miss(format!(
                    "{} item(s): {}",
                    items.len(),
                    compact(expected)
                )));
            }
            for (i, (e, v)) in items.iter().zip(a).enumerate() {
                compare(e, Some(v), vars, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        literal => {
            if actual == Some(literal) {
                Ok(())
            } else {
                Err(miss(compact(literal)))
            }
        }
    }
}

fn compare_str(s: &str, actual: Option<&Value>, vars: &Vars, at: &str) -> Result<(), Mismatch> {
    let miss = |expected: String| Mismatch {
        at: at.to_string(),
        expected,
        actual: show(actual),
    };
    if let Some(name) = whole_ref(s) {
        let Some(v) = vars.get(name) else {
            return Err(miss(format!(
                "the value captured as {{{name}}}, but nothing was captured under that name"
            )));
        };
        return if actual == Some(v) {
            Ok(())
        } else {
            Err(miss(format!("{} (captured as {{{name}}})", compact(v))))
        };
    }
    let literal = match s.strip_prefix("$$") {
        Some(rest) => Some(format!("${}", interpolate(rest, vars).map_err(&miss)?)),
        None if s.starts_with('$') => None,
        None => Some(interpolate(s, vars).map_err(&miss)?),
    };
    if let Some(want) = literal {
        return if actual.and_then(Value::as_str) == Some(want.as_str()) {
            Ok(())
        } else {
            Err(miss(Value::String(want).to_string()))
        };
    }
    let marker = &s[1..];
    let (name, arg) = match marker.split_once(':') {
        Some((n, a)) => (n, Some(interpolate(a, vars).map_err(&miss)?)),
        None => (marker, None),
    };
    let text = actual.and_then(Value::as_str);
    let ok = match (name, arg.as_deref()) {
        ("any", None) => actual.is_some(),
        ("non-null", None) => actual.is_some_and(|v| !v.is_null()),
        ("absent", None) => actual.is_none(),
        ("string", None) => text.is_some(),
        ("non-empty-string", None) => text.is_some_and(|t| !t.is_empty()),
        ("numeric-string", None) => {
            text.is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        }
        ("guid", None) => text.is_some_and(is_guid),
        ("etag", None) => {
            text.is_some_and(|t| t.len() > 2 && t.starts_with('"') && t.ends_with('"'))
        }
        ("one-of", Some(a)) => text.is_some_and(|t| a.split('|').any(|o| o == t)),
        ("starts-with", Some(a)) => text.is_some_and(|t| t.starts_with(a)),
        ("contains", Some(a)) => text.is_some_and(|t| t.contains(a)),
        _ => return Err(miss(format!("a known marker, not {s:?}"))),
    };
    if ok {
        Ok(())
    } else {
        Err(miss(match arg {
            Some(a) => format!("{name} {a:?}"),
            None => name.to_string(),
        }))
    }
}

fn compare_ich(
    spec: &Value,
    actual: Option<&Value>,
    vars: &Vars,
    at: &str,
) -> Result<(), Mismatch> {
    let miss = |expected: String| Mismatch {
        at: at.to_string(),
        expected,
        actual: show(actual),
    };
    let ich: Ich = serde_json::from_value(spec.clone())
        .map_err(|e| miss(format!("a valid $ich pattern ({e})")))?;
    let Some(text) = actual.and_then(Value::as_str) else {
        return Err(miss(format!("an error string \"{} - …\"", ich.code)));
    };
    if !text.starts_with(&format!("{} - ", ich.code)) {
        return Err(miss(format!("an error string \"{} - …\"", ich.code)));
    }
    for m in &ich.mentions {
        let m = interpolate(m, vars).map_err(&miss)?;
        if !text.contains(&m) {
            return Err(miss(format!("an error string that mentions {m:?}")));
        }
    }
    if let Some(detail) = &ich.detail {
        let parsed = text
            .find('{')
            .and_then(|start| serde_json::from_str::<Value>(&text[start..]).ok())
            .ok_or_else(|| miss("an error string with a JSON object in it".into()))?;
        compare(detail, Some(&parsed), vars, &format!("{at}<error JSON>"))?;
    }
    Ok(())
}

/// The answer's body as JSON (`null` for an empty body).
pub(crate) fn body_json(text: &str) -> Result<Value, Mismatch> {
    if text.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(text).map_err(|e| Mismatch {
        at: "body".into(),
        expected: "JSON".into(),
        actual: format!("{text:?} ({e})"),
    })
}

/// Checks one answer against its step (and the headers every API answer
/// has): the status, the headers, the body.
pub(crate) fn check_answer(
    step: &Step,
    every: &BTreeMap<String, Value>,
    vars: &Vars,
    status: u16,
    headers: &HeaderMap,
    text: &str,
) -> Result<(), Mismatch> {
    if let Some(want) = step.status {
        if status != want {
            let mut body: String = text.chars().take(600).collect();
            if body.is_empty() {
                body = "an empty body".into();
            }
            return Err(Mismatch {
                at: "status".into(),
                expected: want.to_string(),
                actual: format!("{status} with {body}"),
            });
        }
    }
    for (name, pattern) in every.iter().chain(&step.answer_headers) {
        let v = headers
            .get(name.as_str())
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()));
        compare(pattern, v.as_ref(), vars, &format!("header {name}"))?;
    }
    match &step.answer {
        None => Ok(()),
        Some(Value::String(s)) if s == "$empty" => {
            if text.is_empty() {
                Ok(())
            } else {
                Err(Mismatch {
                    at: "body".into(),
                    expected: "an empty body".into(),
                    actual: text.chars().take(600).collect(),
                })
            }
        }
        Some(pattern) => {
            if text.is_empty() {
                return Err(Mismatch {
                    at: "body".into(),
                    expected: compact(pattern),
                    actual: "an empty body".into(),
                });
            }
            compare(pattern, Some(&body_json(text)?), vars, "$")
        }
    }
}

/// Items of a followed collection: each expected one matches a listed one of its own.
pub(crate) fn compare_unordered(
    expected: &[Value],
    actual: &[Value],
    vars: &Vars,
) -> Result<(), Mismatch> {
    let listed = || compact(&Value::Array(actual.to_vec()));
    if expected.len() != actual.len() {
        return Err(Mismatch {
            at: "every page's $.value".into(),
            expected: format!("{} item(s)", expected.len()),
            actual: format!("{}: {}", actual.len(), listed()),
        });
    }
    let mut used = vec![false; actual.len()];
    for (i, e) in expected.iter().enumerate() {
        let hit = (0..actual.len())
            .find(|&j| !used[j] && compare(e, Some(&actual[j]), vars, "$").is_ok());
        match hit {
            Some(j) => used[j] = true,
            None => {
                return Err(Mismatch {
                    at: format!("every page's $.value, expected item {i}"),
                    expected: compact(e),
                    actual: format!("no listed item left that matches: {}", listed()),
                })
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The comparison itself.

pub(crate) fn vars(pairs: &[(&str, Value)]) -> Vars {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

pub(crate) fn step(status: u16, answer: Value) -> Step {
    Step {
        method: Some("GET".into()),
        path: Some("/products".into()),
        status: Some(status),
        answer: Some(answer),
        ..Step::default()
    }
}

#[test]
fn compare_catches_a_wrong_status() {
    let s = step(201, json!({"id": "$guid"}));
    let none = BTreeMap::new();
    let body = r#"{"id":"8d0b6d4e-3c57-4a0e-9f39-6c1f1f7f0a11"}"#;
    let m = check_answer(&s, &none, &Vars::new(), 200, &HeaderMap::new(), body).unwrap_err();
    assert_eq!(m.at, "status");
    assert_eq!(m.expected, "201");
    assert!(m.actual.starts_with("200"), "{m}");
    assert!(check_answer(&s, &none, &Vars::new(), 201, &HeaderMap::new(), body).is_ok());
    // The headers every API answer has are checked too.
    let every: BTreeMap<String, Value> = [("request-id".to_string(), json!("$non-empty-string"))]
        .into_iter()
        .collect();
    let m = check_answer(&s, &every, &Vars::new(), 201, &HeaderMap::new(), body).unwrap_err();
    assert_eq!(
        (m.at.as_str(), m.actual.as_str()),
        ("header request-id", "nothing (the field is absent)")
    );
}

#[test]
fn compare_catches_a_wrong_field_value_with_its_path() {
    let want = json!({"value": [{"id": "{product}", "languageCode": "en-us"}]});
    let v = vars(&[("product", json!("p1"))]);
    let good = json!({"value": [{"id": "p1", "languageCode": "en-us", "extra": 1}]});
    assert!(compare(&want, Some(&good), &v, "$").is_ok());
    let bad = json!({"value": [{"id": "p1", "languageCode": "de-de"}]});
    let m = compare(&want, Some(&bad), &v, "$").unwrap_err();
    assert_eq!(m.at, "$.value[0].languageCode");
    assert_eq!(
        (m.expected.as_str(), m.actual.as_str()),
        ("\"en-us\"", "\"de-de\"")
    );
    let other = json!({"value": [{"id": "p2", "languageCode": "en-us"}]});
    assert_eq!(
        compare(&want, Some(&other), &v, "$").unwrap_err().at,
        "$.value[0].id"
    );
    // A missing field, a field that should be absent, and a wrong length.
    let m = compare(&json!({"trialUri": ""}), Some(&json!({})), &v, "$").unwrap_err();
    assert_eq!(m.actual, "nothing (the field is absent)");
    assert!(compare(
        &json!({"nextLink": "$absent"}),
        Some(&json!({"nextLink": "x"})),
        &v,
        "$"
    )
    .is_err());
    assert!(compare(&json!({"a": []}), Some(&json!({"a": [1]})), &v, "$").is_err());
    assert!(compare(&json!({"callToAction": null}), Some(&json!({})), &v, "$").is_err());
    // An answer that names a capture never taken fails, it does not pass.
    assert!(compare(&json!("{nowhere}"), Some(&json!("x")), &v, "$").is_err());
}

#[test]
fn markers_accept_their_values_and_refuse_others() {
    let v = vars(&[("p", json!("abc"))]);
    let cases = [
        (
            "$numeric-string",
            json!("1152921505695125040"),
            json!("11529a"),
        ),
        (
            "$guid",
            json!("8d0b6d4e-3c57-4a0e-9f39-6c1f1f7f0a11"),
            json!("8d0b6d4e"),
        ),
        ("$etag", json!("\"18012690-0000\""), json!("18012690-0000")),
        ("$non-null", json!([]), Value::Null),
        ("$string", json!(""), json!(3)),
        ("$non-empty-string", json!("x"), json!("")),
        (
            "$one-of:Uploaded|InProcessing",
            json!("InProcessing"),
            json!("Processed"),
        ),
        (
            "$starts-with:v1.0/ingestion/products/{p}",
            json!("v1.0/ingestion/products/abc?x"),
            json!("/v1.0/ingestion/products/abc"),
        ),
        (
            "$contains:$skipToken=",
            json!("a?$skipToken=e"),
            json!("a?$skip=e"),
        ),
        ("$$skipToken", json!("$skipToken"), json!("skipToken")),
    ];
    for (marker, yes, no) in cases {
        let m = json!(marker);
        assert!(
            compare(&m, Some(&yes), &v, "$").is_ok(),
            "{marker} accepts {yes}"
        );
        assert!(
            compare(&m, Some(&no), &v, "$").is_err(),
            "{marker} refuses {no}"
        );
    }
    assert!(compare(&json!("$any"), Some(&Value::Null), &v, "$").is_ok());
    assert!(compare(&json!("$any"), None, &v, "$").is_err());
    assert!(compare(&json!("$typo"), Some(&json!("x")), &v, "$").is_err());
}

#[test]
fn the_ich_pattern_reads_the_error_string() {
    let text = r#"ICH50409 - Submission 115 is in progress. {"faultCode":50409,"data":{"submissionID":["115"]}}"#;
    let answer = Value::String(text.into());
    let v = vars(&[("s", json!("115"))]);
    let pattern = |data: Value| json!({"$ich": {"code": "ICH50409", "mentions": ["{s}"], "detail": {"faultCode": 50409, "data": data}}});
    assert!(compare(
        &pattern(json!({"submissionID": ["{s}"]})),
        Some(&answer),
        &v,
        "$"
    )
    .is_ok());
    let m = compare(
        &pattern(json!({"submissionID": ["116"]})),
        Some(&answer),
        &v,
        "$",
    )
    .unwrap_err();
    assert_eq!(m.at, "$<error JSON>.data.submissionID[0]");
    let wrong_code = json!({"$ich": {"code": "ICH50400"}});
    assert!(compare(&wrong_code, Some(&answer), &v, "$").is_err());
    assert!(compare(&pattern(json!({})), Some(&json!({"error": "x"})), &v, "$").is_err());
}

#[test]
fn followed_items_match_one_each_in_any_order() {
    let v = Vars::new();
    let want = [json!({"name": "a"}), json!({"name": "b"})];
    assert!(compare_unordered(&want, &[json!({"name": "b"}), json!({"name": "a"})], &v).is_ok());
    assert!(compare_unordered(&want, &[json!({"name": "a"}), json!({"name": "a"})], &v).is_err());
    assert!(compare_unordered(&want, &[json!({"name": "a"})], &v).is_err());
}
