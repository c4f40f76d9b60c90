//! The blob endpoint behind `fileSasUri`: Put Blob, Put Block, Put Block List,
//! Get Blob and Get Blob Properties (in [`crate::blob_read`]), each with the
//! SAS checked.
//!
//! Bodies are streamed to files in the blob directory, never held whole in memory.

use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures::StreamExt;
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use crate::blob_props::ACCOUNT;
use crate::blob_props::{
    blob_path, blocks_dir, created, load_props, save_props, stamp, storage_error, temp_path, Props,
};
use crate::blob_read::get_blob;
use crate::errors::storage;
use crate::http::{query_get, query_pairs, Resp};
use crate::ids::hex;
use crate::shared::Settings;

/// The largest body one Put Blob or Put Block takes.
const MAX_BODY: u64 = 5 * 1024 * 1024 * 1024;

fn internal(what: &str) -> Resp {
    storage_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        storage::INTERNAL_ERROR,
        &format!("The server could not {what}."),
    )
}

/// Streams a body into a new file; returns its MD5 when asked to compute it.
async fn receive(body: Body, dest: &Path, want_md5: bool) -> Result<Option<Vec<u8>>, Box<Resp>> {
    let io_fail = |_| Box::new(internal("store the data"));
    let file = tokio::fs::File::create(dest).await.map_err(io_fail)?;
    let mut file = tokio::io::BufWriter::with_capacity(1 << 20, file);
    let mut md5 = want_md5.then(Md5::new);
    let mut total = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            let _ = tokio::fs::remove_file(dest).await;
            return Err(Box::new(storage_error(
                StatusCode::BAD_REQUEST,
                storage::INVALID_INPUT,
                "The request body could not be read.",
            )));
        };
        total += chunk.len() as u64;
        if total > MAX_BODY {
            let _ = tokio::fs::remove_file(dest).await;
            return Err(Box::new(storage_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                storage::REQUEST_BODY_TOO_LARGE,
                "The request body is too large.",
            )));
        }
        if let Some(m) = md5.as_mut() {
            m.update(&chunk);
        }
        file.write_all(&chunk).await.map_err(io_fail)?;
    }
    file.flush().await.map_err(io_fail)?;
    file.get_ref().sync_all().await.map_err(io_fail)?;
    Ok(md5.map(|m| m.finalize().to_vec()))
}

fn md5_matches(headers: &HeaderMap, got: Option<&[u8]>) -> bool {
    match headers.get("content-md5").and_then(|v| v.to_str().ok()) {
        None => true,
        Some(sent) => STANDARD
            .decode(sent.trim())
            .is_ok_and(|s| Some(s.as_slice()) == got),
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Serves a blob request; `path` is `/{container}/{blob}`.
pub async fn handle(s: &Settings, req: Request<Body>, path: &str) -> Resp {
    let mut r = serve(s, req, path).await;
    stamp(&mut r, s.clock.now_ms());
    r
}

async fn serve(s: &Settings, req: Request<Body>, path: &str) -> Resp {
    let query = query_pairs(req.uri().query());
    let (container, raw_blob) = path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or((path.trim_start_matches('/'), ""));
    let container = container.to_string();
    let blob = percent_encoding::percent_decode_str(raw_blob)
        .decode_utf8_lossy()
        .into_owned();
    if container.is_empty() || blob.is_empty() {
        return storage_error(
            StatusCode::BAD_REQUEST,
            storage::INVALID_URI,
            "The requested URI does not represent any resource on the server.",
        );
    }
    let method = req.method().clone();
    let need = if method == Method::GET || method == Method::HEAD {
        'r'
    } else {
        'w'
    };
    if let Err(r) = crate::blob_sas::check_sas(s, &query, &container, &blob, need) {
        return *r;
    }
    let comp = query_get(&query, "comp").map(str::to_ascii_lowercase);
    let headers = req.headers().clone();
    match (method, comp.as_deref()) {
        (Method::PUT, None) => put_blob(s, &headers, req.into_body(), &container, &blob).await,
        (Method::PUT, Some("block")) => {
            let Some(id) = query_get(&query, "blockid").and_then(|b| STANDARD.decode(b).ok())
            else {
                return storage_error(StatusCode::BAD_REQUEST, storage::INVALID_QUERY_PARAMETER_VALUE, "The value for one of the query parameters specified in the request URI is invalid: blockid.");
            };
            put_block(s, &headers, req.into_body(), &container, &blob, &id).await
        }
        (Method::PUT, Some("blocklist")) => {
            put_block_list(s, &headers, req.into_body(), &container, &blob).await
        }
        (Method::GET, None) | (Method::HEAD, None) => {
            let head = req.method() == Method::HEAD;
            get_blob(s, &headers, &container, &blob, head).await
        }
        _ => storage_error(
            StatusCode::BAD_REQUEST,
            storage::UNSUPPORTED_HTTP_VERB,
            "The resource doesn't support the specified HTTP verb.",
        ),
    }
}

/// `If-None-Match: *` (what the SDKs send without `overwrite`) on a blob that exists.
async fn refuses_overwrite(s: &Settings, headers: &HeaderMap, container: &str, blob: &str) -> bool {
    header(headers, "if-none-match").is_some_and(|v| v.trim() == "*")
        && tokio::fs::metadata(blob_path(s, container, blob))
            .await
            .is_ok()
}

fn exists_error() -> Resp {
    storage_error(
        StatusCode::CONFLICT,
        storage::BLOB_ALREADY_EXISTS,
        "The specified blob already exists.",
    )
}

/// Commits a written temporary file as the blob, with its properties.
async fn commit(s: &Settings, tmp: &Path, container: &str, blob: &str, mut props: Props) -> Resp {
    if tokio::fs::rename(tmp, blob_path(s, container, blob))
        .await
        .is_err()
    {
        let _ = tokio::fs::remove_file(tmp).await;
        return internal("store the blob");
    }
    let before = load_props(s, container, blob).await;
    let fresh = Props::written(s.clock.now_ms(), before.as_ref());
    props.created_ms = fresh.created_ms;
    props.modified_ms = fresh.modified_ms;
    props.etag = fresh.etag;
    if !save_props(s, container, blob, &props).await {
        return internal("store the blob's properties");
    }
    created(Some(&props), None)
}

async fn put_blob(
    s: &Settings,
    headers: &HeaderMap,
    body: Body,
    container: &str,
    blob: &str,
) -> Resp {
    match header(headers, "x-ms-blob-type") {
        Some(t) if t.eq_ignore_ascii_case("BlockBlob") => {}
        Some(_) => {
            return storage_error(
                StatusCode::BAD_REQUEST,
                storage::INVALID_HEADER_VALUE,
                "Only block blobs are supported: x-ms-blob-type must be BlockBlob.",
            )
        }
        None => return storage_error(
            StatusCode::BAD_REQUEST,
            storage::MISSING_REQUIRED_HEADER,
            "An HTTP header that's mandatory for this request is not specified: x-ms-blob-type.",
        ),
    }
    if refuses_overwrite(s, headers, container, blob).await {
        return exists_error();
    }
    let tmp = temp_path(s);
    // Azure Storage computes the MD5 of a blob written in one request.
    let md5 = match receive(body, &tmp, true).await {
        Ok(m) => m,
        Err(r) => return *r,
    };
    if !md5_matches(headers, md5.as_deref()) {
        let _ = tokio::fs::remove_file(&tmp).await;
        return storage_error(StatusCode::BAD_REQUEST, storage::MD5_MISMATCH, "The MD5 value specified in the request did not match with the MD5 value calculated by the server.");
    }
    let props = Props {
        content_type: header(headers, "x-ms-blob-content-type")
            .or(header(headers, "content-type"))
            .map(str::to_string),
        content_md5: header(headers, "x-ms-blob-content-md5")
            .map(str::to_string)
            .or(md5.as_deref().map(|m| STANDARD.encode(m))),
        ..Props::default()
    };
    let mut r = commit(s, &tmp, container, blob, props).await;
    if r.status() == StatusCode::CREATED {
        if let Some(m) = md5 {
            crate::blob_props::set(r.headers_mut(), "content-md5", &STANDARD.encode(m));
        }
    }
    r
}

async fn put_block(
    s: &Settings,
    headers: &HeaderMap,
    body: Body,
    container: &str,
    blob: &str,
    id: &[u8],
) -> Resp {
    if id.is_empty() || id.len() > 64 {
        return storage_error(
            StatusCode::BAD_REQUEST,
            storage::INVALID_QUERY_PARAMETER_VALUE,
            "The block id must be 1 to 64 bytes.",
        );
    }
    let dir = blocks_dir(s, container, blob);
    if tokio::fs::create_dir_all(&dir).await.is_err() {
        return internal("store the block");
    }
    let name = hex(id);
    let tmp = dir.join(format!("{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let md5 = match receive(body, &tmp, headers.contains_key("content-md5")).await {
        Ok(m) => m,
        Err(r) => return *r,
    };
    if !md5_matches(headers, md5.as_deref()) {
        let _ = tokio::fs::remove_file(&tmp).await;
        return storage_error(StatusCode::BAD_REQUEST, storage::MD5_MISMATCH, "The MD5 value specified in the request did not match with the MD5 value calculated by the server.");
    }
    if tokio::fs::rename(&tmp, dir.join(name)).await.is_err() {
        return internal("store the block");
    }
    created(None, md5.as_deref())
}

/// The block ids of a `<BlockList>` document, in order.
fn parse_block_list(xml: &str) -> Option<Vec<Vec<u8>>> {
    let start = xml.find("<BlockList>")?;
    let end = xml.find("</BlockList>")?;
    let mut rest = xml.get(start + "<BlockList>".len()..end)?;
    let mut ids = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Some(ids);
        }
        let open_end = rest.find('>')?;
        let tag = rest.get(1..open_end)?;
        if !matches!(tag, "Latest" | "Committed" | "Uncommitted") {
            return None;
        }
        let close = format!("</{tag}>");
        let close_at = rest.find(&close)?;
        let text = rest.get(open_end + 1..close_at)?.trim();
        ids.push(STANDARD.decode(text).ok()?);
        rest = rest.get(close_at + close.len()..)?;
    }
}

async fn put_block_list(
    s: &Settings,
    headers: &HeaderMap,
    body: Body,
    container: &str,
    blob: &str,
) -> Resp {
    let Ok(bytes) = axum::body::to_bytes(body, 4 * 1024 * 1024).await else {
        return storage_error(
            StatusCode::BAD_REQUEST,
            storage::INVALID_XML_DOCUMENT,
            "The block list could not be read.",
        );
    };
    let text = String::from_utf8_lossy(&bytes);
    let Some(ids) = parse_block_list(&text) else {
        return storage_error(
            StatusCode::BAD_REQUEST,
            storage::INVALID_XML_DOCUMENT,
            "XML specified is not syntactically valid.",
        );
    };
    if refuses_overwrite(s, headers, container, blob).await {
        return exists_error();
    }
    let dir = blocks_dir(s, container, blob);
    let tmp = temp_path(s);
    let Ok(mut out) = tokio::fs::File::create(&tmp).await else {
        return internal("store the blob");
    };
    let mut buf = vec![0u8; 256 * 1024];
    for id in &ids {
        let Ok(mut f) = tokio::fs::File::open(dir.join(hex(id))).await else {
            let _ = tokio::fs::remove_file(&tmp).await;
            return storage_error(
                StatusCode::BAD_REQUEST,
                storage::INVALID_BLOCK_LIST,
                "The specified block list is invalid.",
            );
        };
        loop {
            let n = match f.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(_) => return internal("read a block"),
            };
            if out.write_all(&buf[..n]).await.is_err() {
                return internal("store the blob");
            }
        }
    }
    if out.sync_all().await.is_err() {
        return internal("store the blob");
    }
    let props = Props {
        content_type: header(headers, "x-ms-blob-content-type").map(str::to_string),
        content_md5: header(headers, "x-ms-blob-content-md5").map(str::to_string),
        ..Props::default()
    };
    let r = commit(s, &tmp, container, blob, props).await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_lists_parse() {
        let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>YQ==</Latest> <Uncommitted>Yg==</Uncommitted></BlockList>";
        assert_eq!(
            parse_block_list(xml),
            Some(vec![b"a".to_vec(), b"b".to_vec()])
        );
        assert_eq!(
            parse_block_list("<BlockList><Other>YQ==</Other></BlockList>"),
            None
        );
        assert_eq!(parse_block_list("garbage"), None);
    }
}
