//! No public type shows a secret or a token in `Debug` or `Display`.

mod support;

use std::time::Duration;

use support::{CLIENT_ID, SECRET, TENANT, TOKEN};

use partner_center_ingestion::auth::{
    AccessToken, AuthError, ClientSecretCredential, Cloud, Secret, StaticTokenCredential,
    TokenCredential,
};
use partner_center_ingestion::Client;

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
