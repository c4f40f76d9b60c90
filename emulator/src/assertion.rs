//! Client assertions (`client_assertion`, a signed JWT) at the token
//! endpoint: federated tokens checked against the registered federated
//! credentials (issuer, subject, public key), and the app's own assertions
//! checked against its registered certificates (by SHA-256 thumbprint).
//! Refusals carry the AADSTS codes Azure AD uses.

use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `client_assertion_type` of a signed JWT.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The audience Azure AD requires of federated tokens.
pub const EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// How far ahead of the emulator's clock an assertion's `nbf` may be.
const CLOCK_SKEW_SECS: u64 = 300;

/// A federated credential of the app: tokens of `issuer` about `subject`,
/// signed by the key whose public half is registered.
struct Federated {
    issuer: String,
    subject: String,
    key: DecodingKey,
}

/// A certificate registered on the app.
struct Certificate {
    thumbprint: String,
    key: DecodingKey,
}

/// What the app trusts besides its secret.
#[derive(Default)]
pub struct Trust {
    federated: Vec<Federated>,
    certificates: Vec<Certificate>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust")
            .field("federated", &self.federated.len())
            .field("certificates", &self.certificates.len())
            .finish()
    }
}

impl Trust {
    /// Reads the registered credentials: `(issuer, subject, public key PEM)`
    /// and certificate PEMs. The error says which one is unusable.
    pub fn new(
        federated: &[(String, String, String)],
        certificates: &[String],
    ) -> Result<Trust, String> {
        let mut trust = Trust::default();
        for (issuer, subject, pem) in federated {
            let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| {
                format!("the public key of the federated credential for {issuer} / {subject} is not an RSA public key in PEM ({e})")
            })?;
            trust.federated.push(Federated {
                issuer: issuer.clone(),
                subject: subject.clone(),
                key,
            });
        }
        for pem in certificates {
            let der = certificate_der(pem).ok_or(
                "a client certificate is not a PEM certificate (-----BEGIN CERTIFICATE-----)",
            )?;
            let key = DecodingKey::from_rsa_pem(pem.as_bytes())
                .map_err(|e| format!("a client certificate holds no RSA public key ({e})"))?;
            trust.certificates.push(Certificate {
                thumbprint: URL_SAFE_NO_PAD.encode(Sha256::digest(&der)),
                key,
            });
        }
        Ok(trust)
    }
}

/// The DER of the first certificate in a PEM text.
fn certificate_der(pem: &str) -> Option<Vec<u8>> {
    let begin = "-----BEGIN CERTIFICATE-----";
    let start = pem.find(begin)? + begin.len();
    let end = start + pem[start..].find("-----END CERTIFICATE-----")?;
    let body: String = pem[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}

type Registry = Mutex<Vec<(Vec<u8>, Arc<Trust>)>>;

static REGISTRY: Registry = Mutex::new(Vec::new());

/// Registers what the emulator with this signing key trusts.
pub fn register(signing_key: &[u8], trust: Trust) {
    let mut registry = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    registry.retain(|(key, _)| key != signing_key);
    registry.push((signing_key.to_vec(), Arc::new(trust)));
}

/// What the emulator with this signing key trusts.
pub fn trust_of(signing_key: &[u8]) -> Arc<Trust> {
    let registry = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    registry
        .iter()
        .find(|(key, _)| key == signing_key)
        .map(|(_, trust)| Arc::clone(trust))
        .unwrap_or_default()
}

/// Why an assertion is refused: the status, OAuth error, AADSTS code and text.
#[derive(Debug)]
pub struct Refusal {
    pub status: u16,
    pub error: &'static str,
    pub code: u32,
    pub text: String,
}

fn refuse(status: u16, error: &'static str, code: u32, text: impl Into<String>) -> Refusal {
    Refusal {
        status,
        error,
        code,
        text: text.into(),
    }
}

fn malformed(why: &str) -> Refusal {
    refuse(
        400,
        "invalid_request",
        50027,
        format!("JWT token is invalid or malformed: {why}."),
    )
}

/// Checks the `client_assertion` presented for `client_id` in `tenant`
/// at `now` (seconds since the epoch).
pub fn verify(
    trust: &Trust,
    client_id: &str,
    tenant: &str,
    assertion: &str,
    now: u64,
) -> Result<(), Refusal> {
    let mut parts = assertion.trim().split('.');
    let (Some(header), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("it is not three dot-separated parts"));
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    };
    let (Some(header), Some(claims)) = (decode(header), decode(payload)) else {
        return Err(malformed("its header or payload is not base64url JSON"));
    };
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (iss, sub) = (text("iss"), text("sub"));
    let audiences: Vec<String> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let own = iss.eq_ignore_ascii_case(client_id) && sub.eq_ignore_ascii_case(client_id);
    let key = if own {
        certificate_key(trust, &header, &audiences, tenant, client_id)?
    } else {
        federated_key(trust, &iss, &sub, &audiences)?
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    if jsonwebtoken::decode::<Value>(assertion.trim(), key, &validation).is_err() {
        return Err(if own {
            refuse(
                401,
                "invalid_client",
                700027,
                "Client assertion failed signature validation.",
            )
        } else {
            refuse(
                400,
                "invalid_client",
                7000274,
                format!("Key was found, but use of the key to verify the signature failed. Assertion Issuer: '{iss}'."),
            )
        });
    }
    let number = |name: &str| claims.get(name).and_then(Value::as_u64);
    let exp = number("exp").ok_or_else(|| malformed("it has no exp claim"))?;
    let nbf = number("nbf").unwrap_or(0);
    if exp <= now || nbf > now + CLOCK_SKEW_SECS {
        return Err(refuse(
            400,
            "invalid_client",
            700024,
            format!("Client assertion is not within its valid time range. Current time: {now}, assertion valid from {nbf}, expiry time of assertion {exp}."),
        ));
    }
    Ok(())
}

fn federated_key<'t>(
    trust: &'t Trust,
    iss: &str,
    sub: &str,
    audiences: &[String],
) -> Result<&'t DecodingKey, Refusal> {
    let audience_ok = audiences.iter().any(|a| a == EXCHANGE_AUDIENCE);
    let found = trust
        .federated
        .iter()
        .find(|f| f.issuer == iss && f.subject == sub && audience_ok);
    match found {
        Some(record) => Ok(&record.key),
        None => Err(refuse(
            400,
            "invalid_request",
            70021,
            format!(
                "No matching federated identity record found for presented assertion. Assertion Issuer: '{iss}'. Assertion Subject: '{sub}'. Assertion Audience: '{}'.",
                audiences.join(",")
            ),
        )),
    }
}

fn certificate_key<'t>(
    trust: &'t Trust,
    header: &Value,
    audiences: &[String],
    tenant: &str,
    client_id: &str,
) -> Result<&'t DecodingKey, Refusal> {
    let for_this_endpoint = audiences.iter().any(|a| {
        url::Url::parse(a).is_ok_and(|u| {
            let path = u.path().trim_end_matches('/');
            path.eq_ignore_ascii_case(&format!("/{tenant}/oauth2/token"))
                || path.eq_ignore_ascii_case(&format!("/{tenant}/oauth2/v2.0/token"))
        })
    });
    if !for_this_endpoint {
        return Err(refuse(
            401,
            "invalid_client",
            700027,
            format!("Client assertion contains an invalid audience: '{}'; it must be the token endpoint.", audiences.join(",")),
        ));
    }
    let thumbprint = header.get("x5t#S256").and_then(Value::as_str).unwrap_or("");
    trust
        .certificates
        .iter()
        .find(|c| !thumbprint.is_empty() && c.thumbprint == thumbprint)
        .map(|c| &c.key)
        .ok_or_else(|| {
            refuse(
                401,
                "invalid_client",
                700027,
                format!("The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal to see configured keys for app Id '{client_id}'.]"),
            )
        })
}
