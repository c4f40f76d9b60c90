//! What every request goes through: retries, request ids, etags, error
//! details and tracing.

mod support;

use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use support::*;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use partner_center_ingestion::auth::StaticTokenCredential;
use partner_center_ingestion::retry::RetryPolicy;
use partner_center_ingestion::{types, Client, Error};

fn client(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::builder(StaticTokenCredential::new(TOKEN))
        .endpoint(format!("{}{BASE_PATH}", server.uri()))
        .retry_policy(policy)
        .timeout(Duration::from_millis(800))
        .build()
        .unwrap()
}

async fn first_then(
    server: &MockServer,
    first: ResponseTemplate,
    times: u64,
    then: ResponseTemplate,
) {
    Mock::given(any())
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(any())
        .respond_with(then)
        .with_priority(2)
        .mount(server)
        .await;
}

fn ok_product() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(product(1))
}

async fn request_ids(server: &MockServer) -> Vec<String> {
    received_on(server, BASE_PATH)
        .await
        .iter()
        .map(|r| {
            r.headers
                .get("client-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

async fn get_product(client: &Client) -> Result<types::AzureProduct, Error> {
    Ok(client
        .get_product()
        .product_id("p-1")
        .send()
        .await?
        .into_inner())
}

#[tokio::test]
async fn throttling_waits_for_retry_after_in_seconds() {
    let server = MockServer::start().await;
    first_then(
        &server,
        ResponseTemplate::new(429).insert_header("Retry-After", "1"),
        1,
        ok_product(),
    )
    .await;
    let started = Instant::now();
    get_product(&client(&server, quick_retries()))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    let ids = request_ids(&server).await;
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1], "one Client-Request-ID across the retries");
    assert_eq!(ids[0].len(), 36);
}

#[tokio::test]
async fn throttling_waits_for_retry_after_as_a_date() {
    let server = MockServer::start().await;
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    first_then(
        &server,
        ResponseTemplate::new(429).insert_header("Retry-After", at.as_str()),
        1,
        ok_product(),
    )
    .await;
    let started = Instant::now();
    get_product(&client(&server, quick_retries()))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_long_retry_after_is_capped() {
    let server = MockServer::start().await;
    first_then(
        &server,
        ResponseTemplate::new(503).insert_header("Retry-After", "3600"),
        1,
        ok_product(),
    )
    .await;
    let policy = RetryPolicy {
        max_retry_after: Duration::from_millis(200),
        ..quick_retries()
    };
    let started = Instant::now();
    get_product(&client(&server, policy)).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_post_is_retried_after_503_and_429_only() {
    let body = json!({ "resourceType": "AzureApplication", "name": "Contoso" });
    let server = MockServer::start().await;
    first_then(
        &server,
        ResponseTemplate::new(503)
            .set_body_string("<html><head><title>Service Unavailable</title></head></html>")
            .insert_header("content-type", "text/html"),
        2,
        ResponseTemplate::new(201).set_body_json(product(1)),
    )
    .await;
    let made = client(&server, quick_retries())
        .create_product()
        .body(serde_json::from_value::<types::AzureProduct>(body.clone()).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(made.name.as_deref(), Some("Offer 1"));
    let received = received_on(&server, BASE_PATH).await;
    assert_eq!(received.len(), 3);
    for request in &received {
        assert_eq!(
            request.body, received[0].body,
            "the body is resent byte for byte"
        );
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&request.body).unwrap(),
            body
        );
    }

    // A 500 may come after the POST was applied: not replayed.
    let server = MockServer::start().await;
    first_then(
        &server,
        ResponseTemplate::new(500),
        1,
        ResponseTemplate::new(201).set_body_json(product(1)),
    )
    .await;
    let error = client(&server, quick_retries())
        .create_product()
        .body(serde_json::from_value::<types::AzureProduct>(body).unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(received_on(&server, BASE_PATH).await.len(), 1);
}

#[tokio::test]
async fn other_server_errors_are_retried_for_idempotent_methods() {
    let server = MockServer::start().await;
    first_then(&server, ResponseTemplate::new(502), 2, ok_product()).await;
    get_product(&client(&server, quick_retries()))
        .await
        .unwrap();
    assert_eq!(received_on(&server, BASE_PATH).await.len(), 3);

    // A PUT is idempotent too; its body goes again unchanged.
    let server = MockServer::start().await;
    first_then(
        &server,
        ResponseTemplate::new(500),
        1,
        ResponseTemplate::new(200)
            .set_body_json(json!({ "resourceType": "ListingImage", "id": "i-1" })),
    )
    .await;
    let image = json!({ "resourceType": "ListingImage", "fileName": "logo.png", "state": "Uploaded", "@odata.etag": "\"e1\"" });
    client(&server, quick_retries())
        .update_listing_image()
        .product_id("p")
        .listing_id("l")
        .image_id("i-1")
        .body(serde_json::from_value::<types::ListingImage>(image).unwrap())
        .send()
        .await
        .unwrap();
    let received = received_on(&server, BASE_PATH).await;
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].body, received[1].body);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).insert_header("request-id", "req-last"))
        .mount(&server)
        .await;
    let policy = RetryPolicy {
        max_attempts: 3,
        ..quick_retries()
    };
    let error = get_product(&client(&server, policy)).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.request_id(), Some("req-last"));
    assert_eq!(received_on(&server, BASE_PATH).await.len(), 3);
}

#[tokio::test]
async fn the_time_budget_stops_retries() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .mount(&server)
        .await;
    let policy = RetryPolicy {
        max_attempts: 10,
        budget: Duration::from_millis(1500),
        ..quick_retries()
    };
    let started = Instant::now();
    let error = get_product(&client(&server, policy)).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(received_on(&server, BASE_PATH).await.len(), 2);
}

#[tokio::test]
async fn timeouts_are_retried_for_get_but_not_for_post() {
    let server = MockServer::start().await;
    first_then(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(product(1))
            .set_delay(Duration::from_secs(3)),
        1,
        ok_product(),
    )
    .await;
    get_product(&client(&server, quick_retries()))
        .await
        .unwrap();
    assert_eq!(received_on(&server, BASE_PATH).await.len(), 2);

    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(product(1))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let error = client(&server, quick_retries())
        .create_product()
        .body(types::AzureProduct::default())
        .client_request_id("caller-chosen-id")
        .send()
        .await
        .unwrap_err();
    match &error {
        Error::Timeout {
            client_request_id, ..
        } => assert_eq!(client_request_id, "caller-chosen-id"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        error
            .to_string()
            .contains("may or may not have been applied"),
        "{error}"
    );
    assert_eq!(received_on(&server, BASE_PATH).await.len(), 1);
}

#[tokio::test]
async fn unreachable_hosts_are_transport_errors() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder(StaticTokenCredential::new(TOKEN))
        .endpoint(format!("http://127.0.0.1:{port}{BASE_PATH}"))
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            ..quick_retries()
        })
        .build()
        .unwrap();
    let error = get_product(&client).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.client_request_id().is_some_and(|id| id.len() == 36));
    assert!(
        error
            .to_string()
            .contains("could not reach the ingestion API"),
        "{error}"
    );
}

#[tokio::test]
async fn callers_may_choose_the_client_request_id() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_product())
        .mount(&server)
        .await;
    let client = client(&server, quick_retries());
    client
        .get_product()
        .product_id("p")
        .client_request_id("my-id-1")
        .send()
        .await
        .unwrap();
    client.get_product().product_id("p").send().await.unwrap();
    client.get_product().product_id("p").send().await.unwrap();
    let ids = request_ids(&server).await;
    assert_eq!(ids[0], "my-id-1");
    assert_ne!(ids[1], ids[2], "a fresh id per call");
}

#[tokio::test]
async fn updates_send_the_etag_unless_told_otherwise() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = client(&server, quick_retries());
    let listing: types::AzureListing =
        serde_json::from_value(json!({ "title": "t", "@odata.etag": "\"v7\"" })).unwrap();
    client
        .update_listing()
        .product_id("p")
        .listing_id("l")
        .body(listing.clone())
        .send()
        .await
        .unwrap();
    client
        .update_listing()
        .product_id("p")
        .listing_id("l")
        .if_match("*")
        .body(listing)
        .send()
        .await
        .unwrap();
    client
        .update_listing()
        .product_id("p")
        .listing_id("l")
        .body(types::AzureListing::default())
        .send()
        .await
        .unwrap();
    let sent: Vec<Option<String>> = received_on(&server, BASE_PATH)
        .await
        .iter()
        .map(|r| {
            r.headers
                .get("if-match")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .collect();
    assert_eq!(
        sent,
        [Some("\"v7\"".to_string()), Some("*".to_string()), None]
    );
}

#[tokio::test]
async fn a_stale_etag_is_its_own_error() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(412).set_body_json("ICH41200 - The resource has been modified. {\"faultCode\":41200,\"reasonPhrase\":\"Precondition failed.\"}"))
        .mount(&server)
        .await;
    let listing: types::AzureListing =
        serde_json::from_value(json!({ "title": "t", "@odata.etag": "\"v6\"" })).unwrap();
    let error = client(&server, quick_retries())
        .update_listing()
        .product_id("p")
        .listing_id("l")
        .body(listing)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::EtagMismatch(_)), "{error:?}");
    assert!(error.to_string().contains("read it again"), "{error}");
    assert_eq!(
        error.api().and_then(|e| e.fault_code.as_deref()),
        Some("41200")
    );
}

#[tokio::test]
async fn error_answers_keep_every_detail() {
    let server = MockServer::start().await;
    let body = ich_error(
        "ICH50400",
        "Unable to complete request.",
        json!({
            "faultCode": 50400,
            "reasonPhrase": "Request validation failed.",
            "correlationId": "corr-1",
            "operationId": "op-1",
            "data": { "FeatureName": ["The field FeatureName is invalid."], "Plans": ["At least one plan is needed.", "Second message."] }
        }),
    );
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_string(body)
                .insert_header("content-type", "application/json")
                .insert_header("request-id", "req-9")
                .insert_header("x-azure-ref", "0abc"),
        )
        .mount(&server)
        .await;
    let error = get_product(&client(&server, quick_retries()))
        .await
        .unwrap_err();
    let api = error.api().expect("an API error");
    assert_eq!(api.code.as_deref(), Some("ICH50400"));
    assert_eq!(api.fault_code.as_deref(), Some("50400"));
    assert_eq!(api.reason.as_deref(), Some("Request validation failed."));
    assert_eq!(api.correlation_id.as_deref(), Some("corr-1"));
    assert_eq!(api.operation_id.as_deref(), Some("op-1"));
    assert_eq!(api.validation["Plans"].len(), 2);
    assert_eq!(api.request_id.as_deref(), Some("req-9"));
    assert_eq!(api.azure_ref.as_deref(), Some("0abc"));
    assert_eq!(api.client_request_id.as_ref().map(String::len), Some(36));
    let shown = error.to_string();
    for part in [
        "400",
        "ICH50400",
        "Request validation failed.",
        "FeatureName: The field FeatureName is invalid.",
        "Plans: Second message.",
        "corr-1",
        "req-9",
        "0abc",
    ] {
        assert!(shown.contains(part), "{shown} lacks {part}");
    }
    assert_eq!(
        received_on(&server, BASE_PATH).await.len(),
        1,
        "a 400 is not retried"
    );
}

#[tokio::test]
async fn empty_401_and_404_answers_still_identify_the_call() {
    for status in [401u16, 404] {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("request-id", "req-empty")
                    .insert_header("x-azure-ref", "ref-empty"),
            )
            .mount(&server)
            .await;
        let error = get_product(&client(&server, RetryPolicy::none()))
            .await
            .unwrap_err();
        let shown = error.to_string();
        assert!(
            shown.contains(&status.to_string()) && shown.contains("empty body"),
            "{shown}"
        );
        assert!(
            shown.contains("req-empty") && shown.contains("ref-empty"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn a_success_body_that_does_not_decode_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/products/p-1")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("{\"name\": 42, \"fileSasUri\": \"https://x/y?sig=SECRETSIG\"}"),
        )
        .mount(&server)
        .await;
    let error = get_product(&client(&server, RetryPolicy::none()))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    let shown = error.to_string();
    assert!(shown.contains("cannot read"), "{shown}");
    assert!(!shown.contains("SECRETSIG"), "{shown}");
}

#[tokio::test]
async fn your_own_http_client_carries_the_requests() {
    let server = MockServer::start().await;
    Mock::given(path(format!("{BASE_PATH}/products/p-1")))
        .respond_with(ok_product())
        .mount(&server)
        .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-corporate-proxy", "seen".parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::builder(StaticTokenCredential::new(TOKEN))
        .endpoint(format!("{}{BASE_PATH}", server.uri()))
        .http_client(http)
        .user_agent_suffix("my-tool/1.0")
        .build()
        .unwrap();
    // Every call returns the crate's own `Result`.
    let product: partner_center_ingestion::Result<_> =
        client.get_product().product_id("p-1").send().await;
    assert_eq!(
        product.unwrap().into_inner().name.as_deref(),
        Some("Offer 1")
    );
    let requests = received_on(&server, BASE_PATH).await;
    let request = &requests[0];
    assert_eq!(request.headers["x-corporate-proxy"], "seen");
    let agent = request.headers["user-agent"].to_str().unwrap();
    assert!(
        agent.starts_with("partner-center-ingestion/") && agent.ends_with("my-tool/1.0"),
        "{agent}"
    );
    assert!(request.headers.get("client-request-id").is_some());
}
