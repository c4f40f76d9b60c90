//! The table of operations: one row per operation of the document.

use serde_json::{json, Value};

use super::fixtures::*;
use super::Row;
use partner_center_ingestion::types;
use partner_center_ingestion::Client;

/// The table: `method { set: { setter: value, … }, body: (Type, json),
/// answer: (status, json), check: |answer| assertion }`, `set`, `body` and
/// `check` optional. Each row expands to the call
/// `client.method().setter(value)….body(…).send()`.
macro_rules! operations {
    ($(
        $method:ident {
            $(set: { $($setter:ident: $value:expr),* $(,)? },)?
            $(body: ($body_type:ident, $body:expr),)?
            answer: ($status:expr, $answer:expr),
            $(check: |$got:ident| $check:expr,)?
        }
    ),* $(,)?) => {
        vec![$(
            Row {
                method: stringify!($method),
                set: vec![$($((stringify!($setter), $value.to_string())),*)?],
                body: None$(.or(Some($body)))?,
                answer: ($status, $answer),
                call: Box::new(|client: Client| Box::pin(async move {
                    #[allow(unused_variables)]
                    let answer = client
                        .$method()
                        $($(.$setter($value))*)?
                        $(.body(typed::<types::$body_type>(&$body)))?
                        .send()
                        .await
                        .map_err(|e| format!("the call failed: {e}"))?;
                    $(
                        let $got = answer;
                        $check;
                    )?
                    Ok(())
                })),
            },
        )*]
    };
}

pub fn table() -> Vec<Row> {
    operations! {
        list_products {
            set: { filter: FILTER, skip_token: "eyJza2lwIjo1MH0=" },
            answer: (200, page(vec![product()])),
            check: |page| {
                let page = page.into_inner();
                assert_eq!(
                    page.value[0].external_ids[0].value.as_deref(),
                    Some("contoso-analytics")
                );
            },
        },
        create_product {
            body: (AzureProduct, json!({ "resourceType": "AzureApplication", "name": "Contoso Analytics", "externalIDs": [{ "type": "AzureOfferId", "value": "contoso-analytics" }] })),
            answer: (201, product()),
            check: |made| assert_eq!(made.id.as_deref(), Some(P)),
        },
        get_product {
            set: { product_id: "offer 1/ä", client_request_id: "7b1a6f1e-2f0a-4c1e-9d0b-1a2b3c4d5e6f" },
            answer: (200, product()),
            check: |got| assert_eq!(got.name.as_deref(), Some("Contoso Analytics")),
        },
        delete_product {
            set: { product_id: P },
            answer: (204, Value::Null),
            check: |done| assert_eq!(done.status(), 204),
        },
        get_product_setup {
            set: { product_id: P },
            answer: (200, setup()),
            check: |got| assert_eq!(
                got.selling_option.as_ref().map(|s| s.as_str()),
                Some("ListAndSell")
            ),
        },
        set_product_setup {
            set: { product_id: P },
            body: (AzureProductSetup, setup()),
            answer: (200, setup()),
            check: |got| assert_eq!(
                got.call_to_action.as_ref().map(|s| s.as_str()),
                Some("FreeTrial")
            ),
        },
        list_branches_by_module {
            set: { product_id: P, module: "ResellerConfiguration" },
            answer: (200, page(vec![branch()])),
            check: |got| assert_eq!(
                got.value[0].current_draft_instance_id.as_deref(),
                Some("d1a2b3c4-0000-4000-8000-000000000001")
            ),
        },
        list_product_availabilities {
            set: { product_id: P },
            answer: (200, page(vec![availability()])),
            check: |got| assert_eq!(got.value[0].visibility.as_deref(), Some("Public")),
        },
        create_product_availability {
            set: { product_id: P },
            body: (ProductAvailability, json!({ "resourceType": "ProductAvailability", "visibility": "Public" })),
            answer: (201, availability()),
            check: |got| assert_eq!(got.id.as_deref(), Some("pa-1")),
        },
        get_product_availability {
            set: { product_id: P, product_availability_id: "pa-1" },
            answer: (200, availability()),
            check: |got| assert_eq!(got.odata_etag.as_deref(), Some(ETAG)),
        },
        update_product_availability {
            set: { product_id: P, product_availability_id: "pa-1", if_match: ETAG },
            body: (ProductAvailability, availability()),
            answer: (200, availability()),
            check: |got| assert_eq!(got.enterprise_licensing.as_deref(), Some("Online")),
        },
        get_product_availability_by_instance_id {
            set: { product_id: P, instance_id: "inst-1" },
            answer: (200, page(vec![availability()])),
            check: |got| assert_eq!(got.value.len(), 1),
        },
        list_properties {
            set: { product_id: P },
            answer: (200, page(vec![property()])),
            check: |got| assert_eq!(got.value[0].categories, ["analytics"]),
        },
        create_property {
            set: { product_id: P },
            body: (AzureProperty, json!({ "resourceType": "AzureProperty", "categories": ["analytics"] })),
            answer: (200, property()),
            check: |got| assert_eq!(got.use_enterprise_contract, Some(true)),
        },
        get_property {
            set: { product_id: P, property_id: "prop-1" },
            answer: (200, property()),
            check: |got| assert_eq!(
                got.terms_of_use.as_deref(),
                Some("https://contoso.example/terms")
            ),
        },
        update_property {
            set: { product_id: P, property_id: "prop-1", if_match: ETAG },
            body: (AzureProperty, json!({ "resourceType": "AzureProperty", "categories": ["analytics", "ai"] })),
            answer: (200, property()),
            check: |got| assert_eq!(
                got.resource_type.as_ref().map(|t| t.as_str()),
                Some("AzureProperty")
            ),
        },
        get_property_by_instance_id {
            set: { product_id: P, instance_id: "inst-2" },
            answer: (200, page(vec![property()])),
            check: |got| assert_eq!(got.value[0].odata_etag.as_deref(), Some(ETAG)),
        },
        get_listing {
            set: { product_id: P, listing_id: "l-1" },
            answer: (200, listing()),
            check: |got| assert_eq!(
                got.listing_contacts[0].email.as_deref(),
                Some("support@contoso.example")
            ),
        },
        update_listing {
            set: { product_id: P, listing_id: "l-1" },
            body: (AzureListing, listing()),
            answer: (200, listing()),
            check: |got| assert_eq!(got.title.as_deref(), Some("Contoso Analytics")),
        },
        delete_listing {
            set: { product_id: P, listing_id: "l-1" },
            answer: (204, Value::Null),
        },
        get_listing_by_instance_id {
            set: { product_id: P, instance_id: "inst-3" },
            answer: (200, page(vec![listing()])),
            check: |got| assert_eq!(got.value[0].language_code.as_deref(), Some("en-us")),
        },
        create_listing_with_instance_id {
            set: { product_id: P, instance_id: "inst-3" },
            body: (AzureListing, json!({ "resourceType": "AzureListing", "languageCode": "de-de", "title": "Contoso Analytik" })),
            answer: (201, listing()),
            check: |got| assert_eq!(got.id.as_deref(), Some("l-1")),
        },
        list_listing_assets {
            set: { product_id: P, listing_id: "l-1", expand: "all" },
            answer: (200, page(vec![asset()])),
            check: |got| assert_eq!(got.value[0].file_name.as_deref(), Some("guide.pdf")),
        },
        create_listing_asset {
            set: { product_id: P, listing_id: "l-1" },
            body: (ListingAsset, json!({ "resourceType": "ListingAsset", "fileName": "guide.pdf", "type": "Document", "state": "PendingUpload" })),
            answer: (201, asset()),
            check: |got| assert!(got
                .file_sas_uri
                .as_ref()
                .map_or("", |u| u.expose())
                .contains("sig=abc")),
        },
        get_listing_asset {
            set: { product_id: P, listing_id: "l-1", asset_id: "a-1" },
            answer: (200, asset()),
            check: |got| assert_eq!(
                got.state.as_ref().map(|s| s.as_str()),
                Some("PendingUpload")
            ),
        },
        delete_listing_asset {
            set: { product_id: P, listing_id: "l-1", asset_id: "a-1" },
            answer: (204, Value::Null),
        },
        update_listing_asset {
            set: { product_id: P, listing_id: "l-1", asset_id: "a-1", if_match: "*" },
            body: (ListingAsset, json!({ "resourceType": "ListingAsset", "fileName": "guide.pdf", "state": "Uploaded" })),
            answer: (200, asset()),
            check: |got| assert_eq!(got.id.as_deref(), Some("a-1")),
        },
        list_listing_images {
            set: { product_id: P, listing_id: "l-1" },
            answer: (200, page(vec![image()])),
            check: |got| assert_eq!(got.value[0].order, Some(0)),
        },
        create_listing_image {
            set: { product_id: P, listing_id: "l-1" },
            body: (ListingImage, json!({ "resourceType": "ListingImage", "fileName": "logo.png", "type": "AzureLogoLarge", "state": "PendingUpload" })),
            answer: (201, image()),
            check: |got| assert_eq!(got.type_.as_deref(), Some("AzureLogoLarge")),
        },
        get_listing_image {
            set: { product_id: P, listing_id: "l-1", image_id: "i-1", expand: "state" },
            answer: (200, image()),
            check: |got| assert_eq!(got.file_name.as_deref(), Some("logo.png")),
        },
        update_listing_image {
            set: { product_id: P, listing_id: "l-1", image_id: "i-1" },
            body: (ListingImage, with(image(), "state", json!("Uploaded"))),
            answer: (200, image()),
            check: |got| assert_eq!(got.id.as_deref(), Some("i-1")),
        },
        delete_listing_image {
            set: { product_id: P, listing_id: "l-1", image_id: "i-1" },
            answer: (204, Value::Null),
        },
        list_listing_videos {
            set: { product_id: P, listing_id: "l-1" },
            answer: (200, page(vec![video()])),
            check: |got| assert_eq!(
                got.value[0]
                    .thumbnail
                    .as_ref()
                    .and_then(|t| t.title.as_deref()),
                Some("Demo")
            ),
        },
        create_listing_video {
            set: { product_id: P, listing_id: "l-1" },
            body: (ListingVideo, json!({ "resourceType": "ListingVideo", "fileName": "demo.mp4", "streamingUri": "https://www.youtube.com/watch?v=x" })),
            answer: (201, video()),
            check: |got| assert_eq!(
                got.streaming_uri.as_deref(),
                Some("https://www.youtube.com/watch?v=x")
            ),
        },
        get_listing_video {
            set: { product_id: P, listing_id: "l-1", video_id: "v-1" },
            answer: (200, video()),
            check: |got| assert_eq!(got.state.as_ref().map(|s| s.as_str()), Some("Processed")),
        },
        update_listing_video {
            set: { product_id: P, listing_id: "l-1", video_id: "v-1", if_match: ETAG },
            body: (ListingVideo, video()),
            answer: (200, video()),
            check: |got| assert_eq!(got.id.as_deref(), Some("v-1")),
        },
        delete_listing_video {
            set: { product_id: P, listing_id: "l-1", video_id: "v-1" },
            answer: (204, Value::Null),
        },
        get_package_configuration {
            set: { product_id: P, package_configuration_id: "pc-1" },
            answer: (200, package_configuration()),
            check: |got| {
                let got = got.into_inner();
                match got {
                    types::PackageConfiguration::AzureApplicationPackageConfiguration(c) => {
                        assert_eq!(c.azure_active_directory_tenant_id.as_deref(), Some("t-1"))
                    }
                    other => panic!("decoded as the wrong kind: {other:?}"),
                }
            },
        },
        update_package_configuration {
            set: { product_id: P, package_configuration_id: "pc-1" },
            body: (PackageConfiguration, package_configuration()),
            answer: (200, package_configuration()),
            check: |got| assert_eq!(got.kind(), Some("AzureApplicationPackageConfiguration")),
        },
        get_package_configuration_by_instance_id {
            set: { product_id: P, instance_id: "inst-4" },
            answer: (200, page(vec![package_configuration()])),
            check: |got| assert_eq!(
                got.value[0].kind(),
                Some("AzureApplicationPackageConfiguration")
            ),
        },
        list_packages {
            set: { product_id: P },
            answer: (200, page(vec![package()])),
            check: |got| assert_eq!(got.value[0].file_size, Some(1048576.0)),
        },
        create_package {
            set: { product_id: P },
            body: (AzurePackage, json!({ "resourceType": "AzureApplicationPackage", "fileName": "app.zip" })),
            answer: (201, package()),
            check: |got| assert_eq!(got.state.as_ref().map(|s| s.as_str()), Some("Processed")),
        },
        get_package {
            set: { product_id: P, package_id: "pk-1" },
            answer: (200, package()),
            check: |got| assert_eq!(got.is_empty, Some(false)),
        },
        update_package {
            set: { product_id: P, package_id: "pk-1", if_match: ETAG },
            body: (AzurePackage, package()),
            answer: (200, package()),
            check: |got| assert_eq!(got.id.as_deref(), Some("pk-1")),
        },
        delete_package {
            set: { product_id: P, package_id: "pk-1" },
            answer: (204, Value::Null),
        },
        list_variants {
            set: { product_id: P, skip_token: "abc" },
            answer: (200, page(vec![variant()])),
            check: |got| assert_eq!(got.value[0].kind(), Some("AzureSkuVariant")),
        },
        create_variant {
            set: { product_id: P },
            body: (Variant, json!({ "resourceType": "AzureSkuVariant", "friendlyName": "Standard", "externalID": "standard" })),
            answer: (201, variant()),
            check: |got| {
                match got.into_inner() {
                    types::Variant::AzureSkuVariant(v) => {
                        assert_eq!(v.external_id.as_deref(), Some("standard"))
                    }
                    other => panic!("decoded as the wrong kind: {other:?}"),
                }
            },
        },
        get_variant {
            set: { product_id: P, variant_id: "var-1" },
            answer: (200, variant()),
            check: |got| assert_eq!(got.kind(), Some("AzureSkuVariant")),
        },
        update_variant {
            set: { product_id: P, variant_id: "var-1" },
            body: (Variant, variant()),
            answer: (200, variant()),
            check: |got| assert_eq!(got.kind(), Some("AzureSkuVariant")),
        },
        delete_variant {
            set: { product_id: P, variant_id: "var-1" },
            answer: (204, Value::Null),
        },
        get_feature_availability_by_instance_id {
            set: { product_id: P, instance_id: "inst-5", expand: "MarketStates,PriceSchedules,Trial" },
            answer: (200, page(vec![feature_availability()])),
            check: |got| assert_eq!(
                got.value[0].market_states[0].market_code.as_deref(),
                Some("US")
            ),
        },
        get_feature_availability {
            set: { product_id: P, feature_availability_id: "fa-1" },
            answer: (200, feature_availability()),
            check: |got| {
                assert_eq!(got.custom_meters[0].price_in_usd, Some(0.5));
                assert_eq!(got.trial.as_ref().and_then(|t| t.duration), Some(1));
            },
        },
        update_feature_availability {
            set: { product_id: P, feature_availability_id: "fa-1", expand: "Trial", if_match: ETAG },
            body: (FeatureAvailability, feature_availability()),
            answer: (200, feature_availability()),
            check: |got| assert_eq!(got.id.as_deref(), Some("fa-1")),
        },
        list_submissions {
            set: { product_id: P, filter: "state eq 'Published'", expand: "workflowDetails" },
            answer: (200, page(vec![submission()])),
            check: |got| assert_eq!(
                got.value[0].substate.as_ref().map(|s| s.as_str()),
                Some("ReadyToPublish")
            ),
        },
        create_submission {
            set: { product_id: P },
            body: (SubmissionCreationRequest, json!({ "resourceType": "SubmissionCreationRequest", "targets": [{ "type": "Scope", "value": "preview" }], "resources": [{ "type": "Listing", "value": "d1" }, { "type": "ResellerConfiguration", "value": "d2" }], "variantResources": [{ "variantID": "var-1", "resources": [{ "type": "Availability", "value": "d3" }] }], "publishOption": { "isAutoPromote": false, "isManualPublish": true } })),
            answer: (201, submission()),
            check: |got| assert_eq!(got.release_number, Some(3)),
        },
        get_submission {
            set: { product_id: P, submission_id: "s-1" },
            answer: (200, submission()),
            check: |got| assert_eq!(got.are_resources_ready, Some(true)),
        },
        delete_submission {
            set: { product_id: P, submission_id: "s-1" },
            answer: (204, Value::Null),
        },
        promote_submission {
            set: { product_id: P, submission_id: "s-1" },
            answer: (200, workflow()),
            check: |got| assert_eq!(got.workflow_steps[0].name.as_deref(), Some("Certification")),
        },
        list_submission_reports {
            set: { product_id: P, submission_id: "s-1" },
            answer: (200, page(vec![json!({ "reportTimeInUtc": "2026-11-01T10:00:00", "status": "PassedWithNotes", "fileUri": "https://x/report.pdf" })])),
            check: |got| {
                assert_eq!(
                    got.value[0].status.as_ref().map(|s| s.as_str()),
                    Some("PassedWithNotes")
                );
                assert_eq!(
                    got.value[0].report_time_in_utc.as_deref(),
                    Some("2026-11-01T10:00:00")
                );
            },
        },
        list_submission_validations {
            set: { product_id: P, submission_id: "s-1" },
            answer: (200, page(vec![json!({ "errorCode": "Resell-20007", "severity": "Error", "message": "ResellerConfiguration is missing.", "resource": "ResellerConfiguration" })])),
            check: |got| assert_eq!(got.value[0].error_code.as_deref(), Some("Resell-20007")),
        },
        list_submission_workflow_details {
            set: { product_id: P, submission_id: "s-1" },
            answer: (200, page(vec![workflow()])),
            check: |got| assert_eq!(got.value[0].target_environment.as_deref(), Some("preview")),
        },
        get_lead_configuration {
            set: { product_id: P },
            answer: (200, lead_configuration()),
            check: |got| {
                let got = got.into_inner();
                match got {
                    types::LeadConfiguration::AzureTableLeadConfiguration(c) => {
                        assert_eq!(c.contact_email.as_deref(), Some("leads@contoso.example"))
                    }
                    other => panic!("decoded as the wrong kind: {other:?}"),
                }
            },
        },
        set_lead_configuration {
            set: { product_id: P },
            body: (LeadConfiguration, lead_configuration()),
            answer: (200, lead_configuration()),
            check: |got| assert_eq!(got.kind(), Some("AzureTableLeadConfiguration")),
        },
        get_supplemental_content_by_instance_id {
            set: { product_id: P, instance_id: "inst-6" },
            answer: (200, page(vec![supplemental()])),
            check: |got| assert_eq!(got.value[0].assets[0].asset_id.as_deref(), Some("sa-1")),
        },
        get_supplemental_content {
            set: { product_id: P, instance_id: "inst-6" },
            answer: (200, supplemental()),
            check: |got| assert_eq!(got.supported_editions, ["Premium"]),
        },
        update_supplemental_content {
            set: { product_id: P, instance_id: "inst-6", if_match: ETAG },
            body: (SupplementalContent, supplemental()),
            answer: (200, supplemental()),
            check: |got| assert_eq!(got.target_release.as_deref(), Some("1.0")),
        },
        commit_supplemental_content {
            set: { product_id: P, instance_id: "inst-6" },
            answer: (200, supplemental()),
            check: |got| assert_eq!(got.id.as_deref(), Some("sc-1")),
        },
        list_cosell_assets {
            set: { product_id: P },
            answer: (200, page(vec![cosell_asset()])),
            check: |got| assert_eq!(got.value[0].type_.as_deref(), Some("PitchDeck")),
        },
        create_cosell_asset {
            set: { product_id: P },
            body: (CosellAsset, json!({ "resourceType": "CosellAsset", "fileName": "pitch.pptx", "type": "PitchDeck" })),
            answer: (200, cosell_asset()),
            check: |got| assert_eq!(got.state.as_deref(), Some("Uploaded")),
        },
        get_cosell_asset_by_instance_id {
            set: { product_id: P, instance_id: "inst-7" },
            answer: (200, page(vec![cosell_asset()])),
            check: |got| assert_eq!(got.value[0].file_name.as_deref(), Some("pitch.pptx")),
        },
        get_cosell_asset {
            set: { product_id: P, cosell_asset_id: "ca-1" },
            answer: (200, cosell_asset()),
            check: |got| assert_eq!(got.id.as_deref(), Some("ca-1")),
        },
        update_cosell_asset {
            set: { product_id: P, cosell_asset_id: "ca-1" },
            body: (CosellAsset, cosell_asset()),
            answer: (200, cosell_asset()),
            check: |got| assert_eq!(got.odata_etag.as_deref(), Some(ETAG)),
        },
        delete_cosell_asset {
            set: { product_id: P, cosell_asset_id: "ca-1" },
            answer: (204, Value::Null),
        },
        get_cosell_listing {
            set: { product_id: P, instance_id: "inst-8" },
            answer: (200, cosell_listing()),
            check: |got| assert_eq!(got.solution_areas[0].sub_areas, ["Analytics"]),
        },
        update_cosell_listing {
            set: { product_id: P, instance_id: "inst-8", if_match: ETAG },
            body: (CosellListing, cosell_listing()),
            answer: (200, cosell_listing()),
            check: |got| assert_eq!(got.offer_type.as_deref(), Some("SaaS")),
        },
        get_cosell_listing_by_instance_id {
            set: { product_id: P, instance_id: "inst-8" },
            answer: (200, page(vec![cosell_listing()])),
            check: |got| assert_eq!(
                got.value[0].contacts[0].email.as_deref(),
                Some("m@contoso.example")
            ),
        },
        get_reseller_configuration {
            set: { product_id: P },
            answer: (200, reseller()),
            check: |got| assert_eq!(got.tenant_ids, ["t-1", "t-2"]),
        },
        set_reseller_configuration {
            set: { product_id: P },
            body: (ResellerConfiguration, reseller()),
            answer: (200, reseller()),
            check: |got| assert_eq!(
                got.reseller_channel_state.as_ref().map(|s| s.as_str()),
                Some("PartialOptIn")
            ),
        },
    }
}
