//! Configuration from the environment. One test, because the environment
//! is shared by the whole process.

mod support;

use partner_center_ingestion::auth::{AuthError, ClientSecretCredential};
use partner_center_ingestion::{Client, Error, DEFAULT_ENDPOINT};

const VARS: [&str; 6] = [
    "PARTNER_CENTER_PUBLISHER_ID",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_AUTHORITY_HOST",
    "PARTNER_CENTER_ENDPOINT",
];

fn set(pairs: &[(&str, &str)]) {
    for var in VARS {
        std::env::remove_var(var);
    }
    for (k, v) in pairs {
        std::env::set_var(k, v);
    }
}

const TENANT: (&str, &str) = ("AZURE_TENANT_ID", "contoso.onmicrosoft.com");
const CLIENT: (&str, &str) = ("AZURE_CLIENT_ID", "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5");
const SECRET: (&str, &str) = ("AZURE_CLIENT_SECRET", "Sx8Q~env-secret-never-shown");

#[test]
fn configuration_from_the_environment() {
    // Each missing variable is named.
    for missing in ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"] {
        let pairs: Vec<(&str, &str)> = [TENANT, CLIENT, SECRET]
            .into_iter()
            .filter(|(k, _)| *k != missing)
            .collect();
        set(&pairs);
        match ClientSecretCredential::from_env() {
            Err(AuthError::MissingVariable { name, .. }) => assert_eq!(name, missing),
            other => panic!("expected {missing} to be named, got {other:?}"),
        }
        let error = Client::from_env().unwrap_err();
        assert!(error.to_string().contains(missing), "{error}");
    }

    // Defaults: the public cloud, the v1 endpoint, the public API.
    set(&[TENANT, CLIENT, SECRET]);
    let credential = ClientSecretCredential::from_env().unwrap();
    assert_eq!(
        credential.token_url().as_str(),
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token"
    );
    assert_eq!(Client::from_env().unwrap().endpoint(), DEFAULT_ENDPOINT);

    // Another cloud and another endpoint.
    set(&[
        TENANT,
        CLIENT,
        SECRET,
        ("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/"),
        (
            "PARTNER_CENTER_ENDPOINT",
            "http://127.0.0.1:9/v1.0/ingestion/",
        ),
    ]);
    let credential = ClientSecretCredential::from_env().unwrap();
    assert!(credential
        .token_url()
        .as_str()
        .starts_with("https://login.microsoftonline.us/contoso"));
    assert_eq!(
        Client::from_env().unwrap().endpoint(),
        "http://127.0.0.1:9/v1.0/ingestion"
    );

    // Plain http only for loopback.
    set(&[
        TENANT,
        CLIENT,
        SECRET,
        ("AZURE_AUTHORITY_HOST", "http://login.example.com"),
    ]);
    let error = ClientSecretCredential::from_env().unwrap_err();
    assert!(error.to_string().contains("loopback"), "{error}");
    set(&[
        TENANT,
        CLIENT,
        SECRET,
        (
            "PARTNER_CENTER_ENDPOINT",
            "http://api.example.com/v1.0/ingestion",
        ),
    ]);
    assert!(matches!(Client::from_env(), Err(Error::Config(_))));
    set(&[
        TENANT,
        CLIENT,
        SECRET,
        ("PARTNER_CENTER_ENDPOINT", "not a url"),
    ]);
    let error = Client::from_env().unwrap_err();
    assert!(error.to_string().contains("not a URL"), "{error}");

    // A malformed tenant is caught before any request.
    set(&[("AZURE_TENANT_ID", "my tenant"), CLIENT, SECRET]);
    let error = ClientSecretCredential::from_env().unwrap_err();
    assert!(error.to_string().contains("tenant id"), "{error}");
    assert!(!format!("{error} {error:?}").contains("env-secret-never-shown"));

    // The publisher id: checked, named when wrong, and sent on every call.
    set(&[
        TENANT,
        CLIENT,
        SECRET,
        ("PARTNER_CENTER_PUBLISHER_ID", "my-seller"),
    ]);
    let error = Client::from_env().unwrap_err();
    let shown = error.to_string();
    assert!(
        matches!(error, Error::Config(_)) && shown.contains("PARTNER_CENTER_PUBLISHER_ID"),
        "{shown}"
    );
    publisher_id_from_the_environment_is_sent();
}

fn publisher_id_from_the_environment_is_sent() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = MockServer::start().await;
        support::mount_token_endpoint(&server, support::TOKEN, 3600).await;
        Mock::given(method("GET"))
            .and(path(format!("{}/products/p-1", support::BASE_PATH)))
            .respond_with(ResponseTemplate::new(200).set_body_json(support::product(1)))
            .mount(&server)
            .await;
        let endpoint = format!("{}{}", server.uri(), support::BASE_PATH);
        set(&[
            ("AZURE_TENANT_ID", support::TENANT),
            CLIENT,
            SECRET,
            ("AZURE_AUTHORITY_HOST", &server.uri()),
            ("PARTNER_CENTER_ENDPOINT", &endpoint),
            ("PARTNER_CENTER_PUBLISHER_ID", " 31415926 "),
        ]);
        let client = Client::from_env().unwrap();
        client.get_product().product_id("p-1").send().await.unwrap();
        let calls = support::received_on(&server, support::BASE_PATH).await;
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].headers["x-ms-publisherid"], "31415926");
        // The token request is not an API call: it does not carry it.
        let token_calls = support::received_on(&server, &support::v1_token_path()).await;
        assert_eq!(token_calls.len(), 1);
        assert!(token_calls[0].headers.get("x-ms-publisherid").is_none());
    });
}
