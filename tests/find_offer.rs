//! Finding an offer works against the service as it was and as it is since
//! 2026-04, when some accounts were refused any product list without a
//! `resourceType` filter (`ProductTypeFilter[0]`).

mod support;

use serde_json::json;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use partner_center_ingestion::types::AzureProductResourceType;
use partner_center_ingestion::workflows::Publisher;

const BY_ID: &str = "externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq 'contoso-app')";

fn offer(resource_type: &str, id: &str) -> serde_json::Value {
    json!({
        "resourceType": resource_type,
        "id": id,
        "name": "Contoso",
        "externalIDs": [{ "type": "AzureOfferId", "value": "contoso-app" }]
    })
}

fn filter_of(request: &Request) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == "$filter")
        .map(|(_, v)| v.into_owned())
}

async fn filters(server: &MockServer) -> Vec<Option<String>> {
    received_on(server, BASE_PATH)
        .await
        .iter()
        .map(filter_of)
        .collect()
}

/// A service that answers only filters naming a resource type, and the
/// `ProductTypeFilter` 400 to the rest.
struct Strict;

impl wiremock::Respond for Strict {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match filter_of(request) {
            Some(f) if f.starts_with("resourceType eq 'AzureApplication' and ") => {
                ResponseTemplate::new(200).set_body_json(json!({
                    "value": [offer("AzureApplication", "p-strict")]
                }))
            }
            _ => ResponseTemplate::new(400).set_body_raw(ich_error(
                "ICH50400",
                "Unable to complete request.",
                json!({"faultCode": 50400, "data": {"ProductTypeFilter[0]": ["The field is invalid (value 'Application')"]}}),
            ), "application/json"),
        }
    }
}

/// A service that knows only the external id filter, as the emulator of
/// earlier releases did.
struct IdOnly;

impl wiremock::Respond for IdOnly {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match filter_of(request) {
            Some(f) if f == BY_ID => ResponseTemplate::new(200).set_body_json(json!({
                "value": [offer("AzureThirdPartyVirtualMachine", "p-vm"), offer("AzureApplication", "p-old")]
            })),
            _ => ResponseTemplate::new(400).set_body_raw(ich_error(
                "ICH50400",
                "Unable to complete request.",
                json!({"faultCode": 50400, "data": {"$filter": ["The filter is not supported."]}}),
            ), "application/json"),
        }
    }
}

async fn server_with(respond: impl wiremock::Respond + 'static) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/products")))
        .respond_with(respond)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_strict_service_answers_the_first_query() {
    let server = server_with(Strict).await;
    let publisher = Publisher::new(client_for(&server));
    let offer = publisher
        .find_offer("contoso-app")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(offer.product_id(), "p-strict");
    assert_eq!(
        filters(&server).await,
        [Some(format!(
            "resourceType eq 'AzureApplication' and {BY_ID}"
        ))],
        "one query, naming the resource type"
    );
}

#[tokio::test]
async fn a_service_knowing_only_the_id_filter_is_asked_again_without_the_type() {
    let server = server_with(IdOnly).await;
    let publisher = Publisher::new(client_for(&server));
    let offer = publisher
        .find_offer_of_type(&AzureProductResourceType::AzureApplication, "contoso-app")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(
        offer.product_id(),
        "p-old",
        "the product of the other type is skipped"
    );
    assert_eq!(
        filters(&server).await,
        [
            Some(format!("resourceType eq 'AzureApplication' and {BY_ID}")),
            Some(BY_ID.to_string())
        ]
    );
}

#[tokio::test]
async fn a_refusal_a_plainer_query_would_not_mend_is_returned() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "errors": {"x-ms-publisherId": ["PublisherId is a required header, and must be a positive number."]},
            "title": "One or more validation errors occurred.",
            "status": 400,
            "traceId": "00-1-2-01"
        })))
        .mount(&server)
        .await;
    let publisher = Publisher::new(client_for(&server));
    let error = publisher.find_offer("contoso-app").await.unwrap_err();
    let shown = error.to_string();
    assert!(shown.contains("PARTNER_CENTER_PUBLISHER_ID"), "{shown}");
    assert_eq!(filters(&server).await.len(), 1, "not asked twice");
}
