//! `examples/list_products.rs` (which builds its client with
//! `Client::from_env()`) picks every keyless credential up from the
//! environment alone: each run is a child process with an environment of
//! its own, against an emulator on 127.0.0.1 that has a federated
//! credential and a client certificate registered and no secret given out.
//! The trace log of every run is checked for secrets.

#![cfg(unix)]

mod credentials_support;
mod support;

use std::path::Path;

use credentials_support::*;
use partner_center_emulator::EmulatorHandle;
use wiremock::matchers::{method, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Runs the example with the app's ids, the emulator's addresses, a `PATH`
/// of `path` only, and `extra`; returns whether it succeeded and its output.
async fn run(emu: &EmulatorHandle, path: &Path, extra: &[(&str, &str)]) -> (bool, String) {
    let binary = support::example_binary("list_products");
    let mut command = tokio::process::Command::new(binary);
    command
        .env_clear()
        .env("PATH", path)
        .env("RUST_LOG", "trace")
        .env("AZURE_TENANT_ID", emu.tenant_id())
        .env("AZURE_CLIENT_ID", emu.client_id())
        .env("AZURE_AUTHORITY_HOST", emu.authority_host())
        .env("PARTNER_CENTER_ENDPOINT", emu.endpoint());
    for (k, v) in extra {
        command.env(k, v);
    }
    let output = command.output().await.expect("the example runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains("panicked"), "{all}");
    (output.status.success(), all)
}

fn assert_no_secret(all: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !all.contains(secret),
            "a secret reached the output: {secret}\n{all}"
        );
    }
    let key_line = APP_KEY.lines().nth(1).unwrap();
    assert!(
        !all.contains(key_line),
        "the private key reached the output"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_keyless_credential_is_picked_up_from_the_environment() {
    let emu = trusting_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();

    // A federated token file.
    let file = dir.path().join("token");
    let federated = federated_token(ISSUER_KEY, SUBJECT);
    std::fs::write(&file, &federated).unwrap();
    let (ok, all) = run(
        &emu,
        &empty,
        &[("AZURE_FEDERATED_TOKEN_FILE", file.to_str().unwrap())],
    )
    .await;
    assert!(ok, "{all}");
    assert!(all.contains("0 products"), "{all}");
    assert!(
        all.contains("requesting a token with a client assertion"),
        "traced: {all}"
    );
    assert_no_secret(&all, &[&federated, federated.split('.').nth(2).unwrap()]);

    // GitHub Actions' OIDC service.
    let github = MockServer::start().await;
    let gh_token = federated_token(ISSUER_KEY, SUBJECT);
    Mock::given(method("GET"))
        .and(query_param("audience", "api://AzureADTokenExchange"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "value": gh_token })),
        )
        .mount(&github)
        .await;
    let url = format!("{}/oidc?api-version=2.0", github.uri());
    let (ok, all) = run(
        &emu,
        &empty,
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-request-token-value"),
        ],
    )
    .await;
    assert!(ok, "{all}");
    assert_no_secret(&all, &[&gh_token, "gh-request-token-value"]);

    // A client certificate, PEM and PKCS#12.
    let (ok, all) = run(
        &emu,
        &empty,
        &[(
            "AZURE_CLIENT_CERTIFICATE_PATH",
            &fixture("app-cert-and-key.pem"),
        )],
    )
    .await;
    assert!(ok, "{all}");
    assert_no_secret(&all, &[]);
    #[cfg(feature = "pkcs12")]
    {
        let (ok, all) = run(
            &emu,
            &empty,
            &[
                ("AZURE_CLIENT_CERTIFICATE_PATH", &fixture("app.pfx")),
                ("AZURE_CLIENT_CERTIFICATE_PASSWORD", "test-password"),
            ],
        )
        .await;
        assert!(ok, "{all}");
        assert_no_secret(&all, &["test-password"]);
    }

    // A fake `az` on PATH, printing a token of the emulator.
    let az_dir = dir.path().join("bin");
    std::fs::create_dir(&az_dir).unwrap();
    let token = {
        use partner_center_ingestion::auth::{ClientSecretCredential, Cloud, TokenCredential};
        ClientSecretCredential::builder(emu.tenant_id(), emu.client_id(), emu.client_secret())
            .cloud(Cloud::from_authority_host(&emu.authority_host()).unwrap())
            .build()
            .unwrap()
            .get_token()
            .await
            .unwrap()
            .secret()
            .expose()
            .to_string()
    };
    {
        use std::os::unix::fs::PermissionsExt;
        let az = az_dir.join("az");
        std::fs::write(
            &az,
            format!(
                "#!/bin/sh\necho '{{\"accessToken\":\"{token}\",\"expires_on\":{}}}'\n",
                now() + 3600
            ),
        )
        .unwrap();
        std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (ok, all) = run(&emu, &az_dir, &[]).await;
    assert!(ok, "{all}");
    assert!(
        all.contains("Azure CLI"),
        "the chain says what it uses: {all}"
    );
    assert_no_secret(&all, &[&token, emu.client_secret()]);

    // A token signed by a key nobody registered: its AADSTS code.
    std::fs::write(&file, federated_token(OTHER_KEY, SUBJECT)).unwrap();
    let (ok, all) = run(
        &emu,
        &empty,
        &[("AZURE_FEDERATED_TOKEN_FILE", file.to_str().unwrap())],
    )
    .await;
    assert!(!ok, "{all}");
    assert!(all.contains("AADSTS7000274"), "{all}");

    // Nothing configured: one error that lists every credential tried.
    let (ok, all) = run(&emu, &empty, &[]).await;
    assert!(!ok, "{all}");
    for tried in [
        "environment (client secret)",
        "environment (client certificate)",
        "workload identity",
        "managed identity",
        "Azure CLI",
        "AZURE_FEDERATED_TOKEN_FILE",
    ] {
        assert!(all.contains(tried), "{tried} is not listed: {all}");
    }
}
