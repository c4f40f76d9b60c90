//! What the command logs on stderr: one line per retry of the library
//! (always, unless `--quiet`), and with `-v`/`-vv`/`RUST_LOG` the library's
//! own log lines.
//!
//! The library logs, before every wait between two tries of a request, an
//! `INFO` event of the target [`RETRY_TARGET`] with the message `retrying`
//! and the fields `request`, `attempt`, `max_attempts`, `wait_ms` and
//! `reason`. [`RetryLines`] turns each into one line for people:
//!
//! ```text
//! retry: GET /products failed (429 Too Many Requests), attempt 1 of 8; trying again in 1.0 s
//! ```
//!
//! Inside an offer's work (`plan`/`apply` of several offers), the line
//! names the offer: `retry: contoso-app: GET /products failed …`. When the
//! `-v` log is on too, it leaves these events to the retry lines, so each
//! retry is said once.

use std::fmt::{self, Write as _};

use partner_center_ingestion::retry::RETRY_TARGET;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::{filter_fn, EnvFilter, FilterExt};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// The target of the span [`offer_span`] opens around one offer's work.
pub const OFFER_TARGET: &str = "partner_center_cli::offer";

/// A span around one offer's work, so that its retry lines name the offer.
pub fn offer_span(offer: &str) -> tracing::Span {
    tracing::info_span!(target: OFFER_TARGET, "offer", offer = offer)
}

/// Installs the logging: the retry lines (given to `show`, unless
/// `quiet`), and the `-v` (debug), `-vv` (trace) or `RUST_LOG` log on
/// stderr. `RUST_LOG` overrides the level `-v` sets. The log never holds a
/// token or secret (the library redacts them).
pub fn init(verbose: u8, quiet: bool, show: impl Fn(&str) + Send + Sync + 'static) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let _ = subscriber(verbose, quiet, rust_log.as_deref(), std::io::stderr, show).try_init();
}

/// The `-v` log's level (the library and the command at debug).
const DEBUG: &str = "partner_center_ingestion=debug,partner_center_cli=debug";

/// What [`init`] installs, with `RUST_LOG`'s value and the log's writer
/// given.
fn subscriber<W>(
    verbose: u8,
    quiet: bool,
    rust_log: Option<&str>,
    writer: W,
    show: impl Fn(&str) + Send + Sync + 'static,
) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let from_env = rust_log.and_then(|text| EnvFilter::try_new(text).ok());
    let filter = match verbose {
        0 => from_env,
        1 => Some(from_env.unwrap_or_else(|| EnvFilter::new(DEBUG))),
        _ => Some(from_env.unwrap_or_else(|| EnvFilter::new("trace"))),
    };
    // What the retry lines say is left out of the log, unless they are off.
    let log = filter.map(|filter| {
        tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_filter(filter.and(filter_fn(move |m| quiet || !is_retry_event(m))))
    });
    let lines = (!quiet).then(|| RetryLines::new(show).with_filter(filter_fn(retry_lines_want)));
    tracing_subscriber::registry().with(log).with(lines)
}

/// Whether `m` is where the library's retry events come from.
fn is_retry_event(m: &Metadata<'_>) -> bool {
    m.is_event() && m.target() == RETRY_TARGET && *m.level() == Level::INFO
}

/// A layer that shows each retry event of the library as one line.
pub struct RetryLines<F> {
    show: F,
}

/// The offer an [`offer_span`] is about, kept in the span's extensions.
struct OfferName(String);

impl<F: Fn(&str)> RetryLines<F> {
    /// A layer handing each line to `show`.
    pub fn new(show: F) -> Self {
        RetryLines { show }
    }
}

/// The events and spans [`RetryLines`] needs (its per-layer filter).
pub fn retry_lines_want(m: &Metadata<'_>) -> bool {
    is_retry_event(m) || (m.is_span() && m.target() == OFFER_TARGET)
}

impl<S, F> Layer<S> for RetryLines<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    F: Fn(&str) + Send + Sync + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().target() != OFFER_TARGET {
            return;
        }
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let (Some(offer), Some(span)) = (fields.offer, ctx.span(id)) {
            span.extensions_mut().insert(OfferName(offer));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if !is_retry_event(event.metadata()) {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        if fields.message.as_deref() != Some("retrying") {
            return;
        }
        let offer = ctx.event_scope(event).and_then(|scope| {
            scope
                .into_iter()
                .find_map(|span| span.extensions().get::<OfferName>().map(|o| o.0.clone()))
        });
        (self.show)(&fields.line(offer.as_deref()));
    }
}

/// The fields of a retry event (or of an offer span).
#[derive(Debug, Default)]
struct Fields {
    message: Option<String>,
    request: Option<String>,
    reason: Option<String>,
    attempt: Option<u64>,
    max_attempts: Option<u64>,
    wait_ms: Option<u64>,
    offer: Option<String>,
}

impl Fields {
    fn set_text(&mut self, field: &Field, text: String) {
        match field.name() {
            "message" => self.message = Some(text),
            "request" => self.request = Some(text),
            "reason" => self.reason = Some(text),
            "offer" => self.offer = Some(text),
            _ => {}
        }
    }

    fn set_number(&mut self, field: &Field, n: u64) {
        match field.name() {
            "attempt" => self.attempt = Some(n),
            "max_attempts" => self.max_attempts = Some(n),
            "wait_ms" => self.wait_ms = Some(n),
            _ => {}
        }
    }

    /// `retry: [OFFER: ]REQUEST failed (REASON), attempt N of M; trying again in W s`.
    fn line(&self, offer: Option<&str>) -> String {
        let mut line = String::from("retry: ");
        if let Some(offer) = offer {
            let _ = write!(line, "{}: ", printable(offer));
        }
        let _ = write!(
            line,
            "{} failed",
            printable(self.request.as_deref().unwrap_or("a request"))
        );
        if let Some(reason) = &self.reason {
            let _ = write!(line, " ({})", printable(reason));
        }
        match (self.attempt, self.max_attempts) {
            (Some(n), Some(max)) => {
                let _ = write!(line, ", attempt {n} of {max}");
            }
            (Some(n), None) => {
                let _ = write!(line, ", attempt {n}");
            }
            _ => {}
        }
        match self.wait_ms {
            Some(ms) => {
                let _ = write!(line, "; trying again in {}", seconds(ms));
            }
            None => line.push_str("; trying again"),
        }
        line
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set_text(field, value.to_string());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set_number(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(n) = u64::try_from(value) {
            self.set_number(field, n);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // The message comes as `format_args!`, whose Debug is its text.
        self.set_text(field, format!("{value:?}"));
    }
}

/// A wait for people: `0.5 s`, `12.0 s`, `2 min 5 s`.
fn seconds(ms: u64) -> String {
    if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        let s = ms / 1000;
        format!("{} min {} s", s / 60, s % 60)
    }
}

/// Text from the network, safe to print on a terminal: control characters
/// (escape sequences, line breaks) are shown as `?`.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::Instrument;

    use super::*;

    /// Runs `work` under the retry lines alone; returns the lines shown.
    fn lines_of(work: impl FnOnce()) -> Vec<String> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let layer = RetryLines::new(move |line: &str| sink.lock().unwrap().push(line.to_string()))
            .with_filter(filter_fn(retry_lines_want));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, work);
        let lines = seen.lock().unwrap().clone();
        lines
    }

    fn retry_event(request: &str, reason: &str, attempt: u32, wait_ms: u64) {
        tracing::info!(
            target: RETRY_TARGET,
            request,
            attempt,
            max_attempts = 8u32,
            wait_ms,
            reason,
            "retrying"
        );
    }

    #[test]
    fn each_retry_event_is_one_line_saying_what_failed_the_attempt_and_the_wait() {
        let lines = lines_of(|| {
            retry_event("GET /products", "429 Too Many Requests", 1, 1000);
            retry_event(
                "token request",
                "the answer could not be read as HTTP",
                3,
                90_500,
            );
        });
        assert_eq!(
            lines,
            [
                "retry: GET /products failed (429 Too Many Requests), attempt 1 of 8; trying again in 1.0 s",
                "retry: token request failed (the answer could not be read as HTTP), attempt 3 of 8; trying again in 1 min 30 s",
            ]
        );
    }

    #[test]
    fn other_events_of_the_target_and_other_targets_show_nothing() {
        let lines = lines_of(|| {
            tracing::debug!(target: RETRY_TARGET, attempt = 2u32, "no further try allowed");
            tracing::info!(target: RETRY_TARGET, request = "GET /x", "something else");
            tracing::info!(request = "GET /x", attempt = 1u32, "retrying");
            tracing::warn!(target: RETRY_TARGET, request = "GET /x", "retrying");
        });
        assert!(lines.is_empty(), "{lines:?}");
    }

    #[test]
    fn inside_an_offer_the_line_names_it_and_network_text_cannot_draw_on_the_terminal() {
        let lines = lines_of(|| {
            let _offer = offer_span("contoso-app").entered();
            let request = tracing::info_span!("request");
            request.in_scope(|| retry_event("GET /products", "bad\u{1b}[2J\nanswer", 2, 250));
        });
        assert_eq!(
            lines,
            ["retry: contoso-app: GET /products failed (bad?[2J?answer), attempt 2 of 8; trying again in 0.2 s"]
        );
    }

    #[tokio::test]
    async fn an_instrumented_future_names_its_offer_too() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let layer = RetryLines::new(move |line: &str| sink.lock().unwrap().push(line.to_string()))
            .with_filter(filter_fn(retry_lines_want));
        let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
        async {
            tokio::task::yield_now().await;
            retry_event("blob upload", "503 Service Unavailable", 1, 500);
        }
        .instrument(offer_span("offer-b"))
        .await;
        assert_eq!(
            *seen.lock().unwrap(),
            ["retry: offer-b: blob upload failed (503 Service Unavailable), attempt 1 of 8; trying again in 0.5 s"]
        );
    }

    /// A log writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Runs `work` under what `init` installs; returns the retry lines and
    /// the log.
    fn installed(verbose: u8, quiet: bool, rust_log: Option<&str>) -> (Vec<String>, String) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let log = Buffer::default();
        let writer = log.clone();
        let subscriber = subscriber(
            verbose,
            quiet,
            rust_log,
            move || writer.clone(),
            move |line: &str| sink.lock().unwrap().push(line.to_string()),
        );
        tracing::subscriber::with_default(subscriber, || {
            retry_event("GET /products", "429 Too Many Requests", 1, 1000);
            tracing::debug!(target: RETRY_TARGET, "no further try allowed");
            tracing::debug!(target: "partner_center_ingestion::pipeline", "answered");
        });
        let lines = seen.lock().unwrap().clone();
        let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        (lines, text)
    }

    #[test]
    fn a_retry_is_said_once_with_or_without_the_log_and_not_at_all_when_quiet() {
        let line = "retry: GET /products failed (429 Too Many Requests), attempt 1 of 8; trying again in 1.0 s";
        let (lines, log) = installed(0, false, None);
        assert_eq!(lines, [line]);
        assert_eq!(log, "");

        let (lines, log) = installed(1, false, None);
        assert_eq!(lines, [line]);
        assert!(!log.contains("retrying"), "{log}");
        assert!(log.contains("no further try allowed"), "{log}");
        assert!(log.contains("answered"), "{log}");

        let (lines, log) = installed(0, false, Some("partner_center_ingestion=info"));
        assert_eq!(lines, [line]);
        assert!(
            !log.contains("retrying") && !log.contains("answered"),
            "{log}"
        );

        // --quiet: no retry line; a log asked for with RUST_LOG keeps the event.
        let (lines, log) = installed(0, true, None);
        assert!(lines.is_empty(), "{lines:?}");
        assert_eq!(log, "");
        let (lines, log) = installed(0, true, Some("partner_center_ingestion=info"));
        assert!(lines.is_empty(), "{lines:?}");
        assert!(log.contains("retrying"), "{log}");
    }
}
