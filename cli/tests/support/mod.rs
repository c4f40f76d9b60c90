//! Runs the built `partner-center` against an emulator this test starts on
//! 127.0.0.1. Nothing here reaches a Microsoft host.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use partner_center_emulator::{EmulatorBuilder, EmulatorHandle};

pub mod standin;

/// What a run of the command printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Everything printed, for assertion messages.
    pub fn all(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// The JSON objects of `--output json`, one per line.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}\n{}", self.all()))
            })
            .collect()
    }
}

/// The sample definition's assets, read where they are.
pub fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/assets")
}

/// The sample definition with another offer id, its file paths absolute.
pub fn sample(offer_id: &str) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/offer.yaml"),
    )
    .expect("the sample definition");
    text.replace(
        "offer_id: contoso-sample-app",
        &format!("offer_id: {offer_id}"),
    )
    .replace("assets/", &format!("{}/", assets().display()))
}

/// An emulator and a folder for definitions.
pub struct Env {
    pub emu: EmulatorHandle,
    pub dir: tempfile::TempDir,
}

/// Short delays: uploads and submissions move, but quickly.
pub fn quick() -> EmulatorBuilder {
    let d = Duration::from_millis(20);
    partner_center_emulator::Emulator::builder()
        .consistency_delay(d)
        .processing_delay(d)
        .certification_delay(d)
}

impl Env {
    pub async fn start(builder: EmulatorBuilder) -> Env {
        Env {
            emu: builder.start().await.expect("the emulator starts"),
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    /// Writes a definition into the folder; returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write the definition");
        path
    }

    /// The command with the emulator's credentials in its environment and
    /// nothing of the test's own (no CI variables, no logging).
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_partner-center"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("AZURE_TENANT_ID", self.emu.tenant_id())
            .env("AZURE_CLIENT_ID", self.emu.client_id())
            .env("AZURE_CLIENT_SECRET", self.emu.client_secret())
            .env("AZURE_AUTHORITY_HOST", self.emu.authority_host())
            .env("PARTNER_CENTER_ENDPOINT", self.emu.endpoint())
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        output(self.command(args)).await
    }

    pub async fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        output(cmd).await
    }
}

pub async fn output(mut cmd: tokio::process::Command) -> Run {
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("the command ends within two minutes")
        .expect("the command runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The command with no environment at all (no credentials).
pub async fn bare(args: &[&str]) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_partner-center"));
    cmd.args(args)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    output(cmd).await
}
