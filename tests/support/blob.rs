//! What the blob uploader's tests share (`tests/blob_upload.rs` against
//! wiremock, `tests/blob_upload_azurite.rs` against Azurite): sample bytes,
//! temporary files, MD5s as Storage writes them, an uploader that retries
//! quickly, and the wiremock side of a Blob service (its answers, and the
//! blob a block list assembles from the requests received).

// Each test file uses part of it.
#![allow(dead_code)]

use std::io::Write as _;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use md5::{Digest as _, Md5};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use partner_center_ingestion::blob::BlobUploader;
use partner_center_ingestion::retry::RetryPolicy;
use partner_center_ingestion::SasUri;

/// Retries within milliseconds, so a test of retries takes no time.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_millis(100),
        budget: Duration::from_secs(20),
    }
}

/// An uploader over a new HTTP client, with [`quick_retries`].
pub fn uploader() -> BlobUploader {
    BlobUploader::new(reqwest::Client::new()).retry_policy(quick_retries())
}

/// Bytes that differ from block to block.
pub fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 7) as u8).collect()
}

/// The base64 MD5 of `data`, as Storage writes a `Content-MD5`.
pub fn md5_b64(data: &[u8]) -> String {
    BASE64.encode(Md5::digest(data))
}

/// A temporary file holding `data`.
pub fn temp_file(data: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(data).expect("write temp file");
    file.flush().expect("flush temp file");
    file
}

/// A signature no output may contain.
pub const SIG: &str = "c2VjcmV0LXNpZ25hdHVyZS1uZXZlci1zaG93bg==";
/// The path of the blob every mock answers for.
pub const BLOB_PATH: &str = "/container/uploads/logo.png";

/// A SAS URL of [`BLOB_PATH`] on `server`, signed with [`SIG`].
pub fn sas_for(server: &MockServer) -> SasUri {
    // The signature as Storage writes it in a URL: percent-encoded.
    let sig = SIG
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    SasUri::new(format!(
        "{}{BLOB_PATH}?sv=2021-08-06&sr=b&sp=cw&se=2030-01-01T00%3A00%3A00Z&sig={sig}",
        server.uri()
    ))
}

/// A request's header, when it is text.
pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// A request's query parameter.
pub fn query(request: &Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Storage's `201 Created`, with an ETag and a request id.
pub fn created() -> ResponseTemplate {
    ResponseTemplate::new(201)
        .insert_header("etag", "\"0x8DC0FFEE\"")
        .insert_header("x-ms-request-id", "req-0001")
}

/// Every Put Blob, Put Block and Put Block List answers `response`.
pub async fn answer_puts(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("PUT"))
        .and(path(BLOB_PATH))
        .respond_with(response)
        .mount(server)
        .await;
}

/// Put Block of block `index` answers `response` (the first `times` times,
/// or always), ahead of any other answer.
pub async fn answer_block(
    server: &MockServer,
    index: u64,
    response: ResponseTemplate,
    times: Option<u64>,
) {
    let mock = Mock::given(method("PUT"))
        .and(path(BLOB_PATH))
        .and(query_param("blockid", block_id(index)))
        .respond_with(response)
        .with_priority(1);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

/// The id the uploader gives block `index`.
pub fn block_id(index: u64) -> String {
    BASE64.encode(format!("block-{index:010}"))
}

/// The `<Latest>` ids of a block list, in order.
pub fn listed_ids(xml: &str) -> Vec<String> {
    xml.split("<Latest>")
        .skip(1)
        .filter_map(|part| part.split_once("</Latest>").map(|(id, _)| id.to_string()))
        .collect()
}

/// The blob a block list makes from the Put Block requests received.
pub fn assemble(requests: &[Request]) -> Vec<u8> {
    let list = requests
        .iter()
        .rev()
        .find(|r| query(r, "comp").as_deref() == Some("blocklist"))
        .expect("a Put Block List");
    let mut blob = Vec::new();
    for id in listed_ids(&String::from_utf8_lossy(&list.body)) {
        let block = requests
            .iter()
            .rev()
            .find(|r| query(r, "blockid").as_deref() == Some(id.as_str()))
            .unwrap_or_else(|| panic!("block {id} listed but never sent"));
        blob.extend_from_slice(&block.body);
    }
    blob
}
