//! Tokens of the account signed in to the Azure CLI (`az login`).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use serde::Deserialize;

use super::cache::{TokenCache, TokenSource};
use super::env::{vars, Environment};
use super::grant::validate_tenant_id;
use super::{AccessToken, AuthError, TokenCredential, PARTNER_CENTER_RESOURCE};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::sensitive::shown;

/// The program's name on `PATH`.
#[cfg(windows)]
const AZ: &[&str] = &["az.cmd", "az.exe"];
#[cfg(not(windows))]
const AZ: &[&str] = &["az"];

/// How long a token whose expiry `az` did not state clearly is used.
const UNSURE_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// A credential that asks the Azure CLI for a token of the account signed
/// in with `az login` (a user, or a service principal as the `AzureCLI@2`
/// task and `azure/login` action sign in). It runs
/// `az account get-access-token --resource https://api.partner.microsoft.com --output json`
/// (with `--tenant` when a tenant is set) directly, without a shell, and
/// gives up after a timeout (default 10 s). Tokens are cached and renewed
/// ahead of expiry.
///
/// ```no_run
/// use partner_center_ingestion::{auth::AzureCliCredential, Client};
///
/// // After `az login`; `az` is looked up on PATH.
/// let credential = AzureCliCredential::from_env()?;
/// // Or with an explicit program and tenant:
/// let credential = AzureCliCredential::builder()
///     .program("/usr/local/bin/az")
///     .tenant_id("contoso.onmicrosoft.com")
///     .build()?;
/// let client = Client::builder(credential).build()?;
/// # Ok::<(), partner_center_ingestion::Error>(())
/// ```
#[derive(Clone)]
pub struct AzureCliCredential {
    inner: Arc<CliSource>,
    cache: Arc<TokenCache>,
}

struct CliSource {
    program: PathBuf,
    tenant_id: Option<String>,
    resource: String,
    timeout: Duration,
}

impl fmt::Debug for AzureCliCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureCliCredential")
            .field("program", &self.inner.program)
            .field("tenant_id", &self.inner.tenant_id)
            .finish()
    }
}

/// Builds an [`AzureCliCredential`].
#[derive(Clone, Debug)]
pub struct AzureCliCredentialBuilder {
    program: Option<PathBuf>,
    /// `PATH` as an [`Environment`] gave it (`Some(None)`: unset there).
    path: Option<Option<OsString>>,
    tenant_id: Option<String>,
    resource: String,
    timeout: Duration,
    renew_before_expiry: Duration,
}

impl AzureCliCredential {
    /// Starts a credential that runs `az` from `PATH`.
    pub fn builder() -> AzureCliCredentialBuilder {
        AzureCliCredentialBuilder {
            program: None,
            path: None,
            tenant_id: None,
            resource: PARTNER_CENTER_RESOURCE.to_string(),
            timeout: Duration::from_secs(10),
            renew_before_expiry: Duration::from_secs(5 * 60),
        }
    }

    /// `az` from the process's `PATH`, with `--tenant` from
    /// `AZURE_TENANT_ID` when it is set.
    pub fn from_env() -> Result<Self, AuthError> {
        Self::builder_from_environment(&Environment::process()).build()
    }

    /// The builder [`from_env`](Self::from_env) uses, reading `PATH` and
    /// `AZURE_TENANT_ID` from `env`.
    pub fn builder_from_environment(env: &Environment) -> AzureCliCredentialBuilder {
        let mut builder = Self::builder();
        builder.path = Some(env.get(vars::PATH).map(OsString::from));
        builder.tenant_id = env.get(vars::TENANT_ID);
        builder
    }

    /// The program this credential runs.
    pub fn program(&self) -> &Path {
        &self.inner.program
    }
}

impl AzureCliCredentialBuilder {
    /// The `az` program to run (default: `az` found on `PATH`).
    pub fn program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = Some(program.into());
        self
    }

    /// The tenant to ask the token of (`--tenant`; default: the signed-in
    /// account's).
    pub fn tenant_id(mut self, tenant: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant.into());
        self
    }

    /// The resource tokens are for (default: `https://api.partner.microsoft.com`).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = resource.into();
        self
    }

    /// How long `az` may take before it is stopped (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long before expiry a token is renewed (default 5 minutes).
    pub fn renew_before_expiry(mut self, margin: Duration) -> Self {
        self.renew_before_expiry = margin;
        self
    }

    /// Finds `az` and builds the credential. "The Azure CLI is not
    /// installed" is an error of this step.
    pub fn build(self) -> Result<AzureCliCredential, AuthError> {
        if let Some(tenant) = &self.tenant_id {
            validate_tenant_id(tenant)?;
        }
        let program = match self.program {
            Some(program) => program,
            None => {
                let path = self.path.unwrap_or_else(|| std::env::var_os(vars::PATH));
                find_on_path(path.as_deref()).ok_or_else(not_installed)?
            }
        };
        let inner = Arc::new(CliSource {
            program,
            tenant_id: self.tenant_id.map(|t| t.trim().to_string()),
            resource: self.resource,
            timeout: self.timeout,
        });
        // A failed `az` is not retried in a loop: the cache waits a little
        // before running it again.
        let retry = RetryPolicy {
            initial_delay: Duration::from_secs(2),
            ..RetryPolicy::token_endpoint()
        };
        let cache = TokenCache::of(self.renew_before_expiry, retry, Arc::clone(&inner));
        Ok(AzureCliCredential {
            inner,
            cache: Arc::new(cache),
        })
    }
}

fn not_installed() -> AuthError {
    AuthError::Unavailable(
        "the Azure CLI is not installed (no `az` on PATH): install it and run `az login`, or use another credential".into(),
    )
}

/// The first `az` in the directories of `path`.
fn find_on_path(path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let path = path?;
    std::env::split_paths(path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .flat_map(|dir| AZ.iter().map(move |name| dir.join(name)))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// What `az account get-access-token` prints.
#[derive(Deserialize)]
struct CliToken {
    #[serde(rename = "accessToken")]
    access_token: Secret,
    /// Seconds since the epoch (az 2.54 and later).
    #[serde(default)]
    expires_on: Option<serde_json::Value>,
    /// Local time, `2024-01-31 21:59:10.000000` (older az).
    #[serde(default, rename = "expiresOn")]
    expires_on_local: Option<String>,
}

impl CliSource {
    async fn run(&self) -> Result<AccessToken, AuthError> {
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args([
                "account",
                "get-access-token",
                "--output",
                "json",
                "--resource",
            ])
            .arg(&self.resource);
        if let Some(tenant) = &self.tenant_id {
            command.args(["--tenant", tenant]);
        }
        command
            .env("AZURE_CORE_NO_COLOR", "true")
            .env("AZURE_CORE_COLLECT_TELEMETRY", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        tracing::debug!(program = %self.program.display(), "asking the Azure CLI for a token");
        let mut spawned = command.spawn();
        // A program written a moment ago may still be open for writing in
        // a child another thread is starting ("text file busy"): retry.
        for _ in 0..5 {
            match &spawned {
                Err(e) if e.raw_os_error() == Some(26) && cfg!(unix) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    spawned = command.spawn();
                }
                _ => break,
            }
        }
        let child = spawned.map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                not_installed()
            } else {
                AuthError::Credential(format!(
                    "cannot run the Azure CLI {}: {e}",
                    self.program.display()
                ))
            }
        })?;
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| {
                AuthError::Credential(format!(
                    "the Azure CLI did not answer within {} s; check that `az account get-access-token` works in this shell",
                    self.timeout.as_secs_f32()
                ))
            })?
            .map_err(|e| AuthError::Credential(format!("the Azure CLI failed: {e}")))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(cli_failure(&stderr, output.status.code()));
        }
        let token: CliToken = serde_json::from_slice(&output.stdout).map_err(|_| {
            // The output holds the token: never shown.
            AuthError::Credential(
                "the Azure CLI printed something that is not a token (JSON with accessToken); update the Azure CLI".into(),
            )
        })?;
        let lifetime = lifetime(&token, SystemTime::now());
        tracing::debug!(
            expires_in_s = lifetime.as_secs(),
            "Azure CLI token obtained"
        );
        Ok(AccessToken::new(token.access_token, lifetime))
    }
}

/// The error for a failed `az`, from what it wrote on stderr.
fn cli_failure(stderr: &str, code: Option<i32>) -> AuthError {
    let lower = stderr.to_ascii_lowercase();
    if lower.contains("az login") || lower.contains("not logged in") {
        return AuthError::Unavailable(
            "the Azure CLI is not signed in: run `az login` (or `az login --service-principal …` in a pipeline)".into(),
        );
    }
    if lower.contains("not recognized") || lower.contains("command not found") {
        return not_installed();
    }
    let first = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no message");
    let code = code.map_or("a signal".to_string(), |c| format!("exit code {c}"));
    AuthError::Credential(format!(
        "`az account get-access-token` failed ({code}): {}",
        shown(first, 300)
    ))
}

/// How long the token `az` printed is valid.
fn lifetime(token: &CliToken, now: SystemTime) -> Duration {
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let epoch = match &token.expires_on {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    if let Some(at) = epoch {
        return Duration::from_secs(at.saturating_sub(now));
    }
    // Older versions print local time without an offset; read it as UTC
    // (what CI runners use) and, when that gives no plausible lifetime, use
    // the token briefly; a 401 renews it in any case.
    match token.expires_on_local.as_deref().and_then(parse_naive) {
        Some(at) if at > now && at - now <= 24 * 3600 => Duration::from_secs(at - now),
        _ => UNSURE_LIFETIME,
    }
}

/// Seconds since the epoch of `YYYY-MM-DD HH:MM:SS[.ffffff]`, read as UTC.
fn parse_naive(text: &str) -> Option<u64> {
    let (date, time) = text.trim().split_once([' ', 'T'])?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.split('.').next()?;
    let mut t = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, min, s) = (t.next()??, t.next()??, t.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 || s > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + min * 60 + s).ok()
}

impl TokenSource for CliSource {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.run())
    }
}

impl TokenCredential for AzureCliCredential {
    fn get_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.cache.get())
    }

    fn token_rejected(&self, token: &AccessToken) {
        self.cache.forget(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_times_read_as_utc() {
        assert_eq!(parse_naive("1970-01-01 00:00:00.000000"), Some(0));
        assert_eq!(
            parse_naive("2024-01-31 21:59:10.123456"),
            Some(1_706_738_350)
        );
        assert_eq!(parse_naive("2024-13-01 00:00:00"), None);
        assert_eq!(parse_naive("soon"), None);
    }

    #[test]
    fn expiry_from_either_field() {
        let now = UNIX_EPOCH + Duration::from_secs(1_706_738_350 - 3000);
        let token: CliToken =
            serde_json::from_str(r#"{"accessToken":"t","expires_on":1706738350}"#).unwrap();
        assert_eq!(lifetime(&token, now), Duration::from_secs(3000));
        let token: CliToken =
            serde_json::from_str(r#"{"accessToken":"t","expiresOn":"2024-01-31 21:59:10.000000"}"#)
                .unwrap();
        assert_eq!(lifetime(&token, now), Duration::from_secs(3000));
        let token: CliToken = serde_json::from_str(r#"{"accessToken":"t"}"#).unwrap();
        assert_eq!(lifetime(&token, now), UNSURE_LIFETIME);
    }

    #[test]
    fn failures_say_what_to_do() {
        let e = cli_failure("ERROR: Please run 'az login' to setup account.", Some(1));
        assert!(e.to_string().contains("run `az login`"), "{e}");
        let e = cli_failure("ERROR: something else\nmore", Some(2));
        assert!(
            e.to_string().contains("exit code 2") && e.to_string().contains("something else"),
            "{e}"
        );
    }
}
