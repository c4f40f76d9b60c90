//! `partner-center-emulator`: runs the emulator until SIGINT or SIGTERM.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use partner_center_emulator::Emulator;

/// A local, stateful stand-in for Microsoft Partner Center: Azure AD tokens,
/// the ingestion API and the blob storage behind fileSasUri.
///
/// When ready it prints five `export` lines (credentials and endpoints) and
/// `# ready` on standard output; `eval` them to point tools at it.
#[derive(Parser, Debug)]
#[command(name = "partner-center-emulator", version)]
struct Args {
    /// Port to listen on; 0 takes any free port.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Keep state and uploaded files in this directory (survives restarts);
    /// without it state lives in memory.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Tenant id the token endpoint accepts (default: a fresh GUID, or the data directory's).
    #[arg(long, value_name = "ID")]
    tenant_id: Option<String>,
    /// Client id the token endpoint accepts (default: a fresh GUID, or the data directory's).
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// Client secret the token endpoint accepts (default: a fresh random one, or the data directory's).
    #[arg(long, value_name = "S")]
    client_secret: Option<String>,
    /// How long new branches stay invisible after an offer or plan is created, e.g. 0s, 250ms, 5s, 1m.
    #[arg(long, value_name = "D", default_value = "0s", value_parser = parse_duration)]
    consistency_delay: Duration,
    /// How long an uploaded file stays InProcessing before Processed or ProcessFailed.
    #[arg(long, value_name = "D", default_value = "0s", value_parser = parse_duration)]
    processing_delay: Duration,
    /// How long each submission step (InDraft, Submitted, Publishing, …) takes.
    #[arg(long, value_name = "D", default_value = "0s", value_parser = parse_duration)]
    certification_delay: Duration,
    /// Share of ingestion requests answered 429 with Retry-After (0 to 1).
    #[arg(long, value_name = "R", default_value_t = 0.0, value_parser = parse_rate)]
    throttle_rate: f64,
    /// After a throttled request, how long every request is answered 429
    /// (Retry-After and retry-after-ms say what is left).
    #[arg(long, value_name = "D", default_value = "1s", value_parser = parse_duration)]
    throttle_window: Duration,
    /// Share of ingestion requests answered 503 with an HTML body (0 to 1).
    #[arg(long, value_name = "R", default_value_t = 0.0, value_parser = parse_rate)]
    fail_rate: f64,
    /// How long each ingestion API answer takes, like the live service's
    /// 100-300 ms: D (fixed) or MIN..MAX (uniform, on a sequence seeded by
    /// --seed), e.g. 200ms or 100ms..300ms. Token and blob requests, and
    /// 401/429/503 refusals, answer at once. At most 1h.
    #[arg(long, value_name = "D[..D]", value_parser = parse_latency)]
    latency: Option<(Duration, Duration)>,
    /// Limit each tenant to N ingestion requests a second (N/s) or a
    /// minute (N/m), as a token bucket holding one second's worth; over it,
    /// 429 with Retry-After and retry-after-ms saying when a token is free.
    /// E.g. 30/s.
    #[arg(long, value_name = "N/s", value_parser = parse_rate_limit)]
    rate_limit: Option<f64>,
    /// Seed of the fault schedule and the latency; the same seed gives the same faults.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// Lifetime of issued access tokens.
    #[arg(long, value_name = "D", default_value = "1h", value_parser = parse_duration)]
    token_lifetime: Duration,
    /// Most items on one page of a collection (pages hold 1 to this many).
    #[arg(long, value_name = "N", default_value_t = 3)]
    page_size: usize,
    /// Refuse every ingestion call without the header `x-ms-publisherId: N`
    /// with the ASP.NET validation body the service sends (2026-06).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    require_publisher_id: Option<u64>,
    /// Refuse `GET /products` without a `resourceType` filter with the
    /// ProductTypeFilter 400 (ICH50400) the service sends (2026-04).
    #[arg(long)]
    strict_product_filter: bool,
    /// Share of followed nextLinks (requests with a $skipToken) answered 404 (0 to 1).
    #[arg(long, value_name = "R", default_value_t = 0.0, value_parser = parse_rate)]
    broken_next_link_rate: f64,
    /// Share of reads of a moving submission (InDraft, Submitted, Publishing)
    /// answered with an empty 404 (0 to 1).
    #[arg(long, value_name = "R", default_value_t = 0.0, value_parser = parse_rate)]
    transient_404_rate: f64,
    /// Issue fileSasUri on this host, HOST or HOST:PORT (as the service moved
    /// them to Azure Front Door hosts in 2026-08): http://HOST:PORT/ingestion/…
    /// HOST must resolve to this machine (localhost, 127.0.0.2, an /etc/hosts
    /// name); the emulator listens there too.
    #[arg(long, value_name = "HOST")]
    blob_host: Option<String>,
    /// Trust federated tokens of ISSUER about SUBJECT signed by the key in
    /// the PEM file PUBLIC_KEY_PEM (repeatable).
    #[arg(long, num_args = 3, value_names = ["ISSUER", "SUBJECT", "PUBLIC_KEY_PEM"], action = clap::ArgAction::Append)]
    federated_credential: Vec<String>,
    /// Register the certificate in the PEM file CERT_PEM on the app (repeatable).
    #[arg(long, value_name = "CERT_PEM")]
    client_certificate: Vec<PathBuf>,
}

/// Reads a PEM file named on the command line, or exits saying why not.
fn read_pem(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!(
            "partner-center-emulator: cannot read {}: {e}",
            path.display()
        );
        std::process::exit(2);
    })
}

/// Parses `0s`, `250ms`, `5s`, `1m`, `1h` (a bare number is seconds).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 0s, 250ms, 5s or 1m"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?}; use ms, s, m or h"
            ))
        }
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{text:?}: {e}"))
}

/// Parses `D` (a fixed latency) or `MIN..MAX`, each a duration.
fn parse_latency(text: &str) -> Result<(Duration, Duration), String> {
    let (min, max) = match text.split_once("..") {
        Some((a, b)) => (parse_duration(a)?, parse_duration(b)?),
        None => {
            let d = parse_duration(text)?;
            (d, d)
        }
    };
    if min > max {
        return Err(format!(
            "{text:?}: the shortest latency comes first, as in 100ms..300ms"
        ));
    }
    if max > Duration::from_secs(3600) {
        return Err(format!("{text:?}: a latency is at most 1h"));
    }
    Ok((min, max))
}

/// Parses `N/s` or `N/m` into requests a second.
fn parse_rate_limit(text: &str) -> Result<f64, String> {
    let hint = "give requests a second or a minute, such as 30/s or 600/m";
    let (n, unit) = text
        .trim()
        .split_once('/')
        .ok_or_else(|| format!("{text:?} has no unit; {hint}"))?;
    let n: f64 = n
        .trim()
        .parse()
        .map_err(|_| format!("{text:?}: {n:?} is not a number; {hint}"))?;
    let per_second = match unit.trim() {
        "s" => n,
        "m" | "min" => n / 60.0,
        other => return Err(format!("{text:?}: unknown unit {other:?}; {hint}")),
    };
    if per_second > 0.0 && per_second <= 1_000_000.0 {
        Ok(per_second)
    } else {
        Err(format!(
            "{text:?}: the rate must be above 0 and at most 1000000/s"
        ))
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let r: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(format!("{text:?} is not between 0 and 1"))
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut b = Emulator::builder()
        .port(args.port)
        .bind(args.bind)
        .consistency_delay(args.consistency_delay)
        .processing_delay(args.processing_delay)
        .certification_delay(args.certification_delay)
        .throttle_rate(args.throttle_rate)
        .throttle_window(args.throttle_window)
        .fail_rate(args.fail_rate)
        .seed(args.seed)
        .token_lifetime(args.token_lifetime)
        .page_size(args.page_size)
        .strict_product_filter(args.strict_product_filter)
        .broken_next_link_rate(args.broken_next_link_rate)
        .transient_404_rate(args.transient_404_rate);
    if let Some((min, max)) = args.latency {
        b = b.latency(min, max);
    }
    if let Some(r) = args.rate_limit {
        b = b.rate_limit(r);
    }
    if let Some(n) = args.require_publisher_id {
        b = b.require_publisher_id(n);
    }
    if let Some(h) = args.blob_host {
        b = b.blob_host(h);
    }
    if let Some(d) = args.data_dir {
        b = b.data_dir(d);
    }
    if let Some(v) = args.tenant_id {
        b = b.tenant_id(v);
    }
    if let Some(v) = args.client_id {
        b = b.client_id(v);
    }
    if let Some(v) = args.client_secret {
        b = b.client_secret(v);
    }
    for triple in args.federated_credential.chunks(3) {
        if let [issuer, subject, pem] = triple {
            b = b.federated_credential(issuer, subject, read_pem(std::path::Path::new(pem)));
        }
    }
    for cert in &args.client_certificate {
        b = b.client_certificate(read_pem(cert));
    }
    let stop = signals();
    let emu = match b.start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("partner-center-emulator: {e}");
            std::process::exit(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "export AZURE_TENANT_ID={}", emu.tenant_id());
        let _ = writeln!(out, "export AZURE_CLIENT_ID={}", emu.client_id());
        let _ = writeln!(out, "export AZURE_CLIENT_SECRET={}", emu.client_secret());
        let _ = writeln!(out, "export AZURE_AUTHORITY_HOST={}", emu.authority_host());
        let _ = writeln!(out, "export PARTNER_CENTER_ENDPOINT={}", emu.endpoint());
        let _ = writeln!(out, "# ready");
        let _ = out.flush();
    }
    stop.await;
    emu.shutdown().await;
}

/// Installs the SIGINT and SIGTERM handlers now; the future ends at the first signal.
fn signals() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let int = signal(SignalKind::interrupt());
        let term = signal(SignalKind::terminate());
        async move {
            match (int, term) {
                (Ok(mut int), Ok(mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_rate("1.5").is_err());
        assert_eq!(parse_rate("0.25"), Ok(0.25));
    }

    #[test]
    fn latencies_and_rate_limits_parse_and_bad_ones_say_why() {
        let ms = Duration::from_millis;
        assert_eq!(parse_latency("100ms..300ms"), Ok((ms(100), ms(300))));
        assert_eq!(parse_latency("200ms"), Ok((ms(200), ms(200))));
        assert_eq!(parse_latency("0s..1s"), Ok((ms(0), ms(1000))));
        let e = parse_latency("300ms..100ms").unwrap_err();
        assert!(e.contains("shortest latency comes first"), "{e}");
        assert!(parse_latency("fast")
            .unwrap_err()
            .contains("not a duration"));
        assert!(parse_latency("100ms..").is_err());
        assert!(parse_latency("2h").unwrap_err().contains("at most 1h"));
        assert_eq!(parse_rate_limit("30/s"), Ok(30.0));
        assert_eq!(parse_rate_limit("600/m"), Ok(10.0));
        assert_eq!(parse_rate_limit("0.5/s"), Ok(0.5));
        assert!(parse_rate_limit("30").unwrap_err().contains("no unit"));
        assert!(parse_rate_limit("30/h")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_rate_limit("x/s")
            .unwrap_err()
            .contains("not a number"));
        assert!(parse_rate_limit("0/s").unwrap_err().contains("above 0"));
        assert!(parse_rate_limit("-3/s").is_err());
        assert!(parse_rate_limit("NaN/s").is_err());
        assert!(parse_rate_limit("inf/s").is_err());
    }
}
