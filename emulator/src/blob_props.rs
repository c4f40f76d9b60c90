//! Where blobs are kept and what is known about each: the files in the blob
//! directory, the properties kept beside them (content type, MD5, times,
//! etag), and the answer forms of Azure Storage (its XML errors, its headers).

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::clock::{httpdate, rfc3339, system_now_ms};
use crate::http::Resp;
use crate::shared::Settings;

/// The storage account name; the blob endpoint is `{host}/{ACCOUNT}`.
pub const ACCOUNT: &str = "devstoreaccount1";
/// The container uploads go to.
pub const CONTAINER: &str = "ingestion";
/// The storage service version the SAS is signed for and answers carry.
pub const STORAGE_VERSION: &str = "2021-08-06";

/// What is known about a committed blob.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Props {
    /// `x-ms-blob-content-type` or the Put Blob's `Content-Type`.
    pub content_type: Option<String>,
    /// The MD5 of the content (base64): computed on Put Blob, given on Put Block List.
    pub content_md5: Option<String>,
    /// When the blob was first created (ms since the epoch).
    pub created_ms: u64,
    /// When it was last written.
    pub modified_ms: u64,
    /// Its etag, quoted (`"0x8DC…"`).
    pub etag: String,
}

impl Props {
    /// Properties of a blob written now, keeping the creation time of the one it replaces.
    pub fn written(now: u64, before: Option<&Props>) -> Props {
        Props {
            content_type: None,
            content_md5: None,
            created_ms: before.map_or(now, |b| b.created_ms),
            modified_ms: now,
            etag: format!(
                "\"0x{}\"",
                uuid::Uuid::new_v4().simple().to_string()[..15].to_uppercase()
            ),
        }
    }
}

fn name_hash(container: &str, blob: &str) -> String {
    let digest = <sha2::Sha256 as sha2::Digest>::digest(format!("{container}/{blob}").as_bytes());
    crate::ids::hex(&digest[..20])
}

/// Where a committed blob's bytes live.
pub fn blob_path(s: &Settings, container: &str, blob: &str) -> PathBuf {
    s.blob_dir
        .join(format!("{}.blob", name_hash(container, blob)))
}

/// Where a committed blob's properties live.
pub fn props_path(s: &Settings, container: &str, blob: &str) -> PathBuf {
    s.blob_dir
        .join(format!("{}.props", name_hash(container, blob)))
}

/// Where the uncommitted blocks of a blob live.
pub fn blocks_dir(s: &Settings, container: &str, blob: &str) -> PathBuf {
    s.blob_dir
        .join(format!("{}.blocks", name_hash(container, blob)))
}

/// A temporary file in the blob directory.
pub fn temp_path(s: &Settings) -> PathBuf {
    s.blob_dir
        .join(format!("{}.tmp", uuid::Uuid::new_v4().simple()))
}

/// The properties of a committed blob, if it has any recorded.
pub async fn load_props(s: &Settings, container: &str, blob: &str) -> Option<Props> {
    let bytes = tokio::fs::read(props_path(s, container, blob)).await.ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Records the properties of a committed blob.
pub async fn save_props(s: &Settings, container: &str, blob: &str, p: &Props) -> bool {
    let Ok(bytes) = serde_json::to_vec(p) else {
        return false;
    };
    let tmp = temp_path(s);
    tokio::fs::write(&tmp, bytes).await.is_ok()
        && tokio::fs::rename(&tmp, props_path(s, container, blob))
            .await
            .is_ok()
}

/// The first bytes of a committed blob of the upload container and its length, if it exists.
pub fn peek(s: &Settings, blob: &str) -> Option<(u64, Vec<u8>)> {
    use std::io::Read;
    let mut f = std::fs::File::open(blob_path(s, CONTAINER, blob)).ok()?;
    let len = f.metadata().ok()?.len();
    let mut head = vec![0u8; 4];
    let n = f.read(&mut head).ok()?;
    head.truncate(n);
    Some((len, head))
}

/// An Azure Storage error: XML body, `x-ms-error-code`, `x-ms-version`.
pub fn storage_error(status: StatusCode, code: &str, message: &str) -> Resp {
    let body = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}\nRequestId:{}\nTime:{}</Message></Error>",
        uuid::Uuid::new_v4(),
        rfc3339(system_now_ms())
    );
    let mut r = Resp::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/xml"));
    r.headers_mut().insert(
        "x-ms-error-code",
        HeaderValue::from_str(code).unwrap_or(HeaderValue::from_static("Error")),
    );
    r
}

/// Inserts a header whose value may not be a valid header value (then it is left out).
pub fn set(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// The headers every storage answer carries: version, request id, date.
pub fn stamp(r: &mut Resp, now: u64) {
    let h = r.headers_mut();
    h.insert("x-ms-version", HeaderValue::from_static(STORAGE_VERSION));
    set(h, "x-ms-request-id", &uuid::Uuid::new_v4().to_string());
    set(h, "date", &httpdate(now));
}

/// The answer of a write that stored a blob or a block.
pub fn created(props: Option<&Props>, md5: Option<&[u8]>) -> Resp {
    let mut r = Resp::new(Body::empty());
    *r.status_mut() = StatusCode::CREATED;
    let h = r.headers_mut();
    h.insert(
        "x-ms-request-server-encrypted",
        HeaderValue::from_static("true"),
    );
    if let Some(p) = props {
        set(h, "etag", &p.etag);
        set(h, "last-modified", &httpdate(p.modified_ms));
    }
    if let Some(m) = md5 {
        set(h, "content-md5", &STANDARD.encode(m));
    }
    r
}
