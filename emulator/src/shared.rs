//! What the rules and the endpoints share: the settings (fixed at start);
//! the state, the routes and the fault schedules (behind locks); and, for the
//! server's layers, the credentials and the request counters.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use crate::aad::Credentials;
use crate::clock::Clock;
use crate::faults::Faults;
use crate::pace::{Latency, RateLimit};
use crate::routes::Router;
use crate::stats::{Counters, Stats};
use crate::store::{Kind, State};
use crate::Config;

/// Fixed at start: the builder's settings and what was derived from them.
#[derive(Debug)]
pub struct Settings {
    /// What the builder set.
    pub config: Config,
    /// The time every rule reads.
    pub clock: Clock,
    /// The key that signs tokens and SAS URLs.
    pub key: Vec<u8>,
    /// Where blobs are kept.
    pub blob_dir: PathBuf,
    /// What issued `fileSasUri`s start with, before `/{container}/{blob}`:
    /// `http://127.0.0.1:PORT/devstoreaccount1`, or `http://HOST:PORT`
    /// with a blob host.
    pub blob_base: String,
}

/// The ingestion API's shared parts.
pub struct Shared {
    /// Fixed settings.
    pub settings: Settings,
    /// The resources.
    pub state: Mutex<State>,
    /// The operations of the document.
    pub router: Router,
    /// The seeded fault schedules.
    pub faults: Mutex<Faults>,
    /// How long answers take.
    pub latency: Mutex<Latency>,
    /// The tenants' token buckets, when requests are limited.
    pub rate_limit: Option<Mutex<RateLimit>>,
}

/// Locks a mutex, taking over a poisoned one (a panicking handler leaves
/// the state as consistent as any single change does).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// The state, locked.
    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
    /// The fault schedules, locked.
    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.faults)
    }
}

/// Everything the handlers share.
pub struct Server {
    /// The ingestion API's parts.
    pub shared: Shared,
    /// The credentials the token endpoint accepts.
    pub creds: Credentials,
    /// Request counters.
    pub counters: Mutex<Counters>,
    /// Removed when the emulator goes away (only when it is a temporary directory).
    pub temp_blob_dir: bool,
    /// The host name (lower-case, no port) the blob host serves under.
    pub blob_host: Option<String>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("blob_base", &self.shared.settings.blob_base)
            .finish_non_exhaustive()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.temp_blob_dir {
            let _ = std::fs::remove_dir_all(&self.shared.settings.blob_dir);
        }
    }
}

impl Server {
    /// The state, locked.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    /// Request and resource counts.
    pub fn stats(&self) -> Stats {
        let c = lock(&self.counters);
        let st = self.state();
        Stats {
            total: c.total,
            writes: c.writes,
            by_method: c.by_method.clone(),
            token_requests: c.token_requests,
            blob_requests: c.blob_requests,
            throttled: c.throttled,
            products: st.count(Kind::Product),
            variants: st.count(Kind::Variant),
            listings: st.count(Kind::Listing),
            images: st.count(Kind::Image) + st.count(Kind::Video) + st.count(Kind::Asset),
            packages: st.count(Kind::Package),
            branches: st.count(Kind::Branch),
            submissions: st.count(Kind::Submission),
            entities: st.entities.len(),
        }
    }
}
