//! Publishing once `apply` has made the drafts match: one submission per
//! offer at a time, and a submission an earlier run started carried on
//! rather than made again.

use super::options::{ApplyOptions, IfInProgress, Publish};
use crate::types::SubmissionSubstate;
use crate::workflows::{
    Offer, Preview, Published, Publisher, Submission, SubmissionId, SubmissionStatus, WorkflowError,
};

type Result<T, E = WorkflowError> = std::result::Result<T, E>;

/// Where publishing got to.
#[derive(Clone, Debug, Default)]
pub(super) struct Outcome {
    /// The submission made or carried on.
    pub(super) submission_id: Option<SubmissionId>,
    /// The substate it reached, when `apply` waited for it.
    pub(super) reached: Option<SubmissionSubstate>,
}

/// Decides, before anything is written, what to do about a submission the
/// offer has in progress. `Some` is one to carry on: it is for exactly the
/// drafts this apply would submit (nothing differs from the definition).
pub(super) async fn before_writing(
    publisher: &Publisher,
    latest: Option<&SubmissionStatus>,
    changed: bool,
    options: &ApplyOptions,
) -> Result<Option<SubmissionStatus>> {
    if options.publish == Publish::Never {
        return Ok(None);
    }
    let Some(moving) = latest.filter(|s| s.is_in_progress()) else {
        return Ok(None);
    };
    if !changed {
        return Ok(Some(moving.clone()));
    }
    match options.if_in_progress {
        IfInProgress::Fail => Err(WorkflowError::InProgress(Box::new(moving.clone()))),
        IfInProgress::Wait => {
            options.say(format!(
                "waiting for {} to finish before writing",
                moving.summary()
            ));
            settle(publisher, moving, options).await?;
            Ok(None)
        }
        IfInProgress::Cancel => {
            publisher.cancel_submission(moving).await?;
            options.say(format!("cancelled {}", moving.summary()));
            Ok(None)
        }
    }
}

/// Waits until another submission stops moving. Its failure is not ours:
/// a failed submission blocks nothing.
async fn settle(
    publisher: &Publisher,
    moving: &SubmissionStatus,
    options: &ApplyOptions,
) -> Result<()> {
    let waited = if let Some(live) = moving.moving_to_live() {
        publisher.wait(live, options.certification).await.map(drop)
    } else if let Some(preview) = moving.moving_to_preview() {
        publisher
            .wait(preview, options.certification)
            .await
            .map(drop)
    } else {
        Ok(())
    };
    match waited {
        Ok(()) => Ok(()),
        Err(WorkflowError::SubmissionFailed(failure)) => {
            options.say(format!(
                "submission {} ended in {}; it no longer blocks",
                failure.submission_id, failure.substate
            ));
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Carries on a submission an earlier run made for these same drafts, to
/// the target `options` ask for.
pub(super) async fn carry_on(
    publisher: &Publisher,
    offer: &Offer,
    moving: SubmissionStatus,
    options: &ApplyOptions,
) -> Result<Outcome> {
    options.say(format!(
        "{} is for these drafts; carrying it on",
        moving.summary()
    ));
    if let Some(live) = moving.moving_to_live() {
        if options.publish == Publish::Preview {
            options.say("it was promoted and is on its way live");
            return Ok(Outcome {
                submission_id: Some(moving.id().clone()),
                reached: None,
            });
        }
        let id = live.id().clone();
        let live = publisher.wait(live, options.certification).await?;
        say_live(offer, &live.substate(), options);
        return Ok(Outcome {
            submission_id: Some(id),
            reached: Some(live.substate()),
        });
    }
    match moving.moving_to_preview() {
        Some(preview) => from_preview(publisher, offer, preview, options).await,
        None => Ok(Outcome {
            submission_id: Some(moving.id().clone()),
            reached: None,
        }),
    }
}

/// Promotes a preview that is ready and has nothing new to publish.
pub(super) async fn promote_ready(
    publisher: &Publisher,
    offer: &Offer,
    preview: Published<Preview>,
    options: &ApplyOptions,
) -> Result<Outcome> {
    options.say(format!(
        "submission {} is ready in preview; promoting it",
        preview.id()
    ));
    promote_and_wait(publisher, offer, preview, options).await
}

/// Submits every current draft to preview, then goes on as `options` say.
pub(super) async fn publish(
    publisher: &Publisher,
    offer: &Offer,
    options: &ApplyOptions,
) -> Result<Outcome> {
    let submission = publisher.submit::<Preview>(offer).await?;
    options.say(format!("submitted to preview ({})", submission.id()));
    from_preview(publisher, offer, submission, options).await
}

async fn from_preview(
    publisher: &Publisher,
    offer: &Offer,
    submission: Submission<Preview>,
    options: &ApplyOptions,
) -> Result<Outcome> {
    let id = submission.id().clone();
    if options.publish == Publish::Preview && !options.wait_for_preview {
        return Ok(Outcome {
            submission_id: Some(id),
            reached: None,
        });
    }
    let preview = publisher.wait(submission, options.certification).await?;
    options.say(format!("preview is ready ({})", preview.substate()));
    if options.publish == Publish::Preview {
        return Ok(Outcome {
            submission_id: Some(id),
            reached: Some(preview.substate()),
        });
    }
    promote_and_wait(publisher, offer, preview, options).await
}

async fn promote_and_wait(
    publisher: &Publisher,
    offer: &Offer,
    preview: Published<Preview>,
    options: &ApplyOptions,
) -> Result<Outcome> {
    let id = preview.id().clone();
    let live = publisher.promote(preview).await?;
    options.say("promoted to live");
    let live = publisher.wait(live, options.certification).await?;
    say_live(offer, &live.substate(), options);
    Ok(Outcome {
        submission_id: Some(id),
        reached: Some(live.substate()),
    })
}

fn say_live(offer: &Offer, substate: &SubmissionSubstate, options: &ApplyOptions) {
    options.say(format!("offer {} is live ({substate})", offer.offer_id()));
}
