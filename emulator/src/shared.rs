//! What the rules and the endpoints share: the settings (fixed at start) and
//! the state, the routes and the fault schedules (behind locks).

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use crate::clock::Clock;
use crate::faults::Faults;
use crate::routes::Router;
use crate::store::State;
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
