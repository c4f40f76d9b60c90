//! Get Blob and Get Blob Properties (`HEAD`), as Microsoft's storage SDKs
//! use them: whole or by range (`x-ms-range` or `Range`, answered `206` with
//! `Content-Range`), with `If-Match`, and with the blob's properties in
//! headers (`ETag`, `Last-Modified`, `Content-Length`, `Content-MD5`,
//! `x-ms-creation-time`, `Accept-Ranges`).

use std::io::SeekFrom;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::blob_props::{blob_path, load_props, set, storage_error, Props};
use crate::clock::{httpdate, millis};
use crate::errors::storage;
use crate::http::Resp;
use crate::shared::Settings;

/// The largest range whose MD5 `x-ms-range-get-content-md5` may ask for.
const MAX_RANGE_MD5: u64 = 4 * 1024 * 1024;

/// A byte range asked for, inclusive, not yet fitted to the blob.
#[derive(Debug, PartialEq, Eq)]
enum Asked {
    /// From this byte to the end, or to the second one.
    From(u64, Option<u64>),
    /// The last this many bytes.
    Last(u64),
}

/// Reads `bytes=a-b`, `bytes=a-` or `bytes=-n`; `None`: not a range this serves.
fn parse_range(text: &str) -> Option<Asked> {
    let spec = text.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        return Some(Asked::Last(b.parse().ok()?));
    }
    let start = a.parse().ok()?;
    let end = if b.is_empty() {
        None
    } else {
        Some(b.parse().ok()?)
    };
    if end.is_some_and(|e| e < start) {
        return None;
    }
    Some(Asked::From(start, end))
}

/// The inclusive range to send of a blob of `len` bytes, or `None` if unsatisfiable.
fn fit(asked: &Asked, len: u64) -> Option<(u64, u64)> {
    match *asked {
        Asked::From(start, _) if start >= len => None,
        Asked::From(start, end) => Some((start, end.unwrap_or(u64::MAX).min(len - 1))),
        Asked::Last(0) => None,
        Asked::Last(_) if len == 0 => None,
        Asked::Last(n) => Some((len.saturating_sub(n), len - 1)),
    }
}

fn bare(tag: &str) -> &str {
    tag.trim().trim_start_matches("W/").trim_matches('"')
}

fn matches_any(list: &str, etag: &str) -> bool {
    list.split(',')
        .any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

/// The properties of a blob written before they were kept: from its file.
fn props_from_file(meta: &std::fs::Metadata) -> Props {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(millis)
        .unwrap_or(0);
    Props {
        content_type: None,
        content_md5: None,
        created_ms: modified,
        modified_ms: modified,
        etag: format!("\"0x{modified:015X}\""),
    }
}

fn describe(h: &mut HeaderMap, p: &Props) {
    let ctype = p
        .content_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    set(h, "content-type", ctype);
    set(h, "etag", &p.etag);
    set(h, "last-modified", &httpdate(p.modified_ms));
    set(h, "x-ms-creation-time", &httpdate(p.created_ms));
    h.insert("accept-ranges", HeaderValue::from_static("bytes"));
    h.insert("x-ms-blob-type", HeaderValue::from_static("BlockBlob"));
    h.insert("x-ms-lease-status", HeaderValue::from_static("unlocked"));
    h.insert("x-ms-lease-state", HeaderValue::from_static("available"));
    h.insert("x-ms-server-encrypted", HeaderValue::from_static("true"));
}

fn stream(file: tokio::fs::File, len: u64) -> Body {
    let reader = file.take(len);
    let s = futures::stream::unfold(reader, |mut f| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    Body::from_stream(s)
}

/// Get Blob (`head` false) or Get Blob Properties (`head` true).
pub async fn get_blob(
    s: &Settings,
    headers: &HeaderMap,
    container: &str,
    blob: &str,
    head: bool,
) -> Resp {
    let strip = |mut r: Resp| {
        if head {
            *r.body_mut() = Body::empty();
        }
        r
    };
    let path = blob_path(s, container, blob);
    let Ok(mut file) = tokio::fs::File::open(&path).await else {
        return strip(storage_error(
            StatusCode::NOT_FOUND,
            storage::BLOB_NOT_FOUND,
            "The specified blob does not exist.",
        ));
    };
    let Ok(meta) = file.metadata().await else {
        return strip(storage_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            storage::INTERNAL_ERROR,
            "The server could not read the blob.",
        ));
    };
    let len = meta.len();
    let props = match load_props(s, container, blob).await {
        Some(p) => p,
        None => props_from_file(&meta),
    };
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    if let Some(want) = header("if-match") {
        if !matches_any(want, &props.etag) {
            return strip(storage_error(
                StatusCode::PRECONDITION_FAILED,
                storage::CONDITION_NOT_MET,
                "The condition specified using HTTP conditional header(s) is not met.",
            ));
        }
    }
    if header("if-none-match").is_some_and(|n| matches_any(n, &props.etag)) {
        let mut r = Resp::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        describe(r.headers_mut(), &props);
        return r;
    }
    // HEAD answers the whole blob's properties; a range applies to Get Blob.
    let asked = if head {
        None
    } else {
        header("x-ms-range")
            .or(header("range"))
            .and_then(parse_range)
    };
    let range = match &asked {
        None => None,
        Some(a) => match fit(a, len) {
            Some(r) => Some(r),
            None => {
                let mut r = storage_error(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    storage::INVALID_RANGE,
                    "The range specified is invalid for the current size of the resource.",
                );
                set(r.headers_mut(), "content-range", &format!("bytes */{len}"));
                return r;
            }
        },
    };
    let (start, count) = match range {
        Some((a, b)) => (a, b - a + 1),
        None => (0, len),
    };
    let want_range_md5 = range.is_some()
        && header("x-ms-range-get-content-md5").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if want_range_md5 && count > MAX_RANGE_MD5 {
        return storage_error(
            StatusCode::BAD_REQUEST,
            storage::OUT_OF_RANGE_INPUT,
            "The range for which x-ms-range-get-content-md5 is asked must be 4 MiB or less.",
        );
    }
    let mut range_md5 = None;
    let body = if head {
        Body::empty()
    } else {
        if start > 0 && file.seek(SeekFrom::Start(start)).await.is_err() {
            return storage_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                storage::INTERNAL_ERROR,
                "The server could not read the blob.",
            );
        }
        if want_range_md5 {
            let mut buf = Vec::with_capacity(count as usize);
            if (&mut file).take(count).read_to_end(&mut buf).await.is_err() {
                return storage_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    storage::INTERNAL_ERROR,
                    "The server could not read the blob.",
                );
            }
            range_md5 = Some(STANDARD.encode(Md5::digest(&buf)));
            Body::from(buf)
        } else {
            stream(file, count)
        }
    };
    let mut r = Resp::new(body);
    let h = r.headers_mut();
    describe(h, &props);
    h.insert("content-length", HeaderValue::from(count));
    match range {
        Some((a, b)) => {
            set(h, "content-range", &format!("bytes {a}-{b}/{len}"));
            if let Some(m) = &props.content_md5 {
                set(h, "x-ms-blob-content-md5", m);
            }
            if let Some(m) = &range_md5 {
                set(h, "content-md5", m);
            }
        }
        None => {
            if let Some(m) = &props.content_md5 {
                set(h, "content-md5", m);
            }
        }
    }
    if range.is_some() {
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_fit() {
        assert_eq!(parse_range("bytes=0-9"), Some(Asked::From(0, Some(9))));
        assert_eq!(parse_range("bytes=5-"), Some(Asked::From(5, None)));
        assert_eq!(parse_range("bytes=-3"), Some(Asked::Last(3)));
        assert_eq!(parse_range("bytes=9-5"), None);
        assert_eq!(parse_range("items=0-1"), None);
        assert_eq!(fit(&Asked::From(0, Some(99)), 10), Some((0, 9)));
        assert_eq!(fit(&Asked::From(10, None), 10), None);
        assert_eq!(fit(&Asked::Last(3), 10), Some((7, 9)));
        assert_eq!(fit(&Asked::From(0, None), 0), None);
    }
}
