//! The Azure AD token endpoints and the check of bearer tokens.

mod support;

use std::time::Duration;

use partner_center_emulator::Emulator;
use serde_json::Value;
use support::fresh;

async fn token_call(
    env: &support::Env,
    tenant: &str,
    v2: bool,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let path = if v2 {
        "oauth2/v2.0/token"
    } else {
        "oauth2/token"
    };
    let r = env
        .http
        .post(format!("{}/{tenant}/{path}", env.emu.authority_host()))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn v1_and_v2_tokens_are_issued_and_accepted() {
    let env = fresh().await;
    let (t, c, s) = (
        env.emu.tenant_id().to_string(),
        env.emu.client_id().to_string(),
        env.emu.client_secret().to_string(),
    );
    let (status, v1) = token_call(
        &env,
        &t,
        false,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c),
            ("client_secret", &s),
            ("resource", "https://api.partner.microsoft.com"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    for k in ["expires_in", "ext_expires_in", "expires_on", "not_before"] {
        assert!(v1[k].is_string(), "{k} is a JSON string in v1: {v1}");
    }
    assert_eq!(v1["expires_in"], "3600");
    let (status, v2) = token_call(
        &env,
        &t,
        true,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c),
            ("client_secret", &s),
            ("scope", "https://api.partner.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(v2["expires_in"].is_number());
    let tok = v2["access_token"].as_str().unwrap();
    let r = env
        .http
        .get(format!("{}/products", env.emu.endpoint()))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn refusals_carry_the_aadsts_codes() {
    let env = fresh().await;
    let (t, c, s) = (
        env.emu.tenant_id().to_string(),
        env.emu.client_id().to_string(),
        env.emu.client_secret().to_string(),
    );
    let res = "https://api.partner.microsoft.com";
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, u64, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "11111111-1111-1111-1111-111111111111".into(),
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", &c),
                ("client_secret", &s),
                ("resource", res),
            ],
            90002,
            "invalid_request",
        ),
        (
            t.clone(),
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
                ("client_secret", &s),
                ("resource", res),
            ],
            700016,
            "unauthorized_client",
        ),
        (
            t.clone(),
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", &c),
                ("client_secret", "wrong"),
                ("resource", res),
            ],
            7000215,
            "invalid_client",
        ),
        (
            t.clone(),
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", &c),
                ("client_secret", &s),
                ("resource", "https://graph.microsoft.com"),
            ],
            500011,
            "invalid_resource",
        ),
        (
            t.clone(),
            vec![
                ("grant_type", "password"),
                ("client_id", &c),
                ("client_secret", &s),
                ("resource", res),
            ],
            70003,
            "unsupported_grant_type",
        ),
    ];
    for (tenant, form, code, error) in cases {
        let (status, body) = token_call(&env, &tenant, false, &form).await;
        assert!(status == 400 || status == 401, "{status}");
        assert_eq!(body["error"], error);
        assert_eq!(body["error_codes"][0], code);
        assert!(body["error_description"]
            .as_str()
            .unwrap()
            .starts_with(&format!("AADSTS{code}:")));
        assert!(body["trace_id"].is_string() && body["correlation_id"].is_string());
    }
}

#[tokio::test]
async fn missing_forged_and_expired_tokens_get_an_empty_401() {
    let env = fresh().await;
    let url = format!("{}/products", env.emu.endpoint());
    let mut forged = env.token.clone();
    forged.pop();
    forged.push(if env.token.ends_with('A') { 'B' } else { 'A' });
    for auth in [
        None,
        Some("Bearer nonsense".to_string()),
        Some(format!("Bearer {forged}")),
    ] {
        let mut rb = env.http.get(&url);
        if let Some(a) = auth {
            rb = rb.header("authorization", a);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert!(r.headers().contains_key("request-id") && r.headers().contains_key("x-azure-ref"));
        assert_eq!(r.text().await.unwrap(), "");
    }
    let short =
        support::start(Emulator::builder().token_lifetime(Duration::from_millis(300))).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r = short
        .http
        .get(format!("{}/products", short.emu.endpoint()))
        .bearer_auth(&short.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn a_token_of_one_emulator_is_refused_by_another() {
    let a = fresh().await;
    let b = fresh().await;
    let r = b
        .http
        .get(format!("{}/products", b.emu.endpoint()))
        .bearer_auth(&a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn client_credentials_may_come_as_http_basic() {
    let env = fresh().await;
    let r = env
        .http
        .post(format!(
            "{}/{}/oauth2/token",
            env.emu.authority_host(),
            env.emu.tenant_id()
        ))
        .basic_auth(env.emu.client_id(), Some(env.emu.client_secret()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("resource", "https://api.partner.microsoft.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

// Client assertions: federated tokens and certificates.

const APP_CERT: &str = include_str!("fixtures/app-cert.pem");
const APP_KEY: &str = include_str!("fixtures/app-key.pem");
const ISSUER_KEY: &str = include_str!("fixtures/issuer-key.pem");
const ISSUER_PUBLIC: &str = include_str!("fixtures/issuer-public.pem");
const OTHER_KEY: &str = include_str!("fixtures/other-key.pem");
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const SUBJECT: &str = "repo:contoso/offers:environment:production";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sign(key_pem: &str, header: jsonwebtoken::Header, claims: Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

fn federated_token(key_pem: &str, subject: &str, exp: u64) -> String {
    sign(
        key_pem,
        jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        serde_json::json!({
            "iss": ISSUER, "sub": subject, "aud": "api://AzureADTokenExchange",
            "nbf": now() - 60, "iat": now() - 60, "exp": exp,
        }),
    )
}

fn certificate_assertion(key_pem: &str, client: &str, aud: &str, exp: u64) -> String {
    use sha2::Digest;
    let body: String = APP_CERT
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.x5t_s256 =
        Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&der)));
    sign(
        key_pem,
        header,
        serde_json::json!({
            "iss": client, "sub": client, "aud": aud, "jti": "1",
            "nbf": now() - 60, "iat": now() - 60, "exp": exp,
        }),
    )
}

async fn with_trust() -> support::Env {
    support::start(
        Emulator::builder()
            .federated_credential(ISSUER, SUBJECT, ISSUER_PUBLIC)
            .client_certificate(APP_CERT),
    )
    .await
}

async fn assertion_call(env: &support::Env, assertion: &str) -> (u16, Value) {
    let (t, c) = (env.emu.tenant_id(), env.emu.client_id());
    token_call(
        env,
        t,
        false,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", c),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
            ("resource", "https://api.partner.microsoft.com"),
        ],
    )
    .await
}

#[tokio::test]
async fn registered_federated_tokens_and_certificates_get_tokens() {
    let env = with_trust().await;
    let (status, body) =
        assertion_call(&env, &federated_token(ISSUER_KEY, SUBJECT, now() + 600)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string());

    let aud = format!(
        "{}/{}/oauth2/token",
        env.emu.authority_host(),
        env.emu.tenant_id()
    );
    let own = certificate_assertion(APP_KEY, env.emu.client_id(), &aud, now() + 600);
    let (status, body) = assertion_call(&env, &own).await;
    assert_eq!(status, 200, "{body}");
    // The token works against the API.
    let r = env
        .http
        .get(format!("{}/products", env.emu.endpoint()))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn refused_assertions_carry_azure_ads_codes() {
    let env = with_trust().await;
    let code = |body: &Value| body["error_codes"][0].as_u64().unwrap();
    // Another subject: no matching federated identity record.
    let (status, body) = assertion_call(
        &env,
        &federated_token(
            ISSUER_KEY,
            "repo:contoso/offers:ref:refs/heads/main",
            now() + 600,
        ),
    )
    .await;
    assert_eq!((status, code(&body)), (400, 70021), "{body}");
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("refs/heads/main"));
    // Signed by a key nobody registered.
    let (status, body) =
        assertion_call(&env, &federated_token(OTHER_KEY, SUBJECT, now() + 600)).await;
    assert_eq!((status, code(&body)), (400, 7000274), "{body}");
    // Expired.
    let (_, body) = assertion_call(&env, &federated_token(ISSUER_KEY, SUBJECT, now() - 10)).await;
    assert_eq!(code(&body), 700024, "{body}");
    // A certificate assertion signed by another key, for another audience.
    let aud = format!(
        "{}/{}/oauth2/token",
        env.emu.authority_host(),
        env.emu.tenant_id()
    );
    let forged = certificate_assertion(OTHER_KEY, env.emu.client_id(), &aud, now() + 600);
    let (status, body) = assertion_call(&env, &forged).await;
    assert_eq!((status, code(&body)), (401, 700027), "{body}");
    let elsewhere = certificate_assertion(
        APP_KEY,
        env.emu.client_id(),
        "https://example.com/x",
        now() + 600,
    );
    let (_, body) = assertion_call(&env, &elsewhere).await;
    assert_eq!(code(&body), 700027, "{body}");
    // Garbage.
    let (_, body) = assertion_call(&env, "not-a-jwt").await;
    assert_eq!(code(&body), 50027, "{body}");
    // Without registrations nothing federated is trusted.
    let bare = fresh().await;
    let (_, body) = assertion_call(&bare, &federated_token(ISSUER_KEY, SUBJECT, now() + 600)).await;
    assert_eq!(code(&body), 70021, "{body}");
}

#[tokio::test]
async fn an_unusable_registration_stops_the_start() {
    let e = Emulator::builder()
        .federated_credential(ISSUER, SUBJECT, "not a key")
        .start()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("federated credential"), "{e}");
}

#[tokio::test]
async fn the_binary_takes_repeated_federated_credentials_and_certificates() {
    use std::io::BufRead;
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let issuer_public = format!("{fixtures}/issuer-public.pem");
    let cert = format!("{fixtures}/app-cert.pem");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_partner-center-emulator"))
        .args([
            "--port",
            "0",
            "--federated-credential",
            "https://issuer.one",
            "subject-one",
        ])
        .arg(&issuer_public)
        .args(["--federated-credential", ISSUER, SUBJECT])
        .arg(&issuer_public)
        .args(["--client-certificate"])
        .arg(&cert)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut vars = std::collections::HashMap::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if line == "# ready" {
            break;
        }
        if let Some((k, v)) = line.trim_start_matches("export ").split_once('=') {
            vars.insert(k.to_string(), v.to_string());
        }
    }
    let (host, tenant, client) = (
        &vars["AZURE_AUTHORITY_HOST"],
        &vars["AZURE_TENANT_ID"],
        &vars["AZURE_CLIENT_ID"],
    );
    let http = reqwest::Client::new();
    let call = |assertion: String| {
        let http = http.clone();
        let url = format!("{host}/{tenant}/oauth2/token");
        let client = client.clone();
        async move {
            http.post(url)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", client.as_str()),
                    ("client_assertion_type", JWT_BEARER),
                    ("client_assertion", assertion.as_str()),
                    ("resource", "https://api.partner.microsoft.com"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // The second federated credential and the certificate are both trusted.
    let second = call(federated_token(ISSUER_KEY, SUBJECT, now() + 600)).await;
    let aud = format!("{host}/{tenant}/oauth2/token");
    let own = call(certificate_assertion(APP_KEY, client, &aud, now() + 600)).await;
    let unknown = call(federated_token(OTHER_KEY, SUBJECT, now() + 600)).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!((second, own, unknown), (200, 200, 400));
}
