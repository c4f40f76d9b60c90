//! Branches, drafts, uploads and submissions, end to end over HTTP.

mod support;

use std::time::Duration;

use partner_center_emulator::{Clock, Emulator};
use serde_json::{json, Value};
use support::{fresh, start, zip_bytes, Env};

async fn listing_of(env: &Env, p: &str, instance: &str) -> Value {
    let a = env
        .get(&format!(
            "/products/{p}/listings/getByInstanceID(instanceID={instance})"
        ))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.json()["value"][0].clone()
}

#[tokio::test]
async fn product_creation_makes_offer_branches_with_default_drafts() {
    let env = fresh().await;
    let p = env.product("offer-a").await;
    for module in [
        "Listing",
        "Property",
        "Availability",
        "Package",
        "ResellerConfiguration",
    ] {
        let branches = env.branches(&p, module).await;
        assert_eq!(branches.len(), 1, "{module}");
        assert_eq!(branches[0]["module"], module);
        assert!(branches[0].get("variantID").is_none());
    }
    let inst = env.draft(&p, "Listing", None).await;
    let listing = listing_of(&env, &p, &inst).await;
    assert_eq!(listing["resourceType"], "AzureListing");
    assert_eq!(listing["title"], "");
    let inst = env.draft(&p, "Property", None).await;
    let a = env
        .get(&format!(
            "/products/{p}/properties/getByInstanceID(instanceID={inst})"
        ))
        .await;
    assert_eq!(a.json()["value"][0]["resourceType"], "AzureProperty");
    let inst = env.draft(&p, "Availability", None).await;
    let a = env
        .get(&format!(
            "/products/{p}/productAvailabilities/getByInstanceID(instanceID={inst})"
        ))
        .await;
    assert_eq!(a.json()["value"][0]["resourceType"], "ProductAvailability");
    let a = env
        .get(&format!("/products/{p}/resellerConfiguration"))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["resourceType"], "ResellerConfiguration");
}

#[tokio::test]
async fn branches_are_invisible_during_the_consistency_delay() {
    // On a manual clock: the delay is measured on the emulator's time, not
    // on the wall clock, so nothing here sleeps or times itself.
    let clock = Clock::manual();
    let delay = Duration::from_secs(30);
    let env = start(
        Emulator::builder()
            .clock(clock.clone())
            .consistency_delay(delay),
    )
    .await;
    let p = env.product("offer-b").await;
    let path = format!("/products/{p}/branches/getByModule(module=Listing)");
    assert_eq!(env.get(&path).await.json(), json!({"value": []}));
    clock.advance(delay - Duration::from_secs(1));
    assert_eq!(env.get(&path).await.json(), json!({"value": []}));
    clock.advance(Duration::from_secs(1));
    assert_eq!(env.branches(&p, "Listing").await.len(), 1);
}

#[tokio::test]
async fn variants_get_their_own_branches_and_package_configuration() {
    let env = fresh().await;
    let p = env.product("offer-c").await;
    let managed = env.variant(&p, "plan-m", "managed-application").await;
    let template = env.variant(&p, "plan-t", "solution-template").await;
    for (v, kind) in [
        (&managed, "AzureManagedApplicationPackageConfiguration"),
        (&template, "AzureSolutionTemplatePackageConfiguration"),
    ] {
        let inst = env.draft(&p, "Package", Some(v)).await;
        let a = env
            .get(&format!(
                "/products/{p}/packageConfigurations/getByInstanceID(instanceID={inst})"
            ))
            .await;
        assert_eq!(a.json()["value"][0]["resourceType"], kind);
        let inst = env.draft(&p, "Availability", Some(v)).await;
        let a = env
            .get(&format!(
                "/products/{p}/featureAvailabilities/getByInstanceID(instanceID={inst})"
            ))
            .await;
        assert_eq!(a.json()["value"][0]["resourceType"], "FeatureAvailability");
        env.draft(&p, "Listing", Some(v)).await;
    }
    let variants = env
        .collect(env.get(&format!("/products/{p}/variants")).await.json())
        .await;
    assert_eq!(variants.len(), 2);
    assert_eq!(variants[0]["externalID"], "plan-m");
}

/// Creates an image on the offer listing, uploads `bytes`, marks it Uploaded; returns its URL path.
async fn upload_image(env: &Env, p: &str, bytes: Vec<u8>) -> String {
    let inst = env.draft(p, "Listing", None).await;
    let listing = listing_of(env, p, &inst).await;
    let lid = listing["id"].as_str().unwrap();
    let a = env
        .post(
            &format!("/products/{p}/listings/{lid}/images"),
            json!({"resourceType": "ListingImage", "fileName": "logo.png", "type": "AzureLogoLarge", "state": "PendingUpload"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let img = a.json();
    assert_eq!(img["state"], "PendingUpload");
    let sas = img["fileSasUri"].as_str().unwrap();
    if !bytes.is_empty() {
        let r = env.put_blob(sas, bytes).await;
        assert_eq!(r.status(), 201);
    }
    let path = format!(
        "/products/{p}/listings/{lid}/images/{}",
        img["id"].as_str().unwrap()
    );
    let mut update = img.clone();
    update["state"] = json!("Uploaded");
    let a = env.put(&path, update, img["@odata.etag"].as_str()).await;
    assert_eq!(a.status, 200, "{}", a.text);
    path
}

#[tokio::test]
async fn uploads_go_through_processing() {
    let clock = Clock::manual();
    let delay = Duration::from_secs(60);
    let env = start(
        Emulator::builder()
            .clock(clock.clone())
            .processing_delay(delay),
    )
    .await;
    let p = env.product("offer-d").await;
    let path = upload_image(&env, &p, b"\x89PNG....".to_vec()).await;
    assert_eq!(env.get(&path).await.json()["state"], "InProcessing");
    clock.advance(delay);
    env.wait_for(&path, |v| v["state"] == "Processed").await;
    let empty = upload_image(&env, &p, Vec::new()).await;
    assert_eq!(env.get(&empty).await.json()["state"], "InProcessing");
    clock.advance(delay);
    env.wait_for(&empty, |v| v["state"] == "ProcessFailed")
        .await;
}

/// Creates a package, uploads `bytes`, and returns its id once processing ended.
async fn package(env: &Env, p: &str, bytes: Vec<u8>) -> (String, Value) {
    let a = env
        .post(
            &format!("/products/{p}/packages"),
            json!({"resourceType": "AzureApplicationPackage", "fileName": "app.zip"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let pkg = a.json();
    let id = pkg["id"].as_str().unwrap().to_string();
    let r = env
        .put_blob(pkg["fileSasUri"].as_str().unwrap(), bytes)
        .await;
    assert_eq!(r.status(), 201);
    let path = format!("/products/{p}/packages/{id}");
    let a = env.put(&path, json!({"resourceType": "AzureApplicationPackage", "fileName": "app.zip", "state": "Uploaded"}), Some("*")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let done = env
        .wait_for(&path, |v| {
            v["state"] == "Processed" || v["state"] == "ProcessFailed"
        })
        .await;
    (id, done)
}

#[tokio::test]
async fn packages_must_be_zips_and_processed_before_they_are_referenced() {
    let env = fresh().await;
    let p = env.product("offer-e").await;
    let v = env.variant(&p, "plan", "managed-application").await;
    let (bad, state) = package(&env, &p, b"not a zip".to_vec()).await;
    assert_eq!(state["state"], "ProcessFailed");
    let (good, state) = package(&env, &p, zip_bytes()).await;
    assert_eq!(state["state"], "Processed");
    let inst = env.draft(&p, "Package", Some(&v)).await;
    let cfg = env
        .get(&format!(
            "/products/{p}/packageConfigurations/getByInstanceID(instanceID={inst})"
        ))
        .await
        .json()["value"][0]
        .clone();
    let path = format!(
        "/products/{p}/packageconfigurations/{}",
        cfg["id"].as_str().unwrap()
    );
    let mut update = cfg.clone();
    update["packageReferences"] = json!([{"type": "AzureApplicationPackage", "value": bad}]);
    let a = env.put(&path, update.clone(), None).await;
    assert_eq!(a.status, 400, "{}", a.text);
    update["packageReferences"] = json!([{"type": "AzureApplicationPackage", "value": good}]);
    let a = env.put(&path, update, None).await;
    assert_eq!(a.status, 200, "{}", a.text);
}

/// Fills the offer listing's texts.
async fn fill_listing(env: &Env, p: &str, title: &str) {
    let inst = env.draft(p, "Listing", None).await;
    let listing = listing_of(env, p, &inst).await;
    let mut l = listing.clone();
    l["title"] = json!(title);
    l["summary"] = json!("A summary");
    l["description"] = json!("A description");
    let a = env
        .put(
            &format!("/products/{p}/listings/{}", listing["id"].as_str().unwrap()),
            l,
            None,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
}

async fn offer_resources(env: &Env, p: &str, modules: &[&str]) -> Value {
    let mut out = Vec::new();
    for m in modules {
        out.push(json!({"type": m, "value": env.draft(p, m, None).await}));
    }
    Value::Array(out)
}

#[tokio::test]
async fn a_good_submission_reaches_ready_to_publish_and_promotes_to_in_store() {
    let clock = Clock::manual();
    let step = Duration::from_secs(60);
    let env = start(
        Emulator::builder()
            .clock(clock.clone())
            .certification_delay(step),
    )
    .await;
    let p = env.product("offer-f").await;
    let v = env.variant(&p, "plan", "managed-application").await;
    fill_listing(&env, &p, "Title").await;
    let (pkg, _) = package(&env, &p, zip_bytes()).await;
    let inst = env.draft(&p, "Package", Some(&v)).await;
    let cfg = env
        .get(&format!(
            "/products/{p}/packageConfigurations/getByInstanceID(instanceID={inst})"
        ))
        .await
        .json()["value"][0]
        .clone();
    let mut c = cfg.clone();
    c["packageReferences"] = json!([{"type": "AzureApplicationPackage", "value": pkg}]);
    assert_eq!(
        env.put(
            &format!(
                "/products/{p}/packageconfigurations/{}",
                cfg["id"].as_str().unwrap()
            ),
            c,
            None
        )
        .await
        .status,
        200
    );

    let listing_before = env.draft(&p, "Listing", None).await;
    let resources = offer_resources(
        &env,
        &p,
        &[
            "Listing",
            "Property",
            "Availability",
            "ResellerConfiguration",
        ],
    )
    .await;
    let req = json!({
        "resourceType": "SubmissionCreationRequest",
        "targets": [{"type": "Scope", "value": "preview"}],
        "resources": resources,
        "variantResources": [{"variantID": v, "resources": [{"type": "Package", "value": inst}]}],
    });
    let a = env
        .post(&format!("/products/{p}/submissions"), req.clone())
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let s = a.json();
    assert_eq!(s["substate"], "InDraft");
    let sp = format!("/products/{p}/submissions/{}", s["id"].as_str().unwrap());
    clock.advance(step);
    env.wait_for(&sp, |v| v["substate"] == "Submitted").await;
    clock.advance(step);
    // A ready preview reads Published/ReadyToPublish, as the service answers it.
    env.wait_for(&sp, |v| {
        v["substate"] == "ReadyToPublish" && v["state"] == "Published"
    })
    .await;
    let reports = env.get(&format!("{sp}/reports")).await.json();
    assert_eq!(reports["value"][0]["status"], "Passed");

    // The drafts moved on: the same request is now stale.
    assert_ne!(env.draft(&p, "Listing", None).await, listing_before);
    assert_eq!(
        env.post(&format!("/products/{p}/submissions"), req)
            .await
            .status,
        400
    );

    let a = env.post(&format!("{sp}/promote"), json!({})).await;
    assert_eq!(a.status, 200, "{}", a.text);
    env.wait_for(&sp, |v| v["substate"] == "Publishing").await;
    clock.advance(step * 2);
    let done = env.wait_for(&sp, |v| v["substate"] == "InStore").await;
    assert_eq!(done["state"], "Published");
    let wf = env.get(&format!("{sp}/workflowdetails")).await.json();
    assert!(!wf["value"].as_array().unwrap().is_empty());
    assert_eq!(
        env.call(reqwest::Method::DELETE, &sp, None, None)
            .await
            .status,
        409
    );
}

#[tokio::test]
async fn submissions_fail_validation_without_reseller_configuration_or_listing_texts() {
    let env = fresh().await;
    let p = env.product("offer-g").await;
    let resources = offer_resources(&env, &p, &["Listing", "Property"]).await;
    let req = json!({"resourceType": "SubmissionCreationRequest", "targets": [{"type": "Scope", "value": "preview"}], "resources": resources});
    let a = env.post(&format!("/products/{p}/submissions"), req).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let sp = format!(
        "/products/{p}/submissions/{}",
        a.json()["id"].as_str().unwrap()
    );
    let s = env.wait_for(&sp, |v| v["substate"] == "Failed").await;
    assert_eq!(s["state"], "InProgress");
    let vals = env
        .collect(env.get(&format!("{sp}/validations")).await.json())
        .await;
    let codes: Vec<&str> = vals
        .iter()
        .map(|v| v["errorCode"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"Resell-20007"), "{codes:?}");
    assert!(codes.iter().any(|c| c.starts_with("Listing")), "{codes:?}");
    assert!(vals.iter().all(|v| v["severity"] == "Error"
        && v["message"].is_string()
        && v["resource"].is_string()));
    // An in-progress submission can be deleted.
    assert_eq!(
        env.call(reqwest::Method::DELETE, &sp, None, None)
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn a_marked_listing_fails_certification() {
    let env = fresh().await;
    let p = env.product("offer-h").await;
    fill_listing(&env, &p, "Broken [fail-certification]").await;
    let resources = offer_resources(&env, &p, &["Listing", "ResellerConfiguration"]).await;
    let req = json!({"resourceType": "SubmissionCreationRequest", "targets": [{"type": "Scope", "value": "preview"}], "resources": resources});
    let a = env.post(&format!("/products/{p}/submissions"), req).await;
    let sp = format!(
        "/products/{p}/submissions/{}",
        a.json()["id"].as_str().unwrap()
    );
    env.wait_for(&sp, |v| v["substate"] == "FailedInCertification")
        .await;
    let vals = env.get(&format!("{sp}/validations")).await.json();
    assert_eq!(vals["value"][0]["errorCode"], "Certification-50001");
    assert_eq!(
        env.get(&format!("{sp}/reports")).await.json()["value"][0]["status"],
        "Failed"
    );
    let a = env.post(&format!("{sp}/promote"), json!({})).await;
    assert_eq!(a.status, 409);
}

#[tokio::test]
async fn a_resource_that_is_not_the_current_draft_is_refused() {
    let env = fresh().await;
    let p = env.product("offer-i").await;
    let req = json!({"resourceType": "SubmissionCreationRequest", "targets": [{"type": "Scope", "value": "preview"}],
        "resources": [{"type": "Listing", "value": "00000000-0000-0000-0000-000000000000"}]});
    let a = env.post(&format!("/products/{p}/submissions"), req).await;
    assert_eq!(a.status, 400);
    let (_, detail) = a.ich();
    assert!(detail["data"]["resources[0]"].is_array(), "{detail}");
}

#[tokio::test]
async fn auto_promote_goes_live_without_promote() {
    let clock = Clock::manual();
    let step = Duration::from_secs(60);
    let env = start(
        Emulator::builder()
            .clock(clock.clone())
            .certification_delay(step),
    )
    .await;
    let p = env.product("offer-auto").await;
    fill_listing(&env, &p, "Auto").await;
    let resources = offer_resources(&env, &p, &["Listing", "ResellerConfiguration"]).await;
    let req = json!({"resourceType": "SubmissionCreationRequest", "targets": [{"type": "Scope", "value": "preview"}],
        "resources": resources, "publishOption": {"isAutoPromote": true}});
    let a = env.post(&format!("/products/{p}/submissions"), req).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let sp = format!(
        "/products/{p}/submissions/{}",
        a.json()["id"].as_str().unwrap()
    );
    clock.advance(step * 4);
    let done = env.wait_for(&sp, |v| v["substate"] == "InStore").await;
    assert_eq!(done["state"], "Published");
}
