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
//!
//! Its length (about 730 lines) is half unit tests: each fix-up's tests stay
//! beside the function they check, which is pure and easy to test here.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::naming::{self, Vocabulary};

mod enums;
mod operations;
mod unions;

pub use enums::*;
use operations::*;
use unions::*;

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
