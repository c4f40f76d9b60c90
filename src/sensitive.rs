//! What is secret, in one place, and how to hide it wherever text is shown.
//!
//! This file depends on nothing but `std` and `serde_json`: the build script
//! compiles it too (`src/codegen/`), so that the fields code generation
//! types as [`crate::Secret`] are the ones this redactor hides.
//!
//! A value is secret
//!
//! * **by name**: the value of a JSON property, a `name=value` pair
//!   (connection strings, query strings) or a `name: value` line whose name
//!   [`is_secret_name`]: `password`, anything with `secret`, `key` (but not
//!   `keywords`, `keyName`, …), `connectionString`, `sig`, access tokens,
//!   client assertions, App Service's identity header;
//! * **by shape**: a bearer token (`Bearer …`), a JSON Web Token
//!   (`eyJ….….…`) or a PEM private key block (`-----BEGIN … PRIVATE
//!   KEY-----` to its END line), whatever it is called.
//!
//! [`redact`] is one pass over the text (linear in its length) that reads
//! JSON as well as JSON escaped inside a JSON string (the service's error
//! bodies are such strings), and never fails: text that is not JSON is
//! still scanned for `name=value`, `name: value` and token shapes.

/// What replaces a secret.
pub const REDACTED: &str = "REDACTED";

/// Words that make a name secret wherever they appear in it (compared in
/// lower case, letters and digits only).
const SECRET_WORDS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "connectionstring",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "sastoken",
    "credential",
    "assertion",
    "key",
];

/// Whole names that are secret.
const SECRET_NAMES: &[&str] = &["sig", "pwd", "token", "identityheader", "xidentityheader"];

/// Names with `key` in them that are not secret.
const NOT_SECRET: &[&str] = &[
    "keyword",
    "hidekey",
    "keyname",
    "keyid",
    "keyvault",
    "keytype",
    "publickey",
];

/// Whether a property, parameter or connection-string part of this name
/// holds a secret. Letter case, `_`, `-` and `.` do not matter.
pub fn is_secret_name(name: &str) -> bool {
    if name.is_empty() || name.len() > 128 {
        return false;
    }
    let mut buffer = [0u8; 128];
    let mut len = 0;
    for b in name.bytes().filter(u8::is_ascii_alphanumeric) {
        buffer[len] = b.to_ascii_lowercase();
        len += 1;
    }
    let Ok(lower) = std::str::from_utf8(&buffer[..len]) else {
        return false;
    };
    if lower.is_empty() {
        return false;
    }
    if SECRET_NAMES.contains(&lower) {
        return true;
    }
    if !SECRET_WORDS.iter().any(|w| lower.contains(w)) {
        return false;
    }
    // `key` alone is overruled by the known harmless names; the other
    // words are not.
    let only_key = !SECRET_WORDS[..SECRET_WORDS.len() - 1]
        .iter()
        .any(|w| lower.contains(w));
    !(only_key && NOT_SECRET.iter().any(|w| lower.contains(w)))
}

/// Whether a property of this name holds an Azure Storage SAS URL (shown
/// with its signature hidden rather than hidden whole). Code generation
/// uses it.
#[allow(dead_code)]
pub fn is_sas_uri_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with("sasuri") || lower.ends_with("sasurl")
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$' | b'@')
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Ends an unquoted value.
fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b',' | b';' | b'&' | b'"' | b'\'' | b'<' | b'>' | b'}' | b']' | b')' | b'\\'
        )
}

/// The name written just before the separator at `at` (a `:` or `=`),
/// skipping blanks, quotes and the backslashes of escaped quotes.
fn name_before(bytes: &[u8], at: usize) -> &[u8] {
    let floor = at.saturating_sub(160);
    let mut end = at;
    while end > floor && matches!(bytes[end - 1], b' ' | b'\t' | b'"' | b'\\' | b'\'') {
        end -= 1;
    }
    let mut start = end;
    while start > floor && end - start < 128 && is_name_byte(bytes[start - 1]) {
        start -= 1;
    }
    // `…%3Fsig%3D…`: the name starts after the percent escape.
    if start > 0 && bytes[start - 1] == b'%' && end - start > 2 {
        start += 2;
    }
    &bytes[start..end]
}

/// Where the value starting at `from` ends, and whether it is worth hiding
/// (`null`, `true`, `false`, objects and arrays are left alone: names inside
/// an object are looked at one by one). In a percent-encoded pair
/// (`sig%3D…`, `encoded`), an encoded `&` (`%26`) ends the value too.
fn value_span(bytes: &[u8], from: usize, encoded: bool) -> Option<(usize, usize)> {
    let mut start = from;
    while start < bytes.len() && matches!(bytes[start], b' ' | b'\t') {
        start += 1;
    }
    // A quoted value: as many backslashes before the closing quote as
    // before the opening one (JSON inside JSON strings escapes both alike).
    let mut slashes = 0;
    while start + slashes < bytes.len() && bytes[start + slashes] == b'\\' {
        slashes += 1;
    }
    let quote = bytes.get(start + slashes).copied();
    if let Some(q @ (b'"' | b'\'')) = quote {
        let open_end = start + slashes + 1;
        let mut i = open_end;
        let mut run = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => run += 1,
                b if b == q && run == slashes => return Some((open_end, i - slashes)),
                _ => run = 0,
            }
            i += 1;
        }
        return Some((open_end, bytes.len()));
    }
    if slashes > 0 {
        return None;
    }
    let mut end = start;
    while end < bytes.len()
        && !ends_value(bytes[end])
        && !(encoded && bytes[end..].starts_with(b"%26"))
    {
        end += 1;
    }
    let value = &bytes[start..end];
    if value.is_empty()
        || value.starts_with(b"{")
        || value.starts_with(b"[")
        || matches!(value, b"null" | b"true" | b"false")
    {
        return None;
    }
    Some((start, end))
}

/// Hides every secret in `text` (see the module documentation).
pub fn redact(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // Everything before `copied` is in `out`.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let after_boundary = i == 0 || !is_token_byte(bytes[i - 1]);
        // `name: value`, `name=value`, `name%3Dvalue`.
        let separator = match b {
            b':' | b'=' => 1,
            b'%' if bytes.get(i + 1) == Some(&b'3')
                && matches!(bytes.get(i + 2), Some(b'D' | b'd')) =>
            {
                3
            }
            _ => 0,
        };
        if separator > 0 {
            let name = name_before(bytes, i);
            let secret = std::str::from_utf8(name).is_ok_and(is_secret_name);
            if secret {
                if let Some((start, end)) = value_span(bytes, i + separator, separator == 3) {
                    out.push_str(&text[copied..start]);
                    out.push_str(REDACTED);
                    copied = end;
                    i = end;
                    continue;
                }
            }
            i += separator;
            continue;
        }
        // `Bearer <token>`.
        if after_boundary
            && matches!(b, b'b' | b'B')
            && bytes.len() > i + 7
            && bytes[i..i + 6].eq_ignore_ascii_case(b"bearer")
            && bytes[i + 6] == b' '
        {
            let mut start = i + 6;
            while start < bytes.len() && bytes[start] == b' ' {
                start += 1;
            }
            let mut end = start;
            while end < bytes.len() && !ends_value(bytes[end]) {
                end += 1;
            }
            if end > start {
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
            }
            i = end;
            continue;
        }
        // A PEM private key, whole.
        if b == b'-' && bytes[i..].starts_with(b"-----BEGIN ") {
            let label_end = bytes[i + 11..]
                .windows(5)
                .position(|w| w == b"-----")
                .map(|p| i + 11 + p);
            if let Some(label_end) = label_end {
                if bytes[i + 11..label_end].ends_with(b"PRIVATE KEY") {
                    let end = bytes[label_end + 5..]
                        .windows(8)
                        .position(|w| w == b"-----END")
                        .and_then(|p| {
                            let from = label_end + 5 + p + 8;
                            bytes[from..]
                                .windows(5)
                                .position(|w| w == b"-----")
                                .map(|q| from + q + 5)
                        })
                        .unwrap_or(bytes.len());
                    out.push_str(&text[copied..i]);
                    out.push_str(REDACTED);
                    copied = end;
                    i = end;
                    continue;
                }
            }
        }
        // A JSON Web Token: `eyJ…` with two dots.
        if after_boundary && b == b'e' && bytes[i..].starts_with(b"eyJ") {
            let mut end = i;
            let mut dots = 0;
            while end < bytes.len() && is_token_byte(bytes[end]) {
                dots += usize::from(bytes[end] == b'.');
                end += 1;
            }
            if dots >= 2 {
                out.push_str(&text[copied..i]);
                out.push_str(REDACTED);
                copied = end;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// Shortens `text` to at most `max` bytes, on a character boundary.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The text of a body as shown in messages: secrets hidden, then shortened.
pub fn shown(text: &str, max: usize) -> String {
    truncate(&redact(text), max)
}

/// Shows a JSON value like `Debug` does, with the values of secret names and
/// secrets in strings hidden.
pub struct ShowJson<'a>(pub &'a serde_json::Value);

/// Shows a JSON object like `Debug` does, with secrets hidden (the `extra`
/// fields of the generated types, unknown kinds of unions).
pub struct ShowMap<'a>(pub &'a serde_json::Map<String, serde_json::Value>);

impl std::fmt::Debug for ShowJson<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use serde_json::Value;
        match self.0 {
            Value::String(s) => std::fmt::Debug::fmt(&redact(s), f),
            Value::Array(items) => f.debug_list().entries(items.iter().map(ShowJson)).finish(),
            Value::Object(map) => ShowMap(map).fmt(f),
            other => std::fmt::Debug::fmt(other, f),
        }
    }
}

impl std::fmt::Debug for ShowMap<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Hidden;
        impl std::fmt::Debug for Hidden {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(REDACTED)
            }
        }
        let mut map = f.debug_map();
        for (key, value) in self.0 {
            let scalar = !matches!(
                value,
                serde_json::Value::Object(_)
                    | serde_json::Value::Array(_)
                    | serde_json::Value::Null
            );
            if scalar && is_secret_name(key) {
                map.entry(key, &Hidden);
            } else if is_secret_name(key) {
                // An object or list under a secret name: hide every scalar.
                map.entry(key, &HideAll(value));
            } else {
                map.entry(key, &ShowJson(value));
            }
        }
        map.finish()
    }
}

/// Every scalar of a value hidden, its shape kept.
struct HideAll<'a>(&'a serde_json::Value);

impl std::fmt::Debug for HideAll<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use serde_json::Value;
        match self.0 {
            Value::Array(items) => f.debug_list().entries(items.iter().map(HideAll)).finish(),
            Value::Object(map) => f
                .debug_map()
                .entries(map.iter().map(|(k, v)| (k, HideAll(v))))
                .finish(),
            Value::Null => f.write_str("Null"),
            _ => f.write_str(REDACTED),
        }
    }
}

/// A message of `serde_json` about a body, with the values it quotes
/// (`invalid type: string "…"`, ``unknown variant `…` ``) hidden: they may
/// come from a secret field.
pub fn serde_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    loop {
        let next = [
            ("string \"", '"'),
            ("variant `", '`'),
            ("integer `", '`'),
            ("floating point `", '`'),
            ("character `", '`'),
        ]
        .into_iter()
        .filter_map(|(opener, close)| rest.find(opener).map(|i| (i, opener, close)))
        .min_by_key(|(i, _, _)| *i);
        let Some((at, opener, close)) = next else {
            out.push_str(rest);
            return redact(&out);
        };
        let start = at + opener.len();
        out.push_str(&rest[..start]);
        let bytes = rest.as_bytes();
        let mut end = start;
        while end < bytes.len() {
            if bytes[end] == b'\\' {
                end += 2;
                continue;
            }
            if bytes[end] == close as u8 {
                break;
            }
            end += 1;
        }
        let mut end = end.min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        out.push_str(REDACTED);
        rest = &rest[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for name in [
            "password",
            "applicationKey",
            "azureActiveDirectoryApplicationKey",
            "clientSecret",
            "client_secret",
            "connectionString",
            "AccountKey",
            "SharedAccessKey",
            "sig",
            "access_token",
            "x-api-key",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "keywords",
            "hideKeys",
            "hideKeyAudience",
            "SharedAccessKeyName",
            "AccountName",
            "skipToken",
            "$skipToken",
            "name",
            "fileSasUri",
            "authentication",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn by_name_and_by_shape() {
        for (input, want) in [
            (
                "https://a.blob.core.windows.net/c/f?sv=1&sig=abc%2Bdef&se=2",
                "https://a.blob.core.windows.net/c/f?sv=1&sig=REDACTED&se=2",
            ),
            (
                "Authorization: Bearer eyJ0eXAi.x.y",
                "Authorization: Bearer REDACTED",
            ),
            ("token was Bearer abc.def", "token was Bearer REDACTED"),
            ("no secrets", "no secrets"),
            (
                r#"{"userName":"u","password":"p@ss \"w\"","applicationKey":12345}"#,
                r#"{"userName":"u","password":"REDACTED","applicationKey":REDACTED}"#,
            ),
            (
                r#""ICH1 - bad. {\"password\":\"hunter2\",\"x\":\"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9v+/==;EndpointSuffix=core.windows.net\"}""#,
                r#""ICH1 - bad. {\"password\":\"REDACTED\",\"x\":\"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=REDACTED;EndpointSuffix=core.windows.net\"}""#,
            ),
            (
                "Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=abc=",
                "Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=REDACTED",
            ),
            ("jwt eyJhbGc.eyJzdWIi.c2ln here", "jwt REDACTED here"),
            (
                "key -----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n after",
                "key REDACTED\n after",
            ),
            ("-----BEGIN RSA PRIVATE KEY-----\nMIIE cut", "REDACTED"),
            (
                "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----",
                "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----",
            ),
            (
                "client_assertion=abc.def&client_id=x",
                "client_assertion=REDACTED&client_id=x",
            ),
            (
                "X-IDENTITY-HEADER: hdr-value",
                "X-IDENTITY-HEADER: REDACTED",
            ),
            (r#"{"password": null}"#, r#"{"password": null}"#),
            (r#"{"password":"cut-off"#, r#"{"password":"REDACTED"#),
            (
                "u=https%3A%2F%2Fx%3Fsig%3Dabc%26se",
                "u=https%3A%2F%2Fx%3Fsig%3DREDACTED%26se",
            ),
        ] {
            assert_eq!(redact(input), want, "{input}");
        }
    }

    #[test]
    fn maps_hide_by_name_and_shape() {
        let value = serde_json::json!({
            "clientSecret": "s3cr3t",
            "nested": { "password": "pw", "list": ["Bearer tok", 1] },
            "keys": { "primary": "k1" },
            "keywords": ["fine"]
        });
        let shown = format!("{:?}", ShowJson(&value));
        for hidden in ["s3cr3t", "pw\"", "tok", "k1"] {
            assert!(!shown.contains(hidden), "{shown}");
        }
        assert!(shown.contains("fine"), "{shown}");
    }

    #[test]
    fn serde_messages_do_not_quote_values() {
        assert_eq!(
            serde_message("invalid type: string \"hun\\\"ter2\", expected u64 at line 1 column 9"),
            "invalid type: string \"REDACTED\", expected u64 at line 1 column 9"
        );
        assert_eq!(
            serde_message("unknown variant `hunter2`, expected `a`"),
            "unknown variant `REDACTED`, expected `a`"
        );
    }
}
