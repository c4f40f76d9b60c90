//! The work every request shares, as axum middleware, and the small
//! endpoints: request and correlation ids, the blob host, counting, bearer
//! tokens, the fault schedule; the token endpoints and `/_emulator/stats`.
//!
//! Order, outermost first: request ids → blob host → (ingestion only)
//! counting → authorisation → rate limit → faults → latency → the API.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use serde_json::{json, Value};

use crate::aad;
use crate::faults::Fault;
use crate::http::{empty, json, query_get, query_pairs, Resp};
use crate::ids::random_hex;
use crate::shared::{lock, Server};

/// The request id the `request-id` header will carry, for handlers to read.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Gives every request a `request-id` and every answer the `request-id` and
/// `x-azure-ref` headers the service sends.
pub async fn request_ids(mut req: Request, next: Next) -> Resp {
    let id = uuid::Uuid::new_v4().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert("request-id", v);
    }
    let azure_ref = format!("0{}", random_hex(16).to_uppercase());
    if let Ok(v) = HeaderValue::from_str(&azure_ref) {
        h.insert("x-azure-ref", v);
    }
    resp
}

/// `HOST` of a `Host` header or blob host setting, lower-cased, port left off.
pub fn host_name(text: &str) -> String {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix('[') {
        if let Some((h, _)) = rest.split_once(']') {
            return format!("[{}]", h.to_ascii_lowercase());
        }
    }
    match t.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => {
            h.to_ascii_lowercase()
        }
        _ => t.to_ascii_lowercase(),
    }
}

/// Serves every request whose `Host` is the blob host as a blob request.
pub async fn blob_host(State(server): State<Arc<Server>>, req: Request, next: Next) -> Resp {
    let Some(blob) = &server.blob_host else {
        return next.run(req).await;
    };
    let host = req
        .headers()
        .get("host")
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().host())
        .map(host_name);
    if host.as_deref() != Some(blob.as_str()) {
        return next.run(req).await;
    }
    lock(&server.counters).blob_requests += 1;
    let path = req.uri().path().to_string();
    crate::blob::handle(&server.shared.settings, req, &path).await
}

/// Counts an ingestion request (answered with anything, faults included).
pub async fn count_ingestion(State(server): State<Arc<Server>>, req: Request, next: Next) -> Resp {
    lock(&server.counters).ingestion(req.method().as_str());
    next.run(req).await
}

/// The tenant of the request's token, for the rate limit.
#[derive(Clone, Debug)]
pub struct Tenant(pub String);

/// Answers an empty 401 to an ingestion call without a token this emulator
/// issued; the token's tenant goes with the request.
pub async fn authorize(State(server): State<Arc<Server>>, mut req: Request, next: Next) -> Resp {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let Some(tenant) = aad::tenant(&server.shared.settings.key, auth) else {
        return empty(StatusCode::UNAUTHORIZED);
    };
    req.extensions_mut().insert(Tenant(tenant));
    next.run(req).await
}

/// A 429 telling the caller to come back in `left`: `Retry-After` in whole
/// seconds (at least 1) and `retry-after-ms`, both rounded up, so a caller
/// that waits this long is past it. Counted as throttled.
fn throttled(server: &Server, left: std::time::Duration) -> Resp {
    lock(&server.counters).throttled += 1;
    let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    let mut r = json(
        StatusCode::TOO_MANY_REQUESTS,
        &json!({
            "statusCode": 429,
            "message": format!("Rate limit is exceeded. Try again in {} seconds.", seconds.max(1)),
        }),
    );
    let h = r.headers_mut();
    h.insert("retry-after", HeaderValue::from(seconds.max(1)));
    let ms = u64::try_from(left.as_micros().div_ceil(1000)).unwrap_or(u64::MAX);
    h.insert("retry-after-ms", HeaderValue::from(ms));
    r
}

/// The rate limit: a request that finds its tenant's bucket empty is
/// answered 429 with the time until a token is free.
pub async fn rate_limit(State(server): State<Arc<Server>>, req: Request, next: Next) -> Resp {
    if let Some(limit) = &server.shared.rate_limit {
        let tenant = req
            .extensions()
            .get::<Tenant>()
            .map(|t| t.0.as_str())
            .unwrap_or("");
        let taken = lock(limit).take(tenant, tokio::time::Instant::now());
        if let Err(left) = taken {
            return throttled(&server, left);
        }
    }
    next.run(req).await
}

/// The latency: every request that reaches the API waits its drawn delay first.
pub async fn latency(State(server): State<Arc<Server>>, req: Request, next: Next) -> Resp {
    let delay = {
        let mut l = lock(&server.shared.latency);
        if l.is_zero() {
            None
        } else {
            Some(l.next())
        }
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    next.run(req).await
}

/// The fault schedule: 429 and 503 on any call, 404 on a followed `nextLink`.
pub async fn faults(State(server): State<Arc<Server>>, req: Request, next: Next) -> Resp {
    let (fault, left) = server.shared.faults().next_at(std::time::Instant::now());
    match fault {
        Fault::None => {}
        Fault::Throttle => return throttled(&server, left),
        Fault::Fail => {
            let mut r = Resp::new(axum::body::Body::from(
                "<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The service is temporarily unavailable. Please try again later.</p></body></html>",
            ));
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("text/html"));
            return r;
        }
    }
    let query = query_pairs(req.uri().query());
    let followed_link = query_get(&query, "$skipToken").is_some_and(|t| !t.trim().is_empty());
    if followed_link && server.shared.faults().broken_next_link.hit() {
        return empty(StatusCode::NOT_FOUND);
    }
    next.run(req).await
}

/// The ingestion API, under `/v1.0/ingestion`.
pub async fn ingestion(State(server): State<Arc<Server>>, req: Request) -> Resp {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let rest = req.uri().path().to_string();
    crate::api::handle(&server.shared, req, &rest, &request_id).await
}

/// The blob endpoint, under `/devstoreaccount1`.
pub async fn blobs(State(server): State<Arc<Server>>, req: Request) -> Resp {
    lock(&server.counters).blob_requests += 1;
    let rest = req.uri().path().to_string();
    crate::blob::handle(&server.shared.settings, req, &rest).await
}

async fn token(server: &Server, tenant: &str, v2: bool, req: Request) -> Resp {
    if req.method() != Method::POST {
        return empty(StatusCode::NOT_FOUND);
    }
    lock(&server.counters).token_requests += 1;
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
        tenant,
        v2,
        basic.as_deref(),
        &form,
    )
}

/// `POST /{tenant}/oauth2/token` (Azure AD v1).
pub async fn token_v1(
    State(server): State<Arc<Server>>,
    Path(tenant): Path<String>,
    req: Request,
) -> Resp {
    token(&server, &tenant, false, req).await
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub async fn token_v2(
    State(server): State<Arc<Server>>,
    Path(tenant): Path<String>,
    req: Request,
) -> Resp {
    token(&server, &tenant, true, req).await
}

/// `GET /_emulator/stats`.
pub async fn stats(State(server): State<Arc<Server>>, req: Request) -> Resp {
    if req.method() != Method::GET {
        return empty(StatusCode::NOT_FOUND);
    }
    json(
        StatusCode::OK,
        &serde_json::to_value(server.stats()).unwrap_or(Value::Null),
    )
}

/// Everything else.
pub async fn not_found() -> Resp {
    empty(StatusCode::NOT_FOUND)
}
