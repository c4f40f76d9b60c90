//! The running server: startup, and the first look at every request (request
//! ids, counters, which endpoint serves it).
//!
//! Endpoints: the Azure AD token endpoints ([`crate::aad`]), the ingestion
//! API under `/v1.0/ingestion` ([`crate::api`]), and the blob endpoint
//! ([`crate::blob`]) under `/devstoreaccount1` or, with a blob host, at every
//! path of a request whose `Host` is the blob host.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::routing::any;

use crate::aad::Credentials;
use crate::faults::Faults;
use crate::ids::{hex_decode, random_hex};
use crate::layers;
use crate::pace::{Latency, RateLimit};
use crate::routes::Router;
use crate::schema::spec;
use crate::shared::{Server, Settings, Shared};
use crate::stats::Counters;
use crate::store::{Marker, State};
use crate::{Config, EmulatorHandle, Error};

/// `HOST` or `HOST:PORT` of a blob host setting, host lower-cased.
fn split_host(text: &str) -> Result<(String, Option<u16>), Error> {
    let bad = || {
        Error::Config(format!(
            "blob host {text:?} is not HOST or HOST:PORT (a name such as localhost or an address such as 127.0.0.2)"
        ))
    };
    let t = text.trim();
    if t.is_empty() || t.contains('/') || t.contains('@') {
        return Err(bad());
    }
    if let Some(rest) = t.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().map_err(|_| bad())?),
            None if after.is_empty() => None,
            None => return Err(bad()),
        };
        return Ok((format!("[{}]", host.to_ascii_lowercase()), port));
    }
    match t.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => {
            Ok((h.to_ascii_lowercase(), Some(p.parse().map_err(|_| bad())?)))
        }
        _ => Ok((t.to_ascii_lowercase(), None)),
    }
}

/// Binds what the blob host needs beyond the main listener: the addresses
/// it resolves to that the main listener does not cover.
async fn blob_listeners(
    host: &str,
    port: Option<u16>,
    main: SocketAddr,
) -> Result<Vec<tokio::net::TcpListener>, Error> {
    let port = port.unwrap_or(main.port());
    let name = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
        .await
        .map_err(|e| Error::Config(format!("blob host {host} does not resolve: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(Error::Config(format!(
            "blob host {host} resolves to no address"
        )));
    }
    let covers = |a: &SocketAddr| {
        a.port() == main.port()
            && (a.ip() == main.ip()
                || (main.ip().is_unspecified() && a.is_ipv4() == main.is_ipv4()))
    };
    let mut out = Vec::new();
    let mut reachable = addrs.iter().any(covers);
    let mut last_err = None;
    for a in addrs.iter().filter(|a| !covers(a)) {
        match tokio::net::TcpListener::bind(a).await {
            Ok(l) => {
                reachable = true;
                out.push(l);
            }
            Err(e) => last_err = Some((*a, e)),
        }
    }
    match (reachable, last_err) {
        (true, _) => Ok(out),
        (false, Some((addr, source))) => Err(Error::Bind { addr, source }),
        (false, None) => Err(Error::Config(format!("blob host {host} cannot be served"))),
    }
}

/// The endpoints and the layers around them (see [`crate::layers`]).
fn service(server: &Arc<Server>) -> axum::Router {
    let ingestion = axum::Router::new()
        .fallback(layers::ingestion)
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            layers::latency,
        ))
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            layers::faults,
        ))
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            layers::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            layers::authorize,
        ))
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            layers::count_ingestion,
        ));
    axum::Router::new()
        .route("/_emulator/stats", any(layers::stats))
        .route("/{tenant}/oauth2/token", any(layers::token_v1))
        .route("/{tenant}/oauth2/v2.0/token", any(layers::token_v2))
        .nest("/v1.0/ingestion", ingestion)
        .nest(
            &format!("/{}", crate::blob::ACCOUNT),
            axum::Router::new().fallback(layers::blobs),
        )
        .fallback(layers::not_found)
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            layers::blob_host,
        ))
        .layer(axum::middleware::from_fn(layers::request_ids))
        .with_state(server.clone())
}

/// What is opened before any socket: the state, the blob directory, the key
/// and the credentials.
struct Opened {
    state: State,
    blob_dir: std::path::PathBuf,
    temp: bool,
    key: Vec<u8>,
    creds: Credentials,
}

fn open(config: &Config) -> Result<Opened, Error> {
    let fresh = Marker {
        format: String::new(),
        version: 0,
        tenant_id: config
            .tenant_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        client_id: config
            .client_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        client_secret: config
            .client_secret
            .clone()
            .unwrap_or_else(|| format!("emu~{}", random_hex(20))),
        key: random_hex(32),
    };
    let (state, marker, blob_dir, temp) = match &config.data_dir {
        Some(dir) => {
            let (state, marker) = State::open(dir, fresh)?;
            (state, marker, dir.join("blobs"), false)
        }
        None => {
            let dir = std::env::temp_dir().join(format!(
                "partner-center-emulator-{}",
                uuid::Uuid::new_v4().simple()
            ));
            (State::in_memory(), fresh, dir, true)
        }
    };
    std::fs::create_dir_all(&blob_dir).map_err(|source| Error::Io {
        path: blob_dir.clone(),
        source,
    })?;
    let key = hex_decode(&marker.key).ok_or_else(|| Error::DataDir {
        path: config.data_dir.clone().unwrap_or_default(),
        reason: "the signing key in MARKER is not hex".into(),
    })?;
    let creds = Credentials {
        tenant_id: config.tenant_id.clone().unwrap_or(marker.tenant_id),
        client_id: config.client_id.clone().unwrap_or(marker.client_id),
        client_secret: config.client_secret.clone().unwrap_or(marker.client_secret),
    };
    Ok(Opened {
        state,
        blob_dir,
        temp,
        key,
        creds,
    })
}

/// The server's shared parts, from what was opened and where blobs are issued.
fn assemble(
    config: Config,
    opened: Opened,
    blob_host: Option<String>,
    blob_base: String,
) -> Arc<Server> {
    let faults = Faults::new(config.throttle_rate, config.fail_rate, config.seed)
        .with_404s(config.transient_404_rate, config.broken_next_link_rate)
        .with_throttle_window(config.throttle_window);
    let clock = config.clock.clone();
    // A stream of its own, so a latency does not move the faults.
    let latency = Latency::new(
        config.latency.0,
        config.latency.1,
        crate::faults::mix(config.seed ^ 0x1a7e),
    );
    let rate_limit = config.rate_limit.map(|r| Mutex::new(RateLimit::new(r)));
    Arc::new(Server {
        shared: Shared {
            settings: Settings {
                config,
                clock,
                key: opened.key,
                blob_dir: opened.blob_dir,
                blob_base,
            },
            state: Mutex::new(opened.state),
            router: Router::from_spec(spec()),
            faults: Mutex::new(faults),
            latency: Mutex::new(latency),
            rate_limit,
        },
        creds: opened.creds,
        counters: Mutex::new(Counters::default()),
        temp_blob_dir: opened.temp,
        blob_host,
    })
}

/// Opens the state, binds and serves.
pub async fn start(config: Config) -> Result<EmulatorHandle, Error> {
    let opened = open(&config)?;
    let addr = SocketAddr::new(config.bind, config.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
    let host = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    let base = format!("http://{host}:{}", local.port());
    let mut listeners = vec![listener];
    let (blob_host, blob_base) = match &config.blob_host {
        None => (None, format!("{base}/{}", crate::blob::ACCOUNT)),
        Some(text) => {
            let (name, port) = split_host(text)?;
            if name == host {
                return Err(Error::Config(format!(
                    "blob host {name} is the API's own host; name another one (such as localhost or 127.0.0.2)"
                )));
            }
            listeners.extend(blob_listeners(&name, port, local).await?);
            let port = port.unwrap_or(local.port());
            (Some(name.clone()), format!("http://{name}:{port}"))
        }
    };
    let server = assemble(config, opened, blob_host, blob_base);
    let service = service(&server);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut serving = tokio::task::JoinSet::new();
        for l in listeners {
            let mut stop = stop_rx.clone();
            let svc = service.clone();
            serving.spawn(async move {
                let _ = axum::serve(l, svc)
                    .with_graceful_shutdown(async move {
                        let _ = stop.changed().await;
                    })
                    .await;
            });
        }
        let _ = rx.await;
        let _ = stop_tx.send(true);
        while serving.join_next().await.is_some() {}
    });
    Ok(EmulatorHandle {
        addr: local,
        app: server,
        shutdown: Some(tx),
        task: Some(task),
        base,
    })
}

/// The layers' rules, in-process: requests go to the router through
/// `tower::ServiceExt::oneshot`, with no socket (none would add anything).
#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;

    /// A server assembled without a socket; blobs are issued on `blob_host`
    /// (`blob.test`) when asked, else under a loopback base that is never dialled.
    fn in_process(config: Config) -> (Arc<Server>, axum::Router) {
        let opened = open(&config).expect("the state opens");
        let (host, base) = match &config.blob_host {
            Some(h) => (Some(h.clone()), format!("http://{h}")),
            None => (None, format!("http://127.0.0.1:9/{}", crate::blob::ACCOUNT)),
        };
        let server = assemble(config, opened, host, base);
        let router = service(&server);
        (server, router)
    }

    async fn send(
        router: &axum::Router,
        req: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let r = router.clone().oneshot(req).await.expect("infallible");
        let status = r.status();
        let headers = r.headers().clone();
        let body = axum::body::to_bytes(r.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    fn get(uri: &str) -> Request<Body> {
        Request::get(uri).body(Body::empty()).unwrap()
    }

    async fn bearer(server: &Server, router: &axum::Router) -> String {
        let form = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}&resource=https%3A%2F%2Fapi.partner.microsoft.com",
            server.creds.client_id, server.creds.client_secret
        );
        let req = Request::post(format!("/{}/oauth2/token", server.creds.tenant_id))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        let (status, _, body) = send(router, req).await;
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }

    #[tokio::test]
    async fn every_answer_carries_a_request_id_and_an_azure_ref() {
        let (_, router) = in_process(Config::default());
        for uri in ["/nowhere", "/v1.0/ingestion/products", "/_emulator/stats"] {
            let (_, h, _) = send(&router, get(uri)).await;
            assert!(
                h.contains_key("request-id") && h.contains_key("x-azure-ref"),
                "{uri}"
            );
        }
    }

    #[tokio::test]
    async fn ingestion_calls_are_counted_then_authorised_then_faulted() {
        let config = Config {
            fail_rate: 1.0,
            ..Config::default()
        };
        let (server, router) = in_process(config);
        let (status, _, body) = send(&router, get("/v1.0/ingestion/products")).await;
        assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, ""));
        let token = bearer(&server, &router).await;
        let req = Request::get("/v1.0/ingestion/products")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let (status, _, _) = send(&router, req).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let stats = server.stats();
        assert_eq!((stats.total, stats.token_requests), (2, 1));
        // Token requests are never faulted.
        bearer(&server, &router).await;
    }

    #[tokio::test]
    async fn requests_to_the_blob_host_are_blob_requests() {
        let config = Config {
            blob_host: Some("blob.test".into()),
            ..Config::default()
        };
        let (server, router) = in_process(config);
        let req = Request::get("/v1.0/ingestion/products")
            .header("host", "blob.test:8080")
            .body(Body::empty())
            .unwrap();
        let (status, h, body) = send(&router, req).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.contains("<Code>AuthenticationFailed</Code>"), "{body}");
        assert!(h.contains_key("x-ms-request-id"));
        assert_eq!(server.stats().blob_requests, 1);
        assert_eq!(server.stats().total, 0);
    }
}
