//! Submissions: publish every current draft, wait through certification,
//! promote preview to live, cancel.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use futures::TryStreamExt;

use super::drafts::reseller_branch;
use super::error::SubmissionFailure;
use super::{Event, Offer, ProductId, Publisher, Result, SubmissionId, WorkflowError};
use crate::types::{
    BranchModule, SubmissionCreationRequest, SubmissionCreationRequestResourceType,
    SubmissionSubstate, TypeValuePair, VariantResource,
};

mod sealed {
    pub trait Sealed {}
}

/// Where a submission publishes to: [`Preview`] or [`Live`].
pub trait Target: sealed::Sealed + fmt::Debug + Send + Sync + 'static {
    /// The scope's name in a submission's `targets`.
    const SCOPE: &'static str;
    /// The substate at which a submission to this target is done.
    const DONE: SubmissionSubstate;
}

/// The preview audience: done at `ReadyToPublish`, then ready to promote.
#[derive(Debug)]
pub enum Preview {}
impl sealed::Sealed for Preview {}
impl Target for Preview {
    const SCOPE: &'static str = "preview";
    const DONE: SubmissionSubstate = SubmissionSubstate::ReadyToPublish;
}

/// Everyone: done at `InStore`.
#[derive(Debug)]
pub enum Live {}
impl sealed::Sealed for Live {}
impl Target for Live {
    const SCOPE: &'static str = "live";
    const DONE: SubmissionSubstate = SubmissionSubstate::InStore;
}

/// A submission on its way to target `T`. [`Publisher::wait`] waits for it;
/// [`Publisher::cancel`] withdraws it.
#[derive(Debug)]
#[must_use = "a submission is only done once it has been waited for"]
pub struct Submission<T: Target> {
    pub(super) product_id: ProductId,
    pub(super) id: SubmissionId,
    pub(super) target: PhantomData<T>,
}

impl<T: Target> Submission<T> {
    /// The product.
    pub fn product_id(&self) -> &ProductId {
        &self.product_id
    }

    /// The submission's id.
    pub fn id(&self) -> &SubmissionId {
        &self.id
    }
}

/// A submission that reached target `T`: a [`Published<Preview>`] can be
/// promoted; a [`Published<Live>`] is in the store.
#[derive(Debug)]
pub struct Published<T: Target> {
    product_id: ProductId,
    id: SubmissionId,
    target: PhantomData<T>,
}

impl<T: Target> Published<T> {
    pub(super) fn new(product_id: ProductId, id: SubmissionId) -> Self {
        Published {
            product_id,
            id,
            target: PhantomData,
        }
    }

    /// The product.
    pub fn product_id(&self) -> &ProductId {
        &self.product_id
    }

    /// The submission's id.
    pub fn id(&self) -> &SubmissionId {
        &self.id
    }

    /// The substate it reached: its target's (`ReadyToPublish` for
    /// preview, `InStore` for live). A `Published` is only made when the
    /// service answered exactly that substate, so this is the target's
    /// constant; read [`Publisher::submission_status`] for the service's
    /// whole answer.
    pub fn substate(&self) -> SubmissionSubstate {
        T::DONE
    }
}

/// Every module a submission may carry (the reseller configuration by
/// [`reseller_branch`], which published documents leave out of the enum).
fn modules() -> [BranchModule; 7] {
    [
        BranchModule::Listing,
        BranchModule::Property,
        BranchModule::Availability,
        BranchModule::Package,
        reseller_branch(),
        BranchModule::SupplementalContent,
        BranchModule::Cosell,
    ]
}

/// How many 404s in a row a wait for a submission it knows exists
/// tolerates before it believes them.
const MISSING_TOLERATED: u32 = 10;

fn pair(module: &BranchModule, instance: String) -> TypeValuePair {
    TypeValuePair {
        type_: Some(module.as_str().to_string()),
        value: Some(instance),
        ..Default::default()
    }
}

impl Publisher {
    /// The current draft instance of every module of the offer and of each
    /// of its plans, as a submission lists them.
    pub async fn current_drafts(
        &self,
        offer: &Offer,
    ) -> Result<(Vec<TypeValuePair>, Vec<VariantResource>)> {
        let mut resources = Vec::new();
        let mut variants: Vec<VariantResource> = Vec::new();
        for module in modules() {
            let mut branches = self
                .client
                .list_branches_by_module()
                .product_id(offer.product_id())
                // As text: Microsoft's documents type this parameter as a
                // plain string, ours as `BranchModule`; both take a `&str`.
                .module(module.as_str())
                .stream();
            while let Some(branch) = branches.try_next().await? {
                let Some(instance) = branch.current_draft_instance_id.filter(|i| !i.is_empty())
                else {
                    continue;
                };
                match branch.variant_id.filter(|v| !v.is_empty()) {
                    None => resources.push(pair(&module, instance)),
                    Some(variant) => {
                        let entry = match variants
                            .iter_mut()
                            .position(|v| v.variant_id.as_deref() == Some(variant.as_str()))
                        {
                            Some(i) => &mut variants[i],
                            None => {
                                let v = VariantResource {
                                    variant_id: Some(variant),
                                    ..Default::default()
                                };
                                variants.push(v);
                                let last = variants.len() - 1;
                                &mut variants[last]
                            }
                        };
                        entry.resources.push(pair(&module, instance));
                    }
                }
            }
        }
        Ok((resources, variants))
    }

    /// Submits the current draft of every module of the offer and its plans
    /// to target `T` ([`Preview`] or [`Live`]).
    ///
    /// The service runs one submission per offer at a time, so this first
    /// reads the offer's latest submission: one still moving ends this with
    /// [`WorkflowError::InProgress`], which carries it, before anything is
    /// written. Wait for it ([`moving_to_preview`](super::SubmissionStatus::moving_to_preview),
    /// [`moving_to_live`](super::SubmissionStatus::moving_to_live)) or cancel it
    /// ([`Publisher::cancel_submission`]), then submit again.
    pub async fn submit<T: Target>(&self, offer: &Offer) -> Result<Submission<T>> {
        if let Some(moving) = self.submission_in_progress(offer).await? {
            return Err(WorkflowError::InProgress(Box::new(moving)));
        }
        let (resources, variant_resources) = self.current_drafts(offer).await?;
        if !resources
            .iter()
            .any(|r| r.type_.as_deref() == Some(reseller_branch().as_str()))
        {
            return Err(WorkflowError::Invalid(format!(
                "offer `{}` has no ResellerConfiguration draft, and the service refuses a submission without one (Resell-20007); set it with Publisher::edit_offer::<ResellerConfiguration>",
                offer.offer_id()
            )));
        }
        let mut request = SubmissionCreationRequest {
            resource_type: Some(SubmissionCreationRequestResourceType::SubmissionCreationRequest),
            ..Default::default()
        };
        let scope = TypeValuePair {
            type_: Some("Scope".to_string()),
            value: Some(T::SCOPE.to_string()),
            ..Default::default()
        };
        request.targets = vec![scope];
        request.resources = resources;
        request.variant_resources = variant_resources;
        let created = self
            .client
            .create_submission()
            .product_id(offer.product_id())
            .body(request)
            .send()
            .await?
            .into_inner();
        let id = created
            .id
            .filter(|id| !id.is_empty())
            .map(SubmissionId::new)
            .ok_or_else(|| WorkflowError::Unexpected("the new submission has no id".to_string()))?;
        self.emit(Event::SubmissionCreated {
            submission_id: id.clone(),
            target: T::SCOPE,
        });
        Ok(Submission {
            product_id: offer.product_id().clone(),
            id,
            target: PhantomData,
        })
    }

    /// Waits until the submission reaches its target (`ReadyToPublish` for
    /// preview, `InStore` for live), reporting each substate change as an
    /// [`Event::SubmissionProgress`]. A submission that fails validation or
    /// certification ends the wait with [`WorkflowError::SubmissionFailed`],
    /// which carries the validations, certification reports and failed
    /// workflow steps.
    pub async fn wait<T: Target>(
        &self,
        submission: Submission<T>,
        deadline: Duration,
    ) -> Result<Published<T>> {
        let mut wait = self.waiter(
            deadline,
            format!("submission {} to reach {}", submission.id, T::DONE),
            "certification can take hours on the live service; wait again with a later deadline (the submission goes on meanwhile)",
        );
        let mut last: Option<Option<SubmissionSubstate>> = None;
        let mut missing = 0;
        loop {
            let read = self
                .client
                .get_submission()
                .product_id(&submission.product_id)
                .submission_id(&submission.id)
                .send();
            let answer = match wait.bounded(read).await {
                Ok(answer) => {
                    missing = 0;
                    answer
                }
                // The service has been seen to answer 404 for a submission
                // while it moves to preview; a short run of them is not the
                // end of it.
                Err(e)
                    if e.status() == Some(http::StatusCode::NOT_FOUND)
                        && missing < MISSING_TOLERATED =>
                {
                    missing += 1;
                    wait.pause_at_least(None).await?;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let floor = super::poll::retry_after(answer.headers());
            let substate = answer.into_inner().substate;
            if last.as_ref() != Some(&substate) {
                self.emit(Event::SubmissionProgress {
                    submission_id: submission.id.clone(),
                    substate: substate.clone(),
                    elapsed: wait.elapsed(),
                });
                last = Some(substate.clone());
            }
            match substate {
                Some(
                    failed @ (SubmissionSubstate::Failed
                    | SubmissionSubstate::FailedInCertification),
                ) => {
                    let why = self.failure(&submission.product_id, &submission.id, failed);
                    return Err(wait.bounded(why).await);
                }
                Some(done) if done == T::DONE => {
                    return Ok(Published::new(submission.product_id, submission.id));
                }
                _ => {}
            }
            wait.pause_at_least(floor).await?;
        }
    }

    /// Takes a submission that reached preview live. Wait for the returned
    /// submission with [`Publisher::wait`].
    pub async fn promote(&self, preview: Published<Preview>) -> Result<Submission<Live>> {
        // The answer is the workflow that takes the same submission live.
        self.client
            .promote_submission()
            .product_id(&preview.product_id)
            .submission_id(&preview.id)
            .send()
            .await?;
        Ok(Submission {
            id: preview.id,
            product_id: preview.product_id,
            target: PhantomData,
        })
    }

    /// Withdraws a submission that is still in progress.
    pub async fn cancel<T: Target>(&self, submission: Submission<T>) -> Result<()> {
        self.client
            .delete_submission()
            .product_id(&submission.product_id)
            .submission_id(&submission.id)
            .send()
            .await?;
        Ok(())
    }

    /// Everything the service says about why a submission failed. A detail
    /// that cannot be read is left out rather than hiding the failure.
    async fn failure(
        &self,
        product_id: &ProductId,
        submission_id: &SubmissionId,
        substate: SubmissionSubstate,
    ) -> WorkflowError {
        let validations = self
            .client
            .list_submission_validations()
            .product_id(product_id)
            .submission_id(submission_id)
            .stream()
            .try_collect()
            .await
            .unwrap_or_default();
        let reports = self
            .client
            .list_submission_reports()
            .product_id(product_id)
            .submission_id(submission_id)
            .stream()
            .try_collect()
            .await
            .unwrap_or_default();
        let details: Vec<crate::types::WorkflowDetail> = self
            .client
            .list_submission_workflow_details()
            .product_id(product_id)
            .submission_id(submission_id)
            .stream()
            .try_collect()
            .await
            .unwrap_or_default();
        let failed_steps = details
            .into_iter()
            .flat_map(|d| d.workflow_steps)
            .filter(|s| {
                s.state.as_deref().is_some_and(|st| {
                    let st = st.to_ascii_lowercase();
                    st.contains("fail") || st.contains("error")
                })
            })
            .collect();
        WorkflowError::SubmissionFailed(Box::new(SubmissionFailure {
            product_id: product_id.clone(),
            submission_id: submission_id.clone(),
            substate,
            validations,
            reports,
            failed_steps,
        }))
    }
}
