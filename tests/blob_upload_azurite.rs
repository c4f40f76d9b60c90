//! The blob uploader (`src/blob/`) against Azurite, Microsoft's storage
//! emulator: a real Blob service stores what it uploads and refuses a
//! forged signature.
//!
//! Ignored unless asked for: each test starts its own `azurite-blob` on
//! 127.0.0.1, on a free port, with a temporary workspace. The binary comes
//! from `AZURITE_BLOB` (what `bash .ci/azurite` prints), else
//! `.ci/node/node_modules/.bin/azurite-blob` or
//! `node_modules/.bin/azurite-blob` in the checkout; a missing binary fails
//! the test. `.ci/run` installs Azurite and runs them with `-- --ignored`.

use partner_center_ingestion::blob::{BlobUploader, Progress};
use partner_center_ingestion::SasUri;

#[path = "support/blob.rs"]
mod blob;
use blob::{block_id, md5_b64, sample, temp_file, uploader};

#[path = "support/azurite.rs"]
mod azurite;

/// `sas` with its `sig` parameter replaced by `signature`.
fn with_signature(sas: &str, signature: &str) -> String {
    let mut url = url::Url::parse(sas).expect("a URL");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "sig" {
                signature.to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

async fn download(http: &reqwest::Client, sas: &str) -> (Vec<u8>, Option<String>) {
    let response = http
        .get(sas)
        .header("x-ms-version", "2021-08-06")
        .send()
        .await
        .expect("Azurite answers");
    assert_eq!(response.status().as_u16(), 200, "download");
    let md5 = response
        .headers()
        .get("content-md5")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (
        response.bytes().await.expect("the blob's bytes").to_vec(),
        md5,
    )
}

#[tokio::test]
#[ignore = "needs Azurite (npm package azurite); .ci/run installs it and runs ignored tests"]
async fn azurite_stores_a_small_file_and_a_file_in_blocks() {
    let azurite = azurite::Azurite::start();
    let http = reqwest::Client::new();
    azurite.create_container(&http, "uploads").await;

    // Small: one Put Blob.
    let small = sample(300_000);
    let file = temp_file(&small);
    let sas = azurite.blob_sas("uploads", "logo.png", "rcw");
    let summary = BlobUploader::new(http.clone())
        .upload_file(&SasUri::new(sas.clone()), file.path(), |_| {})
        .await
        .unwrap_or_else(|e| panic!("small upload: {e}"));
    assert_eq!(summary.blocks, 0);
    assert!(summary.etag.is_some(), "Azurite answers an ETag");
    let (bytes, md5) = download(&http, &sas).await;
    assert!(bytes == small, "the small blob reads back as uploaded");
    assert_eq!(md5.as_deref(), Some(md5_b64(&small).as_str()));

    // Large: 10 MiB in 1 MiB blocks, 4 in flight.
    let large = sample(10 * 1024 * 1024 + 12_345);
    let file = temp_file(&large);
    let sas = azurite.blob_sas("uploads", "package.zip", "rcw");
    let mut last = Progress::default();
    let summary = BlobUploader::new(http.clone())
        .block_size(1024 * 1024)
        .single_put_threshold(2 * 1024 * 1024)
        .blob_md5(true)
        .upload_file(&SasUri::new(sas.clone()), file.path(), |p| last = p)
        .await
        .unwrap_or_else(|e| panic!("block upload: {e}"));
    assert_eq!(summary.blocks, 11);
    assert_eq!(summary.bytes, large.len() as u64);
    assert!(last.committed && last.sent == large.len() as u64);
    let (bytes, md5) = download(&http, &sas).await;
    assert_eq!(bytes.len(), large.len());
    assert!(bytes == large, "the block blob reads back as uploaded");
    assert_eq!(
        md5.as_deref(),
        Some(md5_b64(&large).as_str()),
        "x-ms-blob-content-md5 recorded"
    );

    // Storage lists the committed blocks in order.
    let list = http
        .get(format!("{sas}&comp=blocklist&blocklisttype=committed"))
        .header("x-ms-version", "2021-08-06")
        .send()
        .await
        .expect("Azurite answers")
        .text()
        .await
        .expect("a block list");
    let names: Vec<String> = list
        .split("<Name>")
        .skip(1)
        .filter_map(|p| p.split_once("</Name>").map(|(n, _)| n.to_string()))
        .collect();
    assert_eq!(names, (0..11).map(block_id).collect::<Vec<_>>(), "{list}");

    // Uploading again replaces the blob.
    let again = sample(5000);
    let summary = BlobUploader::new(http.clone())
        .upload_reader(&SasUri::new(sas.clone()), again.as_slice(), None, |_| {})
        .await
        .unwrap_or_else(|e| panic!("second upload: {e}"));
    assert_eq!(summary.bytes, 5000);
    assert!(download(&http, &sas).await.0 == again);
}

#[tokio::test]
#[ignore = "needs Azurite (npm package azurite); .ci/run installs it and runs ignored tests"]
async fn azurite_refuses_a_tampered_signature_without_showing_it() {
    let azurite = azurite::Azurite::start();
    let http = reqwest::Client::new();
    azurite.create_container(&http, "uploads").await;
    let sas = azurite.blob_sas("uploads", "logo.png", "rcw");
    let signature = azurite::signature_of(&sas);
    // Another valid signature: of a different string, so still base64.
    let forged = azurite::sign("not the string Storage computes");
    let tampered = with_signature(&sas, &forged);
    let file = temp_file(&sample(1000));
    let error = uploader()
        .upload_file(&SasUri::new(tampered.clone()), file.path(), |_| {})
        .await
        .expect_err("Azurite refuses the forged signature");
    let all = format!("{error}\n{error:?}");
    assert!(!all.contains(&forged), "signature leaked: {all}");
    assert!(!all.contains(&signature), "signature leaked: {all}");
    let url_encoded: String = url::form_urlencoded::byte_serialize(forged.as_bytes()).collect();
    assert!(!all.contains(&url_encoded), "signature leaked: {all}");
    let storage = error.storage().expect("Storage's answer");
    assert_eq!(storage.status.as_u16(), 403, "{error}");
    assert_eq!(
        storage.code.as_deref(),
        Some("AuthorizationFailure"),
        "{error}"
    );
    assert!(error.to_string().contains("403"), "{error}");
    assert!(
        error
            .to_string()
            .contains(&file.path().display().to_string()),
        "{error}"
    );

    // A block upload with it fails on the first block, not at the end.
    let large = sample(3 * 1024 * 1024);
    let file = temp_file(&large);
    let error = uploader()
        .block_size(1024 * 1024)
        .single_put_threshold(1024 * 1024)
        .upload_file(&SasUri::new(tampered), file.path(), |_| {})
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("Put Block"), "{error}");
    assert!(!format!("{error}\n{error:?}").contains(&forged));
}
