//! Every operation of the API, called against a local mock server: the
//! method, the exact path (OData functions literal, ids percent-encoded),
//! the query, the headers and the JSON body sent, and a realistic answer
//! decoded.

mod support;

use serde_json::{json, Value};
use support::{client_for, BASE_PATH, TOKEN};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use partner_center_ingestion::types;
use partner_center_ingestion::Client;

const P: &str = "3f2b7c1e-9d4a-4e8b-b6a5-0c1d2e3f4a5b";
const FILTER: &str = "externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq 'contoso offer')";
const ETAG: &str = "\"0a00c2b7-0000-0800-0000-5f8a3c3e0000\"";

struct Harness {
    server: MockServer,
    client: Client,
}

impl Harness {
    async fn new() -> Self {
        let server = MockServer::start().await;
        let client = client_for(&server);
        Harness { server, client }
    }

    /// Answers every request with `status` and `body` (none when `Null`).
    async fn answer(&self, status: u16, body: Value) {
        let mut template = ResponseTemplate::new(status).insert_header("request-id", "req-1");
        if !body.is_null() {
            template = template.set_body_json(body);
        }
        Mock::given(any())
            .respond_with(template)
            .mount(&self.server)
            .await;
    }

    async fn request(&self) -> Request {
        let mut requests = self
            .server
            .received_requests()
            .await
            .expect("recording is on");
        assert_eq!(requests.len(), 1, "exactly one request");
        requests.remove(0)
    }

    /// Checks the one request sent.
    async fn sent(&self, method: &str, path: &str) -> Sent {
        let request = self.request().await;
        assert_eq!(request.method.as_str(), method);
        assert_eq!(
            request.url.path(),
            format!("{BASE_PATH}{path}"),
            "exact path"
        );
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        assert_eq!(header("authorization"), Some(format!("Bearer {TOKEN}")));
        assert_eq!(
            header("client-request-id").map(|v| v.len()),
            Some(36),
            "a UUID request id"
        );
        assert_eq!(header("api-version"), None, "no api-version header");
        assert!(header("user-agent")
            .unwrap_or_default()
            .starts_with("partner-center-ingestion/"));
        Sent { request }
    }
}

struct Sent {
    request: Request,
}

impl Sent {
    fn query(self, expected: &[(&str, &str)]) -> Self {
        let mut pairs: Vec<(String, String)> = self
            .request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.sort();
        let mut want: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        want.sort();
        assert_eq!(pairs, want);
        let raw = self.request.url.query().unwrap_or("");
        assert!(
            !raw.contains(' ') && !raw.contains('\''),
            "the query is URL-encoded: {raw}"
        );
        self
    }

    fn no_query(self) -> Self {
        assert_eq!(self.request.url.query(), None);
        self
    }

    fn body(self, expected: &Value) -> Self {
        let sent: Value = serde_json::from_slice(&self.request.body).expect("a JSON body");
        assert_eq!(&sent, expected);
        assert_eq!(
            self.request
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
        self
    }

    fn no_body(self) -> Self {
        assert!(self.request.body.is_empty());
        self
    }

    fn if_match(self, expected: &str) -> Self {
        assert_eq!(
            self.request
                .headers
                .get("if-match")
                .and_then(|v| v.to_str().ok()),
            Some(expected)
        );
        self
    }

    fn header(self, name: &str, expected: &str) -> Self {
        assert_eq!(
            self.request.headers.get(name).and_then(|v| v.to_str().ok()),
            Some(expected)
        );
        self
    }
}

fn page(items: Vec<Value>) -> Value {
    json!({ "value": items })
}

fn typed<T: serde::de::DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone()).expect("the fixture fits the type")
}

// ------------------------------------------------------------------ fixtures

fn product() -> Value {
    json!({
        "resourceType": "AzureApplication",
        "name": "Contoso Analytics",
        "externalIDs": [{ "type": "AzureOfferId", "value": "contoso-analytics" }],
        "isModularPublishing": true,
        "id": P,
        "@odata.etag": ETAG
    })
}

fn setup() -> Value {
    json!({ "resourceType": "AzureProductSetup", "sellingOption": "ListAndSell", "callToAction": "FreeTrial", "enableTestDrive": false, "channelStates": [{ "type": "Reseller", "value": "Disabled" }] })
}

fn branch() -> Value {
    json!({ "resourceType": "Branch", "friendlyName": "Main", "type": "Main", "module": "Listing", "currentDraftInstanceID": "d1a2b3c4-0000-4000-8000-000000000001", "id": "b-1" })
}

fn availability() -> Value {
    json!({ "resourceType": "ProductAvailability", "visibility": "Public", "enterpriseLicensing": "Online", "hideKeyAudience": "", "id": "pa-1", "@odata.etag": ETAG })
}

fn property() -> Value {
    json!({ "resourceType": "AzureProperty", "categories": ["analytics"], "industries": [], "useEnterpriseContract": true, "termsOfUse": "https://contoso.example/terms", "id": "prop-1", "@odata.etag": ETAG })
}

fn listing() -> Value {
    json!({
        "resourceType": "AzureListing",
        "title": "Contoso Analytics",
        "summary": "Analytics for everyone",
        "shortDescription": "Fast analytics",
        "description": "<p>Long text</p>",
        "languageCode": "en-us",
        "keywords": ["analytics"],
        "listingContacts": [{ "type": "CustomerSupport", "email": "support@contoso.example", "name": "Support" }],
        "id": "l-1",
        "@odata.etag": ETAG
    })
}

fn asset() -> Value {
    json!({ "resourceType": "ListingAsset", "fileName": "guide.pdf", "type": "Document", "state": "PendingUpload", "fileSasUri": "https://x.blob.core.windows.net/c/guide.pdf?sv=2020&sig=abc", "id": "a-1", "@odata.etag": ETAG })
}

fn image() -> Value {
    json!({ "resourceType": "ListingImage", "fileName": "logo.png", "type": "AzureLogoLarge", "state": "PendingUpload", "fileSasUri": "https://x.blob.core.windows.net/c/logo.png?sv=2020&sig=abc", "order": 0, "id": "i-1", "@odata.etag": ETAG })
}

fn video() -> Value {
    json!({ "resourceType": "ListingVideo", "fileName": "demo.mp4", "streamingUri": "https://www.youtube.com/watch?v=x", "state": "Processed", "thumbnail": { "fileName": "thumb.png", "title": "Demo", "state": "Uploaded" }, "id": "v-1", "@odata.etag": ETAG })
}

fn package_configuration() -> Value {
    json!({ "resourceType": "AzureApplicationPackageConfiguration", "azureActiveDirectoryTenantID": "t-1", "azureActiveDirectoryApplicationID": "a-1", "id": "pc-1", "@odata.etag": ETAG })
}

fn package() -> Value {
    json!({ "resourceType": "AzureApplicationPackage", "fileName": "app.zip", "state": "Processed", "isEmpty": false, "fileSize": 1048576.0, "id": "pk-1", "@odata.etag": ETAG })
}

fn variant() -> Value {
    json!({ "resourceType": "AzureSkuVariant", "friendlyName": "Standard", "state": "Active", "externalID": "standard", "cloudAvailabilities": ["public-azure"], "id": "var-1", "@odata.etag": ETAG })
}

fn feature_availability() -> Value {
    json!({
        "resourceType": "FeatureAvailability",
        "visibility": "Public",
        "marketStates": [{ "marketCode": "US", "state": "Enabled" }],
        "trial": { "type": "TimedAccess", "durationType": "Months", "duration": 1 },
        "customMeters": [{ "id": "m1", "uniqueID": "u1", "isEnabled": true, "priceInUsd": 0.5, "displayName": "Calls", "unitOfMeasure": "1000 calls" }],
        "id": "fa-1",
        "@odata.etag": ETAG
    })
}

fn submission() -> Value {
    json!({
        "resourceType": "Submission",
        "state": "InProgress",
        "substate": "ReadyToPublish",
        "targets": [{ "type": "Scope", "value": "preview" }],
        "resources": [{ "type": "Listing", "value": "d1a2b3c4-0000-4000-8000-000000000001" }],
        "releaseNumber": 3,
        "friendlyName": "Release 3",
        "areResourcesReady": true,
        "id": "s-1"
    })
}

fn workflow() -> Value {
    json!({ "type": "Publish", "state": "InProgress", "targetEnvironment": "preview", "workflowSteps": [{ "name": "Certification", "state": "Completed" }] })
}

fn lead_configuration() -> Value {
    json!({ "resourceType": "AzureTableLeadConfiguration", "connectionString": "DefaultEndpointsProtocol=https;AccountName=x", "contactEmail": "leads@contoso.example" })
}

fn supplemental() -> Value {
    json!({ "resourceType": "SupplementalContent", "targetRelease": "1.0", "supportedEditions": ["Premium"], "assets": [{ "assetID": "sa-1", "fileName": "notes.pdf", "type": "Document" }], "id": "sc-1", "@odata.etag": ETAG })
}

fn cosell_asset() -> Value {
    json!({ "resourceType": "CosellAsset", "fileName": "pitch.pptx", "type": "PitchDeck", "state": "Uploaded", "id": "ca-1", "@odata.etag": ETAG })
}

fn cosell_listing() -> Value {
    json!({ "resourceType": "CosellListing", "offerType": "SaaS", "offerPlatforms": ["Azure"], "solutionAreas": [{ "area": "Data", "subAreas": ["Analytics"] }], "contacts": [{ "type": "Marketing", "email": "m@contoso.example" }], "id": "cl-1", "@odata.etag": ETAG })
}

fn reseller() -> Value {
    json!({ "resourceType": "ResellerConfiguration", "resellerChannelState": "PartialOptIn", "tenantIds": ["t-1", "t-2"] })
}

// ------------------------------------------------------------------ products

#[tokio::test]
async fn list_products() {
    let h = Harness::new().await;
    h.answer(200, page(vec![product()])).await;
    let page = h
        .client
        .list_products()
        .filter(FILTER)
        .skip_token("eyJza2lwIjo1MH0=")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        page.value[0].external_ids[0].value.as_deref(),
        Some("contoso-analytics")
    );
    h.sent("GET", "/products")
        .await
        .query(&[("$filter", FILTER), ("$skipToken", "eyJza2lwIjo1MH0=")])
        .no_body();
}

#[tokio::test]
async fn create_product() {
    let h = Harness::new().await;
    h.answer(201, product()).await;
    let body = json!({ "resourceType": "AzureApplication", "name": "Contoso Analytics", "externalIDs": [{ "type": "AzureOfferId", "value": "contoso-analytics" }] });
    let made = h
        .client
        .create_product()
        .body(typed::<types::AzureProduct>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(made.id.as_deref(), Some(P));
    h.sent("POST", "/products").await.no_query().body(&body);
}

#[tokio::test]
async fn get_product_percent_encodes_the_id() {
    let h = Harness::new().await;
    h.answer(200, product()).await;
    let got = h
        .client
        .get_product()
        .product_id("offer 1/ä")
        .client_request_id("7b1a6f1e-2f0a-4c1e-9d0b-1a2b3c4d5e6f")
        .send()
        .await
        .unwrap();
    assert_eq!(got.name.as_deref(), Some("Contoso Analytics"));
    h.sent("GET", "/products/offer%201%2F%C3%A4")
        .await
        .header("client-request-id", "7b1a6f1e-2f0a-4c1e-9d0b-1a2b3c4d5e6f");
}

#[tokio::test]
async fn delete_product() {
    let h = Harness::new().await;
    h.answer(204, Value::Null).await;
    let done = h
        .client
        .delete_product()
        .product_id(P)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 204);
    h.sent("DELETE", &format!("/products/{P}")).await.no_body();
}

#[tokio::test]
async fn get_product_setup() {
    let h = Harness::new().await;
    h.answer(200, setup()).await;
    let got = h
        .client
        .get_product_setup()
        .product_id(P)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.selling_option.as_ref().map(|s| s.as_str()),
        Some("ListAndSell")
    );
    h.sent("GET", &format!("/products/{P}/setup")).await;
}

#[tokio::test]
async fn set_product_setup_accepts_200() {
    let h = Harness::new().await;
    h.answer(200, setup()).await;
    let got = h
        .client
        .set_product_setup()
        .product_id(P)
        .body(typed::<types::AzureProductSetup>(&setup()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.call_to_action.as_ref().map(|s| s.as_str()),
        Some("FreeTrial")
    );
    h.sent("POST", &format!("/products/{P}/setup"))
        .await
        .body(&setup());
}

#[tokio::test]
async fn list_branches_by_module() {
    let h = Harness::new().await;
    h.answer(200, page(vec![branch()])).await;
    let got = h
        .client
        .list_branches_by_module()
        .product_id(P)
        .module("ResellerConfiguration")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.value[0].current_draft_instance_id.as_deref(),
        Some("d1a2b3c4-0000-4000-8000-000000000001")
    );
    h.sent(
        "GET",
        &format!("/products/{P}/branches/getByModule(module=ResellerConfiguration)"),
    )
    .await
    .no_query();
}

// -------------------------------------------------------- product availability

#[tokio::test]
async fn list_product_availabilities() {
    let h = Harness::new().await;
    h.answer(200, page(vec![availability()])).await;
    let got = h
        .client
        .list_product_availabilities()
        .product_id(P)
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].visibility.as_deref(), Some("Public"));
    h.sent("GET", &format!("/products/{P}/productavailabilities"))
        .await;
}

#[tokio::test]
async fn create_product_availability() {
    let h = Harness::new().await;
    h.answer(201, availability()).await;
    let body = json!({ "resourceType": "ProductAvailability", "visibility": "Public" });
    let got = h
        .client
        .create_product_availability()
        .product_id(P)
        .body(typed::<types::ProductAvailability>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(got.id.as_deref(), Some("pa-1"));
    h.sent("POST", &format!("/products/{P}/productavailabilities"))
        .await
        .body(&body);
}

#[tokio::test]
async fn get_product_availability() {
    let h = Harness::new().await;
    h.answer(200, availability()).await;
    let got = h
        .client
        .get_product_availability()
        .product_id(P)
        .product_availability_id("pa-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.odata_etag.as_deref(), Some(ETAG));
    h.sent("GET", &format!("/products/{P}/productavailabilities/pa-1"))
        .await;
}

#[tokio::test]
async fn update_product_availability() {
    let h = Harness::new().await;
    h.answer(200, availability()).await;
    let got = h
        .client
        .update_product_availability()
        .product_id(P)
        .product_availability_id("pa-1")
        .if_match(ETAG)
        .body(typed::<types::ProductAvailability>(&availability()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.enterprise_licensing.as_deref(), Some("Online"));
    h.sent("PUT", &format!("/products/{P}/productavailabilities/pa-1"))
        .await
        .if_match(ETAG)
        .body(&availability());
}

#[tokio::test]
async fn get_product_availability_by_instance_id() {
    let h = Harness::new().await;
    h.answer(200, page(vec![availability()])).await;
    let got = h
        .client
        .get_product_availability_by_instance_id()
        .product_id(P)
        .instance_id("inst-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.value.len(), 1);
    h.sent(
        "GET",
        &format!("/products/{P}/productAvailabilities/getByInstanceID(instanceID=inst-1)"),
    )
    .await;
}

// ---------------------------------------------------------------- properties

#[tokio::test]
async fn list_properties() {
    let h = Harness::new().await;
    h.answer(200, page(vec![property()])).await;
    let got = h
        .client
        .list_properties()
        .product_id(P)
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].categories, ["analytics"]);
    h.sent("GET", &format!("/products/{P}/properties")).await;
}

#[tokio::test]
async fn create_property() {
    let h = Harness::new().await;
    h.answer(200, property()).await;
    let body = json!({ "resourceType": "AzureProperty", "categories": ["analytics"] });
    let got = h
        .client
        .create_property()
        .product_id(P)
        .body(typed::<types::AzureProperty>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(got.use_enterprise_contract, Some(true));
    h.sent("POST", &format!("/products/{P}/properties"))
        .await
        .body(&body);
}

#[tokio::test]
async fn get_property() {
    let h = Harness::new().await;
    h.answer(200, property()).await;
    let got = h
        .client
        .get_property()
        .product_id(P)
        .property_id("prop-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.terms_of_use.as_deref(),
        Some("https://contoso.example/terms")
    );
    h.sent("GET", &format!("/products/{P}/properties/prop-1"))
        .await;
}

#[tokio::test]
async fn update_property() {
    let h = Harness::new().await;
    h.answer(200, property()).await;
    let body = json!({ "resourceType": "AzureProperty", "categories": ["analytics", "ai"] });
    let got = h
        .client
        .update_property()
        .product_id(P)
        .property_id("prop-1")
        .if_match(ETAG)
        .body(typed::<types::AzureProperty>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.resource_type.as_ref().map(|t| t.as_str()),
        Some("AzureProperty")
    );
    h.sent("PUT", &format!("/products/{P}/properties/prop-1"))
        .await
        .if_match(ETAG)
        .body(&body);
}

#[tokio::test]
async fn get_property_by_instance_id() {
    let h = Harness::new().await;
    h.answer(200, page(vec![property()])).await;
    let got = h
        .client
        .get_property_by_instance_id()
        .product_id(P)
        .instance_id("inst-2")
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].odata_etag.as_deref(), Some(ETAG));
    h.sent(
        "GET",
        &format!("/products/{P}/properties/getByInstanceID(instanceID=inst-2)"),
    )
    .await;
}

// ------------------------------------------------------------------ listings

#[tokio::test]
async fn get_listing() {
    let h = Harness::new().await;
    h.answer(200, listing()).await;
    let got = h
        .client
        .get_listing()
        .product_id(P)
        .listing_id("l-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.listing_contacts[0].email.as_deref(),
        Some("support@contoso.example")
    );
    h.sent("GET", &format!("/products/{P}/listings/l-1")).await;
}

#[tokio::test]
async fn update_listing_sends_the_etag_of_the_body_by_default() {
    let h = Harness::new().await;
    h.answer(200, listing()).await;
    let got = h
        .client
        .update_listing()
        .product_id(P)
        .listing_id("l-1")
        .body(typed::<types::AzureListing>(&listing()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.title.as_deref(), Some("Contoso Analytics"));
    h.sent("PUT", &format!("/products/{P}/listings/l-1"))
        .await
        .if_match(ETAG)
        .body(&listing());
}

#[tokio::test]
async fn delete_listing() {
    let h = Harness::new().await;
    h.answer(204, Value::Null).await;
    h.client
        .delete_listing()
        .product_id(P)
        .listing_id("l-1")
        .send()
        .await
        .unwrap();
    h.sent("DELETE", &format!("/products/{P}/listings/l-1"))
        .await
        .no_body();
}

#[tokio::test]
async fn get_listing_by_instance_id() {
    let h = Harness::new().await;
    h.answer(200, page(vec![listing()])).await;
    let got = h
        .client
        .get_listing_by_instance_id()
        .product_id(P)
        .instance_id("inst-3")
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].language_code.as_deref(), Some("en-us"));
    h.sent(
        "GET",
        &format!("/products/{P}/listings/getByInstanceID(instanceID=inst-3)"),
    )
    .await;
}

#[tokio::test]
async fn create_listing_with_instance_id() {
    let h = Harness::new().await;
    h.answer(201, listing()).await;
    let body = json!({ "resourceType": "AzureListing", "languageCode": "de-de", "title": "Contoso Analytik" });
    let got = h
        .client
        .create_listing_with_instance_id()
        .product_id(P)
        .instance_id("inst-3")
        .body(typed::<types::AzureListing>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(got.id.as_deref(), Some("l-1"));
    h.sent(
        "POST",
        &format!("/products/{P}/listings/createWithInstanceID(instanceID=inst-3)"),
    )
    .await
    .body(&body);
}

#[tokio::test]
async fn list_listing_assets() {
    let h = Harness::new().await;
    h.answer(200, page(vec![asset()])).await;
    let got = h
        .client
        .list_listing_assets()
        .product_id(P)
        .listing_id("l-1")
        .expand("all")
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].file_name.as_deref(), Some("guide.pdf"));
    h.sent("GET", &format!("/products/{P}/listings/l-1/assets"))
        .await
        .query(&[("$expand", "all")]);
}

#[tokio::test]
async fn create_listing_asset() {
    let h = Harness::new().await;
    h.answer(201, asset()).await;
    let body = json!({ "resourceType": "ListingAsset", "fileName": "guide.pdf", "type": "Document", "state": "PendingUpload" });
    let got = h
        .client
        .create_listing_asset()
        .product_id(P)
        .listing_id("l-1")
        .body(typed::<types::ListingAsset>(&body))
        .send()
        .await
        .unwrap();
    assert!(got
        .file_sas_uri
        .as_ref()
        .map_or("", |u| u.expose())
        .contains("sig=abc"));
    h.sent("POST", &format!("/products/{P}/listings/l-1/assets"))
        .await
        .body(&body);
}

#[tokio::test]
async fn get_listing_asset() {
    let h = Harness::new().await;
    h.answer(200, asset()).await;
    let got = h
        .client
        .get_listing_asset()
        .product_id(P)
        .listing_id("l-1")
        .asset_id("a-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.state.as_ref().map(|s| s.as_str()),
        Some("PendingUpload")
    );
    h.sent("GET", &format!("/products/{P}/listings/l-1/assets/a-1"))
        .await
        .no_query();
}

#[tokio::test]
async fn delete_listing_asset() {
    let h = Harness::new().await;
    h.answer(204, Value::Null).await;
    h.client
        .delete_listing_asset()
        .product_id(P)
        .listing_id("l-1")
        .asset_id("a-1")
        .send()
        .await
        .unwrap();
    h.sent("DELETE", &format!("/products/{P}/listings/l-1/assets/a-1"))
        .await;
}

#[tokio::test]
async fn update_listing_asset() {
    let h = Harness::new().await;
    h.answer(200, asset()).await;
    let body =
        json!({ "resourceType": "ListingAsset", "fileName": "guide.pdf", "state": "Uploaded" });
    let got = h
        .client
        .update_listing_asset()
        .product_id(P)
        .listing_id("l-1")
        .asset_id("a-1")
        .if_match("*")
        .body(typed::<types::ListingAsset>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(got.id.as_deref(), Some("a-1"));
    h.sent("PUT", &format!("/products/{P}/listings/l-1/assets/a-1"))
        .await
        .if_match("*")
        .body(&body);
}

#[tokio::test]
async fn list_listing_images() {
    let h = Harness::new().await;
    h.answer(200, page(vec![image()])).await;
    let got = h
        .client
        .list_listing_images()
        .product_id(P)
        .listing_id("l-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].order, Some(0));
    h.sent("GET", &format!("/products/{P}/listings/l-1/images"))
        .await;
}

#[tokio::test]
async fn create_listing_image() {
    let h = Harness::new().await;
    h.answer(201, image()).await;
    let body = json!({ "resourceType": "ListingImage", "fileName": "logo.png", "type": "AzureLogoLarge", "state": "PendingUpload" });
    let got = h
        .client
        .create_listing_image()
        .product_id(P)
        .listing_id("l-1")
        .body(typed::<types::ListingImage>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(got.type_.as_deref(), Some("AzureLogoLarge"));
    h.sent("POST", &format!("/products/{P}/listings/l-1/images"))
        .await
        .body(&body);
}

#[tokio::test]
async fn get_listing_image() {
    let h = Harness::new().await;
    h.answer(200, image()).await;
    let got = h
        .client
        .get_listing_image()
        .product_id(P)
        .listing_id("l-1")
        .image_id("i-1")
        .expand("state")
        .send()
        .await
        .unwrap();
    assert_eq!(got.file_name.as_deref(), Some("logo.png"));
    h.sent("GET", &format!("/products/{P}/listings/l-1/images/i-1"))
        .await
        .query(&[("$expand", "state")]);
}

#[tokio::test]
async fn update_listing_image() {
    let h = Harness::new().await;
    h.answer(200, image()).await;
    let mut body = image();
    body["state"] = json!("Uploaded");
    let got = h
        .client
        .update_listing_image()
        .product_id(P)
        .listing_id("l-1")
        .image_id("i-1")
        .body(typed::<types::ListingImage>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(got.id.as_deref(), Some("i-1"));
    h.sent("PUT", &format!("/products/{P}/listings/l-1/images/i-1"))
        .await
        .if_match(ETAG)
        .body(&body);
}

#[tokio::test]
async fn delete_listing_image() {
    let h = Harness::new().await;
    h.answer(204, Value::Null).await;
    h.client
        .delete_listing_image()
        .product_id(P)
        .listing_id("l-1")
        .image_id("i-1")
        .send()
        .await
        .unwrap();
    h.sent("DELETE", &format!("/products/{P}/listings/l-1/images/i-1"))
        .await;
}

#[tokio::test]
async fn list_listing_videos() {
    let h = Harness::new().await;
    h.answer(200, page(vec![video()])).await;
    let got = h
        .client
        .list_listing_videos()
        .product_id(P)
        .listing_id("l-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.value[0]
            .thumbnail
            .as_ref()
            .and_then(|t| t.title.as_deref()),
        Some("Demo")
    );
    h.sent("GET", &format!("/products/{P}/listings/l-1/videos"))
        .await;
}

#[tokio::test]
async fn create_listing_video() {
    let h = Harness::new().await;
    h.answer(201, video()).await;
    let body = json!({ "resourceType": "ListingVideo", "fileName": "demo.mp4", "streamingUri": "https://www.youtube.com/watch?v=x" });
    let got = h
        .client
        .create_listing_video()
        .product_id(P)
        .listing_id("l-1")
        .body(typed::<types::ListingVideo>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.streaming_uri.as_deref(),
        Some("https://www.youtube.com/watch?v=x")
    );
    h.sent("POST", &format!("/products/{P}/listings/l-1/videos"))
        .await
        .body(&body);
}

#[tokio::test]
async fn get_listing_video() {
    let h = Harness::new().await;
    h.answer(200, video()).await;
    let got = h
        .client
        .get_listing_video()
        .product_id(P)
        .listing_id("l-1")
        .video_id("v-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.state.as_ref().map(|s| s.as_str()), Some("Processed"));
    h.sent("GET", &format!("/products/{P}/listings/l-1/videos/v-1"))
        .await;
}

#[tokio::test]
async fn update_listing_video() {
    let h = Harness::new().await;
    h.answer(200, video()).await;
    let got = h
        .client
        .update_listing_video()
        .product_id(P)
        .listing_id("l-1")
        .video_id("v-1")
        .if_match(ETAG)
        .body(typed::<types::ListingVideo>(&video()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.id.as_deref(), Some("v-1"));
    h.sent("PUT", &format!("/products/{P}/listings/l-1/videos/v-1"))
        .await
        .if_match(ETAG)
        .body(&video());
}

#[tokio::test]
async fn delete_listing_video() {
    let h = Harness::new().await;
    h.answer(204, Value::Null).await;
    h.client
        .delete_listing_video()
        .product_id(P)
        .listing_id("l-1")
        .video_id("v-1")
        .send()
        .await
        .unwrap();
    h.sent("DELETE", &format!("/products/{P}/listings/l-1/videos/v-1"))
        .await;
}

// ------------------------------------------------------ package configuration

#[tokio::test]
async fn get_package_configuration() {
    let h = Harness::new().await;
    h.answer(200, package_configuration()).await;
    let got = h
        .client
        .get_package_configuration()
        .product_id(P)
        .package_configuration_id("pc-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    match got {
        types::PackageConfiguration::AzureApplicationPackageConfiguration(c) => {
            assert_eq!(c.azure_active_directory_tenant_id.as_deref(), Some("t-1"))
        }
        other => panic!("decoded as the wrong kind: {other:?}"),
    }
    h.sent("GET", &format!("/products/{P}/packageconfigurations/pc-1"))
        .await;
}

#[tokio::test]
async fn update_package_configuration() {
    let h = Harness::new().await;
    h.answer(200, package_configuration()).await;
    let body = typed::<types::PackageConfiguration>(&package_configuration());
    let got = h
        .client
        .update_package_configuration()
        .product_id(P)
        .package_configuration_id("pc-1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(got.kind(), Some("AzureApplicationPackageConfiguration"));
    h.sent("PUT", &format!("/products/{P}/packageconfigurations/pc-1"))
        .await
        .if_match(ETAG)
        .body(&package_configuration());
}

#[tokio::test]
async fn get_package_configuration_by_instance_id() {
    let h = Harness::new().await;
    h.answer(200, page(vec![package_configuration()])).await;
    let got = h
        .client
        .get_package_configuration_by_instance_id()
        .product_id(P)
        .instance_id("inst-4")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.value[0].kind(),
        Some("AzureApplicationPackageConfiguration")
    );
    h.sent(
        "GET",
        &format!("/products/{P}/packageConfigurations/getByInstanceID(instanceID=inst-4)"),
    )
    .await;
}

// ------------------------------------------------------------------ packages

#[tokio::test]
async fn list_packages() {
    let h = Harness::new().await;
    h.answer(200, page(vec![package()])).await;
    let got = h.client.list_packages().product_id(P).send().await.unwrap();
    assert_eq!(got.value[0].file_size, Some(1048576.0));
    h.sent("GET", &format!("/products/{P}/packages")).await;
}

#[tokio::test]
async fn create_package() {
    let h = Harness::new().await;
    h.answer(201, package()).await;
    let body = json!({ "resourceType": "AzureApplicationPackage", "fileName": "app.zip" });
    let got = h
        .client
        .create_package()
        .product_id(P)
        .body(typed::<types::AzurePackage>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(got.state.as_ref().map(|s| s.as_str()), Some("Processed"));
    h.sent("POST", &format!("/products/{P}/packages"))
        .await
        .body(&body);
}

#[tokio::test]
async fn get_package() {
    let h = Harness::new().await;
    h.answer(200, package()).await;
    let got = h
        .client
        .get_package()
        .product_id(P)
        .package_id("pk-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.is_empty, Some(false));
    h.sent("GET", &format!("/products/{P}/packages/pk-1")).await;
}

#[tokio::test]
async fn update_package() {
    let h = Harness::new().await;
    h.answer(200, package()).await;
    let got = h
        .client
        .update_package()
        .product_id(P)
        .package_id("pk-1")
        .if_match(ETAG)
        .body(typed::<types::AzurePackage>(&package()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.id.as_deref(), Some("pk-1"));
    h.sent("PUT", &format!("/products/{P}/packages/pk-1"))
        .await
        .if_match(ETAG)
        .body(&package());
}

#[tokio::test]
async fn delete_package() {
    let h = Harness::new().await;
    h.answer(204, Value::Null).await;
    h.client
        .delete_package()
        .product_id(P)
        .package_id("pk-1")
        .send()
        .await
        .unwrap();
    h.sent("DELETE", &format!("/products/{P}/packages/pk-1"))
        .await;
}

// ------------------------------------------------------------------ variants

#[tokio::test]
async fn list_variants() {
    let h = Harness::new().await;
    h.answer(200, page(vec![variant()])).await;
    let got = h
        .client
        .list_variants()
        .product_id(P)
        .skip_token("abc")
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].kind(), Some("AzureSkuVariant"));
    h.sent("GET", &format!("/products/{P}/variants"))
        .await
        .query(&[("$skipToken", "abc")]);
}

#[tokio::test]
async fn create_variant() {
    let h = Harness::new().await;
    h.answer(201, variant()).await;
    let body = json!({ "resourceType": "AzureSkuVariant", "friendlyName": "Standard", "externalID": "standard" });
    let got = h
        .client
        .create_variant()
        .product_id(P)
        .body(typed::<types::Variant>(&body))
        .send()
        .await
        .unwrap();
    match got.into_inner() {
        types::Variant::AzureSkuVariant(v) => {
            assert_eq!(v.external_id.as_deref(), Some("standard"))
        }
        other => panic!("decoded as the wrong kind: {other:?}"),
    }
    h.sent("POST", &format!("/products/{P}/variants"))
        .await
        .body(&body);
}

#[tokio::test]
async fn get_variant() {
    let h = Harness::new().await;
    h.answer(200, variant()).await;
    let got = h
        .client
        .get_variant()
        .product_id(P)
        .variant_id("var-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.kind(), Some("AzureSkuVariant"));
    h.sent("GET", &format!("/products/{P}/variants/var-1"))
        .await;
}

#[tokio::test]
async fn update_variant() {
    let h = Harness::new().await;
    h.answer(200, variant()).await;
    let got = h
        .client
        .update_variant()
        .product_id(P)
        .variant_id("var-1")
        .body(typed::<types::Variant>(&variant()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.kind(), Some("AzureSkuVariant"));
    h.sent("PUT", &format!("/products/{P}/variants/var-1"))
        .await
        .if_match(ETAG)
        .body(&variant());
}

#[tokio::test]
async fn delete_variant() {
    let h = Harness::new().await;
    h.answer(204, Value::Null).await;
    h.client
        .delete_variant()
        .product_id(P)
        .variant_id("var-1")
        .send()
        .await
        .unwrap();
    h.sent("DELETE", &format!("/products/{P}/variants/var-1"))
        .await;
}

// ------------------------------------------------------- feature availability

#[tokio::test]
async fn get_feature_availability_by_instance_id() {
    let h = Harness::new().await;
    h.answer(200, page(vec![feature_availability()])).await;
    let got = h
        .client
        .get_feature_availability_by_instance_id()
        .product_id(P)
        .instance_id("inst-5")
        .expand("MarketStates,PriceSchedules,Trial")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.value[0].market_states[0].market_code.as_deref(),
        Some("US")
    );
    h.sent(
        "GET",
        &format!("/products/{P}/featureAvailabilities/getByInstanceID(instanceID=inst-5)"),
    )
    .await
    .query(&[("$expand", "MarketStates,PriceSchedules,Trial")]);
}

#[tokio::test]
async fn get_feature_availability() {
    let h = Harness::new().await;
    h.answer(200, feature_availability()).await;
    let got = h
        .client
        .get_feature_availability()
        .product_id(P)
        .feature_availability_id("fa-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.custom_meters[0].price_in_usd, Some(0.5));
    assert_eq!(got.trial.as_ref().and_then(|t| t.duration), Some(1));
    h.sent("GET", &format!("/products/{P}/featureavailabilities/fa-1"))
        .await;
}

#[tokio::test]
async fn update_feature_availability() {
    let h = Harness::new().await;
    h.answer(200, feature_availability()).await;
    let got = h
        .client
        .update_feature_availability()
        .product_id(P)
        .feature_availability_id("fa-1")
        .expand("Trial")
        .if_match(ETAG)
        .body(typed::<types::FeatureAvailability>(&feature_availability()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.id.as_deref(), Some("fa-1"));
    h.sent("PUT", &format!("/products/{P}/featureavailabilities/fa-1"))
        .await
        .query(&[("$expand", "Trial")])
        .if_match(ETAG)
        .body(&feature_availability());
}

// --------------------------------------------------------------- submissions

#[tokio::test]
async fn list_submissions() {
    let h = Harness::new().await;
    h.answer(200, page(vec![submission()])).await;
    let got = h
        .client
        .list_submissions()
        .product_id(P)
        .filter("state eq 'Published'")
        .expand("workflowDetails")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.value[0].substate.as_ref().map(|s| s.as_str()),
        Some("ReadyToPublish")
    );
    h.sent("GET", &format!("/products/{P}/submissions"))
        .await
        .query(&[
            ("$filter", "state eq 'Published'"),
            ("$expand", "workflowDetails"),
        ]);
}

#[tokio::test]
async fn create_submission() {
    let h = Harness::new().await;
    h.answer(201, submission()).await;
    let body = json!({
        "resourceType": "SubmissionCreationRequest",
        "targets": [{ "type": "Scope", "value": "preview" }],
        "resources": [{ "type": "Listing", "value": "d1" }, { "type": "ResellerConfiguration", "value": "d2" }],
        "variantResources": [{ "variantID": "var-1", "resources": [{ "type": "Availability", "value": "d3" }] }],
        "publishOption": { "isAutoPromote": false, "isManualPublish": true }
    });
    let got = h
        .client
        .create_submission()
        .product_id(P)
        .body(typed::<types::SubmissionCreationRequest>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(got.release_number, Some(3));
    h.sent("POST", &format!("/products/{P}/submissions"))
        .await
        .body(&body);
}

#[tokio::test]
async fn get_submission() {
    let h = Harness::new().await;
    h.answer(200, submission()).await;
    let got = h
        .client
        .get_submission()
        .product_id(P)
        .submission_id("s-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.are_resources_ready, Some(true));
    h.sent("GET", &format!("/products/{P}/submissions/s-1"))
        .await;
}

#[tokio::test]
async fn delete_submission() {
    let h = Harness::new().await;
    h.answer(204, Value::Null).await;
    h.client
        .delete_submission()
        .product_id(P)
        .submission_id("s-1")
        .send()
        .await
        .unwrap();
    h.sent("DELETE", &format!("/products/{P}/submissions/s-1"))
        .await;
}

#[tokio::test]
async fn promote_submission() {
    let h = Harness::new().await;
    h.answer(200, workflow()).await;
    let got = h
        .client
        .promote_submission()
        .product_id(P)
        .submission_id("s-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.workflow_steps[0].name.as_deref(), Some("Certification"));
    h.sent("POST", &format!("/products/{P}/submissions/s-1/promote"))
        .await
        .no_body();
}

#[tokio::test]
async fn list_submission_reports() {
    let h = Harness::new().await;
    h.answer(200, page(vec![json!({ "reportTimeInUtc": "2026-11-01T10:00:00", "status": "PassedWithNotes", "fileUri": "https://x/report.pdf" })])).await;
    let got = h
        .client
        .list_submission_reports()
        .product_id(P)
        .submission_id("s-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.value[0].status.as_ref().map(|s| s.as_str()),
        Some("PassedWithNotes")
    );
    assert_eq!(
        got.value[0].report_time_in_utc.as_deref(),
        Some("2026-11-01T10:00:00")
    );
    h.sent("GET", &format!("/products/{P}/submissions/s-1/reports"))
        .await;
}

#[tokio::test]
async fn list_submission_validations() {
    let h = Harness::new().await;
    h.answer(200, page(vec![json!({ "errorCode": "Resell-20007", "severity": "Error", "message": "ResellerConfiguration is missing.", "resource": "ResellerConfiguration" })])).await;
    let got = h
        .client
        .list_submission_validations()
        .product_id(P)
        .submission_id("s-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].error_code.as_deref(), Some("Resell-20007"));
    h.sent("GET", &format!("/products/{P}/submissions/s-1/validations"))
        .await;
}

#[tokio::test]
async fn list_submission_workflow_details() {
    let h = Harness::new().await;
    h.answer(200, page(vec![workflow()])).await;
    let got = h
        .client
        .list_submission_workflow_details()
        .product_id(P)
        .submission_id("s-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].target_environment.as_deref(), Some("preview"));
    h.sent(
        "GET",
        &format!("/products/{P}/submissions/s-1/workflowdetails"),
    )
    .await;
}

// -------------------------------------------------------- lead configuration

#[tokio::test]
async fn get_lead_configuration() {
    let h = Harness::new().await;
    h.answer(200, lead_configuration()).await;
    let got = h
        .client
        .get_lead_configuration()
        .product_id(P)
        .send()
        .await
        .unwrap()
        .into_inner();
    match got {
        types::LeadConfiguration::AzureTableLeadConfiguration(c) => {
            assert_eq!(c.contact_email.as_deref(), Some("leads@contoso.example"))
        }
        other => panic!("decoded as the wrong kind: {other:?}"),
    }
    h.sent("GET", &format!("/products/{P}/leadconfiguration"))
        .await;
}

#[tokio::test]
async fn set_lead_configuration() {
    let h = Harness::new().await;
    h.answer(200, lead_configuration()).await;
    let got = h
        .client
        .set_lead_configuration()
        .product_id(P)
        .body(typed::<types::LeadConfiguration>(&lead_configuration()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.kind(), Some("AzureTableLeadConfiguration"));
    h.sent("POST", &format!("/products/{P}/leadconfiguration"))
        .await
        .body(&lead_configuration());
}

// ------------------------------------------------------ supplemental content

#[tokio::test]
async fn get_supplemental_content_by_instance_id() {
    let h = Harness::new().await;
    h.answer(200, page(vec![supplemental()])).await;
    let got = h
        .client
        .get_supplemental_content_by_instance_id()
        .product_id(P)
        .instance_id("inst-6")
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].assets[0].asset_id.as_deref(), Some("sa-1"));
    h.sent(
        "GET",
        &format!("/products/{P}/supplementalcontents/getByInstanceID(instanceID=inst-6)"),
    )
    .await;
}

#[tokio::test]
async fn get_supplemental_content() {
    let h = Harness::new().await;
    h.answer(200, supplemental()).await;
    let got = h
        .client
        .get_supplemental_content()
        .product_id(P)
        .instance_id("inst-6")
        .send()
        .await
        .unwrap();
    assert_eq!(got.supported_editions, ["Premium"]);
    h.sent("GET", &format!("/products/{P}/supplementalContents/inst-6"))
        .await;
}

#[tokio::test]
async fn update_supplemental_content() {
    let h = Harness::new().await;
    h.answer(200, supplemental()).await;
    let got = h
        .client
        .update_supplemental_content()
        .product_id(P)
        .instance_id("inst-6")
        .if_match(ETAG)
        .body(typed::<types::SupplementalContent>(&supplemental()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.target_release.as_deref(), Some("1.0"));
    h.sent("PUT", &format!("/products/{P}/supplementalContents/inst-6"))
        .await
        .if_match(ETAG)
        .body(&supplemental());
}

#[tokio::test]
async fn commit_supplemental_content() {
    let h = Harness::new().await;
    h.answer(200, supplemental()).await;
    let got = h
        .client
        .commit_supplemental_content()
        .product_id(P)
        .instance_id("inst-6")
        .send()
        .await
        .unwrap();
    assert_eq!(got.id.as_deref(), Some("sc-1"));
    h.sent(
        "POST",
        &format!("/products/{P}/supplementalContents/inst-6/commit"),
    )
    .await
    .no_body();
}

// ------------------------------------------------------------------- co-sell

#[tokio::test]
async fn list_cosell_assets() {
    let h = Harness::new().await;
    h.answer(200, page(vec![cosell_asset()])).await;
    let got = h
        .client
        .list_cosell_assets()
        .product_id(P)
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].type_.as_deref(), Some("PitchDeck"));
    h.sent("GET", &format!("/products/{P}/cosellAssets")).await;
}

#[tokio::test]
async fn create_cosell_asset() {
    let h = Harness::new().await;
    h.answer(200, cosell_asset()).await;
    let body =
        json!({ "resourceType": "CosellAsset", "fileName": "pitch.pptx", "type": "PitchDeck" });
    let got = h
        .client
        .create_cosell_asset()
        .product_id(P)
        .body(typed::<types::CosellAsset>(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(got.state.as_deref(), Some("Uploaded"));
    h.sent("POST", &format!("/products/{P}/cosellAssets"))
        .await
        .body(&body);
}

#[tokio::test]
async fn get_cosell_asset_by_instance_id() {
    let h = Harness::new().await;
    h.answer(200, page(vec![cosell_asset()])).await;
    let got = h
        .client
        .get_cosell_asset_by_instance_id()
        .product_id(P)
        .instance_id("inst-7")
        .send()
        .await
        .unwrap();
    assert_eq!(got.value[0].file_name.as_deref(), Some("pitch.pptx"));
    h.sent(
        "GET",
        &format!("/products/{P}/cosellAssets/getByInstanceID(instanceID=inst-7)"),
    )
    .await;
}

#[tokio::test]
async fn get_cosell_asset() {
    let h = Harness::new().await;
    h.answer(200, cosell_asset()).await;
    let got = h
        .client
        .get_cosell_asset()
        .product_id(P)
        .cosell_asset_id("ca-1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.id.as_deref(), Some("ca-1"));
    h.sent("GET", &format!("/products/{P}/cosellAssets/ca-1"))
        .await;
}

#[tokio::test]
async fn update_cosell_asset() {
    let h = Harness::new().await;
    h.answer(200, cosell_asset()).await;
    let got = h
        .client
        .update_cosell_asset()
        .product_id(P)
        .cosell_asset_id("ca-1")
        .body(typed::<types::CosellAsset>(&cosell_asset()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.odata_etag.as_deref(), Some(ETAG));
    h.sent("PUT", &format!("/products/{P}/cosellAssets/ca-1"))
        .await
        .if_match(ETAG)
        .body(&cosell_asset());
}

#[tokio::test]
async fn delete_cosell_asset() {
    let h = Harness::new().await;
    h.answer(204, Value::Null).await;
    h.client
        .delete_cosell_asset()
        .product_id(P)
        .cosell_asset_id("ca-1")
        .send()
        .await
        .unwrap();
    h.sent("DELETE", &format!("/products/{P}/cosellAssets/ca-1"))
        .await;
}

#[tokio::test]
async fn get_cosell_listing() {
    let h = Harness::new().await;
    h.answer(200, cosell_listing()).await;
    let got = h
        .client
        .get_cosell_listing()
        .product_id(P)
        .instance_id("inst-8")
        .send()
        .await
        .unwrap();
    assert_eq!(got.solution_areas[0].sub_areas, ["Analytics"]);
    h.sent("GET", &format!("/products/{P}/cosellListing/inst-8"))
        .await;
}

#[tokio::test]
async fn update_cosell_listing() {
    let h = Harness::new().await;
    h.answer(200, cosell_listing()).await;
    let got = h
        .client
        .update_cosell_listing()
        .product_id(P)
        .instance_id("inst-8")
        .if_match(ETAG)
        .body(typed::<types::CosellListing>(&cosell_listing()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.offer_type.as_deref(), Some("SaaS"));
    h.sent("PUT", &format!("/products/{P}/cosellListing/inst-8"))
        .await
        .if_match(ETAG)
        .body(&cosell_listing());
}

#[tokio::test]
async fn get_cosell_listing_by_instance_id() {
    let h = Harness::new().await;
    h.answer(200, page(vec![cosell_listing()])).await;
    let got = h
        .client
        .get_cosell_listing_by_instance_id()
        .product_id(P)
        .instance_id("inst-8")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.value[0].contacts[0].email.as_deref(),
        Some("m@contoso.example")
    );
    h.sent(
        "GET",
        &format!("/products/{P}/cosellListing/getByInstanceID(instanceID=inst-8)"),
    )
    .await;
}

// ---------------------------------------------------- reseller configuration

#[tokio::test]
async fn get_reseller_configuration() {
    let h = Harness::new().await;
    h.answer(200, reseller()).await;
    let got = h
        .client
        .get_reseller_configuration()
        .product_id(P)
        .send()
        .await
        .unwrap();
    assert_eq!(got.tenant_ids, ["t-1", "t-2"]);
    h.sent("GET", &format!("/products/{P}/resellerConfiguration"))
        .await;
}

#[tokio::test]
async fn set_reseller_configuration() {
    let h = Harness::new().await;
    h.answer(200, reseller()).await;
    let got = h
        .client
        .set_reseller_configuration()
        .product_id(P)
        .body(typed::<types::ResellerConfiguration>(&reseller()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.reseller_channel_state.as_ref().map(|s| s.as_str()),
        Some("PartialOptIn")
    );
    h.sent("POST", &format!("/products/{P}/resellerConfiguration"))
        .await
        .body(&reseller());
}

/// The tests above cover every operation of the generated client.
#[test]
fn every_operation_is_tested_here() {
    let source = include_str!("operations.rs");
    let table = include_str!(concat!(env!("OUT_DIR"), "/operations.md"));
    let methods: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(methods.len(), 78);
    for method in methods {
        assert!(
            source.contains(&format!(".{method}()")),
            "no test calls {method}"
        );
    }
}
