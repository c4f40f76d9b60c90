//! Per operation: names, the Authorization parameter, one success response, JSON only.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::*;

// -------------------------------------------------------------- operations

pub(super) fn fix_operations(doc: &mut Value, vocabulary: &Vocabulary) -> Result<(), Problem> {
    let snapshot = doc.clone();
    let paths = doc["paths"]
        .as_object_mut()
        .expect("checked by check_version");
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            return problem(format!("path `{path}` is not an object"));
        };
        if item.contains_key("$ref") {
            return problem(format!(
                "path `{path}` is a reference; path items must be written out in the document"
            ));
        }
        if let Some(Value::Array(params)) = item.get_mut("parameters") {
            inline_parameters(&snapshot, params);
        }
    }
    for_each_operation_mut(doc, |path, method, shared, operation| {
        let Some(operation) = operation.as_object_mut() else {
            return problem(format!("{} {path} is not an object", method.to_uppercase()));
        };
        let label = format!("{} {path}", method.to_uppercase());
        if let Some(Value::Array(params)) = operation.get_mut("parameters") {
            inline_parameters(&snapshot, params);
        }
        check_path_parameters(path, shared, operation, &label)?;
        keep_json_body(&snapshot, operation);
        keep_one_success(&snapshot, operation);
        if !operation.get("operationId").is_some_and(Value::is_string) {
            let has_body = operation.contains_key("requestBody");
            let name = naming::operation_name(method, path, has_body, vocabulary);
            if name.len() > naming::MAX_METHOD_NAME {
                return problem(format!(
                    "{label}: the naming rule gives `{name}`, longer than {} characters; \
                     give the operation an operationId",
                    naming::MAX_METHOD_NAME
                ));
            }
            operation.insert("operationId".into(), Value::String(name));
        }
        Ok(())
    })?;
    if let Some(components) = doc["components"].as_object_mut() {
        components.remove("parameters");
        components.remove("requestBodies");
    }
    Ok(())
}

/// Writes referenced parameters out in place, drops the `Authorization`
/// header (the client adds it) and marks path parameters required (some
/// documents forget; they always are).
pub(super) fn inline_parameters(doc: &Value, params: &mut Vec<Value>) {
    let resolved: Vec<Value> = params.iter().map(|p| deref(doc, p).clone()).collect();
    *params = resolved
        .into_iter()
        .filter(|p| {
            let header = p.get("in").and_then(Value::as_str) == Some("header");
            let name = p.get("name").and_then(Value::as_str).unwrap_or("");
            !(header && name.eq_ignore_ascii_case("authorization"))
        })
        .map(|mut p| {
            if p.get("in").and_then(Value::as_str) == Some("path") {
                p["required"] = Value::Bool(true);
            }
            p
        })
        .collect();
}

pub(super) fn check_path_parameters(
    path: &str,
    shared: &[Value],
    operation: &Map<String, Value>,
    label: &str,
) -> Result<(), Problem> {
    let in_template: BTreeSet<String> = template_names(path).into_iter().collect();
    let own = operation
        .get("parameters")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let declared: BTreeSet<String> = shared
        .iter()
        .chain(own)
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
        .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    if let Some(name) = in_template.difference(&declared).next() {
        return problem(format!(
            "{label}: the path uses `{{{name}}}` but the operation declares no path parameter `{name}`"
        ));
    }
    if let Some(name) = declared.difference(&in_template).next() {
        return problem(format!(
            "{label}: path parameter `{name}` is declared but the path has no `{{{name}}}`"
        ));
    }
    Ok(())
}

/// Every `{name}` in a path template, wherever it stands.
pub(super) fn template_names(path: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                names.push(after[..close].to_string());
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    names
}

pub(super) fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence == "application/json"
}

pub(super) fn json_content(content: &Value) -> Option<Value> {
    let content = content.as_object()?;
    let (_, media) = content.iter().find(|(k, _)| is_json(k))?;
    let mut media = media.clone();
    if let Some(m) = media.as_object_mut() {
        m.remove("encoding");
        m.remove("example");
        m.remove("examples");
    }
    media.get("schema")?;
    Some(json!({ "application/json": media }))
}

pub(super) fn keep_json_body(doc: &Value, operation: &mut Map<String, Value>) {
    let Some(body) = operation.get_mut("requestBody") else {
        return;
    };
    *body = deref(doc, body).clone();
    match body.get("content").and_then(json_content) {
        Some(content) => body["content"] = content,
        None => {
            operation.remove("requestBody");
        }
    }
}

/// Keeps the first 2xx response (by code, `2XX` last) as the one success;
/// drops every other response.
pub(super) fn keep_one_success(doc: &Value, operation: &mut Map<String, Value>) {
    let responses = operation
        .get("responses")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut success: Vec<(String, Value)> = responses
        .iter()
        .filter(|(code, _)| code.starts_with('2'))
        .map(|(code, r)| (code.clone(), r.clone()))
        .collect();
    success.sort_by(|a, b| a.0.cmp(&b.0));
    // Prefer a success response that has a body.
    let chosen = success
        .iter()
        .find(|(code, r)| {
            code != "204"
                && deref(doc, r)
                    .get("content")
                    .and_then(json_content)
                    .is_some()
        })
        .or_else(|| success.first())
        .cloned();
    let response = match chosen {
        Some((code, r)) => {
            let r = deref(doc, &r);
            let description = r
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("Success")
                .to_string();
            let content = if code == "204" {
                None
            } else {
                r.get("content").and_then(json_content)
            };
            let mut out = json!({ "description": description });
            if let Some(content) = content {
                out["content"] = content;
            }
            out
        }
        None => json!({ "description": "Success" }),
    };
    operation.insert("responses".into(), json!({ "2XX": response }));
}

pub(super) fn check_unique_operation_ids(doc: &Value) -> Result<(), Problem> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (path, method, _, operation) in each_operation(doc) {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let method_name = naming::method_name(id);
        let label = format!("{} {path}", method.to_uppercase());
        if let Some(first) = seen.insert(method_name.clone(), label.clone()) {
            return problem(format!(
                "two operations would both become method `{method_name}`: {first} and {label}; \
                 give one of them a different operationId"
            ));
        }
    }
    Ok(())
}
