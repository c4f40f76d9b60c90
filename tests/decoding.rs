//! The response shapes of the live service decode, and values the document
//! does not list survive a read-modify-write unchanged.

mod support;

use serde_json::{json, Value};
use support::*;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use partner_center_ingestion::types;

#[test]
fn field_spellings_the_service_uses_interchangeably_decode() {
    for external in ["externalIDs", "externalIds"] {
        for id in ["id", "ID", "Id"] {
            let body = json!({
                "resourceType": "AzureApplication",
                external: [{ "type": "AzureOfferId", "value": "contoso" }],
                id: "p-1"
            });
            let product: types::AzureProduct = serde_json::from_value(body).unwrap();
            assert_eq!(
                product.external_ids[0].value.as_deref(),
                Some("contoso"),
                "{external}"
            );
            assert_eq!(product.id.as_deref(), Some("p-1"), "{id}");
            // Written back in the spelling the service writes.
            let written = serde_json::to_value(&product).unwrap();
            assert!(written.get("externalIDs").is_some() && written.get("id").is_some());
        }
    }
    let branch: types::Branch =
        serde_json::from_value(json!({ "currentDraftInstanceId": "d-1", "variantID": "v-1" }))
            .unwrap();
    assert_eq!(branch.current_draft_instance_id.as_deref(), Some("d-1"));
    let meter: types::CustomMeter =
        serde_json::from_value(json!({ "ID": "m-1", "uniqueID": "u-1" })).unwrap();
    assert_eq!(meter.id.as_deref(), Some("m-1"));
}

#[test]
fn the_published_link_name_is_read_too() {
    let page: types::ProductPage =
        serde_json::from_value(json!({ "value": [], "@odata.nextLink": "products?$skipToken=x" }))
            .unwrap();
    assert_eq!(page.next_link.as_deref(), Some("products?$skipToken=x"));
}

#[test]
fn unknown_enum_values_round_trip() {
    let state: types::ListingImageState =
        serde_json::from_value(json!("QuarantinedForReview")).unwrap();
    assert_eq!(
        state,
        types::ListingImageState::Unknown("QuarantinedForReview".into())
    );
    assert!(!state.is_known());
    assert_eq!(
        serde_json::to_value(&state).unwrap(),
        json!("QuarantinedForReview")
    );
    let known: types::ListingImageState = serde_json::from_value(json!("Processed")).unwrap();
    assert_eq!(known, types::ListingImageState::Processed);
    assert_eq!(known.to_string(), "Processed");
    assert_eq!(
        "Processed".parse::<types::ListingImageState>().unwrap(),
        known
    );
    assert!(types::ListingImageState::KNOWN.contains(&"ProcessFailed"));
    // The module parameter takes any value, known or not.
    let module = types::BranchModule::from("ResellerConfiguration");
    assert_eq!(module, types::BranchModule::ResellerConfiguration);
    assert_eq!(types::BranchModule::from("Future").as_str(), "Future");
}

#[test]
fn unknown_kinds_of_a_union_round_trip() {
    let body = json!({ "resourceType": "AzureFutureVariant", "friendlyName": "x", "novel": { "a": [1, 2.5, null] } });
    let variant: types::Variant = serde_json::from_value(body.clone()).unwrap();
    assert!(matches!(variant, types::Variant::Unknown(_)));
    assert_eq!(variant.kind(), Some("AzureFutureVariant"));
    assert_eq!(serde_json::to_value(&variant).unwrap(), body);
    // A known kind still decodes into its own type, whatever the case of the tag.
    let sku: types::Variant =
        serde_json::from_value(json!({ "ResourceType": "AzureSkuVariant", "friendlyName": "s" }))
            .unwrap();
    assert!(matches!(sku, types::Variant::AzureSkuVariant(_)), "{sku:?}");
    assert!(serde_json::from_value::<types::Variant>(json!("not an object")).is_err());
}

#[test]
fn a_union_reads_its_id_and_etag_whatever_its_kind() {
    let known: types::PackageConfiguration = serde_json::from_value(json!({
        "resourceType": "AzureManagedApplicationPackageConfiguration",
        "id": "c-1", "@odata.etag": "\"7\"", "version": "1.0"
    }))
    .unwrap();
    assert_eq!(known.id(), Some("c-1"));
    assert_eq!(known.odata_etag(), Some("\"7\""));
    // A kind this crate does not list: read from its JSON, whatever the case.
    let unknown: types::PackageConfiguration = serde_json::from_value(json!({
        "resourceType": "AzureFuturePackageConfiguration", "ID": "c-2", "@odata.etag": "\"8\""
    }))
    .unwrap();
    assert!(matches!(unknown, types::PackageConfiguration::Unknown(_)));
    assert_eq!(unknown.id(), Some("c-2"));
    assert_eq!(unknown.odata_etag(), Some("\"8\""));
    let bare: types::PackageConfiguration = serde_json::from_value(
        json!({ "resourceType": "AzureSolutionTemplatePackageConfiguration" }),
    )
    .unwrap();
    assert_eq!((bare.id(), bare.odata_etag()), (None, None));
}

#[tokio::test]
async fn unlisted_values_and_fields_survive_get_then_put() {
    let server = MockServer::start().await;
    let read = json!({
        "resourceType": "ListingImage",
        "fileName": "logo.png",
        "type": "AzureLogoExtraLarge",
        "state": "QuarantinedForReview",
        "order": 2,
        "id": "i-1",
        "@odata.etag": "\"e-1\"",
        "altText": "A field no document lists",
        "renditions": [{ "size": "Large", "fileName": "logo-l.png" }]
    });
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(read.clone()))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_json(read.clone()))
        .mount(&server)
        .await;
    let client = client_for(&server);
    let image = client
        .get_listing_image()
        .product_id("p")
        .listing_id("l")
        .image_id("i-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    client
        .update_listing_image()
        .product_id("p")
        .listing_id("l")
        .image_id("i-1")
        .body(image)
        .send()
        .await
        .unwrap();
    let put = received_on(&server, BASE_PATH)
        .await
        .into_iter()
        .find(|r| r.method.as_str() == "PUT")
        .unwrap();
    let sent: Value = serde_json::from_slice(&put.body).unwrap();
    assert_eq!(
        sent, read,
        "the PUT body is what the GET returned, unlisted fields too"
    );
    assert_eq!(
        put.headers.get("if-match").and_then(|v| v.to_str().ok()),
        Some("\"e-1\"")
    );
}

#[test]
fn unlisted_fields_are_kept_and_types_stay_default() {
    let product: types::AzureProduct =
        serde_json::from_value(json!({ "name": "n", "isPreview": true })).unwrap();
    assert_eq!(product.extra.get("isPreview"), Some(&json!(true)));
    let empty = types::AzureProduct::default();
    assert!(empty.extra.is_empty());
    assert_eq!(serde_json::to_value(&empty).unwrap(), json!({}));
    let built = types::AzureProduct {
        name: Some("built".to_string()),
        ..Default::default()
    };
    assert_eq!(built.name.as_deref(), Some("built"));
    assert_eq!(
        serde_json::to_value(&built).unwrap(),
        json!({ "name": "built" })
    );
}

#[tokio::test]
async fn a_request_sent_without_its_body_is_refused_before_the_network() {
    let server = MockServer::start().await;
    let client = client_for(&server);
    let error = client.create_product().send().await.unwrap_err();
    match &error {
        partner_center_ingestion::Error::InvalidRequest(message) => {
            assert_eq!(message, "body was not initialized")
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "nothing is sent"
    );
    // With its body, the same request goes out.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": "p-1" })))
        .mount(&server)
        .await;
    let created = client
        .create_product()
        .body(types::AzureProduct {
            name: Some("n".to_string()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(created.id.as_deref(), Some("p-1"));
}

#[test]
fn every_type_has_a_json_schema() {
    let schema = schemars::schema_for!(types::AzureProduct);
    let text = serde_json::to_string(&schema).unwrap();
    assert!(
        text.contains("externalIDs") && text.contains("AzureProductResourceType"),
        "{text}"
    );
    let union = serde_json::to_string(&schemars::schema_for!(types::PackageConfiguration)).unwrap();
    assert!(
        union.contains("oneOf") && union.contains("AzureApplicationPackageConfiguration"),
        "{union}"
    );
}
