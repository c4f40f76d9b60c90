//! Measures publishing against the emulator on 127.0.0.1.
//!
//! `cargo bench --bench publishing` prints:
//!
//! 1. uploading a 256 MiB package to the emulator's blob endpoint: wall
//!    time, throughput and peak heap growth of [`BlobUploader`] (blocks of
//!    8 MiB, 4 in flight), against one plain streamed reqwest `PUT` of the
//!    same file to the same endpoint;
//! 2. the whole publishing flow of `examples/publish_offer.rs` (offer,
//!    listing, logo, reseller configuration, plan, package, preview, live)
//!    with every emulator delay at zero: HTTP requests by kind and wall
//!    time, over several runs;
//! 3. the same 256 MiB to Azurite, Microsoft's storage emulator: the
//!    [`BlobUploader`], Microsoft's Python SDK (`azure-storage-blob`,
//!    `upload_blob(max_concurrency=4)`, run as a child process from
//!    `benches/support/sdk_upload.py`) and one streamed `PUT`, alternating,
//!    in one run. Azurite comes from `AZURITE_BLOB` or `.ci/node` (`bash
//!    .ci/azurite`), the Python with the SDK from `AZURE_BLOB_PYTHON` (else
//!    `.ci/python/bin/python`, else `python3`); what is missing is named
//!    and its rows are left out. `PUBLISHING_BENCH_AZURITE_ONLY=1` runs
//!    only this part.
//!
//! Nothing is asserted: the numbers are reported as measured. The heap is
//! the whole process's, the in-process emulator's buffers included.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use partner_center_emulator::{Emulator, EmulatorHandle};
use partner_center_ingestion::auth::{ClientSecretCredential, Cloud};
use partner_center_ingestion::blob::BlobUploader;
use partner_center_ingestion::types::{
    AzurePackage, AzurePackageResourceType, ResellerConfigurationResellerChannelState,
};
use partner_center_ingestion::workflows::{
    ImageKind, Listing, NewOffer, NewPlan, Offer, PlanKind, PollPolicy, Preview, Publisher,
    ResellerConfiguration,
};
use partner_center_ingestion::{Client, SasUri};

#[path = "support/heap.rs"]
mod heap;

#[allow(dead_code)]
#[path = "../tests/support/azurite.rs"]
mod azurite;

use heap::{Counting, CURRENT, PEAK};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result and how far the heap grew above where it
/// started.
async fn peak_growth<T>(f: impl std::future::Future<Output = T>) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f.await;
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

const MIB: u64 = 1024 * 1024;
const SIZE: u64 = 256 * MIB;

fn client(emulator: &EmulatorHandle) -> Client {
    let credential = ClientSecretCredential::builder(
        emulator.tenant_id(),
        emulator.client_id(),
        emulator.client_secret(),
    )
    .cloud(Cloud::from_authority_host(&emulator.authority_host()).expect("loopback"))
    .build()
    .expect("credential");
    Client::builder(credential)
        .endpoint(emulator.endpoint())
        .build()
        .expect("client")
}

/// A file of `SIZE` bytes that do not repeat in short cycles.
fn make_file(dir: &Path) -> PathBuf {
    let path = dir.join("package.zip");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut chunk = vec![0u8; MIB as usize];
    for _ in 0..SIZE / MIB {
        for b in chunk.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b.copy_from_slice(&state.to_le_bytes()[..b.len()]);
        }
        file.write_all(&chunk).expect("write");
    }
    file.flush().expect("flush");
    path
}

/// A fresh write SAS URL: a new package resource's `fileSasUri`.
async fn fresh_sas(client: &Client, offer: &Offer) -> SasUri {
    let package = client
        .create_package()
        .product_id(offer.product_id())
        .body(AzurePackage {
            resource_type: Some(AzurePackageResourceType::AzureApplicationPackage),
            file_name: Some("package.zip".into()),
            ..Default::default()
        })
        .send()
        .await
        .expect("create package")
        .into_inner();
    package.file_sas_uri.expect("a SAS URL")
}

/// One streamed `PUT` of the whole file, read in 64 KiB chunks.
async fn plain_put(http: &reqwest::Client, sas: &SasUri, path: &Path) -> reqwest::StatusCode {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path).await.expect("open");
    let stream = futures::stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    http.put(sas.expose())
        .header("x-ms-blob-type", "BlockBlob")
        .header("content-type", "application/octet-stream")
        .header("content-length", SIZE)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .expect("plain PUT")
        .status()
}

fn mib_per_s(elapsed: Duration) -> f64 {
    (SIZE / MIB) as f64 / elapsed.as_secs_f64()
}

async fn upload_bench(emulator: &EmulatorHandle) {
    let client = client(emulator);
    let publisher = Publisher::new(client.clone()).poll_policy(PollPolicy::quick());
    let offer = publisher
        .create_offer(&NewOffer::azure_application("upload-bench", "Upload bench").unwrap())
        .await
        .expect("offer");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = make_file(dir.path());
    let http = reqwest::Client::new();

    println!("1. Uploading a 256 MiB package to the emulator's blob endpoint (3 runs each)");
    println!("| upload | run | wall s | MiB/s | peak heap growth MiB |");
    println!("| --- | --- | --- | --- | --- |");
    for run in 1..=3 {
        let sas = fresh_sas(&client, &offer).await;
        let uploader = BlobUploader::new(http.clone());
        let started = Instant::now();
        let (summary, peak) = peak_growth(uploader.upload_file(&sas, &path, |_| {})).await;
        let elapsed = started.elapsed();
        let summary = summary.expect("upload");
        println!(
            "| BlobUploader ({} blocks of 8 MiB, 4 in flight) | {run} | {:.2} | {:.0} | {:.1} |",
            summary.blocks,
            elapsed.as_secs_f64(),
            mib_per_s(elapsed),
            peak as f64 / MIB as f64
        );
        let sas = fresh_sas(&client, &offer).await;
        let started = Instant::now();
        let (status, peak) = peak_growth(plain_put(&http, &sas, &path)).await;
        let elapsed = started.elapsed();
        println!(
            "| one streamed reqwest PUT (status {}) | {run} | {:.2} | {:.0} | {:.1} |",
            status.as_u16(),
            elapsed.as_secs_f64(),
            mib_per_s(elapsed),
            peak as f64 / MIB as f64
        );
    }
}

async fn flow(publisher: &Publisher, offer_id: &str, assets: &Path) {
    let offer = publisher
        .get_or_create_offer(&NewOffer::azure_application(offer_id, "Flow bench").unwrap())
        .await
        .expect("offer");
    let listing = publisher
        .edit_offer::<Listing>(&offer, |l| {
            l.title = Some("Flow bench".into());
            l.summary = Some("Summary.".into());
            l.short_description = Some("Short.".into());
            l.description = Some("<p>Long.</p>".into());
        })
        .await
        .expect("listing");
    publisher
        .upload_listing_image(
            listing.draft(),
            ImageKind::LogoLarge,
            assets.join("logo-216.png"),
            Duration::from_secs(60),
        )
        .await
        .expect("logo");
    publisher
        .edit_offer::<ResellerConfiguration>(&offer, |r| {
            r.reseller_channel_state = Some(ResellerConfigurationResellerChannelState::Enabled)
        })
        .await
        .expect("reseller");
    let plan = publisher
        .get_or_create_plan(
            &offer,
            &NewPlan::new("standard", "Standard", PlanKind::ManagedApplication).unwrap(),
        )
        .await
        .expect("plan");
    publisher
        .edit_plan::<Listing>(&plan, |l| {
            l.title = Some("Standard".into());
            l.summary = Some("Summary.".into());
            l.description = Some("<p>Plan.</p>".into());
        })
        .await
        .expect("plan listing");
    let package = publisher
        .upload_package(&offer, assets.join("app.zip"), Duration::from_secs(60))
        .await
        .expect("package");
    publisher
        .use_package(&plan, &package, "1.0.0")
        .await
        .expect("use package");
    let submission = publisher.submit::<Preview>(&offer).await.expect("submit");
    let preview = publisher
        .wait(submission, Duration::from_secs(60))
        .await
        .expect("preview");
    let live = publisher.promote(preview).await.expect("promote");
    publisher
        .wait(live, Duration::from_secs(60))
        .await
        .expect("live");
}

async fn flow_bench() {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/assets");
    println!();
    println!(
        "2. The whole publishing flow on the emulator, delays at zero (5 runs, a new offer each)"
    );
    println!("| run | API requests | of which writes | token requests | blob requests | wall ms |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for run in 1..=5 {
        let emulator = Emulator::builder().start().await.expect("emulator");
        let publisher = Publisher::new(client(&emulator)).poll_policy(PollPolicy::quick());
        let started = Instant::now();
        flow(&publisher, &format!("flow-{run}"), &assets).await;
        let elapsed = started.elapsed();
        let stats = emulator.stats();
        println!(
            "| {run} | {} | {} | {} | {} | {:.1} |",
            stats.total,
            stats.writes,
            stats.token_requests,
            stats.blob_requests,
            elapsed.as_secs_f64() * 1000.0
        );
    }
}

/// The Python interpreter that has `azure-storage-blob`, or why there is none.
fn sdk_python() -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates: Vec<PathBuf> = match std::env::var_os("AZURE_BLOB_PYTHON") {
        Some(p) if !p.is_empty() => vec![PathBuf::from(p)],
        _ => vec![root.join(".ci/python/bin/python"), PathBuf::from("python3")],
    };
    for python in &candidates {
        let has_sdk = std::process::Command::new(python)
            .args(["-c", "import azure.storage.blob"])
            .output()
            .is_ok_and(|o| o.status.success());
        if has_sdk {
            return Ok(python.clone());
        }
    }
    Err(format!(
        "no Python with azure-storage-blob among {candidates:?}: set AZURE_BLOB_PYTHON to a venv's python (python3 -m venv /tmp/v && /tmp/v/bin/pip install azure-storage-blob)"
    ))
}

/// Uploads with Microsoft's Python SDK: wall time and peak RSS.
fn sdk_upload(python: &Path, sas: &str, path: &Path) -> Result<(Duration, u64), String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/support/sdk_upload.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(sas)
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "the SDK upload failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split_whitespace();
    let seconds: f64 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0.0);
    let rss_kib: u64 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
    Ok((Duration::from_secs_f64(seconds), rss_kib))
}

async fn azurite_bench(runs: usize) {
    println!();
    println!("3. Uploading the same 256 MiB to Azurite, Microsoft's storage emulator ({runs} runs, alternating)");
    if let Err(why) = azurite::find_binary() {
        println!("(skipped: {why})");
        return;
    }
    let python = sdk_python();
    if let Err(why) = &python {
        println!("(the SDK rows are left out: {why})");
    }
    let storage = azurite::Azurite::start_with(&[
        "--skipApiVersionCheck",
        "--silent",
        "--inMemoryPersistence",
    ]);
    let http = reqwest::Client::new();
    storage.create_container(&http, "bench").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = make_file(dir.path());
    let mut blob = 0;
    let mut sas = || {
        blob += 1;
        storage.blob_sas("bench", &format!("package-{blob}.zip"), "rcw")
    };
    println!("| upload | run | wall s | MiB/s | peak memory MiB |");
    println!("| --- | --- | --- | --- | --- |");
    for run in 1..=runs {
        let target = SasUri::new(sas());
        let uploader = BlobUploader::new(http.clone());
        let started = Instant::now();
        let (summary, peak) = peak_growth(uploader.upload_file(&target, &path, |_| {})).await;
        let elapsed = started.elapsed();
        let summary = summary.expect("upload to Azurite");
        println!(
            "| BlobUploader ({} blocks of 8 MiB, 4 in flight; heap growth) | {run} | {:.2} | {:.0} | {:.1} |",
            summary.blocks,
            elapsed.as_secs_f64(),
            mib_per_s(elapsed),
            peak as f64 / MIB as f64
        );
        for (name, uploader) in [
            (
                "blob_md5(true)",
                BlobUploader::new(http.clone()).blob_md5(true),
            ),
            (
                "block_md5(true)",
                BlobUploader::new(http.clone()).block_md5(true),
            ),
        ] {
            let target = SasUri::new(sas());
            let started = Instant::now();
            let (summary, peak) = peak_growth(uploader.upload_file(&target, &path, |_| {})).await;
            let elapsed = started.elapsed();
            summary.expect("upload to Azurite");
            println!(
                "| BlobUploader with {name} (heap growth) | {run} | {:.2} | {:.0} | {:.1} |",
                elapsed.as_secs_f64(),
                mib_per_s(elapsed),
                peak as f64 / MIB as f64
            );
        }
        if let Ok(python) = &python {
            let url = sas();
            let path = path.clone();
            let python = python.clone();
            let result = tokio::task::spawn_blocking(move || sdk_upload(&python, &url, &path))
                .await
                .expect("the SDK run");
            match result {
                Ok((elapsed, rss_kib)) => println!(
                    "| azure-storage-blob upload_blob(max_concurrency=4) (peak RSS of the Python process) | {run} | {:.2} | {:.0} | {:.1} |",
                    elapsed.as_secs_f64(),
                    mib_per_s(elapsed),
                    rss_kib as f64 / 1024.0
                ),
                Err(why) => println!("| azure-storage-blob | {run} | failed: {why} | | |"),
            }
        }
        let target = SasUri::new(sas());
        let started = Instant::now();
        let (status, peak) = peak_growth(plain_put(&http, &target, &path)).await;
        let elapsed = started.elapsed();
        println!(
            "| one streamed reqwest PUT (status {}; heap growth) | {run} | {:.2} | {:.0} | {:.1} |",
            status.as_u16(),
            elapsed.as_secs_f64(),
            mib_per_s(elapsed),
            peak as f64 / MIB as f64
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let emulator = Emulator::builder().start().await.expect("emulator");
        if std::env::var_os("PUBLISHING_BENCH_AZURITE_ONLY").is_none() {
            upload_bench(&emulator).await;
            flow_bench().await;
        }
        azurite_bench(3).await;
    });
}
