//! The running server: startup, and the first look at every request (request
//! ids, counters, which endpoint serves it).
//!
//! Endpoints: the Azure AD token endpoints ([`crate::aad`]), the ingestion
//! API under `/v1.0/ingestion` ([`crate::api`]), and the blob endpoint
//! ([`crate::blob`]) under `/devstoreaccount1` or, with a blob host, at every
//! path of a request whose `Host` is the blob host.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{HeaderValue, Method, Request, StatusCode};
use serde_json::Value;

use crate::aad::{self, Credentials};
use crate::faults::Faults;
use crate::http::{empty, json, Resp};
use crate::ids::{hex_decode, random_hex};
use crate::routes::Router;
use crate::schema::spec;
use crate::shared::{lock, Settings, Shared};
use crate::stats::{Counters, Stats};
use crate::store::{Kind, Marker, State};
use crate::{Config, EmulatorHandle, Error};

/// Everything the handlers share.
pub struct Server {
    /// The ingestion API's parts.
    pub shared: Shared,
    /// The credentials the token endpoint accepts.
    pub creds: Credentials,
    /// Request counters.
    pub counters: Mutex<Counters>,
    /// Removed when the emulator goes away (only when it is a temporary directory).
    pub temp_blob_dir: bool,
    /// The host name (lower-case, no port) the blob host serves under.
    pub blob_host: Option<String>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("blob_base", &self.shared.settings.blob_base)
            .finish_non_exhaustive()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.temp_blob_dir {
            let _ = std::fs::remove_dir_all(&self.shared.settings.blob_dir);
        }
    }
}

impl Server {
    /// The state, locked.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    /// Request and resource counts.
    pub fn stats(&self) -> Stats {
        let c = lock(&self.counters);
        let st = self.state();
        Stats {
            total: c.total,
            writes: c.writes,
            by_method: c.by_method.clone(),
            token_requests: c.token_requests,
            blob_requests: c.blob_requests,
            products: st.count(Kind::Product),
            variants: st.count(Kind::Variant),
            listings: st.count(Kind::Listing),
            images: st.count(Kind::Image) + st.count(Kind::Video) + st.count(Kind::Asset),
            packages: st.count(Kind::Package),
            branches: st.count(Kind::Branch),
            submissions: st.count(Kind::Submission),
            entities: st.entities.len(),
        }
    }
}

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

/// Opens the state, binds and serves.
pub async fn start(config: Config) -> Result<EmulatorHandle, Error> {
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
    let router = Router::from_spec(spec());
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
    let faults = Faults::new(config.throttle_rate, config.fail_rate, config.seed)
        .with_404s(config.transient_404_rate, config.broken_next_link_rate);
    let clock = config.clock.clone();
    let server = Arc::new(Server {
        shared: Shared {
            settings: Settings {
                config,
                clock,
                key,
                blob_dir,
                blob_base,
            },
            state: Mutex::new(state),
            router,
            faults: Mutex::new(faults),
        },
        creds,
        counters: Mutex::new(Counters::default()),
        temp_blob_dir: temp,
        blob_host,
    });
    let service = axum::Router::new()
        .fallback(handle)
        .with_state(server.clone());
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

/// Every request comes here first.
async fn handle(AxState(server): AxState<Arc<Server>>, req: Request<Body>) -> Resp {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut resp = route(&server, req, &request_id).await;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("request-id", v);
    }
    let azure_ref = format!("0{}", random_hex(16).to_uppercase());
    if let Ok(v) = HeaderValue::from_str(&azure_ref) {
        h.insert("x-azure-ref", v);
    }
    resp
}

/// Whether a request names the blob host in its `Host` header.
fn to_blob_host(server: &Server, req: &Request<Body>) -> bool {
    let Some(blob) = &server.blob_host else {
        return false;
    };
    let host = req
        .headers()
        .get("host")
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or("");
    split_host(host).is_ok_and(|(name, _)| name == *blob)
}

async fn route(server: &Arc<Server>, req: Request<Body>, request_id: &str) -> Resp {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    if to_blob_host(server, &req) {
        lock(&server.counters).blob_requests += 1;
        return crate::blob::handle(&server.shared.settings, req, &path).await;
    }
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["_emulator", "stats"] if method == Method::GET => json(
            StatusCode::OK,
            &serde_json::to_value(server.stats()).unwrap_or(Value::Null),
        ),
        [tenant, "oauth2", "token"] | [tenant, "oauth2", "v2.0", "token"]
            if method == Method::POST =>
        {
            lock(&server.counters).token_requests += 1;
            let v2 = segs.len() == 4;
            let tenant = tenant.to_string();
            let basic = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let form = match axum::body::to_bytes(req.into_body(), 64 * 1024).await {
                Ok(b) => b,
                Err(_) => return empty(StatusCode::PAYLOAD_TOO_LARGE),
            };
            let s = &server.shared.settings;
            aad::token(
                &server.creds,
                &s.key,
                s.config.token_lifetime,
                &tenant,
                v2,
                basic.as_deref(),
                &form,
            )
        }
        [account, ..] if *account == crate::blob::ACCOUNT => {
            lock(&server.counters).blob_requests += 1;
            let rest = path
                .trim_start_matches('/')
                .split_once('/')
                .map(|(_, r)| format!("/{r}"))
                .unwrap_or_default();
            crate::blob::handle(&server.shared.settings, req, &rest).await
        }
        ["v1.0", "ingestion", ..] => {
            let rest = format!("/{}", path.splitn(4, '/').nth(3).unwrap_or(""));
            lock(&server.counters).ingestion(method.as_str());
            let auth = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            if !aad::authorized(&server.shared.settings.key, auth) {
                return empty(StatusCode::UNAUTHORIZED);
            }
            crate::api::handle(&server.shared, req, &rest, request_id).await
        }
        _ => empty(StatusCode::NOT_FOUND),
    }
}
