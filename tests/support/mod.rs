//! Stand-ins for Azure AD and the ingestion API on 127.0.0.1, shared by the
//! integration tests. Nothing here talks to a Microsoft host.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use partner_center_ingestion::auth::StaticTokenCredential;
use partner_center_ingestion::retry::RetryPolicy;
use partner_center_ingestion::Client;

pub const TENANT: &str = "6f3c2a1e-0b7d-4c55-9a8e-2d4f1b3c5e7a";
pub const CLIENT_ID: &str = "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5";
/// A client secret no output may ever contain.
pub const SECRET: &str = "Sx8Q~never-show-this-client-secret-value";
/// An access token no output may ever contain.
pub const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.stand-in-access-token.c2lnbmF0dXJl";
pub const BASE_PATH: &str = "/v1.0/ingestion";

/// The token endpoint path of the AAD v1 flow.
pub fn v1_token_path() -> String {
    format!("/{TENANT}/oauth2/token")
}

/// A v1 token response: durations as JSON strings, as AAD v1 writes them.
pub fn v1_token_body(token: &str, expires_in: u64) -> Value {
    json!({
        "token_type": "Bearer",
        "expires_in": expires_in.to_string(),
        "ext_expires_in": expires_in.to_string(),
        "expires_on": "1999999999",
        "not_before": "1699990000",
        "resource": "https://api.partner.microsoft.com",
        "access_token": token
    })
}

/// Mounts a v1 token endpoint answering `token`.
pub async fn mount_token_endpoint(server: &MockServer, token: &str, expires_in: u64) {
    Mock::given(method("POST"))
        .and(path(v1_token_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(v1_token_body(token, expires_in)))
        .mount(server)
        .await;
}

/// Requests the server received on `path_prefix`.
pub async fn received_on(server: &MockServer, path_prefix: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().starts_with(path_prefix))
        .collect()
}

/// A client with a fixed token and no retries, against `server`.
pub fn client_for(server: &MockServer) -> Client {
    Client::builder(StaticTokenCredential::new(TOKEN))
        .endpoint(format!("{}{BASE_PATH}", server.uri()))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("a valid configuration")
}

/// Fast retries for tests.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_delay: std::time::Duration::from_millis(10),
        max_delay: std::time::Duration::from_millis(50),
        max_retry_after: std::time::Duration::from_secs(2),
        budget: std::time::Duration::from_secs(20),
    }
}

/// A product as the live service writes it.
pub fn product(i: usize) -> Value {
    let resource_type = match i % 4 {
        0 => "AzureApplication",
        1 => "AzureContainer",
        2 => "AzureThirdPartyVirtualMachine",
        // A product type no document lists.
        _ => "SoftwareAsAService",
    };
    json!({
        "resourceType": resource_type,
        "name": format!("Offer {i}"),
        "externalIDs": [{ "type": "AzureOfferId", "value": format!("offer-{i}") }],
        "isModularPublishing": true,
        "id": format!("00000000-0000-0000-0000-{i:012}"),
        "@odata.etag": format!("\"etag-{i}\"")
    })
}

/// Serves `total` products over small uneven pages (1 to 3 items), linked
/// by a `nextLink` relative to the host, as the live service does.
#[derive(Clone)]
pub struct ProductPages {
    pub total: usize,
    pub served: Arc<AtomicUsize>,
}

impl ProductPages {
    pub fn new(total: usize) -> Self {
        ProductPages {
            total,
            served: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn page_size(start: usize) -> usize {
        1 + start % 3
    }
}

impl Respond for ProductPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.served.fetch_add(1, Ordering::SeqCst);
        let start = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "$skipToken")
            .and_then(|(_, v)| {
                v.strip_prefix("eyJza2lwIjo")
                    .and_then(|n| n.trim_end_matches('=').parse::<usize>().ok())
            })
            .unwrap_or(0);
        let end = (start + Self::page_size(start)).min(self.total);
        let value: Vec<Value> = (start..end).map(product).collect();
        let mut body = json!({ "value": value });
        if end < self.total {
            body["nextLink"] = json!(format!(
                "v1.0/ingestion/products?$skipToken=eyJza2lwIjo{end}=="
            ));
        }
        ResponseTemplate::new(200)
            .insert_header("request-id", format!("req-page-{start}"))
            .set_body_json(body)
    }
}

/// Mounts the product list on `server`, answering only requests that carry
/// `token`.
pub async fn mount_products(server: &MockServer, pages: ProductPages, token: &str) {
    Mock::given(method("GET"))
        .and(path(format!("{BASE_PATH}/products")))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(pages)
        .mount(server)
        .await;
}

/// The service's error body: a JSON string wrapping a fault object.
pub fn ich_error(code: &str, message: &str, fault: Value) -> String {
    serde_json::to_string(&format!("{code} - {message} {fault}")).expect("a string")
}

/// Builds the example `name` (once per test binary, whichever test asks
/// first; the others wait) and returns the path of its executable.
pub fn example_binary(name: &str) -> std::path::PathBuf {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static BUILT: Mutex<Option<HashMap<String, std::path::PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    built
        .get_or_insert_with(HashMap::new)
        .entry(name.to_string())
        .or_insert_with(|| build_example(name))
        .clone()
}

fn build_example(name: &str) -> std::path::PathBuf {
    // With the features this test was built with (`cargo test --workspace`
    // turns `pkcs12` on), so the example reads what the test hands it.
    let features: &[&str] = if cfg!(feature = "pkcs12") {
        &["--features", "pkcs12"]
    } else {
        &[]
    };
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--example",
            name,
            "--message-format=json",
        ])
        .args(features)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "building the example {name} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|msg| msg["target"]["name"] == name)
        .find_map(|msg| msg["executable"].as_str().map(std::path::PathBuf::from))
        .expect("cargo reports the example's executable")
}

/// A client of `emulator` that retries quickly: the emulator's
/// `Retry-After: 1` is capped at 20 ms, so throttled tests stay fast.
pub fn emulator_client(emulator: &partner_center_emulator::EmulatorHandle) -> Client {
    use partner_center_ingestion::auth::{ClientSecretCredential, Cloud};
    use std::time::Duration;
    let credential = ClientSecretCredential::builder(
        emulator.tenant_id(),
        emulator.client_id(),
        emulator.client_secret(),
    )
    .cloud(Cloud::from_authority_host(&emulator.authority_host()).expect("loopback authority"))
    .build()
    .expect("credential");
    Client::builder(credential)
        .endpoint(emulator.endpoint())
        .retry_policy(RetryPolicy {
            max_attempts: 10,
            initial_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            // The emulator's throttle windows last about a second: a cap
            // below that would retry inside the window until the tries
            // run out (the throttle pause is capped by it too).
            max_retry_after: Duration::from_secs(2),
            budget: Duration::from_secs(30),
        })
        .build()
        .expect("client")
}

/// Workflows over [`emulator_client`], polling quickly and waiting up to
/// `deadline` for new offers and plans.
pub fn emulator_publisher(
    emulator: &partner_center_emulator::EmulatorHandle,
    deadline: std::time::Duration,
) -> partner_center_ingestion::workflows::Publisher {
    use partner_center_ingestion::workflows::{PollPolicy, Publisher};
    Publisher::new(emulator_client(emulator))
        .poll_policy(PollPolicy::quick())
        .consistency_deadline(deadline)
}

/// A server on 127.0.0.1 that answers every connection with a header
/// holding a control byte, which no HTTP stack accepts; it counts the
/// requests and stops by itself after 50 connections.
pub fn malformed_server() -> (String, Arc<std::sync::Mutex<usize>>) {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(std::sync::Mutex::new(0));
    let counter = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut stream) = stream else { continue };
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(2)))
                .ok();
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            *counter.lock().unwrap() += 1;
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nx-ms-correlation-id: \x01bad\r\ncontent-length: 2\r\n\r\n{}",
            );
        }
    });
    (format!("http://{address}"), seen)
}
