//! What the document implies the passes will find, and the tally of what
//! they did: the build stops when the two differ (see the generator
//! contract in `src/codegen/polish.rs`).

use serde_json::Value;

/// Where a maintainer reads about a mismatch.
const SEE: &str = "progenitor's output changed; see src/codegen/polish.rs";

/// Counts the document implies, read from the normalized document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Expected {
    /// Operations (each one request builder with one `send`).
    pub operations: usize,
    /// Operations whose success answer has a JSON body.
    pub json_successes: usize,
    /// Operations whose success answer is a page (`value` array and
    /// `nextLink`).
    pub pages: usize,
    /// Object schemas of `components` that keep unlisted properties
    /// (`additionalProperties` other than `false`); inline ones add more.
    pub open_objects: usize,
    /// `Client` constructors (`new`, `new_with_client`); progenitor always
    /// writes both.
    pub constructors: usize,
}

impl Expected {
    /// What `doc` (normalized) implies.
    pub fn from_doc(doc: &Value) -> Expected {
        let mut expected = Expected {
            constructors: 2,
            ..Expected::default()
        };
        for (_, _, _, operation) in super::super::normalize::each_operation(doc) {
            if operation
                .get("operationId")
                .and_then(Value::as_str)
                .is_none()
            {
                continue;
            }
            expected.operations += 1;
            let bodies = success_bodies(doc, operation);
            if !bodies.is_empty() {
                expected.json_successes += 1;
            }
            if bodies.iter().any(|schema| is_page(doc, schema)) {
                expected.pages += 1;
            }
        }
        if let Some(schemas) = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            expected.open_objects = schemas.values().filter(|s| is_open_object(s)).count();
        }
        expected
    }
}

/// The JSON schemas of the success answers (2xx, or `default` when there
/// is no 2xx) of `operation`.
fn success_bodies<'a>(doc: &'a Value, operation: &'a Value) -> Vec<&'a Value> {
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        return Vec::new();
    };
    let has_2xx = responses.keys().any(|code| code.starts_with('2'));
    responses
        .iter()
        .filter(|(code, _)| code.starts_with('2') || (!has_2xx && code.as_str() == "default"))
        .filter_map(|(_, response)| {
            let content = deref(doc, response).get("content")?.as_object()?;
            content
                .iter()
                .find(|(media, _)| media.contains("json"))
                .and_then(|(_, media)| media.get("schema"))
        })
        .collect()
}

/// Follows a local `$ref` (a few times at most).
fn deref<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match reference.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

/// Whether `schema` has a `value` array and a `nextLink` (also through
/// `allOf`).
fn is_page(doc: &Value, schema: &Value) -> bool {
    let mut has_value = false;
    let mut has_link = false;
    let mut todo = vec![deref(doc, schema)];
    while let Some(schema) = todo.pop() {
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            has_value |= properties
                .get("value")
                .map(|v| deref(doc, v))
                .and_then(|v| v.get("type"))
                .and_then(Value::as_str)
                == Some("array");
            has_link |= properties.contains_key("nextLink");
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            todo.extend(parts.iter().map(|p| deref(doc, p)));
        }
    }
    has_value && has_link
}

fn is_open_object(schema: &Value) -> bool {
    let has_properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty());
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    has_properties && !closed
}

/// One count of the contract: what a pass was to find, and what it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    /// What is counted, in the plural (`` `send` methods ``).
    pub what: &'static str,
    /// What the pass did to them (`wrapped`).
    pub done_verb: &'static str,
    /// What the document (or the contract) implies.
    pub expected: usize,
    /// What the pass did.
    pub done: usize,
    /// `expected` is a floor, not an exact number.
    pub at_least: bool,
}

impl Count {
    /// A count that must be exactly `expected`.
    pub fn exactly(what: &'static str, done_verb: &'static str, expected: usize) -> Count {
        Count {
            what,
            done_verb,
            expected,
            done: 0,
            at_least: false,
        }
    }

    /// A count that must be `expected` or more.
    pub fn at_least(what: &'static str, done_verb: &'static str, expected: usize) -> Count {
        Count {
            at_least: true,
            ..Count::exactly(what, done_verb, expected)
        }
    }

    fn holds(&self) -> bool {
        if self.at_least {
            self.done >= self.expected
        } else {
            self.done == self.expected
        }
    }
}

/// Every count of one run of the passes.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// The counts, in the order the passes ran.
    pub counts: Vec<Count>,
}

impl Tally {
    /// Records `count` with `done` filled in.
    pub fn record(&mut self, mut count: Count, done: usize) {
        count.done = done;
        self.counts.push(count);
    }

    /// One message naming every count that does not hold, or `Ok`.
    pub fn check(&self) -> Result<(), String> {
        let wrong: Vec<String> = self
            .counts
            .iter()
            .filter(|c| !c.holds())
            .map(|c| {
                format!(
                    "expected {}{} {}, {} {}",
                    if c.at_least { "at least " } else { "" },
                    c.expected,
                    c.what,
                    c.done_verb,
                    c.done
                )
            })
            .collect();
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!("{}: {SEE}", wrong.join("; ")))
        }
    }
}
