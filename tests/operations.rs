//! Every operation of the API, called against a local mock server, from one
//! table: each row names the generated method, the parameters it sets, the
//! body it sends, the answer the mock gives and what the decoded answer must
//! hold. What the request must look like comes from `spec/ingestion.json`
//! ([`spec`]): the method, the exact path (OData functions literal, ids
//! percent-encoded), the query (URL-encoded), the header parameters, the
//! JSON body, `If-Match` (set, or the body's etag on an update), the token,
//! a request id, the User-Agent and no `api-version`.

#[path = "operations/check.rs"]
mod check;
#[path = "operations/fixtures.rs"]
mod fixtures;
#[path = "operations/spec.rs"]
mod spec;
mod support;
#[path = "operations/table.rs"]
mod table;

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;
use support::{client_for, BASE_PATH};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use fixtures::*;
use partner_center_ingestion::types;
use partner_center_ingestion::Client;

/// A call and the check of its answer, run.
type Checked = Pin<Box<dyn Future<Output = Result<(), String>>>>;

/// One row of the table.
struct Row {
    /// The generated method.
    method: &'static str,
    /// The parameters set: (setter, value).
    set: Vec<(&'static str, String)>,
    /// The JSON body sent, if any.
    body: Option<Value>,
    /// The mock's answer: status and JSON body (`Null` for none).
    answer: (u16, Value),
    /// Makes the call and checks the decoded answer.
    call: Box<dyn Fn(Client) -> Checked>,
}

/// Every operation of the document, one row each, against one mock server.
#[tokio::test]
async fn every_operation_sends_what_the_document_says_and_decodes_the_answer() {
    let operations = spec::operations();
    assert_eq!(operations.len(), 78);
    let rows = table::table();
    let mut in_table: Vec<&str> = rows.iter().map(|r| r.method).collect();
    in_table.sort();
    let documented: Vec<&str> = operations.keys().map(String::as_str).collect();
    assert_eq!(
        in_table, documented,
        "one row for every operation, and no other"
    );

    let server = MockServer::start().await;
    let mut failures = Vec::new();
    for row in &rows {
        if let Err(problem) = check::run(&server, row, &operations[row.method]).await {
            failures.push(format!("{}: {problem}", row.method));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ------------------------------------------------- special cases, by hand

/// The request the one call sent to `server`.
async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1, "exactly one request");
    requests.remove(0)
}

/// Not through the table's own encoder: the literal path.
#[tokio::test]
async fn an_id_is_percent_encoded_in_the_path() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(product()))
        .mount(&server)
        .await;
    let client = client_for(&server);
    client
        .get_product()
        .product_id("offer 1/ä")
        .send()
        .await
        .expect("a product");
    let request = only_request(&server).await;
    assert_eq!(
        request.url.path(),
        format!("{BASE_PATH}/products/offer%201%2F%C3%A4")
    );
}

/// Not through the table's own rule: the literal header.
#[tokio::test]
async fn an_update_without_if_match_sends_the_etag_of_its_body() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(listing()))
        .mount(&server)
        .await;
    let client = client_for(&server);
    client
        .update_listing()
        .product_id(P)
        .listing_id("l-1")
        .body(typed::<types::AzureListing>(&listing()))
        .send()
        .await
        .expect("a listing");
    let request = only_request(&server).await;
    assert_eq!(
        request
            .headers
            .get("if-match")
            .and_then(|v| v.to_str().ok()),
        Some(ETAG)
    );
}
