//! Keyless app credentials against the emulator and local stand-ins of the
//! CI providers' OIDC services: workload identity (a token file, GitHub
//! Actions, Azure Pipelines) and client certificates. Everything listens on
//! 127.0.0.1, and each test reads its own variables (no process-wide
//! environment is changed).

mod credentials_support;

use std::collections::HashMap;
use std::time::Duration;

use credentials_support::*;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use partner_center_ingestion::auth::{
    AuthError, ClientCertificateCredential, Cloud, FederatedTokenSource, TokenCredential,
    WorkloadIdentityCredential,
};

fn aadsts(error: &AuthError) -> Option<u64> {
    match error {
        AuthError::Rejected(aad) => aad.aadsts_code(),
        _ => None,
    }
}

#[tokio::test]
async fn the_token_file_is_read_again_for_every_token() {
    let emu = trusting_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("azure-identity-token");
    std::fs::write(&file, federated_token(ISSUER_KEY, SUBJECT)).unwrap();
    let env = env_for(
        &emu,
        &[("AZURE_FEDERATED_TOKEN_FILE", file.to_str().unwrap())],
    );
    let credential = WorkloadIdentityCredential::builder_from_environment(&env)
        .unwrap()
        .build()
        .unwrap();
    assert!(matches!(credential.source(), FederatedTokenSource::File(_)));
    let token = credential.get_token().await.unwrap();
    assert_eq!(list_products(&emu, credential.clone()).await.unwrap(), 0);

    // The file is rotated to a token signed by a key nobody registered:
    // the next token request reads it, and Azure AD's code comes back.
    std::fs::write(&file, federated_token(OTHER_KEY, SUBJECT)).unwrap();
    credential.token_rejected(&token);
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(aadsts(&error), Some(7000274), "{error}");
    assert!(error.to_string().contains("AADSTS7000274"), "{error}");

    // A subject no federated credential names.
    std::fs::write(
        &file,
        federated_token(ISSUER_KEY, "repo:contoso/other:ref:refs/heads/main"),
    )
    .unwrap();
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(aadsts(&error), Some(70021), "{error}");
    assert!(
        error.to_string().contains("federated credential"),
        "{error}"
    );

    // Rotated back to a good one.
    std::fs::write(&file, federated_token(ISSUER_KEY, SUBJECT)).unwrap();
    assert!(credential.get_token().await.is_ok());

    // A missing file says which.
    let gone = WorkloadIdentityCredential::builder(
        emu.tenant_id(),
        emu.client_id(),
        FederatedTokenSource::File(dir.path().join("nothing-here")),
    )
    .cloud(Cloud::from_authority_host(&emu.authority_host()).unwrap())
    .build()
    .unwrap();
    let error = gone.get_token().await.unwrap_err();
    assert!(error.to_string().contains("nothing-here"), "{error}");
}

#[tokio::test]
async fn github_actions_oidc_is_asked_for_every_renewal() {
    let emu = trusting_emulator().await;
    let github = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/_apis/distributedtask/oidctoken"))
        .and(query_param("api-version", "2.0"))
        .and(query_param("audience", "api://AzureADTokenExchange"))
        .and(header("authorization", "Bearer gh-request-token"))
        .respond_with(move |_: &wiremock::Request| {
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "count": 1,
                "value": federated_token(ISSUER_KEY, SUBJECT),
            }))
        })
        .mount(&github)
        .await;
    let url = format!(
        "{}/_apis/distributedtask/oidctoken?api-version=2.0",
        github.uri()
    );
    let env = env_for(
        &emu,
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-request-token"),
        ],
    );
    let credential = WorkloadIdentityCredential::builder_from_environment(&env)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(credential.source().name(), "GitHub Actions");
    let first = credential.get_token().await.unwrap();
    assert_eq!(list_products(&emu, credential.clone()).await.unwrap(), 0);
    assert_eq!(github.received_requests().await.unwrap().len(), 1, "cached");
    credential.token_rejected(&first);
    let second = credential.get_token().await.unwrap();
    assert_ne!(first.secret(), second.secret());
    assert_eq!(
        github.received_requests().await.unwrap().len(),
        2,
        "a renewal fetches a fresh federated token"
    );

    // A request token the service refuses: the error says what to check.
    let env = env_for(
        &emu,
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "stale"),
        ],
    );
    let stale = WorkloadIdentityCredential::builder_from_environment(&env)
        .unwrap()
        .build()
        .unwrap();
    let error = stale.get_token().await.unwrap_err();
    assert!(error.to_string().contains("id-token: write"), "{error}");
    assert!(!format!("{error:?}").contains("stale"), "{error:?}");
}

#[tokio::test]
async fn azure_pipelines_oidc_with_the_tasks_variables() {
    let emu = trusting_emulator().await;
    let devops = MockServer::start().await;
    let oidc_path =
        "/contoso/p1/_apis/distributedtask/hubs/build/plans/plan-1/jobs/job-1/oidctoken";
    Mock::given(method("POST"))
        .and(path(oidc_path))
        .and(query_param("api-version", "7.1"))
        .and(query_param("serviceConnectionId", "conn-1"))
        .and(header("authorization", "Bearer pipelines-access-token"))
        .and(header("x-tfs-fedauthredirect", "Suppress"))
        .respond_with(move |_: &wiremock::Request| {
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({ "oidcToken": federated_token(ISSUER_KEY, SUBJECT) }),
            )
        })
        .mount(&devops)
        .await;
    let uri = format!("{}{oidc_path}", devops.uri());
    // The AzureCLI@2 task's names for the ids.
    let env = partner_center_ingestion::auth::Environment::from_pairs([
        ("AZURESUBSCRIPTION_TENANT_ID", emu.tenant_id().to_string()),
        ("AZURESUBSCRIPTION_CLIENT_ID", emu.client_id().to_string()),
        (
            "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
            "conn-1".to_string(),
        ),
        ("AZURE_AUTHORITY_HOST", emu.authority_host()),
        ("SYSTEM_OIDCREQUESTURI", uri.clone()),
        ("SYSTEM_ACCESSTOKEN", "pipelines-access-token".to_string()),
    ]);
    let credential = WorkloadIdentityCredential::builder_from_environment(&env)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(credential.source().name(), "Azure Pipelines");
    assert_eq!(list_products(&emu, credential).await.unwrap(), 0);

    // Without the service connection id the error names the variable.
    let env = env_for(
        &emu,
        &[
            ("SYSTEM_OIDCREQUESTURI", &uri),
            ("SYSTEM_ACCESSTOKEN", "pipelines-access-token"),
        ],
    );
    let error = WorkloadIdentityCredential::builder_from_environment(&env).unwrap_err();
    assert!(
        error.to_string().contains("AZURE_SERVICE_CONNECTION_ID"),
        "{error}"
    );

    // A wrong connection: the service answers an error, which says what to check.
    let wrong = WorkloadIdentityCredential::builder(
        emu.tenant_id(),
        emu.client_id(),
        FederatedTokenSource::AzurePipelines {
            oidc_request_uri: uri,
            service_connection_id: "conn-2".into(),
            access_token: "pipelines-access-token".into(),
        },
    )
    .cloud(Cloud::from_authority_host(&emu.authority_host()).unwrap())
    .build()
    .unwrap();
    let error = wrong.get_token().await.unwrap_err();
    assert!(error.to_string().contains("SYSTEM_ACCESSTOKEN"), "{error}");
}

#[tokio::test]
async fn client_certificates_in_pem_and_pkcs12() {
    let emu = trusting_emulator().await;
    let pem = env_for(
        &emu,
        &[(
            "AZURE_CLIENT_CERTIFICATE_PATH",
            &fixture("app-cert-and-key.pem"),
        )],
    );
    let from_pem = ClientCertificateCredential::builder_from_environment(&pem)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(list_products(&emu, from_pem.clone()).await.unwrap(), 0);
    // The same key in PKCS#8 (`BEGIN PRIVATE KEY`), as `openssl` writes it now.
    let pkcs8 = env_for(
        &emu,
        &[(
            "AZURE_CLIENT_CERTIFICATE_PATH",
            &fixture("app-cert-and-pkcs8-key.pem"),
        )],
    );
    let from_pkcs8 = ClientCertificateCredential::builder_from_environment(&pkcs8)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(from_pkcs8.thumbprint(), from_pem.thumbprint());
    assert_eq!(list_products(&emu, from_pkcs8).await.unwrap(), 0);

    // PKCS#12 needs the `pkcs12` feature (on in `cargo test --workspace`,
    // where the command turns it on); without it, the error says so.
    #[cfg(feature = "pkcs12")]
    {
        let pfx = env_for(
            &emu,
            &[
                ("AZURE_CLIENT_CERTIFICATE_PATH", &fixture("app.pfx")),
                ("AZURE_CLIENT_CERTIFICATE_PASSWORD", "test-password"),
                ("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true"),
            ],
        );
        let from_pfx = ClientCertificateCredential::builder_from_environment(&pfx)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(from_pfx.thumbprint(), from_pem.thumbprint());
        assert_eq!(list_products(&emu, from_pfx).await.unwrap(), 0);

        // A wrong password, a file without its key, a key the app does not have.
        let wrong = env_for(
            &emu,
            &[
                ("AZURE_CLIENT_CERTIFICATE_PATH", &fixture("app.pfx")),
                ("AZURE_CLIENT_CERTIFICATE_PASSWORD", "not-the-password"),
            ],
        );
        let error = ClientCertificateCredential::builder_from_environment(&wrong)
            .unwrap()
            .build()
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("AZURE_CLIENT_CERTIFICATE_PASSWORD"),
            "{error}"
        );
        assert!(!format!("{error} {error:?}").contains("not-the-password"));
    }
    #[cfg(not(feature = "pkcs12"))]
    {
        let pfx = env_for(
            &emu,
            &[("AZURE_CLIENT_CERTIFICATE_PATH", &fixture("app.pfx"))],
        );
        let error = ClientCertificateCredential::builder_from_environment(&pfx)
            .unwrap()
            .build()
            .unwrap_err();
        assert!(error.to_string().contains("`pkcs12` feature"), "{error}");
    }
    let error = ClientCertificateCredential::builder(
        emu.tenant_id(),
        emu.client_id(),
        fixture("app-cert.pem"),
    )
    .build()
    .unwrap_err();
    assert!(error.to_string().contains("no private key"), "{error}");

    let unregistered = partner_center_emulator::Emulator::builder()
        .start()
        .await
        .unwrap();
    let credential = ClientCertificateCredential::builder_from_environment(&env_for(
        &unregistered,
        &[(
            "AZURE_CLIENT_CERTIFICATE_PATH",
            &fixture("app-cert-and-key.pem"),
        )],
    ))
    .unwrap()
    .build()
    .unwrap();
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(aadsts(&error), Some(700027), "{error}");
}

#[tokio::test]
async fn every_certificate_token_request_carries_a_fresh_assertion() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/contoso.onmicrosoft.com/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_type": "Bearer", "expires_in": "0", "access_token": "short-lived",
        })))
        .mount(&server)
        .await;
    let credential = ClientCertificateCredential::builder(
        "contoso.onmicrosoft.com",
        "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5",
        fixture("app-cert-and-key.pem"),
    )
    .cloud(Cloud::from_authority_host(&server.uri()).unwrap())
    .renew_before_expiry(Duration::from_secs(60))
    .send_certificate_chain(true)
    .build()
    .unwrap();
    // Each token is already expired, so each call renews it.
    credential.get_token().await.unwrap();
    credential.get_token().await.unwrap();
    let assertions: Vec<HashMap<String, String>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| url::form_urlencoded::parse(&r.body).into_owned().collect())
        .collect();
    assert_eq!(assertions.len(), 2);
    for form in &assertions {
        assert_eq!(
            form["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        );
        assert_eq!(form["resource"], "https://api.partner.microsoft.com");
        assert!(!form.contains_key("client_secret"));
    }
    assert_ne!(
        assertions[0]["client_assertion"],
        assertions[1]["client_assertion"]
    );
    // The assertion: RS256, the thumbprint, the app as issuer and subject,
    // the token endpoint as audience.
    let jwt = &assertions[0]["client_assertion"];
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    assert_eq!(header.x5t_s256.as_deref(), Some(credential.thumbprint()));
    let chain = header.x5c.expect("the chain is sent when asked");
    let body: String = APP_CERT
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert_eq!(chain, [body]);
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(APP_CERT.as_bytes()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[credential.token_url().as_str()]);
    validation.set_issuer(&["0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5"]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["sub"], "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5");
    assert!(claims["jti"].is_string());
}

#[tokio::test]
async fn concurrent_callers_share_one_federated_token_and_one_token_request() {
    let emu = trusting_emulator().await;
    let github = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(move |_: &wiremock::Request| {
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "value": federated_token(ISSUER_KEY, SUBJECT) }))
        })
        .mount(&github)
        .await;
    let credential = WorkloadIdentityCredential::builder(
        emu.tenant_id(),
        emu.client_id(),
        FederatedTokenSource::GitHubActions {
            request_url: format!("{}/oidc?api-version=2.0", github.uri()),
            request_token: "gh-request-token".into(),
        },
    )
    .cloud(Cloud::from_authority_host(&emu.authority_host()).unwrap())
    .build()
    .unwrap();
    let before = emu.stats();
    let tokens = futures::future::join_all((0..8).map(|_| credential.get_token())).await;
    assert!(tokens.iter().all(|t| t.is_ok()));
    assert_eq!(github.received_requests().await.unwrap().len(), 1);
    let after = emu.stats();
    assert_eq!(after.token_requests - before.token_requests, 1, "{after:?}");
}
