//! Streams over paged collections against a local server.

mod support;

use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use support::*;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use partner_center_ingestion::retry::RetryPolicy;
use partner_center_ingestion::Error;

#[tokio::test]
async fn follows_host_relative_links_to_the_end() {
    let server = MockServer::start().await;
    let pages = ProductPages::new(50);
    mount_products(&server, pages.clone(), TOKEN).await;
    let client = client_for(&server);
    let products: Vec<_> = client.list_products().stream().try_collect().await.unwrap();
    assert_eq!(products.len(), 50);
    let names: Vec<String> = products.iter().map(|p| p.name.clone().unwrap()).collect();
    assert_eq!(names.first().map(String::as_str), Some("Offer 0"));
    assert_eq!(names.last().map(String::as_str), Some("Offer 49"));
    assert_eq!(
        products[3].resource_type.as_ref().map(|t| t.as_str()),
        Some("SoftwareAsAService")
    );
    assert!(!products[3].resource_type.as_ref().unwrap().is_known());
    let served = pages.served.load(std::sync::atomic::Ordering::SeqCst);
    assert!(served >= 25, "small pages: {served}");
}

#[tokio::test]
async fn pages_are_fetched_only_when_needed() {
    let server = MockServer::start().await;
    let pages = ProductPages::new(30);
    mount_products(&server, pages.clone(), TOKEN).await;
    let client = client_for(&server);
    let first_two: Vec<_> = client
        .list_products()
        .stream()
        .take(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first_two.len(), 2);
    // Page one holds one item, page two three: two pages were enough.
    assert_eq!(pages.served.load(std::sync::atomic::Ordering::SeqCst), 2);
}

async fn two_page_server(link: &str, token: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/products/p/variants")))
        .and(query_param_is_missing("$skipToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [{ "resourceType": "AzureSkuVariant", "friendlyName": "one" }],
            "nextLink": link.replace("{server}", &server.uri())
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/products/p/variants")))
        .and(query_param("$skipToken", token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [{ "resourceType": "AzureFutureVariant", "friendlyName": "two", "novel": [1, 2] }]
        })))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn follows_links_in_every_form_and_sends_the_token_back_byte_for_byte() {
    let token_in_link = "eyJ0b2tlbiI6IjEvMitzIn0%3D%2B+a";
    let decoded = "eyJ0b2tlbiI6IjEvMitzIn0=+ a";
    for link in [
        format!("v1.0/ingestion/products/p/variants?$skipToken={token_in_link}"),
        format!("/v1.0/ingestion/products/p/variants?$skipToken={token_in_link}"),
        format!("products/p/variants?$skipToken={token_in_link}"),
        format!("{{server}}/v1.0/ingestion/products/p/variants?$skipToken={token_in_link}"),
    ] {
        let server = two_page_server(&link, decoded).await;
        let client = client_for(&server);
        let variants: Vec<_> = client
            .list_variants()
            .product_id("p")
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(variants.len(), 2, "{link}");
        assert_eq!(
            variants[1].kind(),
            Some("AzureFutureVariant"),
            "an unknown kind is kept"
        );
        let requests = received_on(&server, BASE_PATH).await;
        assert_eq!(requests.len(), 2);
        assert_eq!(
            requests[1].url.query(),
            Some(format!("$skipToken={token_in_link}").as_str()),
            "{link}"
        );
        assert!(requests[1].headers.get("client-request-id").is_some());
    }
}

#[tokio::test]
async fn a_link_to_another_host_is_refused() {
    let server = two_page_server(
        "https://elsewhere.example/v1.0/ingestion/products/p/variants?$skipToken=x",
        "x",
    )
    .await;
    let client = client_for(&server);
    let results: Vec<Result<_, Error>> = client
        .list_variants()
        .product_id("p")
        .stream()
        .collect()
        .await;
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    let error = results[1].as_ref().unwrap_err();
    assert!(error.to_string().contains("another host"), "{error}");
    assert!(
        matches!(
            error,
            Error::Paging {
                operation: "list_variants",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        received_on(&server, BASE_PATH).await.len(),
        1,
        "nothing sent elsewhere"
    );
}

#[tokio::test]
async fn an_error_arrives_in_the_stream_and_ends_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param_is_missing("$skipToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [product(0), product(1)],
            "nextLink": "v1.0/ingestion/products?$skipToken=page2"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("$skipToken", "page2"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json("ICH50000 - Internal error.")
                .insert_header("request-id", "req-p2"),
        )
        .mount(&server)
        .await;
    let client = partner_center_ingestion::Client::builder(
        partner_center_ingestion::auth::StaticTokenCredential::new(TOKEN),
    )
    .endpoint(format!("{}{BASE_PATH}", server.uri()))
    .retry_policy(RetryPolicy {
        max_attempts: 2,
        ..quick_retries()
    })
    .build()
    .unwrap();
    let results: Vec<Result<_, Error>> = client.list_products().stream().collect().await;
    assert_eq!(results.len(), 3, "two items, then the error, then the end");
    assert!(results[0].is_ok() && results[1].is_ok());
    let error = results[2].as_ref().unwrap_err();
    assert_eq!(error.request_id(), Some("req-p2"));
    assert!(error.to_string().contains("ICH50000"), "{error}");
    assert_eq!(
        received_on(&server, BASE_PATH).await.len(),
        3,
        "the failed page was retried once"
    );
}

#[tokio::test]
async fn a_page_that_does_not_decode_is_an_error_in_the_stream() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param_is_missing("$skipToken"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({ "value": [product(0)], "nextLink": "products?$skipToken=2" }),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("$skipToken", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>oops</html>"))
        .mount(&server)
        .await;
    let client = client_for(&server);
    let results: Vec<Result<_, Error>> = client.list_products().stream().collect().await;
    assert_eq!(results.len(), 2);
    assert!(
        matches!(results[1], Err(Error::Decode { .. })),
        "{:?}",
        results[1]
    );
}

#[tokio::test]
async fn a_repeated_next_link_ends_the_stream_with_an_error_naming_the_operation() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [product(0), product(1), product(2), product(3), product(4)],
            "nextLink": "v1.0/ingestion/products?$skipToken=same"
        })))
        .mount(&server)
        .await;
    let client = client_for(&server);
    let results: Vec<Result<_, Error>> = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        client.list_products().stream().collect(),
    )
    .await
    .expect("the stream ends");
    let (last, items) = results.split_last().unwrap();
    assert_eq!(items.len(), 10, "the first page and its repeat, once");
    assert!(items.iter().all(Result::is_ok));
    match last {
        Err(Error::Paging { operation, reason }) => {
            assert_eq!(*operation, "list_products");
            assert!(reason.contains("second time"), "{reason}");
        }
        other => panic!("expected a paging error, got {other:?}"),
    }
    let shown = last.as_ref().unwrap_err().to_string();
    assert!(shown.contains("list_products"), "{shown}");
    assert_eq!(received_on(&server, BASE_PATH).await.len(), 2);
}

#[tokio::test]
async fn the_number_of_pages_is_bounded() {
    let server = MockServer::start().await;
    let pages = ProductPages::new(1_000);
    mount_products(&server, pages.clone(), TOKEN).await;
    let client = partner_center_ingestion::Client::builder(
        partner_center_ingestion::auth::StaticTokenCredential::new(TOKEN),
    )
    .endpoint(format!("{}{BASE_PATH}", server.uri()))
    .max_pages(5)
    .build()
    .unwrap();
    let results: Vec<Result<_, Error>> = client.list_products().stream().collect().await;
    let (last, items) = results.split_last().unwrap();
    assert!(items.iter().all(Result::is_ok));
    assert!(
        matches!(
            last,
            Err(Error::Paging {
                operation: "list_products",
                ..
            })
        ),
        "{last:?}"
    );
    assert_eq!(pages.served.load(std::sync::atomic::Ordering::SeqCst), 5);
}

/// A server whose first page links to `$skipToken=page2`, which answers 404
/// `broken` times before it answers its one item.
async fn broken_link_server(broken: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param_is_missing("$skipToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [product(0), product(1)],
            "nextLink": "v1.0/ingestion/products?$skipToken=page2"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("$skipToken", "page2"))
        .respond_with(ResponseTemplate::new(404).insert_header("request-id", "req-404"))
        .up_to_n_times(broken)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("$skipToken", "page2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "value": [product(2)] })))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_next_link_answering_404_for_a_while_is_tried_again() {
    let server = broken_link_server(2).await;
    let client = client_for(&server);
    let products: Vec<_> = client.list_products().stream().try_collect().await.unwrap();
    assert_eq!(products.len(), 3, "nothing lost");
    assert_eq!(
        received_on(&server, BASE_PATH).await.len(),
        4,
        "the first page, two 404s, the second page"
    );
}

#[tokio::test]
async fn a_next_link_that_stays_broken_ends_the_stream_with_an_error_naming_the_page() {
    let server = broken_link_server(u64::MAX).await;
    let client = client_for(&server);
    let results: Vec<Result<_, Error>> = client.list_products().stream().collect().await;
    assert_eq!(results.len(), 3, "two items, then the error, then the end");
    assert!(results[0].is_ok() && results[1].is_ok());
    let error = results[2].as_ref().unwrap_err();
    let Error::Paging { operation, reason } = error else {
        panic!("expected Error::Paging, got {error:?}");
    };
    assert_eq!(*operation, "list_products");
    for part in [
        "page 2",
        "skipToken=page2",
        "404",
        "incomplete",
        "request id req-404",
    ] {
        assert!(reason.contains(part), "`{reason}` lacks `{part}`");
    }
    let tries = 1 + partner_center_ingestion::paging::NEXT_LINK_RETRIES as usize;
    assert_eq!(
        received_on(&server, BASE_PATH).await.len(),
        1 + tries,
        "the first page, then every try of the broken link"
    );
}
