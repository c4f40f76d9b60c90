//! Inline unions named and marked as tagged unions; `allOf` flattened.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::*;

// ------------------------------------------------------------------ unions

/// The chain of `allOf` bases of a schema, nearest first.
pub(super) fn ancestors(doc: &Value, name: &str) -> Vec<String> {
    let mut chain = Vec::new();
    let mut current = name.to_string();
    for _ in 0..32 {
        let Some(schema) = schemas(doc).get(&current) else {
            break;
        };
        let base = schema
            .get("allOf")
            .and_then(Value::as_array)
            .and_then(|parts| parts.iter().find_map(ref_target));
        match base {
            Some(base) if !chain.iter().any(|c| c == base) => {
                chain.push(base.to_string());
                current = base.to_string();
            }
            _ => break,
        }
    }
    chain
}

/// The name a union of `members` gets: the base they all share, without
/// `Base`; failing that, `fallback`.
pub(super) fn union_name(doc: &Value, members: &[String], fallback: &str) -> String {
    let chains: Vec<Vec<String>> = members.iter().map(|m| ancestors(doc, m)).collect();
    let common = chains
        .first()
        .and_then(|first| first.iter().find(|a| chains.iter().all(|c| c.contains(a))));
    if let Some(base) = common {
        if let Some(rest) = base.strip_prefix("Base") {
            if rest.starts_with(|c: char| c.is_ascii_uppercase()) {
                return rest.to_string();
            }
        }
        return format!("{base}Kind");
    }
    fallback.to_string()
}

pub(super) fn union_members(value: &Value) -> Option<Vec<String>> {
    let parts = value
        .get("oneOf")
        .or_else(|| value.get("anyOf"))?
        .as_array()?;
    parts
        .iter()
        .map(|p| ref_target(p).map(str::to_string))
        .collect()
}

/// Unwraps one-member compositions and gives every inline union a name.
pub(super) fn hoist_inline_unions(doc: &mut Value) {
    // A one-member composition is just that member.
    visit_mut(doc, &mut |value| {
        for key in ["oneOf", "anyOf", "allOf"] {
            let single = value
                .get(key)
                .and_then(Value::as_array)
                .filter(|parts| parts.len() == 1)
                .map(|parts| parts[0].clone());
            let (Some(member), Some(map)) = (single, value.as_object_mut()) else {
                continue;
            };
            if member.get("$ref").is_some() {
                // The reference stands for the composition; a description
                // stays beside it as a note for the generated docs.
                let description = value.get("description").cloned();
                *value = member;
                if let Some(description) = description {
                    value["description"] = description;
                }
                return;
            }
            map.remove(key);
            for (k, v) in member.as_object().into_iter().flatten() {
                map.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    });

    let snapshot = doc.clone();
    let mut named: BTreeMap<Vec<String>, String> = BTreeMap::new();
    // Unions that are already named keep their names.
    for (name, schema) in schemas(&snapshot) {
        if let Some(members) = union_members(schema) {
            named.entry(members).or_insert_with(|| name.clone());
        }
    }
    let mut new_schemas: BTreeMap<String, Value> = BTreeMap::new();
    let component_names: BTreeSet<String> = schemas(&snapshot).keys().cloned().collect();
    let mut hoist = |value: &mut Value, fallback: &str| {
        visit_mut(value, &mut |v| {
            let Some(members) = union_members(v) else {
                return;
            };
            if members.len() < 2 {
                return;
            }
            let name = named
                .entry(members.clone())
                .or_insert_with(|| {
                    let mut name = union_name(&snapshot, &members, fallback);
                    while component_names.contains(&name) || new_schemas.contains_key(&name) {
                        name.push_str("Kind");
                    }
                    new_schemas.insert(name.clone(), json!({ "oneOf": members.iter().map(|m| schema_ref(m)).collect::<Vec<_>>() }));
                    name
                })
                .clone();
            *v = schema_ref(&name);
        });
    };
    // Inside component schemas (not the component itself).
    let names: Vec<String> = schemas(doc).keys().cloned().collect();
    for name in names {
        let schema = schemas_mut(doc).get_mut(&name).expect("listed above");
        if let Some(map) = schema.as_object_mut() {
            for (key, inner) in map.iter_mut() {
                if key != "oneOf" && key != "anyOf" {
                    hoist(inner, &format!("{name}Kind"));
                }
            }
        }
    }
    // Inside operations (the paths are taken out while `hoist` is busy).
    let mut paths = json!({ "paths": std::mem::take(&mut doc["paths"]) });
    let _ = for_each_operation_mut(&mut paths, |_, _, _, operation| {
        let id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .map(naming::builder_name)
            .unwrap_or_default();
        hoist(operation, &format!("{id}Body"));
        Ok::<(), ()>(())
    });
    doc["paths"] = paths["paths"].take();
    schemas_mut(doc).extend(new_schemas);
}

/// Marks every named union with how its members are told apart.
pub(super) fn mark_unions(doc: &mut Value) {
    let snapshot = doc.clone();
    for schema in schemas_mut(doc).values_mut() {
        let Some(members) = union_members(schema) else {
            continue;
        };
        let member_schemas: Vec<&Value> = members
            .iter()
            .filter_map(|m| schemas(&snapshot).get(m))
            .collect();
        let declared = schema
            .get("discriminator")
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let property = declared.or_else(|| {
            let all_have = |p: &str| {
                member_schemas
                    .iter()
                    .all(|s| s.get("properties").and_then(|ps| ps.get(p)).is_some())
            };
            all_have("resourceType").then(|| "resourceType".to_string())
        });
        let Some(property) = property else { continue };
        let mut variants = Vec::new();
        let mut tags = BTreeSet::new();
        for member in &members {
            let single = schemas(&snapshot)
                .get(member)
                .and_then(|s| s.get("properties"))
                .and_then(|ps| ps.get(&property))
                .and_then(|p| p.get("enum"))
                .and_then(Value::as_array)
                .filter(|values| values.len() == 1)
                .and_then(|values| values[0].as_str())
                .map(str::to_string);
            let tag = single.unwrap_or_else(|| member.clone());
            // Two members with one tag cannot be told apart; the first wins.
            if tags.insert(tag.clone()) {
                variants.push(json!([tag, member]));
            }
        }
        schema[TAGGED_UNION] = json!({ "property": property, "variants": variants });
    }
}

// ----------------------------------------------------------------- allOf

pub(super) fn flatten_all_of(doc: &mut Value) -> Result<(), Problem> {
    let snapshot = doc.clone();
    let names: Vec<String> = schemas(doc).keys().cloned().collect();
    for name in &names {
        let flat = flatten_schema(&snapshot, &schemas(&snapshot)[name], 0)
            .map_err(|p| Problem(format!("schema `{name}`: {p}")))?;
        schemas_mut(doc).insert(name.clone(), flat);
    }
    // allOf inside properties and elsewhere.
    let mut failure = None;
    visit_mut(doc, &mut |value| {
        if value.get("allOf").is_some() && failure.is_none() {
            match flatten_schema(&snapshot, value, 0) {
                Ok(flat) => *value = flat,
                Err(p) => failure = Some(p),
            }
        }
    });
    match failure {
        Some(p) => Err(p),
        None => Ok(()),
    }
}

pub(super) fn flatten_schema(doc: &Value, schema: &Value, depth: usize) -> Result<Value, Problem> {
    if depth > 32 {
        return problem("its allOf chain refers back to itself");
    }
    let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
        return Ok(schema.clone());
    };
    let mut properties: Vec<(String, Value)> = Vec::new();
    let mut required: Vec<String> = Vec::new();
    let mut merged = Map::new();
    merged.insert("type".into(), json!("object"));
    for part in parts {
        let part = if let Some(mut target) = ref_target(part) {
            // Follow schemas that are themselves only a reference.
            let mut base = schemas(doc)
                .get(target)
                .ok_or_else(|| Problem(format!("allOf refers to missing schema `{target}`")))?;
            for _ in 0..16 {
                match ref_target(base) {
                    Some(next) => {
                        target = next;
                        base = schemas(doc).get(target).ok_or_else(|| {
                            Problem(format!("allOf refers to missing schema `{target}`"))
                        })?;
                    }
                    None => break,
                }
            }
            flatten_schema(doc, base, depth + 1)?
        } else {
            flatten_schema(doc, part, depth + 1)?
        };
        if let Some(props) = part.get("properties").and_then(Value::as_object) {
            for (key, value) in props {
                properties.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
                required.retain(|r| !r.eq_ignore_ascii_case(key) || r == key);
                properties.push((key.clone(), value.clone()));
            }
        }
        if let Some(req) = part.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !required.iter().any(|x| x == r) {
                    required.push(r.to_string());
                }
            }
        }
        for key in [
            "description",
            "title",
            "additionalProperties",
            "discriminator",
        ] {
            if let Some(v) = part.get(key) {
                merged.insert(key.into(), v.clone());
            }
        }
    }
    for key in ["description", "title", "nullable"] {
        if let Some(v) = schema.get(key) {
            merged.insert(key.into(), v.clone());
        }
    }
    required.retain(|r| properties.iter().any(|(k, _)| k == r));
    merged.insert(
        "properties".into(),
        Value::Object(properties.into_iter().collect()),
    );
    if !required.is_empty() {
        merged.insert("required".into(), json!(required));
    }
    Ok(Value::Object(merged))
}
