//! Where an offer's submissions are, read back from the service: the
//! latest one, its phase, and picking up a submission that an earlier run
//! (another job, another machine, days ago) started.
//!
//! Nothing here is kept locally: every answer is the service's, so a later
//! job continues where an earlier one stopped.

use std::marker::PhantomData;

use futures::TryStreamExt;

use super::submissions::{Live, Preview, Published, Submission, Target};
use super::{Offer, ProductId, Publisher, Result, SubmissionId, WorkflowError};
use crate::types::{
    self, CertificationReport, SubmissionState, SubmissionSubstate, TypeValuePair, ValidationItem,
    VariantResource, WorkflowDetail,
};

/// Where a submission is on its way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Still moving: in validation, certification or publishing. Only one
    /// submission per offer may be moving at a time.
    Moving,
    /// Preview is ready (`ReadyToPublish`): it can be promoted.
    PreviewReady,
    /// In the store (`InStore`).
    Live,
    /// Failed validation or certification (`Failed`,
    /// `FailedInCertification`). A failed submission blocks nothing.
    Failed,
}

impl Phase {
    /// A short lowercase name: `moving`, `preview-ready`, `live`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Moving => "moving",
            Phase::PreviewReady => "preview-ready",
            Phase::Live => "live",
            Phase::Failed => "failed",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A submission as the service reports it, with the product it belongs to.
///
/// Read with [`Publisher::latest_submission`], [`Publisher::submissions`]
/// or [`Publisher::submission_status`].
#[derive(Clone, Debug)]
pub struct SubmissionStatus {
    product_id: ProductId,
    id: SubmissionId,
    submission: types::Submission,
}

impl SubmissionStatus {
    pub(crate) fn new(product_id: &ProductId, submission: types::Submission) -> Option<Self> {
        let id = submission.id.clone().filter(|id| !id.is_empty())?;
        Some(SubmissionStatus {
            product_id: product_id.clone(),
            id: SubmissionId::new(id),
            submission,
        })
    }

    /// The product it belongs to.
    pub fn product_id(&self) -> &ProductId {
        &self.product_id
    }

    /// The submission's id (on the live service a long number).
    pub fn id(&self) -> &SubmissionId {
        &self.id
    }

    /// The state (`InProgress`, `Published`), if the service sent one.
    pub fn state(&self) -> Option<&SubmissionState> {
        self.submission.state.as_ref()
    }

    /// The state as text (empty when the service sent none).
    pub fn state_name(&self) -> &str {
        self.state().map(|s| s.as_str()).unwrap_or_default()
    }

    /// The substate, if the service sent one.
    pub fn substate(&self) -> Option<&SubmissionSubstate> {
        self.submission.substate.as_ref()
    }

    /// The substate as text (empty when the service sent none).
    pub fn substate_name(&self) -> &str {
        self.substate().map(|s| s.as_str()).unwrap_or_default()
    }

    /// The scope it was submitted to (`preview` or `live`), from its targets.
    pub fn target(&self) -> Option<&str> {
        self.submission
            .targets
            .iter()
            .filter(|t| {
                t.type_
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case("Scope"))
            })
            .find_map(|t| t.value.as_deref())
    }

    /// Where it is on its way.
    pub fn phase(&self) -> Phase {
        match self.substate() {
            Some(SubmissionSubstate::Failed | SubmissionSubstate::FailedInCertification) => {
                Phase::Failed
            }
            Some(SubmissionSubstate::ReadyToPublish) if !self.promoted() => Phase::PreviewReady,
            Some(SubmissionSubstate::InStore) => Phase::Live,
            _ => Phase::Moving,
        }
    }

    /// Whether it is still moving (and so blocks a new submission).
    pub fn is_in_progress(&self) -> bool {
        self.phase() == Phase::Moving
    }

    /// Whether it was promoted (or submitted straight to live): on its way
    /// to the store, where the service can no longer cancel it.
    pub fn promoted(&self) -> bool {
        matches!(
            self.substate(),
            Some(SubmissionSubstate::Publishing | SubmissionSubstate::Published)
        ) || self
            .target()
            .is_some_and(|t| t.eq_ignore_ascii_case(Live::SCOPE))
    }

    /// The offer-level draft instances it carries.
    pub fn resources(&self) -> &[TypeValuePair] {
        &self.submission.resources
    }

    /// The plans' draft instances it carries.
    pub fn variant_resources(&self) -> &[VariantResource] {
        &self.submission.variant_resources
    }

    /// The whole resource as the service sent it.
    pub fn submission(&self) -> &types::Submission {
        &self.submission
    }

    /// The ready preview, for [`Publisher::promote`]; `None` unless the
    /// phase is [`Phase::PreviewReady`].
    pub fn ready_preview(&self) -> Option<Published<Preview>> {
        (self.phase() == Phase::PreviewReady)
            .then(|| Published::new(self.product_id.clone(), self.id.clone()))
    }

    /// The submission to wait for, when it is still moving towards
    /// preview (not promoted).
    pub fn moving_to_preview(&self) -> Option<Submission<Preview>> {
        (self.is_in_progress() && !self.promoted()).then(|| self.resume())
    }

    /// The submission to wait for, when it is on its way to the store
    /// (promoted, or already live).
    pub fn moving_to_live(&self) -> Option<Submission<Live>> {
        ((self.is_in_progress() && self.promoted()) || self.phase() == Phase::Live)
            .then(|| self.resume())
    }

    fn resume<T: Target>(&self) -> Submission<T> {
        Submission {
            product_id: self.product_id.clone(),
            id: self.id.clone(),
            target: PhantomData,
        }
    }

    /// One line: `submission 1152921505695125040 (preview): InProgress/Submitted`.
    pub fn summary(&self) -> String {
        format!(
            "submission {} ({}): {}/{}",
            self.id,
            self.target().unwrap_or("no target"),
            self.state_name(),
            self.substate_name()
        )
    }
}

/// Everything the service says about one submission: its workflow steps,
/// validation messages and certification reports.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SubmissionDetails {
    /// The workflows (`Push` to preview, to live) and their steps.
    pub workflows: Vec<WorkflowDetail>,
    /// Validation messages.
    pub validations: Vec<ValidationItem>,
    /// Certification reports.
    pub reports: Vec<CertificationReport>,
}

/// Orders submission ids: numeric ids by value, others after them as sent.
fn newest_first(a: &SubmissionStatus, b: &SubmissionStatus) -> std::cmp::Ordering {
    let num = |s: &SubmissionStatus| s.id.as_str().parse::<u128>().ok();
    match (num(a), num(b)) {
        (Some(x), Some(y)) => y.cmp(&x),
        _ => std::cmp::Ordering::Equal,
    }
}

impl Publisher {
    /// Every submission of the offer, newest first (by numeric id, where
    /// the ids are numbers as on the live service; otherwise the latest
    /// the service listed first).
    pub async fn submissions(&self, offer: &Offer) -> Result<Vec<SubmissionStatus>> {
        let mut all: Vec<SubmissionStatus> = self
            .client
            .list_submissions()
            .product_id(offer.product_id())
            .stream()
            .try_collect::<Vec<_>>()
            .await?
            .into_iter()
            .filter_map(|s| SubmissionStatus::new(offer.product_id(), s))
            .collect();
        all.reverse();
        all.sort_by(newest_first);
        Ok(all)
    }

    /// The offer's latest submission: the one still moving if there is one
    /// (the service allows one at a time), else the newest. `None` when the
    /// offer was never submitted.
    pub async fn latest_submission(&self, offer: &Offer) -> Result<Option<SubmissionStatus>> {
        let all = self.submissions(offer).await?;
        let moving = all.iter().position(SubmissionStatus::is_in_progress);
        Ok(match moving {
            Some(i) => all.into_iter().nth(i),
            None => all.into_iter().next(),
        })
    }

    /// The submission of the offer that is still moving, if any.
    pub async fn submission_in_progress(&self, offer: &Offer) -> Result<Option<SubmissionStatus>> {
        Ok(self
            .latest_submission(offer)
            .await?
            .filter(SubmissionStatus::is_in_progress))
    }

    /// One submission, read now.
    pub async fn submission_status(
        &self,
        offer: &Offer,
        submission_id: &SubmissionId,
    ) -> Result<SubmissionStatus> {
        let s = self
            .client
            .get_submission()
            .product_id(offer.product_id())
            .submission_id(submission_id)
            .send()
            .await?
            .into_inner();
        SubmissionStatus::new(offer.product_id(), s).ok_or_else(|| {
            WorkflowError::Unexpected(format!(
                "submission {submission_id} came back without an id"
            ))
        })
    }

    /// The workflow steps, validations and certification reports of a
    /// submission.
    pub async fn submission_details(&self, status: &SubmissionStatus) -> Result<SubmissionDetails> {
        let (product, id) = (status.product_id(), status.id());
        Ok(SubmissionDetails {
            workflows: self
                .client
                .list_submission_workflow_details()
                .product_id(product)
                .submission_id(id)
                .stream()
                .try_collect()
                .await?,
            validations: self
                .client
                .list_submission_validations()
                .product_id(product)
                .submission_id(id)
                .stream()
                .try_collect()
                .await?,
            reports: self
                .client
                .list_submission_reports()
                .product_id(product)
                .submission_id(id)
                .stream()
                .try_collect()
                .await?,
        })
    }

    /// Cancels a submission that is still moving. A promoted submission is
    /// refused before anything is sent: the service cannot cancel it.
    pub async fn cancel_submission(&self, status: &SubmissionStatus) -> Result<()> {
        if status.promoted() {
            return Err(WorkflowError::Invalid(format!(
                "{} was promoted to live, and the service cannot cancel a promoted submission; wait until it is live, then submit again",
                status.summary()
            )));
        }
        if !status.is_in_progress() {
            return Err(WorkflowError::Invalid(format!(
                "{} is not in progress ({}); there is nothing to cancel",
                status.summary(),
                status.phase()
            )));
        }
        self.client
            .delete_submission()
            .product_id(status.product_id())
            .submission_id(status.id())
            .send()
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(id: &str, substate: SubmissionSubstate, target: &str) -> SubmissionStatus {
        let submission = types::Submission {
            id: Some(id.into()),
            substate: Some(substate),
            targets: vec![TypeValuePair {
                type_: Some("Scope".into()),
                value: Some(target.into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        SubmissionStatus::new(&ProductId::new("p"), submission).unwrap()
    }

    #[test]
    fn phases_follow_the_service_substates() {
        use SubmissionSubstate as S;
        assert_eq!(status("1", S::InDraft, "preview").phase(), Phase::Moving);
        assert_eq!(status("1", S::Submitted, "preview").phase(), Phase::Moving);
        assert_eq!(
            status("1", S::ReadyToPublish, "preview").phase(),
            Phase::PreviewReady
        );
        assert_eq!(status("1", S::Publishing, "preview").phase(), Phase::Moving);
        assert_eq!(status("1", S::InStore, "preview").phase(), Phase::Live);
        assert_eq!(status("1", S::Failed, "preview").phase(), Phase::Failed);
        assert_eq!(
            status("1", S::FailedInCertification, "live").phase(),
            Phase::Failed
        );
    }

    #[test]
    fn promoted_submissions_are_on_their_way_live() {
        use SubmissionSubstate as S;
        let p = status("1", S::Publishing, "preview");
        assert!(p.promoted());
        assert!(p.moving_to_live().is_some());
        assert!(p.moving_to_preview().is_none());
        assert!(p.ready_preview().is_none());
        let r = status("1", S::ReadyToPublish, "preview");
        assert!(!r.promoted());
        assert!(r.ready_preview().is_some());
        assert!(!r.is_in_progress());
        let s = status("1", S::Submitted, "preview");
        assert!(s.moving_to_preview().is_some());
        assert!(s.moving_to_live().is_none());
    }

    #[test]
    fn numeric_ids_order_newest_first() {
        use SubmissionSubstate as S;
        let mut v = [
            status("1152921505695125040", S::InStore, "preview"),
            status("1152921505695125099", S::Failed, "preview"),
            status("999", S::InStore, "preview"),
        ];
        v.sort_by(newest_first);
        let ids: Vec<_> = v.iter().map(|s| s.id().to_string()).collect();
        assert_eq!(ids, ["1152921505695125099", "1152921505695125040", "999"]);
    }
}
