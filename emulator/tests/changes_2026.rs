//! The changes the live service made under its users (SERVICE-FACTS,
//! "Changes seen on the live service"), each behind its own setting.

mod support;

use partner_center_emulator::Emulator;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{start, Env};

const PUBLISHER: u64 = 12345678;

async fn get_with(env: &Env, path: &str, publisher: Option<&str>) -> (StatusCode, String, Value) {
    let mut rb = env
        .http
        .get(format!("{}{path}", env.emu.endpoint()))
        .bearer_auth(&env.token);
    if let Some(p) = publisher {
        rb = rb.header("x-ms-publisherId", p);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    let ctype = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = r.text().await.unwrap();
    (
        status,
        ctype,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn check_problem(body: &Value) {
    assert_eq!(
        body["errors"]["x-ms-publisherId"],
        json!(["PublisherId is a required header, and must be a positive number."]),
        "{body}"
    );
    assert_eq!(body["title"], "One or more validation errors occurred.");
    assert_eq!(body["status"], 400);
    assert_eq!(
        body["type"],
        "https://tools.ietf.org/html/rfc9110#section-15.5.1"
    );
    assert!(body["traceId"].as_str().unwrap().starts_with("00-"));
}

#[tokio::test]
async fn require_publisher_id_refuses_calls_without_the_header() {
    let env = start(Emulator::builder().require_publisher_id(PUBLISHER)).await;
    for sent in [None, Some("0"), Some("abc"), Some("87654321")] {
        let (status, ctype, body) = get_with(&env, "/products", sent).await;
        assert_eq!(status, 400, "{sent:?}");
        assert!(ctype.starts_with("application/problem+json"), "{ctype}");
        check_problem(&body);
    }
    let (status, _, body) = get_with(&env, "/products", Some("12345678")).await;
    assert_eq!(status, 200, "{body}");
    // Writes are refused the same way.
    let a = env
        .post(
            "/products",
            json!({"resourceType": "AzureApplication", "name": "n"}),
        )
        .await;
    assert_eq!(a.status, 400);
    check_problem(&a.json());
    assert_eq!(env.emu.stats().products, 0);
    assert!(Emulator::builder()
        .require_publisher_id(0)
        .start()
        .await
        .is_err());
}

#[tokio::test]
async fn require_publisher_id_wraps_the_body_on_get_product() {
    let env = start(Emulator::builder().require_publisher_id(PUBLISHER)).await;
    let (status, _, body) =
        get_with(&env, "/products/00000000-0000-0000-0000-000000000000", None).await;
    assert_eq!(status, 400);
    let text = body.as_str().expect("a JSON string");
    assert!(
        text.contains("API=GetProduct, HttpStatusCode=BadRequest, ResponseContent={"),
        "{text}"
    );
    let inner: Value =
        serde_json::from_str(&text[text.find("ResponseContent=").unwrap() + 16..]).unwrap();
    check_problem(&inner);
}

async fn product_of(env: &Env, kind: &str, offer: &str) {
    let a = env
        .call(
            reqwest::Method::POST,
            "/products",
            Some(json!({"resourceType": kind, "name": offer, "externalIDs": [{"type": "AzureOfferId", "value": offer}]})),
            None,
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
}

#[tokio::test]
async fn strict_product_filter_refuses_an_unfiltered_product_list() {
    let env = start(Emulator::builder().strict_product_filter(true)).await;
    product_of(&env, "AzureApplication", "app-1").await;
    product_of(&env, "AzureContainer", "box-1").await;
    for path in [
        "/products".to_string(),
        "/products?$skipToken=".to_string(),
        format!(
            "/products?$filter={}",
            urlencode("externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq 'app-1')")
        ),
    ] {
        let a = env.get(&path).await;
        assert_eq!(a.status, 400, "{path}");
        let (text, detail) = a.ich();
        assert!(text.starts_with("ICH50400 - "), "{text}");
        assert_eq!(
            detail["data"]["ProductTypeFilter[0]"],
            json!(["The field is invalid (value 'Application')"])
        );
    }
    let a = env
        .get(&format!(
            "/products?$filter={}",
            urlencode("resourceType eq 'AzureApplication'")
        ))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let all = env.collect(a.json()).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["name"], "app-1");
    let both = "resourceType eq 'AzureApplication' and externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq 'app-1')";
    let a = env
        .get(&format!("/products?$filter={}", urlencode(both)))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(env.collect(a.json()).await.len(), 1);
    // Without the setting, the same filters work and no filter is fine too.
    let plain = support::fresh().await;
    product_of(&plain, "AzureApplication", "app-1").await;
    assert_eq!(plain.get("/products").await.status, 200);
    let a = plain
        .get(&format!("/products?$filter={}", urlencode(both)))
        .await;
    assert_eq!(plain.collect(a.json()).await.len(), 1);
}

fn urlencode(s: &str) -> String {
    url_escape(s)
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn broken_next_link_rate_answers_404_for_followed_links() {
    let env = start(Emulator::builder().page_size(1).broken_next_link_rate(1.0)).await;
    for i in 0..3 {
        product_of(&env, "AzureApplication", &format!("o{i}")).await;
    }
    let first = env.get("/products").await;
    assert_eq!(first.status, 200);
    let next = first.json()["nextLink"].as_str().unwrap().to_string();
    let a = env.get(&format!("{}/{next}", env.emu.api_host())).await;
    assert_eq!(a.status, 404);
    // An empty token is the first page, not a followed link.
    assert_eq!(env.get("/products?$skipToken=").await.status, 200);

    // At a rate below one, retrying a link gets through.
    let env = start(
        Emulator::builder()
            .page_size(1)
            .broken_next_link_rate(0.5)
            .seed(3),
    )
    .await;
    for i in 0..3 {
        product_of(&env, "AzureApplication", &format!("o{i}")).await;
    }
    let mut page = env.get("/products").await.json();
    let mut seen = page["value"].as_array().unwrap().len();
    let mut broken = 0;
    while let Some(next) = page
        .get("nextLink")
        .and_then(Value::as_str)
        .map(str::to_string)
    {
        let url = format!("{}/{next}", env.emu.api_host());
        let mut tries = 0;
        let a = loop {
            let a = env.get(&url).await;
            if a.status == 200 || tries == 50 {
                break a;
            }
            assert_eq!(a.status, 404);
            broken += 1;
            tries += 1;
        };
        page = a.json();
        seen += page["value"].as_array().unwrap().len();
    }
    assert_eq!(seen, 3);
    assert!(broken > 0, "some links broke");
    assert!(Emulator::builder()
        .broken_next_link_rate(-0.1)
        .start()
        .await
        .is_err());
}

#[tokio::test]
async fn blob_host_issues_sas_urls_that_work_as_issued() {
    let env = start(Emulator::builder().blob_host("localhost")).await;
    let port = env.emu.local_addr().port();
    assert_eq!(env.emu.blob_endpoint(), format!("http://localhost:{port}"));
    let p = env.product("afd").await;
    let a = env
        .post(
            &format!("/products/{p}/packages"),
            json!({"resourceType": "AzureApplicationPackage", "fileName": "app.zip"}),
        )
        .await;
    let sas = a.json()["fileSasUri"].as_str().unwrap().to_string();
    assert!(
        sas.starts_with(&format!("http://localhost:{port}/ingestion/")),
        "{sas}"
    );
    assert!(!sas.contains("devstoreaccount1"), "{sas}");
    let r = env.put_blob(&sas, support::zip_bytes()).await;
    assert_eq!(r.status(), 201);
    let r = env.http.get(&sas).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        support::zip_bytes().as_slice()
    );
    // The API still answers on its own host.
    assert_eq!(env.get(&format!("/products/{p}")).await.status, 200);
    // The API's own host cannot be the blob host.
    assert!(Emulator::builder()
        .blob_host("127.0.0.1")
        .start()
        .await
        .is_err());
    assert!(Emulator::builder()
        .blob_host("http://x/")
        .start()
        .await
        .is_err());
}
