//! Checking request bodies against the schemas of `spec/ingestion.json`.
//!
//! Field names are matched case-insensitively and rewritten to the spelling
//! of the document. JSON types are checked; enum values are not (the service
//! takes values no document lists), except that a `resourceType` naming a
//! different known resource is refused. Fields the document does not know are
//! kept as they are.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The document the routes and schemas come from, embedded at build time.
const SPEC_TEXT: &str = include_str!("../spec/ingestion.json");

/// The parsed document, shared by every emulator of the process.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::from_str(SPEC_TEXT).unwrap_or(Value::Null))
}

/// The document's schemas, prepared once.
pub fn schemas() -> &'static Schemas<'static> {
    static SCHEMAS: OnceLock<Schemas<'static>> = OnceLock::new();
    SCHEMAS.get_or_init(|| Schemas::new(spec()))
}

/// A field that failed, and why.
pub type Problem = (String, String);

/// The schemas of the document.
pub struct Schemas<'a> {
    schemas: &'a Map<String, Value>,
    /// Every `resourceType` value any schema names.
    known_types: BTreeSet<String>,
}

/// An object schema with all `allOf` parts merged.
struct Flat<'a> {
    properties: Vec<(&'a str, &'a Value)>,
}

impl<'a> Schemas<'a> {
    pub fn new(spec: &'a Value) -> Schemas<'a> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let schemas = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new));
        let mut s = Schemas {
            schemas,
            known_types: BTreeSet::new(),
        };
        let names: Vec<&String> = schemas.keys().collect();
        for name in names {
            for t in s.resource_types(&Value::String(format!("#/components/schemas/{name}")), 0) {
                s.known_types.insert(t.to_ascii_lowercase());
            }
        }
        s
    }

    fn by_name(&self, name: &str) -> Option<&'a Value> {
        self.schemas.get(name)
    }

    /// The `resourceType` values a schema allows (empty: any).
    fn resource_types(&self, schema: &Value, depth: usize) -> Vec<String> {
        if depth > 16 {
            return Vec::new();
        }
        // `schema` may be a bare `$ref` string wrapper built by `new`.
        let schema: &Value = match schema.as_str() {
            Some(r) => match r.rsplit('/').next().and_then(|n| self.schemas.get(n)) {
                Some(s) => s,
                None => return Vec::new(),
            },
            None => self.resolve(schema),
        };
        if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
            return alts
                .iter()
                .flat_map(|a| self.resource_types(a, depth + 1))
                .collect();
        }
        let mut flat = Flat {
            properties: Vec::new(),
        };
        self.flatten(schema, depth, &mut flat);
        flat.properties
            .iter()
            .find(|(k, _)| *k == "resourceType")
            .and_then(|(_, v)| v.get("enum"))
            .and_then(Value::as_array)
            .map(|e| {
                e.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn resolve<'b>(&self, schema: &'b Value) -> &'b Value
    where
        'a: 'b,
    {
        let mut cur = schema;
        for _ in 0..16 {
            match cur.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.rsplit('/').next().and_then(|n| self.schemas.get(n)) {
                    Some(next) => cur = next,
                    None => return cur,
                },
                None => return cur,
            }
        }
        cur
    }

    fn flatten<'b>(&self, schema: &'b Value, depth: usize, out: &mut Flat<'b>)
    where
        'a: 'b,
    {
        if depth > 16 {
            return;
        }
        let schema = self.resolve(schema);
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            for p in parts {
                self.flatten(p, depth + 1, out);
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                out.properties.retain(|(name, _)| *name != k.as_str());
                out.properties.push((k.as_str(), v));
            }
        }
    }

    /// Checks a request body against the named schema and returns it with
    /// the document's field spelling, or the problems found.
    pub fn check(&self, schema_name: &str, body: &Value) -> Result<Value, Vec<Problem>> {
        let Some(schema) = self.by_name(schema_name) else {
            return Ok(body.clone());
        };
        let mut problems = Vec::new();
        if !body.is_object() {
            problems.push((
                "body".to_string(),
                "The body must be a JSON object.".to_string(),
            ));
            return Err(problems);
        }
        let allowed = self.resource_types(schema, 0);
        let given = body
            .as_object()
            .and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("resourceType"))
            })
            .map(|(_, v)| v);
        let mut chosen = schema;
        if let Some(given) = given {
            match given.as_str() {
                None if !given.is_null() => {
                    problems.push((
                        "resourceType".into(),
                        "The field resourceType must be a string.".into(),
                    ));
                }
                Some(t) => {
                    let known = self.known_types.contains(&t.to_ascii_lowercase());
                    let fits =
                        allowed.is_empty() || allowed.iter().any(|a| a.eq_ignore_ascii_case(t));
                    if known && !fits {
                        problems.push((
                            "resourceType".into(),
                            format!(
                                "The resourceType {t} does not belong here; expected one of {}.",
                                allowed.join(", ")
                            ),
                        ));
                    }
                    chosen = self.pick_alternative(schema, t);
                }
                None => {}
            }
        }
        let out = self.walk(chosen, body, "", 0, &mut problems);
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    /// For a `oneOf`, the alternative whose `resourceType` is `t`.
    fn pick_alternative(&self, schema: &'a Value, t: &str) -> &'a Value {
        let resolved = self.resolve(schema);
        if let Some(alts) = resolved.get("oneOf").and_then(Value::as_array) {
            for alt in alts {
                if self
                    .resource_types(alt, 0)
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(t))
                {
                    return alt;
                }
            }
        }
        schema
    }

    fn walk(
        &self,
        schema: &'a Value,
        value: &Value,
        path: &str,
        depth: usize,
        problems: &mut Vec<Problem>,
    ) -> Value {
        let schema = self.resolve(schema);
        if depth > 32 {
            return value.clone();
        }
        if value.is_null() {
            return Value::Null;
        }
        if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
            let t = value
                .as_object()
                .and_then(|o| {
                    o.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("resourceType"))
                })
                .and_then(|(_, v)| v.as_str());
            let alt = match t {
                Some(t) => self.pick_alternative(schema, t),
                None => alts.first().unwrap_or(schema),
            };
            if !std::ptr::eq(alt, schema) {
                return self.walk(alt, value, path, depth + 1, problems);
            }
        }
        let field = if path.is_empty() { "body" } else { path };
        let ty = schema.get("type").and_then(Value::as_str);
        let is_object_schema = ty == Some("object")
            || schema.get("allOf").is_some()
            || schema.get("properties").is_some();
        match ty {
            Some("string") if !value.is_string() => {
                problems.push((field.into(), format!("The field {field} must be a string.")));
            }
            Some("integer") if !(value.is_i64() || value.is_u64()) => {
                problems.push((
                    field.into(),
                    format!("The field {field} must be an integer."),
                ));
            }
            Some("number") if !value.is_number() => {
                problems.push((field.into(), format!("The field {field} must be a number.")));
            }
            Some("boolean") if !value.is_boolean() => {
                problems.push((
                    field.into(),
                    format!("The field {field} must be true or false."),
                ));
            }
            Some("array") => match value.as_array() {
                None => {
                    problems.push((field.into(), format!("The field {field} must be an array.")))
                }
                Some(items) => {
                    let item_schema = schema.get("items");
                    return Value::Array(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| match item_schema {
                                Some(s) => {
                                    self.walk(s, v, &format!("{path}[{i}]"), depth + 1, problems)
                                }
                                None => v.clone(),
                            })
                            .collect(),
                    );
                }
            },
            _ if is_object_schema => match value.as_object() {
                None => problems.push((
                    field.into(),
                    format!("The field {field} must be an object."),
                )),
                Some(obj) => {
                    let mut flat = Flat {
                        properties: Vec::new(),
                    };
                    self.flatten(schema, depth, &mut flat);
                    let mut out = Map::new();
                    for (k, v) in obj {
                        match flat
                            .properties
                            .iter()
                            .find(|(name, _)| name.eq_ignore_ascii_case(k))
                        {
                            Some((name, s)) => {
                                let sub = if path.is_empty() {
                                    name.to_string()
                                } else {
                                    format!("{path}.{name}")
                                };
                                let checked = self.walk(s, v, &sub, depth + 1, problems);
                                out.insert(name.to_string(), checked);
                            }
                            None => {
                                out.insert(k.clone(), v.clone());
                            }
                        }
                    }
                    return Value::Object(out);
                }
            },
            _ => {}
        }
        value.clone()
    }
}

/// Fields a create must carry, beyond what the document's types say.
pub fn required_on_create(operation: &str) -> &'static [&'static str] {
    match operation {
        "create_product" => &["resourceType", "name"],
        "create_variant" => &["resourceType"],
        "create_submission" => &["targets"],
        "create_listing_image"
        | "create_listing_video"
        | "create_package"
        | "create_listing_asset"
        | "create_cosell_asset" => &["fileName"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn names_are_normalised_and_types_checked() {
        let s = super::schemas();
        let v = s
            .check("AzureProduct", &json!({"ResourceType": "AzureApplication", "externalIds": [{"TYPE": "AzureOfferId", "value": "x"}], "extra": 1}))
            .unwrap();
        assert_eq!(
            v,
            json!({"resourceType": "AzureApplication", "externalIDs": [{"type": "AzureOfferId", "value": "x"}], "extra": 1})
        );
        let e = s.check("AzureProduct", &json!({"name": 5})).unwrap_err();
        assert_eq!(e[0].0, "name");
        let e = s
            .check("AzureProduct", &json!({"resourceType": "ListingImage"}))
            .unwrap_err();
        assert_eq!(e[0].0, "resourceType");
        assert!(s
            .check(
                "AzureProduct",
                &json!({"resourceType": "AzureBrandNewThing"})
            )
            .is_ok());
        assert!(s
            .check(
                "Variant",
                &json!({"resourceType": "AzureSkuVariant", "externalID": "p"})
            )
            .is_ok());
        assert!(s
            .check(
                "Variant",
                &json!({"resourceType": "AzureSkuVariant", "externalID": 3})
            )
            .is_err());
    }
}
