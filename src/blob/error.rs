//! What can go wrong uploading, and Storage's own error answers.

use std::fmt;
use std::path::{Path, PathBuf};

use http::StatusCode;

use super::target::Target;
use super::{MAX_BLOCKS, MAX_ERROR_BODY};

/// A Storage call, for errors and logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// The whole blob in one request.
    PutBlob,
    /// One block of a block upload.
    PutBlock {
        /// The block's position, from 0.
        index: u64,
        /// Where the block starts in the source.
        offset: u64,
        /// The block's length.
        len: u64,
    },
    /// The list of blocks that makes the blob.
    PutBlockList,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operation::PutBlob => f.write_str("Put Blob"),
            Operation::PutBlock { index, offset, len } => write!(
                f,
                "Put Block {index} (bytes {offset}..{})",
                offset.saturating_add(*len)
            ),
            Operation::PutBlockList => f.write_str("Put Block List"),
        }
    }
}

/// What Azure Storage answered to a request it refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StorageError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Storage's error code (`<Code>` or `x-ms-error-code`), for example
    /// `AuthenticationFailed`, `Md5Mismatch`, `InvalidBlockList`.
    pub code: Option<String>,
    /// Storage's `<Message>` (signature redacted).
    pub message: Option<String>,
    /// `<AuthenticationErrorDetail>`, for a refused signature (redacted).
    pub authentication_detail: Option<String>,
    /// `x-ms-request-id`, which Azure support asks for.
    pub request_id: Option<String>,
}

impl StorageError {
    pub(super) async fn read(response: reqwest::Response, target: &Target) -> StorageError {
        let status = response.status();
        let headers = response.headers().clone();
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| target.scrub(v))
                .filter(|v| !v.is_empty())
        };
        let body = read_limited(response, MAX_ERROR_BODY).await;
        let body = String::from_utf8_lossy(&body);
        let field = |tag: &str| xml_element(&body, tag).map(|v| target.scrub(&v));
        StorageError {
            status,
            code: field("Code").or_else(|| get("x-ms-error-code")),
            message: field("Message"),
            authentication_detail: field("AuthenticationErrorDetail"),
            request_id: get("x-ms-request-id"),
        }
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            // Storage appends "RequestId:…\nTime:…" lines; the first says it.
            let first = message.lines().next().unwrap_or_default().trim();
            write!(f, ": {first}")?;
        }
        if let Some(detail) = &self.authentication_detail {
            write!(f, " ({})", detail.lines().next().unwrap_or_default().trim())?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (x-ms-request-id {id})")?;
        }
        if self.status == StatusCode::FORBIDDEN {
            f.write_str(
                "; the SAS URL may have expired or been altered: ask the API for the resource again to get a fresh fileSasUri",
            )?;
        }
        Ok(())
    }
}

/// At most `limit` bytes of a response body; what arrived before a failure.
pub(super) async fn read_limited(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    body
}

/// The text of the first `<tag>…</tag>` in `xml`, entities decoded.
pub(super) fn xml_element(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    let text = xml[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// An upload that failed: which file, which blob (without its SAS query),
/// and what went wrong.
#[derive(Debug)]
pub struct UploadError {
    pub(super) file: Option<PathBuf>,
    pub(super) blob: String,
    pub(super) kind: UploadErrorKind,
}

impl UploadError {
    /// The file being uploaded, for [`BlobUploader::upload_file`](super::BlobUploader::upload_file).
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The blob's URL without its query (no signature).
    pub fn blob(&self) -> &str {
        &self.blob
    }

    /// What went wrong.
    pub fn kind(&self) -> &UploadErrorKind {
        &self.kind
    }

    /// What Storage answered, when it refused a request.
    pub fn storage(&self) -> Option<&StorageError> {
        match &self.kind {
            UploadErrorKind::Storage { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "uploading `{}` to {}: ", file.display(), self.blob)?,
            None => write!(f, "uploading to {}: ", self.blob)?,
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for UploadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            UploadErrorKind::Read { source } => Some(source),
            UploadErrorKind::Transport { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// What went wrong in an upload.
#[derive(Debug)]
#[non_exhaustive]
pub enum UploadErrorKind {
    /// The SAS URL cannot be used (the URL itself is not shown).
    InvalidSasUri {
        /// Why.
        reason: String,
    },
    /// Reading the file or the reader failed.
    Read {
        /// The I/O error.
        source: std::io::Error,
    },
    /// The source did not yield the length it was said to have (a file that
    /// changed while it was read). Nothing was committed.
    LengthMismatch {
        /// The length given or found beforehand.
        expected: u64,
        /// What was read, or `None` when the source went on past `expected`.
        read: Option<u64>,
    },
    /// The blob would need more than the 50,000 blocks Storage allows.
    TooManyBlocks {
        /// The block size used.
        block_size: usize,
    },
    /// Storage refused a request.
    Storage {
        /// Which request.
        operation: Operation,
        /// How many times it was sent.
        attempts: u32,
        /// What Storage said.
        error: Box<StorageError>,
    },
    /// A request got no answer (connection, TLS, timeout) after every retry.
    Transport {
        /// Which request.
        operation: Operation,
        /// How many times it was sent.
        attempts: u32,
        /// Whether the last try timed out.
        timed_out: bool,
        /// What failed (without the URL).
        source: reqwest::Error,
    },
}

impl fmt::Display for UploadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadErrorKind::InvalidSasUri { reason } => {
                write!(f, "the SAS URL cannot be used: {reason}")
            }
            UploadErrorKind::Read { source } => write!(f, "reading the source failed: {source}"),
            UploadErrorKind::LengthMismatch {
                expected,
                read: Some(read),
            } => write!(
                f,
                "expected {expected} bytes but the source ended after {read} (did the file change while it was uploaded?); nothing was committed"
            ),
            UploadErrorKind::LengthMismatch {
                expected,
                read: None,
            } => write!(
                f,
                "expected {expected} bytes but the source has more (did the file change while it was uploaded?); nothing was committed"
            ),
            UploadErrorKind::TooManyBlocks { block_size } => write!(
                f,
                "with blocks of {block_size} bytes the blob needs more than {MAX_BLOCKS} blocks; use a larger block size"
            ),
            UploadErrorKind::Storage {
                operation,
                attempts,
                error,
            } => {
                write!(f, "{operation} was refused")?;
                if *attempts > 1 {
                    write!(f, " after {attempts} attempts")?;
                }
                write!(f, ": {error}")
            }
            UploadErrorKind::Transport {
                operation,
                attempts,
                timed_out,
                source,
            } => {
                let what = if *timed_out { "timed out" } else { "failed" };
                write!(f, "{operation} {what}")?;
                if *attempts > 1 {
                    write!(f, " after {attempts} attempts")?;
                }
                write!(f, ": {source}")?;
                let mut cause = std::error::Error::source(source);
                while let Some(c) = cause {
                    write!(f, ": {c}")?;
                    cause = c.source();
                }
                Ok(())
            }
        }
    }
}
