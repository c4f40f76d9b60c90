//! The GitHub Action (`action.yml`, `action/`): every use of it in the
//! workflows and the README passes only inputs it declares and reads only
//! outputs it sets; its outputs script reads the command's JSON lines; and
//! `action/install.sh` installs from a fake release served on 127.0.0.1
//! (ignored by the test command: it needs curl or wget, tar and unzip;
//! `.ci/run` runs it with `-- --ignored`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Instant;

use serde_norway::Value;
use sha2::{Digest, Sha256};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the workspace root")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The inputs and outputs `action.yml` declares.
struct Declared {
    inputs: BTreeSet<String>,
    required: BTreeSet<String>,
    outputs: BTreeSet<String>,
}

fn declared() -> Declared {
    let action: Value =
        serde_norway::from_str(&read(&root().join("action.yml"))).expect("action.yml is YAML");
    let keys = |name: &str| -> BTreeSet<String> {
        action[name]
            .as_mapping()
            .unwrap_or_else(|| panic!("action.yml has no `{name}:` mapping"))
            .keys()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect()
    };
    let required = action["inputs"]
        .as_mapping()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v["required"].as_bool() == Some(true))
                .filter_map(|(k, _)| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Declared {
        inputs: keys("inputs"),
        required,
        outputs: keys("outputs"),
    }
}

/// Whether a step's `uses:` names this action (from the checkout, or by
/// the repository's slug as the README writes it).
fn is_this_action(uses: &str) -> bool {
    uses == "./" || uses.starts_with("partner-center-ingestion/partner-center-ingestion@")
}

/// What one workflow document does wrong with the action, and how many
/// uses of it it has. `origin` names the document in the messages.
fn check_workflow(origin: &str, text: &str, declared: &Declared) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let doc: Value = match serde_norway::from_str(text) {
        Ok(doc) => doc,
        Err(e) => return (vec![format!("{origin}: not YAML: {e}")], 0),
    };
    let mut uses = 0;
    let mut ids = BTreeSet::new();
    let jobs = doc["jobs"].as_mapping().cloned().unwrap_or_default();
    for (job, body) in &jobs {
        let job = job.as_str().unwrap_or("?");
        for step in body["steps"].as_sequence().into_iter().flatten() {
            let Some(target) = step["uses"].as_str() else {
                continue;
            };
            if !is_this_action(target) {
                continue;
            }
            uses += 1;
            if let Some(id) = step["id"].as_str() {
                ids.insert(id.to_string());
            }
            let with: BTreeSet<String> = step["with"]
                .as_mapping()
                .map(|m| {
                    m.keys()
                        .filter_map(|k| k.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            for key in with.difference(&declared.inputs) {
                let near = declared
                    .inputs
                    .iter()
                    .min_by_key(|d| strsim_distance(d, key))
                    .cloned()
                    .unwrap_or_default();
                problems.push(format!(
                    "{origin}: job `{job}` passes input `{key}`, which action.yml does not declare (did you mean `{near}`?)"
                ));
            }
            for key in declared.required.difference(&with) {
                problems.push(format!(
                    "{origin}: job `{job}` uses the action without its required input `{key}`"
                ));
            }
        }
    }
    for (id, output) in step_outputs(text) {
        if ids.contains(&id) && !declared.outputs.contains(&output) {
            problems.push(format!(
                "{origin}: `steps.{id}.outputs.{output}` reads an output action.yml does not declare"
            ));
        }
    }
    (problems, uses)
}

/// Every `steps.ID.outputs.NAME` the text reads.
fn step_outputs(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    };
    for (at, _) in text.match_indices("steps.") {
        let rest = &text[at + "steps.".len()..];
        let id = word(rest);
        if let Some(after) = rest[id.len()..].strip_prefix(".outputs.") {
            let output = word(after);
            if !id.is_empty() && !output.is_empty() {
                found.push((id, output));
            }
        }
    }
    found
}

/// Levenshtein distance, for the suggestion only.
fn strsim_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut last = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let old = row[j + 1];
            row[j + 1] = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(last + usize::from(ca != *cb));
            last = old;
        }
    }
    row[b.len()]
}

/// The README's ```yaml blocks.
fn readme_yaml_blocks() -> Vec<String> {
    let readme = read(&root().join("README.md"));
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```yaml") || l.starts_with("```yml") => {
                current = Some(String::new())
            }
            (Some(block), l) if l.starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn every_use_of_the_action_passes_declared_inputs_and_reads_declared_outputs() {
    let declared = declared();
    let mut problems = Vec::new();
    let mut in_workflows = 0;
    let workflows = root().join(".github/workflows");
    for entry in std::fs::read_dir(&workflows).expect(".github/workflows exists") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            let (p, n) = check_workflow(&path.display().to_string(), &read(&path), &declared);
            problems.extend(p);
            in_workflows += n;
        }
    }
    let mut in_readme = 0;
    for (i, block) in readme_yaml_blocks().iter().enumerate() {
        let (p, n) = check_workflow(&format!("README.md yaml block {}", i + 1), block, &declared);
        problems.extend(p);
        in_readme += n;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(in_workflows > 0, "no workflow uses the action (`uses: ./`)");
    assert!(
        in_readme >= 2,
        "the README's examples use the action {in_readme} time(s)"
    );
}

#[test]
fn a_misspelt_input_or_output_is_reported() {
    let declared = declared();
    let planted = "jobs:\n  a:\n    steps:\n      - id: pc\n        uses: ./\n        with:\n          command: plan\n          definitons: offers/\n      - run: echo ${{ steps.pc.outputs.chnaged }}\n      - uses: ./\n        with:\n          definitions: offers/\n";
    let (problems, uses) = check_workflow("planted", planted, &declared);
    assert_eq!(uses, 2);
    let all = problems.join("\n");
    assert!(all.contains("input `definitons`"), "{all}");
    assert!(all.contains("did you mean `definitions`"), "{all}");
    assert!(all.contains("steps.pc.outputs.chnaged"), "{all}");
    assert!(all.contains("required input `command`"), "{all}");
    assert_eq!(problems.len(), 3, "{all}");
}

#[test]
fn binstall_metadata_names_the_release_assets() {
    let manifest = read(&root().join("cli/Cargo.toml"));
    assert!(
        manifest.contains("[package.metadata.binstall]"),
        "cli/Cargo.toml has no binstall metadata"
    );
    assert!(
        manifest.contains(
            "/releases/download/v{ version }/partner-center-{ version }-{ target }.tar.gz"
        ),
        "the binstall pkg-url does not name the release assets"
    );
    assert!(manifest.contains(".zip"), "no .zip asset for Windows");
}

fn sh(script: &str, args: &[&str]) -> Output {
    Command::new("sh")
        .arg(root().join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run sh {script}: {e}"))
}

fn outputs_of(report: &str) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("report.jsonl");
    std::fs::write(&path, report).expect("write the report");
    let out = Command::new("awk")
        .arg("-f")
        .arg(root().join("action/outputs.awk"))
        .arg(&path)
        .output()
        .expect("awk runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

#[test]
fn the_outputs_come_from_the_commands_json_lines() {
    let offer = root().join("examples/offer.yaml");
    let offer = offer.to_str().expect("a UTF-8 path");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_partner-center"))
            .args(["--emulator", "--output", "json"])
            .args(args)
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY")
            .output()
            .expect("the command runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let plan = outputs_of(&run(&["plan", offer, "--detailed-exitcode"]));
    assert_eq!(plan["changed"], "true", "{plan:?}");
    let preview = outputs_of(&run(&[
        "apply",
        offer,
        "--publish",
        "preview",
        "--wait",
        "5m",
    ]));
    assert_eq!(preview["preview"], "contoso-sample-app", "{preview:?}");
    assert_eq!(preview["live"], "", "{preview:?}");
    let live = outputs_of(&run(&["apply", offer, "--publish", "live", "--wait", "5m"]));
    assert_eq!(live["live"], "contoso-sample-app", "{live:?}");
    assert_eq!(live["failed"], "", "{live:?}");
    // Errors, annotations between the lines, and the action's own lines.
    let mixed = concat!(
        "::error file=a.yaml::broken\n",
        "{\"event\":\"error\",\"offer\":\"a,b\\\"c\",\"message\":\"x\"}\n",
        "{\"event\":\"step\",\"offer\":\"late\",\"message\":\"waiting\",\"elapsed_s\":1}\n",
        "{\"event\":\"action-run\",\"command\":\"wait\",\"offer\":\"offers/late.yaml\",\"target\":\"live\",\"waited\":true,\"exit_code\":0}\n",
        "{\"event\":\"action-run\",\"command\":\"promote\",\"offer\":\"gone\",\"target\":\"preview\",\"waited\":false,\"exit_code\":1}\n",
        "{\"event\":\"result\",\"command\":\"status\",\"offer_id\":\"s\",\"submission\":{\"phase\":\"preview-ready\"}}\n",
    );
    let mixed = outputs_of(mixed);
    assert_eq!(mixed["failed"], "a b\"c,gone", "{mixed:?}");
    assert_eq!(mixed["live"], "late", "{mixed:?}");
    assert_eq!(mixed["preview"], "s", "{mixed:?}");
    assert_eq!(mixed["changed"], "false", "{mixed:?}");
}

/// A release on 127.0.0.1: each path answers its bytes, anything else 404.
struct FakeRelease {
    base_url: String,
}

fn serve(files: BTreeMap<String, Vec<u8>>) -> FakeRelease {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("an address").port();
    let files = Arc::new(files);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let files = files.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(match stream.try_clone() {
                    Ok(s) => s,
                    Err(_) => return,
                });
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    return;
                }
                loop {
                    let mut header = String::new();
                    match reader.read_line(&mut header) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if header == "\r\n" || header == "\n" => break,
                        Ok(_) => {}
                    }
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/");
                let (status, body) = match files.get(path) {
                    Some(body) => ("200 OK", body.as_slice()),
                    None => ("404 Not Found", b"not found".as_slice()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body);
            });
        }
    });
    FakeRelease {
        base_url: format!("http://127.0.0.1:{port}"),
    }
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A `.tar.gz` holding the built binary as `partner-center` (by `tar`).
fn tar_gz(staging: &Path) -> Vec<u8> {
    let bin = staging.join("partner-center");
    std::fs::copy(env!("CARGO_BIN_EXE_partner-center"), &bin).expect("copy the binary");
    std::fs::write(
        staging.join("LICENSE-MIT"),
        read(&root().join("LICENSE-MIT")),
    )
    .expect("license");
    let archive = staging.join("asset.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(staging)
        .args(["partner-center", "LICENSE-MIT"])
        .status()
        .expect("tar is installed (the install test needs it)");
    assert!(status.success(), "tar failed");
    std::fs::read(&archive).expect("read the archive")
}

/// A `.zip` holding the built binary as `partner-center.exe`.
fn zip_of_binary() -> Vec<u8> {
    let mut bytes = Vec::new();
    std::fs::File::open(env!("CARGO_BIN_EXE_partner-center"))
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .expect("read the binary");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o755);
    zip.start_file("partner-center.exe", options)
        .expect("a zip entry");
    zip.write_all(&bytes).expect("write the entry");
    zip.finish().expect("finish the zip").into_inner()
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A release of VERSION with `assets` (name, bytes) and a SHA256SUMS that
/// lists `sums` (name, bytes the sum is of).
fn release(assets: &[(String, Vec<u8>)], sums: &[(String, &[u8])]) -> FakeRelease {
    let mut files = BTreeMap::new();
    let mut text = String::new();
    for (name, bytes) in sums {
        text.push_str(&format!("{}  {name}\n", hex_sha256(bytes)));
    }
    files.insert(format!("/v{VERSION}/SHA256SUMS"), text.into_bytes());
    for (name, bytes) in assets {
        files.insert(format!("/v{VERSION}/{name}"), bytes.clone());
    }
    serve(files)
}

fn asset(target: &str, ext: &str) -> String {
    format!("partner-center-{VERSION}-{target}.{ext}")
}

fn install(release: &FakeRelease, dir: &Path, extra: &[&str]) -> Output {
    let dir = dir.to_str().expect("a UTF-8 path");
    let mut args = vec![
        "--version",
        VERSION,
        "--dir",
        dir,
        "--base-url",
        &release.base_url,
    ];
    args.extend_from_slice(extra);
    sh("action/install.sh", &args)
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
#[ignore = "needs curl or wget, tar and unzip; .ci/run runs it"]
fn install_sh_installs_a_checked_release_and_refuses_a_corrupt_one() {
    let staging = tempfile::tempdir().expect("a temporary folder");
    let archive = tar_gz(staging.path());
    let zip = zip_of_binary();
    let linux = ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"];
    let mut assets: Vec<(String, Vec<u8>)> = linux
        .iter()
        .map(|t| (asset(t, "tar.gz"), archive.clone()))
        .collect();
    assets.push((asset("x86_64-pc-windows-msvc", "zip"), zip.clone()));
    let sums: Vec<(String, &[u8])> = assets
        .iter()
        .map(|(n, b)| (n.clone(), b.as_slice()))
        .collect();
    let good = release(&assets, &sums);

    // The machine's target, found from uname: installed and working.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let started = Instant::now();
    let out = install(&good, dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let path = stdout
        .lines()
        .last()
        .expect("the binary's path")
        .to_string();
    assert_eq!(
        Path::new(&path),
        dir.path().join("partner-center"),
        "{}",
        text(&out)
    );
    let version = Command::new(&path)
        .arg("--version")
        .output()
        .expect("the installed binary runs");
    let took = started.elapsed();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("partner-center {VERSION}")
    );
    assert!(
        dir.path().join("LICENSE-MIT").exists(),
        "the licenses come along"
    );
    eprintln!(
        "install.sh from the fake release ({} MB) to `partner-center --version`: {} ms",
        archive.len() / 1_000_000,
        took.as_millis()
    );

    // Windows' .zip, unpacked the way Git Bash can.
    let windows = tempfile::tempdir().expect("a temporary folder");
    let out = install(
        &good,
        windows.path(),
        &["--target", "x86_64-pc-windows-msvc"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let exe = windows.path().join("partner-center.exe");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .trim_end()
            .ends_with(exe.to_str().unwrap_or("?")),
        "{}",
        text(&out)
    );
    let version = Command::new(&exe)
        .arg("--version")
        .output()
        .expect("the unzipped binary runs");
    assert!(String::from_utf8_lossy(&version.stdout).contains(VERSION));

    // A corrupt asset: refused, nothing installed.
    let mut corrupt = archive.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0xff;
    let bad = release(
        &[(asset(linux[0], "tar.gz"), corrupt)],
        &[(asset(linux[0], "tar.gz"), archive.as_slice())],
    );
    let empty = tempfile::tempdir().expect("a temporary folder");
    let target = empty.path().join("bin");
    let out = install(&bad, &target, &["--target", linux[0]]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not match SHA256SUMS"),
        "{}",
        text(&out)
    );
    assert!(
        !target.join("partner-center").exists(),
        "a corrupt asset was installed"
    );

    // An unknown target: refused with the targets there are.
    let out = install(&good, &target, &["--target", "sparc-sun-nowhere"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown target \"sparc-sun-nowhere\""),
        "{}",
        text(&out)
    );

    // A known target without an asset: the cargo install it falls back to.
    let out = install(
        &good,
        &target,
        &["--target", "x86_64-apple-darwin", "--no-fallback"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!(
            "cargo install --locked partner-center-cli --version {VERSION}"
        )),
        "{}",
        text(&out)
    );
    assert!(!target.join("partner-center").exists());

    // No release at all for the version: the same fallback.
    let none = serve(BTreeMap::new());
    let out = install(&none, &target, &["--no-fallback"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("cargo install --locked partner-center-cli"),
        "{}",
        text(&out)
    );
}

#[test]
#[ignore = "needs curl or wget and tar; .ci/run runs it"]
fn from_the_release_cache_to_the_first_request() {
    // The action's install step on a cache hit finds the binary in place;
    // measured here: unpacking the release into place (the cache restore
    // does the same), then one request against an emulator.
    let staging = tempfile::tempdir().expect("a temporary folder");
    let archive = tar_gz(staging.path());
    let target = "x86_64-unknown-linux-gnu";
    let good = release(
        &[(asset(target, "tar.gz"), archive.clone())],
        &[(asset(target, "tar.gz"), archive.as_slice())],
    );
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let emu = runtime
        .block_on(partner_center_emulator::Emulator::builder().start())
        .expect("the emulator starts");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let started = Instant::now();
    let out = install(&good, dir.path(), &["--target", target]);
    assert!(out.status.success(), "{}", text(&out));
    let installed = started.elapsed();
    let list = Command::new(dir.path().join("partner-center"))
        .args(["list", "offers", "--output", "json"])
        .env("AZURE_TENANT_ID", emu.tenant_id())
        .env("AZURE_CLIENT_ID", emu.client_id())
        .env("AZURE_CLIENT_SECRET", emu.client_secret())
        .env("AZURE_AUTHORITY_HOST", emu.authority_host())
        .env("PARTNER_CENTER_ENDPOINT", emu.endpoint())
        .output()
        .expect("the installed binary runs");
    let total = started.elapsed();
    assert!(list.status.success(), "{}", text(&list));
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("\"event\":\"result\""),
        "{}",
        text(&list)
    );
    eprintln!(
        "from the release ({} MB) to the first answer: install {} ms, first request answered at {} ms",
        archive.len() / 1_000_000,
        installed.as_millis(),
        total.as_millis()
    );
}
