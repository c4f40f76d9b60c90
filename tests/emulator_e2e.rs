//! The client against the local emulator (`partner-center-emulator`): real
//! tokens, paging, etags, uploads through `fileSasUri`, submissions.

mod support;

use std::time::Duration;

use futures::TryStreamExt;
use partner_center_emulator::{Emulator, EmulatorHandle};
use partner_center_ingestion::auth::{AuthError, ClientSecretCredential, Cloud};
use partner_center_ingestion::{types, Client, Error};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("the value fits the type")
}

fn js<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("the value serializes")
}

fn client_for(emu: &EmulatorHandle) -> Client {
    support::emulator_client(emu)
}

async fn create_offer(client: &Client, offer: &str) -> String {
    let made = client
        .create_product()
        .body(typed::<types::AzureProduct>(json!({
            "resourceType": "AzureApplication",
            "name": offer,
            "externalIDs": [{ "type": "AzureOfferId", "value": offer }],
        })))
        .send()
        .await
        .unwrap();
    made.id.clone().expect("a created product has an id")
}

/// The current draft instance of a module, waiting out the consistency delay.
async fn draft(client: &Client, product: &str, module: &str, variant: Option<&str>) -> String {
    for _ in 0..100 {
        let page = client
            .list_branches_by_module()
            .product_id(product)
            .module(module)
            .send()
            .await
            .unwrap();
        let page = js(&*page);
        let found = page["value"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|b| b.get("variantID").and_then(Value::as_str) == variant);
        if let Some(b) = found {
            return b["currentDraftInstanceID"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no {module} branch appeared");
}

#[tokio::test]
async fn lists_every_product_over_many_pages() {
    let emu = Emulator::builder().page_size(2).start().await.unwrap();
    let client = client_for(&emu);
    for i in 0..9 {
        create_offer(&client, &format!("offer-{i}")).await;
    }
    let products: Vec<_> = client.list_products().stream().try_collect().await.unwrap();
    assert_eq!(products.len(), 9);
    let stats = emu.stats();
    assert!(
        stats.by_method.get("GET").copied().unwrap_or(0) >= 5,
        "pages were small: {stats:?}"
    );

    let found: Vec<_> = client
        .list_products()
        .filter("externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq 'offer-7')")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name.as_deref(), Some("offer-7"));
}

#[tokio::test]
async fn a_stale_etag_is_an_etag_mismatch() {
    let emu = Emulator::builder().start().await.unwrap();
    let client = client_for(&emu);
    let p = create_offer(&client, "etags").await;
    let inst = draft(&client, &p, "Listing", None).await;
    let page = client
        .get_listing_by_instance_id()
        .product_id(&p)
        .instance_id(&inst)
        .send()
        .await
        .unwrap();
    let listing = js(&*page)["value"][0].clone();
    let id = listing["id"].as_str().unwrap().to_string();
    let stale = listing["@odata.etag"].as_str().unwrap().to_string();
    let mut changed = listing.clone();
    changed["title"] = json!("First");
    client
        .update_listing()
        .product_id(&p)
        .listing_id(&id)
        .if_match(&stale)
        .body(typed::<types::AzureListing>(changed.clone()))
        .send()
        .await
        .unwrap();
    changed["title"] = json!("Second");
    let err = client
        .update_listing()
        .product_id(&p)
        .listing_id(&id)
        .if_match(&stale)
        .body(typed::<types::AzureListing>(changed))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::EtagMismatch(_)), "{err}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(412));
    assert!(err.request_id().is_some());
}

#[tokio::test]
async fn upload_submit_and_promote() {
    let emu = Emulator::builder()
        .consistency_delay(Duration::from_millis(50))
        .processing_delay(Duration::from_millis(50))
        .certification_delay(Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    let p = create_offer(&client, "publish-me").await;
    let plan = client
        .create_variant()
        .product_id(&p)
        .body(typed::<types::Variant>(json!({ "resourceType": "AzureSkuVariant", "externalID": "standard", "friendlyName": "Standard", "subType": "managed-application" })))
        .send()
        .await
        .unwrap();
    let v = js(&*plan)["id"].as_str().unwrap().to_string();

    // Listing texts.
    let inst = draft(&client, &p, "Listing", None).await;
    let page = client
        .get_listing_by_instance_id()
        .product_id(&p)
        .instance_id(&inst)
        .send()
        .await
        .unwrap();
    let mut listing = js(&*page)["value"][0].clone();
    listing["title"] = json!("Publish me");
    listing["summary"] = json!("Summary");
    listing["description"] = json!("Description");
    let lid = listing["id"].as_str().unwrap().to_string();
    client
        .update_listing()
        .product_id(&p)
        .listing_id(&lid)
        .if_match("*")
        .body(typed::<types::AzureListing>(listing))
        .send()
        .await
        .unwrap();

    // A package, uploaded through its SAS URL.
    let pkg = client
        .create_package()
        .product_id(&p)
        .body(typed::<types::AzurePackage>(
            json!({ "resourceType": "AzureApplicationPackage", "fileName": "app.zip" }),
        ))
        .send()
        .await
        .unwrap();
    let pkg = js(&*pkg);
    let pkg_id = pkg["id"].as_str().unwrap().to_string();
    let sas = pkg["fileSasUri"].as_str().unwrap().to_string();
    let mut zip = b"PK\x03\x04".to_vec();
    zip.resize(4096, 0);
    let r = reqwest::Client::new()
        .put(&sas)
        .header("x-ms-blob-type", "BlockBlob")
        .header("content-type", "application/octet-stream")
        .body(zip)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut uploaded = pkg.clone();
    uploaded["state"] = json!("Uploaded");
    client
        .update_package()
        .product_id(&p)
        .package_id(&pkg_id)
        .if_match(pkg["@odata.etag"].as_str().unwrap())
        .body(typed::<types::AzurePackage>(uploaded))
        .send()
        .await
        .unwrap();
    for _ in 0..100 {
        let got = client
            .get_package()
            .product_id(&p)
            .package_id(&pkg_id)
            .send()
            .await
            .unwrap();
        if js(&*got)["state"] == "Processed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // The plan's package configuration points at it.
    let pkg_inst = draft(&client, &p, "Package", Some(&v)).await;
    let cfgs = client
        .get_package_configuration_by_instance_id()
        .product_id(&p)
        .instance_id(&pkg_inst)
        .send()
        .await
        .unwrap();
    let mut cfg = js(&*cfgs)["value"][0].clone();
    cfg["packageReferences"] = json!([{ "type": "AzureApplicationPackage", "value": pkg_id }]);
    let cfg_id = cfg["id"].as_str().unwrap().to_string();
    client
        .update_package_configuration()
        .product_id(&p)
        .package_configuration_id(&cfg_id)
        .body(typed::<types::PackageConfiguration>(cfg))
        .send()
        .await
        .unwrap();

    let mut resources = Vec::new();
    for module in [
        "Listing",
        "Property",
        "Availability",
        "ResellerConfiguration",
    ] {
        resources.push(json!({ "type": module, "value": draft(&client, &p, module, None).await }));
    }
    let submission = client
        .create_submission()
        .product_id(&p)
        .body(typed::<types::SubmissionCreationRequest>(json!({
            "resourceType": "SubmissionCreationRequest",
            "targets": [{ "type": "Scope", "value": "preview" }],
            "resources": resources,
            "variantResources": [{ "variantID": v, "resources": [{ "type": "Package", "value": pkg_inst }] }],
        })))
        .send()
        .await
        .unwrap();
    let sid = js(&*submission)["id"].as_str().unwrap().to_string();
    let wait_for = |sub: &'static str| {
        let (client, p, sid) = (&client, &p, &sid);
        async move {
            for _ in 0..200 {
                let s = client
                    .get_submission()
                    .product_id(p)
                    .submission_id(sid)
                    .send()
                    .await
                    .unwrap();
                let s = js(&*s);
                if s["substate"] == sub {
                    return s;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("the submission never reached {sub}");
        }
    };
    wait_for("ReadyToPublish").await;
    client
        .promote_submission()
        .product_id(&p)
        .submission_id(&sid)
        .send()
        .await
        .unwrap();
    let done = wait_for("InStore").await;
    assert_eq!(done["state"], "Published");
    // The next edit goes into a new draft.
    assert_ne!(draft(&client, &p, "Listing", None).await, inst);
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_error_with_its_aadsts_code() {
    let emu = Emulator::builder().start().await.unwrap();
    let credential = ClientSecretCredential::builder(emu.tenant_id(), emu.client_id(), "wrong")
        .cloud(Cloud::from_authority_host(&emu.authority_host()).unwrap())
        .build()
        .unwrap();
    let client = Client::builder(credential)
        .endpoint(emu.endpoint())
        .build()
        .unwrap();
    let err = client.list_products().send().await.unwrap_err();
    match err {
        Error::Auth(AuthError::Rejected(a)) => assert_eq!(a.aadsts_code(), Some(7000215)),
        other => panic!("expected an auth error, got {other}"),
    }
    assert_eq!(emu.stats().total, 0, "no ingestion request without a token");
}
