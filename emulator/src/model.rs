//! Typed state: the states and substates the service reports, what the
//! emulator decided for an upload or a submission, and what it keeps beside
//! each resource ([`Meta`]).
//!
//! The serialised names are the ones `state.log` has always used, so data
//! directories written before these types existed read the same.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Defines an enum whose variants are written as their own names.
macro_rules! named {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            /// The name the service writes.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => stringify!($v)),+ }
            }
        }
    };
}

named! {
    /// Where an uploaded file is.
    UploadState { PendingUpload, Uploaded, InProcessing, Processed, ProcessFailed }
}

impl UploadState {
    /// The state a client wrote, matched case-insensitively.
    pub fn parse(text: &str) -> Option<UploadState> {
        use UploadState::*;
        [
            PendingUpload,
            Uploaded,
            InProcessing,
            Processed,
            ProcessFailed,
        ]
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

named! {
    /// A submission's `state`.
    SubmissionState { InProgress, Published }
}

named! {
    /// A submission's `substate`.
    Substate {
        InDraft, Submitted, Failed, FailedInCertification, ReadyToPublish, Publishing, Published,
        InStore,
    }
}

impl Substate {
    /// The `state` the service reports beside this substate: a ready preview
    /// and everything after promotion is `Published`; moving and failed ones
    /// are `InProgress`.
    pub fn state(self) -> SubmissionState {
        match self {
            Substate::ReadyToPublish | Substate::Published | Substate::InStore => {
                SubmissionState::Published
            }
            _ => SubmissionState::InProgress,
        }
    }

    /// Whether the submission failed (it blocks nothing and goes nowhere).
    pub fn failed(self) -> bool {
        matches!(self, Substate::Failed | Substate::FailedInCertification)
    }

    /// Whether it is still moving on its own (a read may see a passing 404).
    pub fn moving(self) -> bool {
        matches!(
            self,
            Substate::InDraft | Substate::Submitted | Substate::Publishing | Substate::Published
        )
    }
}

/// What certification of a submission will end in, decided when it is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Validation fails (the validations are stored with it).
    #[serde(rename = "failed")]
    FailsValidation,
    /// Validation passes, certification fails.
    #[serde(rename = "failedCertification")]
    FailsCertification,
    /// It passes.
    #[serde(rename = "ok")]
    Passes,
}

/// The audience a submission was made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// The preview audience; promote takes it live.
    Preview,
    /// Everyone.
    Live,
}

/// What the emulator keeps beside a resource: timers, blob names, outcomes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Meta {
    /// When a new branch becomes visible (ms since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible_at: Option<u64>,
    /// The blob an upload's `fileSasUri` names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// When the client marked the upload `Uploaded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploaded_at: Option<u64>,
    /// What processing the upload ends in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<UploadState>,
    /// Why processing fails, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// When the submission was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<u64>,
    /// What the submission ends in.
    #[serde(rename = "plan", skip_serializing_if = "Option::is_none")]
    pub outcome_of_submission: Option<Outcome>,
    /// The audience the submission was made for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// A preview submission that goes live by itself (`publishOption.isAutoPromote`).
    pub auto_promote: bool,
    /// The validation items a failing submission reports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub validations: Vec<Value>,
    /// When the submission was promoted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promoted_at: Option<u64>,
    /// Whether supplemental content was committed.
    pub committed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_reads_what_earlier_versions_wrote() {
        let old = serde_json::json!({"createdAt": 5, "plan": "failedCertification", "target": "preview",
            "autoPromote": false, "validations": [], "outcome": "Processed", "failure": ""});
        let m: Meta = serde_json::from_value(old).unwrap();
        assert_eq!(m.outcome_of_submission, Some(Outcome::FailsCertification));
        assert_eq!(m.target, Some(Target::Preview));
        assert_eq!(m.outcome, Some(UploadState::Processed));
        assert_eq!(Substate::ReadyToPublish.state(), SubmissionState::Published);
        assert_eq!(Substate::Failed.state(), SubmissionState::InProgress);
        assert_eq!(UploadState::parse("uploaded"), Some(UploadState::Uploaded));
    }
}
