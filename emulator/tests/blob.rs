//! The blob endpoint behind `fileSasUri`.

mod support;

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use md5::{Digest, Md5};
use partner_center_emulator::Emulator;
use serde_json::json;
use support::{fresh, start, Env};

async fn sas(env: &Env) -> String {
    let p = env.product("blobs").await;
    let a = env
        .post(
            &format!("/products/{p}/packages"),
            json!({"resourceType": "AzureApplicationPackage", "fileName": "app.zip"}),
        )
        .await;
    let uri = a.json()["fileSasUri"].as_str().unwrap().to_string();
    assert!(uri.starts_with(&env.emu.blob_endpoint()), "{uri}");
    for k in ["sv=", "sr=b", "sp=rcw", "se=", "st=", "sig=", "spr="] {
        assert!(uri.contains(k), "{k} in {uri}");
    }
    uri
}

fn with_block(uri: &str, q: &str) -> String {
    let (base, query) = uri.split_once('?').unwrap();
    format!("{base}?{query}&{q}")
}

#[tokio::test]
async fn put_blob_then_get_blob() {
    let env = fresh().await;
    let uri = sas(&env).await;
    let r = env.put_blob(&uri, b"hello".to_vec()).await;
    assert_eq!(r.status(), 201);
    assert!(r.headers().contains_key("etag"));
    let r = env.http.get(&uri).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"hello");
    let r = env.http.put(&uri).body("x").send().await.unwrap();
    assert_eq!(r.status(), 400, "x-ms-blob-type is required");
}

#[tokio::test]
async fn blocks_and_block_lists_assemble_a_blob() {
    let env = fresh().await;
    let uri = sas(&env).await;
    let ids: Vec<String> = (0..3)
        .map(|i| STANDARD.encode(format!("block-{i:04}")))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        let data = vec![b'a' + i as u8; 1000];
        let md5 = STANDARD.encode(Md5::digest(&data));
        let url = with_block(&uri, &format!("comp=block&blockid={}", urlencode(id)));
        let r = env
            .http
            .put(&url)
            .header("content-md5", md5)
            .body(data)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let url = with_block(&uri, &format!("comp=block&blockid={}", urlencode(&ids[0])));
    let r = env
        .http
        .put(&url)
        .header("content-md5", STANDARD.encode([0u8; 16]))
        .body("zzz")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("<Code>Md5Mismatch</Code>"));
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>{}</Latest><Latest>{}</Latest><Latest>{}</Latest></BlockList>",
        ids[2], ids[0], ids[1]
    );
    let r = env
        .http
        .put(with_block(&uri, "comp=blocklist"))
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let got = env
        .http
        .get(&uri)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.len(), 3000);
    assert_eq!((got[0], got[1000], got[2000]), (b'c', b'a', b'b'));
    let r = env
        .http
        .put(with_block(&uri, "comp=blocklist"))
        .body("<BlockList><Latest>bm9wZQ==</Latest></BlockList>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

#[tokio::test]
async fn tampered_or_missing_signatures_get_403_in_storage_xml() {
    let env = fresh().await;
    let uri = sas(&env).await;
    let (base, query) = uri.split_once('?').unwrap();
    let tampered_sig = query.replace("sig=", "sig=A");
    let other_blob = format!("{}x?{query}", base);
    let wider = query.replace("sp=rcw", "sp=rcwd");
    for url in [
        format!("{base}?{tampered_sig}"),
        other_blob,
        format!("{base}?{wider}"),
        base.to_string(),
    ] {
        let r = env.put_blob(&url, b"x".to_vec()).await;
        assert_eq!(r.status(), 403, "{url}");
        let text = r.text().await.unwrap();
        assert!(
            text.contains("<Error><Code>AuthenticationFailed</Code><Message>"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn expired_signatures_are_refused() {
    let clock = partner_center_emulator::Clock::manual();
    let env = start(
        Emulator::builder()
            .clock(clock.clone())
            .sas_lifetime(Duration::from_secs(1)),
    )
    .await;
    let uri = sas(&env).await;
    clock.advance(Duration::from_millis(2100));
    let r = env.put_blob(&uri, b"x".to_vec()).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("AuthenticationFailed"));
}

#[tokio::test]
async fn a_large_upload_streams_to_disk() {
    let env = fresh().await;
    let uri = sas(&env).await;
    let chunk = vec![7u8; 1 << 20];
    let stream =
        futures::stream::iter((0..64).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let r = env
        .http
        .put(&uri)
        .header("x-ms-blob-type", "BlockBlob")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = env.http.head(&uri).send().await.unwrap();
    assert_eq!(
        r.headers()["content-length"],
        (64u64 << 20).to_string().as_str()
    );
}
