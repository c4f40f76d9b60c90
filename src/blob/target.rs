//! The blob an upload goes to, and how to show it without its signature.

use std::path::{Path, PathBuf};

use url::Url;

use crate::secret::SasUri;

use super::{UploadError, UploadErrorKind, MAX_TEXT};

/// The blob an upload goes to, and how to show it.
pub(super) struct Target {
    pub(super) url: Url,
    /// The URL without its query, for errors and logs.
    pub(super) shown: String,
    /// The signature, as it is in the URL and decoded, to scrub from any
    /// text Storage sends back.
    pub(super) signatures: Vec<String>,
    pub(super) file: Option<PathBuf>,
}

impl Target {
    pub(super) fn parse(sas: &SasUri, file: Option<&Path>) -> Result<Target, UploadError> {
        let file = file.map(Path::to_path_buf);
        let fail = |reason: &str| UploadError {
            file: file.clone(),
            blob: String::from("(SAS URL)"),
            kind: UploadErrorKind::InvalidSasUri {
                reason: reason.to_string(),
            },
        };
        let url = Url::parse(sas.expose().trim()).map_err(|e| fail(&e.to_string()))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(fail("it is not an http(s) URL"));
        }
        if url.host_str().is_none() {
            return Err(fail("it has no host"));
        }
        if url.path().trim_matches('/').is_empty() {
            return Err(fail("it names no container and blob"));
        }
        let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
        if let Some(port) = url.port() {
            shown.push_str(&format!(":{port}"));
        }
        shown.push_str(url.path());
        if url.query().is_some() {
            shown.push_str("?[SAS redacted]");
        }
        let mut signatures = Vec::new();
        if let Some(query) = url.query() {
            for pair in query.split('&') {
                if let Some((key, value)) = pair.split_once('=') {
                    if key.eq_ignore_ascii_case("sig") && !value.is_empty() {
                        signatures.push(value.to_string());
                    }
                }
            }
        }
        for (key, value) in url.query_pairs() {
            if key.eq_ignore_ascii_case("sig") && !value.is_empty() {
                signatures.push(value.into_owned());
            }
        }
        signatures.sort_by_key(|s| std::cmp::Reverse(s.len()));
        signatures.dedup();
        Ok(Target {
            url,
            shown,
            signatures,
            file,
        })
    }

    pub(super) fn error(&self, kind: UploadErrorKind) -> UploadError {
        UploadError {
            file: self.file.clone(),
            blob: self.shown.clone(),
            kind,
        }
    }

    /// `text` without the signature in any form, shortened.
    pub(super) fn scrub(&self, text: &str) -> String {
        let mut text = text.trim().to_string();
        for signature in &self.signatures {
            text = text.replace(signature.as_str(), "REDACTED");
        }
        let mut text = crate::sensitive::redact(&text);
        if text.len() > MAX_TEXT {
            let mut end = MAX_TEXT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push('…');
        }
        text
    }
}
