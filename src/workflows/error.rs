//! What can stop a workflow.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::{ProductId, SubmissionId};
use crate::types::{CertificationReport, SubmissionSubstate, ValidationItem, WorkflowStepDetail};

/// Why a publishing workflow stopped.
///
/// Every variant says what was being done; the ones that come from the
/// service keep its request id (through [`crate::Error`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    /// A call to the ingestion API failed.
    #[error(transparent)]
    Api(#[from] crate::Error),

    /// A file could not be uploaded to its SAS URL.
    #[error(transparent)]
    Upload(#[from] crate::blob::UploadError),

    /// A file could not be opened or read.
    #[error("cannot read `{}`: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },

    /// Something did not happen before the deadline the caller set.
    #[error("gave up waiting for {what} after {waited:?} (the deadline); {hint}")]
    Deadline {
        /// What was awaited.
        what: String,
        /// How long it was awaited.
        waited: Duration,
        /// What to look at, or how to wait longer.
        hint: &'static str,
    },

    /// The service has no such thing.
    #[error("{0}")]
    NotFound(String),

    /// The service answered with something a workflow cannot use (a
    /// resource without an id, a draft list that is empty…).
    #[error("unexpected answer from the service: {0}")]
    Unexpected(String),

    /// An edit kept meeting concurrent changes.
    #[error("{what} was changed by someone else on each of {attempts} tries; retry later or find who else edits it")]
    Conflict {
        /// The resource edited.
        what: String,
        /// How many read-modify-write rounds were tried.
        attempts: u32,
    },

    /// The service could not process an uploaded file.
    #[error("the service could not process `{file}` ({resource} {id}): state {state}{}; check that the file is what its kind needs (a package must be a .zip of the application's templates)", detail.as_deref().map(|d| format!(": {}", d.trim_end_matches('.'))).unwrap_or_default())]
    ProcessingFailed {
        /// The file's name, as uploaded.
        file: String,
        /// The kind of resource (`package`, `listing image`…).
        resource: &'static str,
        /// The resource's id.
        id: String,
        /// The state the resource ended in.
        state: String,
        /// Whatever the service said about it.
        detail: Option<String>,
    },

    /// A submission failed validation or certification.
    #[error("{0}")]
    SubmissionFailed(Box<SubmissionFailure>),

    /// The offer already has a submission in progress, and the service
    /// runs one at a time.
    #[error("offer product {} already has {} in progress; wait until it finishes or cancel it, then submit again", .0.product_id(), .0.summary())]
    InProgress(Box<super::SubmissionStatus>),

    /// The caller asked for something the workflow cannot do.
    #[error("{0}")]
    Invalid(String),
}

/// Everything the service says about a failed submission: its validation
/// messages, certification reports and failed workflow steps.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SubmissionFailure {
    /// The product the submission belongs to.
    pub product_id: ProductId,
    /// The submission.
    pub submission_id: SubmissionId,
    /// The substate it ended in (`Failed`, `FailedInCertification`).
    pub substate: SubmissionSubstate,
    /// Validation messages.
    pub validations: Vec<ValidationItem>,
    /// Certification reports.
    pub reports: Vec<CertificationReport>,
    /// Workflow steps that did not succeed.
    pub failed_steps: Vec<WorkflowStepDetail>,
}

impl fmt::Display for SubmissionFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "submission {} of product {} ended in {}",
            self.submission_id, self.product_id, self.substate
        )?;
        if self.validations.is_empty() && self.reports.is_empty() && self.failed_steps.is_empty() {
            return write!(
                f,
                " and the service gave no reason; open it in Partner Center"
            );
        }
        for v in &self.validations {
            write!(
                f,
                "\n  validation {} [{}]: {}",
                v.error_code.as_deref().unwrap_or("(no code)"),
                v.severity.as_deref().unwrap_or("?"),
                v.message.as_deref().unwrap_or("(no message)")
            )?;
            if let Some(resource) = &v.resource {
                write!(f, " (resource {resource})")?;
            }
        }
        for r in &self.reports {
            write!(
                f,
                "\n  certification report: {}",
                r.status
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "?".into())
            )?;
            if let Some(uri) = &r.file_uri {
                write!(f, " ({uri})")?;
            }
        }
        for s in &self.failed_steps {
            write!(
                f,
                "\n  workflow step {}: {}",
                s.name.as_deref().unwrap_or("?"),
                s.state.as_deref().unwrap_or("?")
            )?;
        }
        Ok(())
    }
}
