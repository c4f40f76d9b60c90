//! Everything the command prints: step lines with the elapsed time (or one
//! JSON object per line), progress bars when stderr is a terminal, and on
//! GitHub Actions `::error` annotations and the step summary.
//!
//! JSON lines (`--output json`) are objects with an `event` field:
//!
//! | `event` | fields |
//! | --- | --- |
//! | `step` | `elapsed_s`, `offer` (or null), `message` |
//! | `change` | `offer`, `action` (`create`, `update`, `upload`, `reuse`, `delete`), `resource`, `field`, `old`, `new` |
//! | `finding` | `file`, `line`, `key`, `severity` (`error`, `warning`), `message` |
//! | `error` | `offer` (or null), `message` |
//! | `result` | `command`, and what the command read (`status`, `list`) |
//! | `summary` | `command`, `ok`, `exit_code`, `offers` (per offer: `offer`, `file`, `status`, `changes`, `submission_id`, `reached`, `error`) |
//! | `interrupted` | `command`, `signal` (`SIGINT`, `SIGTERM`), `exit_code` (130, 143), `last_step` (or null), `again` (the command line that continues) |
//!
//! Retry lines (`retry: GET /products failed (…)`) go to stderr in both
//! formats, unless `--quiet`.

use std::collections::HashMap;
use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use partner_center_ingestion::definition::{Action, Change};
use partner_center_ingestion::types::SubmissionSubstate;
use partner_center_ingestion::workflows::{Event, SubmissionId};
use serde_json::{json, Value};

use crate::args::{Global, OutputFormat};
use crate::github::Github;
use crate::interrupt::Signal;
pub use crate::report::{Finding, OfferOutcome, Severity};

/// Prints for one run of the command.
pub struct Reporter {
    format: OutputFormat,
    quiet: bool,
    started: Instant,
    bars: Option<MultiProgress>,
    uploads: Mutex<HashMap<String, ProgressBar>>,
    steps: Mutex<Steps>,
    github: Github,
}

/// The last step said, for what an interrupted command had done.
#[derive(Default)]
struct Steps {
    last: Option<String>,
    of_offer: HashMap<String, String>,
}

/// Writes a line to stdout; a closed stdout (`| head`) ends the program
/// quietly instead of panicking.
pub fn print_line(line: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
        std::process::exit(0);
    }
}

fn change_json(offer: &str, c: &Change) -> Value {
    json!({
        "event": "change",
        "offer": offer,
        "action": action_name(c.action),
        "resource": c.resource,
        "field": c.field,
        "old": c.old,
        "new": c.new,
    })
}

/// The stable name of a change's action.
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Upload => "upload",
        Action::Reuse => "reuse",
        Action::Delete => "delete",
        _ => "other",
    }
}

impl Reporter {
    /// A reporter for the options given.
    pub fn new(global: &Global) -> Reporter {
        let terminal = std::io::stderr().is_terminal();
        let bars = (terminal && global.output == OutputFormat::Text && !global.quiet)
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Reporter {
            format: global.output,
            quiet: global.quiet,
            started: Instant::now(),
            bars,
            uploads: Mutex::new(HashMap::new()),
            steps: Mutex::new(Steps::default()),
            github: Github::from_env(),
        }
    }

    /// Whether output is JSON lines.
    pub fn json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    fn emit(&self, line: &str) {
        match &self.bars {
            // Lines go above the bars rather than through them.
            Some(bars) => {
                if bars.println(line).is_err() {
                    print_line(line);
                }
            }
            None => print_line(line),
        }
    }

    fn emit_json(&self, value: &Value) {
        print_line(&value.to_string());
    }

    /// One step: `[  1.25s] offer: what happened`.
    pub fn step(&self, offer: Option<&str>, message: impl Display) {
        let message = message.to_string();
        self.remember(offer, &message);
        if self.quiet {
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        if self.json() {
            self.emit_json(&json!({
                "event": "step",
                "elapsed_s": (elapsed * 1000.0).round() / 1000.0,
                "offer": offer,
                "message": message.to_string(),
            }));
        } else {
            match offer {
                Some(o) => self.emit(&format!("[{elapsed:>7.2}s] {o}: {message}")),
                None => self.emit(&format!("[{elapsed:>7.2}s] {message}")),
            }
        }
    }

    fn remember(&self, offer: Option<&str>, message: &str) {
        let Ok(mut steps) = self.steps.lock() else {
            return;
        };
        steps.last = Some(match offer {
            Some(o) => {
                steps.of_offer.insert(o.to_string(), message.to_string());
                format!("{o}: {message}")
            }
            None => message.to_string(),
        });
    }

    /// The last step said about `offer`.
    pub fn last_step_of(&self, offer: &str) -> Option<String> {
        self.steps.lock().ok()?.of_offer.get(offer).cloned()
    }

    /// The last step said.
    pub fn last_step(&self) -> Option<String> {
        self.steps.lock().ok()?.last.clone()
    }

    /// A line about the run on stderr (a retry), above the progress bars;
    /// nothing with `--quiet`.
    pub fn notice(&self, line: &str) {
        if self.quiet {
            return;
        }
        match &self.bars {
            Some(bars) => bars.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// The end of a command stopped by `signal`: what it had done and the
    /// command that continues (on stderr, even with `--quiet`), an
    /// `interrupted` object, and on GitHub an annotation and a paragraph
    /// of the step summary.
    pub fn interrupted(&self, command: &str, signal: Signal, again: &str) {
        let last = self.last_step();
        let done = match &last {
            Some(step) => format!("its last step: {step}"),
            None => "it had not finished a step yet".to_string(),
        };
        let message = format!(
            "interrupted by {signal}: `{command}` stopped before sending anything more ({done}). Running the same command again continues from there:\n  {again}"
        );
        if self.json() {
            self.emit_json(&json!({
                "event": "interrupted",
                "command": command,
                "signal": signal.to_string(),
                "exit_code": signal.exit_code(),
                "last_step": last,
                "again": again,
            }));
        }
        if let Some(bars) = &self.bars {
            let _ = bars.clear();
        }
        eprintln!("{message}");
        self.github
            .annotate(Severity::Warning, None, None, &message);
        self.github.interrupted(command, &message);
    }

    /// A block of text that is the command's answer (a plan): printed
    /// even with `--quiet`.
    pub fn text(&self, text: &str) {
        for line in text.lines() {
            self.emit(line);
        }
    }

    /// A GitHub annotation only (no line of output).
    pub fn annotate(&self, severity: Severity, file: Option<&str>, message: &str) {
        self.github.annotate(severity, file, None, message);
    }

    /// A note on stderr for people (never in JSON output's stdout).
    pub fn note(&self, message: impl Display) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }

    /// A workflow event: upload progress drives a bar on a terminal;
    /// substate changes and retried edits are steps.
    pub fn event(&self, offer: &str, event: &Event) {
        match event {
            Event::UploadProgress { file, sent, total } => self.upload(offer, file, *sent, *total),
            Event::SubmissionProgress {
                submission_id,
                substate,
                elapsed,
            } => {
                self.waiting(offer, submission_id, substate.as_ref());
                let substate = substate.as_ref().map_or("(no substate)", |s| s.as_str());
                self.step(
                    Some(offer),
                    format_args!(
                        "submission {submission_id} is {substate} (after {:.1}s)",
                        elapsed.as_secs_f64()
                    ),
                )
            }
            Event::EditRetried { module, attempt } => self.step(
                Some(offer),
                format_args!("{module} changed meanwhile; redoing the edit (try {attempt})"),
            ),
            _ => {}
        }
    }

    /// A spinner per submission being waited for (on a terminal only),
    /// gone once it reaches a substate where waits end.
    fn waiting(
        &self,
        offer: &str,
        submission: &SubmissionId,
        substate: Option<&SubmissionSubstate>,
    ) {
        let Some(bars) = &self.bars else { return };
        let Ok(mut bars_now) = self.uploads.lock() else {
            return;
        };
        let key = format!("{offer}/submission {submission}");
        use SubmissionSubstate as S;
        let done = matches!(
            substate,
            Some(S::ReadyToPublish | S::InStore | S::Failed | S::FailedInCertification)
        );
        if done {
            if let Some(bar) = bars_now.remove(&key) {
                bar.finish_and_clear();
            }
            return;
        }
        let bar = bars_now.entry(key).or_insert_with(|| {
            let bar = bars.add(ProgressBar::new_spinner());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {prefix}: {msg} ({elapsed})")
            {
                bar.set_style(style);
            }
            bar.set_prefix(format!("{offer}: submission {submission}"));
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        bar.set_message(substate.map_or_else(|| "(no substate)".to_string(), |s| s.to_string()));
    }

    fn upload(&self, offer: &str, file: &str, sent: u64, total: u64) {
        let Some(bars) = &self.bars else { return };
        let Ok(mut uploads) = self.uploads.lock() else {
            return;
        };
        let key = format!("{offer}/{file}");
        let bar = uploads.entry(key.clone()).or_insert_with(|| {
            let bar = bars.add(ProgressBar::new(total));
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(format!("{offer}: {file}"));
            bar
        });
        bar.set_position(sent);
        if sent >= total {
            bar.finish_and_clear();
            uploads.remove(&key);
        }
    }

    /// The differences of one offer, a line each (or a `change` object each).
    pub fn changes(&self, offer: &str, changes: &[Change]) {
        if self.quiet {
            return;
        }
        for c in changes {
            if self.json() {
                self.emit_json(&change_json(offer, c));
            } else {
                self.emit(&format!("  {c}"));
            }
        }
    }

    /// A finding, as a line, a JSON object, and on GitHub an annotation.
    pub fn finding(&self, f: &Finding) {
        if self.json() {
            let mut v = json!(f);
            v["event"] = json!("finding");
            self.emit_json(&v);
        } else {
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let place = match f.line {
                Some(line) => format!("{}:{line}", f.file),
                None => f.file.clone(),
            };
            let key = if f.key.is_empty() {
                String::new()
            } else {
                format!(" {}:", f.key)
            };
            self.emit(&format!("{level}: {place}:{key} {}", f.message));
        }
        self.github
            .annotate(f.severity, Some(&f.file), f.line, &f.message);
    }

    /// An error of one offer (or of the whole command), on stderr as text
    /// or as an `error` object; on GitHub also an annotation.
    pub fn error(&self, offer: Option<&str>, file: Option<&str>, message: impl Display) {
        let message = message.to_string();
        if self.json() {
            self.emit_json(&json!({"event": "error", "offer": offer, "message": message}));
        } else {
            if let Some(bars) = &self.bars {
                let _ = bars.clear();
            }
            match offer {
                Some(o) => eprintln!("error: {o}: {message}"),
                None => eprintln!("error: {message}"),
            }
        }
        self.github.annotate(Severity::Error, file, None, &message);
    }

    /// What a read-only command found: `value` as a `result` object, or
    /// `text` for people.
    pub fn result(&self, command: &str, mut value: Value, text: impl FnOnce() -> String) {
        if self.json() {
            value["event"] = json!("result");
            value["command"] = json!(command);
            self.emit_json(&value);
        } else {
            let text = text();
            if !text.is_empty() {
                print_line(text.trim_end());
            }
        }
    }

    /// The end of a `plan` or `apply` (or `validate`): a line per offer,
    /// or the `summary` object; on GitHub the step summary too.
    pub fn summary(&self, command: &str, offers: &[OfferOutcome], exit_code: u8) {
        if self.json() {
            self.emit_json(&json!({
                "event": "summary",
                "command": command,
                "ok": exit_code == 0 || (command == "plan" && exit_code == 2),
                "exit_code": exit_code,
                "offers": offers,
            }));
        } else if offers.len() > 1
            || offers
                .iter()
                .any(|o| matches!(o.status, "failed" | "interrupted" | "skipped"))
        {
            self.emit(&format!("{command}: {} offer(s)", offers.len()));
            for o in offers {
                let detail = match (&o.error, &o.reached, &o.submission_id) {
                    (Some(e), _, _) => first_line(e).to_string(),
                    (None, Some(r), Some(id)) => format!("submission {id} reached {r}"),
                    (None, None, Some(id)) => format!("submission {id} in progress"),
                    _ => format!("{} change(s)", o.changes.len()),
                };
                self.emit(&format!("  {:<8} {}: {detail}", o.status, o.offer));
            }
        }
        self.github.step_summary(command, offers);
    }

    /// Ends the progress bars (so nothing is drawn after the last line).
    pub fn finish(&self) {
        if let Some(bars) = &self.bars {
            let _ = bars.clear();
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The JSON of a change, for a summary's `changes`.
pub fn change_value(offer: &str, c: &Change) -> Value {
    let mut v = change_json(offer, c);
    if let Some(o) = v.as_object_mut() {
        o.remove("event");
        o.remove("offer");
    }
    v
}
