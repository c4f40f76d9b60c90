//! Building answers: JSON bodies, the service's error form, empty answers.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde_json::{json, Value};

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

/// A failure of an ingestion call, turned into the service's error form on the way out.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub data: Vec<(String, String)>,
}

/// Shorthands for common failures.
impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            data: Vec::new(),
        }
    }
    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: "The request is not valid.".into(),
            data: vec![(field.to_string(), message)],
        }
    }
    pub fn invalid(data: Vec<(String, String)>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: "The request is not valid.".into(),
            data,
        }
    }
    pub fn not_found(what: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("No {what} has this id."))
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The answer: a JSON string `"ICH… - … {…}"`.
    pub fn into_response(self, operation: &str, correlation: &str) -> Resp {
        let code = 50000 + u32::from(self.status.as_u16());
        let reason = match self.status {
            StatusCode::BAD_REQUEST => "Request validation failed.",
            StatusCode::NOT_FOUND => "Resource not found.",
            StatusCode::CONFLICT => "The resource is in a state that does not allow this.",
            StatusCode::PRECONDITION_FAILED => "The resource was changed by someone else.",
            _ => "The request could not be completed.",
        };
        let mut data = serde_json::Map::new();
        for (field, msg) in self.data {
            let slot = data.entry(field).or_insert_with(|| json!([]));
            if let Some(list) = slot.as_array_mut() {
                list.push(Value::String(msg));
            }
        }
        let detail = json!({
            "faultCode": code,
            "reasonPhrase": reason,
            "correlationId": correlation,
            "operationId": operation,
            "data": data,
        });
        let text = format!("ICH{code} - {} {detail}", self.message);
        json(self.status, &Value::String(text))
    }
}

/// The result of an ingestion handler.
pub type ApiResult = Result<Resp, ApiError>;

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
