//! `list offers`, `list plans OFFER`, `list submissions OFFER`.

use futures::TryStreamExt;
use serde_json::json;

use crate::args::List;
use crate::error::CliError;
use crate::exit;
use crate::output::Reporter;
use crate::session::{find_offer, Session};

pub async fn run(args: &List, session: &Session, reporter: &Reporter) -> Result<u8, CliError> {
    let publisher = session.publisher();
    match args {
        List::Offers { resource_type } => {
            let mut request = session.client.list_products();
            if let Some(t) = resource_type {
                if !t.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(CliError::Usage(format!(
                        "--type {t:?}: a resource type is a single word such as AzureApplication"
                    )));
                }
                request = request.filter(format!("resourceType eq '{t}'"));
            }
            let products: Vec<_> = request.stream().try_collect().await?;
            let rows: Vec<_> = products
                .iter()
                .map(|p| {
                    let offer_id = p
                        .external_ids
                        .iter()
                        .find(|e| {
                            e.type_
                                .as_deref()
                                .is_some_and(|t| t.eq_ignore_ascii_case("AzureOfferId"))
                        })
                        .and_then(|e| e.value.clone());
                    json!({
                        "product_id": p.id,
                        "offer_id": offer_id,
                        "name": p.name,
                        "resource_type": p.resource_type.as_ref().map(|t| t.to_string()),
                    })
                })
                .collect();
            reporter.result("list offers", json!({ "offers": rows }), || {
                table(&rows, &["offer_id", "resource_type", "product_id", "name"])
            });
        }
        List::Plans(arg) => {
            let offer = find_offer(&publisher, &arg.offer).await?;
            let plans = publisher.list_plans(&offer).await?;
            let rows: Vec<_> = plans
                .iter()
                .map(|p| json!({"plan_id": p.plan_id(), "variant_id": p.variant_id(), "name": p.name()}))
                .collect();
            reporter.result(
                "list plans",
                json!({"offer_id": offer.offer_id(), "plans": rows}),
                || table(&rows, &["plan_id", "variant_id", "name"]),
            );
        }
        List::Submissions(arg) => {
            let offer = find_offer(&publisher, &arg.offer).await?;
            let all = publisher.submissions(&offer).await?;
            let rows: Vec<_> = all
                .iter()
                .map(|s| {
                    json!({
                        "submission_id": s.id(),
                        "target": s.target(),
                        "state": s.state_name(),
                        "substate": s.substate_name(),
                        "phase": s.phase().as_str(),
                    })
                })
                .collect();
            reporter.result(
                "list submissions",
                json!({"offer_id": offer.offer_id(), "submissions": rows}),
                || {
                    table(
                        &rows,
                        &["submission_id", "target", "state", "substate", "phase"],
                    )
                },
            );
        }
    }
    Ok(exit::OK)
}

/// Rows as aligned columns, one line each (nothing for no rows).
fn table(rows: &[serde_json::Value], columns: &[&str]) -> String {
    let cell = |row: &serde_json::Value, c: &str| match &row[c] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    };
    let widths: Vec<usize> = columns
        .iter()
        .map(|c| {
            rows.iter()
                .map(|r| cell(r, c).chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{:<w$}", cell(row, c), w = *w))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
