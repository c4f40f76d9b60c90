//! Measures the client against a minimal HTTP server on 127.0.0.1.
//!
//! `cargo bench` prints three measurements:
//!
//! 1. per-call overhead: the same GET through our client, through raw
//!    reqwest, and through raw reqwest configured as our client configures
//!    it (timeouts, User-Agent), the same body decoded; five rounds, each
//!    with the median and p99 of each and the ratios of the medians; on the
//!    multi-thread runtime, and again at the end on a current-thread
//!    runtime (client and server on one thread, no wake-ups between them);
//! 2. 1,000 concurrent calls with one client-secret credential: how many
//!    token requests were made, and p50/p99 latency of the calls;
//! 3. streaming 10,000 items over 1,000 pages: wall time and peak heap
//!    growth while streaming.
//!
//! Nothing is asserted: the numbers are reported as measured.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::TryStreamExt;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

use partner_center_ingestion::auth::{ClientSecretCredential, Cloud, StaticTokenCredential};
use partner_center_ingestion::retry::RetryPolicy;
use partner_center_ingestion::{types, Client};

// ---------------------------------------------------------- heap accounting

#[path = "support/heap.rs"]
mod heap;

use heap::{Counting, CURRENT, PEAK};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ------------------------------------------------------------------ server

const BASE: &str = "/v1.0/ingestion";

fn product_json(i: usize) -> String {
    format!(
        r#"{{"resourceType":"AzureApplication","name":"Offer {i}","externalIDs":[{{"type":"AzureOfferId","value":"offer-{i}"}}],"isModularPublishing":true,"id":"00000000-0000-0000-0000-{i:012}","@odata.etag":"\"etag-{i}\""}}"#
    )
}

/// Pages of 10 products, 1,000 pages.
fn page_json(page: usize) -> String {
    let items: Vec<String> = (page * 10..page * 10 + 10).map(product_json).collect();
    let next = if page + 1 < 1000 {
        format!(
            r#","nextLink":"v1.0/ingestion/products?$skipToken=page{}""#,
            page + 1
        )
    } else {
        String::new()
    };
    format!(r#"{{"value":[{}]{next}}}"#, items.join(","))
}

struct Server {
    token_requests: AtomicUsize,
}

async fn handle(
    server: Arc<Server>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    let json = |body: String| {
        Response::builder()
            .header("content-type", "application/json")
            .header("request-id", "bench")
            .body(Full::new(Bytes::from(body)))
            .expect("a valid response")
    };
    if path.ends_with("/oauth2/token") {
        server.token_requests.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        return Ok(json(
            r#"{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599","access_token":"bench-token"}"#.into(),
        ));
    }
    if path == format!("{BASE}/products") {
        let page = query
            .strip_prefix("$skipToken=page")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        return Ok(json(page_json(page)));
    }
    Ok(json(product_json(1)))
}

async fn start_server() -> (SocketAddr, Arc<Server>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("an address");
    let state = Arc::new(Server {
        token_requests: AtomicUsize::new(0),
    });
    let shared = Arc::clone(&state);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let state = Arc::clone(&shared);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |r| handle(Arc::clone(&state), r));
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, state)
}

// ------------------------------------------------------------------ helpers

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

// ------------------------------------------------------------- benchmarks

async fn per_call_overhead(addr: SocketAddr, runtime: &str) {
    const ROUNDS: usize = 5;
    const CALLS: usize = 2000;
    let endpoint = format!("http://{addr}{BASE}");
    let ours = Client::builder(StaticTokenCredential::new("bench-token"))
        .endpoint(&endpoint)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("a client");
    let raw = reqwest::Client::new();
    // Raw reqwest with the settings our client gives it (per-request
    // timeout, connect timeout, User-Agent): what the HTTP client costs,
    // apart from our layer.
    let configured = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10))
        .user_agent(partner_center_ingestion::USER_AGENT)
        .build()
        .expect("a client");
    let url = format!("{endpoint}/products/p-1");

    async fn ours_call(client: &Client) -> Duration {
        let started = Instant::now();
        let product = client
            .get_product()
            .product_id("p-1")
            .send()
            .await
            .expect("a product");
        let elapsed = started.elapsed();
        std::hint::black_box(product);
        elapsed
    }
    async fn raw_call(client: &reqwest::Client, url: &str) -> Duration {
        let started = Instant::now();
        let body = client
            .get(url)
            .bearer_auth("bench-token")
            .header("accept", "application/json")
            .send()
            .await
            .expect("sent")
            .bytes()
            .await
            .expect("a body");
        let product: types::AzureProduct = serde_json::from_slice(&body).expect("a product");
        let elapsed = started.elapsed();
        std::hint::black_box(product);
        elapsed
    }

    // Warm up all three, then alternate so all see the same machine state.
    for _ in 0..300 {
        ours_call(&ours).await;
        raw_call(&raw, &url).await;
        raw_call(&configured, &url).await;
    }
    println!(
        "## Per-call overhead, {runtime} ({ROUNDS} rounds of {CALLS} sequential GETs of one product, loopback)"
    );
    println!("| round | ours p50 µs | raw p50 µs | raw configured p50 µs | ours p99 µs | raw p99 µs | p50 ratio ours / raw | p50 ratio ours / configured |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut ratios = Vec::new();
    let mut configured_ratios = Vec::new();
    for round in 1..=ROUNDS {
        let mut ours_times = Vec::with_capacity(CALLS);
        let mut raw_times = Vec::with_capacity(CALLS);
        let mut configured_times = Vec::with_capacity(CALLS);
        for _ in 0..CALLS {
            ours_times.push(ours_call(&ours).await);
            raw_times.push(raw_call(&raw, &url).await);
            configured_times.push(raw_call(&configured, &url).await);
        }
        ours_times.sort();
        raw_times.sort();
        configured_times.sort();
        let (om, op) = (percentile(&ours_times, 0.5), percentile(&ours_times, 0.99));
        let (rm, rp) = (percentile(&raw_times, 0.5), percentile(&raw_times, 0.99));
        let cm = percentile(&configured_times, 0.5);
        let ratio = om.as_secs_f64() / rm.as_secs_f64();
        let configured_ratio = om.as_secs_f64() / cm.as_secs_f64();
        ratios.push(ratio);
        configured_ratios.push(configured_ratio);
        println!(
            "| {round} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {ratio:.3} | {configured_ratio:.3} |",
            micros(om),
            micros(rm),
            micros(cm),
            micros(op),
            micros(rp),
        );
    }
    ratios.sort_by(f64::total_cmp);
    configured_ratios.sort_by(f64::total_cmp);
    println!(
        "\np50 ratio ours / raw: median {:.3}, range {:.3} to {:.3}; ours / raw configured like ours: median {:.3}",
        ratios[ROUNDS / 2],
        ratios[0],
        ratios[ROUNDS - 1],
        configured_ratios[ROUNDS / 2],
    );
    println!();
}

async fn concurrent_calls(addr: SocketAddr, server: Arc<Server>) {
    const CALLS: usize = 1000;
    let credential =
        ClientSecretCredential::builder("contoso.onmicrosoft.com", "bench-client", "bench-secret")
            .cloud(Cloud::Custom(
                format!("http://{addr}").parse().expect("a URL"),
            ))
            .build()
            .expect("a credential");
    let client = Arc::new(
        Client::builder(credential)
            .endpoint(format!("http://{addr}{BASE}"))
            .build()
            .expect("a client"),
    );
    let before = server.token_requests.load(Ordering::SeqCst);
    let started = Instant::now();
    let calls: Vec<_> = (0..CALLS)
        .map(|_| {
            let client = Arc::clone(&client);
            tokio::spawn(async move {
                let started = Instant::now();
                client
                    .get_product()
                    .product_id("p-1")
                    .send()
                    .await
                    .expect("a product");
                started.elapsed()
            })
        })
        .collect();
    let mut times: Vec<Duration> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("the task ran"))
        .collect();
    let wall = started.elapsed();
    times.sort();
    let tokens = server.token_requests.load(Ordering::SeqCst) - before;
    println!("## {CALLS} concurrent calls, one client-secret credential (token endpoint answers in 20 ms)");
    println!("| token requests | p50 ms | p99 ms | wall ms |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| {tokens} | {:.1} | {:.1} | {:.1} |",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(wall)
    );
    println!();
}

async fn streaming(addr: SocketAddr) {
    let client = Client::builder(StaticTokenCredential::new("bench-token"))
        .endpoint(format!("http://{addr}{BASE}"))
        .build()
        .expect("a client");
    // One warm-up pass, so connection setup is not measured.
    let _ = client
        .list_products()
        .stream()
        .try_collect::<Vec<_>>()
        .await;

    let baseline = CURRENT.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);
    let started = Instant::now();
    let mut items = 0usize;
    let mut stream = client.list_products().stream();
    while let Some(product) = stream.try_next().await.expect("a product") {
        std::hint::black_box(&product);
        items += 1;
    }
    let wall = started.elapsed();
    let peak = PEAK.load(Ordering::SeqCst).saturating_sub(baseline);
    println!("## Streaming {items} items over 1,000 pages of 10");
    println!("| wall ms | items/s | peak heap growth KiB |");
    println!("| --- | --- | --- |");
    println!(
        "| {:.1} | {:.0} | {:.1} |",
        ms(wall),
        items as f64 / wall.as_secs_f64(),
        peak as f64 / 1024.0
    );
    println!();
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let (addr, server) = start_server().await;
        println!(
            "partner-center-ingestion {} benchmarks ({} CPUs)\n",
            env!("CARGO_PKG_VERSION"),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        per_call_overhead(addr, "multi-thread runtime").await;
        concurrent_calls(addr, Arc::clone(&server)).await;
        streaming(addr).await;
    });
    drop(runtime);
    // The same comparison with client and server on one thread: no thread
    // wake-ups between them, so what is left is the CPU each client spends.
    let single = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    single.block_on(async {
        let (addr, _) = start_server().await;
        per_call_overhead(addr, "current-thread runtime").await;
    });
}
