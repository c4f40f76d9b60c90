//! What the command reports, as data: findings and per-offer outcomes.
//! The output module prints them; the GitHub module summarises them.

use partner_center_ingestion::types::SubmissionSubstate;
use partner_center_ingestion::workflows::SubmissionId;
use serde::Serialize;
use serde_json::Value;

/// A problem found in a definition, before anything is sent.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The file the problem is in (the definition, or a file it names).
    pub file: String,
    /// The line in the definition, when known.
    pub line: Option<usize>,
    /// The key path in the definition (`plans[0].technical_configuration.package`).
    pub key: String,
    /// `error` or `warning`.
    pub severity: Severity,
    /// What is wrong and what to do.
    pub message: String,
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The service or certification would refuse it.
    Error,
    /// Worth a look; not refused.
    Warning,
}

/// What happened to one offer, for the summary.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OfferOutcome {
    /// The offer id (or the file, when it could not be read).
    pub offer: String,
    /// The definition file.
    pub file: Option<String>,
    /// `ok`, `changes` (plan), `failed`, `interrupted` (stopped partway by
    /// a signal) or `skipped` (not started: after --fail-fast, or a signal).
    pub status: &'static str,
    /// The differences found or made.
    pub changes: Vec<Value>,
    /// The submission made or carried on.
    pub submission_id: Option<SubmissionId>,
    /// The substate the submission reached, when waited for.
    pub reached: Option<SubmissionSubstate>,
    /// Why it failed.
    pub error: Option<String>,
}

impl OfferOutcome {
    /// An offer that failed with `error`.
    pub fn failed(offer: String, file: Option<String>, error: String) -> OfferOutcome {
        OfferOutcome {
            offer,
            file,
            status: "failed",
            error: Some(error),
            ..Default::default()
        }
    }

    /// An offer whose work `signal` stopped partway, after `last_step`.
    pub fn interrupted(
        offer: String,
        file: Option<String>,
        signal: impl std::fmt::Display,
        last_step: Option<String>,
    ) -> OfferOutcome {
        OfferOutcome {
            offer,
            file,
            status: "interrupted",
            error: Some(match last_step {
                Some(step) => format!("stopped by {signal} after: {step}"),
                None => format!("stopped by {signal} before its first step"),
            }),
            ..Default::default()
        }
    }
}
