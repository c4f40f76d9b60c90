//! What the document says a call sends: the HTTP method, the path, and
//! where each parameter goes (path, query or header).

use std::collections::BTreeMap;

use serde_json::Value;

/// One operation of the document, by its method name.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The HTTP method, upper case.
    pub http: String,
    /// The path template (`/products/{productID}`).
    pub template: String,
    /// (name on the wire, where: `path`, `query` or `header`).
    pub parameters: Vec<(String, String)>,
}

/// The request a call must send.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The HTTP method.
    pub http: String,
    /// The path below the API's base path, values percent-encoded.
    pub path: String,
    /// The query pairs, sorted.
    pub query: Vec<(String, String)>,
    /// Header parameters set (lower-case name, value).
    pub headers: Vec<(String, String)>,
}

/// Every operation of `spec/ingestion.json`, by the method name of the
/// operation table the build writes.
pub fn operations() -> BTreeMap<String, Operation> {
    let doc: Value = serde_json::from_str(include_str!("../../spec/ingestion.json"))
        .expect("spec/ingestion.json is JSON");
    let table = include_str!(concat!(env!("OUT_DIR"), "/operations.md"));
    let mut out = BTreeMap::new();
    for line in table.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        let (method, http, template) = (cells[1], cells[2], cells[3]);
        let item = &doc["paths"][template];
        let operation = &item[http.to_lowercase()];
        assert!(
            operation.is_object(),
            "{http} {template} is not in the document"
        );
        let mut parameters = Vec::new();
        for parameter in item["parameters"]
            .as_array()
            .into_iter()
            .chain(operation["parameters"].as_array())
            .flatten()
        {
            let parameter = deref(&doc, parameter);
            let name = parameter["name"].as_str().unwrap_or_default().to_string();
            let place = parameter["in"].as_str().unwrap_or_default().to_string();
            parameters.push((name, place));
        }
        out.insert(
            method.to_string(),
            Operation {
                http: http.to_string(),
                template: template.to_string(),
                parameters,
            },
        );
    }
    out
}

fn deref<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).unwrap_or(value),
        None => value,
    }
}

/// A setter's name and a parameter's name compared without case or
/// punctuation: `skip_token` is `$skipToken`, `if_match` is `If-Match`.
fn key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Percent-encodes a path value: everything but the unreserved characters.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Operation {
    /// The request that setting `set` (setter name, value) must send.
    pub fn request(&self, set: &[(&str, String)]) -> Result<Request, String> {
        let mut path = self.template.clone();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        for (setter, value) in set {
            let Some((name, place)) = self.parameters.iter().find(|(n, _)| key(n) == key(setter))
            else {
                return Err(format!("`{setter}` is not a parameter of the operation"));
            };
            match place.as_str() {
                "path" => path = path.replace(&format!("{{{name}}}"), &encode(value)),
                "query" => query.push((name.clone(), value.clone())),
                "header" => headers.push((name.to_lowercase(), value.clone())),
                other => return Err(format!("`{name}` is a parameter in {other}")),
            }
        }
        if path.contains('{') {
            return Err(format!("a path parameter of {path} is not set"));
        }
        query.sort();
        Ok(Request {
            http: self.http.clone(),
            path,
            query,
            headers,
        })
    }
}
