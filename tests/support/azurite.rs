//! Azurite, Microsoft's storage emulator, started on 127.0.0.1 for a test
//! or a benchmark: a free port, a temporary workspace, the well-known
//! development account, Shared Key signing for container creation and
//! service SAS URLs for single blobs. Shared by `tests/blob_upload_azurite.rs` and
//! `benches/publishing.rs`.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Azurite's well-known development account (public, documented by
/// Microsoft; it only opens the emulator).
pub const ACCOUNT: &str = "devstoreaccount1";
pub const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/// The version the test's own requests and SAS use.
const VERSION: &str = "2021-08-06";

pub struct Azurite {
    child: Child,
    pub port: u16,
    _workspace: tempfile::TempDir,
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> PathBuf {
    find_binary().unwrap_or_else(|why| panic!("{why}"))
}

/// Where `azurite-blob` is, or why it is not there.
pub fn find_binary() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("AZURITE_BLOB").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if !path.exists() {
            return Err(format!(
                "AZURITE_BLOB is {} but there is no such file; run `bash .ci/azurite` to install Azurite",
                path.display()
            ));
        }
        return Ok(path);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for candidate in [
        ".ci/node/node_modules/.bin/azurite-blob",
        "node_modules/.bin/azurite-blob",
    ] {
        let path = root.join(candidate);
        if path.exists() {
            return Ok(path);
        }
    }
    Err(
        "Azurite is not installed: these tests need `azurite-blob` (npm package azurite). \
         Run `bash .ci/azurite` (it installs it into .ci/node and prints the path) and set \
         AZURITE_BLOB to that path"
            .to_string(),
    )
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Azurite {
    pub fn start() -> Azurite {
        Azurite::start_with(&[])
    }

    /// [`Azurite::start`] with more command-line options.
    pub fn start_with(options: &[&str]) -> Azurite {
        let binary = binary();
        let workspace = tempfile::tempdir().expect("a workspace for Azurite");
        let port = free_port();
        let log = |name: &str| {
            std::fs::File::create(workspace.path().join(name)).expect("Azurite's log file")
        };
        let mut command = Command::new(&binary);
        if !options.contains(&"--inMemoryPersistence") {
            // Azurite refuses a workspace when it keeps blobs in memory.
            command.arg("--location").arg(workspace.path());
        }
        let mut child = command
            .arg("--blobHost")
            .arg("127.0.0.1")
            .arg("--blobPort")
            .arg(port.to_string())
            .arg("--disableTelemetry")
            .args(options)
            .stdin(Stdio::null())
            .stdout(log("stdout.log"))
            .stderr(log("stderr.log"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let out = std::fs::read_to_string(workspace.path().join("stdout.log"))
                    .unwrap_or_default();
                let err = std::fs::read_to_string(workspace.path().join("stderr.log"))
                    .unwrap_or_default();
                panic!("Azurite exited ({status}) before listening:\n{out}\n{err}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("Azurite did not listen on 127.0.0.1:{port} within 60 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Azurite {
            child,
            port,
            _workspace: workspace,
        }
    }

    /// The account's base URL, path style: `http://127.0.0.1:port/devstoreaccount1`.
    pub fn account_url(&self) -> String {
        format!("http://127.0.0.1:{}/{ACCOUNT}", self.port)
    }

    /// Creates a container, signing the request with the account key
    /// (Shared Key authorization).
    pub async fn create_container(&self, http: &reqwest::Client, container: &str) {
        let date = httpdate::fmt_http_date(SystemTime::now());
        // VERB, then 11 standard headers (all empty here; Content-Length
        // is empty when 0), then x-ms-* headers and the resource.
        let string_to_sign = format!(
            "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{VERSION}\n/{ACCOUNT}/{ACCOUNT}/{container}\nrestype:container"
        );
        let response = http
            .put(format!(
                "{}/{container}?restype=container",
                self.account_url()
            ))
            .header("x-ms-date", &date)
            .header("x-ms-version", VERSION)
            .header(
                "authorization",
                format!("SharedKey {ACCOUNT}:{}", sign(&string_to_sign)),
            )
            .send()
            .await
            .expect("Azurite answers");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status.as_u16(), 201, "create container: {body}");
    }

    /// A service SAS URL for one blob with the given permissions
    /// (`sr=b`, version 2021-08-06, valid until 2099).
    pub fn blob_sas(&self, container: &str, blob: &str, permissions: &str) -> String {
        let expiry = "2099-01-01T00:00:00Z";
        // The string-to-sign of a service SAS, version 2020-12-06 and
        // later: sp, st, se, canonicalized resource, si, sip, spr, sv,
        // sr, snapshot time, ses, rscc, rscd, rsce, rscl, rsct.
        let string_to_sign = [
            permissions,
            "",
            expiry,
            &format!("/blob/{ACCOUNT}/{container}/{blob}"),
            "",
            "",
            "",
            VERSION,
            "b",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
        .join("\n");
        let mut url = url::Url::parse(&format!("{}/{container}/{blob}", self.account_url()))
            .expect("a blob URL");
        url.query_pairs_mut()
            .append_pair("sv", VERSION)
            .append_pair("sr", "b")
            .append_pair("sp", permissions)
            .append_pair("se", expiry)
            .append_pair("sig", &sign(&string_to_sign));
        url.to_string()
    }
}

/// Base64 HMAC-SHA256 of `text` with the account key.
pub fn sign(text: &str) -> String {
    let key = BASE64.decode(KEY).expect("the dev key is base64");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key");
    mac.update(text.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// The `sig` value of a SAS URL, decoded.
pub fn signature_of(sas: &str) -> String {
    url::Url::parse(sas)
        .expect("a URL")
        .query_pairs()
        .find(|(k, _)| k == "sig")
        .map(|(_, v)| v.into_owned())
        .expect("a sig")
}
