//! Sample bodies of the operation table: realistic answers of the service,
//! one function per resource.

use serde_json::{json, Value};

/// The product id of the samples.
pub const P: &str = "3f2b7c1e-9d4a-4e8b-b6a5-0c1d2e3f4a5b";
/// An OData filter that needs URL encoding.
pub const FILTER: &str =
    "externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq 'contoso offer')";
/// The etag of the samples.
pub const ETAG: &str = "\"0a00c2b7-0000-0800-0000-5f8a3c3e0000\"";

/// `value` with `key` set to `new`.
pub fn with(mut value: Value, key: &str, new: Value) -> Value {
    value[key] = new;
    value
}

pub fn page(items: Vec<Value>) -> Value {
    json!({ "value": items })
}

pub fn typed<T: serde::de::DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone()).expect("the fixture fits the type")
}

pub fn product() -> Value {
    json!({
        "resourceType": "AzureApplication",
        "name": "Contoso Analytics",
        "externalIDs": [{ "type": "AzureOfferId", "value": "contoso-analytics" }],
        "isModularPublishing": true,
        "id": P,
        "@odata.etag": ETAG
    })
}

pub fn setup() -> Value {
    json!({ "resourceType": "AzureProductSetup", "sellingOption": "ListAndSell", "callToAction": "FreeTrial", "enableTestDrive": false, "channelStates": [{ "type": "Reseller", "value": "Disabled" }] })
}

pub fn branch() -> Value {
    json!({ "resourceType": "Branch", "friendlyName": "Main", "type": "Main", "module": "Listing", "currentDraftInstanceID": "d1a2b3c4-0000-4000-8000-000000000001", "id": "b-1" })
}

pub fn availability() -> Value {
    json!({ "resourceType": "ProductAvailability", "visibility": "Public", "enterpriseLicensing": "Online", "hideKeyAudience": "", "id": "pa-1", "@odata.etag": ETAG })
}

pub fn property() -> Value {
    json!({ "resourceType": "AzureProperty", "categories": ["analytics"], "industries": [], "useEnterpriseContract": true, "termsOfUse": "https://contoso.example/terms", "id": "prop-1", "@odata.etag": ETAG })
}

pub fn listing() -> Value {
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

pub fn asset() -> Value {
    json!({ "resourceType": "ListingAsset", "fileName": "guide.pdf", "type": "Document", "state": "PendingUpload", "fileSasUri": "https://x.blob.core.windows.net/c/guide.pdf?sv=2020&sig=abc", "id": "a-1", "@odata.etag": ETAG })
}

pub fn image() -> Value {
    json!({ "resourceType": "ListingImage", "fileName": "logo.png", "type": "AzureLogoLarge", "state": "PendingUpload", "fileSasUri": "https://x.blob.core.windows.net/c/logo.png?sv=2020&sig=abc", "order": 0, "id": "i-1", "@odata.etag": ETAG })
}

pub fn video() -> Value {
    json!({ "resourceType": "ListingVideo", "fileName": "demo.mp4", "streamingUri": "https://www.youtube.com/watch?v=x", "state": "Processed", "thumbnail": { "fileName": "thumb.png", "title": "Demo", "state": "Uploaded" }, "id": "v-1", "@odata.etag": ETAG })
}

pub fn package_configuration() -> Value {
    json!({ "resourceType": "AzureApplicationPackageConfiguration", "azureActiveDirectoryTenantID": "t-1", "azureActiveDirectoryApplicationID": "a-1", "id": "pc-1", "@odata.etag": ETAG })
}

pub fn package() -> Value {
    json!({ "resourceType": "AzureApplicationPackage", "fileName": "app.zip", "state": "Processed", "isEmpty": false, "fileSize": 1048576.0, "id": "pk-1", "@odata.etag": ETAG })
}

pub fn variant() -> Value {
    json!({ "resourceType": "AzureSkuVariant", "friendlyName": "Standard", "state": "Active", "externalID": "standard", "cloudAvailabilities": ["public-azure"], "id": "var-1", "@odata.etag": ETAG })
}

pub fn feature_availability() -> Value {
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

pub fn submission() -> Value {
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

pub fn workflow() -> Value {
    json!({ "type": "Publish", "state": "InProgress", "targetEnvironment": "preview", "workflowSteps": [{ "name": "Certification", "state": "Completed" }] })
}

pub fn lead_configuration() -> Value {
    json!({ "resourceType": "AzureTableLeadConfiguration", "connectionString": "DefaultEndpointsProtocol=https;AccountName=x", "contactEmail": "leads@contoso.example" })
}

pub fn supplemental() -> Value {
    json!({ "resourceType": "SupplementalContent", "targetRelease": "1.0", "supportedEditions": ["Premium"], "assets": [{ "assetID": "sa-1", "fileName": "notes.pdf", "type": "Document" }], "id": "sc-1", "@odata.etag": ETAG })
}

pub fn cosell_asset() -> Value {
    json!({ "resourceType": "CosellAsset", "fileName": "pitch.pptx", "type": "PitchDeck", "state": "Uploaded", "id": "ca-1", "@odata.etag": ETAG })
}

pub fn cosell_listing() -> Value {
    json!({ "resourceType": "CosellListing", "offerType": "SaaS", "offerPlatforms": ["Azure"], "solutionAreas": [{ "area": "Data", "subAreas": ["Analytics"] }], "contacts": [{ "type": "Marketing", "email": "m@contoso.example" }], "id": "cl-1", "@odata.etag": ETAG })
}

pub fn reseller() -> Value {
    json!({ "resourceType": "ResellerConfiguration", "resellerChannelState": "PartialOptIn", "tenantIds": ["t-1", "t-2"] })
}
