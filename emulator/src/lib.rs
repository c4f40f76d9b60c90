//! A local, stateful stand-in for Microsoft Partner Center.
//!
//! The emulator serves the Azure AD token endpoints (v1 and v2), all operations
//! of the ingestion API described by the workspace's `spec/ingestion.json`, and
//! the part of the Azure Blob REST API that an uploader needs behind
//! `fileSasUri`. It keeps state in memory, or on disk with
//! [`EmulatorBuilder::data_dir`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), partner_center_emulator::Error> {
//! use partner_center_emulator::Emulator;
//! let emu = Emulator::builder().start().await?;
//! println!("{} {}", emu.endpoint(), emu.authority_host());
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

// The rooms, bottom up; each uses only rooms below it (no import circles):
// 1. helpers: clock (the injectable time and its text forms), ids, sign,
//    http (answer builders), errors (the service's error catalogue), model
//    (typed states and the Meta kept beside a resource), faults, pace
//    (latency and the rate limit), stats;
// 2. the document, the store and the tokens: schema (spec and body checks),
//    routes, store (entities and state.log), shapes (resources' whole
//    shapes), aad (the token endpoints; it uses only helpers, so shared may
//    hold its Credentials), shared (Settings, Shared, Server);
// 3. rules over (state, settings): lifecycle, submissions,
//    submission_reports, views, paging, blob_props and blob_sas;
// 4. endpoints: resources and api (ingestion), blob and blob_read (storage);
// 5. layers (request ids, blob host, counting, auth, faults) and server
//    (startup, the router), and this file's builder and handle.
// A new service rule goes in 3 with a test named after it in tests/; a new
// setting is a Config field, a builder method, a flag in main.rs and a row in
// the README's table.

mod aad;
mod api;
mod assertion;
mod blob;
mod blob_props;
mod blob_read;
mod blob_sas;
mod clock;
mod errors;
mod faults;
mod http;
mod ids;
mod layers;
mod lifecycle;
mod model;
mod pace;
mod paging;
mod resources;
mod routes;
mod schema;
mod server;
mod shapes;
mod shared;
mod sign;
mod stats;
mod store;
mod submission_reports;
mod submissions;
mod views;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use clock::Clock;
pub use stats::Stats;

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    /// The data directory is not one this emulator wrote, or is damaged.
    #[error("refusing data directory {}: {reason}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing the data directory or the blob directory failed.
    #[error("i/o error on {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    Config(String),
}

/// Everything the builder sets.
#[derive(Clone)]
pub(crate) struct Config {
    pub consistency_delay: Duration,
    pub processing_delay: Duration,
    pub certification_delay: Duration,
    pub throttle_rate: f64,
    pub throttle_window: Duration,
    pub fail_rate: f64,
    /// The shortest and longest time an ingestion answer takes.
    pub latency: (Duration, Duration),
    /// Ingestion requests a second per tenant (`None`: no limit).
    pub rate_limit: Option<f64>,
    pub seed: u64,
    pub token_lifetime: Duration,
    pub page_size: usize,
    pub sas_lifetime: Duration,
    pub data_dir: Option<PathBuf>,
    pub bind: IpAddr,
    pub port: u16,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub require_publisher_id: Option<u64>,
    pub strict_product_filter: bool,
    pub broken_next_link_rate: f64,
    pub transient_404_rate: f64,
    pub blob_host: Option<String>,
    pub clock: Clock,
    /// Federated credentials: issuer, subject, public key PEM.
    pub federated: Vec<(String, String, String)>,
    /// Client certificates (PEM).
    pub certificates: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            consistency_delay: Duration::ZERO,
            processing_delay: Duration::ZERO,
            certification_delay: Duration::ZERO,
            throttle_rate: 0.0,
            throttle_window: Duration::from_secs(1),
            fail_rate: 0.0,
            latency: (Duration::ZERO, Duration::ZERO),
            rate_limit: None,
            seed: 0,
            token_lifetime: Duration::from_secs(3600),
            page_size: 3,
            sas_lifetime: Duration::from_secs(24 * 3600),
            data_dir: None,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            tenant_id: None,
            client_id: None,
            client_secret: None,
            require_publisher_id: None,
            strict_product_filter: false,
            broken_next_link_rate: 0.0,
            transient_404_rate: 0.0,
            blob_host: None,
            clock: Clock::system(),
            federated: Vec::new(),
            certificates: Vec::new(),
        }
    }
}

/// The settings without the client secret (which `Debug` must never show).
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("port", &self.port)
            .field("data_dir", &self.data_dir)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "(set, not shown)"),
            )
            .field("page_size", &self.page_size)
            .field("blob_host", &self.blob_host)
            .finish_non_exhaustive()
    }
}

/// The entry point: `Emulator::builder()…start().await`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: no delays, no faults, loopback, any free port.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            config: Config::default(),
        }
    }
}

/// Settings of an emulator to start.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    config: Config,
}

impl EmulatorBuilder {
    /// How long new branches stay invisible after a product or plan is created (default 0).
    pub fn consistency_delay(mut self, d: Duration) -> Self {
        self.config.consistency_delay = d;
        self
    }
    /// How long an uploaded file stays `InProcessing` (default 0).
    pub fn processing_delay(mut self, d: Duration) -> Self {
        self.config.processing_delay = d;
        self
    }
    /// How long each submission substate step takes (default 0).
    pub fn certification_delay(mut self, d: Duration) -> Self {
        self.config.certification_delay = d;
        self
    }
    /// Share of ingestion requests answered 429 with `Retry-After` (0 to 1, default 0).
    pub fn throttle_rate(mut self, rate: f64) -> Self {
        self.config.throttle_rate = rate;
        self
    }
    /// How long the budget stays spent after a request is throttled: every
    /// request in that window is answered 429 too, with the time left as
    /// `Retry-After` (whole seconds) and `retry-after-ms` (default 1 s).
    pub fn throttle_window(mut self, window: Duration) -> Self {
        self.config.throttle_window = window;
        self
    }
    /// Share of ingestion requests answered 503 with an HTML body (0 to 1, default 0).
    pub fn fail_rate(mut self, rate: f64) -> Self {
        self.config.fail_rate = rate;
        self
    }
    /// How long each answer of the ingestion API takes: drawn uniformly
    /// from `min..=max` for every request, on a sequence seeded by
    /// [`seed`](Self::seed) (so a run of the same requests in the same
    /// order waits the same); `min == max` is a fixed delay (default none).
    ///
    /// The delay is on tokio's time (`tokio::time::sleep`, so a test on a
    /// paused tokio clock does not wait; a [`Clock::manual`] does not move
    /// it), before the request is served, and only for requests that reach
    /// the API: the Azure AD token endpoints, the blob endpoint and
    /// `/_emulator/stats` answer at once (they are other services on the
    /// live side, and an upload's time is its bytes'), and so do refusals
    /// before the API (401, the [rate limit](Self::rate_limit)'s and the
    /// fault schedule's 429 and 503), so the `Retry-After` a 429 carries is
    /// exact. At most one hour; `min` above `max` is refused by
    /// [`start`](Self::start).
    pub fn latency(mut self, min: Duration, max: Duration) -> Self {
        self.config.latency = (min, max);
        self
    }
    /// Limits each tenant (the `tid` of the bearer token) to `per_second`
    /// ingestion requests a second, as a token bucket: it holds one
    /// second's worth of requests (at least one) and refills at the rate.
    /// A request finding it empty is answered `429` with the time until a
    /// token is free as `Retry-After` (whole seconds, at least 1) and
    /// `retry-after-ms` (rounded up), and takes no token. Counted in
    /// [`Stats::throttled`] with the fault schedule's 429s. Token and blob
    /// requests are not limited. Positive, finite and at most 1,000,000;
    /// anything else is refused by [`start`](Self::start) (default: no
    /// limit).
    pub fn rate_limit(mut self, per_second: f64) -> Self {
        self.config.rate_limit = Some(per_second);
        self
    }
    /// Seed of the fault schedule and of the latency: the same seed gives the same faults for the same requests.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }
    /// How long an access token is valid (default one hour).
    pub fn token_lifetime(mut self, d: Duration) -> Self {
        self.config.token_lifetime = d;
        self
    }
    /// The most items a page of a collection holds; pages hold 1 to this many (default 3).
    pub fn page_size(mut self, n: usize) -> Self {
        self.config.page_size = n;
        self
    }
    /// How long a `fileSasUri` stays valid (default one day).
    pub fn sas_lifetime(mut self, d: Duration) -> Self {
        self.config.sas_lifetime = d;
        self
    }
    /// Keep state (and uploaded blobs) in this directory, surviving restarts.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.data_dir = Some(dir.into());
        self
    }
    /// The address to listen on (default 127.0.0.1).
    pub fn bind(mut self, addr: IpAddr) -> Self {
        self.config.bind = addr;
        self
    }
    /// The port to listen on (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.config.port = port;
        self
    }
    /// The tenant id the token endpoint accepts (default: a fresh GUID, or the one in the data directory).
    pub fn tenant_id(mut self, id: impl Into<String>) -> Self {
        self.config.tenant_id = Some(id.into());
        self
    }
    /// The client id the token endpoint accepts (default: a fresh GUID, or the one in the data directory).
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.config.client_id = Some(id.into());
        self
    }
    /// The client secret the token endpoint accepts (default: a fresh random one, or the one in the data directory).
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.config.client_secret = Some(secret.into());
        self
    }

    /// Refuses every ingestion call that does not carry `x-ms-publisherId: N`
    /// with the ASP.NET validation body the service began sending in 2026-06
    /// (wrapped in the REST client's exception text on `GET /products/{id}`).
    pub fn require_publisher_id(mut self, n: u64) -> Self {
        self.config.require_publisher_id = Some(n);
        self
    }
    /// Refuses `GET /products` without a `resourceType` filter with the
    /// `ProductTypeFilter` 400 the service began sending in 2026-04.
    pub fn strict_product_filter(mut self, on: bool) -> Self {
        self.config.strict_product_filter = on;
        self
    }
    /// Share of followed `nextLink`s (requests with a `$skipToken`) answered
    /// 404, as the service did in 2023-08 (0 to 1, default 0).
    pub fn broken_next_link_rate(mut self, rate: f64) -> Self {
        self.config.broken_next_link_rate = rate;
        self
    }
    /// Share of reads of a moving submission (`InDraft`, `Submitted`,
    /// `Publishing`, `Published`) answered 404 with an empty body (0 to 1, default 0).
    pub fn transient_404_rate(mut self, rate: f64) -> Self {
        self.config.transient_404_rate = rate;
        self
    }
    /// Issues `fileSasUri`s on this host (`HOST` or `HOST:PORT`), as the
    /// service moved them to Azure Front Door hosts in 2026-08: the URL is
    /// `http://HOST:PORT/ingestion/{blob}?{sas}`, with no account in the path.
    /// HOST must resolve to this machine (`localhost`, `127.0.0.2`, a name in
    /// `/etc/hosts`); the emulator also listens on the addresses it resolves
    /// to, and serves blobs to every request whose `Host` is HOST.
    pub fn blob_host(mut self, host: impl Into<String>) -> Self {
        self.config.blob_host = Some(host.into());
        self
    }
    /// The clock every rule reads (default [`Clock::system`]); a
    /// [`Clock::manual`] lets tests step time instead of sleeping.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.config.clock = clock;
        self
    }
    /// Trusts federated tokens of `issuer` about `subject` signed by the key
    /// whose public half is `public_key_pem` (a federated credential of the
    /// app, as GitHub Actions' or a Kubernetes cluster's would be). May be
    /// called more than once.
    pub fn federated_credential(
        mut self,
        issuer: impl Into<String>,
        subject: impl Into<String>,
        public_key_pem: impl Into<String>,
    ) -> Self {
        self.config
            .federated
            .push((issuer.into(), subject.into(), public_key_pem.into()));
        self
    }
    /// Registers a certificate (PEM) on the app: assertions signed by its
    /// key, naming its SHA-256 thumbprint, are accepted. May be called more
    /// than once.
    pub fn client_certificate(mut self, certificate_pem: impl Into<String>) -> Self {
        self.config.certificates.push(certificate_pem.into());
        self
    }

    /// Opens the state, binds the socket and starts serving.
    pub async fn start(self) -> Result<EmulatorHandle, Error> {
        let c = &self.config;
        for (name, rate) in [
            ("throttle_rate", c.throttle_rate),
            ("fail_rate", c.fail_rate),
            ("broken_next_link_rate", c.broken_next_link_rate),
            ("transient_404_rate", c.transient_404_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) || rate.is_nan() {
                return Err(Error::Config(format!(
                    "{name} must be between 0 and 1, not {rate}"
                )));
            }
        }
        let (min, max) = c.latency;
        if min > max {
            return Err(Error::Config(format!(
                "latency: the shortest ({min:?}) is longer than the longest ({max:?}); give min..max in that order"
            )));
        }
        if max > pace::MAX_LATENCY {
            return Err(Error::Config(format!(
                "latency must be at most one hour, not {max:?}"
            )));
        }
        if let Some(r) = c.rate_limit {
            if !(r > 0.0 && r <= pace::MAX_RATE) {
                return Err(Error::Config(format!(
                    "rate_limit must be a number of requests a second above 0 and at most 1000000 (such as 30), not {r}"
                )));
            }
        }
        if c.page_size == 0 {
            return Err(Error::Config("page_size must be at least 1".into()));
        }
        if c.require_publisher_id == Some(0) {
            return Err(Error::Config(
                "require_publisher_id must be a positive number".into(),
            ));
        }
        let trust = assertion::Trust::new(&c.federated, &c.certificates).map_err(Error::Config)?;
        let handle = server::start(self.config).await?;
        assertion::register(&handle.app.shared.settings.key, trust);
        Ok(handle)
    }
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct EmulatorHandle {
    pub(crate) addr: SocketAddr,
    pub(crate) app: Arc<shared::Server>,
    pub(crate) shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub(crate) task: Option<tokio::task::JoinHandle<()>>,
    pub(crate) base: String,
}

impl EmulatorHandle {
    /// The ingestion API's base URL, `http://127.0.0.1:PORT/v1.0/ingestion`.
    pub fn endpoint(&self) -> String {
        format!("{}/v1.0/ingestion", self.base)
    }
    /// The Azure AD authority host, `http://127.0.0.1:PORT`.
    pub fn authority_host(&self) -> String {
        self.base.clone()
    }
    /// The ingestion API's host, `http://127.0.0.1:PORT`: what a
    /// `nextLink` is relative to (`v1.0/ingestion/…?$skipToken=…`, as the
    /// service sends it).
    pub fn api_host(&self) -> String {
        self.base.clone()
    }
    /// The base URL of the blob endpoint that `fileSasUri` points under:
    /// `http://127.0.0.1:PORT/devstoreaccount1`, or `http://HOST:PORT` with
    /// a [blob host](EmulatorBuilder::blob_host).
    pub fn blob_endpoint(&self) -> String {
        self.app.shared.settings.blob_base.clone()
    }
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
    /// The tenant id the token endpoint accepts.
    pub fn tenant_id(&self) -> &str {
        &self.app.creds.tenant_id
    }
    /// The client id the token endpoint accepts.
    pub fn client_id(&self) -> &str {
        &self.app.creds.client_id
    }
    /// The client secret the token endpoint accepts.
    pub fn client_secret(&self) -> &str {
        &self.app.creds.client_secret
    }
    /// Request counts and resource counts so far.
    pub fn stats(&self) -> Stats {
        self.app.stats()
    }
    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
        // Connections still open may keep the server's state alive for a
        // while; the data directory is released now.
        self.app.state().close();
    }
}
