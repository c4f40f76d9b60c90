//! The blob uploader (`src/blob/`) against wiremock: the exact requests,
//! retries and errors. Against a real Blob service (Azurite):
//! `tests/blob_upload_azurite.rs`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use partner_center_ingestion::blob::{Progress, UploadErrorKind};

#[path = "support/blob.rs"]
mod blob;
use blob::*;

#[tokio::test]
async fn a_small_file_goes_up_in_one_put_blob() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(BLOB_PATH))
        .respond_with(created())
        .expect(1)
        .mount(&server)
        .await;
    let data = sample(100_000);
    let file = temp_file(&data);
    let mut reports = Vec::new();
    let summary = uploader()
        .upload_file(&sas_for(&server), file.path(), |p| reports.push(p))
        .await
        .expect("upload");

    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 1);
    let put = &requests[0];
    assert_eq!(header(put, "x-ms-blob-type"), Some("BlockBlob"));
    assert_eq!(
        header(put, "content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(header(put, "x-ms-version"), Some("2021-08-06"));
    assert_eq!(header(put, "content-md5"), Some(md5_b64(&data).as_str()));
    assert_eq!(header(put, "content-length"), Some("100000"));
    assert_eq!(
        query(put, "sig").as_deref(),
        Some(SIG),
        "the SAS goes intact"
    );
    assert_eq!(query(put, "comp"), None);
    assert_eq!(put.body, data);

    assert_eq!(summary.bytes, 100_000);
    assert_eq!(summary.blocks, 0);
    assert_eq!(summary.content_md5, Some(md5_b64(&data)));
    assert_eq!(summary.etag.as_deref(), Some("\"0x8DC0FFEE\""));
    assert_eq!(summary.request_id.as_deref(), Some("req-0001"));
    assert_eq!(summary.retries, 0);
    assert_eq!(
        reports,
        vec![Progress {
            sent: 100_000,
            total: Some(100_000),
            committed: true
        }]
    );
}

#[tokio::test]
async fn a_large_file_goes_up_in_blocks_listed_in_order() {
    let server = MockServer::start().await;
    // The first block answers last, so the blocks finish out of order.
    answer_block(
        &server,
        0,
        created().set_delay(Duration::from_millis(300)),
        None,
    )
    .await;
    answer_puts(&server, created()).await;
    let data = sample(10_000);
    let file = temp_file(&data);
    let summary = uploader()
        .block_size(1024)
        .single_put_threshold(2048)
        .blocks_in_flight(3)
        .block_md5(true)
        .blob_md5(true)
        .upload_file(&sas_for(&server), file.path(), |_| {})
        .await
        .expect("upload");

    let requests = server.received_requests().await.expect("recorded");
    let blocks: Vec<&Request> = requests
        .iter()
        .filter(|r| query(r, "comp").as_deref() == Some("block"))
        .collect();
    assert_eq!(blocks.len(), 10);
    let mut ids = Vec::new();
    for block in &blocks {
        assert_eq!(
            header(block, "content-md5"),
            Some(md5_b64(&block.body).as_str()),
            "each block carries its own MD5"
        );
        assert_eq!(header(block, "x-ms-version"), Some("2021-08-06"));
        assert_eq!(query(block, "sig").as_deref(), Some(SIG));
        assert!(
            header(block, "x-ms-blob-type").is_none(),
            "Put Block has no blob type"
        );
        ids.push(query(block, "blockid").expect("block id"));
    }
    let length = ids[0].len();
    assert!(
        ids.iter().all(|id| id.len() == length),
        "block ids all of one length: {ids:?}"
    );
    assert_eq!(
        blocks[0].body.len(),
        1024,
        "the first block sent is the first of the file"
    );

    let list = requests.last().expect("the last request");
    assert_eq!(query(list, "comp").as_deref(), Some("blocklist"));
    let xml = String::from_utf8_lossy(&list.body);
    assert!(
        xml.starts_with(r#"<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>"#),
        "{xml}"
    );
    assert!(xml.ends_with("</Latest></BlockList>"), "{xml}");
    assert_eq!(
        listed_ids(&xml),
        (0..10).map(block_id).collect::<Vec<_>>(),
        "the block list names every block in file order"
    );
    assert_eq!(
        header(list, "content-md5"),
        Some(md5_b64(&list.body).as_str())
    );
    assert_eq!(
        header(list, "x-ms-blob-content-md5"),
        Some(md5_b64(&data).as_str())
    );
    assert_eq!(
        header(list, "x-ms-blob-content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(assemble(&requests), data);

    assert_eq!(summary.bytes, 10_000);
    assert_eq!(summary.blocks, 10);
    assert_eq!(summary.content_md5, Some(md5_b64(&data)));
}

#[tokio::test]
async fn by_default_neither_blocks_nor_the_blob_carry_an_md5_as_in_microsofts_sdks() {
    let server = MockServer::start().await;
    answer_puts(&server, created()).await;
    let data = sample(5_000);
    let file = temp_file(&data);
    let summary = uploader()
        .block_size(1024)
        .single_put_threshold(2048)
        .upload_file(&sas_for(&server), file.path(), |_| {})
        .await
        .expect("upload");
    let requests = server.received_requests().await.expect("recorded");
    let blocks: Vec<&Request> = requests
        .iter()
        .filter(|r| query(r, "comp").as_deref() == Some("block"))
        .collect();
    assert_eq!(blocks.len(), 5);
    assert!(blocks.iter().all(|b| header(b, "content-md5").is_none()));
    let list = requests.last().expect("the last request");
    assert_eq!(query(list, "comp").as_deref(), Some("blocklist"));
    assert_eq!(header(list, "x-ms-blob-content-md5"), None);
    assert_eq!(summary.content_md5, None);
    assert_eq!(assemble(&requests), data);
}

#[tokio::test]
async fn a_block_refused_with_503_is_sent_again() {
    let server = MockServer::start().await;
    let busy = ResponseTemplate::new(503)
        .insert_header("x-ms-error-code", "ServerBusy")
        .insert_header("retry-after", "0");
    answer_block(&server, 2, busy, Some(1)).await;
    answer_block(&server, 4, ResponseTemplate::new(500), Some(1)).await;
    answer_puts(&server, created()).await;
    let data = sample(6 * 1024 + 17);
    let summary = uploader()
        .block_size(1024)
        .single_put_threshold(1024)
        .upload_reader(
            &sas_for(&server),
            data.as_slice(),
            Some(data.len() as u64),
            |_| {},
        )
        .await
        .expect("the upload succeeds after the retries");
    assert_eq!(summary.retries, 2);
    assert_eq!(summary.blocks, 7);

    let requests = server.received_requests().await.expect("recorded");
    let sent_block_2: Vec<&Request> = requests
        .iter()
        .filter(|r| query(r, "blockid").as_deref() == Some(block_id(2).as_str()))
        .collect();
    assert_eq!(sent_block_2.len(), 2, "block 2 sent twice");
    assert_eq!(sent_block_2[0].body, sent_block_2[1].body);
    assert_eq!(assemble(&requests), data);
}

#[tokio::test]
async fn a_block_that_times_out_is_sent_again() {
    let server = MockServer::start().await;
    answer_block(
        &server,
        1,
        created().set_delay(Duration::from_secs(5)),
        Some(1),
    )
    .await;
    answer_puts(&server, created()).await;
    let data = sample(3000);
    let summary = uploader()
        .block_size(1000)
        .single_put_threshold(1000)
        .timeout(Duration::from_millis(500))
        .upload_reader(&sas_for(&server), data.as_slice(), None, |_| {})
        .await
        .expect("the upload succeeds after the retry");
    assert_eq!(summary.retries, 1);
    assert_eq!(
        assemble(&server.received_requests().await.expect("recorded")),
        data
    );
}

/// Captures what `tracing` writes during a test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

#[tokio::test]
async fn a_refusal_shows_storage_code_but_never_the_signature() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    // Storage's own words, with the signature echoed back for good measure.
    let body = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code>\
         <Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.\n\
         RequestId:5c4f3e1a-401e-0001-2f0a-000000000000\nTime:2026-11-26T06:30:00.0000000Z</Message>\
         <AuthenticationErrorDetail>Signature did not match. Signature sent: {SIG}</AuthenticationErrorDetail></Error>"
    );
    Mock::given(method("PUT"))
        .and(path(BLOB_PATH))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ms-request-id", "5c4f3e1a-401e-0001-2f0a-000000000000")
                .insert_header("x-ms-error-code", "AuthenticationFailed")
                .insert_header("content-type", "application/xml")
                .set_body_string(body),
        )
        .mount(&server)
        .await;
    let file = temp_file(b"a logo");
    let error = uploader()
        .upload_file(&sas_for(&server), file.path(), |_| {})
        .await
        .expect_err("403 is an error");

    let shown = error.to_string();
    let debug = format!("{error:?}");
    let crate_error = partner_center_ingestion::Error::from(error);
    let all = format!(
        "{shown}\n{debug}\n{crate_error}\n{crate_error:?}\n{}",
        logs.text()
    );
    assert!(!all.contains(SIG), "signature leaked: {all}");
    assert!(
        !all.contains("c2VjcmV0"),
        "part of the signature leaked: {all}"
    );
    assert!(
        !all.contains("%2F") && !all.contains("se=2030"),
        "query leaked: {all}"
    );
    let file_name = file.path().display().to_string();
    assert!(shown.contains(&file_name), "{shown}");
    assert!(shown.contains("Put Blob"), "{shown}");
    assert!(shown.contains("403"), "{shown}");
    assert!(shown.contains("AuthenticationFailed"), "{shown}");
    assert!(
        shown.contains("Server failed to authenticate the request"),
        "{shown}"
    );
    assert!(
        shown.contains("5c4f3e1a-401e-0001-2f0a-000000000000"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("{}?[SAS redacted]", BLOB_PATH)),
        "{shown}"
    );
    assert!(
        logs.text().contains(BLOB_PATH),
        "the blob is logged: {}",
        logs.text()
    );

    let partner_center_ingestion::Error::Upload(error) = crate_error else {
        panic!("not an upload error: {crate_error:?}");
    };
    let storage = error.storage().expect("Storage's answer");
    assert_eq!(storage.status.as_u16(), 403);
    assert_eq!(storage.code.as_deref(), Some("AuthenticationFailed"));
    assert_eq!(
        storage.request_id.as_deref(),
        Some("5c4f3e1a-401e-0001-2f0a-000000000000")
    );
    assert!(storage
        .authentication_detail
        .as_deref()
        .is_some_and(|d| d.contains("Signature did not match") && d.contains("REDACTED")));
    assert_eq!(
        server.received_requests().await.expect("recorded").len(),
        1,
        "403 is not retried"
    );
}

#[tokio::test]
async fn a_block_failing_every_time_names_the_block_and_the_attempts() {
    let server = MockServer::start().await;
    answer_block(&server, 1, ResponseTemplate::new(500).set_body_string(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>InternalError</Code><Message>The server encountered an internal error.</Message></Error>",
        ), None).await;
    answer_puts(&server, created()).await;
    let data = sample(4000);
    let file = temp_file(&data);
    let error = uploader()
        .block_size(1000)
        .single_put_threshold(1000)
        .upload_file(&sas_for(&server), file.path(), |_| {})
        .await
        .expect_err("block 1 never goes up");
    let shown = error.to_string();
    assert!(
        shown.contains("Put Block 1 (bytes 1000..2000) was refused after 4 attempts"),
        "{shown}"
    );
    assert!(shown.contains("InternalError"), "{shown}");
    assert!(error.file().is_some());
    let requests = server.received_requests().await.expect("recorded");
    assert!(
        requests
            .iter()
            .all(|r| query(r, "comp").as_deref() != Some("blocklist")),
        "nothing committed"
    );
}

#[tokio::test]
async fn progress_reaches_the_total() {
    let server = MockServer::start().await;
    answer_puts(&server, created()).await;
    let data = sample(50_000);
    let file = temp_file(&data);
    let (sender, mut receiver) = tokio::sync::watch::channel(Progress::default());
    let mut reports = Vec::new();
    uploader()
        .block_size(4096)
        .single_put_threshold(8192)
        .upload_file(&sas_for(&server), file.path(), |p| {
            reports.push(p);
            let _ = sender.send(p);
        })
        .await
        .expect("upload");
    assert_eq!(reports.len(), 13 + 1, "one per block and one at the end");
    assert!(reports.windows(2).all(|w| w[0].sent <= w[1].sent));
    assert!(reports.iter().all(|p| p.total == Some(50_000)));
    assert!(reports[..13].iter().all(|p| !p.committed));
    let last = *receiver.borrow_and_update();
    assert_eq!(
        last,
        Progress {
            sent: 50_000,
            total: Some(50_000),
            committed: true
        }
    );
}

#[tokio::test]
async fn a_reader_of_unknown_length_picks_put_blob_or_blocks() {
    let server = MockServer::start().await;
    answer_puts(&server, created()).await;
    let small = sample(900);
    let summary = uploader()
        .block_size(500)
        .single_put_threshold(1000)
        .upload_reader(&sas_for(&server), small.as_slice(), None, |_| {})
        .await
        .expect("small upload");
    assert_eq!((summary.bytes, summary.blocks), (900, 0));

    server.reset().await;
    answer_puts(&server, created()).await;
    let large = sample(2600);
    let mut last = Progress::default();
    let summary = uploader()
        .block_size(500)
        .single_put_threshold(1000)
        .upload_reader(&sas_for(&server), large.as_slice(), None, |p| last = p)
        .await
        .expect("large upload");
    assert_eq!((summary.bytes, summary.blocks), (2600, 6));
    assert_eq!(last.total, Some(2600));
    assert_eq!(
        assemble(&server.received_requests().await.expect("recorded")),
        large
    );
}

#[tokio::test]
async fn a_source_shorter_or_longer_than_announced_is_not_committed() {
    let server = MockServer::start().await;
    answer_puts(&server, created()).await;
    let data = sample(3000);
    let up = uploader().block_size(1000).single_put_threshold(1000);
    for (announced, small) in [(3500u64, false), (2500, false), (800, true), (5000, false)] {
        let error = up
            .upload_reader(&sas_for(&server), data.as_slice(), Some(announced), |_| {})
            .await
            .expect_err("length mismatch");
        assert!(
            matches!(error.kind(), UploadErrorKind::LengthMismatch { expected, .. } if *expected == announced),
            "{announced} (small {small}): {error}"
        );
    }
    let requests = server.received_requests().await.expect("recorded");
    assert!(
        requests
            .iter()
            .all(|r| query(r, "comp").as_deref() == Some("block")),
        "no Put Blob or Put Block List"
    );
}

#[tokio::test]
async fn uploads_can_be_spawned() {
    let server = MockServer::start().await;
    answer_puts(&server, created()).await;
    let data = sample(5000);
    let file = temp_file(&data);
    let sas = sas_for(&server);
    let up = uploader().block_size(1000).single_put_threshold(1000);
    let path = file.path().to_path_buf();
    let task =
        tokio::spawn(async move { up.upload_file(&sas, &path, |_| {}).await.map(|s| s.bytes) });
    assert_eq!(task.await.expect("joined").expect("upload"), 5000);
}

/// Counts the bytes read from the inner reader.
struct Counting<R> {
    inner: R,
    read: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Counting<R> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        self.read
            .fetch_add(read, std::sync::atomic::Ordering::SeqCst);
        poll
    }
}

#[tokio::test]
async fn reading_stays_within_the_blocks_in_flight() {
    let server = MockServer::start().await;
    answer_puts(&server, created().set_delay(Duration::from_millis(5))).await;
    let data = sample(200 * 1024);
    let read = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let reader = Counting {
        inner: data.as_slice(),
        read: read.clone(),
    };
    let (block, in_flight) = (4096u64, 3u64);
    let mut most_ahead = 0;
    uploader()
        .block_size(block as usize)
        .blocks_in_flight(in_flight as usize)
        .single_put_threshold(block)
        .upload_reader(&sas_for(&server), reader, Some(data.len() as u64), |p| {
            let ahead = read.load(std::sync::atomic::Ordering::SeqCst) - p.sent;
            most_ahead = most_ahead.max(ahead);
        })
        .await
        .expect("upload");
    assert!(
        most_ahead <= in_flight * block,
        "read {most_ahead} bytes ahead of what Storage confirmed"
    );
    assert!(most_ahead > 0);
}
