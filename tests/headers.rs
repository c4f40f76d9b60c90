//! Headers sent on every API call: the publisher id and the caller's own.

mod support;

use futures::TryStreamExt;
use support::*;
use wiremock::MockServer;

use partner_center_ingestion::auth::StaticTokenCredential;
use partner_center_ingestion::retry::RetryPolicy;
use partner_center_ingestion::{Client, Error};

fn builder(server: &MockServer) -> partner_center_ingestion::ClientBuilder {
    Client::builder(StaticTokenCredential::new(TOKEN))
        .endpoint(format!("{}{BASE_PATH}", server.uri()))
        .retry_policy(RetryPolicy::none())
}

#[tokio::test]
async fn the_publisher_id_and_default_headers_go_on_every_call_and_every_page() {
    let server = MockServer::start().await;
    mount_products(&server, ProductPages::new(12), TOKEN).await;
    let client = builder(&server)
        .publisher_id(87654321u64)
        .default_header("x-ms-feature", "one")
        .default_header("X-Ms-Feature", "two")
        .build()
        .unwrap();
    let products: Vec<_> = client.list_products().stream().try_collect().await.unwrap();
    assert_eq!(products.len(), 12);
    let received = received_on(&server, BASE_PATH).await;
    assert!(received.len() > 3, "several pages: {}", received.len());
    for request in &received {
        assert_eq!(request.headers["x-ms-publisherid"], "87654321");
        let features: Vec<_> = request.headers.get_all("x-ms-feature").iter().collect();
        assert_eq!(features, ["two"], "the later value replaces the earlier");
    }
}

#[test]
fn headers_are_checked_when_the_client_is_built() {
    let bad = |b: partner_center_ingestion::ClientBuilder| match b.build() {
        Err(Error::Config(message)) => message,
        Err(other) => panic!("expected a configuration error, got {other}"),
        Ok(_) => panic!("an invalid header was accepted"),
    };
    let base = || Client::builder(StaticTokenCredential::new(TOKEN));
    let m = bad(base().publisher_id("seller-1"));
    assert!(
        m.contains("publisher_id") && m.contains("positive number"),
        "{m}"
    );
    assert!(bad(base().publisher_id(0)).contains("positive number"));
    let m = bad(base().default_header("x y", "1"));
    assert!(m.contains("not a valid HTTP header name"), "{m}");
    let m = bad(base().default_header("Authorization", "Bearer abc"));
    assert!(m.contains("set by the client itself"), "{m}");
    let m = bad(base().default_header("x-api-key", "s3cr3t\nvalue"));
    assert!(!m.contains("s3cr3t") && m.contains("x-api-key"), "{m}");
}

#[test]
fn secret_looking_header_values_are_not_shown() {
    let builder = Client::builder(StaticTokenCredential::new(TOKEN))
        .publisher_id(12345)
        .default_header("Ocp-Apim-Subscription-Key", "k3y-never-shown")
        .default_header("x-forwarded-token", TOKEN)
        .default_header("x-trace", "shown-value");
    let shown = format!("{builder:?}");
    assert!(
        shown.contains("12345") && shown.contains("shown-value"),
        "{shown}"
    );
    assert!(!shown.contains("k3y-never-shown"), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
    let client = builder.build().unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains("k3y-never-shown"), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
}
