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

/// The `subType` a plan of an `AzureApplication` offer gets when it is
/// created without one (recorded: answered and listed as `solution-template`).
pub const DEFAULT_APPLICATION_SUB_TYPE: &str = "solution-template";

/// Gives a new plan of an `AzureApplication` offer the service's `subType`
/// when its body has none (no key, or `null`); a plan that names one keeps it,
/// and plans of other offer types are left as sent.
pub fn default_sub_type(product_type: &str, body: &mut Map<String, Value>) {
    if !product_type.eq_ignore_ascii_case("AzureApplication") {
        return;
    }
    let key = body
        .keys()
        .find(|k| k.eq_ignore_ascii_case("subType"))
        .cloned();
    match key {
        Some(k) if !body[&k].is_null() => {}
        Some(k) => {
            body.insert(k, json!(DEFAULT_APPLICATION_SUB_TYPE));
        }
        None => {
            body.insert("subType".into(), json!(DEFAULT_APPLICATION_SUB_TYPE));
        }
    }
}

/// Offer types that have a test drive through this API; enabling one on any
/// other type is refused (`400 ICH50400`, `FeatureName`). Not
/// `AzureApplication`, and not `AzureThirdPartyVirtualMachine` either: the
/// service refuses both the same way (recorded), as Microsoft's tools publish
/// virtual-machine offers through the newer Product Ingestion API.
pub const TEST_DRIVE_TYPES: [&str; 4] = [
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
        assert!(has_test_drive("azuresoftwareasaservice"));
        assert!(!has_test_drive("AzureThirdPartyVirtualMachine"));
        assert!(!has_test_drive("AzureApplication"));
    }

    #[test]
    fn a_plan_of_an_application_without_sub_type_is_a_solution_template() {
        let mut none = obj_of(json!({"resourceType": "AzureSkuVariant"}));
        default_sub_type("azureapplication", &mut none);
        assert_eq!(none["subType"], "solution-template");
        let mut null = obj_of(json!({"subtype": null}));
        default_sub_type("AzureApplication", &mut null);
        assert_eq!(null["subtype"], "solution-template");
        assert!(!null.contains_key("subType"));
        let mut set = obj_of(json!({"subType": "managed-application"}));
        default_sub_type("AzureApplication", &mut set);
        assert_eq!(set["subType"], "managed-application");
        let mut other = obj_of(json!({}));
        default_sub_type("AzureThirdPartyVirtualMachine", &mut other);
        assert!(!other.contains_key("subType"));
    }
}
