//! Routing of ingestion requests, derived from the paths of `spec/ingestion.json`.
//!
//! Each path of the document becomes a template of segments. A segment is
//! matched case-insensitively; a `{param}` inside a segment (also inside OData
//! function syntax such as `getByModule(module={module})`) captures the text
//! between the literal prefix and suffix. When several templates match, the
//! one with the most literal text wins, so `listings/getByInstanceID(…)` beats
//! `listings/{listingID}`.

use std::collections::HashMap;

use serde_json::Value;

/// One segment of a path template.
#[derive(Debug, Clone)]
struct Segment {
    /// Lower-cased text before the parameter (the whole segment if none).
    prefix: String,
    /// The parameter's name, if the segment has one.
    param: Option<String>,
    /// Lower-cased text after the parameter.
    suffix: String,
}

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: String,
    pub operation_id: String,
    /// The `$ref` name of the request body schema, if any.
    pub body_schema: Option<String>,
    /// The success status the document gives.
    pub success: u16,
    segments: Vec<Segment>,
    literal_len: usize,
}

/// A matched operation with its path parameters.
#[derive(Debug)]
pub struct Matched<'a> {
    pub route: &'a Route,
    pub params: HashMap<String, String>,
}

/// All operations of the document.
#[derive(Debug)]
pub struct Router {
    routes: Vec<Route>,
}

fn parse_segment(text: &str) -> Segment {
    match (text.find('{'), text.find('}')) {
        (Some(open), Some(close)) if open < close => Segment {
            prefix: text[..open].to_ascii_lowercase(),
            param: Some(text[open + 1..close].to_string()),
            suffix: text[close + 1..].to_ascii_lowercase(),
        },
        _ => Segment {
            prefix: text.to_ascii_lowercase(),
            param: None,
            suffix: String::new(),
        },
    }
}

impl Router {
    /// Reads the operations from the document.
    pub fn from_spec(spec: &Value) -> Router {
        let mut routes = Vec::new();
        let paths = spec.get("paths").and_then(Value::as_object);
        for (path, ops) in paths.into_iter().flatten() {
            let Some(ops) = ops.as_object() else { continue };
            for (method, op) in ops {
                let method = method.to_ascii_uppercase();
                if !["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&method.as_str()) {
                    continue;
                }
                let Some(op_id) = op.get("operationId").and_then(Value::as_str) else {
                    continue;
                };
                let body_schema = op
                    .pointer("/requestBody/content/application~1json/schema/$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.rsplit('/').next())
                    .map(str::to_string);
                let success = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .and_then(|r| {
                        r.keys()
                            .find_map(|k| k.parse::<u16>().ok().filter(|c| (200..300).contains(c)))
                    })
                    .unwrap_or(200);
                let segments: Vec<Segment> = path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(parse_segment)
                    .collect();
                let literal_len = segments
                    .iter()
                    .map(|s| {
                        s.prefix.len() + s.suffix.len() + usize::from(s.param.is_none()) * 1000
                    })
                    .sum();
                routes.push(Route {
                    method,
                    operation_id: op_id.to_string(),
                    body_schema,
                    success,
                    segments,
                    literal_len,
                });
            }
        }
        Router { routes }
    }

    /// How many operations there are.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Finds the operation for a method and a path relative to the base URL.
    /// `Err(true)` means the path exists with another method.
    pub fn find(&self, method: &str, path: &str) -> Result<Matched<'_>, bool> {
        let parts: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        let mut best: Option<Matched<'_>> = None;
        let mut path_exists = false;
        for route in &self.routes {
            let Some(params) = match_route(route, &parts) else {
                continue;
            };
            path_exists = true;
            if !route.method.eq_ignore_ascii_case(method) {
                continue;
            }
            if best
                .as_ref()
                .is_none_or(|b| b.route.literal_len < route.literal_len)
            {
                best = Some(Matched { route, params });
            }
        }
        best.ok_or(path_exists)
    }
}

fn match_route(route: &Route, parts: &[String]) -> Option<HashMap<String, String>> {
    if route.segments.len() != parts.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (seg, part) in route.segments.iter().zip(parts) {
        let lower = part.to_ascii_lowercase();
        match &seg.param {
            None => {
                if lower != seg.prefix {
                    return None;
                }
            }
            Some(name) => {
                if lower.len() < seg.prefix.len() + seg.suffix.len()
                    || !lower.starts_with(&seg.prefix)
                    || !lower.ends_with(&seg.suffix)
                {
                    return None;
                }
                let value = &part[seg.prefix.len()..part.len() - seg.suffix.len()];
                let value = value.trim_matches('\'');
                if value.is_empty() || (seg.prefix.is_empty() && value.contains('(')) {
                    return None;
                }
                params.insert(name.clone(), value.to_string());
            }
        }
    }
    Some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        Router::from_spec(crate::schema::spec())
    }

    #[test]
    fn all_operations_are_read() {
        assert_eq!(router().len(), 78);
    }

    #[test]
    fn function_segments_beat_parameters() {
        let r = router();
        let m = r
            .find(
                "GET",
                "/products/p1/listings/getByInstanceID(instanceID=abc)",
            )
            .unwrap();
        assert_eq!(m.route.operation_id, "get_listing_by_instance_id");
        assert_eq!(m.params["instanceID"], "abc");
        let m = r.find("GET", "/products/p1/listings/l1").unwrap();
        assert_eq!(m.route.operation_id, "get_listing");
        let m = r
            .find("GET", "/products/p1/branches/getByModule(module=Listing)")
            .unwrap();
        assert_eq!(m.params["module"], "Listing");
        let m = r
            .find("GET", "/products/p1/ProductAvailabilities/x")
            .unwrap();
        assert_eq!(m.route.operation_id, "get_product_availability");
        assert!(r.find("GET", "/nothing").is_err());
        assert_eq!(r.find("PATCH", "/products").err(), Some(true));
    }
}
