//! The crate's error type: what went wrong, by kind. The service's own
//! error answers are [`ApiError`]s, read by [`super::wire`].

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::auth::AuthError;
use crate::error::throttled::Throttled;
use crate::error::wire::{ApiError, MAX_SNIPPET};
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

    /// The service kept refusing the request for now (`429`, `503`) and
    /// the client stopped at one of its bounds (tries, retry budget, the
    /// caller's deadline) instead of waiting longer: see [`Throttled`].
    Throttled(Box<Throttled>),

    /// Something answered, but not in HTTP the client can read (a header
    /// value with a control byte, a broken status line): a proxy or a
    /// server in front of the service is misbehaving.
    MalformedAnswer {
        /// The request's method and URL, without its query.
        url: String,
        /// What the HTTP stack could not read.
        source: reqwest::Error,
        /// The `Client-Request-ID` the request carried.
        client_request_id: String,
    },

    /// An answer was larger than the client reads
    /// ([`crate::ClientBuilder::max_response_size`]); it was refused as
    /// soon as the limit was passed, without reading the rest.
    TooLarge {
        /// What answered: the request's method and URL, without its query,
        /// or the token endpoint.
        url: String,
        /// The limit, in bytes.
        limit: u64,
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
            Error::Throttled(t) => write!(f, "{t}"),
            Error::MalformedAnswer {
                url,
                source,
                client_request_id,
            } => write!(
                f,
                "the answer to {url} could not be read as HTTP ({}; client request id {client_request_id}): something between the client and the service, or the server itself, sends answers that break HTTP's rules; check the endpoint and any proxy",
                innermost(source)
            ),
            Error::TooLarge { url, limit } => write!(
                f,
                "the answer to {url} is larger than the {} the client reads; it was refused without reading the rest (raise ClientBuilder::max_response_size if such answers are expected)",
                bytes_shown(*limit)
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
            Error::Transport { source, .. } | Error::MalformedAnswer { source, .. } => Some(source),
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

impl From<crate::blob::UploadError> for Error {
    fn from(error: crate::blob::UploadError) -> Self {
        Error::Upload(Box::new(error))
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
            Error::Throttled(t) => f.debug_tuple("Throttled").field(t).finish(),
            Error::MalformedAnswer {
                url,
                source,
                client_request_id,
            } => f
                .debug_struct("MalformedAnswer")
                .field("url", url)
                .field("source", source)
                .field("client_request_id", client_request_id)
                .finish(),
            Error::TooLarge { url, limit } => f
                .debug_struct("TooLarge")
                .field("url", url)
                .field("limit", limit)
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
    /// The service's error details, for [`Error::Api`] and
    /// [`Error::EtagMismatch`], and the last answer of [`Error::Throttled`].
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::EtagMismatch(e) => Some(e),
            Error::Throttled(t) => t.answer.as_ref(),
            _ => None,
        }
    }

    /// The HTTP status, when the service answered (for [`Error::Throttled`],
    /// `429` or `503` even when this request was held back by another's).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Throttled(t) => Some(t.status),
            _ => self.api().map(|e| e.status),
        }
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
            }
            | Error::MalformedAnswer {
                client_request_id, ..
            } => Some(client_request_id),
            Error::Throttled(t) => Some(&t.client_request_id),
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

/// The innermost cause of an error, which says what was wrong rather
/// than "error sending request".
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// A number of bytes as people read it (`64 MiB`, `300 KiB`, `12 bytes`).
fn bytes_shown(n: u64) -> String {
    const MIB: u64 = 1 << 20;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

fn request_label(client_request_id: Option<&str>) -> String {
    client_request_id
        .map(|id| format!(" (client request id {id})"))
        .unwrap_or_default()
}
