//! Resources as the service returns them: every field it always sends, with
//! its empty value when nothing was set (SERVICE-FACTS, "Resources as the
//! service returns them"). Creates and updates both store the whole shape,
//! so every answer, and every write's answer, is the whole resource.

use serde_json::{json, Map, Value};

use crate::store::Kind;

/// The map of a JSON object (empty for anything else).
pub fn obj_of(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The fields a resource of this kind always carries, with their empty values.
/// `resource_type` is the stored `resourceType`, which picks a shape within a kind.
fn empty_fields(kind: Kind, resource_type: &str) -> Map<String, Value> {
    obj_of(match kind {
        Kind::Product => json!({ "name": "", "externalIDs": [] }),
        Kind::Setup => json!({
            "resourceType": "AzureProductSetup", "enableTestDrive": false, "trialUri": "",
            "sellingOption": "ListAndSell", "callToAction": null, "channelStates": [],
        }),
        Kind::Listing => json!({
            "resourceType": "AzureListing", "languageCode": "en-us", "title": "", "summary": "",
            "description": "", "shortDescription": "", "publisherName": "", "keywords": [],
            "listingUris": [], "listingContacts": [], "gettingStartedInstructions": "",
        }),
        Kind::Variant if resource_type.eq_ignore_ascii_case("AzureSkuVariant") => json!({
            "friendlyName": "", "externalID": "", "state": "Active", "conversionPaths": "*",
            "cloudAvailabilities": ["public-azure"], "certificationsAzureGovernment": [],
            "extendedProperties": [],
        }),
        Kind::Property => json!({
            "resourceType": "AzureProperty", "industries": [], "categories": [], "leveledCategories": {},
            "marketCodes": [], "appVersion": "", "termsOfUse": "", "useEnterpriseContract": false,
        }),
        Kind::ProductAvailability => json!({
            "resourceType": "ProductAvailability", "visibility": "Public", "enterpriseLicensing": "Online",
            "audiences": [],
        }),
        Kind::FeatureAvailability => json!({
            "resourceType": "FeatureAvailability", "visibility": "Public", "marketStates": [],
            "priceSchedules": [], "customMeters": [], "isHidden": false,
        }),
        Kind::PackageConfiguration => json!({ "version": "", "packageReferences": [] }),
        Kind::ResellerConfiguration => json!({
            "resourceType": "ResellerConfiguration", "resellerChannelState": "Disabled", "tenantIds": [],
        }),
        _ => json!({}),
    })
}

/// Adds the fields a resource lacks, with their empty values; what it has stays.
pub fn complete(kind: Kind, body: &mut Map<String, Value>) {
    let t = body
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    for (k, v) in empty_fields(kind, &t) {
        if !body.keys().any(|have| have.eq_ignore_ascii_case(&k)) {
            body.insert(k, v);
        }
    }
}

/// A new resource of this kind with nothing set.
pub fn empty(kind: Kind) -> Map<String, Value> {
    let mut m = Map::new();
    complete(kind, &mut m);
    m
}

/// Offer types that have a test drive; enabling one on any other type is
/// refused (`400 ICH50400`, `FeatureName`).
pub const TEST_DRIVE_TYPES: [&str; 5] = [
    "AzureThirdPartyVirtualMachine",
    "AzureDynamics365ForCustomerEngagement",
    "AzureDynamics365ForOperations",
    "AzureDynamics365BusinessCentral",
    "AzureSoftwareAsAService",
];

/// Whether an offer of this `resourceType` may enable a test drive.
pub fn has_test_drive(product_type: &str) -> bool {
    TEST_DRIVE_TYPES
        .iter()
        .any(|t| t.eq_ignore_ascii_case(product_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_fill_what_is_missing_and_keep_what_is_set() {
        let mut v = obj_of(
            json!({"resourceType": "AzureSkuVariant", "externalid": "p", "subType": "solution-template"}),
        );
        complete(Kind::Variant, &mut v);
        assert_eq!(v["externalid"], "p");
        assert!(!v.contains_key("externalID"));
        assert_eq!(v["conversionPaths"], "*");
        assert_eq!(v["cloudAvailabilities"], json!(["public-azure"]));
        assert_eq!(v["subType"], "solution-template");
        let s = empty(Kind::Setup);
        assert_eq!(s["callToAction"], Value::Null);
        assert_eq!(s["sellingOption"], "ListAndSell");
        assert!(has_test_drive("azurethirdpartyvirtualmachine"));
        assert!(!has_test_drive("AzureApplication"));
    }
}
