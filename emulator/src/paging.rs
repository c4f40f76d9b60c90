//! Collections as the service sends them: small uneven pages, a `nextLink`
//! relative to the host with a `$skipToken` (an empty one is the first page),
//! and the `$filter` forms tools use: `externalIDs/Any(…)` and
//! `resourceType eq '…'`, alone or joined by `and`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

use crate::errors::ApiError;
use crate::http::query_get;

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
        // Tools send an empty token for the first page; the service takes it.
        None => 0,
        Some(tok) if tok.trim().is_empty() => 0,
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

/// One `externalIDs/Any(…)` clause: an external id an item must carry.
#[derive(Debug, PartialEq)]
struct IdClause {
    kind: Option<String>,
    value: Option<String>,
}

/// A parsed `$filter`: every clause must hold.
#[derive(Debug, PartialEq, Default)]
pub struct Filter {
    ids: Vec<IdClause>,
    resource_type: Option<String>,
}

/// Splits on ` and ` outside parentheses and quotes.
fn split_and(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0usize);
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            b' ' if !quoted && depth == 0 && lower[i..].starts_with(" and ") => {
                out.push(&text[start..i]);
                i += 5;
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&text[start..]);
    out
}

/// The text inside parentheses that wrap all of `t` (`(a)`, not `(a) and (b)`).
fn unwrap_parens(mut t: &str) -> &str {
    while t.starts_with('(') {
        let mut depth = 0i32;
        let mut quoted = false;
        let mut closes_at = None;
        for (i, b) in t.bytes().enumerate() {
            match b {
                b'\'' => quoted = !quoted,
                b'(' if !quoted => depth += 1,
                b')' if !quoted => {
                    depth -= 1;
                    if depth == 0 {
                        closes_at = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        if closes_at != Some(t.len() - 1) {
            break;
        }
        t = t[1..t.len() - 1].trim();
    }
    t
}

/// The text of a quoted OData string (`'it''s'`), and what follows it.
fn quoted(after_quote: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = after_quote.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().map(|(_, n)| *n) == Some('\'') {
                value.push('\'');
                chars.next();
            } else {
                return Some((value, &after_quote[i + 1..]));
            }
        } else {
            value.push(c);
        }
    }
    None
}

/// Parses `externalIDs/Any(i:i/type eq 'T' and i/value eq 'V')` (either
/// clause may be left out; names are case-insensitive), `resourceType eq 'T'`,
/// or several of them joined by `and`.
pub fn parse_filter(text: &str) -> Result<Filter, ApiError> {
    let unsupported = || {
        ApiError::bad_request(
            "$filter",
            format!("The filter {text:?} is not supported; use externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq '…') and/or resourceType eq '…'."),
        )
    };
    let mut filter = Filter::default();
    for term in split_and(text.trim()) {
        let t = unwrap_parens(term.trim());
        let lower = t.to_ascii_lowercase();
        if lower.starts_with("resourcetype ") {
            let rest = t["resourceType".len()..].trim_start();
            let (op, after) = rest
                .split_once(char::is_whitespace)
                .ok_or_else(unsupported)?;
            let after = after.trim_start();
            if !op.eq_ignore_ascii_case("eq")
                || !after.starts_with('\'')
                || filter.resource_type.is_some()
            {
                return Err(unsupported());
            }
            let (value, tail) = quoted(&after[1..]).ok_or_else(unsupported)?;
            if !tail.trim().is_empty() {
                return Err(unsupported());
            }
            filter.resource_type = Some(value);
        } else {
            filter.ids.push(parse_any(t).ok_or_else(unsupported)?);
        }
    }
    Ok(filter)
}

/// Parses one `externalIDs/Any(…)` clause.
fn parse_any(t: &str) -> Option<IdClause> {
    let lower = t.to_ascii_lowercase();
    let prefix = "externalids/any(";
    if !lower.starts_with(prefix) || !lower.ends_with(')') {
        return None;
    }
    let inner = &t[prefix.len()..t.len() - 1];
    let (var, body) = inner.split_once(':')?;
    let var = var.trim();
    if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let mut clause = IdClause {
        kind: None,
        value: None,
    };
    let mut rest = body.trim();
    loop {
        // `{var}/{field} eq '{value}'`
        let (head, after) = rest.split_once('\'')?;
        let mut words = head.split_whitespace();
        let path = words.next()?;
        let op = words.next()?;
        if words.next().is_some() || !op.eq_ignore_ascii_case("eq") {
            return None;
        }
        let (pvar, field) = path.split_once('/')?;
        if pvar != var {
            return None;
        }
        let (value, tail) = quoted(after)?;
        if field.eq_ignore_ascii_case("type") && clause.kind.is_none() {
            clause.kind = Some(value);
        } else if field.eq_ignore_ascii_case("value") && clause.value.is_none() {
            clause.value = Some(value);
        } else {
            return None;
        }
        rest = tail.trim();
        if rest.is_empty() {
            return Some(clause);
        }
        let (word, tail) = rest.split_once(char::is_whitespace)?;
        if !word.eq_ignore_ascii_case("and") {
            return None;
        }
        rest = tail.trim();
    }
}

fn field<'a>(o: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

impl Filter {
    /// Whether the filter names a product type (what the 2026-04 service needs).
    pub fn has_resource_type(&self) -> bool {
        self.resource_type.is_some()
    }

    /// Whether an entity body passes every clause.
    pub fn matches(&self, body: &serde_json::Map<String, Value>) -> bool {
        let type_ok = self.resource_type.as_deref().is_none_or(|t| {
            field(body, "resourceType")
                .and_then(Value::as_str)
                .is_some_and(|have| have.eq_ignore_ascii_case(t))
        });
        type_ok && self.ids.iter().all(|c| c.matches(body))
    }
}

impl IdClause {
    fn matches(&self, body: &serde_json::Map<String, Value>) -> bool {
        let ids = field(body, "externalIDs").and_then(|v| v.as_array());
        ids.into_iter().flatten().any(|id| {
            let f = |name: &str| {
                id.as_object()
                    .and_then(|o| field(o, name))
                    .and_then(Value::as_str)
            };
            self.kind
                .as_deref()
                .is_none_or(|k| f("type").is_some_and(|t| t.eq_ignore_ascii_case(k)))
                && self.value.as_deref().is_none_or(|v| f("value") == Some(v))
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
        assert_eq!(f.ids[0].kind.as_deref(), Some("AzureOfferId"));
        assert_eq!(f.ids[0].value.as_deref(), Some("it's"));
        assert!(!f.has_resource_type());
        let f = parse_filter(
            "resourceType eq 'AzureApplication' and externalIDs/Any(i:i/value eq 'a and b')",
        )
        .unwrap();
        assert_eq!(f.resource_type.as_deref(), Some("AzureApplication"));
        assert_eq!(f.ids[0].value.as_deref(), Some("a and b"));
        let f = parse_filter("(ResourceType eq 'AzureApplication')").unwrap();
        assert!(f.has_resource_type());
        assert!(parse_filter("resourceType ne 'x'").is_err());
        assert!(parse_filter("EXTERNALIDS/any(x: x/Value eq 'a')").is_ok());
        assert!(parse_filter("name eq 'x'").is_err());
        assert!(parse_filter("externalIDs/Any(i:i/type ne 'x')").is_err());
        assert!(parse_filter("externalIDs/Any(i:j/type eq 'x')").is_err());
    }

    #[test]
    fn an_empty_skip_token_is_the_first_page() {
        let items: Vec<Value> = (0..9).map(|i| json!(i)).collect();
        let q = vec![("$skipToken".to_string(), String::new())];
        assert_eq!(
            page(items.clone(), &q, "/products", 3).unwrap(),
            page(items, &[], "/products", 3).unwrap()
        );
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
