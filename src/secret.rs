//! Values that must never be shown: `Debug` and `Display` hide them.
//!
//! * [`Secret`]: client secrets, access tokens, and the secrets inside API
//!   payloads (lead destination passwords, storage connection strings,
//!   application keys).
//! * [`SasUri`]: Azure Storage SAS URLs (`fileSasUri`), which grant write
//!   access until they expire; shown with their `sig=` signature redacted.
//!
//! Both serialize as the plain string, so they go to the service intact;
//! read them with `expose()`.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::sensitive::redact;

/// A secret string. Its `Debug` and `Display` never show it; read it with
/// [`Secret::expose`]. Clones share one copy.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(Arc::from(secret.into()))
    }

    /// The secret itself. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(REDACTED)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("REDACTED")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(Arc::from(s))
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

impl schemars::JsonSchema for Secret {
    fn schema_name() -> Cow<'static, str> {
        "Secret".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "password", "writeOnly": true })
    }
}

/// An Azure Storage SAS URL. `Debug` and `Display` show it with its
/// signature redacted; [`SasUri::expose`] gives the whole URL.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SasUri(String);

impl SasUri {
    /// Wraps a SAS URL.
    pub fn new(uri: impl Into<String>) -> Self {
        SasUri(uri.into())
    }

    /// The whole URL, signature included. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SasUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SasUri({:?})", redact(&self.0))
    }
}

impl fmt::Display for SasUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl From<String> for SasUri {
    fn from(s: String) -> Self {
        SasUri(s)
    }
}

impl From<&str> for SasUri {
    fn from(s: &str) -> Self {
        SasUri(s.to_string())
    }
}

impl Serialize for SasUri {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SasUri {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SasUri)
    }
}

impl schemars::JsonSchema for SasUri {
    fn schema_name() -> Cow<'static, str> {
        "SasUri".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "uri" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_but_serialized_intact() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?} {secret}"), "Secret(REDACTED) REDACTED");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"hunter2\"");
        let uri = SasUri::new("https://a.blob.core.windows.net/c/f?sv=1&sig=abc&se=2");
        assert_eq!(
            uri.to_string(),
            "https://a.blob.core.windows.net/c/f?sv=1&sig=REDACTED&se=2"
        );
        assert!(!format!("{uri:?}").contains("abc"));
        assert_eq!(serde_json::to_value(&uri).unwrap(), uri.expose());
        let back: SasUri = serde_json::from_str("\"https://x/?sig=q\"").unwrap();
        assert_eq!(back.expose(), "https://x/?sig=q");
    }
}
