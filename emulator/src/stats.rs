//! Counts of requests and resources, for tests that assert on traffic.

use std::collections::BTreeMap;

use serde::Serialize;

/// Requests made to the ingestion API so far, and resources held now.
///
/// `GET /_emulator/stats` answers the same as JSON with camelCase names
/// (`total`, `writes`, `byMethod`, `products`, …), for tools not written in Rust.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Every request to the ingestion API (answered with anything, faults included).
    pub total: u64,
    /// Requests with POST, PUT, PATCH or DELETE.
    pub writes: u64,
    /// Requests by HTTP method.
    pub by_method: BTreeMap<String, u64>,
    /// Token requests to the Azure AD endpoints.
    pub token_requests: u64,
    /// Requests to the blob endpoint.
    pub blob_requests: u64,
    /// Ingestion requests answered 429.
    pub throttled: u64,
    /// Products held.
    pub products: usize,
    /// Variants (plans) held.
    pub variants: usize,
    /// Listings held.
    pub listings: usize,
    /// Listing images, videos and assets held.
    pub images: usize,
    /// Packages held.
    pub packages: usize,
    /// Branches held.
    pub branches: usize,
    /// Submissions held.
    pub submissions: usize,
    /// Every entity held, of any kind.
    pub entities: usize,
}

/// Request counters.
#[derive(Debug, Default)]
pub struct Counters {
    pub total: u64,
    pub writes: u64,
    pub by_method: BTreeMap<String, u64>,
    pub token_requests: u64,
    pub blob_requests: u64,
    pub throttled: u64,
}

impl Counters {
    /// Counts one ingestion request.
    pub fn ingestion(&mut self, method: &str) {
        self.total += 1;
        if matches!(method, "POST" | "PUT" | "PATCH" | "DELETE") {
            self.writes += 1;
        }
        *self.by_method.entry(method.to_string()).or_default() += 1;
    }
}
