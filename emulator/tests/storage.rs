//! The blob endpoint as Microsoft's storage SDKs see it: ranges, properties,
//! conditions, the headers of every answer, and (ignored in the stock test
//! command, run by `.ci/run`) Microsoft's Python SDK through `fileSasUri`.

mod support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use md5::{Digest, Md5};
use partner_center_emulator::{Emulator, EmulatorBuilder};
use serde_json::{json, Value};
use sha2::Sha256;
use support::{fresh, start, Env};

/// A fresh `fileSasUri` of a package.
async fn sas(env: &Env, name: &str) -> String {
    let p = env.product(name).await;
    let a = env
        .post(
            &format!("/products/{p}/packages"),
            json!({"resourceType": "AzureApplicationPackage", "fileName": "app.zip"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json()["fileSasUri"].as_str().unwrap().to_string()
}

fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_string()
}

#[tokio::test]
async fn get_blob_by_range_answers_206_with_content_range() {
    let env = fresh().await;
    let uri = sas(&env, "ranges").await;
    let data = bytes(10_000);
    assert_eq!(env.put_blob(&uri, data.clone()).await.status(), 201);
    for name in ["x-ms-range", "range"] {
        let r = env
            .http
            .get(&uri)
            .header(name, "bytes=100-1099")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 206, "{name}");
        assert_eq!(header(&r, "content-range"), "bytes 100-1099/10000");
        assert_eq!(header(&r, "content-length"), "1000");
        assert_eq!(header(&r, "accept-ranges"), "bytes");
        assert_eq!(r.bytes().await.unwrap().as_ref(), &data[100..1100]);
    }
    // A range past the end is cut to the blob; one that starts past it is refused.
    let r = env
        .http
        .get(&uri)
        .header("x-ms-range", "bytes=9990-20000")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(header(&r, "content-range"), "bytes 9990-9999/10000");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[9990..]);
    let r = env
        .http
        .get(&uri)
        .header("x-ms-range", "bytes=10000-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(header(&r, "content-range"), "bytes */10000");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("<Code>InvalidRange</Code>"));
    // The MD5 of a range, when asked for.
    let r = env
        .http
        .get(&uri)
        .header("x-ms-range", "bytes=0-99")
        .header("x-ms-range-get-content-md5", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&r, "content-md5"),
        STANDARD.encode(Md5::digest(&data[..100]))
    );
    assert_eq!(
        header(&r, "x-ms-blob-content-md5"),
        STANDARD.encode(Md5::digest(&data))
    );
}

#[tokio::test]
async fn get_blob_properties_and_get_blob_carry_the_blob_s_headers() {
    let env = fresh().await;
    let uri = sas(&env, "props").await;
    let data = bytes(4321);
    let put = env.put_blob(&uri, data.clone()).await;
    assert_eq!(put.status(), 201);
    let etag = header(&put, "etag");
    for r in [
        env.http.head(&uri).send().await.unwrap(),
        env.http.get(&uri).send().await.unwrap(),
    ] {
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "etag"), etag);
        assert_eq!(header(&r, "content-length"), "4321");
        assert_eq!(
            header(&r, "content-md5"),
            STANDARD.encode(Md5::digest(&data))
        );
        assert_eq!(header(&r, "content-type"), "application/octet-stream");
        assert_eq!(header(&r, "accept-ranges"), "bytes");
        assert_eq!(header(&r, "x-ms-blob-type"), "BlockBlob");
        assert!(header(&r, "last-modified").ends_with(" GMT"));
        assert!(header(&r, "x-ms-creation-time").ends_with(" GMT"));
        assert!(!header(&r, "x-ms-version").is_empty());
        assert!(!header(&r, "x-ms-request-id").is_empty());
    }
    // If-Match holds the etag to the blob read.
    let r = env
        .http
        .get(&uri)
        .header("if-match", "\"0xNOTIT\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    let r = env
        .http
        .get(&uri)
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // If-None-Match: * keeps a blob that exists.
    let r = env
        .http
        .put(&uri)
        .header("x-ms-blob-type", "BlockBlob")
        .header("if-none-match", "*")
        .body("again")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = env.http.head(&uri).send().await.unwrap();
    assert_eq!(header(&r, "content-length"), "4321");
}

#[tokio::test]
async fn put_block_list_keeps_the_content_type_and_md5() {
    let env = fresh().await;
    let uri = sas(&env, "block-list").await;
    let (base, query) = uri.split_once('?').unwrap();
    let parts = [bytes(1000), bytes(500)];
    let mut xml = String::from("<?xml version='1.0' encoding='utf-8'?>\n<BlockList>");
    for (i, part) in parts.iter().enumerate() {
        let id = STANDARD.encode(format!("block-{i:04}"));
        let url = format!(
            "{base}?{query}&comp=block&blockid={}",
            id.replace('=', "%3D")
        );
        let r = env.http.put(&url).body(part.clone()).send().await.unwrap();
        assert_eq!(r.status(), 201);
        xml.push_str(&format!("<Latest>{id}</Latest>"));
    }
    xml.push_str("</BlockList>");
    let whole = [parts[0].clone(), parts[1].clone()].concat();
    let md5 = STANDARD.encode(Md5::digest(&whole));
    let r = env
        .http
        .put(format!("{base}?{query}&comp=blocklist"))
        .header("x-ms-blob-content-type", "application/zip")
        .header("x-ms-blob-content-md5", &md5)
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().contains_key("etag") && r.headers().contains_key("last-modified"));
    let r = env.http.head(&uri).send().await.unwrap();
    assert_eq!(header(&r, "content-type"), "application/zip");
    assert_eq!(header(&r, "content-md5"), md5);
    assert_eq!(header(&r, "content-length"), "1500");
}

/// A fresh SAS URL and the bytes the emulator holds behind one, by plain HTTP.
async fn held(env: &Env, uri: &str) -> Vec<u8> {
    let r = env.http.get(uri).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap().to_vec()
}

fn sha(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs the Python SDK script through two `fileSasUri`s of an emulator.
async fn python_sdk_round_trip(b: EmulatorBuilder) {
    let python = std::env::var("PYTHON_AZURE_BLOB").unwrap_or_else(|_| {
        panic!("PYTHON_AZURE_BLOB is not set: run `PYTHON_AZURE_BLOB=\"$(bash .ci/python)\"` first (it makes a venv with azure-storage-blob)")
    });
    let env = start(b).await;
    let single = sas(&env, "sdk-single").await;
    let blocks = sas(&env, "sdk-blocks").await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/azure_blob_sdk.py"
    );
    // The server runs on this test's runtime: wait for Python off it.
    let (py, a, b) = (python.clone(), single.clone(), blocks.clone());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(py)
            .arg(script)
            .arg(a)
            .arg(b)
            .output()
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the SDK script failed:\n{stdout}\n{stderr}"
    );
    let report: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not the script's report ({e}): {stdout}"));
    // What the emulator holds is what the SDK sent.
    assert_eq!(report["single"], sha(&held(&env, &single).await));
    assert_eq!(report["blocks"], sha(&held(&env, &blocks).await));
    assert!(report["blockRequests"].as_u64().unwrap() >= 12, "{report}");
}

#[tokio::test]
#[ignore = "needs Python azure-storage-blob; run by .ci/run"]
async fn microsofts_python_sdk_uploads_and_downloads_through_a_file_sas_uri() {
    python_sdk_round_trip(Emulator::builder()).await;
}

#[tokio::test]
#[ignore = "needs Python azure-storage-blob; run by .ci/run"]
async fn microsofts_python_sdk_works_on_a_blob_host_url_as_issued() {
    python_sdk_round_trip(Emulator::builder().blob_host("localhost")).await;
}
