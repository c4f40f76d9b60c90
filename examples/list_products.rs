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

use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use futures::TryStreamExt;
use partner_center_ingestion::{Client, Error};
use tracing_subscriber::EnvFilter;

/// Why listing stopped early.
enum Stop {
    /// The API or the configuration failed.
    Api(Error),
    /// Standard output is closed (`… | head -3`): not an error.
    ClosedPipe,
    /// Standard output cannot be written.
    Output(std::io::Error),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        Stop::Api(error)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    // Standard error may be closed too: nothing written to it may panic.
    let mut stderr = std::io::stderr();
    match run().await {
        Ok(count) => {
            let _ = writeln!(stderr, "{count} products");
            ExitCode::SUCCESS
        }
        Err(Stop::ClosedPipe) => ExitCode::SUCCESS,
        Err(Stop::Api(error)) => {
            let _ = writeln!(stderr, "error: {error}");
            ExitCode::FAILURE
        }
        Err(Stop::Output(error)) => {
            let _ = writeln!(stderr, "error: cannot write the list: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<usize, Stop> {
    let client = Client::from_env()?;
    let mut out = std::io::stdout().lock();
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
        writeln!(
            out,
            "{}\t{}\t{}\t{}",
            product.id.as_deref().unwrap_or("-"),
            product.resource_type.as_ref().map_or("-", |t| t.as_str()),
            product.name.as_deref().unwrap_or("-"),
            offer_id,
        )
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            ErrorKind::BrokenPipe => Stop::ClosedPipe,
            _ => Stop::Output(e),
        })?;
        count += 1;
    }
    Ok(count)
}
