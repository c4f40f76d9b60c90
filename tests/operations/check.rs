//! Running one row of the table and checking the request it sent.

use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::support::{client_for, BASE_PATH, TOKEN};
use super::{spec, Row};

/// Runs one row against `server`: the call, its check, and the request it
/// sent against what the document says.
pub async fn run(
    server: &MockServer,
    row: &Row,
    operation: &spec::Operation,
) -> Result<(), String> {
    server.reset().await;
    let (status, body) = &row.answer;
    let mut template = ResponseTemplate::new(*status).insert_header("request-id", "req-1");
    if !body.is_null() {
        template = template.set_body_json(body);
    }
    Mock::given(any())
        .respond_with(template)
        .mount(server)
        .await;

    let call = (row.call)(client_for(server));
    match AssertUnwindSafe(call).catch_unwind().await {
        Ok(result) => result?,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            return Err(format!("the check failed: {message}"));
        }
    }

    let expected = operation.request(&row.set)?;
    let mut requests = server.received_requests().await.unwrap_or_default();
    if requests.len() != 1 {
        return Err(format!("{} requests sent, not one", requests.len()));
    }
    check_request(&requests.remove(0), &expected, row.body.as_ref())
}

/// `request` is `expected` with `body`, and carries what every call carries.
fn check_request(
    request: &Request,
    expected: &spec::Request,
    body: Option<&Value>,
) -> Result<(), String> {
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let same = |what: &str, sent: String, want: String| {
        if sent == want {
            Ok(())
        } else {
            Err(format!("{what}: sent {sent}, expected {want}"))
        }
    };
    same("method", request.method.to_string(), expected.http.clone())?;
    same(
        "path",
        request.url.path().to_string(),
        format!("{BASE_PATH}{}", expected.path),
    )?;

    let mut query: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    query.sort();
    same(
        "query",
        format!("{query:?}"),
        format!("{:?}", expected.query),
    )?;
    let raw = request.url.query();
    if expected.query.is_empty() && raw.is_some() {
        return Err(format!("a query sent: {raw:?}"));
    }
    if raw.is_some_and(|q| q.contains(' ') || q.contains('\'')) {
        return Err(format!("the query is not URL-encoded: {raw:?}"));
    }

    for (name, value) in &expected.headers {
        same(
            name,
            format!("{:?}", header(name)),
            format!("{:?}", Some(value)),
        )?;
    }
    let sets = |name: &str| expected.headers.iter().any(|(n, _)| n == name);
    same(
        "authorization",
        format!("{:?}", header("authorization")),
        format!("{:?}", Some(format!("Bearer {TOKEN}"))),
    )?;
    if !sets("client-request-id") {
        same(
            "client-request-id length",
            format!("{:?}", header("client-request-id").map(|v| v.len())),
            "Some(36)".into(),
        )?;
    }
    same(
        "api-version",
        format!("{:?}", header("api-version")),
        "None".into(),
    )?;
    if !header("user-agent")
        .unwrap_or_default()
        .starts_with("partner-center-ingestion/")
    {
        return Err(format!("user-agent: {:?}", header("user-agent")));
    }

    // An update without `If-Match` sends the body's etag.
    if !sets("if-match") {
        let is_update = matches!(expected.http.as_str(), "PUT" | "PATCH");
        let etag = body
            .filter(|_| is_update)
            .and_then(|b| b["@odata.etag"].as_str())
            .map(str::to_string);
        same(
            "if-match",
            format!("{:?}", header("if-match")),
            format!("{etag:?}"),
        )?;
    }

    match body {
        Some(body) => {
            let sent: Value = serde_json::from_slice(&request.body)
                .map_err(|e| format!("the body is not JSON: {e}"))?;
            same("body", sent.to_string(), body.to_string())?;
            same(
                "content-type",
                format!("{:?}", header("content-type")),
                format!("{:?}", Some("application/json")),
            )?;
        }
        None if !request.body.is_empty() => {
            return Err(format!("a body sent: {} bytes", request.body.len()))
        }
        None => {}
    }
    Ok(())
}
