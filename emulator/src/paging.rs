//! Collections as the service sends them: small uneven pages, a `nextLink`
//! relative to the host with a `$skipToken`, and the `$filter` form tools use.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

use crate::http::{query_get, ApiError};

const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// How many items the page starting at `offset` holds: 1 to `max`, uneven.
fn page_len(offset: usize, max: usize) -> usize {
    let mut z = (offset as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^= z >> 27;
    1 + (z % max.max(1) as u64) as usize
}

/// One page of `items` for a request to `path` (relative to the base URL).
pub fn page(
    items: Vec<Value>,
    query: &[(String, String)],
    path: &str,
    max: usize,
) -> Result<Value, ApiError> {
    let offset = match query_get(query, "$skipToken") {
        None => 0,
        Some(tok) => URL_SAFE_NO_PAD
            .decode(tok)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v.get("offset").and_then(Value::as_u64))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "$skipToken",
                    "The skip token is not one this service issued.",
                )
            })? as usize,
    };
    let len = page_len(offset, max);
    let end = offset.saturating_add(len).min(items.len());
    let value: Vec<Value> = items
        .get(offset.min(items.len())..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let mut out = json!({ "value": value });
    if end < items.len() {
        let token = URL_SAFE_NO_PAD.encode(json!({ "offset": end }).to_string());
        let mut link = format!("v1.0/ingestion{path}?");
        for (k, v) in query {
            if k.eq_ignore_ascii_case("$skipToken") {
                continue;
            }
            link.push_str(&format!(
                "{}={}&",
                utf8_percent_encode(k, QUERY_VALUE)
                    .to_string()
                    .replace("%24", "$"),
                utf8_percent_encode(v, QUERY_VALUE)
            ));
        }
        link.push_str(&format!("$skipToken={token}"));
        out["nextLink"] = Value::String(link);
    }
    Ok(out)
}

/// A parsed `$filter`: external ids an item must carry.
#[derive(Debug, PartialEq)]
pub struct Filter {
    kind: Option<String>,
    value: Option<String>,
}

/// Parses `externalIDs/Any(i:i/type eq 'T' and i/value eq 'V')` (either
/// clause may be left out; names are case-insensitive).
pub fn parse_filter(text: &str) -> Result<Filter, ApiError> {
    let unsupported = || {
        ApiError::bad_request(
            "$filter",
            format!("The filter {text:?} is not supported; use externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq '…')."),
        )
    };
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let prefix = "externalids/any(";
    if !lower.starts_with(prefix) || !lower.ends_with(')') {
        return Err(unsupported());
    }
    let inner = &t[prefix.len()..t.len() - 1];
    let (var, body) = inner.split_once(':').ok_or_else(unsupported)?;
    let var = var.trim();
    if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(unsupported());
    }
    let mut filter = Filter {
        kind: None,
        value: None,
    };
    let mut rest = body.trim();
    loop {
        // `{var}/{field} eq '{value}'`
        let (head, after) = rest.split_once('\'').ok_or_else(unsupported)?;
        let mut words = head.split_whitespace();
        let path = words.next().ok_or_else(unsupported)?;
        let op = words.next().ok_or_else(unsupported)?;
        if words.next().is_some() || !op.eq_ignore_ascii_case("eq") {
            return Err(unsupported());
        }
        let (pvar, field) = path.split_once('/').ok_or_else(unsupported)?;
        if pvar != var {
            return Err(unsupported());
        }
        // The quoted value, with '' standing for one quote.
        let mut value = String::new();
        let mut chars = after.char_indices().peekable();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().map(|(_, n)| *n) == Some('\'') {
                    value.push('\'');
                    chars.next();
                } else {
                    end = Some(i + 1);
                    break;
                }
            } else {
                value.push(c);
            }
        }
        let end = end.ok_or_else(unsupported)?;
        if field.eq_ignore_ascii_case("type") && filter.kind.is_none() {
            filter.kind = Some(value);
        } else if field.eq_ignore_ascii_case("value") && filter.value.is_none() {
            filter.value = Some(value);
        } else {
            return Err(unsupported());
        }
        rest = after[end..].trim();
        if rest.is_empty() {
            return Ok(filter);
        }
        let (word, tail) = rest
            .split_once(char::is_whitespace)
            .ok_or_else(unsupported)?;
        if !word.eq_ignore_ascii_case("and") {
            return Err(unsupported());
        }
        rest = tail.trim();
    }
}

impl Filter {
    /// Whether an entity body carries a matching external id.
    pub fn matches(&self, body: &serde_json::Map<String, Value>) -> bool {
        let ids = body
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("externalIDs"))
            .and_then(|(_, v)| v.as_array());
        ids.into_iter().flatten().any(|id| {
            let field = |name: &str| {
                id.as_object()
                    .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
                    .and_then(|(_, v)| v.as_str())
            };
            self.kind
                .as_deref()
                .is_none_or(|k| field("type").is_some_and(|t| t.eq_ignore_ascii_case(k)))
                && self
                    .value
                    .as_deref()
                    .is_none_or(|v| field("value") == Some(v))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse() {
        let f = parse_filter("externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq 'it''s')")
            .unwrap();
        assert_eq!(f.kind.as_deref(), Some("AzureOfferId"));
        assert_eq!(f.value.as_deref(), Some("it's"));
        assert!(parse_filter("EXTERNALIDS/any(x: x/Value eq 'a')").is_ok());
        assert!(parse_filter("name eq 'x'").is_err());
        assert!(parse_filter("externalIDs/Any(i:i/type ne 'x')").is_err());
        assert!(parse_filter("externalIDs/Any(i:j/type eq 'x')").is_err());
    }

    #[test]
    fn pages_are_uneven_and_complete() {
        let items: Vec<Value> = (0..20).map(|i| json!(i)).collect();
        let mut seen = Vec::new();
        let mut q: Vec<(String, String)> = vec![("$filter".into(), "a b".into())];
        let mut sizes = Vec::new();
        loop {
            let p = page(items.clone(), &q, "/products", 3).unwrap();
            let v = p["value"].as_array().unwrap().clone();
            sizes.push(v.len());
            seen.extend(v);
            let Some(next) = p.get("nextLink").and_then(Value::as_str) else {
                break;
            };
            assert!(
                next.starts_with("v1.0/ingestion/products?$filter=a%20b&$skipToken="),
                "{next}"
            );
            q = crate::http::query_pairs(next.split_once('?').map(|(_, q)| q));
        }
        assert_eq!(seen, items);
        assert!(sizes.iter().all(|s| (1..=3).contains(s)));
        assert!(sizes.iter().any(|s| *s != sizes[0]));
    }
}
