//! Why a command failed, and the exit code it ends with.

use partner_center_ingestion::workflows::WorkflowError;

use crate::interrupt::Signal;

/// A failure of a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line asked for something impossible (exit 64).
    #[error("{0}")]
    Usage(String),
    /// A setting, file or argument is wrong (exit 1).
    #[error("{0}")]
    Config(String),
    /// The service or a workflow refused or failed (exit 1).
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// A signal stopped the command (exit 130 or 143); what it had done is
    /// reported where it stopped.
    #[error("interrupted by {0}")]
    Interrupted(Signal),
}

impl From<partner_center_ingestion::Error> for CliError {
    fn from(e: partner_center_ingestion::Error) -> Self {
        CliError::Workflow(WorkflowError::Api(e))
    }
}

impl CliError {
    /// The exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => crate::exit::USAGE,
            CliError::Interrupted(signal) => signal.exit_code(),
            _ => crate::exit::ERROR,
        }
    }
}
