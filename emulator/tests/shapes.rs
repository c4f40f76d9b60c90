//! Resources as the service returns them (SERVICE-FACTS, "Resources as the
//! service returns them"): whole, with empty values, also from writes.

mod support;

use serde_json::{json, Value};
use support::{fresh, Env};

async fn listing(env: &Env, p: &str) -> Value {
    let inst = env.draft(p, "Listing", None).await;
    let a = env
        .get(&format!(
            "/products/{p}/listings/getByInstanceID(instanceID={inst})"
        ))
        .await;
    a.json()["value"][0].clone()
}

fn check_listing(l: &Value) {
    assert_eq!(l["languageCode"], "en-us", "{l}");
    assert_eq!(l["gettingStartedInstructions"], "", "{l}");
    for k in ["title", "summary", "description"] {
        assert!(l[k].is_string(), "{k} in {l}");
    }
}

fn check_plan(v: &Value, sub_type: &str) {
    assert_eq!(v["externalID"], "plan", "{v}");
    assert_eq!(v["state"], "Active");
    assert_eq!(v["conversionPaths"], "*");
    assert_eq!(v["cloudAvailabilities"], json!(["public-azure"]));
    assert_eq!(v["certificationsAzureGovernment"], json!([]));
    assert_eq!(v["extendedProperties"], json!([]));
    assert_eq!(v["subType"], sub_type);
}

fn check_setup(s: &Value, selling: &str) {
    assert_eq!(s["enableTestDrive"], false, "{s}");
    assert_eq!(s["trialUri"], "");
    assert_eq!(s["sellingOption"], selling);
    assert!(s.get("callToAction").is_some_and(Value::is_null), "{s}");
    assert!(s["channelStates"].is_array());
}

#[tokio::test]
async fn resources_carry_every_field_the_service_returns() {
    let env = fresh().await;
    let p = env.product("shapes").await;
    check_listing(&listing(&env, &p).await);
    let v = env.variant(&p, "plan", "solution-template").await;
    check_plan(
        &env.get(&format!("/products/{p}/variants/{v}")).await.json(),
        "solution-template",
    );
    let setup = env.get(&format!("/products/{p}/setup")).await.json();
    check_setup(&setup, "ListAndSell");
}

#[tokio::test]
async fn every_write_answers_with_the_whole_stored_resource() {
    let env = fresh().await;
    let p = env.product("writes").await;
    let l = listing(&env, &p).await;
    let path = format!("/products/{p}/listings/{}", l["id"].as_str().unwrap());
    let a = env
        .put(
            &path,
            json!({"resourceType": "AzureListing", "title": "Only the title"}),
            None,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let written = a.json();
    check_listing(&written);
    assert_eq!(written["title"], "Only the title");
    assert_eq!(written, env.get(&path).await.json());

    let a = env
        .post(
            &format!("/products/{p}/variants"),
            json!({"resourceType": "AzureSkuVariant", "externalID": "plan", "subType": "managed-application"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    check_plan(&a.json(), "managed-application");
    let vpath = format!(
        "/products/{p}/variants/{}",
        a.json()["id"].as_str().unwrap()
    );
    let mut back = a.json();
    back["friendlyName"] = json!("Renamed");
    let a = env.put(&vpath, back, None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    check_plan(&a.json(), "managed-application");
    assert_eq!(a.json()["friendlyName"], "Renamed");

    let a = env
        .post(
            &format!("/products/{p}/setup"),
            json!({"resourceType": "AzureProductSetup", "sellingOption": "ListingOnly"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    check_setup(&a.json(), "ListingOnly");
}

#[tokio::test]
async fn an_empty_skip_token_is_the_first_page() {
    let env = fresh().await;
    for i in 0..5 {
        env.product(&format!("page-{i}")).await;
    }
    let plain = env.get("/products").await;
    let empty = env.get("/products?$skipToken=").await;
    assert_eq!(empty.status, 200, "{}", empty.text);
    assert_eq!(empty.json(), plain.json());
    assert_eq!(env.collect(empty.json()).await.len(), 5);
}

/// Posts a setup enabling a test drive on `p` and checks the refusal: `400
/// ICH50400` naming `FeatureName`, with the stored setup left as it was.
async fn check_test_drive_refused(env: &Env, p: &str, body: Value) {
    let a = env.post(&format!("/products/{p}/setup"), body).await;
    assert_eq!(a.status, 400, "{}", a.text);
    let (text, detail) = a.ich();
    assert!(text.starts_with("ICH50400 - "), "{text}");
    assert_eq!(
        detail["data"],
        json!({"FeatureName": ["The field FeatureName is invalid."]})
    );
    assert_eq!(
        env.get(&format!("/products/{p}/setup")).await.json()["enableTestDrive"],
        false
    );
}

#[tokio::test]
async fn a_test_drive_on_an_offer_type_without_one_is_refused() {
    let env = fresh().await;
    let p = env.product("no-test-drive").await;
    check_test_drive_refused(
        &env,
        &p,
        json!({"resourceType": "AzureProductSetup", "sellingOption": "ListAndSell", "enableTestDrive": true}),
    )
    .await;
}

#[tokio::test]
async fn a_test_drive_on_a_virtual_machine_offer_is_refused_like_on_an_application() {
    let env = fresh().await;
    let a = env
        .post(
            "/products",
            json!({"resourceType": "AzureThirdPartyVirtualMachine", "name": "vm"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let vm = a.json()["id"].as_str().unwrap().to_string();
    check_test_drive_refused(
        &env,
        &vm,
        json!({"resourceType": "AzureProductSetup", "enableTestDrive": true, "testDriveType": "AzureResourceManager"}),
    )
    .await;
    // A setup without a test drive is still accepted on the same offer.
    let a = env
        .post(
            &format!("/products/{vm}/setup"),
            json!({"resourceType": "AzureProductSetup", "enableTestDrive": false}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
}

#[tokio::test]
async fn a_plan_created_without_sub_type_is_a_solution_template() {
    let env = fresh().await;
    let p = env.product("no-sub-type").await;
    let a = env
        .post(
            &format!("/products/{p}/variants"),
            json!({"resourceType": "AzureSkuVariant", "externalID": "plan", "friendlyName": "Plan"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    check_plan(&a.json(), "solution-template");
    let v = a.json()["id"].as_str().unwrap().to_string();
    check_plan(
        &env.get(&format!("/products/{p}/variants/{v}")).await.json(),
        "solution-template",
    );
    let listed = env
        .collect(env.get(&format!("/products/{p}/variants")).await.json())
        .await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    check_plan(&listed[0], "solution-template");
    // The plan's drafts follow its sub-type.
    let inst = env.draft(&p, "Package", Some(&v)).await;
    let a = env
        .get(&format!(
            "/products/{p}/packageConfigurations/getByInstanceID(instanceID={inst})"
        ))
        .await;
    assert_eq!(
        a.json()["value"][0]["resourceType"],
        "AzureSolutionTemplatePackageConfiguration"
    );
    // A plan that names its sub-type keeps it.
    let named = env.product("named-sub-type").await;
    let m = env.variant(&named, "plan", "managed-application").await;
    check_plan(
        &env.get(&format!("/products/{named}/variants/{m}"))
            .await
            .json(),
        "managed-application",
    );
}
