//! The blob endpoint behind `fileSasUri`: Put Blob, Put Block, Put Block List,
//! Get Blob (and its HEAD form), each with the SAS checked.
//!
//! Bodies are streamed to files in the blob directory, never held whole in memory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures::StreamExt;
use md5::{Digest, Md5};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::aad::{sign, verify};
use crate::app::{now_ms, rfc3339, App};
use crate::http::{query_get, query_pairs, Resp};

/// The storage account name; the blob endpoint is `{host}/{ACCOUNT}`.
pub const ACCOUNT: &str = "devstoreaccount1";
/// The container uploads go to.
pub const CONTAINER: &str = "ingestion";
const SAS_VERSION: &str = "2021-08-06";
/// The largest body one Put Blob or Put Block takes.
const MAX_BODY: u64 = 5 * 1024 * 1024 * 1024;
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn string_to_sign(sp: &str, st: &str, se: &str, container: &str, blob: &str, spr: &str) -> String {
    format!("{sp}\n{st}\n{se}\n/blob/{ACCOUNT}/{container}/{blob}\n{SAS_VERSION}\nb\n{spr}")
}

/// A time as SAS parameters write it: `2024-01-02T03:04:05Z`.
fn sas_time(ms: u64) -> String {
    let t = rfc3339(ms);
    format!("{}Z", t.split('.').next().unwrap_or(""))
}

/// A SAS URL for one blob with the given permissions, valid for `valid_ms`.
pub fn sas_url(app: &App, blob: &str, perms: &str, valid_ms: u64) -> String {
    let now = now_ms();
    let st = sas_time(now.saturating_sub(5 * 60 * 1000));
    let se = sas_time(now + valid_ms);
    let spr = "https,http";
    let sig = STANDARD.encode(sign(
        &app.key,
        string_to_sign(perms, &st, &se, CONTAINER, blob, spr).as_bytes(),
    ));
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    let path: Vec<String> = blob
        .split('/')
        .map(|s| utf8_percent_encode(s, PATH_SEGMENT).to_string())
        .collect();
    format!(
        "{}/{ACCOUNT}/{CONTAINER}/{}?sv={SAS_VERSION}&sr=b&sp={perms}&st={}&se={}&spr={}&sig={}",
        app.base(),
        path.join("/"),
        enc(&st),
        enc(&se),
        enc(spr),
        enc(&sig)
    )
}

/// Where a committed blob's bytes live.
pub fn blob_path(app: &App, container: &str, blob: &str) -> PathBuf {
    app.blob_dir
        .join(format!("{}.blob", name_hash(container, blob)))
}

fn name_hash(container: &str, blob: &str) -> String {
    let digest = <Sha256 as sha2::Digest>::digest(format!("{container}/{blob}").as_bytes());
    digest.iter().take(20).map(|b| format!("{b:02x}")).collect()
}

fn blocks_dir(app: &App, container: &str, blob: &str) -> PathBuf {
    app.blob_dir
        .join(format!("{}.blocks", name_hash(container, blob)))
}

/// The first bytes of a committed blob and its length, if it exists.
pub fn peek(app: &App, blob: &str) -> Option<(u64, Vec<u8>)> {
    use std::io::Read;
    let path = blob_path(app, CONTAINER, blob);
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let mut head = vec![0u8; 4];
    let n = f.read(&mut head).ok()?;
    head.truncate(n);
    Some((len, head))
}

fn storage_error(status: StatusCode, code: &str, message: &str) -> Resp {
    let body = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}\nRequestId:{}\nTime:{}</Message></Error>",
        uuid::Uuid::new_v4(),
        rfc3339(now_ms())
    );
    let mut r = Resp::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/xml"));
    r.headers_mut().insert(
        "x-ms-error-code",
        HeaderValue::from_str(code).unwrap_or(HeaderValue::from_static("Error")),
    );
    r.headers_mut()
        .insert("x-ms-version", HeaderValue::from_static(SAS_VERSION));
    r
}

fn add_request_id(r: &mut Resp) {
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        r.headers_mut().insert("x-ms-request-id", v);
    }
}

fn auth_failed(detail: &str) -> Resp {
    storage_error(
        StatusCode::FORBIDDEN,
        "AuthenticationFailed",
        &format!("Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature. {detail}"),
    )
}

/// Checks the SAS of a request; `need` is the permission letter the operation needs.
fn check_sas(
    app: &App,
    query: &[(String, String)],
    container: &str,
    blob: &str,
    need: char,
) -> Result<(), Box<Resp>> {
    let get = |k: &str| query_get(query, k);
    let (Some(sp), Some(se), Some(sig), Some(sv), Some(sr)) =
        (get("sp"), get("se"), get("sig"), get("sv"), get("sr"))
    else {
        return Err(Box::new(storage_error(
            StatusCode::FORBIDDEN,
            "AuthenticationFailed",
            "Server failed to authenticate the request: the signature is missing.",
        )));
    };
    let st = get("st").unwrap_or("");
    let spr = get("spr").unwrap_or("");
    if sv != SAS_VERSION || sr != "b" {
        return Err(Box::new(auth_failed("Signature did not match.")));
    }
    let Ok(sig_bytes) = STANDARD.decode(sig) else {
        return Err(Box::new(auth_failed("Signature fields not well formed.")));
    };
    if !verify(
        &app.key,
        string_to_sign(sp, st, se, container, blob, spr).as_bytes(),
        &sig_bytes,
    ) {
        return Err(Box::new(auth_failed("Signature did not match.")));
    }
    let now = sas_time(now_ms());
    if se <= now.as_str() {
        return Err(Box::new(auth_failed(&format!(
            "Signed expiry time [{se}] has to be after the current time [{now}]."
        ))));
    }
    if !st.is_empty() && st > now.as_str() {
        return Err(Box::new(auth_failed(&format!(
            "Signed start time [{st}] is after the current time [{now}]."
        ))));
    }
    if !sp.contains(need) {
        return Err(Box::new(storage_error(
            StatusCode::FORBIDDEN,
            "AuthorizationPermissionMismatch",
            "This request is not authorized to perform this operation using this permission.",
        )));
    }
    Ok(())
}

fn created(md5: Option<&[u8]>) -> Resp {
    let mut r = Resp::new(Body::empty());
    *r.status_mut() = StatusCode::CREATED;
    let h = r.headers_mut();
    h.insert("x-ms-version", HeaderValue::from_static(SAS_VERSION));
    h.insert(
        "x-ms-request-server-encrypted",
        HeaderValue::from_static("true"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "\"0x{}\"",
        uuid::Uuid::new_v4().simple().to_string().to_uppercase()
    )) {
        h.insert("etag", v);
    }
    if let Ok(v) = HeaderValue::from_str(&httpdate(now_ms())) {
        h.insert("last-modified", v);
    }
    if let Some(m) = md5 {
        if let Ok(v) = HeaderValue::from_str(&STANDARD.encode(m)) {
            h.insert("content-md5", v);
        }
    }
    r
}

fn httpdate(ms: u64) -> String {
    // RFC 1123 form from the RFC 3339 one.
    let t = rfc3339(ms);
    let (date, time) = t.split_once('T').unwrap_or(("1970-01-01", "00:00:00"));
    let mut p = date.split('-').map(|x| x.parse::<i64>().unwrap_or(1));
    let (y, m, d) = (
        p.next().unwrap_or(1970),
        p.next().unwrap_or(1),
        p.next().unwrap_or(1),
    );
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ((ms / 1000 / 86400) + 4) % 7; // 1970-01-01 was a Thursday
    let wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][days as usize];
    let month = months[(m.clamp(1, 12) - 1) as usize];
    format!(
        "{wd}, {d:02} {month} {y} {} GMT",
        &time[..8.min(time.len())]
    )
}

/// Streams a body into a new file; returns its MD5 when asked to compute it.
async fn receive(body: Body, dest: &Path, want_md5: bool) -> Result<Option<Vec<u8>>, Box<Resp>> {
    let io_fail = |_| {
        Box::new(storage_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server could not store the data.",
        ))
    };
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
                "InvalidInput",
                "The request body could not be read.",
            )));
        };
        total += chunk.len() as u64;
        if total > MAX_BODY {
            let _ = tokio::fs::remove_file(dest).await;
            return Err(Box::new(storage_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestBodyTooLarge",
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

/// Serves a request under `/{ACCOUNT}/`.
pub async fn handle(app: &Arc<App>, req: Request<Body>) -> Resp {
    let mut r = serve(app, req).await;
    add_request_id(&mut r);
    r
}

async fn serve(app: &Arc<App>, req: Request<Body>) -> Resp {
    let path = req.uri().path().to_string();
    let query = query_pairs(req.uri().query());
    let mut parts = path.splitn(4, '/').skip(2);
    let container = parts.next().unwrap_or("").to_string();
    let raw_blob = parts.next().unwrap_or("");
    let blob = percent_encoding::percent_decode_str(raw_blob)
        .decode_utf8_lossy()
        .into_owned();
    if container.is_empty() || blob.is_empty() {
        return storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidUri",
            "The requested URI does not represent any resource on the server.",
        );
    }
    let method = req.method().clone();
    let need = if method == Method::GET || method == Method::HEAD {
        'r'
    } else {
        'w'
    };
    if let Err(r) = check_sas(app, &query, &container, &blob, need) {
        return *r;
    }
    let comp = query_get(&query, "comp").map(str::to_ascii_lowercase);
    let headers = req.headers().clone();
    match (method, comp.as_deref()) {
        (Method::PUT, None) => put_blob(app, &headers, req.into_body(), &container, &blob).await,
        (Method::PUT, Some("block")) => {
            let Some(id) = query_get(&query, "blockid").and_then(|b| STANDARD.decode(b).ok())
            else {
                return storage_error(StatusCode::BAD_REQUEST, "InvalidQueryParameterValue", "The value for one of the query parameters specified in the request URI is invalid: blockid.");
            };
            put_block(app, &headers, req.into_body(), &container, &blob, &id).await
        }
        (Method::PUT, Some("blocklist")) => {
            put_block_list(app, req.into_body(), &container, &blob).await
        }
        (Method::GET, None) | (Method::HEAD, None) => {
            get_blob(app, &container, &blob, req.method() == Method::HEAD).await
        }
        _ => storage_error(
            StatusCode::BAD_REQUEST,
            "UnsupportedHttpVerb",
            "The resource doesn't support the specified HTTP verb.",
        ),
    }
}

async fn put_blob(app: &App, headers: &HeaderMap, body: Body, container: &str, blob: &str) -> Resp {
    match headers.get("x-ms-blob-type").and_then(|v| v.to_str().ok()) {
        Some(t) if t.eq_ignore_ascii_case("BlockBlob") => {}
        Some(_) => {
            return storage_error(
                StatusCode::BAD_REQUEST,
                "InvalidHeaderValue",
                "Only block blobs are supported: x-ms-blob-type must be BlockBlob.",
            )
        }
        None => return storage_error(
            StatusCode::BAD_REQUEST,
            "MissingRequiredHeader",
            "An HTTP header that's mandatory for this request is not specified: x-ms-blob-type.",
        ),
    }
    let dest = blob_path(app, container, blob);
    let tmp = app
        .blob_dir
        .join(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
    let md5 = match receive(body, &tmp, headers.contains_key("content-md5")).await {
        Ok(m) => m,
        Err(r) => return *r,
    };
    if !md5_matches(headers, md5.as_deref()) {
        let _ = tokio::fs::remove_file(&tmp).await;
        return storage_error(StatusCode::BAD_REQUEST, "Md5Mismatch", "The MD5 value specified in the request did not match with the MD5 value calculated by the server.");
    }
    if tokio::fs::rename(&tmp, &dest).await.is_err() {
        return storage_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server could not store the blob.",
        );
    }
    created(md5.as_deref())
}

async fn put_block(
    app: &App,
    headers: &HeaderMap,
    body: Body,
    container: &str,
    blob: &str,
    id: &[u8],
) -> Resp {
    if id.is_empty() || id.len() > 64 {
        return storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidQueryParameterValue",
            "The block id must be 1 to 64 bytes.",
        );
    }
    let dir = blocks_dir(app, container, blob);
    if tokio::fs::create_dir_all(&dir).await.is_err() {
        return storage_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server could not store the block.",
        );
    }
    let name: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!("{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let md5 = match receive(body, &tmp, headers.contains_key("content-md5")).await {
        Ok(m) => m,
        Err(r) => return *r,
    };
    if !md5_matches(headers, md5.as_deref()) {
        let _ = tokio::fs::remove_file(&tmp).await;
        return storage_error(StatusCode::BAD_REQUEST, "Md5Mismatch", "The MD5 value specified in the request did not match with the MD5 value calculated by the server.");
    }
    if tokio::fs::rename(&tmp, dir.join(name)).await.is_err() {
        return storage_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server could not store the block.",
        );
    }
    created(md5.as_deref())
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

async fn put_block_list(app: &App, body: Body, container: &str, blob: &str) -> Resp {
    let Ok(bytes) = axum::body::to_bytes(body, 4 * 1024 * 1024).await else {
        return storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidXmlDocument",
            "The block list could not be read.",
        );
    };
    let text = String::from_utf8_lossy(&bytes);
    let Some(ids) = parse_block_list(&text) else {
        return storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidXmlDocument",
            "XML specified is not syntactically valid.",
        );
    };
    let dir = blocks_dir(app, container, blob);
    let tmp = app
        .blob_dir
        .join(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
    let fail = |code: &str, msg: &str| storage_error(StatusCode::BAD_REQUEST, code, msg);
    let Ok(mut out) = tokio::fs::File::create(&tmp).await else {
        return storage_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server could not store the blob.",
        );
    };
    let mut buf = vec![0u8; 256 * 1024];
    for id in &ids {
        let name: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let Ok(mut f) = tokio::fs::File::open(dir.join(&name)).await else {
            let _ = tokio::fs::remove_file(&tmp).await;
            return fail("InvalidBlockList", "The specified block list is invalid.");
        };
        loop {
            let n = match f.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(_) => {
                    return storage_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalError",
                        "The server could not read a block.",
                    )
                }
            };
            if out.write_all(&buf[..n]).await.is_err() {
                return storage_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    "The server could not store the blob.",
                );
            }
        }
    }
    if out.sync_all().await.is_err()
        || tokio::fs::rename(&tmp, blob_path(app, container, blob))
            .await
            .is_err()
    {
        return storage_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server could not store the blob.",
        );
    }
    let _ = tokio::fs::remove_dir_all(&dir).await;
    created(None)
}

async fn get_blob(app: &App, container: &str, blob: &str, head: bool) -> Resp {
    let path = blob_path(app, container, blob);
    let Ok(file) = tokio::fs::File::open(&path).await else {
        return storage_error(
            StatusCode::NOT_FOUND,
            "BlobNotFound",
            "The specified blob does not exist.",
        );
    };
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let body = if head {
        Body::empty()
    } else {
        let stream = futures::stream::unfold(file, |mut f| async move {
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
        Body::from_stream(stream)
    };
    let mut r = Resp::new(body);
    let h = r.headers_mut();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert("content-length", HeaderValue::from(len));
    h.insert("x-ms-blob-type", HeaderValue::from_static("BlockBlob"));
    h.insert("x-ms-version", HeaderValue::from_static(SAS_VERSION));
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

    #[test]
    fn http_dates_look_right() {
        assert_eq!(httpdate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
