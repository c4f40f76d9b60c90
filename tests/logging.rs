//! What the client logs: spans that name the call, and never a secret.
//!
//! Alone in its own test binary: it installs a `tracing` subscriber, and
//! `tracing` caches per call site whether anyone listens. A test running
//! meanwhile on another thread of the same process (the `cargo test`
//! runner) can make that cache say "nobody" just as the subscriber arrives.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use support::*;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use partner_center_ingestion::{types, Client, Error};

fn ok_product() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(product(1))
}

async fn get_product(client: &Client) -> Result<types::AzureProduct, Error> {
    Ok(client
        .get_product()
        .product_id("p-1")
        .send()
        .await?
        .into_inner())
}

/// Captures everything logged at any level.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn traces_name_the_call_and_never_show_secrets() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    mount_token_endpoint(&server, TOKEN, 3599).await;
    let product_path = format!("{BASE_PATH}/products/p-1");
    Mock::given(path(product_path.as_str()))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json("ICH1 - Upload to https://acct.blob.core.windows.net/c/f?sv=1&sig=SECRETSIG failed.")
                .insert_header("request-id", "req-traced"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(product_path.as_str()))
        .respond_with(ok_product())
        .with_priority(2)
        .mount(&server)
        .await;
    let credential =
        partner_center_ingestion::auth::ClientSecretCredential::builder(TENANT, CLIENT_ID, SECRET)
            .cloud(
                partner_center_ingestion::auth::Cloud::from_authority_host(&server.uri()).unwrap(),
            )
            .build()
            .unwrap();
    let client = Client::builder(credential)
        .endpoint(format!("{}{BASE_PATH}", server.uri()))
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let error = client
        .get_product()
        .product_id("p-1")
        .send()
        .await
        .unwrap_err();
    get_product(&client).await.unwrap();
    let shown = format!("{error} {error:?} {client:?}");
    drop(_guard);

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "partner_center.request",
        "operation=\"get_product\"",
        "path=\"/products/{productID}\"",
        "client_request_id=",
        "status=400",
        "attempt=1",
        "latency_ms=",
        "request_id=\"req-traced\"",
    ] {
        assert!(logs.contains(expected), "the logs lack {expected}:\n{logs}");
    }
    for text in [&logs, &shown] {
        assert!(!text.contains(SECRET), "the secret leaked");
        assert!(
            !text.contains(TOKEN) && !text.contains("stand-in-access-token"),
            "the token leaked"
        );
        assert!(!text.contains("SECRETSIG"), "a SAS signature leaked");
    }
    assert!(shown.contains("sig=REDACTED"), "{shown}");
}
