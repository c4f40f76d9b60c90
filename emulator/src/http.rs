//! Building answers (JSON bodies, entities with their etag, empty answers)
//! and reading query strings.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde_json::Value;

/// An answer of the emulator.
pub type Resp = Response<Body>;

/// A JSON answer with the given status.
pub fn json(status: StatusCode, body: &Value) -> Resp {
    let text = serde_json::to_vec(body).unwrap_or_default();
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// A JSON entity answer that also carries its etag in an `ETag` header.
pub fn entity(status: StatusCode, body: &Value) -> Resp {
    let mut r = json(status, body);
    if let Some(tag) = body.get("@odata.etag").and_then(Value::as_str) {
        if let Ok(v) = HeaderValue::from_str(tag) {
            r.headers_mut().insert(header::ETAG, v);
        }
    }
    r
}

/// An answer without a body.
pub fn empty(status: StatusCode) -> Resp {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

/// Query parameters, percent-decoded, in order.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    match query {
        Some(q) => url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        None => Vec::new(),
    }
}

/// The first query parameter of this name (case-insensitive).
pub fn query_get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
