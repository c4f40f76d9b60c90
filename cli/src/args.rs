//! The command line: every command, option and its help text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use partner_center_ingestion::retry::RetryPolicy;

const EXIT_CODES: &str = "\
Exit codes:
  0   success
  1   an error (a finding, a failed offer or submission, a refused request)
  2   changes pending (plan --detailed-exitcode only)
  3   still in progress (status only)
  64  usage error (an unknown option, a missing argument, a bad value)
  130 interrupted by SIGINT (Ctrl-C), 143 by SIGTERM: what was done is
      printed and reported; the same command again continues from there

Environment:
  AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST, …
                      credentials (azure-identity's names)
  PARTNER_CENTER_ENDPOINT   the ingestion API's base URL
  PARTNER_CENTER_PUBLISHER_ID  the account's numeric publisher id, sent as x-ms-publisherId
  PARTNER_CENTER_RETRY_BUDGET  the default of --retry-budget
  GITHUB_STEP_SUMMARY, GITHUB_ACTIONS  a Markdown summary and ::error annotations on GitHub Actions";

/// Offers as code for Microsoft Partner Center: validate, plan, apply and
/// publish Azure Marketplace offers from definition files, in any release
/// pipeline, across jobs and days.
#[derive(Debug, Parser)]
#[command(
    name = "partner-center",
    version,
    propagate_version = true,
    after_help = EXIT_CODES,
    after_long_help = EXIT_CODES,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Run against an in-process emulator (announced on stderr). For trying
    /// things out, not for pipelines: its state ends with the command.
    #[arg(long, global = true)]
    pub emulator: bool,

    /// How to print: lines for people, or one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// More detail: -v logs each request, -vv everything (to stderr).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print only errors and the final summary (no step lines, no retry
    /// lines).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// How long each request may spend on its retries and their waits
    /// (`0s`, `30s`, `5m`), token requests included: past it, the request
    /// fails with the error it last got (a throttled one says what the
    /// service asked for) instead of waiting longer. Lower it for a
    /// pipeline that should fail fast. [default: 5m]
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        env = "PARTNER_CENTER_RETRY_BUDGET",
        value_parser = parse_duration,
        hide_env_values = true
    )]
    pub retry_budget: Option<Duration>,
}

impl Global {
    /// The retry policy the options ask for: the library's default, with
    /// `--retry-budget` when given.
    pub fn retry_policy(&self) -> RetryPolicy {
        let default = RetryPolicy::default();
        RetryPolicy {
            budget: self.retry_budget.unwrap_or(default.budget),
            ..default
        }
    }
}

/// How output is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Lines for people, one per step, with the elapsed time.
    Text,
    /// One JSON object per line (`event` names its kind), then a summary object.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check definitions without calling the service.
    #[command(after_help = "Example:\n  partner-center validate examples/offer.yaml offers/")]
    Validate(Validate),

    /// Show how the service differs from the definitions; changes nothing.
    #[command(
        after_help = "Examples:\n  partner-center plan examples/offer.yaml\n  partner-center plan offers/ --detailed-exitcode   # 0: no changes, 2: changes, 1: error"
    )]
    Plan(Plan),

    /// Make the service match the definitions, then optionally publish.
    #[command(
        after_help = "Examples:\n  partner-center apply examples/offer.yaml\n  partner-center apply offers/ --publish preview --parallel 4\n  partner-center apply examples/offer.yaml --publish live --wait 2d --if-in-progress wait"
    )]
    Apply(Apply),

    /// Show the offer's latest submission (exit 0 done, 1 failed, 3 moving).
    #[command(after_help = "Example:\n  partner-center status contoso-sample-app --output json")]
    Status(OfferArg),

    /// Wait until the offer's latest submission reaches preview or live.
    #[command(
        after_help = "Example:\n  partner-center wait examples/offer.yaml --for preview --timeout 6h"
    )]
    Wait(Wait),

    /// Take the offer's ready preview live.
    #[command(after_help = "Example:\n  partner-center promote contoso-sample-app --wait 1d")]
    Promote(Promote),

    /// Cancel the offer's submission in progress (not one that was promoted).
    #[command(after_help = "Example:\n  partner-center cancel contoso-sample-app --yes")]
    Cancel(Cancel),

    /// List offers, an offer's plans, or its submissions.
    #[command(subcommand)]
    List(List),

    /// Print (or write) the definition format's JSON Schema.
    #[command(after_help = "Example:\n  partner-center schema offer.schema.json")]
    Schema(Schema),
}

impl Command {
    /// The command's name, as typed (`list offers`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Validate(_) => "validate",
            Command::Plan(_) => "plan",
            Command::Apply(_) => "apply",
            Command::Status(_) => "status",
            Command::Wait(_) => "wait",
            Command::Promote(_) => "promote",
            Command::Cancel(_) => "cancel",
            Command::List(List::Offers { .. }) => "list offers",
            Command::List(List::Plans(_)) => "list plans",
            Command::List(List::Submissions(_)) => "list submissions",
            Command::Schema(_) => "schema",
        }
    }
}

/// `validate FILE…`
#[derive(Debug, Args)]
pub struct Validate {
    /// Definition files, or directories of them (`*.yaml`, `*.yml`, `*.json`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Options shared by `plan` and `apply` for many offers at once.
#[derive(Debug, Args)]
pub struct Many {
    /// Definition files, or directories of them (`*.yaml`, `*.yml`, `*.json`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// How many offers to work on at once. All share one client: one
    /// token and one throttle budget.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,

    /// Stop the other offers at the first one that fails.
    #[arg(long)]
    pub fail_fast: bool,

    /// Also delete plans and listing images the definition does not name.
    #[arg(long)]
    pub prune: bool,
}

/// `plan FILE…`
#[derive(Debug, Args)]
pub struct Plan {
    #[command(flatten)]
    pub many: Many,

    /// Exit 0 when nothing differs, 2 when something does (1 on error).
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// `apply FILE…`
#[derive(Debug, Args)]
pub struct Apply {
    #[command(flatten)]
    pub many: Many,

    /// Publish once the drafts match: `preview` submits (and returns with
    /// the submission id unless --wait is given); `live` waits for preview,
    /// promotes, and waits until live.
    #[arg(long, value_enum, value_name = "TARGET")]
    pub publish: Option<TargetArg>,

    /// How long to wait for the submission (`90s`, `10m`, `6h`, `2d`).
    /// Default with --publish live: 7d.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait: Option<Duration>,

    /// When the offer already has a submission in progress for other
    /// drafts: stop before writing (`fail`), wait for it, or cancel it.
    #[arg(long, value_enum, default_value_t = InProgressArg::Fail, value_name = "POLICY")]
    pub if_in_progress: InProgressArg,

    /// Publish even when nothing changed (to finish a publish an earlier
    /// run started before submitting).
    #[arg(long, requires = "publish")]
    pub force_publish: bool,
}

/// Where to publish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TargetArg {
    /// The preview audience.
    Preview,
    /// Everyone.
    Live,
}

/// What to do about another submission in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InProgressArg {
    /// Stop before writing anything, naming the submission.
    Fail,
    /// Wait until it finishes, then go on.
    Wait,
    /// Cancel it first (never one that was promoted).
    Cancel,
}

/// An offer: its offer id, or a definition file whose `offer_id` is used.
#[derive(Debug, Args)]
pub struct OfferArg {
    /// An offer id, or a definition file whose `offer_id` is used.
    #[arg(value_name = "OFFER")]
    pub offer: String,
}

/// `wait OFFER --for preview|live`
#[derive(Debug, Args)]
pub struct Wait {
    #[command(flatten)]
    pub offer: OfferArg,

    /// What to wait for.
    #[arg(long = "for", value_enum, value_name = "TARGET")]
    pub target: TargetArg,

    /// How long to wait (`90s`, `10m`, `6h`, `2d`).
    #[arg(long, value_name = "DURATION", default_value = "6h", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// `promote OFFER [--wait DURATION]`
#[derive(Debug, Args)]
pub struct Promote {
    #[command(flatten)]
    pub offer: OfferArg,

    /// Wait until the offer is live, up to this long (`90s`, `10m`, `6h`, `2d`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait: Option<Duration>,
}

/// `cancel OFFER [--yes]`
#[derive(Debug, Args)]
pub struct Cancel {
    #[command(flatten)]
    pub offer: OfferArg,

    /// Do not ask for confirmation (needed when not on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `list …`
#[derive(Debug, Subcommand)]
pub enum List {
    /// The account's offers.
    #[command(after_help = "Example:\n  partner-center list offers --type AzureApplication")]
    Offers {
        /// Only offers of this resource type (`AzureApplication`, `AzureContainer`…).
        #[arg(long = "type", value_name = "TYPE")]
        resource_type: Option<String>,
    },
    /// An offer's plans.
    #[command(after_help = "Example:\n  partner-center list plans contoso-sample-app")]
    Plans(OfferArg),
    /// An offer's submissions, newest first.
    #[command(after_help = "Example:\n  partner-center list submissions examples/offer.yaml")]
    Submissions(OfferArg),
}

/// `schema [FILE]`
#[derive(Debug, Args)]
pub struct Schema {
    /// Write it here instead of standard output.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// Durations as `500ms`, `90s`, `10m`, `6h`, `2d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(t)
        .map_err(|e| format!("{text:?} is not a duration such as 500ms, 90s, 10m, 6h or 2d ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_retry_budget_help_states_the_librarys_default() {
        let default = RetryPolicy::default().budget;
        let shown = humantime::format_duration(default).to_string();
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains(&format!("[default: {shown}]")), "{help}");
        assert!(help.contains("PARTNER_CENTER_RETRY_BUDGET"), "{help}");
        assert!(help.contains("130 interrupted by SIGINT"), "{help}");

        let parsed = Cli::try_parse_from(["partner-center", "status", "x"]).unwrap();
        assert_eq!(parsed.global.retry_policy(), RetryPolicy::default());
        let parsed =
            Cli::try_parse_from(["partner-center", "status", "x", "--retry-budget", "5s"]).unwrap();
        assert_eq!(parsed.global.retry_policy().budget, Duration::from_secs(5));
        assert_eq!(
            parsed.global.retry_policy().max_attempts,
            RetryPolicy::default().max_attempts
        );
        assert!(
            Cli::try_parse_from(["partner-center", "status", "x", "--retry-budget", "soon"])
                .is_err()
        );
    }

    #[test]
    fn durations_read_like_the_emulators() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(2 * 86400)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("soon")
            .unwrap_err()
            .contains("not a duration"));
    }
}
