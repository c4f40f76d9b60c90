//! GitHub Actions: `::error`/`::warning` annotations when `GITHUB_ACTIONS`
//! is `true`, and a Markdown summary appended to `GITHUB_STEP_SUMMARY`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::report::{OfferOutcome, Severity};

/// What the environment says about GitHub Actions.
#[derive(Debug, Default)]
pub struct Github {
    annotations: bool,
    summary: Option<PathBuf>,
    /// Whether this run appended its table to the step summary.
    summarised: AtomicBool,
}

/// Escapes a workflow command's message (`%`, CR, LF).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (also `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

impl Github {
    /// Reads `GITHUB_ACTIONS` and `GITHUB_STEP_SUMMARY`.
    pub fn from_env() -> Github {
        Github {
            annotations: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
            summary: std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            summarised: AtomicBool::new(false),
        }
    }

    /// Prints `::error file=…,line=…::message` (on GitHub Actions only).
    pub fn annotate(
        &self,
        severity: Severity,
        file: Option<&str>,
        line: Option<usize>,
        message: &str,
    ) {
        if !self.annotations {
            return;
        }
        println!("{}", annotation(severity, file, line, message));
    }

    /// Appends the run's summary to `GITHUB_STEP_SUMMARY`, if set. A file
    /// that cannot be written is reported on stderr and otherwise ignored.
    pub fn step_summary(&self, command: &str, offers: &[OfferOutcome]) {
        self.summarised.store(true, Ordering::SeqCst);
        self.append(&markdown(command, offers));
    }

    /// Appends that the run was interrupted (`message`: what it had done,
    /// how to continue) to `GITHUB_STEP_SUMMARY`, under the run's table
    /// or, for a command without one, under a heading of its own.
    pub fn interrupted(&self, command: &str, message: &str) {
        let heading = if self.summarised.load(Ordering::SeqCst) {
            String::new()
        } else {
            format!("### partner-center {command}\n\n")
        };
        self.append(&interrupted_markdown(&heading, message));
    }

    fn append(&self, text: &str) {
        let Some(path) = &self.summary else { return };
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = written {
            eprintln!(
                "warning: cannot append the summary to GITHUB_STEP_SUMMARY ({}): {e}",
                path.display()
            );
        }
    }
}

/// One workflow command line.
pub fn annotation(
    severity: Severity,
    file: Option<&str>,
    line: Option<usize>,
    message: &str,
) -> String {
    let level = match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut props = Vec::new();
    if let Some(file) = file {
        props.push(format!("file={}", escape_property(file)));
    }
    if let Some(line) = line {
        props.push(format!("line={line}"));
    }
    let props = if props.is_empty() {
        String::new()
    } else {
        format!(" {}", props.join(","))
    };
    format!("::{level}{props}::{}", escape_data(message))
}

/// The paragraph of an interrupted run.
fn interrupted_markdown(heading: &str, message: &str) -> String {
    format!(
        "{heading}**Interrupted.**\n\n```text\n{}\n```\n\n",
        message.replace("```", "'''")
    )
}

/// The Markdown summary of a run.
pub fn markdown(command: &str, offers: &[OfferOutcome]) -> String {
    let mut md = format!("### partner-center {command}\n\n");
    md.push_str("| offer | status | changes | submission |\n| --- | --- | --- | --- |\n");
    for o in offers {
        let submission = match (&o.submission_id, &o.reached) {
            (Some(id), Some(r)) => format!("{id}: {r}"),
            (Some(id), None) => format!("{id}: in progress"),
            _ => String::new(),
        };
        md.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&o.offer),
            o.status,
            o.changes.len(),
            cell(&submission)
        ));
    }
    for o in offers.iter().filter(|o| !o.changes.is_empty()) {
        md.push_str(&format!(
            "\n#### {}\n\n| action | resource | field | now | wanted |\n| --- | --- | --- | --- | --- |\n",
            cell(&o.offer)
        ));
        for c in &o.changes {
            let s = |k: &str| {
                c.get(k)
                    .and_then(|v| v.as_str())
                    .map(cell)
                    .unwrap_or_default()
            };
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                s("action"),
                s("resource"),
                s("field"),
                s("old"),
                s("new")
            ));
        }
    }
    for o in offers {
        if let Some(e) = &o.error {
            let what = match o.status {
                "interrupted" => "was interrupted",
                "skipped" => "was not started",
                _ => "failed",
            };
            md.push_str(&format!(
                "\n**{}** {what}:\n\n```text\n{}\n```\n",
                cell(&o.offer),
                e.replace("```", "'''")
            ));
        }
    }
    md.push('\n');
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn annotations_escape_what_github_reads_as_syntax() {
        assert_eq!(
            annotation(
                Severity::Error,
                Some("offers/a,b:c.yaml"),
                Some(7),
                "100% wrong\nsecond line"
            ),
            "::error file=offers/a%2Cb%3Ac.yaml,line=7::100%25 wrong%0Asecond line"
        );
        assert_eq!(
            annotation(Severity::Warning, None, None, "plain"),
            "::warning::plain"
        );
    }

    #[test]
    fn the_summary_is_a_table_per_run_and_per_offer() {
        let offers = [
            OfferOutcome {
                offer: "a".into(),
                status: "changes",
                changes: vec![
                    json!({"action": "update", "resource": "offer listing", "field": "title", "old": "\"x|y\"", "new": "\"z\""}),
                ],
                ..Default::default()
            },
            OfferOutcome {
                offer: "b".into(),
                status: "failed",
                error: Some("it broke".into()),
                ..Default::default()
            },
        ];
        let md = markdown("plan", &offers);
        assert!(md.contains("| a | changes | 1 |  |"), "{md}");
        assert!(
            md.contains("| update | offer listing | title | \"x\\|y\" | \"z\" |"),
            "{md}"
        );
        assert!(md.contains("**b** failed"), "{md}");
    }

    #[test]
    fn an_interrupted_run_says_so_under_its_table_or_its_own_heading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        let github = Github {
            annotations: false,
            summary: Some(path.clone()),
            summarised: AtomicBool::new(false),
        };
        github.interrupted("status", "interrupted by SIGTERM: run it again");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("### partner-center status\n"), "{text}");
        assert!(
            text.contains("interrupted by SIGTERM: run it again"),
            "{text}"
        );

        std::fs::remove_file(&path).unwrap();
        let offers = [OfferOutcome {
            offer: "a".into(),
            status: "interrupted",
            error: Some("stopped by SIGINT after: uploading".into()),
            ..Default::default()
        }];
        github.step_summary("apply", &offers);
        github.interrupted("apply", "interrupted by SIGINT");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("### partner-center").count(), 1, "{text}");
        assert!(text.contains("**a** was interrupted"), "{text}");
        assert!(text.ends_with("interrupted by SIGINT\n```\n\n"), "{text}");
    }
}
