//! Each retry is one `info` line on `partner_center_ingestion::retry`
//! saying what failed, the try and the wait (what `partner-center` shows
//! without `-v`). Alone in its file: it installs the process's tracing
//! subscriber.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_center_ingestion::auth::StaticTokenCredential;
use partner_center_ingestion::retry::{RetryPolicy, RETRY_TARGET};
use partner_center_ingestion::Client;
use support::{BASE_PATH, TOKEN};

/// Collects what the subscriber writes.
#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_retry_is_one_line_naming_the_request_the_try_and_the_reason() {
    let capture = Capture(Arc::default());
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_env_filter(format!("{RETRY_TARGET}=info"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    let (uri, seen) = support::malformed_server();
    let client = Client::builder(StaticTokenCredential::new(TOKEN))
        .endpoint(format!("{uri}{BASE_PATH}"))
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            initial_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    client
        .get_product()
        .product_id("p")
        .send()
        .await
        .unwrap_err();
    let logged = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = logged.lines().filter(|l| l.contains("retrying")).collect();
    assert_eq!(lines.len(), 2, "three tries, two retries:\n{logged}");
    assert_eq!(*seen.lock().unwrap(), 3);
    for (i, line) in lines.iter().enumerate() {
        for part in [
            "request=\"GET http://127.0.0.1".to_string(),
            format!("attempt={}", i + 1),
            "max_attempts=3".to_string(),
            "wait_ms=".to_string(),
            "reason=\"the answer could not be read as HTTP\"".to_string(),
        ] {
            assert!(line.contains(&part), "{part} in {line}");
        }
    }
}
