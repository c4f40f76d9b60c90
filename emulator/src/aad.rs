//! The Azure AD token endpoints (v1 and v2) and the check of bearer tokens.
//! Apps authenticate with their secret or with a client assertion (a
//! certificate's or a federated token), which `assertion.rs` checks.

use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::clock::{rfc3339, system_now_ms};
use crate::http::{json, Resp};
use crate::sign::{sign, verify};

/// The resource (v1) and scope (v2) that name the ingestion API.
pub const RESOURCE: &str = "https://api.partner.microsoft.com";

/// The credentials the token endpoint accepts.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
}

fn now_secs() -> u64 {
    system_now_ms() / 1000
}

fn aad_error(status: StatusCode, error: &str, code: u32, text: &str) -> Resp {
    let trace = uuid::Uuid::new_v4().to_string();
    let corr = uuid::Uuid::new_v4().to_string();
    json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {}", rfc3339(system_now_ms())),
            "error_codes": [code],
            "timestamp": rfc3339(system_now_ms()),
            "trace_id": trace,
            "correlation_id": corr,
        }),
    )
}

/// Answers `POST /{tenant}/oauth2/token` (v1) or `…/oauth2/v2.0/token` (v2).
pub fn token(
    creds: &Credentials,
    key: &[u8],
    lifetime: std::time::Duration,
    tenant: &str,
    v2: bool,
    basic: Option<&str>,
    form: &[u8],
) -> Resp {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(form)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // The client may authenticate with HTTP Basic instead of form fields.
    if let Some((id, secret)) = basic.and_then(basic_credentials) {
        pairs.push(("client_id".into(), id));
        pairs.push(("client_secret".into(), secret));
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if !tenant.eq_ignore_ascii_case(&creds.tenant_id) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        );
    }
    match get("grant_type") {
        Some("client_credentials") => {}
        Some(other) => {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
            )
        }
        None => {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            )
        }
    }
    let Some(client_id) = get("client_id") else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if !client_id.eq_ignore_ascii_case(&creds.client_id) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'."),
        );
    }
    if let Some(assertion) = get("client_assertion") {
        if get("client_assertion_type") != Some(crate::assertion::JWT_BEARER) {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                50027,
                &format!(
                    "The client_assertion_type must be '{}'.",
                    crate::assertion::JWT_BEARER
                ),
            );
        }
        let trust = crate::assertion::trust_of(key);
        if let Err(refusal) =
            crate::assertion::verify(&trust, client_id, tenant, assertion, now_secs())
        {
            let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::BAD_REQUEST);
            return aad_error(status, refusal.error, refusal.code, &refusal.text);
        }
    } else if get("client_secret") != Some(creds.client_secret.as_str()) {
        return aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        );
    }
    let audience_ok = if v2 {
        get("scope").is_some_and(|s| {
            s.split_whitespace()
                .any(|one| one.trim_end_matches("/.default").trim_end_matches('/') == RESOURCE)
        })
    } else {
        get("resource").is_some_and(|r| r.trim_end_matches('/') == RESOURCE)
    };
    if !audience_ok {
        let asked = if v2 { get("scope") } else { get("resource") }.unwrap_or("");
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            &format!(
                "The resource principal named {asked} was not found in the tenant named {tenant}."
            ),
        );
    }
    let lifetime_secs = lifetime.as_secs();
    let now_ms = system_now_ms();
    let exp_ms = now_ms.saturating_add(lifetime.as_millis() as u64);
    let now = now_ms / 1000;
    let exp = exp_ms / 1000;
    let access_token = issue(key, &creds.tenant_id, &creds.client_id, now, exp_ms);
    let body = if v2 {
        json!({
            "token_type": "Bearer",
            "expires_in": lifetime_secs,
            "ext_expires_in": lifetime_secs,
            "access_token": access_token,
        })
    } else {
        json!({
            "token_type": "Bearer",
            "expires_in": lifetime_secs.to_string(),
            "ext_expires_in": lifetime_secs.to_string(),
            "expires_on": exp.to_string(),
            "not_before": now.to_string(),
            "resource": RESOURCE,
            "access_token": access_token,
        })
    };
    json(StatusCode::OK, &body)
}

/// The client id and secret of an `Authorization: Basic …` header.
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, value) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let dec = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((dec(id)?, dec(secret)?))
}

/// A signed token valid from `nbf` (seconds since the epoch) to `exp_ms`
/// (milliseconds, so that lifetimes under a second work in tests).
pub fn issue(key: &[u8], tenant: &str, client: &str, nbf: u64, exp_ms: u64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let claims = json!({
        "aud": RESOURCE,
        "iss": format!("https://sts.windows.net/{tenant}/"),
        "tid": tenant,
        "appid": client,
        "iat": nbf,
        "nbf": nbf,
        "exp": exp_ms.div_ceil(1000),
        "exp_ms": exp_ms,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{header}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(sign(key, signed.as_bytes()));
    format!("{signed}.{sig}")
}

/// The tenant (`tid`) of a valid, unexpired token of this emulator in an
/// `Authorization` header; `None` when there is no such token.
pub fn tenant(key: &[u8], header: Option<&str>) -> Option<String> {
    let (scheme, token) = header?.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let (signed, sig) = token.trim().rsplit_once('.')?;
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    if !verify(key, signed.as_bytes(), &sig) {
        return None;
    }
    let (_, payload) = signed.split_once('.')?;
    let claims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())?;
    let now = now_secs();
    let exp_ms = claims.get("exp_ms").and_then(Value::as_u64).unwrap_or(0);
    let nbf = claims
        .get("nbf")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX);
    if !(nbf <= now + 300 && system_now_ms() < exp_ms) {
        return None;
    }
    let tid = claims.get("tid").and_then(Value::as_str).unwrap_or("");
    Some(tid.to_string())
}
