//! Streams over paged collections.
//!
//! A list operation answers one page, `{"value": [...], "nextLink": "..."}`;
//! the last page has no `nextLink`. Every list operation's request builder
//! has a `stream()` method that sends the request and yields each item of
//! each page in turn, fetching the next page only when the current one is
//! used up (one page in memory at a time). Errors arrive in the stream;
//! after one, the stream ends.
//!
//! ```no_run
//! # async fn run(client: &partner_center_ingestion::Client) -> Result<(), partner_center_ingestion::Error> {
//! use futures::TryStreamExt;
//!
//! let mut products = client.list_products().stream();
//! while let Some(product) = products.try_next().await? {
//!     println!("{:?}", product.name);
//! }
//! # Ok(()) }
//! ```
//!
//! The service writes `nextLink` relative to the host
//! (`v1.0/ingestion/products?$skipToken=…`); a link relative to the base
//! URL or an absolute one is followed too, its query sent back byte for
//! byte. A link to another host is refused: the request would carry the
//! bearer token there.
//!
//! A `nextLink` the service itself sent has been seen to answer `404` for a
//! while (2023). Such a link is tried again a few times, with a short
//! growing wait ([`NEXT_LINK_RETRIES`]); if it stays broken the stream ends
//! with [`Error::Paging`] naming the page it could not fetch. A stream never
//! ends early without an error: a caller deciding from a list that an offer
//! does not exist must see the whole list.

use std::collections::HashSet;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;

use futures::stream::{self, Stream, TryStreamExt};
use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::Error;
use crate::pipeline::bridge::from_generated;
use crate::pipeline::Pipeline;
use crate::retry::RetryPolicy;
use crate::sensitive::redact;

/// How often a `nextLink` answering `404` is tried again before the stream
/// ends with [`Error::Paging`].
pub const NEXT_LINK_RETRIES: u32 = 4;

/// Waits between the tries of a `nextLink` that answered `404`: 100 ms
/// doubling, with jitter (at most about 1.5 s in all).
fn next_link_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: NEXT_LINK_RETRIES + 1,
        initial_delay: std::time::Duration::from_millis(100),
        max_delay: std::time::Duration::from_millis(800),
        max_retry_after: std::time::Duration::from_secs(2),
        budget: std::time::Duration::from_secs(10),
    }
}

/// A page of a collection.
pub(crate) trait Page: DeserializeOwned + Send + 'static {
    /// What the page holds.
    type Item: Send + 'static;
    /// The page's items and the link to the next page.
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

/// A stream of items, or of the error that ended it.
pub type ItemStream<'a, T> = Pin<Box<dyn Stream<Item = crate::Result<T>> + Send + 'a>>;

type FirstPage<'a, P> = Pin<Box<dyn Future<Output = crate::Result<ResponseValue<P>>> + Send + 'a>>;

/// Where a stream is.
struct State<'a, P> {
    next: Next<'a, P>,
    /// Hashes of the links followed, to notice a service going round.
    seen: HashSet<u64>,
    hasher: RandomState,
    pages: usize,
}

enum Next<'a, P> {
    First(FirstPage<'a, P>),
    Link(String),
    /// The error to yield after the items already yielded.
    Fail(Error),
    Done,
}

/// Yields the items of `first` and of every page after it.
pub(crate) fn items<'a, P, F>(
    pipeline: &'a Pipeline,
    http: &'a reqwest::Client,
    operation: &'static str,
    path: &'static str,
    first: F,
) -> ItemStream<'a, P::Item>
where
    P: Page,
    F: Future<Output = crate::Result<ResponseValue<P>>> + Send + 'a,
{
    Box::pin(
        pages(pipeline, http, operation, path, first)
            .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
            .try_flatten(),
    )
}

/// Yields every page's items as one `Vec` per page. The stream ends after
/// the last page or after an error: a link already followed, a link that
/// cannot be followed, or more pages than the client allows.
pub(crate) fn pages<'a, P, F>(
    pipeline: &'a Pipeline,
    http: &'a reqwest::Client,
    operation: &'static str,
    path: &'static str,
    first: F,
) -> impl Stream<Item = crate::Result<Vec<P::Item>>> + Send + 'a
where
    P: Page,
    F: Future<Output = crate::Result<ResponseValue<P>>> + Send + 'a,
{
    let start = State::<'a, P> {
        next: Next::First(Box::pin(first)),
        seen: HashSet::new(),
        hasher: RandomState::new(),
        pages: 0,
    };
    let max_pages = pipeline.max_pages();
    stream::unfold(start, move |mut state| async move {
        let page: crate::Result<P> = match std::mem::replace(&mut state.next, Next::Done) {
            Next::Done => return None,
            Next::Fail(error) => return Some((Err(error), state)),
            Next::First(future) => future.await.map(ResponseValue::into_inner),
            Next::Link(link) => {
                fetch_linked_page(pipeline, http, operation, path, &link, state.pages + 1).await
            }
        };
        let (items, next_link) = match page {
            Ok(page) => page.into_parts(),
            Err(error) => return Some((Err(error), state)),
        };
        state.pages += 1;
        if let Some(link) = next_link.filter(|l| !l.trim().is_empty()) {
            let link = link.trim().to_string();
            state.next = if !state.seen.insert(state.hasher.hash_one(&link)) {
                Next::Fail(Error::Paging {
                    operation,
                    reason: format!(
                        "the service sent the page link `{}` a second time; following it would go round forever",
                        redact(&link)
                    ),
                })
            } else if state.pages >= max_pages {
                Next::Fail(Error::Paging {
                    operation,
                    reason: format!(
                        "the list has more than {max_pages} pages; ClientBuilder::max_pages allows more"
                    ),
                })
            } else {
                Next::Link(link)
            };
        }
        Some((Ok(items), state))
    })
}

/// Fetches page number `page` (1 for the first) from `link`, trying again
/// while it answers `404`.
async fn fetch_linked_page<P: Page>(
    pipeline: &Pipeline,
    http: &reqwest::Client,
    operation: &'static str,
    path: &'static str,
    link: &str,
    page: usize,
) -> crate::Result<P> {
    let policy = next_link_policy();
    let mut tries = 0u32;
    let result = crate::retry::drive(&policy, "the next page of a list", |_| {
        tries += 1;
        async move {
            match fetch_page::<P>(pipeline, http, operation, path, link).await {
                Err(e) if e.status() == Some(http::StatusCode::NOT_FOUND) => {
                    tracing::warn!(page, next_link = %redact(link), "the page link answered 404; trying again");
                    crate::retry::Outcome::Retry {
                        error: e,
                        retry_after: None,
                        reason: "404 Not Found for a link the service sent".into(),
                    }
                }
                other => crate::retry::Outcome::Done(other),
            }
        }
    })
    .await;
    match result {
        Ok(done) => done,
        Err(crate::retry::Stopped { error: e, .. }) => Err(Error::Paging {
            operation,
            reason: format!(
                "the link to page {page} (`{}`), which the service sent with page {}, answered 404 Not Found {tries} times in a row; the list is incomplete from there, so nothing may be concluded from it (try again later). Last answer: {e}",
                redact(link),
                page - 1
            ),
        }),
    }
}

async fn fetch_page<P: Page>(
    pipeline: &Pipeline,
    http: &reqwest::Client,
    operation: &'static str,
    path: &'static str,
    link: &str,
) -> crate::Result<P> {
    let url = resolve_next_link(pipeline.base(), link).map_err(|why| Error::Paging {
        operation,
        reason: format!("cannot follow the page link `{}`: {why}", redact(link)),
    })?;
    tracing::debug!(next_link = %redact(url.as_str()), "fetching the next page");
    let mut request = reqwest::Request::new(http::Method::GET, url);
    request.headers_mut().insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    // A failure comes back as a stand-in response carrying the error.
    let response = pipeline.execute(http, request, operation, path).await;
    if !response.status().is_success() {
        return Err(from_generated(
            progenitor_client::Error::UnexpectedResponse(response),
        ));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| from_generated(progenitor_client::Error::ResponseBodyError(e)))?;
    serde_json::from_slice(&body).map_err(|source| Error::decode(source, &body))
}

/// Turns a `nextLink` into the URL to request.
///
/// * absolute (`https://host/v1.0/ingestion/products?…`): as is, if it is on
///   the API's host;
/// * starting with `/`: from the host;
/// * starting with the base URL's path without its leading slash
///   (`v1.0/ingestion/products?…`, what the service sends): from the host;
/// * anything else (`products?…`): from the base URL.
pub(crate) fn resolve_next_link(base: &Url, link: &str) -> Result<Url, String> {
    let link = link.trim();
    let bad = |why: &str| why.to_string();
    let origin = &base[..url::Position::BeforePath];
    let url_text = if link.contains("://") {
        link.to_string()
    } else if link.starts_with('/') {
        format!("{origin}{link}")
    } else {
        let base_path = base.path().trim_matches('/');
        if !base_path.is_empty()
            && (link == base_path
                || link.starts_with(&format!("{base_path}/"))
                || link.starts_with(&format!("{base_path}?")))
        {
            format!("{origin}/{link}")
        } else {
            format!("{}/{link}", base.as_str().trim_end_matches('/'))
        }
    };
    let url = Url::parse(&url_text).map_err(|e| bad(&e.to_string()))?;
    if url.origin() != base.origin() {
        return Err(bad(
            "it points to another host, and following it would send the bearer token there",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_in_every_form() {
        let base = Url::parse("https://api.partner.microsoft.com/v1.0/ingestion").unwrap();
        let want =
            "https://api.partner.microsoft.com/v1.0/ingestion/products?$skipToken=eyJ+a%2Fb==";
        for link in [
            "v1.0/ingestion/products?$skipToken=eyJ+a%2Fb==",
            "/v1.0/ingestion/products?$skipToken=eyJ+a%2Fb==",
            "products?$skipToken=eyJ+a%2Fb==",
            want,
        ] {
            assert_eq!(
                resolve_next_link(&base, link).unwrap().as_str(),
                want,
                "{link}"
            );
        }
        assert!(resolve_next_link(&base, "https://evil.example/v1.0/ingestion/products").is_err());
        let local = Url::parse("http://127.0.0.1:8080/v1.0/ingestion").unwrap();
        assert_eq!(
            resolve_next_link(&local, "v1.0/ingestion/products?$skipToken=x")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/v1.0/ingestion/products?$skipToken=x"
        );
    }
}
