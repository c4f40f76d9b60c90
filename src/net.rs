//! Small helpers for talking HTTP safely, shared by the credentials and the
//! request pipeline. Nothing here knows about the rest of the crate.

use url::Url;

/// The `User-Agent` of every request: this crate and its version.
pub const USER_AGENT: &str = concat!("partner-center-ingestion/", env!("CARGO_PKG_VERSION"));

/// Refuses a URL that is not HTTPS, unless its host is a loopback address.
/// The message names `what` the URL is.
pub(crate) fn check_secure(url: &Url, what: &str) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        scheme => Err(format!(
            "{what} `{url}` uses {scheme}; tokens and secrets are only sent over https (plain http is allowed for loopback addresses only)"
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Reads at most `limit` bytes of a response body.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<bytes::Bytes, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    Ok(bytes::Bytes::from(body))
}

/// Why a whole body could not be read.
#[derive(Debug)]
pub(crate) enum ReadFailure {
    /// The body is longer than the limit (said by `Content-Length`, or
    /// found while reading); the rest was not read.
    TooLarge,
    /// The connection failed while reading.
    Transport(reqwest::Error),
}

/// Reads a whole body of at most `limit` bytes, refusing it as soon as it
/// is known to be longer: from its `Content-Length` before reading
/// anything, else at the first chunk past the limit.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    limit: u64,
) -> Result<bytes::Bytes, ReadFailure> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(ReadFailure::TooLarge);
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadFailure::Transport)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(ReadFailure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Whether a body is an HTML (or XML) page rather than JSON.
pub(crate) fn looks_like_html(text: &str) -> bool {
    let start = text
        .trim_start()
        .get(..15)
        .unwrap_or(text.trim_start())
        .to_ascii_lowercase();
    start.starts_with("<!doctype")
        || start.starts_with("<html")
        || start.starts_with("<?xml")
        || start.starts_with("<head")
}

/// The `<title>` of an HTML page, shortened.
pub(crate) fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    let title = text.get(start..end)?.trim();
    (!title.is_empty()).then(|| crate::sensitive::truncate(title, 120))
}
