//! Lists every product (offer) of the tenant, one line each:
//! id, resource type, name and offer id (the `AzureOfferId` external id).
//!
//! Configured from the environment:
//!
//! * `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`: the app
//!   registration that has access to Partner Center;
//! * `AZURE_AUTHORITY_HOST` (optional): another Azure AD, such as
//!   `https://login.microsoftonline.us`;
//! * `PARTNER_CENTER_ENDPOINT` (optional): another API address;
//! * `RUST_LOG` (optional): what to log to standard error, such as `debug`.
//!
//! ```text
//! cargo run --example list_products
//! ```

use std::process::ExitCode;

use futures::TryStreamExt;
use partner_center_ingestion::{Client, Error};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    match run().await {
        Ok(count) => {
            eprintln!("{count} products");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<usize, Error> {
    let client = Client::from_env()?;
    let mut products = client.list_products().stream();
    let mut count = 0;
    while let Some(product) = products.try_next().await? {
        let offer_id = product
            .external_ids
            .iter()
            .find(|id| {
                id.type_
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("AzureOfferId"))
            })
            .and_then(|id| id.value.as_deref())
            .unwrap_or("-");
        println!(
            "{}\t{}\t{}\t{}",
            product.id.as_deref().unwrap_or("-"),
            product.resource_type.as_ref().map_or("-", |t| t.as_str()),
            product.name.as_deref().unwrap_or("-"),
            offer_id,
        );
        count += 1;
    }
    Ok(count)
}
