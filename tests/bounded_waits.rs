//! Every wait is bounded, whatever a server answers: hostile `Retry-After`
//! values on `429` and `503` answers to the pipeline, the blob uploader and
//! the token request; one throttled request does not hold the client's
//! others past the cap; answers past the size cap are refused; an answer
//! that breaks HTTP is named as such.
//!
//! The stand-ins run on 127.0.0.1. The clock is the real one (the requests
//! cross real sockets), so the policies are tiny: a budget of 200 ms and a
//! cap of 50 ms, and each call must return well within a second of it.

mod support;

#[path = "support/blob.rs"]
mod blob;

use std::time::{Duration, Instant};

use proptest::prelude::*;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use partner_center_ingestion::auth::{
    ClientSecretCredential, Cloud, StaticTokenCredential, TokenCredential,
};
use partner_center_ingestion::blob::{BlobUploader, UploadErrorKind};
use partner_center_ingestion::retry::{Bound, RetryPolicy};
use partner_center_ingestion::{Client, Error};
use support::{product, v1_token_path, BASE_PATH, CLIENT_ID, SECRET, TENANT, TOKEN};

/// A budget of 200 ms, waits capped at 50 ms.
fn tiny() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 6,
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_millis(50),
        budget: Duration::from_millis(200),
    }
}

/// How long past the budget a call may take: the tries themselves, on a
/// loaded machine.
const SLACK: Duration = Duration::from_millis(1500);

fn client(uri: &str, policy: RetryPolicy) -> Client {
    Client::builder(StaticTokenCredential::new(TOKEN))
        .endpoint(format!("{uri}{BASE_PATH}"))
        .retry_policy(policy)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Values a server or a proxy may put in a wait header.
fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::num::u64::ANY.prop_map(|n| n.to_string()),
        (0u64..100_000).prop_map(|n| n.to_string()),
        "[0-9]{20,40}",
        (0.0f64..1e12).prop_map(|f| format!("{f}")),
        "[0-9]\\.[0-9]{1,3}e[0-9]{1,3}",
        "-[0-9]{1,6}",
        "-[0-9]\\.[0-9]",
        Just(String::new()),
        Just("Thu, 01 Jan 2099 00:00:00 GMT".to_string()),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_string()),
        Just("Mon, 01 Jan 1900 00:00:00 GMT".to_string()),
        "[a-zA-Z ,:]{0,20}",
    ]
}

/// Which header carries it, and how often.
fn wait_headers() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let name = prop_oneof![
        Just("retry-after"),
        Just("retry-after-ms"),
        Just("x-ms-retry-after-ms")
    ];
    proptest::collection::vec((name, hostile_value()), 0..4)
}

fn answer(status: u16, headers: &[(&'static str, String)]) -> ResponseTemplate {
    let mut template = ResponseTemplate::new(status);
    for (name, value) in headers {
        template = template.append_header(*name, value.as_str());
    }
    template
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn the_pipeline_returns_within_its_budget(
        status in prop_oneof![Just(429u16), Just(503u16)],
        headers in wait_headers(),
    ) {
        runtime().block_on(async {
            let server = MockServer::start().await;
            Mock::given(any()).respond_with(answer(status, &headers)).mount(&server).await;
            let client = client(&server.uri(), tiny());
            let started = Instant::now();
            let error = client.get_product().product_id("p").send().await.unwrap_err();
            let took = started.elapsed();
            assert!(took < tiny().budget + SLACK, "{took:?} for {headers:?}");
            let Error::Throttled(throttled) = &error else {
                panic!("not a throttling error: {error}");
            };
            assert_eq!(throttled.status.as_u16(), status);
            assert!(error.to_string().contains(&status.to_string()), "{error}");
        });
    }

    #[test]
    fn the_uploader_returns_within_its_budget(headers in wait_headers()) {
        runtime().block_on(async {
            let server = MockServer::start().await;
            Mock::given(method("PUT")).respond_with(answer(503, &headers)).mount(&server).await;
            let uploader = BlobUploader::new(reqwest::Client::new()).retry_policy(tiny());
            let started = Instant::now();
            let error = uploader
                .upload_reader(&blob::sas_for(&server), &b"logo"[..], Some(4), |_| {})
                .await
                .unwrap_err();
            let took = started.elapsed();
            assert!(took < tiny().budget + SLACK, "{took:?} for {headers:?}");
            assert!(matches!(error.kind(), UploadErrorKind::Storage { .. }), "{error}");
        });
    }

    #[test]
    fn a_token_request_returns_within_its_budget(headers in wait_headers()) {
        runtime().block_on(async {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .and(path(v1_token_path()))
                .respond_with(answer(429, &headers))
                .mount(&server)
                .await;
            let credential = ClientSecretCredential::builder(TENANT, CLIENT_ID, SECRET)
                .cloud(Cloud::from_authority_host(&server.uri()).unwrap())
                .retry_policy(tiny())
                .build()
                .unwrap();
            let started = Instant::now();
            let error = credential.get_token().await.unwrap_err();
            let took = started.elapsed();
            assert!(took < tiny().budget + SLACK, "{took:?} for {headers:?}");
            assert!(!error.to_string().contains(SECRET));
        });
    }
}

#[tokio::test]
async fn the_requests_budget_bounds_its_token_request_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(v1_token_path()))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .mount(&server)
        .await;
    // The credential alone would wait a second between tries, for a minute.
    let credential = ClientSecretCredential::builder(TENANT, CLIENT_ID, SECRET)
        .cloud(Cloud::from_authority_host(&server.uri()).unwrap())
        .build()
        .unwrap();
    let client = Client::builder(credential)
        .endpoint(format!("{}{BASE_PATH}", server.uri()))
        .retry_policy(tiny())
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .get_product()
        .product_id("p")
        .send()
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < tiny().budget + SLACK,
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(error, Error::Auth(_)), "{error}");
}

#[tokio::test]
async fn one_hostile_429_holds_the_clients_other_requests_no_longer_than_the_cap() {
    let server = MockServer::start().await;
    Mock::given(path(format!("{BASE_PATH}/products/slow")))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(product(1)))
        .with_priority(2)
        .mount(&server)
        .await;
    let policy = RetryPolicy {
        max_retry_after: Duration::from_millis(100),
        budget: Duration::from_secs(30),
        ..tiny()
    };
    let client = client(&server.uri(), policy);
    let started = Instant::now();
    // The throttled request is retried after the cap and then succeeds.
    client
        .get_product()
        .product_id("slow")
        .send()
        .await
        .unwrap();
    // Another request of the same client right after it waits at most the
    // rest of the cap, not the hour the service asked for.
    client
        .get_product()
        .product_id("other")
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(100), "{took:?}");
    assert!(took < Duration::from_millis(100) + SLACK, "{took:?}");
}

#[tokio::test]
async fn a_throttle_pause_past_the_budget_fails_at_once_with_the_typed_error() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    // Waits are capped at a second, which the budget of 200 ms cannot hold.
    let policy = RetryPolicy {
        max_retry_after: Duration::from_secs(1),
        ..tiny()
    };
    let client = client(&server.uri(), policy);
    let started = Instant::now();
    let error = client
        .get_product()
        .product_id("p")
        .send()
        .await
        .unwrap_err();
    assert!(started.elapsed() < SLACK, "{:?}", started.elapsed());
    let Error::Throttled(throttled) = &error else {
        panic!("{error}");
    };
    assert_eq!(throttled.asked, Some(Duration::from_secs(3600)));
    assert_eq!(throttled.bound, Bound::Budget(Duration::from_millis(200)));
    assert_eq!(
        throttled.attempts, 1,
        "the capped wait did not fit the budget"
    );
    // The same client's next request is held back by the pause, at once.
    let held = client
        .get_product()
        .product_id("q")
        .send()
        .await
        .unwrap_err();
    assert!(started.elapsed() < SLACK, "{:?}", started.elapsed());
    assert!(
        matches!(&held, Error::Throttled(t) if t.answer.is_none()),
        "{held}"
    );
    assert!(held.to_string().contains("held back"), "{held}");
    let text = error.to_string();
    assert!(text.contains("429") && text.contains("3600 s"), "{text}");
}

#[tokio::test]
async fn an_answer_past_the_size_cap_is_refused() {
    let server = MockServer::start().await;
    let big = format!("{{\"id\":\"{}\"}}", "x".repeat(2 << 20));
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
        .mount(&server)
        .await;
    let client = client_with_cap(&server, 1 << 20);
    let error = client
        .get_product()
        .product_id("p")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::TooLarge { limit, .. } if limit == 1 << 20),
        "{error}"
    );
    assert!(error.to_string().contains("1 MiB"), "{error}");
    // Under the cap, the same answer reads.
    let roomy = client_with_cap(&server, 4 << 20);
    roomy.get_product().product_id("p").send().await.unwrap();
}

fn client_with_cap(server: &MockServer, cap: u64) -> Client {
    Client::builder(StaticTokenCredential::new(TOKEN))
        .endpoint(format!("{}{BASE_PATH}", server.uri()))
        .max_response_size(cap)
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_answer_that_breaks_http_is_named_and_retried_within_the_budget() {
    let (uri, seen) = support::malformed_server();
    let client = client(&uri, tiny());
    let started = Instant::now();
    let error = client
        .get_product()
        .product_id("p")
        .send()
        .await
        .unwrap_err();
    assert!(started.elapsed() < tiny().budget + SLACK);
    let Error::MalformedAnswer { url, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(url.starts_with("GET http://127.0.0.1"), "{url}");
    assert!(
        error.to_string().contains("could not be read as HTTP"),
        "{error}"
    );
    assert!(*seen.lock().unwrap() >= 2, "a GET is retried");
}
