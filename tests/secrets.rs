//! No public type shows a secret or a token in `Debug` or `Display`.

mod support;

use std::time::Duration;

use support::{CLIENT_ID, SECRET, TENANT, TOKEN};

use partner_center_ingestion::auth::{
    AccessToken, AuthError, ClientSecretCredential, Cloud, StaticTokenCredential, TokenCredential,
};
use partner_center_ingestion::{Client, Secret};

fn assert_clean(label: &str, text: &str) {
    assert!(!text.contains(SECRET), "{label} shows the secret: {text}");
    assert!(!text.contains(TOKEN), "{label} shows the token: {text}");
    assert!(
        !text.contains("stand-in-access-token"),
        "{label} shows part of the token: {text}"
    );
}

#[tokio::test]
async fn debug_and_display_never_show_secrets() {
    let secret = Secret::new(SECRET);
    assert_clean("Secret", &format!("{secret:?} {secret}"));
    assert_eq!(secret.expose(), SECRET, "the secret is still there to use");

    let token = AccessToken::new(TOKEN, Duration::from_secs(60));
    assert_clean("AccessToken", &format!("{token:?}"));
    assert_clean(
        "AccessToken secret",
        &format!("{:?} {}", token.secret(), token.secret()),
    );

    let static_credential = StaticTokenCredential::new(TOKEN);
    assert_clean("StaticTokenCredential", &format!("{static_credential:?}"));
    let got = static_credential.get_token().await.unwrap();
    assert_eq!(got.secret().expose(), TOKEN);

    let builder = ClientSecretCredential::builder(TENANT, CLIENT_ID, SECRET).cloud(Cloud::Public);
    assert_clean("ClientSecretCredentialBuilder", &format!("{builder:?}"));
    let credential = builder.build().unwrap();
    let shown = format!("{credential:?}");
    assert_clean("ClientSecretCredential", &shown);
    assert!(
        shown.contains(CLIENT_ID) && shown.contains("REDACTED"),
        "{shown}"
    );

    let client_builder = Client::builder(credential.clone());
    assert_clean("ClientBuilder", &format!("{client_builder:?}"));
    let client = client_builder.build().unwrap();
    assert_clean("Client", &format!("{client:?}"));

    let token_client = Client::builder(StaticTokenCredential::new(TOKEN))
        .build()
        .unwrap();
    assert_clean("Client with a static token", &format!("{token_client:?}"));

    // Errors built from failures that involved the secret.
    let unreachable = ClientSecretCredential::builder(TENANT, CLIENT_ID, SECRET)
        .cloud(Cloud::Custom("http://127.0.0.1:9".parse().unwrap()))
        .retries(1, Duration::from_millis(1))
        .build()
        .unwrap();
    let error: AuthError = unreachable.get_token().await.unwrap_err();
    assert_clean("AuthError", &format!("{error:?} {error}"));
    let wrapped = partner_center_ingestion::Error::from(error);
    assert_clean("Error", &format!("{wrapped:?} {wrapped}"));
}

#[test]
fn secrets_inside_api_payloads_are_hidden_but_sent() {
    use partner_center_ingestion::types;
    let image: types::ListingImage = serde_json::from_value(serde_json::json!({
        "fileName": "logo.png",
        "fileSasUri": "https://acct.blob.core.windows.net/c/logo.png?sv=2020-08-04&se=2026&sp=rw&sig=S1GNATURE%2Bxyz"
    }))
    .unwrap();
    let shown = format!("{image:?}");
    assert!(!shown.contains("S1GNATURE"), "{shown}");
    assert!(shown.contains("sig=REDACTED"), "{shown}");
    assert!(image
        .file_sas_uri
        .as_ref()
        .unwrap()
        .expose()
        .ends_with("sig=S1GNATURE%2Bxyz"));

    let lead: types::LeadConfiguration = serde_json::from_value(serde_json::json!({
        "resourceType": "DynamicsCustomerRelationshipManagementLeadConfiguration",
        "userName": "crm-user",
        "password": "crm-PASSWORD-1",
        "applicationKey": "app-KEY-2"
    }))
    .unwrap();
    let shown = format!("{lead:?}");
    assert!(
        !shown.contains("crm-PASSWORD-1") && !shown.contains("app-KEY-2"),
        "{shown}"
    );
    assert!(shown.contains("crm-user"), "{shown}");
    let sent = serde_json::to_value(&lead).unwrap();
    assert_eq!(
        sent["password"], "crm-PASSWORD-1",
        "sent to the service intact"
    );

    let table: types::AzureTableLeadConfiguration =
        serde_json::from_value(serde_json::json!({ "connectionString": "AccountKey=STORAGE-KEY" }))
            .unwrap();
    assert!(!format!("{table:?}").contains("STORAGE-KEY"));
}

/// What a lead configuration echoed by the service holds.
const PASSWORD: &str = "crm-PASSWORD-echoed-1";
const APP_KEY: &str = "app-KEY-echoed-2";
const ACCOUNT_KEY: &str = "c3RvcmFnZS1hY2NvdW50LWtleQ";

fn assert_no_echoed_secret(label: &str, text: &str) {
    for secret in [PASSWORD, APP_KEY, ACCOUNT_KEY] {
        assert!(!text.contains(secret), "{label} shows {secret}: {text}");
    }
}

async fn server_answering(status: u16, body: String) -> wiremock::MockServer {
    use wiremock::{matchers::any, Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("content-type", "application/json")
                .set_body_string(body),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn an_error_body_echoing_the_request_shows_no_secret() {
    let echoed = serde_json::json!({
        "resourceType": "DynamicsCustomerRelationshipManagementLeadConfiguration",
        "userName": "crm-user",
        "password": PASSWORD,
        "applicationKey": APP_KEY,
        "connectionString": format!("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={ACCOUNT_KEY}==;EndpointSuffix=core.windows.net"),
    });
    let bodies = [
        // The service's form, the request inside the fault's data.
        support::ich_error(
            "ICH50400",
            "Unable to complete request.",
            serde_json::json!({ "faultCode": 50400, "reasonPhrase": "Request validation failed.", "data": { "request": [echoed.to_string()], "leadConfiguration": echoed } }),
        ),
        // A plain JSON object.
        serde_json::json!({ "message": "invalid", "request": echoed }).to_string(),
        // Text.
        format!("invalid lead configuration {echoed}"),
    ];
    for body in bodies {
        let server = server_answering(400, body).await;
        let client = support::client_for(&server);
        let result: partner_center_ingestion::Result<_> =
            client.get_lead_configuration().product_id("p").send().await;
        let error = result.unwrap_err();
        assert!(
            matches!(error, partner_center_ingestion::Error::Api(_)),
            "{error:?}"
        );
        assert_no_echoed_secret("Error", &format!("{error} {error:?}"));
        let api = error.api().unwrap();
        assert_no_echoed_secret("ApiError", &format!("{api} {api:?} {}", api.body));
        assert!(format!("{error}").contains("400"), "{error}");
    }
}

#[tokio::test]
async fn a_lead_configuration_that_does_not_decode_shows_no_secret() {
    let body = serde_json::json!({
        "resourceType": "AzureTableLeadConfiguration",
        "connectionString": format!("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={ACCOUNT_KEY}==;EndpointSuffix=core.windows.net"),
        "password": PASSWORD,
        "applicationKey": APP_KEY,
        "contactEmail": 42,
    });
    let server = server_answering(200, body.to_string()).await;
    let client = support::client_for(&server);
    let error = client
        .get_lead_configuration()
        .product_id("p")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, partner_center_ingestion::Error::Decode { .. }),
        "{error:?}"
    );
    assert_no_echoed_secret("Decode", &format!("{error} {error:?}"));
    assert!(format!("{error}").contains("cannot read"), "{error}");
}

#[test]
fn unlisted_fields_show_no_secret_in_debug() {
    use partner_center_ingestion::types;
    let product: types::AzureProduct = serde_json::from_value(serde_json::json!({
        "resourceType": "AzureApplication",
        "name": "Offer",
        "clientSecret": PASSWORD,
        "settings": { "storage": format!("AccountName=a;AccountKey={ACCOUNT_KEY}"), "apiKey": APP_KEY },
        "note": "kept",
    }))
    .unwrap();
    let shown = format!("{product:?}");
    assert_no_echoed_secret("extra", &shown);
    assert!(
        shown.contains("clientSecret") && shown.contains("kept"),
        "{shown}"
    );
    assert_eq!(
        product.extra["clientSecret"], PASSWORD,
        "kept as sent, to be written back"
    );

    let unknown: types::LeadConfiguration = serde_json::from_value(serde_json::json!({
        "resourceType": "FutureLeadConfiguration",
        "clientSecret": PASSWORD,
        "password": APP_KEY,
    }))
    .unwrap();
    let shown = format!("{unknown:?}");
    assert_no_echoed_secret("unknown union variant", &shown);
    assert!(shown.contains("FutureLeadConfiguration"), "{shown}");
}

#[tokio::test]
async fn a_value_quoted_by_the_decoder_is_not_shown_anywhere_in_the_chain() {
    // A secret where a boolean belongs: serde_json's own message quotes it.
    let body =
        serde_json::json!({ "resourceType": "AzureApplication", "isModularPublishing": PASSWORD });
    let server = server_answering(200, body.to_string()).await;
    let client = support::client_for(&server);
    let error = client
        .get_product()
        .product_id("p")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, partner_center_ingestion::Error::Decode { .. }),
        "{error:?}"
    );
    let mut shown = format!("{error} {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        shown.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    // The snippet is the body's start, shown as any body is (the name is
    // not secret); the decoder's message must not quote the value on top.
    assert!(
        !shown.contains(&format!("string \"{PASSWORD}\"")),
        "{shown}"
    );
    assert!(
        std::error::Error::source(&error).is_none(),
        "serde's error is not the source"
    );
    assert!(shown.contains("expected a boolean"), "{shown}");
}
