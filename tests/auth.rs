//! Azure AD authentication against a local stand-in token endpoint.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use support::*;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use partner_center_ingestion::auth::{
    AuthError, ClientSecretCredential, ClientSecretCredentialBuilder, Cloud, TokenCredential,
    TokenEndpoint,
};
use partner_center_ingestion::Client;

fn builder(server: &MockServer) -> ClientSecretCredentialBuilder {
    ClientSecretCredential::builder(TENANT, CLIENT_ID, SECRET)
        .cloud(Cloud::from_authority_host(&server.uri()).unwrap())
        .retries(3, Duration::from_millis(20))
}

fn form(request: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

async fn token_requests(server: &MockServer) -> Vec<Request> {
    received_on(server, &format!("/{TENANT}/oauth2/")).await
}

#[tokio::test]
async fn v1_endpoint_with_string_durations() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, TOKEN, 3599).await;
    let credential = builder(&server).build().unwrap();
    let token = credential.get_token().await.unwrap();
    assert_eq!(token.secret().expose(), TOKEN);
    let left = token.expires_in().unwrap();
    assert!(
        left > Duration::from_secs(3590) && left <= Duration::from_secs(3599),
        "{left:?}"
    );

    let requests = token_requests(&server).await;
    assert_eq!(requests.len(), 1);
    let form = form(&requests[0]);
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["client_secret"], SECRET);
    assert_eq!(form["resource"], "https://api.partner.microsoft.com");
    assert!(!form.contains_key("scope"));
}

#[tokio::test]
async fn absurd_lifetimes_do_not_break_the_cache() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(v1_token_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": "18446744073709551615", "access_token": TOKEN
        })))
        .mount(&server)
        .await;
    let credential = builder(&server).build().unwrap();
    let token = credential.get_token().await.unwrap();
    assert!(token.expires_in().unwrap() <= Duration::from_secs(24 * 3600));
    credential.get_token().await.unwrap();
    assert_eq!(token_requests(&server).await.len(), 1);
}

#[tokio::test]
async fn v2_endpoint_with_number_durations() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": TOKEN
        })))
        .mount(&server)
        .await;
    let credential = builder(&server)
        .token_endpoint(TokenEndpoint::V2)
        .build()
        .unwrap();
    let token = credential.get_token().await.unwrap();
    assert_eq!(token.secret().expose(), TOKEN);
    assert!(token.expires_in().unwrap() > Duration::from_secs(3590));
    let form = form(&token_requests(&server).await[0]);
    assert_eq!(form["scope"], "https://api.partner.microsoft.com/.default");
    assert!(!form.contains_key("resource"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_callers_share_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(v1_token_path()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(v1_token_body(TOKEN, 3599))
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    let credential = Arc::new(builder(&server).build().unwrap());
    let calls = (0..100).map(|_| {
        let credential = Arc::clone(&credential);
        tokio::spawn(async move { credential.get_token().await })
    });
    for result in futures::future::join_all(calls).await {
        assert_eq!(result.unwrap().unwrap().secret().expose(), TOKEN);
    }
    assert_eq!(token_requests(&server).await.len(), 1);
    // And the cache serves later callers without asking again.
    credential.get_token().await.unwrap();
    assert_eq!(token_requests(&server).await.len(), 1);
}

/// Answers the token requests in turn with the given (token, lifetime) or
/// status.
async fn mount_sequence(server: &MockServer, answers: Vec<ResponseTemplate>) {
    let count = answers.len() as u64;
    for (i, answer) in answers.into_iter().enumerate() {
        Mock::given(method("POST"))
            .and(path(v1_token_path()))
            .respond_with(answer)
            .up_to_n_times(1)
            .with_priority((i + 1) as u8)
            .mount(server)
            .await;
    }
    let _ = count;
}

fn token_answer(token: &str, lifetime: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v1_token_body(token, lifetime))
}

#[tokio::test]
async fn renews_ahead_of_expiry() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        vec![
            token_answer("token-one", 4),
            token_answer("token-two", 3600),
        ],
    )
    .await;
    let credential = builder(&server)
        .renew_before_expiry(Duration::from_secs(2))
        .build()
        .unwrap();

    assert_eq!(
        credential.get_token().await.unwrap().secret().expose(),
        "token-one"
    );
    assert_eq!(
        credential.get_token().await.unwrap().secret().expose(),
        "token-one",
        "fresh: cached"
    );
    assert_eq!(token_requests(&server).await.len(), 1);

    // Inside the renewal window the valid token is served while a renewal runs.
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(
        credential.get_token().await.unwrap().secret().expose(),
        "token-one"
    );
    for _ in 0..50 {
        if token_requests(&server).await.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        credential.get_token().await.unwrap().secret().expose(),
        "token-two"
    );
    assert_eq!(
        token_requests(&server).await.len(),
        2,
        "one renewal, before expiry"
    );
}

#[tokio::test]
async fn a_failed_renewal_is_served_from_the_cache() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(v1_token_path()))
        .respond_with(token_answer("token-one", 3))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(v1_token_path()))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({ "error": "temporarily_unavailable", "error_description": "AADSTS90033: A transient error has occurred." })))
        .with_priority(2)
        .mount(&server)
        .await;
    let credential = builder(&server)
        .renew_before_expiry(Duration::from_secs(2))
        .build()
        .unwrap();
    assert_eq!(
        credential.get_token().await.unwrap().secret().expose(),
        "token-one"
    );

    tokio::time::sleep(Duration::from_millis(1700)).await;
    // Renewal is due and fails, but the token is valid for another second.
    for _ in 0..5 {
        assert_eq!(
            credential.get_token().await.unwrap().secret().expose(),
            "token-one"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        token_requests(&server).await.len() >= 2,
        "a renewal was tried"
    );

    // Once it expired, the failure comes through.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let error = credential.get_token().await.unwrap_err();
    assert!(error.to_string().contains("AADSTS90033"), "{error}");
}

#[tokio::test]
async fn throttling_and_outages_are_retried_but_refusals_are_not() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "0"),
            ResponseTemplate::new(503).set_body_string("<html><title>busy</title></html>"),
            token_answer(TOKEN, 3599),
        ],
    )
    .await;
    let credential = builder(&server).build().unwrap();
    assert_eq!(
        credential.get_token().await.unwrap().secret().expose(),
        TOKEN
    );
    assert_eq!(token_requests(&server).await.len(), 3);

    for status in [400u16, 401] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({ "error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.", "error_codes": [7000215] })))
            .mount(&server)
            .await;
        let credential = builder(&server).build().unwrap();
        assert!(credential.get_token().await.is_err());
        assert_eq!(
            token_requests(&server).await.len(),
            1,
            "{status} is not retried"
        );
    }
}

async fn refusal(code: u64, error: &str, description: &str) -> String {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}\r\nTrace ID: x\r\nCorrelation ID: y\r\nTimestamp: z"),
            "error_codes": [code],
            "timestamp": "2026-11-24 10:00:00Z",
            "trace_id": "trace-abc",
            "correlation_id": "corr-def"
        })))
        .mount(&server)
        .await;
    let error = builder(&server)
        .build()
        .unwrap()
        .get_token()
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::Rejected(_)), "{error:?}");
    let shown = error.to_string();
    assert!(shown.contains(&format!("AADSTS{code}")), "{shown}");
    assert!(
        shown.contains("trace-abc") && shown.contains("corr-def"),
        "{shown}"
    );
    assert!(!shown.contains(SECRET));
    shown
}

#[tokio::test]
async fn aadsts_codes_come_with_their_fix() {
    let shown = refusal(7000215, "invalid_client", "Invalid client secret provided.").await;
    assert!(
        shown.contains("Value") && shown.contains("not its Secret ID"),
        "{shown}"
    );
    let shown = refusal(
        7000222,
        "invalid_client",
        "The provided client secret keys are expired.",
    )
    .await;
    assert!(
        shown.contains("expired") && shown.contains("create a new one"),
        "{shown}"
    );
    let shown = refusal(
        700016,
        "unauthorized_client",
        "Application with identifier 'x' was not found in the directory.",
    )
    .await;
    assert!(
        shown.contains("AZURE_CLIENT_ID") && shown.contains("AZURE_TENANT_ID"),
        "{shown}"
    );
    let shown = refusal(90002, "invalid_request", "Tenant 'x' not found.").await;
    assert!(
        shown.contains("AZURE_AUTHORITY_HOST") && shown.contains("US Government"),
        "{shown}"
    );
}

#[tokio::test]
async fn html_or_garbage_from_the_token_endpoint_is_named_not_dumped() {
    for (status, content_type, body, expect) in [
        (
            200u16,
            "text/html",
            "<!DOCTYPE html><html><head><title>Sign in</title></head><body>form</body></html>",
            "an HTML page titled \"Sign in\"",
        ),
        (
            404,
            "text/plain",
            "nothing here",
            "bytes that are not a JSON object",
        ),
        (400, "application/json", "", "an empty body"),
        (
            200,
            "application/json",
            "{\"token_type\":\"Bearer\"}",
            "JSON that is not a token response",
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_string(body)
                    .insert_header("content-type", content_type),
            )
            .mount(&server)
            .await;
        let error = builder(&server)
            .build()
            .unwrap()
            .get_token()
            .await
            .unwrap_err();
        let shown = error.to_string();
        assert!(shown.contains(expect), "{status}: {shown}");
        assert!(
            !shown.contains("form") && !shown.contains("nothing here"),
            "no body dump: {shown}"
        );
    }
}

#[tokio::test]
async fn a_401_from_the_api_renews_the_token_once() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        vec![
            token_answer("stale-token", 3599),
            token_answer("fresh-token", 3599),
        ],
    )
    .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/products/p-1")))
        .and(header("authorization", "Bearer stale-token"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/products/p-1")))
        .and(header("authorization", "Bearer fresh-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(product(1)))
        .mount(&server)
        .await;
    let client = Client::builder(builder(&server).build().unwrap())
        .endpoint(format!("{}{BASE_PATH}", server.uri()))
        .build()
        .unwrap();
    let got = client.get_product().product_id("p-1").send().await.unwrap();
    assert_eq!(got.name.as_deref(), Some("Offer 1"));
    assert_eq!(token_requests(&server).await.len(), 2);
    assert_eq!(received_on(&server, BASE_PATH).await.len(), 2);
}

#[tokio::test]
async fn a_401_twice_is_an_error_not_a_loop() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, TOKEN, 3599).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).insert_header("request-id", "req-401"))
        .mount(&server)
        .await;
    let client = Client::builder(builder(&server).build().unwrap())
        .endpoint(format!("{}{BASE_PATH}", server.uri()))
        .build()
        .unwrap();
    let error = client
        .get_product()
        .product_id("p-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(error.request_id(), Some("req-401"));
    assert_eq!(
        received_on(&server, BASE_PATH).await.len(),
        2,
        "one retry with a renewed token"
    );
}

#[test]
fn configuration_is_checked() {
    let insecure = ClientSecretCredential::builder(TENANT, CLIENT_ID, SECRET)
        .cloud(Cloud::Custom("http://login.example.com".parse().unwrap()))
        .build()
        .unwrap_err();
    assert!(insecure.to_string().contains("https"), "{insecure}");
    let tenant = ClientSecretCredential::builder("not a tenant", CLIENT_ID, SECRET)
        .build()
        .unwrap_err();
    assert!(tenant.to_string().contains("tenant id"), "{tenant}");
    let common = ClientSecretCredential::builder("common", CLIENT_ID, SECRET)
        .build()
        .unwrap_err();
    assert!(common.to_string().contains("no single tenant"), "{common}");
    let empty = ClientSecretCredential::builder(TENANT, CLIENT_ID, "")
        .build()
        .unwrap_err();
    assert!(
        empty.to_string().contains("client secret is empty"),
        "{empty}"
    );
    for cloud in [Cloud::Public, Cloud::UsGovernment, Cloud::China] {
        let credential = ClientSecretCredential::builder(TENANT, CLIENT_ID, SECRET)
            .cloud(cloud.clone())
            .build()
            .unwrap();
        assert!(credential
            .token_url()
            .as_str()
            .starts_with(cloud.authority_host().as_str()));
        assert!(credential
            .token_url()
            .as_str()
            .ends_with(&format!("/{TENANT}/oauth2/token")));
    }
}
