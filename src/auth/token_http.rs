//! Drives oauth2's token requests through reqwest.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::AadError;

/// Drives oauth2's requests through our reqwest client (redirects off).
///
/// Throttling and outages (429, 5xx) and answers that are not JSON come
/// back as errors of our own, so that they can be retried or reported
/// clearly instead of as JSON parse failures.
pub(super) struct TokenHttp {
    pub(super) client: reqwest::Client,
}

/// Why the HTTP exchange with the token endpoint failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum HttpFailure {
    #[error("{0}")]
    Transport(reqwest::Error),
    #[error("status {status}")]
    Status {
        status: http::StatusCode,
        retry_after: Option<Duration>,
        aad: Option<AadError>,
        what: String,
    },
    #[error("status {status}: {what}")]
    NotJson {
        status: http::StatusCode,
        what: String,
    },
}

const MAX_TOKEN_RESPONSE: usize = 256 * 1024;

impl<'c> oauth2::AsyncHttpClient<'c> for TokenHttp {
    type Error = HttpFailure;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, HttpFailure>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(HttpFailure::Transport)?;
            let response = self
                .client
                .execute(request)
                .await
                .map_err(HttpFailure::Transport)?;
            let status = response.status();
            let headers = response.headers().clone();
            let retry_after = crate::retry::retry_after(&headers);
            let body = crate::net::read_limited(response, MAX_TOKEN_RESPONSE)
                .await
                .map_err(HttpFailure::Transport)?
                .to_vec();
            let json = serde_json::from_slice::<serde_json::Value>(&body).ok();
            let is_object = json.as_ref().is_some_and(|v| v.is_object());
            if status == http::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                let aad = json
                    .filter(|v| v.get("error").is_some())
                    .and_then(|v| serde_json::from_value::<AadError>(v).ok());
                return Err(HttpFailure::Status {
                    status,
                    retry_after,
                    aad,
                    what: describe_body(&headers, &body),
                });
            }
            if !is_object {
                return Err(HttpFailure::NotJson {
                    status,
                    what: describe_body(&headers, &body),
                });
            }
            let mut out = http::Response::builder()
                .status(status)
                .body(body)
                .map_err(|_| HttpFailure::NotJson {
                    status,
                    what: "a response that could not be rebuilt".into(),
                })?;
            *out.headers_mut() = headers;
            // The body is a JSON object; say so whatever a proxy claimed.
            out.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            Ok(out)
        })
    }
}

/// Says what a non-token body is without showing anything secret.
fn describe_body(headers: &http::HeaderMap, body: &[u8]) -> String {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type");
    if body.is_empty() {
        return format!("an empty body ({content_type})");
    }
    let text = String::from_utf8_lossy(body);
    if crate::net::looks_like_html(&text) {
        let title = crate::net::html_title(&text)
            .map(|t| format!(" titled \"{t}\""))
            .unwrap_or_default();
        return format!("an HTML page{title} ({content_type}) instead of JSON");
    }
    format!(
        "{} bytes that are not a JSON object ({content_type})",
        body.len()
    )
}
