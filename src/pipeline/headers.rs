//! Headers the client sends on every API call: the publisher id
//! (`x-ms-publisherId`) and whatever the caller adds with
//! [`crate::ClientBuilder::default_header`], checked once when the client
//! is built.

use std::fmt;

use http::header::{HeaderMap, HeaderName, HeaderValue};

use crate::sensitive::{is_secret_name, redact, REDACTED};

/// The header that carries the account's numeric publisher id.
pub(crate) const PUBLISHER_ID_HEADER: &str = "x-ms-publisherId";

/// Headers the pipeline sets itself, or that HTTP owns: a default value for
/// them would be overwritten or would break the request.
const RESERVED: &[&str] = &[
    "authorization",
    "client-request-id",
    "content-length",
    "content-type",
    "host",
    "if-match",
    "transfer-encoding",
    "connection",
];

/// Headers sent on every API call, in the order they were added. A header
/// the request already carries is left as the request has it.
#[derive(Clone, Default)]
pub(crate) struct DefaultHeaders(Vec<(HeaderName, HeaderValue)>);

impl DefaultHeaders {
    /// Adds `name: value`, replacing an earlier value of the same name.
    /// The error says what is wrong with it.
    pub(crate) fn add(&mut self, name: &str, value: &str) -> Result<(), String> {
        let header = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("`{}` is not a valid HTTP header name", redact(name.trim())))?;
        if RESERVED.contains(&header.as_str()) {
            return Err(format!(
                "the header `{header}` is set by the client itself and cannot be a default header"
            ));
        }
        let secret = is_secret(header.as_str(), value);
        let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
            let shown = if secret { REDACTED.to_string() } else { value.to_string() };
            format!(
                "the value `{shown}` of the header `{header}` holds characters an HTTP header cannot carry"
            )
        })?;
        value.set_sensitive(secret);
        self.0.retain(|(n, _)| *n != header);
        self.0.push((header, value));
        Ok(())
    }

    /// Sets every default header the request does not carry already.
    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.0 {
            headers.entry(name.clone()).or_insert_with(|| value.clone());
        }
    }

    /// Whether there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Checks a publisher id: the service wants a positive number.
pub(crate) fn check_publisher_id(id: &str) -> Result<(), String> {
    let id = id.trim();
    match id.parse::<u64>() {
        Ok(n) if n > 0 => Ok(()),
        _ => Err(format!(
            "the publisher id `{}` is not a positive number; use the account's numeric publisher id (Partner Center, Account settings, Legal info, \"Publisher ID\"/\"Seller ID\")",
            redact(id)
        )),
    }
}

/// Whether a header value must not be shown: by its name (`…key`,
/// `…secret`, `authorization`, `cookie`) or by its shape (a token).
pub(crate) fn is_secret(name: &str, value: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    is_secret_name(&lower)
        || lower.contains("auth")
        || lower.contains("cookie")
        || lower.contains("signature")
        || redact(value) != value
}

/// Shows `name: value` pairs with secret values hidden.
pub(crate) struct Shown<'a>(pub(crate) &'a [(String, String)]);

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if is_secret(name, value) {
                map.entry(name, &REDACTED);
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

impl fmt::Debug for DefaultHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.0 {
            match value.to_str() {
                Ok(text) if !value.is_sensitive() && !is_secret(name.as_str(), text) => {
                    map.entry(&name.as_str(), &text)
                }
                _ => map.entry(&name.as_str(), &REDACTED),
            };
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_checked_and_secrets_hidden() {
        let mut h = DefaultHeaders::default();
        h.add("x-ms-publisherId", "12345").unwrap();
        h.add("X-Feature", "on").unwrap();
        h.add("Ocp-Apim-Subscription-Key", "k3y-value").unwrap();
        h.add("x-feature", "off").unwrap();
        let shown = format!("{h:?}");
        assert!(shown.contains("\"x-ms-publisherid\": \"12345\""), "{shown}");
        assert!(shown.contains("\"x-feature\": \"off\""), "{shown}");
        assert!(!shown.contains("k3y-value"), "{shown}");
        assert!(!shown.contains("\"on\""), "{shown}");
        let mut map = HeaderMap::new();
        map.insert("x-feature", HeaderValue::from_static("mine"));
        h.apply(&mut map);
        assert_eq!(map["x-feature"], "mine");
        assert_eq!(map["x-ms-publisherid"], "12345");
        assert!(map["ocp-apim-subscription-key"].is_sensitive());

        assert!(h.add("bad name", "x").unwrap_err().contains("not a valid"));
        assert!(h
            .add("Authorization", "x")
            .unwrap_err()
            .contains("set by the client"));
        let err = h.add("x-api-key", "line\nbreak").unwrap_err();
        assert!(err.contains("REDACTED") && !err.contains("break"), "{err}");
        assert!(check_publisher_id("0").is_err());
        assert!(check_publisher_id("-3").is_err());
        assert!(check_publisher_id("abc").is_err());
        assert!(check_publisher_id(" 7654321 ").is_ok());
    }
}
