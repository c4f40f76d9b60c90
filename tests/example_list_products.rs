//! Runs `examples/list_products.rs` against stand-ins for Azure AD and the
//! ingestion API on 127.0.0.1, configured only through the environment, the
//! way a user runs it.

mod support;

use std::io::BufRead;
use std::process::{Command, Output, Stdio};

use serde_json::json;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn example_command(server: &MockServer, secret: &str) -> Command {
    let mut command = Command::new(example_binary("list_products"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", CLIENT_ID)
        .env("AZURE_CLIENT_SECRET", secret)
        .env("AZURE_AUTHORITY_HOST", server.uri())
        .env(
            "PARTNER_CENTER_ENDPOINT",
            format!("{}{BASE_PATH}", server.uri()),
        )
        .env("RUST_LOG", "trace");
    command
}

fn run_example(server: &MockServer, secret: &str) -> Output {
    example_command(server, secret)
        .output()
        .expect("the example runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_nothing_secret(all: &str) {
    assert!(!all.contains(SECRET), "the client secret leaked");
    assert!(!all.contains(TOKEN), "the access token leaked");
    assert!(
        !all.contains("stand-in-access-token"),
        "part of the token leaked"
    );
    assert!(!all.contains("panicked"), "the example panicked:\n{all}");
}

async fn assert_every_request_identified(server: &MockServer) {
    for request in received_on(server, BASE_PATH).await {
        let id = request
            .headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert_eq!(id.len(), 36, "{} lacks a Client-Request-ID", request.url);
        assert_eq!(
            request
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok()),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{} was sent without the token",
            request.url
        );
    }
}

#[tokio::test]
async fn lists_every_product_over_many_pages_with_one_token() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, TOKEN, 3599).await;
    let pages = ProductPages::new(40);
    mount_products(&server, pages.clone(), TOKEN).await;

    let output = run_example(&server, SECRET);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "stderr:\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 40, "{stdout}");
    assert_eq!(
        lines[0],
        "00000000-0000-0000-0000-000000000000\tAzureApplication\tOffer 0\toffer-0"
    );
    assert!(
        lines[3].contains("\tSoftwareAsAService\t"),
        "an unlisted type survives: {}",
        lines[3]
    );
    assert!(
        pages.served.load(std::sync::atomic::Ordering::SeqCst) > 15,
        "many small pages"
    );
    assert_eq!(
        received_on(&server, &v1_token_path()).await.len(),
        1,
        "one token request"
    );
    assert_every_request_identified(&server).await;
    assert_nothing_secret(&format!("{stdout}{stderr}"));
}

#[tokio::test]
async fn a_wrong_secret_exits_non_zero_with_the_aadsts_code() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(v1_token_path()))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2026-11-24 10:00:00Z",
            "error_codes": [7000215],
            "trace_id": "trace-7000215",
            "correlation_id": "corr-7000215"
        })))
        .mount(&server)
        .await;

    let output = run_example(&server, "wrong-secret-value-xyz");
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("AADSTS7000215"), "{stderr}");
    assert!(stderr.contains("Secret ID"), "the hint is shown: {stderr}");
    assert!(!format!("{stdout}{stderr}").contains("wrong-secret-value-xyz"));
    assert_nothing_secret(&format!("{stdout}{stderr}"));
    assert!(
        received_on(&server, BASE_PATH).await.is_empty(),
        "no unauthorized call"
    );
}

#[tokio::test]
async fn waits_out_throttling_and_html_outages() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, TOKEN, 3599).await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/products")))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json("ICH42900 - Too many requests."),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/products")))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><head><title>Service Unavailable</title></head></html>"),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    mount_products(&server, ProductPages::new(7), TOKEN).await;

    let started = std::time::Instant::now();
    let output = run_example(&server, SECRET);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "stderr:\n{stderr}");
    assert_eq!(stdout.lines().count(), 7);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "Retry-After was honoured"
    );
    assert_every_request_identified(&server).await;
    assert_nothing_secret(&format!("{stdout}{stderr}"));
}

#[tokio::test]
async fn a_validation_error_shows_the_fault() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, TOKEN, 3599).await;
    let body = ich_error(
        "ICH50400",
        "Unable to complete request.",
        json!({
            "faultCode": 50400,
            "reasonPhrase": "Request validation failed.",
            "correlationId": "corr-4c1e",
            "operationId": "op-77aa",
            "data": { "FeatureName": ["The field FeatureName is invalid."] }
        }),
    );
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/products")))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("content-type", "application/json")
                .insert_header("request-id", "req-400-1")
                .set_body_string(body),
        )
        .mount(&server)
        .await;

    let output = run_example(&server, SECRET);
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success());
    for part in [
        "50400",
        "corr-4c1e",
        "FeatureName: The field FeatureName is invalid.",
        "req-400-1",
    ] {
        assert!(stderr.contains(part), "stderr lacks {part}:\n{stderr}");
    }
    assert_nothing_secret(&format!("{stdout}{stderr}"));
}

#[tokio::test]
async fn a_missing_variable_is_named() {
    let output = Command::new(example_binary("list_products"))
        .env_clear()
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", CLIENT_ID)
        .output()
        .expect("the example runs");
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("AZURE_CLIENT_SECRET"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn a_closed_pipe_ends_the_listing_quietly() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, TOKEN, 3599).await;
    // More than a pipe buffer holds (64 KiB), so writing must meet the closed pipe.
    mount_products(&server, ProductPages::new(2_000), TOKEN).await;

    // `list_products | head -3`: read three lines, then close the pipe.
    let mut child = example_command(&server, SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let stdout = child.stdout.take().expect("piped");
    let first: Vec<String> = std::io::BufReader::new(stdout)
        .lines()
        .take(3)
        .collect::<Result<_, _>>()
        .expect("three lines");
    assert_eq!(first.len(), 3);
    // The reader is dropped here: the pipe is closed.
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .expect("the example ends");
    let (_, stderr) = text(&output);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(output.status.success(), "{:?}\n{stderr}", output.status);
}
