//! The `partner-center-emulator` binary: its ready lines, signals, `kill -9`
//! durability, and its flags.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

struct Running {
    child: Child,
    env: Vec<(String, String)>,
}

fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_partner-center-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..6 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        lines.push(line.trim_end().to_string());
    }
    let names = [
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_AUTHORITY_HOST",
        "PARTNER_CENTER_ENDPOINT",
    ];
    let mut env = Vec::new();
    for (line, name) in lines.iter().zip(names) {
        let rest = line
            .strip_prefix(&format!("export {name}="))
            .unwrap_or_else(|| panic!("{line:?} exports {name}"));
        env.push((name.to_string(), rest.to_string()));
    }
    assert_eq!(lines[5], "# ready");
    assert!(env[3].1.starts_with("http://127.0.0.1:"));
    assert_eq!(env[4].1, format!("{}/v1.0/ingestion", env[3].1));
    Running { child, env }
}

impl Running {
    fn var(&self, name: &str) -> &str {
        &self.env.iter().find(|(k, _)| k == name).unwrap().1
    }
    async fn token(&self, http: &reqwest::Client) -> String {
        let r = http
            .post(format!(
                "{}/{}/oauth2/v2.0/token",
                self.var("AZURE_AUTHORITY_HOST"),
                self.var("AZURE_TENANT_ID")
            ))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.var("AZURE_CLIENT_ID")),
                ("client_secret", self.var("AZURE_CLIENT_SECRET")),
                ("scope", "https://api.partner.microsoft.com/.default"),
            ])
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }
    fn signal(&mut self, sig: &str) -> std::process::ExitStatus {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(ok.success());
        self.child.wait().unwrap()
    }
}

#[tokio::test]
async fn ready_lines_then_sigterm_exits_cleanly() {
    let mut run = spawn(&[
        "--port",
        "0",
        "--consistency-delay",
        "250ms",
        "--certification-delay",
        "1s",
    ]);
    let http = reqwest::Client::new();
    let tok = run.token(&http).await;
    let r = http
        .get(format!("{}/products", run.var("PARTNER_CENTER_ENDPOINT")))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(run.signal("TERM").code(), Some(0));
    let mut run = spawn(&[]);
    assert_eq!(run.signal("INT").code(), Some(0));
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let mut run = spawn(&["--port", "0", "--data-dir", d]);
    let http = reqwest::Client::new();
    let tok = run.token(&http).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let r = http
            .post(format!("{}/products", run.var("PARTNER_CENTER_ENDPOINT")))
            .bearer_auth(&tok)
            .json(&json!({"resourceType": "AzureApplication", "name": format!("p{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        ids.push(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    run.signal("KILL");
    let mut again = spawn(&["--port", "0", "--data-dir", d]);
    assert_eq!(
        again.var("AZURE_CLIENT_SECRET"),
        run.var("AZURE_CLIENT_SECRET")
    );
    let tok = again.token(&http).await;
    for id in ids {
        let r = http
            .get(format!(
                "{}/products/{id}",
                again.var("PARTNER_CENTER_ENDPOINT")
            ))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    assert_eq!(again.signal("TERM").code(), Some(0));
}

#[test]
fn a_foreign_data_dir_stops_the_binary_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), "y").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_partner-center-emulator"))
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing data directory"));
    assert!(out.stdout.is_empty());
}

#[test]
fn help_documents_every_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_partner-center-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--port",
        "--bind",
        "--data-dir",
        "--tenant-id",
        "--client-id",
        "--client-secret",
        "--consistency-delay",
        "--processing-delay",
        "--certification-delay",
        "--throttle-rate",
        "--fail-rate",
        "--seed",
        "--require-publisher-id",
        "--strict-product-filter",
        "--broken-next-link-rate",
        "--transient-404-rate",
        "--blob-host",
        "--latency",
        "--rate-limit",
    ] {
        assert!(text.contains(flag), "{flag} in --help");
    }
}

#[tokio::test]
async fn latency_and_rate_limit_flags_pace_the_api_like_the_service() {
    let mut run = spawn(&["--latency", "100ms..300ms", "--rate-limit", "30/s"]);
    let http = reqwest::Client::new();
    let tok = run.token(&http).await;
    let url = format!("{}/products", run.var("PARTNER_CENTER_ENDPOINT"));
    let started = std::time::Instant::now();
    let answers = futures::future::join_all((0..40).map(|_| async {
        let r = http.get(&url).bearer_auth(&tok).send().await.unwrap();
        let retry_after = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (r.status().as_u16(), retry_after, started.elapsed())
    }))
    .await;
    let served: Vec<_> = answers.iter().filter(|a| a.0 == 200).collect();
    let refused: Vec<_> = answers.iter().filter(|a| a.0 == 429).collect();
    assert_eq!(served.len() + refused.len(), 40, "{answers:?}");
    assert!(
        !refused.is_empty(),
        "none of 40 at once refused: {answers:?}"
    );
    assert!(served.len() >= 30, "{answers:?}");
    for (_, retry_after, _) in &refused {
        assert_eq!(retry_after.as_deref(), Some("1"), "{answers:?}");
    }
    // Served answers took their latency; 429s came before it.
    let slowest_refusal = refused.iter().map(|a| a.2).max().unwrap_or_default();
    let fastest_served = served.iter().map(|a| a.2).min().unwrap_or_default();
    assert!(
        fastest_served >= std::time::Duration::from_millis(100),
        "{answers:?}"
    );
    assert!(slowest_refusal < fastest_served, "{answers:?}");
    assert_eq!(run.signal("TERM").code(), Some(0));
}

#[test]
fn bad_latencies_and_rate_limits_stop_the_binary_saying_why() {
    for (flag, value, says) in [
        ("--latency", "300ms..100ms", "shortest latency comes first"),
        ("--latency", "soon", "not a duration"),
        ("--latency", "2h", "at most 1h"),
        ("--rate-limit", "30", "no unit"),
        ("--rate-limit", "30/h", "unknown unit"),
        ("--rate-limit", "0/s", "above 0"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_partner-center-emulator"))
            .args([flag, value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(flag) && err.contains(says),
            "{flag} {value}: {err}"
        );
        assert!(out.stdout.is_empty());
    }
}
