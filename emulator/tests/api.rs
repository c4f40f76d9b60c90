//! The ingestion API's general rules: errors, etags, paging, filters, input names.

mod support;

use partner_center_emulator::Emulator;
use reqwest::Method;
use serde_json::{json, Value};
use support::{fresh, start};

#[tokio::test]
async fn unknown_paths_get_an_empty_404_with_the_headers() {
    let env = fresh().await;
    for path in ["/nothing", "/products/x/y/z", "/products/abc/listings"] {
        let a = env.get(path).await;
        assert_eq!(a.status, 404, "{path}");
        assert_eq!(a.text, "");
        assert!(a.header("request-id").is_some() && a.header("x-azure-ref").is_some());
    }
    let r = env
        .http
        .get(format!("{}/elsewhere", env.emu.authority_host()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn bodies_are_checked_against_the_document() {
    let env = fresh().await;
    let r = env
        .http
        .post(format!("{}/products", env.emu.endpoint()))
        .bearer_auth(&env.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let text: Value = r.json().await.unwrap();
    assert!(text.as_str().unwrap().starts_with("ICH50400 - "), "{text}");

    let cases = [
        (
            json!({"resourceType": "AzureApplication", "name": 7}),
            "name",
        ),
        (
            json!({"resourceType": "ListingImage", "name": "x"}),
            "resourceType",
        ),
        (json!({"resourceType": "AzureApplication"}), "name"),
        (
            json!({"resourceType": "AzureApplication", "name": "x", "externalIDs": "nope"}),
            "externalIDs",
        ),
        (
            json!({"resourceType": "AzureApplication", "name": "x", "externalIDs": [{"type": 1}]}),
            "externalIDs[0].type",
        ),
    ];
    for (body, field) in cases {
        let a = env.post("/products", body.clone()).await;
        assert_eq!(a.status, 400, "{body}");
        let (text, detail) = a.ich();
        assert!(text.starts_with("ICH50400 - "));
        assert_eq!(detail["faultCode"], 50400);
        assert!(
            detail["correlationId"].is_string()
                && detail["operationId"].is_string()
                && detail["reasonPhrase"].is_string()
        );
        assert!(detail["data"][field].is_array(), "{field} in {detail}");
    }
}

#[tokio::test]
async fn input_names_are_case_insensitive_and_unknown_values_kept() {
    let env = fresh().await;
    let a = env
        .post("/products", json!({"ResourceType": "AzureFutureOffer", "NAME": "n", "externalIds": [{"Type": "AzureOfferId", "VALUE": "v"}], "novel": {"x": 1}}))
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let p = a.json();
    assert_eq!(p["resourceType"], "AzureFutureOffer");
    assert_eq!(p["name"], "n");
    assert_eq!(
        p["externalIDs"],
        json!([{"type": "AzureOfferId", "value": "v"}])
    );
    assert_eq!(p["novel"], json!({"x": 1}));
    let id = p["id"].as_str().unwrap();
    assert!(uuid_like(id), "{id}");
    assert!(p["@odata.etag"].is_string());
    assert_eq!(a.header("etag").as_deref(), p["@odata.etag"].as_str());
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn if_match_is_honoured() {
    let env = fresh().await;
    let p = env.product("etag-offer").await;
    let v = env.variant(&p, "plan", "managed-application").await;
    let path = format!("/products/{p}/variants/{v}");
    let cur = env.get(&path).await.json();
    let tag = cur["@odata.etag"].as_str().unwrap().to_string();
    let mut body = cur.clone();
    body["friendlyName"] = json!("renamed");
    let a = env.put(&path, body.clone(), Some(&tag)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let new_tag = a.header("etag").unwrap();
    assert_ne!(new_tag, tag);
    let a = env.put(&path, body.clone(), Some(&tag)).await;
    assert_eq!(a.status, 412);
    assert!(a.ich().0.starts_with("ICH50412"));
    assert_eq!(env.put(&path, body.clone(), Some("*")).await.status, 200);
    assert_eq!(env.put(&path, body, None).await.status, 200);
    assert_eq!(env.get(&path).await.json()["friendlyName"], "renamed");
}

#[tokio::test]
async fn pages_are_small_uneven_and_link_relative_to_the_host() {
    let env = start(Emulator::builder().page_size(3)).await;
    for i in 0..14 {
        env.product(&format!("offer-{i}")).await;
    }
    let mut page = env.get("/products").await.json();
    let mut sizes = Vec::new();
    let mut all = Vec::new();
    loop {
        let v = page["value"].as_array().unwrap();
        sizes.push(v.len());
        all.extend(v.iter().cloned());
        let Some(next) = page.get("nextLink").and_then(Value::as_str) else {
            break;
        };
        assert!(next.starts_with("v1.0/ingestion/products?"), "{next}");
        assert!(next.contains("$skipToken="));
        page = env
            .get(&format!("{}/{next}", env.emu.api_host()))
            .await
            .json();
    }
    assert_eq!(all.len(), 14);
    assert!(
        sizes.len() >= 5 && sizes.iter().all(|s| (1..=3).contains(s)),
        "{sizes:?}"
    );
    let a = env.get("/products?$skipToken=garbage").await;
    assert_eq!(a.status, 400);
}

#[tokio::test]
async fn products_are_found_by_offer_id() {
    let env = fresh().await;
    for i in 0..8 {
        env.product(&format!("offer-{i}")).await;
    }
    let filter = "externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq 'offer-5')";
    let r = env
        .http
        .get(format!("{}/products", env.emu.endpoint()))
        .query(&[("$filter", filter)])
        .bearer_auth(&env.token)
        .send()
        .await
        .unwrap();
    let found = env.collect(r.json().await.unwrap()).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["name"], "offer-5");
    let a = env.get("/products?$filter=name%20eq%20'x'").await;
    assert_eq!(a.status, 400);
    let (_, detail) = a.ich();
    assert!(detail["data"]["$filter"].is_array());
}

#[tokio::test]
async fn setup_deletes_and_the_reseller_configuration() {
    let env = fresh().await;
    let p = env.product("misc").await;
    let a = env
        .post(
            &format!("/products/{p}/setup"),
            json!({"resourceType": "AzureProductSetup", "sellingOption": "ListAndSell"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        env.get(&format!("/products/{p}/setup")).await.json()["sellingOption"],
        "ListAndSell"
    );
    let a = env
        .post(
            &format!("/products/{p}/resellerConfiguration"),
            json!({"resourceType": "ResellerConfiguration", "resellerChannelState": "Enabled"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        env.get(&format!("/products/{p}/resellerConfiguration"))
            .await
            .json()["resellerChannelState"],
        "Enabled"
    );
    let v = env.variant(&p, "plan", "managed-application").await;
    let a = env
        .call(
            Method::DELETE,
            &format!("/products/{p}/variants/{v}"),
            None,
            None,
        )
        .await;
    assert_eq!(a.status, 204);
    assert_eq!(a.text, "");
    assert_eq!(
        env.get(&format!("/products/{p}/variants/{v}")).await.status,
        404
    );
    let before = env.emu.stats();
    assert_eq!(
        env.call(Method::DELETE, &format!("/products/{p}"), None, None)
            .await
            .status,
        204
    );
    assert_eq!(env.get(&format!("/products/{p}")).await.status, 404);
    let after = env.emu.stats();
    assert_eq!(after.products, 0);
    assert_eq!(after.branches, 0);
    assert_eq!(after.writes, before.writes + 1);
}

#[tokio::test]
async fn stats_count_requests_and_resources() {
    let env = fresh().await;
    let s0 = env.emu.stats();
    assert_eq!((s0.total, s0.writes), (0, 0));
    env.product("s").await;
    env.get("/products").await;
    let s = env.emu.stats();
    assert_eq!((s.total, s.writes, s.products), (2, 1, 1));
    assert_eq!(s.by_method.get("GET"), Some(&1));
    let r: Value = env
        .http
        .get(format!("{}/_emulator/stats", env.emu.authority_host()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["total"], 2);
    assert_eq!(r["writes"], 1);
    assert_eq!(r["products"], 1);
}

#[tokio::test]
async fn the_78_operations_answer() {
    // One call per kind of route shape; the unit test checks each operation is dispatched.
    let env = fresh().await;
    let p = env.product("ops").await;
    let inst = env.draft(&p, "Listing", None).await;
    for path in [
        format!("/products/{p}/listings/getByInstanceID(instanceID={inst})"),
        format!("/products/{p}/LISTINGS/getbyinstanceid(instanceID={inst})"),
        format!("/products/{p}/productavailabilities"),
        format!("/products/{p}/productAvailabilities"),
        format!("/products/{p}/properties"),
        format!("/products/{p}/packages"),
        format!("/products/{p}/variants"),
        format!("/products/{p}/submissions"),
        format!("/products/{p}/cosellAssets"),
        format!("/products/{p}/branches/getByModule(module=Cosell)"),
        format!("/products/{p}/cosellListing/getByInstanceID(instanceID={inst})"),
        format!("/products/{p}/supplementalcontents/getByInstanceID(instanceID={inst})"),
    ] {
        let a = env.get(&path).await;
        assert_eq!(a.status, 200, "{path}: {}", a.text);
        assert!(a.json()["value"].is_array(), "{path}");
    }
}

#[tokio::test]
async fn listing_children_belong_to_their_listing() {
    let env = fresh().await;
    let p = env.product("children").await;
    let inst = env.draft(&p, "Listing", None).await;
    let listing = env
        .get(&format!(
            "/products/{p}/listings/getByInstanceID(instanceID={inst})"
        ))
        .await
        .json()["value"][0]
        .clone();
    let lid = listing["id"].as_str().unwrap();
    let other = env
        .post(
            &format!("/products/{p}/listings/createWithInstanceID(instanceID={inst})"),
            json!({"resourceType": "AzureListing", "languageCode": "de-de", "title": "Hallo"}),
        )
        .await;
    assert_eq!(other.status, 201, "{}", other.text);
    let other_id = other.json()["id"].as_str().unwrap().to_string();
    let listings = env
        .get(&format!(
            "/products/{p}/listings/getByInstanceID(instanceID={inst})"
        ))
        .await
        .json();
    assert_eq!(listings["value"].as_array().unwrap().len(), 2);
    for (kind, rt) in [
        ("videos", "ListingVideo"),
        ("assets", "ListingAsset"),
        ("images", "ListingImage"),
    ] {
        let a = env
            .post(
                &format!("/products/{p}/listings/{lid}/{kind}"),
                json!({"resourceType": rt, "fileName": "f.bin"}),
            )
            .await;
        assert_eq!(a.status, 201, "{kind}: {}", a.text);
        let made = a.json();
        assert_eq!(made["state"], "PendingUpload");
        assert!(made["fileSasUri"].as_str().unwrap().contains("sig="));
        let id = made["id"].as_str().unwrap();
        assert_eq!(
            env.get(&format!("/products/{p}/listings/{lid}/{kind}/{id}"))
                .await
                .status,
            200
        );
        assert_eq!(
            env.get(&format!("/products/{p}/listings/{other_id}/{kind}/{id}"))
                .await
                .status,
            404
        );
        let list = env
            .collect(
                env.get(&format!("/products/{p}/listings/{lid}/{kind}"))
                    .await
                    .json(),
            )
            .await;
        assert_eq!(list.len(), 1);
        let a = env
            .call(
                Method::DELETE,
                &format!("/products/{p}/listings/{lid}/{kind}/{id}"),
                None,
                None,
            )
            .await;
        assert_eq!(a.status, 204);
    }
    let a = env
        .post(
            &format!("/products/{p}/listings/{lid}/images"),
            json!({"resourceType": "ListingImage"}),
        )
        .await;
    assert_eq!(a.status, 400, "fileName is required");
    let a = env
        .post(
            &format!("/products/{p}/listings/{p}/images"),
            json!({"resourceType": "ListingImage", "fileName": "x.png"}),
        )
        .await;
    assert_eq!(a.status, 404, "the product is not a listing");
}

/// Every operation of the document is routed and answered (never an empty 404, never a 500).
#[tokio::test]
async fn every_operation_of_the_document_is_served() {
    let spec: Value = serde_json::from_str(include_str!("../../spec/ingestion.json")).unwrap();
    let env = fresh().await;
    let p = env.product("all-ops").await;
    let inst = env.draft(&p, "Listing", None).await;
    let mut served = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
                continue;
            };
            if !["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&method.as_str()) {
                continue;
            }
            let url = path
                .replace("{productID}", &p)
                .replace("{instanceID}", &inst)
                .replace("{module}", "Listing");
            let url = regex_free_fill(&url);
            let body = op.get("requestBody").map(|_| json!({}));
            let a = env.call(method.clone(), &url, body, None).await;
            let id = op["operationId"].as_str().unwrap();
            assert_ne!(a.status, 500, "{id}: {}", a.text);
            assert!(
                !(a.status == 404 && a.text.is_empty()),
                "{id} {method} {url} is not routed"
            );
            if a.status.is_client_error() {
                assert!(a.ich().0.starts_with("ICH"), "{id}: {}", a.text);
            }
            served += 1;
        }
    }
    assert_eq!(served, 78);
}

/// Replaces every remaining `{param}` with a GUID no resource has.
fn regex_free_fill(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str("00000000-0000-0000-0000-000000000000");
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}
