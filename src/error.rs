//! The crate's error type, and the parser for the service's error bodies.
//!
//! The service answers errors with a body that is a JSON *string* holding a
//! code, a message and an embedded JSON fault object:
//!
//! ```text
//! "ICH50400 - Unable to complete request. {\"faultCode\":50400,\"reasonPhrase\":\"Request validation failed.\",\"correlationId\":\"…\",\"data\":{\"FeatureName\":[\"…\"]}}"
//! ```
//!
//! [`ApiError::from_parts`] reads that, a plain fault object, an empty body
//! (401 and 404 often have none), an HTML page from a gateway, or anything
//! else, and never panics. What it cannot read is kept, shortened, as text.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::auth::AuthError;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong calling the ingestion API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The resource changed since it was read: the `If-Match` etag sent with
    /// an update no longer matches. Read it again, apply the change, retry.
    #[error("the resource was changed by someone else since it was read (etag mismatch); read it again and retry the update. {0}")]
    EtagMismatch(Box<ApiError>),

    /// No token could be obtained for the request.
    #[error("could not authenticate: {0}")]
    Auth(#[from] AuthError),

    /// The request never got an answer: DNS, connection or TLS failure.
    #[error("could not reach the ingestion API{}: {source}", request_label(client_request_id.as_deref()))]
    Transport {
        /// What failed.
        #[source]
        source: reqwest::Error,
        /// The `Client-Request-ID` the request carried, when it was sent.
        client_request_id: Option<String>,
    },

    /// The service did not answer in time, after every retry allowed.
    #[error("the ingestion API did not answer within {after:?} (client request id {client_request_id}); the operation may or may not have been applied")]
    Timeout {
        /// How long the request waited in all.
        after: Duration,
        /// The `Client-Request-ID` the request carried.
        client_request_id: String,
    },

    /// A success response whose body does not match the expected type.
    #[error("the ingestion API answered with a body this client cannot read: {source}; body starts with: {snippet}")]
    Decode {
        /// Why decoding failed.
        #[source]
        source: serde_json::Error,
        /// The start of the body (signatures redacted).
        snippet: String,
    },

    /// A parameter given to a request builder could not be converted.
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// The client was configured with something it cannot use.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Uploading a file to Azure Blob Storage failed.
    #[error(transparent)]
    Upload(Box<crate::blob::UploadError>),
}

impl Error {
    /// The service's error details, for [`Error::Api`] and [`Error::EtagMismatch`].
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::EtagMismatch(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.api().map(|e| e.status)
    }

    /// The service's `request-id`, which Partner Center support asks for.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.request_id.as_deref())
    }

    /// The `Client-Request-ID` the failed request carried.
    pub fn client_request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) | Error::EtagMismatch(e) => e.client_request_id.as_deref(),
            Error::Transport {
                client_request_id, ..
            } => client_request_id.as_deref(),
            Error::Timeout {
                client_request_id, ..
            } => Some(client_request_id),
            _ => None,
        }
    }

    /// A success body that does not decode: the reason and the body's start.
    pub(crate) fn decode(source: serde_json::Error, body: &[u8]) -> Self {
        Error::Decode {
            source,
            snippet: truncate(&redact(&String::from_utf8_lossy(body)), MAX_SNIPPET),
        }
    }

    /// Builds the error for a non-success response.
    pub(crate) fn from_response(api: ApiError) -> Self {
        if api.is_etag_mismatch() {
            Error::EtagMismatch(Box::new(api))
        } else {
            Error::Api(Box::new(api))
        }
    }
}

/// An error answer from the ingestion API, with everything it said.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The service's error code, such as `ICH50400`.
    pub code: Option<String>,
    /// The service's message, such as `Unable to complete request.`.
    pub message: Option<String>,
    /// The fault code of the embedded fault object, such as `50400`.
    pub fault_code: Option<String>,
    /// The fault's reason, such as `Request validation failed.`.
    pub reason: Option<String>,
    /// The fault's correlation id.
    pub correlation_id: Option<String>,
    /// The fault's operation id.
    pub operation_id: Option<String>,
    /// Validation messages by field name.
    pub validation: BTreeMap<String, Vec<String>>,
    /// The `request-id` response header.
    pub request_id: Option<String>,
    /// The `x-azure-ref` response header (Azure Front Door's reference).
    pub azure_ref: Option<String>,
    /// The `Client-Request-ID` the request carried.
    pub client_request_id: Option<String>,
    /// The `Retry-After` header, as sent.
    pub retry_after: Option<String>,
    /// The body as text (at most 4 KiB, SAS signatures redacted).
    pub body: String,
}

/// Most of a body kept in an [`ApiError`].
const MAX_BODY: usize = 4096;
/// Most of a body shown in a message.
const MAX_SNIPPET: usize = 300;

impl ApiError {
    /// Reads an error response: its status, headers and body bytes.
    pub fn from_parts(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let text = String::from_utf8_lossy(body);
        let mut error = ApiError {
            status,
            code: None,
            message: None,
            fault_code: None,
            reason: None,
            correlation_id: None,
            operation_id: None,
            validation: BTreeMap::new(),
            request_id: header("request-id").or_else(|| header("x-ms-request-id")),
            azure_ref: header("x-azure-ref"),
            client_request_id: header("client-request-id"),
            retry_after: header("retry-after"),
            body: truncate(&redact(&text), MAX_BODY),
        };
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::String(s)) => error.read_text(&s),
            Ok(Value::Object(map)) => error.read_fault(&map),
            Ok(_) => {}
            Err(_) if looks_like_html(&text) => {
                error.message = html_title(&text)
                    .map(|t| format!("the service answered with an HTML page: {t}"));
                if error.message.is_none() {
                    error.message = Some("the service answered with an HTML page".into());
                }
            }
            Err(_) => {
                let trimmed = text.trim();
                if !trimmed.is_empty() {
                    error.read_text(trimmed);
                }
            }
        }
        error
    }

    /// Reads `CODE - message {fault}`.
    fn read_text(&mut self, text: &str) {
        let (head, fault) = match text.find('{') {
            Some(at) => {
                let mut stream =
                    serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
                match stream.next() {
                    Some(Ok(Value::Object(map))) => (&text[..at], Some(map)),
                    _ => (text, None),
                }
            }
            None => (text, None),
        };
        let head = head.trim();
        let (code, message) = match head.split_once(" - ") {
            Some((code, rest)) if is_code(code.trim()) => (Some(code.trim()), rest.trim()),
            _ => match head.split_whitespace().next() {
                Some(first) if is_code(first) => (
                    Some(first),
                    head[first.len()..]
                        .trim_start_matches([' ', '-', ':'])
                        .trim(),
                ),
                _ => (None, head),
            },
        };
        self.code = code.map(str::to_string);
        if !message.is_empty() {
            self.message = Some(truncate(&redact(message), MAX_SNIPPET));
        }
        if let Some(fault) = fault {
            self.read_fault(&fault);
        }
    }

    /// Reads a fault object (`faultCode`, `reasonPhrase`, `correlationId`,
    /// `operationId`, `data`), matching names in any letter case.
    fn read_fault(&mut self, fault: &serde_json::Map<String, Value>) {
        let field = |name: &str| {
            fault
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        };
        let text = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        };
        if let Some(v) = field("faultCode").or_else(|| field("code")).and_then(text) {
            self.fault_code = Some(v);
        }
        if let Some(v) = field("reasonPhrase")
            .or_else(|| field("reason"))
            .and_then(text)
        {
            self.reason = Some(truncate(&redact(&v), MAX_SNIPPET));
        }
        if self.message.is_none() {
            if let Some(v) = field("message").and_then(text) {
                self.message = Some(truncate(&redact(&v), MAX_SNIPPET));
            }
        }
        self.correlation_id = field("correlationId")
            .and_then(text)
            .or(self.correlation_id.take());
        self.operation_id = field("operationId")
            .and_then(text)
            .or(self.operation_id.take());
        if let Some(Value::Object(data)) = field("data") {
            for (name, messages) in data {
                let list: Vec<String> = match messages {
                    Value::Array(items) => items.iter().filter_map(text).collect(),
                    other => text(other).into_iter().collect(),
                };
                let list = list
                    .into_iter()
                    .map(|m| truncate(&redact(&m), MAX_SNIPPET))
                    .collect();
                self.validation.insert(name.clone(), list);
            }
        }
    }

    /// Whether this is the service refusing an update whose etag is stale.
    pub fn is_etag_mismatch(&self) -> bool {
        self.status == StatusCode::PRECONDITION_FAILED
            || (self.status == StatusCode::CONFLICT
                && [&self.message, &self.reason]
                    .iter()
                    .filter_map(|m| m.as_deref())
                    .any(|m| m.to_ascii_lowercase().contains("etag")))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the ingestion API answered {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(reason) = &self.reason {
            write!(f, " {reason}")?;
        }
        if let Some(fault) = &self.fault_code {
            write!(f, " (fault code {fault})")?;
        }
        for (field, messages) in &self.validation {
            for message in messages {
                write!(f, "; {field}: {message}")?;
            }
        }
        if self.code.is_none() && self.message.is_none() && self.reason.is_none() {
            let snippet = truncate(self.body.trim(), MAX_SNIPPET);
            if snippet.is_empty() {
                write!(f, " with an empty body")?;
            } else {
                write!(f, "; body: {snippet}")?;
            }
        }
        if let Some(id) = &self.correlation_id {
            write!(f, "; correlation id {id}")?;
        }
        if let Some(id) = &self.operation_id {
            write!(f, "; operation id {id}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, "; request id {id}")?;
        }
        if let Some(r) = &self.azure_ref {
            write!(f, "; x-azure-ref {r}")?;
        }
        if let Some(id) = &self.client_request_id {
            write!(f, "; client request id {id}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

fn request_label(client_request_id: Option<&str>) -> String {
    client_request_id
        .map(|id| format!(" (client request id {id})"))
        .unwrap_or_default()
}

fn is_code(s: &str) -> bool {
    let letters = s.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest = &s[letters..];
    letters >= 2
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && rest.chars().any(|c| c.is_ascii_digit())
}

/// Whether a body is an HTML (or XML) page rather than JSON.
pub(crate) fn looks_like_html(text: &str) -> bool {
    let start = text
        .trim_start()
        .get(..15)
        .unwrap_or(text.trim_start())
        .to_ascii_lowercase();
    start.starts_with("<!doctype")
        || start.starts_with("<html")
        || start.starts_with("<?xml")
        || start.starts_with("<head")
}

/// The `<title>` of an HTML page, shortened.
pub(crate) fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    let title = text.get(start..end)?.trim();
    (!title.is_empty()).then(|| truncate(title, 120))
}

/// Shortens `text` to at most `max` bytes, on a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Replaces the value of every `sig=` (an Azure Storage SAS signature) and
/// of bearer tokens in `text`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let lower = rest.to_ascii_lowercase();
        let sig = lower.find("sig=").map(|i| (i, 4));
        let bearer = lower.find("bearer ").map(|i| (i, 7));
        let next = match (sig, bearer) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        let Some((at, len)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at + len]);
        let value_end = rest[at + len..]
            .find(|c: char| {
                matches!(
                    c,
                    '&' | '"' | '\'' | ' ' | '\n' | '\r' | '\t' | '<' | '>' | ',' | '}' | '\\'
                )
            })
            .map_or(rest.len(), |i| at + len + i);
        if value_end > at + len {
            out.push_str("REDACTED");
        }
        rest = &rest[value_end..];
    }
}

/// Converts the generated client's error into ours.
///
/// The request pipeline (`client.rs`) hands its own failures, and
/// error answers it has already read, to the generated code as a response
/// carrying the finished [`Error`]; this takes it back out.
impl<E> From<progenitor_client::Error<E>> for Error {
    fn from(error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match error {
            P::InvalidRequest(message) => Error::InvalidRequest(message),
            P::CommunicationError(source)
            | P::InvalidUpgrade(source)
            | P::ResponseBodyError(source) => Error::Transport {
                source,
                client_request_id: None,
            },
            P::ErrorResponse(value) => {
                Error::from_response(ApiError::from_parts(value.status(), value.headers(), &[]))
            }
            P::InvalidResponsePayload(bytes, source) => Error::decode(source, &bytes),
            P::UnexpectedResponse(mut response) => {
                match crate::client::take_failure(&mut response) {
                    Some(error) => error,
                    None => Error::from_response(ApiError::from_parts(
                        response.status(),
                        response.headers(),
                        &[],
                    )),
                }
            }
            P::Custom(message) => Error::InvalidRequest(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(status: u16, body: &str) -> ApiError {
        let mut headers = HeaderMap::new();
        headers.insert("request-id", "req-1".parse().unwrap());
        ApiError::from_parts(
            StatusCode::from_u16(status).unwrap(),
            &headers,
            body.as_bytes(),
        )
    }

    #[test]
    fn reads_the_ich_error_string() {
        let body = r#""ICH50400 - Unable to complete request. {\"faultCode\":50400,\"reasonPhrase\":\"Request validation failed.\",\"correlationId\":\"c-1\",\"operationId\":\"o-1\",\"data\":{\"FeatureName\":[\"The field FeatureName is invalid.\"]}}""#;
        let e = parse(400, body);
        assert_eq!(e.code.as_deref(), Some("ICH50400"));
        assert_eq!(e.message.as_deref(), Some("Unable to complete request."));
        assert_eq!(e.fault_code.as_deref(), Some("50400"));
        assert_eq!(e.reason.as_deref(), Some("Request validation failed."));
        assert_eq!(e.correlation_id.as_deref(), Some("c-1"));
        assert_eq!(e.operation_id.as_deref(), Some("o-1"));
        assert_eq!(
            e.validation["FeatureName"],
            ["The field FeatureName is invalid."]
        );
        let shown = e.to_string();
        for part in [
            "400",
            "ICH50400",
            "Request validation failed.",
            "FeatureName: The field FeatureName is invalid.",
            "c-1",
            "req-1",
        ] {
            assert!(shown.contains(part), "{shown} lacks {part}");
        }
    }

    #[test]
    fn empty_and_html_bodies_still_say_something() {
        let e = parse(404, "");
        assert!(
            e.to_string()
                .contains("404 Not Found with an empty body; request id req-1"),
            "{e}"
        );
        let e = parse(
            503,
            "<html><head><title>Service Unavailable</title></head><body>x</body></html>",
        );
        assert!(
            e.to_string().contains("HTML page: Service Unavailable"),
            "{e}"
        );
        let e = parse(500, "\u{0}\u{1}garbage");
        assert!(e.to_string().contains("500"), "{e}");
    }

    #[test]
    fn signatures_are_redacted() {
        assert_eq!(
            redact("https://a.blob.core.windows.net/c/f?sv=1&sig=abc%2Bdef&se=2"),
            "https://a.blob.core.windows.net/c/f?sv=1&sig=REDACTED&se=2"
        );
        assert_eq!(
            redact("Authorization: Bearer eyJ0eXAi.x.y"),
            "Authorization: Bearer REDACTED"
        );
        assert_eq!(redact("no secrets"), "no secrets");
    }

    #[test]
    fn etag_conflicts_are_recognised() {
        assert!(parse(412, "").is_etag_mismatch());
        assert!(!parse(409, r#""ICH1 - Conflict""#).is_etag_mismatch());
        assert!(parse(409, r#""ICH1 - The etag does not match""#).is_etag_mismatch());
    }
}
