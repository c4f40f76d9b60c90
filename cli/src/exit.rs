//! Exit codes, as `--help` and the README document them.

/// Success.
pub const OK: u8 = 0;
/// An error: a finding, a failed offer or submission, a refused request.
pub const ERROR: u8 = 1;
/// `plan --detailed-exitcode`: something differs.
pub const CHANGES: u8 = 2;
/// `status`: the submission is still moving.
pub const IN_PROGRESS: u8 = 3;
/// The command line was not understood (BSD's `EX_USAGE`).
pub const USAGE: u8 = 64;
/// Interrupted by SIGINT (Ctrl-C): 128 + 2, as shells report it.
pub const SIGINT: u8 = 130;
/// Interrupted by SIGTERM (a cancelled CI job): 128 + 15.
pub const SIGTERM: u8 = 143;
