//! The service's error answers: [`ApiError`] and the parser of their wire
//! forms.
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

use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::net::{html_title, looks_like_html};
use crate::sensitive::{self, shown};

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
pub(crate) const MAX_SNIPPET: usize = 300;

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
