//! Shared access signatures of the blob endpoint: issuing a `fileSasUri` and
//! checking the signature, expiry and permission of a request.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::blob_props::{storage_error, ACCOUNT, CONTAINER, STORAGE_VERSION};
use crate::clock::sas_time;
use crate::errors::storage;
use crate::http::{query_get, Resp};
use crate::shared::Settings;
use crate::sign::{sign, verify};
use axum::http::StatusCode;

/// The characters left as they are in a blob name's path segments.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn string_to_sign(sp: &str, st: &str, se: &str, container: &str, blob: &str, spr: &str) -> String {
    format!("{sp}\n{st}\n{se}\n/blob/{ACCOUNT}/{container}/{blob}\n{STORAGE_VERSION}\nb\n{spr}")
}

/// A SAS URL for one blob with the given permissions, valid for `valid_ms`.
pub fn sas_url(s: &Settings, blob: &str, perms: &str, valid_ms: u64) -> String {
    let now = s.clock.now_ms();
    let st = sas_time(now.saturating_sub(5 * 60 * 1000));
    let se = sas_time(now.saturating_add(valid_ms));
    let spr = "https,http";
    let sig = STANDARD.encode(sign(
        &s.key,
        string_to_sign(perms, &st, &se, CONTAINER, blob, spr).as_bytes(),
    ));
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    let path: Vec<String> = blob
        .split('/')
        .map(|s| utf8_percent_encode(s, PATH_SEGMENT).to_string())
        .collect();
    format!(
        "{}/{CONTAINER}/{}?sv={STORAGE_VERSION}&sr=b&sp={perms}&st={}&se={}&spr={}&sig={}",
        s.blob_base,
        path.join("/"),
        enc(&st),
        enc(&se),
        enc(spr),
        enc(&sig)
    )
}

fn auth_failed(detail: &str) -> Box<Resp> {
    Box::new(storage_error(
        StatusCode::FORBIDDEN,
        storage::AUTHENTICATION_FAILED,
        &format!("Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature. {detail}"),
    ))
}

/// Checks the SAS of a request; `need` is the permission letter the operation needs.
pub fn check_sas(
    s: &Settings,
    query: &[(String, String)],
    container: &str,
    blob: &str,
    need: char,
) -> Result<(), Box<Resp>> {
    let get = |k: &str| query_get(query, k);
    let (Some(sp), Some(se), Some(sig), Some(sv), Some(sr)) =
        (get("sp"), get("se"), get("sig"), get("sv"), get("sr"))
    else {
        return Err(Box::new(storage_error(
            StatusCode::FORBIDDEN,
            storage::AUTHENTICATION_FAILED,
            "Server failed to authenticate the request: the signature is missing.",
        )));
    };
    let st = get("st").unwrap_or("");
    let spr = get("spr").unwrap_or("");
    if sv != STORAGE_VERSION || sr != "b" {
        return Err(auth_failed("Signature did not match."));
    }
    let Ok(sig_bytes) = STANDARD.decode(sig) else {
        return Err(auth_failed("Signature fields not well formed."));
    };
    if !verify(
        &s.key,
        string_to_sign(sp, st, se, container, blob, spr).as_bytes(),
        &sig_bytes,
    ) {
        return Err(auth_failed("Signature did not match."));
    }
    let now = sas_time(s.clock.now_ms());
    if se <= now.as_str() {
        return Err(auth_failed(&format!(
            "Signed expiry time [{se}] has to be after the current time [{now}]."
        )));
    }
    if !st.is_empty() && st > now.as_str() {
        return Err(auth_failed(&format!(
            "Signed start time [{st}] is after the current time [{now}]."
        )));
    }
    if !sp.contains(need) {
        return Err(Box::new(storage_error(
            StatusCode::FORBIDDEN,
            storage::PERMISSION_MISMATCH,
            "This request is not authorized to perform this operation using this permission.",
        )));
    }
    Ok(())
}
