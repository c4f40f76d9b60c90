//! A certificate with its private key, read from PEM or PKCS#12, and the
//! signed JWT (the client assertion) that proves the app holds the key.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use sha2::Digest;

use super::AuthError;
use crate::secret::Secret;

/// How long a signed assertion is valid.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// A certificate chain (the app's own certificate first) and its RSA key.
pub(super) struct Certificate {
    chain: Vec<Vec<u8>>,
    key: EncodingKey,
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

    fn new(chain: Vec<Vec<u8>>, key: EncodingKey, origin: &str) -> Result<Certificate, AuthError> {
        let leaf = chain.first().ok_or_else(|| {
            invalid(format!(
                "{origin} has no certificate: it must hold the app's certificate beside its private key"
            ))
        })?;
        let thumbprint_sha256 = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(leaf));
        let thumbprint_sha1 = URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(leaf));
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
        let mut header = Header::new(Algorithm::RS256);
        header.x5t_s256 = Some(self.thumbprint_sha256.clone());
        header.x5t = Some(self.thumbprint_sha1.clone());
        if send_chain {
            header.x5c = Some(self.chain.iter().map(|der| STANDARD.encode(der)).collect());
        }
        let claims = Claims {
            aud: token_url,
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(Secret::new)
            .map_err(|e| invalid(format!("cannot sign the client assertion: {e}")))
    }
}

/// An RSA private key from its DER (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA
/// PRIVATE KEY`), tried once by signing, so a key that cannot sign is
/// reported when the file is read rather than at the first token request.
fn rsa_key(label: &str, der: &[u8], origin: &str) -> Result<EncodingKey, AuthError> {
    let unusable = |why: &dyn fmt::Display| {
        invalid(format!(
            "the private key in {origin} is not an RSA key this crate can use ({why}); Azure AD's client assertions need an RSA key"
        ))
    };
    let pkcs1 = if label == "RSA PRIVATE KEY" {
        der
    } else {
        pkcs1_in_pkcs8(der).map_err(|why| unusable(&why))?
    };
    let key = EncodingKey::from_rsa_der(pkcs1);
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &(), &key).map_err(|e| unusable(&e))?;
    Ok(key)
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo` (RFC 5208):
/// `SEQUENCE { INTEGER version, SEQUENCE { OID rsaEncryption, … },
/// OCTET STRING key, … }`.
fn pkcs1_in_pkcs8(der: &[u8]) -> Result<&[u8], &'static str> {
    /// rsaEncryption, 1.2.840.113549.1.1.1, as DER.
    const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    const SEQUENCE: u8 = 0x30;
    let (info, _) = der_item(der, SEQUENCE)?;
    let (_version, rest) = der_item(info, 0x02)?;
    let (algorithm, rest) = der_item(rest, SEQUENCE)?;
    let (oid, _) = der_item(algorithm, 0x06)?;
    if oid != RSA_ENCRYPTION {
        return Err("a PKCS#8 key of another algorithm than RSA");
    }
    let (key, _) = der_item(rest, 0x04)?;
    Ok(key)
}

/// The contents of the DER item at the start of `input`, which must have
/// `tag`, and what follows it.
fn der_item(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), &'static str> {
    const MALFORMED: &str = "malformed DER";
    let (&found, rest) = input.split_first().ok_or(MALFORMED)?;
    if found != tag {
        return Err("not a PKCS#8 private key");
    }
    let (&first, rest) = rest.split_first().ok_or(MALFORMED)?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(MALFORMED);
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(MALFORMED);
    }
    Ok(rest.split_at(len))
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
    fn pkcs8_is_unwrapped_to_its_rsa_key_and_other_der_is_refused() {
        // SEQUENCE { INTEGER 0, SEQUENCE { OID rsaEncryption, NULL }, OCTET STRING {01 02} }
        let pkcs8 = [
            0x30, 0x16, 0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
            0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x04, 0x02, 0x01, 0x02,
        ];
        assert_eq!(pkcs1_in_pkcs8(&pkcs8), Ok(&[1u8, 2][..]));
        // The same with another algorithm's OID (…1.1.2 for …1.1.1).
        let mut other = pkcs8;
        other[17] = 0x02;
        assert_eq!(
            pkcs1_in_pkcs8(&other),
            Err("a PKCS#8 key of another algorithm than RSA")
        );
        // Truncated, or a length past the end: an error, not a panic.
        for cut in 0..pkcs8.len() {
            assert!(pkcs1_in_pkcs8(&pkcs8[..cut]).is_err(), "cut at {cut}");
        }
        assert!(pkcs1_in_pkcs8(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        // A long-form length.
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7u8; 0x80]);
        assert_eq!(der_item(&long, 0x04).map(|(c, _)| c.len()), Ok(0x80));
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
