//! A certificate with its private key, read from PEM or PKCS#12, and the
//! signed JWT (the client assertion) that proves the app holds the key.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::Serialize;
use sha2::Digest;

use super::AuthError;
use crate::secret::Secret;

/// How long a signed assertion is valid.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// A certificate chain (the app's own certificate first) and its RSA key.
pub(super) struct Certificate {
    chain: Vec<Vec<u8>>,
    key: RsaKeyPair,
    thumbprint_sha256: String,
    thumbprint_sha1: String,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("x5t#S256", &self.thumbprint_sha256)
            .field("chain_length", &self.chain.len())
            .field("private_key", &"REDACTED")
            .finish()
    }
}

fn invalid(what: impl fmt::Display) -> AuthError {
    AuthError::InvalidConfig(what.to_string())
}

impl Certificate {
    /// Reads a PEM file (certificates and an unencrypted private key) or a
    /// PKCS#12 file (with `password`, empty when it has none). `origin`
    /// names the file in errors.
    pub(super) fn from_bytes(
        bytes: &[u8],
        password: Option<&Secret>,
        origin: &str,
    ) -> Result<Certificate, AuthError> {
        let looks_pem = bytes
            .windows(b"-----BEGIN".len())
            .any(|w| w == b"-----BEGIN");
        if looks_pem {
            Self::from_pem(bytes, origin)
        } else {
            Self::from_pkcs12(bytes, password, origin)
        }
    }

    fn from_pem(bytes: &[u8], origin: &str) -> Result<Certificate, AuthError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| invalid(format!("{origin} is neither PEM text nor PKCS#12")))?;
        let mut chain = Vec::new();
        let mut key = None;
        for block in pem_blocks(text) {
            let (label, der) = block.map_err(|why| invalid(format!("{origin}: {why}")))?;
            match label {
                "CERTIFICATE" => chain.push(der),
                "PRIVATE KEY" | "RSA PRIVATE KEY" if key.is_none() => {
                    key = Some(rsa_key(label, &der, origin)?)
                }
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(invalid(format!(
                        "{origin} holds an encrypted PEM private key, which is not supported: export the key without a password, or use a PKCS#12 (.pfx) file with AZURE_CLIENT_CERTIFICATE_PASSWORD"
                    )))
                }
                "EC PRIVATE KEY" => {
                    return Err(invalid(format!(
                        "{origin} holds an EC key; Azure AD's client assertions need an RSA key"
                    )))
                }
                _ => {}
            }
        }
        let key = key.ok_or_else(|| {
            invalid(format!(
                "{origin} has no private key: the PEM file must hold the certificate and its unencrypted private key (-----BEGIN PRIVATE KEY-----)"
            ))
        })?;
        Self::new(chain, key, origin)
    }

    #[cfg(not(feature = "pkcs12"))]
    fn from_pkcs12(
        _bytes: &[u8],
        _password: Option<&Secret>,
        origin: &str,
    ) -> Result<Certificate, AuthError> {
        Err(invalid(format!(
            "{origin} is not PEM, and this build reads no PKCS#12 files (the crate's `pkcs12` feature is off): convert it to PEM or enable the feature"
        )))
    }

    #[cfg(feature = "pkcs12")]
    fn from_pkcs12(
        bytes: &[u8],
        password: Option<&Secret>,
        origin: &str,
    ) -> Result<Certificate, AuthError> {
        let password = password.map(Secret::expose).unwrap_or("");
        let store = p12_keystore::KeyStore::from_pkcs12(bytes, password).map_err(|e| {
            invalid(format!(
                "cannot read {origin} as PKCS#12 ({e}): check AZURE_CLIENT_CERTIFICATE_PASSWORD, or use a PEM file"
            ))
        })?;
        let (_, chain) = store.private_key_chain().ok_or_else(|| {
            invalid(format!(
                "{origin} holds no private key with a certificate chain"
            ))
        })?;
        let key = rsa_key("PRIVATE KEY", chain.key(), origin)?;
        let certs = chain.chain().iter().map(|c| c.as_der().to_vec()).collect();
        Self::new(certs, key, origin)
    }

    fn new(chain: Vec<Vec<u8>>, key: RsaKeyPair, origin: &str) -> Result<Certificate, AuthError> {
        let leaf = chain.first().ok_or_else(|| {
            invalid(format!(
                "{origin} has no certificate: it must hold the app's certificate beside its private key"
            ))
        })?;
        let thumbprint_sha256 = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(leaf));
        let thumbprint_sha1 = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
            leaf,
        ));
        Ok(Certificate {
            chain,
            key,
            thumbprint_sha256,
            thumbprint_sha1,
        })
    }

    /// The certificate's SHA-256 thumbprint, base64url (`x5t#S256`).
    pub(super) fn thumbprint(&self) -> &str {
        &self.thumbprint_sha256
    }

    /// A fresh assertion for the app `client_id` at `token_url`, valid for
    /// ten minutes; with the chain as `x5c` when `send_chain`.
    pub(super) fn assertion(
        &self,
        client_id: &str,
        token_url: &str,
        send_chain: bool,
    ) -> Result<Secret, AuthError> {
        /// The JOSE header of an RS256 JWT naming the certificate.
        #[derive(Serialize)]
        struct JoseHeader<'a> {
            alg: &'static str,
            typ: &'static str,
            x5t: &'a str,
            #[serde(rename = "x5t#S256")]
            x5t_s256: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            x5c: Option<Vec<String>>,
        }
        #[derive(Serialize)]
        struct Claims<'a> {
            aud: &'a str,
            iss: &'a str,
            sub: &'a str,
            jti: String,
            nbf: u64,
            iat: u64,
            exp: u64,
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let header = JoseHeader {
            alg: "RS256",
            typ: "JWT",
            x5t: &self.thumbprint_sha1,
            x5t_s256: &self.thumbprint_sha256,
            x5c: send_chain.then(|| self.chain.iter().map(|der| STANDARD.encode(der)).collect()),
        };
        let claims = Claims {
            aud: token_url,
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
        };
        let signing_input = format!("{}.{}", jwt_part(&header), jwt_part(&claims));
        sign(&self.key, signing_input.as_bytes())
            .map(|signature| {
                Secret::new(format!(
                    "{signing_input}.{}",
                    URL_SAFE_NO_PAD.encode(signature)
                ))
            })
            .map_err(|()| invalid("cannot sign the client assertion with the certificate's key"))
    }
}

/// One JWT part: `value` as JSON, base64url without padding.
fn jwt_part(value: &impl Serialize) -> String {
    // The header and the claims are plain structs of strings and numbers,
    // which serialize without fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap_or_default())
}

/// The RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature of `message`.
fn sign(key: &RsaKeyPair, message: &[u8]) -> Result<Vec<u8>, ()> {
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        message,
        &mut signature,
    )
    .map_err(|_| ())?;
    Ok(signature)
}

/// An RSA private key from its DER (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA
/// PRIVATE KEY`), tried once by signing, so a key that cannot sign is
/// reported when the file is read rather than at the first token request.
fn rsa_key(label: &str, der: &[u8], origin: &str) -> Result<RsaKeyPair, AuthError> {
    let unusable = |why: &dyn fmt::Display| {
        invalid(format!(
            "the private key in {origin} is not an RSA key this crate can use ({why}); Azure AD's client assertions need an RSA key of 2048 to 8192 bits"
        ))
    };
    let key = if label == "RSA PRIVATE KEY" {
        RsaKeyPair::from_der(der)
    } else {
        RsaKeyPair::from_pkcs8(der)
    }
    .map_err(|e| unusable(&e))?;
    sign(&key, b"trial").map_err(|()| unusable(&"it cannot sign"))?;
    Ok(key)
}

/// The blocks of a PEM text: each label and its decoded body.
fn pem_blocks(text: &str) -> impl Iterator<Item = Result<(&str, Vec<u8>), String>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find("-----BEGIN ")?;
        let after = &rest[start + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else {
            rest = "";
            return Some(Err("a PEM header without its closing dashes".to_string()));
        };
        let label = &after[..label_end];
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(body_end) = body_start.find(&end_marker) else {
            rest = "";
            return Some(Err(format!("a PEM block `{label}` without its END line")));
        };
        let body: String = body_start[..body_end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        rest = &body_start[body_end + end_marker.len()..];
        Some(
            STANDARD
                .decode(body.as_bytes())
                .map(|der| (label, der))
                .map_err(|_| format!("the PEM block `{label}` is not valid base64")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_are_split_and_decoded() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n-----BEGIN X-----\nBA==\n-----END X-----\n";
        let blocks: Vec<_> = pem_blocks(text).collect::<Result<_, _>>().unwrap();
        assert_eq!(blocks, vec![("CERTIFICATE", vec![1, 2, 3]), ("X", vec![4])]);
        assert!(pem_blocks("-----BEGIN A-----\n!!\n-----END A-----")
            .next()
            .unwrap()
            .is_err());
    }

    #[test]
    fn a_key_that_cannot_sign_is_refused_when_read() {
        for label in ["PRIVATE KEY", "RSA PRIVATE KEY"] {
            let text = format!(
                "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n-----BEGIN {label}-----\nMAMCAQA=\n-----END {label}-----\n"
            );
            let e = Certificate::from_bytes(text.as_bytes(), None, "c.pem").unwrap_err();
            assert!(e.to_string().contains("not an RSA key"), "{label}: {e}");
        }
    }

    #[test]
    fn a_pem_file_without_a_key_says_so() {
        let text = b"-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n";
        let e = Certificate::from_bytes(text, None, "cert.pem").unwrap_err();
        assert!(e.to_string().contains("no private key"), "{e}");
    }
}
