//! What the credential tests share: the test keys, federated tokens signed
//! with them, an emulator that trusts them, and a look-up of its variables.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use futures::TryStreamExt;
use partner_center_emulator::{Emulator, EmulatorHandle};
use partner_center_ingestion::auth::{Environment, TokenCredential};
use partner_center_ingestion::Client;
use serde_json::json;

pub const APP_CERT: &str = include_str!("../fixtures/credentials/app-cert.pem");
pub const APP_KEY: &str = include_str!("../fixtures/credentials/app-key.pem");
pub const ISSUER_KEY: &str = include_str!("../fixtures/credentials/issuer-key.pem");
pub const ISSUER_PUBLIC: &str = include_str!("../fixtures/credentials/issuer-public.pem");
pub const OTHER_KEY: &str = include_str!("../fixtures/credentials/other-key.pem");
pub const ISSUER: &str = "https://token.actions.githubusercontent.com";
pub const SUBJECT: &str = "repo:contoso/offers:environment:production";

pub fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/credentials/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A federated token of [`ISSUER`] about `subject`, signed with `key_pem`.
pub fn federated_token(key_pem: &str, subject: &str) -> String {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap();
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    let claims = json!({
        "iss": ISSUER, "sub": subject, "aud": "api://AzureADTokenExchange",
        "jti": uuid::Uuid::new_v4().to_string(),
        "nbf": now() - 60, "iat": now() - 60, "exp": now() + 600,
    });
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

/// An emulator that trusts [`ISSUER`]'s tokens about [`SUBJECT`] and the
/// app certificate.
pub async fn trusting_emulator() -> EmulatorHandle {
    Emulator::builder()
        .federated_credential(ISSUER, SUBJECT, ISSUER_PUBLIC)
        .client_certificate(APP_CERT)
        .start()
        .await
        .expect("the emulator starts")
}

/// The app's ids and the emulator's Azure AD, plus `extra`.
pub fn env_for(emu: &EmulatorHandle, extra: &[(&str, &str)]) -> Environment {
    let mut pairs: Vec<(String, String)> = vec![
        ("AZURE_TENANT_ID".into(), emu.tenant_id().into()),
        ("AZURE_CLIENT_ID".into(), emu.client_id().into()),
        ("AZURE_AUTHORITY_HOST".into(), emu.authority_host()),
    ];
    pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Environment::from_pairs(pairs)
}

/// Lists the emulator's products with `credential`.
pub async fn list_products(
    emu: &EmulatorHandle,
    credential: impl TokenCredential + 'static,
) -> Result<usize, partner_center_ingestion::Error> {
    let client = Client::builder(credential)
        .endpoint(emu.endpoint())
        .build()?;
    let products: Vec<_> = client.list_products().stream().try_collect().await?;
    Ok(products.len())
}
