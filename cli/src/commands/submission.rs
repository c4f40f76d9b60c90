//! `status`, `wait`, `promote`, `cancel`: each reads the offer's latest
//! submission back from the service, so a later job (another machine, days
//! later) picks up where an earlier one stopped. No local state.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use partner_center_ingestion::workflows::{
    Offer, Phase, Publisher, SubmissionDetails, SubmissionStatus, WorkflowError,
};
use serde_json::{json, Value};

use crate::args::{Cancel, OfferArg, Promote, TargetArg, Wait};
use crate::error::CliError;
use crate::exit;
use crate::output::Reporter;
use crate::session::{find_offer, Session};

async fn latest(publisher: &Publisher, arg: &str) -> Result<(Offer, SubmissionStatus), CliError> {
    let offer = find_offer(publisher, arg).await?;
    let status = publisher.latest_submission(&offer).await?.ok_or_else(|| {
        CliError::Config(format!(
            "offer {} has never been submitted; `partner-center apply FILE --publish preview` submits it",
            offer.offer_id()
        ))
    })?;
    Ok((offer, status))
}

fn submission_json(s: &SubmissionStatus) -> Value {
    json!({
        "submission_id": s.id(),
        "target": s.target(),
        "state": s.state_name(),
        "substate": s.substate_name(),
        "phase": s.phase().as_str(),
        "promoted": s.promoted(),
    })
}

fn details_text(s: &SubmissionStatus, d: &SubmissionDetails) -> String {
    let mut out = format!("{} [{}]\n", s.summary(), s.phase());
    for w in &d.workflows {
        out.push_str(&format!(
            "  workflow {} to {}: {}\n",
            w.type_.as_deref().unwrap_or("?"),
            w.target_environment.as_deref().unwrap_or("?"),
            w.state.as_deref().unwrap_or("?")
        ));
        for step in &w.workflow_steps {
            out.push_str(&format!(
                "    step {}: {}\n",
                step.name.as_deref().unwrap_or("?"),
                step.state.as_deref().unwrap_or("?")
            ));
        }
    }
    for v in &d.validations {
        out.push_str(&format!(
            "  validation {} [{}]: {}\n",
            v.error_code.as_deref().unwrap_or("(no code)"),
            v.severity.as_deref().unwrap_or("?"),
            v.message.as_deref().unwrap_or("(no message)")
        ));
    }
    for r in &d.reports {
        out.push_str(&format!(
            "  certification report: {}{}\n",
            r.status
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_else(|| "?".into()),
            r.file_uri
                .as_deref()
                .map(|u| format!(" ({u})"))
                .unwrap_or_default()
        ));
    }
    out
}

/// `status OFFER`: exit 0 when the submission finished its step (preview
/// ready, or live), 1 when it failed, 3 while it is still moving.
pub async fn status(
    args: &OfferArg,
    session: &Session,
    reporter: &Reporter,
) -> Result<u8, CliError> {
    let publisher = session.publisher();
    let (offer, s) = latest(&publisher, &args.offer).await?;
    let details = publisher.submission_details(&s).await?;
    let code = match s.phase() {
        Phase::PreviewReady | Phase::Live => exit::OK,
        Phase::Failed => exit::ERROR,
        _ => exit::IN_PROGRESS,
    };
    let mut value = json!({
        "offer_id": offer.offer_id(),
        "product_id": offer.product_id(),
        "submission": submission_json(&s),
        "workflows": details.workflows,
        "validations": details.validations,
        "reports": details.reports,
        "exit_code": code,
    });
    if value["workflows"].is_null() {
        value["workflows"] = json!([]);
    }
    reporter.result("status", value, || {
        format!(
            "offer {} (product {})\n{}",
            offer.offer_id(),
            offer.product_id(),
            details_text(&s, &details)
        )
    });
    if s.phase() == Phase::Failed {
        for v in &details.validations {
            reporter.annotate(
                crate::output::Severity::Error,
                None,
                v.message.as_deref().unwrap_or("validation failed"),
            );
        }
    }
    Ok(code)
}

fn failed(s: &SubmissionStatus) -> CliError {
    CliError::Config(format!(
        "{} failed; `partner-center status {}` shows why. Fix the definition and apply again",
        s.summary(),
        s.product_id()
    ))
}

/// `wait OFFER --for preview|live`.
pub async fn wait(
    args: &Wait,
    session: &Session,
    reporter: &Arc<Reporter>,
) -> Result<u8, CliError> {
    let events = reporter.clone();
    let offer_name = args.offer.offer.clone();
    let publisher = session
        .publisher()
        .on_event(move |e| events.event(&offer_name, e));
    let (offer, s) = latest(&publisher, &args.offer.offer).await?;
    let name = offer.offer_id().to_string();
    match (args.target, s.phase()) {
        (_, Phase::Failed) => return Err(failed(&s)),
        (TargetArg::Preview, Phase::PreviewReady | Phase::Live) => {
            reporter.step(Some(&name), format_args!("{} is past preview", s.summary()));
        }
        (TargetArg::Live, Phase::Live) => {
            reporter.step(Some(&name), format_args!("{} is live", s.summary()));
        }
        (TargetArg::Live, Phase::PreviewReady) => {
            return Err(CliError::Config(format!(
                "{} is ready in preview and goes live only when promoted: `partner-center promote {name}`",
                s.summary()
            )))
        }
        (target, _) => {
            if let Some(live) = s.moving_to_live() {
                reporter.step(Some(&name), format_args!("waiting for {} to go live", s.summary()));
                let done = publisher.wait(live, args.timeout).await?;
                reporter.step(Some(&name), format_args!("live ({})", done.substate()));
            } else if let Some(preview) = s.moving_to_preview() {
                reporter.step(Some(&name), format_args!("waiting for {} to reach preview", s.summary()));
                let done = publisher.wait(preview, args.timeout).await?;
                reporter.step(Some(&name), format_args!("preview is ready ({})", done.substate()));
                if target == TargetArg::Live {
                    return Err(CliError::Config(format!(
                        "submission {} reached preview; it goes live only when promoted: `partner-center promote {name}`",
                        done.id()
                    )));
                }
            }
        }
    }
    Ok(exit::OK)
}

/// `promote OFFER [--wait DURATION]`: only a preview that is ready.
pub async fn promote(
    args: &Promote,
    session: &Session,
    reporter: &Reporter,
) -> Result<u8, CliError> {
    let publisher = session.publisher();
    let (offer, s) = latest(&publisher, &args.offer.offer).await?;
    let name = offer.offer_id().to_string();
    // Promoted by an earlier run (one interrupted, say): with --wait, the
    // same command carries on waiting.
    if let (Some(live), Some(deadline)) = (s.moving_to_live(), args.wait) {
        reporter.step(
            Some(&name),
            format_args!(
                "{} was promoted already; waiting for it to go live",
                s.summary()
            ),
        );
        let done = publisher.wait(live, deadline).await?;
        reporter.step(Some(&name), format_args!("live ({})", done.substate()));
        return Ok(exit::OK);
    }
    let Some(preview) = s.ready_preview() else {
        let why = match s.phase() {
            Phase::Live => "it is already live".to_string(),
            Phase::Failed => "it failed; fix the definition and apply again".to_string(),
            _ if s.promoted() => format!("it was promoted already and is on its way live; `partner-center wait {name} --for live` (or promote --wait) waits for it"),
            _ => format!(
                "it has not reached preview yet (substate {}); `partner-center wait {name} --for preview` waits for it",
                s.substate_name()
            ),
        };
        return Err(CliError::Config(format!(
            "cannot promote {}: {why}",
            s.summary()
        )));
    };
    let live = publisher.promote(preview).await?;
    reporter.step(
        Some(&name),
        format_args!("promoted submission {} to live", live.id()),
    );
    if let Some(deadline) = args.wait {
        let done = publisher.wait(live, deadline).await?;
        reporter.step(Some(&name), format_args!("live ({})", done.substate()));
    }
    Ok(exit::OK)
}

/// `cancel OFFER [--yes]`: the submission in progress, never one promoted.
pub async fn cancel(args: &Cancel, session: &Session, reporter: &Reporter) -> Result<u8, CliError> {
    let publisher = session.publisher();
    let (offer, s) = latest(&publisher, &args.offer.offer).await?;
    let name = offer.offer_id().to_string();
    if !s.is_in_progress() {
        reporter.step(
            Some(&name),
            format_args!("nothing to cancel: {} is {}", s.summary(), s.phase()),
        );
        return Ok(exit::OK);
    }
    if !args.yes && !confirm(&format!("Cancel {} of offer {name}?", s.summary()))? {
        return Err(CliError::Config("not cancelled".into()));
    }
    match publisher.cancel_submission(&s).await {
        Ok(()) => {
            reporter.step(Some(&name), format_args!("cancelled {}", s.summary()));
            Ok(exit::OK)
        }
        Err(e @ WorkflowError::Invalid(_)) => Err(CliError::Config(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Asks on the terminal; without one, refuses (a pipeline passes `--yes`).
fn confirm(question: &str) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "cancel asks for confirmation on a terminal; pass --yes to cancel without asking"
                .into(),
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::Config(format!("cannot read the answer: {e}")))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}
