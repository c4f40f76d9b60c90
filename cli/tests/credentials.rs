//! `partner-center` picks keyless credentials up from the environment
//! alone: a federated token file and a client certificate, against an
//! emulator that trusts them, with no client secret anywhere.

mod support;

use std::process::Stdio;
use std::time::{SystemTime, UNIX_EPOCH};

use partner_center_emulator::Emulator;
use serde_json::json;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/credentials");
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const SUBJECT: &str = "repo:contoso/offers:environment:production";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("a credential fixture")
}

/// A federated token about [`SUBJECT`], signed with the key in `key_file`.
fn token_signed_by(key_file: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(fixture(key_file).as_bytes()).unwrap();
    let claims = json!({
        "iss": ISSUER, "sub": SUBJECT, "aud": "api://AzureADTokenExchange",
        "jti": format!("cli-test-{now}"), "nbf": now - 60, "iat": now - 60, "exp": now + 600,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    )
    .unwrap()
}

async fn list_offers(
    emu: &partner_center_emulator::EmulatorHandle,
    extra: &[(&str, String)],
) -> support::Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_partner-center"));
    cmd.args(["list", "offers", "-vv"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AZURE_TENANT_ID", emu.tenant_id())
        .env("AZURE_CLIENT_ID", emu.client_id())
        .env("AZURE_AUTHORITY_HOST", emu.authority_host())
        .env("PARTNER_CENTER_ENDPOINT", emu.endpoint())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    support::output(cmd).await
}

#[tokio::test]
async fn a_federated_token_file_and_a_certificate_each_sign_in_without_a_secret() {
    let emu = Emulator::builder()
        .federated_credential(ISSUER, SUBJECT, fixture("issuer-public.pem"))
        .client_certificate(fixture("app-cert.pem"))
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let token = token_signed_by("issuer-key.pem");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, &token).unwrap();

    let run = list_offers(
        &emu,
        &[(
            "AZURE_FEDERATED_TOKEN_FILE",
            token_file.display().to_string(),
        )],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        !run.all().contains(&token),
        "the assertion was printed:\n{}",
        run.all()
    );

    let run = list_offers(
        &emu,
        &[(
            "AZURE_CLIENT_CERTIFICATE_PATH",
            format!("{FIXTURES}/app-cert-and-key.pem"),
        )],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all());
    let key = fixture("app-key.pem");
    let key_body = key.lines().nth(1).unwrap_or_default();
    assert!(
        !run.all().contains(key_body),
        "the key was printed:\n{}",
        run.all()
    );

    // A token signed by a key nobody registered is refused with its code.
    let other = token_signed_by("other-key.pem");
    std::fs::write(&token_file, other).unwrap();
    let run = list_offers(
        &emu,
        &[(
            "AZURE_FEDERATED_TOKEN_FILE",
            token_file.display().to_string(),
        )],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("AADSTS"), "{}", run.all());
}
