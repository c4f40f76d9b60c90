//! The credentials of the machine the program runs on (a fake `az` on a
//! `PATH` of the test's own, a fake IMDS and App Service endpoint on
//! 127.0.0.1), the default chain's order and its "nothing configured"
//! error, and that no secret reaches the trace log. No test changes the
//! process environment or reaches the real IMDS address.

#![cfg(unix)]

mod credentials_support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use credentials_support::*;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use partner_center_ingestion::auth::{
    AuthError, AzureCliCredential, ClientSecretCredential, Cloud, DefaultCredential, Environment,
    ManagedIdentityCredential, ManagedIdentityId, TokenCredential,
};
use partner_center_ingestion::retry::RetryPolicy;

/// Writes an executable `az` into `dir` that runs `body` (sh).
fn fake_az(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("az");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A real token of `emu`, as `az` would print one.
async fn emulator_token(emu: &partner_center_emulator::EmulatorHandle) -> String {
    let credential =
        ClientSecretCredential::builder(emu.tenant_id(), emu.client_id(), emu.client_secret())
            .cloud(Cloud::from_authority_host(&emu.authority_host()).unwrap())
            .build()
            .unwrap();
    credential
        .get_token()
        .await
        .unwrap()
        .secret()
        .expose()
        .to_string()
}

#[tokio::test]
async fn the_azure_cli_is_found_on_path_and_run_without_a_shell() {
    let emu = trusting_emulator().await;
    let token = emulator_token(&emu).await;
    let dir = tempfile::tempdir().unwrap();
    let args = dir.path().join("args");
    fake_az(
        dir.path(),
        &format!(
            "printf '%s\\n' \"$@\" > '{}'\necho '{{\"accessToken\":\"{token}\",\"expiresOn\":\"2099-01-01 00:00:00.000000\",\"expires_on\":{},\"tokenType\":\"Bearer\"}}'",
            args.display(),
            now() + 3600
        ),
    );
    let env = Environment::from_pairs([
        ("PATH", format!("/nonexistent:{}", dir.path().display())),
        ("AZURE_TENANT_ID", emu.tenant_id().to_string()),
    ]);
    let credential = AzureCliCredential::builder_from_environment(&env)
        .build()
        .unwrap();
    assert_eq!(credential.program(), dir.path().join("az"));
    assert_eq!(list_products(&emu, credential.clone()).await.unwrap(), 0);
    let got = credential.get_token().await.unwrap();
    let lifetime = got.expires_in().unwrap();
    assert!(
        lifetime > Duration::from_secs(3000) && lifetime <= Duration::from_secs(3600),
        "{lifetime:?}"
    );
    let args: Vec<String> = std::fs::read_to_string(&args)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        args,
        [
            "account",
            "get-access-token",
            "--output",
            "json",
            "--resource",
            "https://api.partner.microsoft.com",
            "--tenant",
            emu.tenant_id(),
        ]
    );
}

#[tokio::test]
async fn the_azure_cli_says_when_it_is_missing_signed_out_or_slow() {
    let empty = tempfile::tempdir().unwrap();
    let env = Environment::from_pairs([("PATH", empty.path().display().to_string())]);
    let error = AzureCliCredential::builder_from_environment(&env)
        .build()
        .unwrap_err();
    assert!(matches!(error, AuthError::Unavailable(_)), "{error:?}");
    assert!(error.to_string().contains("not installed"), "{error}");

    let dir = tempfile::tempdir().unwrap();
    let signed_out = fake_az(
        dir.path(),
        "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1",
    );
    let credential = AzureCliCredential::builder()
        .program(&signed_out)
        .build()
        .unwrap();
    let error = credential.get_token().await.unwrap_err();
    assert!(error.to_string().contains("run `az login`"), "{error}");

    let slow_dir = tempfile::tempdir().unwrap();
    let slow = fake_az(slow_dir.path(), "sleep 30");
    let credential = AzureCliCredential::builder()
        .program(&slow)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = credential.get_token().await.unwrap_err();
    assert!(error.to_string().contains("did not answer"), "{error}");

    let odd_dir = tempfile::tempdir().unwrap();
    let odd = fake_az(odd_dir.path(), "echo 'secret-looking output'");
    let credential = AzureCliCredential::builder().program(&odd).build().unwrap();
    let error = credential.get_token().await.unwrap_err();
    assert!(!error.to_string().contains("secret-looking"), "{error}");
}

fn imds_token(token: &str) -> serde_json::Value {
    serde_json::json!({
        "access_token": token, "expires_in": "3599", "expires_on": (now() + 3599).to_string(),
        "resource": "https://api.partner.microsoft.com", "token_type": "Bearer",
    })
}

fn quick() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_millis(20),
        budget: Duration::from_secs(10),
    }
}

#[tokio::test]
async fn imds_with_its_header_retries_and_a_user_assigned_identity() {
    let imds = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&imds)
        .await;
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .respond_with(ResponseTemplate::new(410))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&imds)
        .await;
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .and(query_param("api-version", "2018-02-01"))
        .and(query_param("resource", "https://api.partner.microsoft.com"))
        .and(query_param("client_id", "user-assigned-id"))
        .and(header("metadata", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(imds_token("imds-token")))
        .with_priority(2)
        .mount(&imds)
        .await;
    // The endpoint from AZURE_POD_IDENTITY_AUTHORITY_HOST, the identity from AZURE_CLIENT_ID.
    let env = Environment::from_pairs([
        ("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.uri()),
        ("AZURE_CLIENT_ID", "user-assigned-id".to_string()),
    ]);
    let credential = ManagedIdentityCredential::builder_from_environment(&env)
        .unwrap()
        .retry_policy(quick())
        .build()
        .unwrap();
    let token = credential.get_token().await.unwrap();
    assert_eq!(token.secret().expose(), "imds-token");
    assert_eq!(
        imds.received_requests().await.unwrap().len(),
        3,
        "the 503 and the 410 were retried"
    );

    // A 400 (no such identity) is not retried, and says what to check.
    let refusing = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_request", "error_description": "Identity not found"
        })))
        .mount(&refusing)
        .await;
    let credential = ManagedIdentityCredential::builder()
        .imds_endpoint(url::Url::parse(&refusing.uri()).unwrap())
        .identity(ManagedIdentityId::ClientId("nobody".into()))
        .retry_policy(quick())
        .build()
        .unwrap();
    let error = credential.get_token().await.unwrap_err();
    assert!(error.to_string().contains("Identity not found"), "{error}");
    assert_eq!(refusing.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn app_service_identity_endpoint_with_its_header() {
    let app_service = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/msi/token"))
        .and(query_param("api-version", "2019-08-01"))
        .and(query_param("resource", "https://api.partner.microsoft.com"))
        .and(header("x-identity-header", "identity-header-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "app-service-token", "expires_on": (now() + 3600).to_string(),
            "resource": "https://api.partner.microsoft.com", "token_type": "Bearer",
        })))
        .mount(&app_service)
        .await;
    let env = Environment::from_pairs([
        (
            "IDENTITY_ENDPOINT",
            format!("{}/msi/token", app_service.uri()),
        ),
        ("IDENTITY_HEADER", "identity-header-secret".to_string()),
    ]);
    let credential = ManagedIdentityCredential::builder_from_environment(&env)
        .unwrap()
        .build()
        .unwrap();
    assert!(!format!("{credential:?}").contains("identity-header-secret"));
    let token = credential.get_token().await.unwrap();
    assert_eq!(token.secret().expose(), "app-service-token");
    assert!(token.expires_in().unwrap() > Duration::from_secs(3000));
}

/// A loopback port nothing listens on.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn an_absent_imds_is_unavailable_after_the_probe() {
    let credential = ManagedIdentityCredential::builder()
        .imds_endpoint(url::Url::parse(&closed_port()).unwrap())
        .probe_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let error = credential.get_token().await.unwrap_err();
    assert!(matches!(error, AuthError::Unavailable(_)), "{error:?}");
    assert!(error.to_string().contains("managed identity"), "{error}");
}

#[tokio::test]
async fn the_default_chain_takes_the_first_configured_credential() {
    let emu = trusting_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, federated_token(ISSUER_KEY, SUBJECT)).unwrap();
    let token = emulator_token(&emu).await;
    fake_az(
        dir.path(),
        &format!(
            "echo '{{\"accessToken\":\"{token}\",\"expires_on\":{}}}'",
            now() + 3600
        ),
    );
    let path = dir.path().display().to_string();
    let file = file.display().to_string();

    // Secret before everything else.
    let env = env_for(
        &emu,
        &[
            ("AZURE_CLIENT_SECRET", emu.client_secret()),
            ("AZURE_FEDERATED_TOKEN_FILE", &file),
            ("PATH", &path),
        ],
    );
    let chain = DefaultCredential::builder()
        .environment(env)
        .managed_identity(false)
        .build()
        .unwrap();
    assert_eq!(
        chain.candidates(),
        [
            "environment (client secret)",
            "workload identity (token file)",
            "Azure CLI"
        ]
    );
    assert_eq!(list_products(&emu, chain).await.unwrap(), 0);

    // The token file before the Azure CLI.
    let env = env_for(
        &emu,
        &[("AZURE_FEDERATED_TOKEN_FILE", &file), ("PATH", &path)],
    );
    let chain = Arc::new(
        DefaultCredential::builder()
            .environment(env)
            .managed_identity(false)
            .build()
            .unwrap(),
    );
    assert_eq!(list_products(&emu, Arc::clone(&chain)).await.unwrap(), 0);
    assert_eq!(chain.chosen(), Some("workload identity (token file)"));

    // A configured credential that fails is the error: no silent fallback.
    std::fs::write(&file, federated_token(OTHER_KEY, SUBJECT)).unwrap();
    let env = env_for(
        &emu,
        &[("AZURE_FEDERATED_TOKEN_FILE", &file), ("PATH", &path)],
    );
    let chain = DefaultCredential::builder()
        .environment(env)
        .managed_identity(false)
        .build()
        .unwrap();
    let error = chain.get_token().await.unwrap_err();
    assert!(error.to_string().contains("AADSTS7000274"), "{error}");

    // Managed identity (absent here) is passed over for the Azure CLI.
    let env = Environment::from_pairs([
        ("PATH", path.clone()),
        ("AZURE_POD_IDENTITY_AUTHORITY_HOST", closed_port()),
    ]);
    let chain = Arc::new(
        DefaultCredential::builder()
            .environment(env)
            .imds_probe_timeout(Duration::from_millis(500))
            .build()
            .unwrap(),
    );
    assert_eq!(chain.candidates(), ["managed identity", "Azure CLI"]);
    assert_eq!(list_products(&emu, Arc::clone(&chain)).await.unwrap(), 0);
    assert_eq!(chain.chosen(), Some("Azure CLI"));
}

#[tokio::test]
async fn nothing_configured_is_one_error_that_lists_every_credential() {
    let empty = tempfile::tempdir().unwrap();
    let env = Environment::from_pairs([("PATH", empty.path().display().to_string())]);
    let error = DefaultCredential::builder()
        .environment(env)
        .managed_identity(false)
        .build()
        .unwrap_err();
    let AuthError::NoCredential { tried } = &error else {
        panic!("{error:?}");
    };
    let names: Vec<_> = tried.iter().map(|t| t.credential).collect();
    assert_eq!(
        names,
        [
            "environment (client secret)",
            "environment (client certificate)",
            "workload identity",
            "managed identity",
            "Azure CLI"
        ]
    );
    let text = error.to_string();
    for needed in [
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "AZURE_FEDERATED_TOKEN_FILE",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "SYSTEM_OIDCREQUESTURI",
        "not installed",
        "az login",
    ] {
        assert!(text.contains(needed), "{needed} missing from: {text}");
    }

    // Variables that are set but wrong are an error at once.
    let env = Environment::from_pairs([
        ("AZURE_TENANT_ID", "my tenant"),
        ("AZURE_CLIENT_ID", "app"),
        ("AZURE_CLIENT_SECRET", "s3cr3t-value"),
    ]);
    let error = DefaultCredential::from_environment(&env).unwrap_err();
    assert!(error.to_string().contains("tenant id"), "{error}");
    assert!(!format!("{error} {error:?}").contains("s3cr3t-value"));
}

/// Collects everything logged, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_assertion_key_or_token_reaches_the_trace_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = trusting_emulator().await;
    let github = MockServer::start().await;
    let federated = federated_token(ISSUER_KEY, SUBJECT);
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "value": federated })),
        )
        .mount(&github)
        .await;
    let url = format!("{}/oidc?api-version=2.0", github.uri());
    let env = env_for(
        &emu,
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-request-token-value"),
        ],
    );
    let chain = DefaultCredential::builder()
        .environment(env)
        .managed_identity(false)
        .azure_cli(false)
        .build()
        .unwrap();
    let debug = format!("{chain:?}");
    let token = chain.get_token().await.unwrap();
    let certificate =
        partner_center_ingestion::auth::ClientCertificateCredential::builder_from_environment(
            &env_for(
                &emu,
                &[
                    // PKCS#12 where the feature is on (`cargo test --workspace`).
                    (
                        "AZURE_CLIENT_CERTIFICATE_PATH",
                        &fixture(if cfg!(feature = "pkcs12") {
                            "app.pfx"
                        } else {
                            "app-cert-and-key.pem"
                        }),
                    ),
                    ("AZURE_CLIENT_CERTIFICATE_PASSWORD", "test-password"),
                ],
            ),
        )
        .unwrap()
        .build()
        .unwrap();
    let debug = format!("{debug} {certificate:?}");
    let cert_token = certificate.get_token().await.unwrap();
    assert_eq!(list_products(&emu, certificate).await.unwrap(), 0);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("federated token obtained"),
        "the log was captured: {log}"
    );
    let all = format!("{log} {debug}");
    let key_body: String = APP_KEY.lines().nth(1).unwrap().to_string();
    for secret in [
        federated.as_str(),
        federated.split('.').nth(2).unwrap(),
        token.secret().expose(),
        cert_token.secret().expose(),
        "gh-request-token-value",
        "test-password",
        key_body.as_str(),
    ] {
        assert!(
            !all.contains(secret),
            "a secret reached the log or Debug: {secret}"
        );
    }
}
