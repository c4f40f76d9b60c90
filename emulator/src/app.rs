//! The running server: shared state, startup, and the first look at every request.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{HeaderValue, Method, Request, StatusCode};
use serde_json::Value;

use crate::aad::{self, Credentials};
use crate::faults::{Fault, Faults};
use crate::http::{empty, json, Resp};
use crate::routes::Router;
use crate::schema::Schemas;
use crate::stats::{Counters, Stats};
use crate::store::{Kind, Marker, State};
use crate::{Config, EmulatorHandle, Error};

/// The document the routes and schemas come from, embedded at build time.
const SPEC_TEXT: &str = include_str!("../../spec/ingestion.json");

/// The parsed document, shared by every emulator of the process.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::from_str(SPEC_TEXT).unwrap_or(Value::Null))
}

/// The document's schemas, prepared once.
pub fn schemas() -> &'static Schemas<'static> {
    static SCHEMAS: OnceLock<Schemas<'static>> = OnceLock::new();
    SCHEMAS.get_or_init(|| Schemas::new(spec()))
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A UTC time as `2024-01-02T03:04:05.678Z`.
pub fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86400, secs % 86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// Everything the handlers share.
pub struct App {
    pub config: Config,
    pub creds: Credentials,
    pub key: Vec<u8>,
    pub router: Router,
    pub state: Mutex<State>,
    pub faults: Mutex<Faults>,
    pub counters: Mutex<Counters>,
    pub blob_dir: PathBuf,
    /// Removed when the emulator goes away (only when it is a temporary directory).
    pub temp_blob_dir: bool,
    pub base: Mutex<String>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if self.temp_blob_dir {
            let _ = std::fs::remove_dir_all(&self.blob_dir);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn random_hex(bytes: usize) -> String {
    let mut s = String::new();
    while s.len() < bytes * 2 {
        s.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    s.truncate(bytes * 2);
    s
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl App {
    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    pub fn base(&self) -> String {
        lock(&self.base).clone()
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
    let addr = std::net::SocketAddr::new(config.bind, config.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
    let host = match local.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V4(ip) => ip.to_string(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
    };
    let base = format!("http://{host}:{}", local.port());
    let app = Arc::new(App {
        faults: Mutex::new(Faults::new(
            config.throttle_rate,
            config.fail_rate,
            config.seed,
        )),
        config,
        creds,
        key,
        router,
        state: Mutex::new(state),
        counters: Mutex::new(Counters::default()),
        blob_dir,
        temp_blob_dir: temp,
        base: Mutex::new(base.clone()),
    });
    let service = axum::Router::new().fallback(handle).with_state(app.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Ok(EmulatorHandle {
        addr: local,
        app,
        shutdown: Some(tx),
        task: Some(task),
        base,
    })
}

/// Every request comes here first.
async fn handle(AxState(app): AxState<Arc<App>>, req: Request<Body>) -> Resp {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut resp = route(&app, req, &request_id).await;
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

async fn route(app: &Arc<App>, req: Request<Body>, request_id: &str) -> Resp {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["_emulator", "stats"] if method == Method::GET => json(
            StatusCode::OK,
            &serde_json::to_value(app.stats()).unwrap_or(Value::Null),
        ),
        [tenant, "oauth2", "token"] | [tenant, "oauth2", "v2.0", "token"]
            if method == Method::POST =>
        {
            lock(&app.counters).token_requests += 1;
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
            let lifetime = app.config.token_lifetime;
            aad::token(
                &app.creds,
                &app.key,
                lifetime,
                &tenant,
                v2,
                basic.as_deref(),
                &form,
            )
        }
        [account, ..] if *account == crate::blob::ACCOUNT => {
            lock(&app.counters).blob_requests += 1;
            crate::blob::handle(app, req).await
        }
        ["v1.0", "ingestion", ..] => {
            let rest = format!("/{}", path.splitn(4, '/').nth(3).unwrap_or(""));
            lock(&app.counters).ingestion(method.as_str());
            let auth = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            if !aad::authorized(&app.key, auth) {
                return empty(StatusCode::UNAUTHORIZED);
            }
            match lock(&app.faults).next() {
                Fault::None => {}
                Fault::Throttle => {
                    let mut r = json(
                        StatusCode::TOO_MANY_REQUESTS,
                        &serde_json::json!({
                            "statusCode": 429,
                            "message": "Rate limit is exceeded. Try again in 1 seconds.",
                        }),
                    );
                    r.headers_mut()
                        .insert("retry-after", HeaderValue::from_static("1"));
                    return r;
                }
                Fault::Fail => {
                    let mut r = Resp::new(Body::from(
                        "<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The service is temporarily unavailable. Please try again later.</p></body></html>",
                    ));
                    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                    r.headers_mut()
                        .insert("content-type", HeaderValue::from_static("text/html"));
                    return r;
                }
            }
            crate::api::handle(app, req, &rest, request_id).await
        }
        _ => empty(StatusCode::NOT_FOUND),
    }
}
