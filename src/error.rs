//! The crate's error type, and the parser for the service's error bodies.
//!
//! The service answers errors in two forms. The older, and most common, is
//! a JSON *string* holding a code, a message and an embedded JSON fault
//! object:
//!
//! ```text
//! "ICH50400 - Unable to complete request. {\"faultCode\":50400,\"reasonPhrase\":\"Request validation failed.\",\"correlationId\":\"…\",\"data\":{\"FeatureName\":[\"…\"]}}"
//! ```
//!
//! The newer (seen since 2026) is ASP.NET's validation "problem details"
//! object, bare or wrapped in a string by the service's gateway:
//!
//! ```text
//! {"errors":{"x-ms-publisherId":["PublisherId is a required header, and must be a positive number."]},"title":"One or more validation errors occurred.","status":400,"traceId":"00-…"}
//! "…RestClientException: Product request failed, API=GetProduct, HttpStatusCode=BadRequest, ResponseContent={…}"
//! ```
//!
//! [`ApiError::from_parts`] reads both, a plain fault object, an empty body
//! (401 and 404 often have none), an HTML page from a gateway, or anything
//! else, and never panics. What it cannot read is kept, shortened, as text.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::auth::AuthError;
use crate::net::{html_title, looks_like_html};
use crate::sensitive::{self, shown};

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong calling the ingestion API.
///
/// Neither `Display` nor `Debug` shows a secret: bodies, messages and
/// snippets are redacted by name and by shape (see [`crate::Secret`]).
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error status.
    Api(Box<ApiError>),

    /// The resource changed since it was read: the `If-Match` etag sent with
    /// an update no longer matches. Read it again, apply the change, retry.
    EtagMismatch(Box<ApiError>),

    /// No token could be obtained for the request.
    Auth(AuthError),

    /// The request never got an answer: DNS, connection or TLS failure.
    Transport {
        /// What failed.
        source: reqwest::Error,
        /// The `Client-Request-ID` the request carried, when it was sent.
        client_request_id: Option<String>,
    },

    /// The service did not answer in time, after every retry allowed.
    Timeout {
        /// How long the request waited in all.
        after: Duration,
        /// The `Client-Request-ID` the request carried.
        client_request_id: String,
    },

    /// A success response whose body does not match the expected type.
    Decode {
        /// Why decoding failed. Its own `Display` may quote a value of the
        /// body, so it is not this error's `source()`; this error's
        /// `Display` and `Debug` show it with quoted values hidden.
        source: serde_json::Error,
        /// The start of the body (secrets redacted).
        snippet: String,
    },

    /// Following the pages of a list went wrong: a `nextLink` that cannot be
    /// followed, one already followed (the service would loop), or more
    /// pages than [`crate::ClientBuilder::max_pages`] allows.
    Paging {
        /// The list operation, such as `list_products`.
        operation: &'static str,
        /// What went wrong.
        reason: String,
    },

    /// A parameter given to a request builder could not be converted.
    InvalidRequest(String),

    /// The client was configured with something it cannot use.
    Config(String),

    /// Uploading a file to Azure Blob Storage failed.
    Upload(Box<crate::blob::UploadError>),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => write!(f, "{e}"),
            Error::EtagMismatch(e) => write!(
                f,
                "the resource was changed by someone else since it was read (etag mismatch); read it again and retry the update. {e}"
            ),
            Error::Auth(e) => write!(f, "could not authenticate: {e}"),
            Error::Transport {
                source,
                client_request_id,
            } => write!(
                f,
                "could not reach the ingestion API{}: {source}",
                request_label(client_request_id.as_deref())
            ),
            Error::Timeout {
                after,
                client_request_id,
            } => write!(
                f,
                "the ingestion API did not answer within {after:?} (client request id {client_request_id}); the operation may or may not have been applied"
            ),
            Error::Decode { source, snippet } => write!(
                f,
                "the ingestion API answered with a body this client cannot read: {}; body starts with: {snippet}",
                sensitive::serde_message(&source.to_string())
            ),
            Error::Paging { operation, reason } => {
                write!(f, "paging through `{operation}` stopped: {reason}")
            }
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::Config(m) => write!(f, "invalid configuration: {m}"),
            Error::Upload(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Auth(e) => Some(e),
            Error::Transport { source, .. } => Some(source),
            Error::Upload(e) => e.source(),
            // `Api` shows its ApiError already; serde_json's message (`Decode`)
            // may quote a secret value of the body.
            _ => None,
        }
    }
}

impl From<AuthError> for Error {
    fn from(error: AuthError) -> Self {
        Error::Auth(error)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => f.debug_tuple("Api").field(e).finish(),
            Error::EtagMismatch(e) => f.debug_tuple("EtagMismatch").field(e).finish(),
            Error::Auth(e) => f.debug_tuple("Auth").field(e).finish(),
            Error::Transport {
                source,
                client_request_id,
            } => f
                .debug_struct("Transport")
                .field("source", source)
                .field("client_request_id", client_request_id)
                .finish(),
            Error::Timeout {
                after,
                client_request_id,
            } => f
                .debug_struct("Timeout")
                .field("after", after)
                .field("client_request_id", client_request_id)
                .finish(),
            Error::Decode { source, snippet } => f
                .debug_struct("Decode")
                .field("source", &sensitive::serde_message(&source.to_string()))
                .field("snippet", snippet)
                .finish(),
            Error::Paging { operation, reason } => f
                .debug_struct("Paging")
                .field("operation", operation)
                .field("reason", reason)
                .finish(),
            Error::InvalidRequest(m) => f.debug_tuple("InvalidRequest").field(m).finish(),
            Error::Config(m) => f.debug_tuple("Config").field(m).finish(),
            Error::Upload(e) => f.debug_tuple("Upload").field(e).finish(),
        }
    }
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
            snippet: shown(&String::from_utf8_lossy(body), MAX_SNIPPET),
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
    /// Validation messages by field name: the fault's `data`, or the
    /// `errors` of an ASP.NET validation answer.
    pub validation: BTreeMap<String, Vec<String>>,
    /// The `traceId` of an ASP.NET validation answer.
    pub trace_id: Option<String>,
    /// The `status` written inside an ASP.NET validation answer; it can
    /// differ from [`status`](Self::status) when the service passes on
    /// the answer of a service behind it.
    pub inner_status: Option<u16>,
    /// The text the error was wrapped in, such as `…RestClientException:
    /// Product request failed, API=GetProduct, HttpStatusCode=BadRequest`.
    pub wrapper: Option<String>,
    /// The `request-id` response header.
    pub request_id: Option<String>,
    /// The `x-azure-ref` response header (Azure Front Door's reference).
    pub azure_ref: Option<String>,
    /// The `Client-Request-ID` the request carried.
    pub client_request_id: Option<String>,
    /// The `Retry-After` header, as sent.
    pub retry_after: Option<String>,
    /// The body as text (at most 4 KiB, secrets redacted).
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
            trace_id: None,
            inner_status: None,
            wrapper: None,
            request_id: header("request-id").or_else(|| header("x-ms-request-id")),
            azure_ref: header("x-azure-ref"),
            client_request_id: header("client-request-id"),
            retry_after: header("retry-after"),
            body: shown(&text, MAX_BODY),
        };
        // Messages under secret field names, to hide in `body` too.
        let mut hidden = Vec::new();
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::String(s)) => error.read_text(&s, &mut hidden),
            Ok(Value::Object(map)) => error.read_fault(&map, &mut hidden),
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
                    error.read_text(trimmed, &mut hidden);
                }
            }
        }
        for secret in hidden.iter().filter(|s| s.len() >= 4) {
            // As written, as escaped in a JSON string, and escaped twice.
            let once = serde_json::to_string(secret).unwrap_or_default();
            let once = once.trim_matches('"').to_string();
            let twice = serde_json::to_string(&once).unwrap_or_default();
            for form in [secret.as_str(), once.as_str(), twice.trim_matches('"')] {
                if !form.is_empty() && error.body.contains(form) {
                    error.body = error.body.replace(form, sensitive::REDACTED);
                }
            }
        }
        error
    }

    /// Reads `CODE - message {fault}`, or `wrapper text ResponseContent={problem}`.
    fn read_text(&mut self, text: &str, hidden: &mut Vec<String>) {
        let (head, fault) = match embedded_object(text) {
            Some((at, map)) => (&text[..at], Some(map)),
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
        let problem = fault.as_ref().is_some_and(is_problem);
        if problem && code.is_none() {
            // The gateway's wrapper: the message is the problem's title.
            let wrapper = message
                .trim_end_matches("ResponseContent=")
                .trim_end_matches([',', ' ', ':', '='])
                .trim();
            if !wrapper.is_empty() {
                self.wrapper = Some(shown(wrapper, MAX_SNIPPET));
            }
        } else if !message.is_empty() {
            self.message = Some(shown(message, MAX_SNIPPET));
        }
        if let Some(fault) = fault {
            self.read_fault(&fault, hidden);
        }
    }

    /// Reads a fault object (`faultCode`, `reasonPhrase`, `correlationId`,
    /// `operationId`, `data`), matching names in any letter case.
    fn read_fault(&mut self, fault: &serde_json::Map<String, Value>, hidden: &mut Vec<String>) {
        let field = |name: &str| {
            fault
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        };
        let text = |v: &Value| match v {
            Value::String(s) => Some(shown(s, MAX_SNIPPET)),
            Value::Null => None,
            other => Some(shown(&other.to_string(), MAX_SNIPPET)),
        };
        if let Some(v) = field("faultCode").or_else(|| field("code")).and_then(text) {
            self.fault_code = Some(v);
        }
        if let Some(v) = field("reasonPhrase")
            .or_else(|| field("reason"))
            .and_then(text)
        {
            self.reason = Some(v);
        }
        if self.message.is_none() {
            if let Some(v) = field("message").or_else(|| field("title")).and_then(text) {
                self.message = Some(v);
            }
        }
        if let Some(v) = field("traceId").and_then(text) {
            self.trace_id = Some(v);
        }
        if let Some(status) = field("status").and_then(Value::as_u64) {
            self.inner_status = u16::try_from(status).ok();
        }
        self.correlation_id = field("correlationId")
            .and_then(text)
            .or(self.correlation_id.take());
        self.operation_id = field("operationId")
            .and_then(text)
            .or(self.operation_id.take());
        for name in ["data", "errors"] {
            match field(name) {
                Some(Value::Object(data)) => {
                    for (name, messages) in data {
                        let list: Vec<String> = if sensitive::is_secret_name(name) {
                            collect_strings(messages, hidden);
                            vec![sensitive::REDACTED.to_string()]
                        } else {
                            match messages {
                                Value::Array(items) => items.iter().filter_map(text).collect(),
                                other => text(other).into_iter().collect(),
                            }
                        };
                        self.validation
                            .entry(name.clone())
                            .or_default()
                            .extend(list);
                    }
                }
                // `errors: ["…", …]`: messages without a field.
                Some(Value::Array(items)) if name == "errors" => {
                    let list: Vec<String> = items.iter().filter_map(text).collect();
                    if !list.is_empty() {
                        self.validation
                            .entry(String::new())
                            .or_default()
                            .extend(list);
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether the service refused the call for want of the publisher id
    /// header (`x-ms-publisherId`).
    pub fn names_publisher_id(&self) -> bool {
        self.validation.keys().any(|k| {
            let k = k.trim();
            k.eq_ignore_ascii_case("x-ms-publisherId") || k.eq_ignore_ascii_case("publisherId")
        })
    }

    /// Whether the service refused a product list for its default product
    /// type filter (`ProductTypeFilter[0]: The field is invalid`), which
    /// an explicit `resourceType eq '…'` filter avoids.
    pub fn names_product_type_filter(&self) -> bool {
        self.validation
            .keys()
            .any(|k| k.to_ascii_lowercase().starts_with("producttypefilter"))
            || self
                .message
                .as_deref()
                .is_some_and(|m| m.contains("ProductTypeFilter"))
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
        if let Some(inner) = self.inner_status.filter(|s| *s != self.status.as_u16()) {
            write!(f, " (inner status {inner})")?;
        }
        for (field, messages) in &self.validation {
            for message in messages {
                if field.is_empty() {
                    write!(f, "; {message}")?;
                } else {
                    write!(f, "; {field}: {message}")?;
                }
            }
        }
        if let Some(wrapper) = &self.wrapper {
            write!(f, "; reported as: {wrapper}")?;
        }
        if self.names_publisher_id() {
            write!(
                f,
                ". The service wants the account's numeric publisher id in the x-ms-publisherId header: set PARTNER_CENTER_PUBLISHER_ID, or call ClientBuilder::publisher_id"
            )?;
        }
        if self.names_product_type_filter() {
            write!(
                f,
                ". The service refuses a product list without a product type: filter by `resourceType eq '…'`"
            )?;
        }
        if self.code.is_none() && self.message.is_none() && self.reason.is_none() {
            let snippet = sensitive::truncate(self.body.trim(), MAX_SNIPPET);
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
        if let Some(id) = &self.trace_id {
            write!(f, "; trace id {id}")?;
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

/// Every string in `value` (and the text of every other leaf), into `out`.
fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        Value::Null => {}
        other => out.push(other.to_string()),
    }
}

/// The first JSON object embedded in `text` (at most 16 `{` are tried, the
/// one after `ResponseContent=` first), and where it starts.
fn embedded_object(text: &str) -> Option<(usize, serde_json::Map<String, Value>)> {
    let parse = |at: usize| {
        let mut stream = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(Value::Object(map))) => Some((at, map)),
            _ => None,
        }
    };
    let marked = text
        .find("ResponseContent=")
        .map(|at| at + "ResponseContent=".len())
        .filter(|at| text[*at..].starts_with('{'));
    marked.and_then(parse).or_else(|| {
        text.match_indices('{')
            .take(16)
            .find_map(|(at, _)| parse(at))
    })
}

/// Whether a JSON object is ASP.NET's problem details (validation) form.
fn is_problem(map: &serde_json::Map<String, Value>) -> bool {
    let has = |name: &str| map.keys().any(|k| k.eq_ignore_ascii_case(name));
    has("errors") || (has("title") && (has("status") || has("traceId") || has("type")))
}

fn is_code(s: &str) -> bool {
    let letters = s.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest = &s[letters..];
    letters >= 2
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && rest.chars().any(|c| c.is_ascii_digit())
}

/// A failure the request pipeline carries to the generated code inside a
/// stand-in response (progenitor's `exec` hook must return a response or a
/// `reqwest::Error`, which only reqwest can make). [`from_generated`] takes
/// it back out before anything reaches the caller.
#[derive(Clone)]
struct Failure(Arc<Mutex<Option<Error>>>);

/// Status of the stand-in response that carries a failure without an answer.
const NO_ANSWER: u16 = 599;

/// A stand-in response carrying `error`, with the status, headers and body
/// of the answer it came from (if any).
pub(crate) fn carry(
    error: Error,
    answer: Option<(http::StatusCode, HeaderMap, bytes::Bytes)>,
) -> reqwest::Response {
    let (status, headers, body) = answer.unwrap_or_else(|| {
        (
            http::StatusCode::from_u16(NO_ANSWER).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            HeaderMap::new(),
            bytes::Bytes::new(),
        )
    });
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
        .extensions_mut()
        .insert(Failure(Arc::new(Mutex::new(Some(error)))));
    reqwest::Response::from(response)
}

/// Takes the [`Error`] the pipeline attached to a response, if any.
fn take_failure(response: &mut reqwest::Response) -> Option<Error> {
    let failure = response.extensions_mut().remove::<Failure>()?;
    let mut slot = failure.0.lock().unwrap_or_else(|p| p.into_inner());
    slot.take()
}

/// Converts the generated client's error into ours; every generated `send`
/// goes through it, so progenitor's error type and the stand-in responses
/// never reach the caller.
pub(crate) fn from_generated(error: progenitor_client::Error<()>) -> Error {
    use progenitor_client::Error as P;
    match error {
        P::InvalidRequest(message) | P::Custom(message) => Error::InvalidRequest(message),
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
        P::UnexpectedResponse(mut response) => match take_failure(&mut response) {
            Some(error) => error,
            None => Error::from_response(ApiError::from_parts(
                response.status(),
                response.headers(),
                &[],
            )),
        },
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
        use crate::sensitive::redact;
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

/// Secrets at random depths of a body never survive in any output.
#[cfg(test)]
mod secret_properties {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Map};

    /// A secret value: a marker no generated name or text contains.
    fn secret() -> impl Strategy<Value = String> {
        "[A-Za-z0-9+/]{6,24}".prop_map(|s| format!("Zq9{s}"))
    }

    /// Where a secret hides: under a secret name, or by shape in a string
    /// under any name.
    fn planted() -> impl Strategy<Value = (String, Value, String)> {
        let name = prop_oneof![
            Just("password"),
            Just("applicationKey"),
            Just("azureActiveDirectoryApplicationKey"),
            Just("clientSecret"),
            Just("client_secret"),
            Just("connectionString"),
            Just("primaryKey"),
            Just("access_token"),
        ];
        prop_oneof![
            (name, secret()).prop_map(|(n, s)| (n.to_string(), Value::from(s.clone()), s)),
            ("[a-z]{1,8}", secret()).prop_map(|(n, s)| (
                n,
                Value::from(format!(
                    "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={s}==;EndpointSuffix=core.windows.net"
                )),
                s
            )),
            ("[a-z]{1,8}", secret()).prop_map(|(n, s)| (
                n,
                Value::from(format!("https://a.blob.core.windows.net/c/f?sv=1&sig={s}%2B&se=2")),
                s
            )),
            ("[a-z]{1,8}", secret()).prop_map(|(n, s)| (
                n,
                Value::from(format!("Bearer {s}.x")),
                s
            )),
            ("[a-z]{1,8}", secret()).prop_map(|(n, s)| (
                n,
                Value::from(format!("Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey={s}=")),
                s
            )),
        ]
    }

    fn filler() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<i32>().prop_map(Value::from),
            "[a-z ]{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Plants each secret at a random path of `filler`, as deep as it goes.
    fn plant(mut body: Value, plants: &[(String, Value, String)], paths: &[Vec<usize>]) -> Value {
        if !body.is_object() {
            body = json!({ "value": body });
        }
        for ((name, value, _), path) in plants.iter().zip(paths) {
            // Walk down (reading) to find the JSON pointer of the container.
            let mut pointer = String::new();
            let mut at = &body;
            for step in path {
                let (key, next) = match at {
                    Value::Object(map) if !map.is_empty() => {
                        let (k, v) = map.iter().nth(step % map.len()).expect("in range");
                        (k.replace('~', "~0").replace('/', "~1"), v)
                    }
                    Value::Array(items) if !items.is_empty() => {
                        let i = step % items.len();
                        (i.to_string(), &items[i])
                    }
                    _ => break,
                };
                if !next.is_object() && !next.is_array() {
                    break;
                }
                pointer.push('/');
                pointer.push_str(&key);
                at = next;
            }
            match body.pointer_mut(&pointer).expect("found above") {
                Value::Object(map) => {
                    map.insert(name.clone(), value.clone());
                }
                Value::Array(items) => items.push(json!({ name.clone(): value.clone() })),
                _ => unreachable!("objects and arrays only"),
            }
        }
        body
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn no_secret_survives_in_any_output(
            body in filler(),
            plants in proptest::collection::vec(planted(), 1..5),
            paths in proptest::collection::vec(proptest::collection::vec(any::<usize>(), 0..4), 5),
            status in prop_oneof![Just(400u16), Just(409), Just(500)],
        ) {
            let body = plant(body, &plants, &paths);
            let json_text = body.to_string();
            // The service's form: a JSON string holding `CODE - message {fault}`.
            let ich = serde_json::to_string(&format!(
                "ICH50400 - Unable to complete request. {{\"faultCode\":50400,\"data\":{json_text}}}"
            )).unwrap();
            let status = StatusCode::from_u16(status).unwrap();
            let mut outputs = Vec::new();
            for text in [&json_text, &ich] {
                let api = ApiError::from_parts(status, &HeaderMap::new(), text.as_bytes());
                outputs.push(format!("{api} {api:?}"));
                let error = Error::from_response(api);
                outputs.push(format!("{error} {error:?}"));
                let source = serde_json::from_str::<u8>(text).unwrap_err();
                let decode = Error::decode(source, text.as_bytes());
                outputs.push(format!("{decode} {decode:?}"));
                outputs.push(crate::sensitive::redact(text));
            }
            if let Value::Object(map) = &body {
                outputs.push(format!("{:?}", crate::sensitive::ShowMap(map)));
            }
            let map: Map<String, Value> = [("clientSecret".to_string(), body.clone())].into_iter().collect();
            outputs.push(format!("{:?}", crate::sensitive::ShowMap(&map)));
            for (_, _, secret) in &plants {
                for output in &outputs {
                    prop_assert!(!output.contains(secret.as_str()), "{secret} shown in {output}");
                }
            }
        }

        #[test]
        fn signatures_go_and_the_rest_stays(
            prefix in "([ac-fh-z]{0,40} )?",
            sig in "[A-Za-z0-9%+/=]{1,40}",
            suffix in "(&[a-z]{1,5}=[a-z]{1,5}){0,3}",
        ) {
            // A name in the suffix that is secret itself is rightly hidden too.
            prop_assume!(!suffix
                .split('&')
                .any(|pair| pair.split('=').next().is_some_and(crate::sensitive::is_secret_name)));
            let text = format!("{prefix}https://a.blob.core.windows.net/c?sv=1&sig={sig}{suffix}");
            let expected = format!("{prefix}https://a.blob.core.windows.net/c?sv=1&sig=REDACTED{suffix}");
            prop_assert_eq!(crate::sensitive::redact(&text), expected);
        }

        #[test]
        fn redaction_never_panics(text in "\\PC{0,300}") {
            let _ = crate::sensitive::redact(&text);
            let _ = crate::sensitive::serde_message(&text);
        }
    }

    #[test]
    fn redaction_takes_linear_time() {
        // Shapes that would make a naive scanner go back and forth.
        for unit in [
            "a:",
            "\"password\":\"",
            "key=",
            "\\\\\\\"",
            "Bearer ",
            "eyJ.",
            "%3D",
        ] {
            let small = unit.repeat(2_000);
            let large = unit.repeat(200_000);
            let time = |text: &str| {
                let started = std::time::Instant::now();
                let _ = crate::sensitive::redact(text);
                started.elapsed()
            };
            let (t_small, t_large) = (time(&small), time(&large));
            // 100× the text; allow 1,000× the time (noise), not 10,000×.
            assert!(
                t_large < t_small * 1_000 + std::time::Duration::from_secs(2),
                "{unit:?}: {t_small:?} for 2,000, {t_large:?} for 200,000"
            );
        }
    }
}
