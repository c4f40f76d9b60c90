//! String enums hoisted into open enum schemas; dates, secrets and unlisted properties.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::*;

// ------------------------------------------------------------------- enums

pub(super) fn is_string_enum(value: &Value) -> bool {
    value
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| !values.is_empty() && values.iter().all(Value::is_string))
        && value
            .get("type")
            .and_then(Value::as_str)
            .is_none_or(|t| t == "string")
}

pub(super) fn enum_schema(value: &Value) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!("string"));
    out.insert("enum".into(), value["enum"].clone());
    if let Some(d) = value.get("description") {
        out.insert("description".into(), d.clone());
    }
    out.insert(OPEN_ENUM.into(), json!(true));
    Value::Object(out)
}

pub(super) fn enum_values(value: &Value) -> Vec<String> {
    value["enum"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn hoist_enums(doc: &mut Value) {
    let mut new_schemas: BTreeMap<String, Value> = BTreeMap::new();
    let taken: BTreeSet<String> = schemas(doc).keys().cloned().collect();
    let unique = |base: String, new_schemas: &BTreeMap<String, Value>| {
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) || new_schemas.contains_key(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        name
    };

    // Named enums are open too.
    for schema in schemas_mut(doc).values_mut() {
        if is_string_enum(schema) {
            schema[OPEN_ENUM] = json!(true);
        }
    }

    // Enums inside component schemas, named after where they stand.
    let names: Vec<String> = schemas(doc).keys().cloned().collect();
    for name in names {
        let mut schema = schemas_mut(doc).remove(&name).expect("listed above");
        hoist_within(&mut schema, &name, true, &mut new_schemas, &unique);
        schemas_mut(doc).insert(name, schema);
    }

    // Enum parameters reuse a schema enum with the same values.
    let mut by_values: BTreeMap<BTreeSet<String>, String> = BTreeMap::new();
    for (name, schema) in schemas(doc).iter().chain(new_schemas.iter()) {
        if is_string_enum(schema) {
            by_values
                .entry(enum_values(schema).into_iter().collect())
                .or_insert_with(|| name.clone());
        }
    }
    let mut paths = json!({ "paths": std::mem::take(&mut doc["paths"]) });
    let _ = for_each_operation_mut(&mut paths, |_, _, _, operation| {
        let id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .map(naming::builder_name)
            .unwrap_or_default();
        let Some(Value::Array(params)) = operation.get_mut("parameters") else {
            return Ok::<(), ()>(());
        };
        for param in params.iter_mut() {
            let param_name = param
                .get("name")
                .and_then(Value::as_str)
                .map(|n| naming::pascal(&naming::split_words(n)))
                .unwrap_or_default();
            let Some(schema) = param.get_mut("schema") else {
                continue;
            };
            if !is_string_enum(schema) {
                continue;
            }
            let values: BTreeSet<String> = enum_values(schema).into_iter().collect();
            let name = match by_values.get(&values) {
                Some(existing) => existing.clone(),
                None => {
                    let name = unique(format!("{id}{param_name}"), &new_schemas);
                    new_schemas.insert(name.clone(), enum_schema(schema));
                    by_values.insert(values, name.clone());
                    name
                }
            };
            *schema = schema_ref(&name);
        }
        Ok(())
    });
    doc["paths"] = paths["paths"].take();
    schemas_mut(doc).extend(new_schemas);
}

/// Hoists enums found in `schema` (named `prefix`). `top` is true for the
/// component itself, which stays where it is.
pub(super) fn hoist_within(
    schema: &mut Value,
    prefix: &str,
    top: bool,
    new_schemas: &mut BTreeMap<String, Value>,
    unique: &dyn Fn(String, &BTreeMap<String, Value>) -> String,
) {
    if !top && is_string_enum(schema) {
        let name = unique(prefix.to_string(), new_schemas);
        new_schemas.insert(name.clone(), enum_schema(schema));
        let description = schema.get("description").cloned();
        *schema = schema_ref(&name);
        if let Some(description) = description {
            schema["description"] = description;
        }
        return;
    }
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (key, value) in props.iter_mut() {
            let name = format!("{prefix}{}", naming::pascal(&naming::split_words(key)));
            hoist_within(value, &name, false, new_schemas, unique);
        }
    }
    if let Some(items) = schema.get_mut("items") {
        hoist_within(items, &format!("{prefix}Item"), false, new_schemas, unique);
    }
    if let Some(extra) = schema.get_mut("additionalProperties") {
        if extra.is_object() {
            hoist_within(extra, &format!("{prefix}Value"), false, new_schemas, unique);
        }
    }
}

/// Descriptions of the properties of every component schema: (schema,
/// wire name) → text. Properties that are references keep theirs beside the
/// `$ref` (see [`hoist_inline_unions`] and [`hoist_enums`]).
pub fn property_descriptions(doc: &Value) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for (name, schema) in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        for (property, value) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(text) = value.get("description").and_then(Value::as_str) {
                out.insert((name.clone(), property.clone()), text.to_string());
            }
        }
    }
    out
}

/// Descriptions of the parameters of every operation: (operationId,
/// parameter name) → text.
pub fn parameter_descriptions(doc: &Value) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for (_, _, item, operation) in each_operation(doc) {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let shared = item.get("parameters").and_then(Value::as_array);
        let own = operation.get("parameters").and_then(Value::as_array);
        for p in shared
            .into_iter()
            .flatten()
            .chain(own.into_iter().flatten())
        {
            if let (Some(name), Some(text)) = (
                p.get("name").and_then(Value::as_str),
                p.get("description").and_then(Value::as_str),
            ) {
                out.insert((id.to_string(), name.to_string()), text.to_string());
            }
        }
    }
    out
}

/// The format a property of this name gets because its value is secret.
/// The names are those of [`super::sensitive`], which the runtime
/// redactor uses too.
pub fn secret_format(property: &str) -> Option<&'static str> {
    if super::super::sensitive::is_sas_uri_name(property) {
        Some(SAS_URI)
    } else if super::super::sensitive::is_secret_name(property) {
        Some(PASSWORD)
    } else {
        None
    }
}

pub(super) fn mark_secrets(doc: &mut Value) {
    visit_mut(doc, &mut |value| {
        let Some(props) = value.get_mut("properties").and_then(Value::as_object_mut) else {
            return;
        };
        for (name, schema) in props.iter_mut() {
            let is_plain_string = schema.get("type").and_then(Value::as_str) == Some("string")
                && schema.get("enum").is_none();
            if let (true, Some(format)) = (is_plain_string, secret_format(name)) {
                schema["format"] = json!(format);
                if let Some(map) = schema.as_object_mut() {
                    map.remove("nullable");
                }
            }
        }
    });
}

pub(super) fn keep_unlisted_properties(doc: &mut Value) {
    visit_mut(&mut doc["components"]["schemas"], &mut |value| {
        let is_object = value.get("properties").is_some_and(Value::is_object)
            && value
                .get("type")
                .and_then(Value::as_str)
                .is_none_or(|t| t == "object");
        if is_object && value.get("additionalProperties").is_none() {
            value["additionalProperties"] = json!({});
        }
    });
}

pub(super) fn drop_date_formats(doc: &mut Value) {
    visit_mut(doc, &mut |value| {
        let is_date = matches!(
            value.get("format").and_then(Value::as_str),
            Some("date-time" | "date")
        ) && value.get("type").and_then(Value::as_str) == Some("string");
        if is_date {
            if let Some(map) = value.as_object_mut() {
                map.remove("format");
            }
        }
    });
}
