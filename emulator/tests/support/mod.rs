//! Shared helpers of the emulator's tests: a started emulator and a small JSON client.
#![allow(dead_code)]

use std::time::Duration;

use partner_center_emulator::{Emulator, EmulatorBuilder, EmulatorHandle};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// An emulator with a token, and a client for it.
pub struct Env {
    pub emu: EmulatorHandle,
    pub http: reqwest::Client,
    pub token: String,
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
    /// The `data` of an ICH error string.
    pub fn ich(&self) -> (String, Value) {
        let text = self
            .json()
            .as_str()
            .expect("an error body is a JSON string")
            .to_string();
        let start = text.find('{').expect("the error has a JSON part");
        (
            text.clone(),
            serde_json::from_str(&text[start..]).expect("the JSON part parses"),
        )
    }
}

pub async fn start(b: EmulatorBuilder) -> Env {
    let emu = b.start().await.expect("the emulator starts");
    let http = reqwest::Client::new();
    let token = token(&http, &emu).await;
    Env { emu, http, token }
}

pub async fn fresh() -> Env {
    start(Emulator::builder()).await
}

pub async fn token(http: &reqwest::Client, emu: &EmulatorHandle) -> String {
    let r = http
        .post(format!(
            "{}/{}/oauth2/token",
            emu.authority_host(),
            emu.tenant_id()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", emu.client_id()),
            ("client_secret", emu.client_secret()),
            ("resource", "https://api.partner.microsoft.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

impl Env {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> Answer {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.emu.endpoint(), path)
        };
        let mut rb = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        if let Some(tag) = if_match {
            rb = rb.header("If-Match", tag);
        }
        let r = rb.send().await.unwrap();
        Answer {
            status: r.status(),
            headers: r.headers().clone(),
            text: r.text().await.unwrap(),
        }
    }
    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body), None).await
    }
    pub async fn put(&self, path: &str, body: Value, if_match: Option<&str>) -> Answer {
        self.call(Method::PUT, path, Some(body), if_match).await
    }

    /// Creates an offer and returns its id.
    pub async fn product(&self, offer: &str) -> String {
        let a = self
            .post("/products", json!({"resourceType": "AzureApplication", "name": offer, "externalIDs": [{"type": "AzureOfferId", "value": offer}]}))
            .await;
        assert_eq!(a.status, 201, "{}", a.text);
        a.json()["id"].as_str().unwrap().to_string()
    }

    /// Creates a plan and returns its id.
    pub async fn variant(&self, product: &str, plan: &str, sub_type: &str) -> String {
        let a = self
            .post(
                &format!("/products/{product}/variants"),
                json!({"resourceType": "AzureSkuVariant", "externalID": plan, "friendlyName": plan, "subType": sub_type}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.text);
        a.json()["id"].as_str().unwrap().to_string()
    }

    /// The branches of a module, waiting out the consistency delay.
    pub async fn branches(&self, product: &str, module: &str) -> Vec<Value> {
        for _ in 0..200 {
            let a = self
                .get(&format!(
                    "/products/{product}/branches/getByModule(module={module})"
                ))
                .await;
            assert_eq!(a.status, 200, "{}", a.text);
            let all = self.collect(a.json()).await;
            if !all.is_empty() {
                return all;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no {module} branches appeared");
    }

    /// The current draft instance of a module of the offer (`variant` none) or a plan.
    pub async fn draft(&self, product: &str, module: &str, variant: Option<&str>) -> String {
        let branches = self.branches(product, module).await;
        let b = branches
            .iter()
            .find(|b| b.get("variantID").and_then(Value::as_str) == variant)
            .unwrap_or_else(|| panic!("no {module} branch for {variant:?}: {branches:?}"));
        b["currentDraftInstanceID"].as_str().unwrap().to_string()
    }

    /// Follows `nextLink`s and returns every item.
    pub async fn collect(&self, mut page: Value) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            out.extend(page["value"].as_array().unwrap().iter().cloned());
            let Some(next) = page.get("nextLink").and_then(Value::as_str) else {
                return out;
            };
            let a = self.get(&format!("{}/{next}", self.emu.api_host())).await;
            assert_eq!(a.status, 200, "{}", a.text);
            page = a.json();
        }
    }

    /// Polls until `pred` holds for the JSON at `path`.
    pub async fn wait_for(&self, path: &str, pred: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..300 {
            let v = self.get(path).await.json();
            if pred(&v) {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "{path} never reached the expected state: {}",
            self.get(path).await.text
        );
    }

    /// Uploads bytes to a SAS URL as one block blob.
    pub async fn put_blob(&self, sas: &str, bytes: Vec<u8>) -> reqwest::Response {
        self.http
            .put(sas)
            .header("x-ms-blob-type", "BlockBlob")
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .unwrap()
    }
}

/// The smallest valid zip file: an archive with no entries, made to start with a local header.
pub fn zip_bytes() -> Vec<u8> {
    let mut v = b"PK\x03\x04".to_vec();
    v.extend_from_slice(&[0u8; 64]);
    v
}
