//! Document fix-ups: one OpenAPI 3.0 document in, a generator-ready one out.
//!
//! [`normalize`] is a pure function of the document. It accepts our own
//! `spec/ingestion.json` and Microsoft's published documents alike, and does
//! to both exactly what the generator needs:
//!
//! 1. refuses what cannot be used: not OpenAPI 3.0, a path parameter the
//!    operation does not declare (or declares but does not use), a
//!    reference to a schema that does not exist, two operations that would
//!    get the same method name;
//! 2. renames schemas by the naming rule ([`super::naming`]);
//! 3. per operation: names it when it has no `operationId`; removes the
//!    `Authorization` header parameter (the client adds the header); keeps
//!    one success response (any 2xx, JSON or nothing; a 204 has no body) and
//!    drops the error responses, which the client's error type reads
//!    uniformly from the raw response; keeps only JSON media types;
//! 4. names inline unions (`oneOf` of references) after the base their
//!    members share (`BaseVariant` → `Variant`) and marks them, with the
//!    property and values that tell their members apart, as `x-tagged-union`;
//! 5. flattens `allOf` into plain objects; a later part's property replaces
//!    an earlier one whose name matches in any letter case (the service
//!    reads names case-insensitively and writes the derived spelling);
//! 6. calls a page's link `nextLink`, the name the service sends;
//! 7. drops schemas nothing refers to;
//! 8. moves every string enum into a named schema marked `x-open-enum`,
//!    named `<Schema><Property>` (`Item` added for array items); an enum
//!    parameter reuses a schema enum with the same values, or is named
//!    `<Operation><Parameter>`. The generator turns those into open enums;
//! 9. leaves timestamps as strings: the service's timestamps do not always
//!    carry an offset, and one unparsable date must not fail a whole page;
//! 10. marks secrets inside payloads so that their types hide them: a string
//!     property named `…SasUri` gets format [`SAS_URI`]; one whose name is
//!     secret by [`super::sensitive::is_secret_name`] (`password`,
//!     `…connectionString`, `…ApplicationKey`, `*secret*`…) gets format
//!     [`PASSWORD`];
//! 11. lets every object keep the properties the document does not list
//!     (`additionalProperties: {}`, unless the document says `false`): the
//!     service adds fields over time, and an update is a full replacement,
//!     so a resource read and written back must lose nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::naming::{self, Vocabulary};

/// Extension marking a schema the generator renders as an open string enum.
pub const OPEN_ENUM: &str = "x-open-enum";
/// Extension marking a schema the generator renders as a tagged union.
pub const TAGGED_UNION: &str = "x-tagged-union";

/// Format of a string that is an Azure Storage SAS URL.
pub const SAS_URI: &str = "sas-uri";
/// Format of a string that is a secret.
pub const PASSWORD: &str = "password";

const SCHEMA_REF: &str = "#/components/schemas/";
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of the document in document order: (path, HTTP method,
/// path item, operation). This and [`for_each_operation_mut`] are the one
/// walk over paths × methods.
pub fn each_operation(doc: &Value) -> impl Iterator<Item = (&str, &str, &Value, &Value)> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(method, _)| METHODS.contains(&method.as_str()))
                .map(move |(method, operation)| (path.as_str(), method.as_str(), item, operation))
        })
}

/// The walk of [`each_operation`], changing each operation: `f` gets the
/// path, the method, the path item's shared parameters and the operation.
/// The first error stops the walk.
fn for_each_operation_mut<E>(
    doc: &mut Value,
    mut f: impl FnMut(&str, &str, &[Value], &mut Value) -> Result<(), E>,
) -> Result<(), E> {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if METHODS.contains(&method.as_str()) {
                f(path, method, &shared, operation)?;
            }
        }
    }
    Ok(())
}

/// Why a document cannot be used. The text names the place and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem(pub String);

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn problem<T>(text: impl Into<String>) -> Result<T, Problem> {
    Err(Problem(text.into()))
}

/// Applies every fix-up (see the module documentation) to `doc`.
pub fn normalize(doc: &Value) -> Result<Value, Problem> {
    check_version(doc)?;
    let vocabulary = Vocabulary::from_document(doc);
    let mut doc = doc.clone();
    ensure_object(&mut doc, "components");
    ensure_object(&mut doc["components"], "schemas");

    rename_schemas(&mut doc);
    check_references(&doc)?;
    fix_operations(&mut doc, &vocabulary)?;
    hoist_inline_unions(&mut doc);
    flatten_all_of(&mut doc)?;
    rename_next_links(&mut doc);
    prune_unreferenced(&mut doc);
    mark_unions(&mut doc);
    hoist_enums(&mut doc);
    drop_date_formats(&mut doc);
    mark_secrets(&mut doc);
    keep_unlisted_properties(&mut doc);
    check_unique_operation_ids(&doc)?;
    Ok(doc)
}

fn check_version(doc: &Value) -> Result<(), Problem> {
    let Some(object) = doc.as_object() else {
        return problem("the document is not a JSON object");
    };
    if let Some(version) = object.get("swagger").and_then(Value::as_str) {
        return problem(format!(
            "this is a Swagger {version} document; the generator reads OpenAPI 3.0 \
             (convert it first, for example with swagger2openapi)"
        ));
    }
    match object.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0") => {}
        Some(v) => {
            return problem(format!(
                "this is an OpenAPI {v} document; the generator reads OpenAPI 3.0.x only \
                 (3.1 changed how schemas are written)"
            ))
        }
        None => {
            return problem(
                "the document has no `openapi` version field; is it an OpenAPI 3.0 document?",
            )
        }
    }
    if !object.get("paths").is_some_and(Value::is_object) {
        return problem("the document has no `paths` object");
    }
    Ok(())
}

fn ensure_object(value: &mut Value, key: &str) {
    if !value.get(key).is_some_and(Value::is_object) {
        value[key] = Value::Object(Map::new());
    }
}

fn schemas(doc: &Value) -> &Map<String, Value> {
    doc["components"]["schemas"]
        .as_object()
        .expect("ensured by normalize")
}

fn schemas_mut(doc: &mut Value) -> &mut Map<String, Value> {
    doc["components"]["schemas"]
        .as_object_mut()
        .expect("ensured by normalize")
}

/// Calls `f` on every JSON value in `value`, depth first.
fn visit_mut(value: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    f(value);
    match value {
        Value::Object(map) => map.values_mut().for_each(|v| visit_mut(v, f)),
        Value::Array(items) => items.iter_mut().for_each(|v| visit_mut(v, f)),
        _ => {}
    }
}

fn visit(value: &Value, f: &mut dyn FnMut(&Value)) {
    f(value);
    match value {
        Value::Object(map) => map.values().for_each(|v| visit(v, f)),
        Value::Array(items) => items.iter().for_each(|v| visit(v, f)),
        _ => {}
    }
}

fn ref_target(value: &Value) -> Option<&str> {
    value.get("$ref")?.as_str()?.strip_prefix(SCHEMA_REF)
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("{SCHEMA_REF}{name}") })
}

// ---------------------------------------------------------------- renaming

fn rename_schemas(doc: &mut Value) {
    let originals: Vec<String> = schemas(doc).keys().cloned().collect();
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for original in &originals {
        by_name
            .entry(naming::schema_name(original))
            .or_default()
            .push(original.clone());
    }
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for (name, group) in by_name {
        if group.len() == 1 {
            renames.insert(group[0].clone(), name);
        } else {
            for original in group {
                let qualified = format!("{}{}", naming::schema_area(&original), name);
                renames.insert(original, qualified);
            }
        }
    }
    let old = std::mem::take(schemas_mut(doc));
    let renamed: Map<String, Value> = old
        .into_iter()
        .map(|(k, v)| (renames.get(&k).cloned().unwrap_or(k), v))
        .collect();
    *schemas_mut(doc) = renamed;
    visit_mut(doc, &mut |value| {
        if let Some(Value::String(reference)) = value.get_mut("$ref") {
            if let Some(target) = reference.strip_prefix(SCHEMA_REF) {
                if let Some(new) = renames.get(target) {
                    *reference = format!("{SCHEMA_REF}{new}");
                }
            }
        }
    });
}

fn check_references(doc: &Value) -> Result<(), Problem> {
    let mut missing = BTreeSet::new();
    visit(doc, &mut |value| {
        if let Some(reference) = value.get("$ref").and_then(Value::as_str) {
            if !reference.starts_with("#/") {
                missing.insert(format!(
                    "`{reference}` points outside the document; external references are not supported"
                ));
            } else if resolve_pointer(doc, reference).is_none() {
                missing.insert(format!(
                    "`{reference}` refers to something the document does not define"
                ));
            }
        }
    });
    match missing.into_iter().next() {
        Some(first) => problem(first),
        None => Ok(()),
    }
}

fn resolve_pointer<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    // `components/schemas/Name` keys may contain `/` only escaped as `~1`.
    doc.pointer(pointer)
}

/// Follows a `$ref` (of any component kind) to what it points at.
fn deref<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    let mut current = value;
    for _ in 0..16 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(r) => match resolve_pointer(doc, r) {
                Some(target) => current = target,
                None => return current,
            },
            None => return current,
        }
    }
    current
}

// -------------------------------------------------------------- operations

fn fix_operations(doc: &mut Value, vocabulary: &Vocabulary) -> Result<(), Problem> {
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
fn inline_parameters(doc: &Value, params: &mut Vec<Value>) {
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

fn check_path_parameters(
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
fn template_names(path: &str) -> Vec<String> {
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

fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence == "application/json"
}

fn json_content(content: &Value) -> Option<Value> {
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

fn keep_json_body(doc: &Value, operation: &mut Map<String, Value>) {
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
fn keep_one_success(doc: &Value, operation: &mut Map<String, Value>) {
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

fn check_unique_operation_ids(doc: &Value) -> Result<(), Problem> {
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

// ------------------------------------------------------------------ unions

/// The chain of `allOf` bases of a schema, nearest first.
fn ancestors(doc: &Value, name: &str) -> Vec<String> {
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
fn union_name(doc: &Value, members: &[String], fallback: &str) -> String {
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

fn union_members(value: &Value) -> Option<Vec<String>> {
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
fn hoist_inline_unions(doc: &mut Value) {
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
fn mark_unions(doc: &mut Value) {
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

fn flatten_all_of(doc: &mut Value) -> Result<(), Problem> {
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

fn flatten_schema(doc: &Value, schema: &Value, depth: usize) -> Result<Value, Problem> {
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

// ------------------------------------------------------------------- pages

fn rename_next_links(doc: &mut Value) {
    for schema in schemas_mut(doc).values_mut() {
        let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        if !props.contains_key("value") {
            continue;
        }
        if let Some(link) = props.remove("@odata.nextLink") {
            props.entry("nextLink").or_insert(link);
        }
    }
}

// ----------------------------------------------------------------- pruning

fn prune_unreferenced(doc: &mut Value) {
    let mut reachable: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = Vec::new();
    let note = |value: &Value, queue: &mut Vec<String>| {
        visit(value, &mut |v| {
            if let Some(target) = ref_target(v) {
                queue.push(target.to_string());
            }
        });
    };
    note(&doc["paths"], &mut queue);
    for section in ["parameters", "requestBodies", "responses", "headers"] {
        note(&doc["components"][section], &mut queue);
    }
    while let Some(name) = queue.pop() {
        if reachable.insert(name.clone()) {
            if let Some(schema) = schemas(doc).get(&name) {
                let schema = schema.clone();
                note(&schema, &mut queue);
            }
        }
    }
    schemas_mut(doc).retain(|name, _| reachable.contains(name));
    // Component sections the generator does not read.
    if let Some(components) = doc["components"].as_object_mut() {
        components.remove("examples");
        components.remove("responses");
        components.remove("headers");
    }
}

// ------------------------------------------------------------------- enums

fn is_string_enum(value: &Value) -> bool {
    value
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| !values.is_empty() && values.iter().all(Value::is_string))
        && value
            .get("type")
            .and_then(Value::as_str)
            .is_none_or(|t| t == "string")
}

fn enum_schema(value: &Value) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!("string"));
    out.insert("enum".into(), value["enum"].clone());
    if let Some(d) = value.get("description") {
        out.insert("description".into(), d.clone());
    }
    out.insert(OPEN_ENUM.into(), json!(true));
    Value::Object(out)
}

fn enum_values(value: &Value) -> Vec<String> {
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

fn hoist_enums(doc: &mut Value) {
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
fn hoist_within(
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
    if super::sensitive::is_sas_uri_name(property) {
        Some(SAS_URI)
    } else if super::sensitive::is_secret_name(property) {
        Some(PASSWORD)
    } else {
        None
    }
}

fn mark_secrets(doc: &mut Value) {
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

fn keep_unlisted_properties(doc: &mut Value) {
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

fn drop_date_formats(doc: &mut Value) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(paths: Value, schemas: Value) -> Value {
        json!({
            "openapi": "3.0.1",
            "info": { "title": "t", "version": "1.0" },
            "paths": paths,
            "components": { "schemas": schemas }
        })
    }

    fn op<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
        &doc["paths"][path][method]
    }

    #[test]
    fn refuses_other_versions() {
        let mut d = doc(json!({}), json!({}));
        d["openapi"] = json!("3.1.0");
        assert!(normalize(&d).unwrap_err().0.contains("3.1.0"));
        let swagger = json!({ "swagger": "2.0", "paths": {} });
        assert!(normalize(&swagger).unwrap_err().0.contains("Swagger 2.0"));
        assert!(normalize(&json!([1]))
            .unwrap_err()
            .0
            .contains("not a JSON object"));
    }

    #[test]
    fn names_operations_and_drops_authorization() {
        let d = doc(
            json!({ "/products": { "get": {
                "parameters": [
                    { "name": "Authorization", "in": "header", "required": true, "schema": { "type": "string" } },
                    { "name": "$filter", "in": "query", "schema": { "type": "string" } }
                ],
                "responses": { "200": { "description": "ok" } }
            } } }),
            json!({}),
        );
        let out = normalize(&d).unwrap();
        let get = op(&out, "/products", "get");
        assert_eq!(get["operationId"], "list_products");
        let params = get["parameters"].as_array().unwrap();
        assert_eq!(params.len(), 1);
        assert_eq!(params[0]["name"], "$filter");
    }

    #[test]
    fn keeps_existing_operation_ids() {
        let d = doc(
            json!({ "/products": { "get": { "operationId": "mine", "responses": {} } } }),
            json!({}),
        );
        assert_eq!(
            op(&normalize(&d).unwrap(), "/products", "get")["operationId"],
            "mine"
        );
    }

    #[test]
    fn one_success_and_no_errors() {
        let d = doc(
            json!({ "/products": { "post": {
                "requestBody": { "content": {
                    "application/json": { "schema": { "$ref": "#/components/schemas/A" } },
                    "text/plain": { "schema": { "type": "string" } }
                } },
                "responses": {
                    "201": { "description": "made", "content": {
                        "application/json": { "schema": { "$ref": "#/components/schemas/A" } },
                        "text/json": { "schema": { "$ref": "#/components/schemas/A" } }
                    } },
                    "400": { "description": "bad", "content": { "application/json": { "schema": { "type": "string" } } } },
                    "default": { "description": "x", "content": { "application/json": { "schema": { "type": "string" } } } }
                }
            } } }),
            json!({ "A": { "type": "object", "properties": { "a": { "type": "string" } } } }),
        );
        let out = normalize(&d).unwrap();
        let post = op(&out, "/products", "post");
        let responses = post["responses"].as_object().unwrap();
        assert_eq!(responses.keys().collect::<Vec<_>>(), ["2XX"]);
        assert_eq!(
            responses["2XX"]["content"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["application/json"]
        );
        assert_eq!(
            post["requestBody"]["content"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["application/json"]
        );
    }

    #[test]
    fn no_content_answers_have_no_body() {
        let d = doc(
            json!({ "/products/{productID}": {
                "parameters": [ { "name": "productID", "in": "path", "required": true, "schema": { "type": "string" } } ],
                "delete": { "responses": {
                    "204": { "description": "gone", "content": { "application/json": { "schema": { "type": "string" } } } }
                } }
            } }),
            json!({}),
        );
        let out = normalize(&d).unwrap();
        let delete = op(&out, "/products/{productID}", "delete");
        assert_eq!(delete["operationId"], "delete_product");
        assert!(delete["responses"]["2XX"].get("content").is_none());
    }

    #[test]
    fn path_parameters_must_match_the_template() {
        let undeclared = doc(
            json!({ "/products/{productID}": { "get": { "responses": {} } } }),
            json!({}),
        );
        let p = normalize(&undeclared).unwrap_err().0;
        assert!(
            p.contains("GET /products/{productID}") && p.contains("`productID`"),
            "{p}"
        );
        let unused = doc(
            json!({ "/products": { "get": {
                "parameters": [ { "name": "x", "in": "path", "required": true, "schema": { "type": "string" } } ],
                "responses": {} } } }),
            json!({}),
        );
        assert!(normalize(&unused)
            .unwrap_err()
            .0
            .contains("declared but the path has no `{x}`"));
    }

    #[test]
    fn duplicate_method_names_are_refused() {
        let d = doc(
            json!({
                "/a": { "get": { "operationId": "listThings", "responses": {} } },
                "/b": { "get": { "operationId": "list_things", "responses": {} } }
            }),
            json!({}),
        );
        let p = normalize(&d).unwrap_err().0;
        assert!(
            p.contains("list_things") && p.contains("GET /a") && p.contains("GET /b"),
            "{p}"
        );
    }

    #[test]
    fn missing_references_are_refused() {
        let d = doc(
            json!({ "/a": { "get": { "responses": { "200": { "description": "x",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Nope" } } } } } } } }),
            json!({}),
        );
        assert!(normalize(&d)
            .unwrap_err()
            .0
            .contains("#/components/schemas/Nope"));
    }

    #[test]
    fn schemas_are_renamed_flattened_and_pruned() {
        let ns = "Microsoft.Ingestion.Api.Models";
        let d = doc(
            json!({ "/products": { "get": { "responses": { "200": { "description": "x", "content": {
                "application/json": { "schema": { "$ref": format!("#/components/schemas/{ns}.Common.PagedCollection_{ns}.Products.BaseProduct_") } } } } } } } }),
            json!({
                format!("{ns}.Common.PagedCollection"): { "type": "object", "properties": { "@odata.nextLink": { "type": "string" } } },
                format!("{ns}.Common.PagedCollection_{ns}.Products.BaseProduct_"): { "allOf": [
                    { "$ref": format!("#/components/schemas/{ns}.Common.PagedCollection") },
                    { "type": "object", "properties": { "value": { "type": "array", "items": { "$ref": format!("#/components/schemas/{ns}.Products.AzureProduct") } } } }
                ] },
                format!("{ns}.Products.BaseProduct"): { "type": "object", "properties": {
                    "externalIds": { "type": "array", "items": { "type": "string" } },
                    "resourceType": { "type": "string", "enum": ["A", "B", "C"] }
                } },
                format!("{ns}.Products.AzureProduct"): { "allOf": [
                    { "$ref": format!("#/components/schemas/{ns}.Products.BaseProduct") },
                    { "type": "object", "properties": {
                        "externalIDs": { "type": "array", "items": { "type": "string" } },
                        "resourceType": { "type": "string", "enum": ["A", "B"] }
                    } }
                ] },
                format!("{ns}.Products.Unused"): { "type": "object" }
            }),
        );
        let out = normalize(&d).unwrap();
        let schemas = out["components"]["schemas"].as_object().unwrap();
        let mut names: Vec<&String> = schemas.keys().collect();
        names.sort();
        assert_eq!(
            names,
            ["AzureProduct", "AzureProductResourceType", "ProductPage"]
        );
        let product = &schemas["AzureProduct"]["properties"];
        assert!(product.get("externalIDs").is_some());
        assert!(
            product.get("externalIds").is_none(),
            "the base spelling is replaced"
        );
        assert_eq!(
            product["resourceType"]["$ref"],
            "#/components/schemas/AzureProductResourceType"
        );
        assert_eq!(
            schemas["AzureProductResourceType"]["enum"],
            json!(["A", "B"])
        );
        assert_eq!(schemas["AzureProductResourceType"][OPEN_ENUM], true);
        let page = &schemas["ProductPage"]["properties"];
        assert!(page.get("nextLink").is_some() && page.get("@odata.nextLink").is_none());
        assert_eq!(
            page["value"]["items"]["$ref"],
            "#/components/schemas/AzureProduct"
        );
        assert!(!out.to_string().contains("Microsoft.Ingestion"));
    }

    #[test]
    fn inline_unions_are_named_for_their_base_and_tagged() {
        let variant = |name: &str| {
            json!({ "allOf": [
                { "$ref": "#/components/schemas/BaseVariant" },
                { "type": "object", "properties": { "resourceType": { "type": "string", "enum": [name] } } }
            ] })
        };
        let union = json!({ "oneOf": [
            { "$ref": "#/components/schemas/AzureSkuVariant" },
            { "$ref": "#/components/schemas/AzureTestDriveVariant" }
        ] });
        let d = doc(
            json!({ "/products/{productID}/variants": {
                "parameters": [ { "name": "productID", "in": "path", "required": true, "schema": { "type": "string" } } ],
                "post": {
                    "requestBody": { "content": { "application/json": { "schema": union.clone() } } },
                    "responses": { "201": { "description": "x", "content": { "application/json": { "schema": union } } } }
                } } }),
            json!({
                "BaseVariant": { "type": "object", "properties": { "friendlyName": { "type": "string" } } },
                "AzureSkuVariant": variant("AzureSkuVariant"),
                "AzureTestDriveVariant": variant("AzureTestDriveVariant")
            }),
        );
        let out = normalize(&d).unwrap();
        let post = op(&out, "/products/{productID}/variants", "post");
        assert_eq!(post["operationId"], "create_variant");
        let body = &post["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(body["$ref"], "#/components/schemas/Variant");
        let tagged = &out["components"]["schemas"]["Variant"][TAGGED_UNION];
        assert_eq!(tagged["property"], "resourceType");
        assert_eq!(
            tagged["variants"],
            json!([
                ["AzureSkuVariant", "AzureSkuVariant"],
                ["AzureTestDriveVariant", "AzureTestDriveVariant"]
            ])
        );
    }

    #[test]
    fn enum_parameters_reuse_schema_enums() {
        let d = doc(
            json!({ "/products/{productID}/branches/getByModule(module={module})": { "get": {
                "parameters": [
                    { "name": "productID", "in": "path", "required": true, "schema": { "type": "string" } },
                    { "name": "module", "in": "path", "required": true, "schema": { "type": "string", "enum": ["Listing", "Package"] } }
                ],
                "responses": { "200": { "description": "x", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Branch" } } } } }
            } } }),
            json!({ "Branch": { "type": "object", "properties": { "module": { "type": "string", "enum": ["Package", "Listing"] } } } }),
        );
        let out = normalize(&d).unwrap();
        let get = op(
            &out,
            "/products/{productID}/branches/getByModule(module={module})",
            "get",
        );
        assert_eq!(get["operationId"], "list_branches_by_module");
        assert_eq!(
            get["parameters"][1]["schema"]["$ref"],
            "#/components/schemas/BranchModule"
        );
    }

    #[test]
    fn bases_that_are_only_a_reference_keep_their_properties() {
        let d = doc(
            json!({ "/a": { "get": { "responses": { "200": { "description": "x", "content": {
                "application/json": { "schema": { "$ref": "#/components/schemas/Derived" } } } } } } } }),
            json!({
                "Entity": { "type": "object", "properties": { "@odata.etag": { "type": "string" } } },
                "Base": { "allOf": [ { "$ref": "#/components/schemas/Entity" } ] },
                "Derived": { "allOf": [ { "$ref": "#/components/schemas/Base" }, { "type": "object", "properties": { "x": { "type": "string" } } } ] }
            }),
        );
        let out = normalize(&d).unwrap();
        let props = &out["components"]["schemas"]["Derived"]["properties"];
        assert!(
            props.get("@odata.etag").is_some() && props.get("x").is_some(),
            "{props}"
        );
    }

    #[test]
    fn secrets_are_marked() {
        let d = doc(
            json!({ "/a": { "get": { "responses": { "200": { "description": "x", "content": {
                "application/json": { "schema": { "$ref": "#/components/schemas/A" } } } } } } } }),
            json!({ "A": { "type": "object", "properties": {
                "fileSasUri": { "type": "string" },
                "password": { "type": "string" },
                "connectionString": { "type": "string" },
                "azureActiveDirectoryApplicationKey": { "type": "string" },
                "fileName": { "type": "string" }
            } } }),
        );
        let out = normalize(&d).unwrap();
        let props = &out["components"]["schemas"]["A"]["properties"];
        assert_eq!(props["fileSasUri"]["format"], SAS_URI);
        assert_eq!(props["password"]["format"], PASSWORD);
        assert_eq!(props["connectionString"]["format"], PASSWORD);
        assert_eq!(
            props["azureActiveDirectoryApplicationKey"]["format"],
            PASSWORD
        );
        assert!(props["fileName"].get("format").is_none());
    }

    #[test]
    fn objects_keep_unlisted_properties() {
        let d = doc(
            json!({ "/a": { "get": { "responses": { "200": { "description": "x", "content": {
                "application/json": { "schema": { "$ref": "#/components/schemas/A" } } } } } } } }),
            json!({
                "A": { "type": "object", "properties": { "b": { "$ref": "#/components/schemas/B" } } },
                "B": { "type": "object", "properties": { "x": { "type": "string" } }, "additionalProperties": false }
            }),
        );
        let out = normalize(&d).unwrap();
        assert_eq!(
            out["components"]["schemas"]["A"]["additionalProperties"],
            json!({})
        );
        assert_eq!(
            out["components"]["schemas"]["B"]["additionalProperties"],
            json!(false)
        );
    }

    #[test]
    fn timestamps_stay_strings() {
        let d = doc(
            json!({ "/a": { "get": { "responses": { "200": { "description": "x", "content": {
                "application/json": { "schema": { "$ref": "#/components/schemas/A" } } } } } } } }),
            json!({ "A": { "type": "object", "properties": { "at": { "type": "string", "format": "date-time" } } } }),
        );
        let out = normalize(&d).unwrap();
        assert!(out["components"]["schemas"]["A"]["properties"]["at"]
            .get("format")
            .is_none());
    }
}
