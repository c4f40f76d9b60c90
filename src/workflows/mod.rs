//! Publishing workflows: each step of taking an offer from nothing to live
//! as one call, in an order that cannot go wrong.
//!
//! The ingestion API is a set of fine-grained resources. Publishing means:
//! find or create the offer (and wait until the service shows it), find each
//! module's current draft instance through its branches (the offer's and
//! each plan's), edit the drafts with their etags, upload files to their SAS
//! URLs and wait until the service has processed them, point the plan's
//! technical configuration at the processed package, submit every current
//! draft, wait through certification to preview, promote, and wait until the
//! offer is live. [`Publisher`] does each of those steps:
//!
//! | step | call |
//! | --- | --- |
//! | find / create an offer | [`Publisher::find_offer`], [`Publisher::create_offer`], [`Publisher::get_or_create_offer`] |
//! | plans | [`Publisher::list_plans`], [`Publisher::find_plan`], [`Publisher::create_plan`], [`Publisher::get_or_create_plan`] |
//! | read a draft | [`Publisher::offer_draft`], [`Publisher::plan_draft`] |
//! | edit a draft | [`Publisher::edit_offer`], [`Publisher::edit_plan`], [`Publisher::try_edit_offer`], [`Publisher::try_edit_plan`] |
//! | upload files | [`Publisher::upload_listing_image`], [`Publisher::upload_listing_video`], [`Publisher::upload_package`] |
//! | reference a package | [`Publisher::use_package`] |
//! | submit, wait, promote | [`Publisher::submit`], [`Publisher::wait`], [`Publisher::promote`], [`Publisher::cancel`] |
//! | read submissions back (a later job) | [`Publisher::latest_submission`], [`Publisher::submission_status`], [`Publisher::submission_details`], [`Publisher::cancel_submission`] |
//!
//! The types keep the order: a draft module only resolves at the level it
//! belongs to ([`OfferModule`] / [`PlanModule`]), a plan can only reference a
//! [`ProcessedPackage`], and only a submission that reached preview
//! ([`Published<Preview>`]) can be promoted.
//!
//! Eventual consistency is handled where the service shows it: right after
//! an offer or plan is created its branches can be empty for a while, so
//! the workflows wait for them (up to [`Publisher::consistency_deadline`])
//! instead of concluding there are none. Every other wait takes a deadline
//! from the caller and polls with pauses that grow (see [`PollPolicy`]).
//!
//! ```no_run
//! use std::time::Duration;
//! use partner_center_ingestion::workflows::{
//!     Listing, NewOffer, NewPlan, PlanKind, Preview, Publisher, TechnicalConfiguration,
//! };
//! # async fn run(client: partner_center_ingestion::Client) -> Result<(), partner_center_ingestion::workflows::WorkflowError> {
//! let publisher = Publisher::new(client);
//! let offer = publisher
//!     .get_or_create_offer(&NewOffer::azure_application("contoso-analytics", "Contoso Analytics")?)
//!     .await?;
//! publisher
//!     .edit_offer::<Listing>(&offer, |listing| {
//!         listing.title = Some("Contoso Analytics".into());
//!     })
//!     .await?;
//! let plan = publisher
//!     .get_or_create_plan(&offer, &NewPlan::new("standard", "Standard", PlanKind::ManagedApplication)?)
//!     .await?;
//! let package = publisher.upload_package(&offer, "app.zip", Duration::from_secs(1800)).await?;
//! publisher.use_package(&plan, &package, "1.0.0").await?;
//! let submission = publisher.submit::<Preview>(&offer).await?;
//! let preview = publisher.wait(submission, Duration::from_secs(4 * 3600)).await?;
//! let live = publisher.promote(preview).await?;
//! publisher.wait(live, Duration::from_secs(4 * 3600)).await?;
//! # Ok(()) }
//! ```

mod drafts;
mod error;
mod ids;
mod offers;
mod plans;
mod poll;
mod source;
mod status;
mod submissions;
mod uploads;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use drafts::{
    Draft, DraftOwner, Edit, Listing, Module, OfferAvailability, OfferModule, PlanAvailability,
    PlanModule, Property, ResellerConfiguration, TechnicalConfiguration,
};
pub use error::{SubmissionFailure, WorkflowError};
pub use ids::{Etag, InstanceId, ProductId, SubmissionId, VariantId};
pub use offers::{NewOffer, Offer};
pub use plans::{NewPlan, Plan, PlanKind};
pub use poll::PollPolicy;
pub use source::{IntoUploadSource, UploadSource};
pub use status::{Phase, SubmissionDetails, SubmissionStatus};
pub use submissions::{Live, Preview, Published, Submission, Target};
pub use uploads::{ImageKind, ProcessedFile, ProcessedPackage};

use crate::blob::BlobUploader;
use crate::types::{BranchModule, SubmissionSubstate};
use crate::Client;

/// The result of a workflow step.
pub type Result<T, E = WorkflowError> = std::result::Result<T, E>;

/// Something a workflow did or saw, for progress output.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// An existing offer was found.
    OfferFound {
        /// Its offer id.
        offer_id: String,
        /// Its product id.
        product_id: ProductId,
    },
    /// An offer was created (and is now readable).
    OfferCreated {
        /// Its offer id.
        offer_id: String,
        /// Its product id.
        product_id: ProductId,
    },
    /// An existing plan was found.
    PlanFound {
        /// Its plan id.
        plan_id: String,
        /// Its variant id.
        variant_id: VariantId,
    },
    /// A plan was created (and is now readable).
    PlanCreated {
        /// Its plan id.
        plan_id: String,
        /// Its variant id.
        variant_id: VariantId,
    },
    /// A draft was written.
    DraftUpdated {
        /// The module (`Listing`, `Property`…).
        module: BranchModule,
        /// The offer, or the plan.
        owner: DraftOwner,
    },
    /// An edit changed nothing, so nothing was written.
    DraftUnchanged {
        /// The module.
        module: BranchModule,
        /// The offer, or the plan.
        owner: DraftOwner,
    },
    /// An update met a concurrent change and is being redone.
    EditRetried {
        /// The module.
        module: BranchModule,
        /// The try that failed (1 for the first).
        attempt: u32,
    },
    /// Bytes of a file went up.
    UploadProgress {
        /// The file's name.
        file: String,
        /// Bytes sent so far.
        sent: u64,
        /// The file's size.
        total: u64,
    },
    /// The service finished processing a file.
    FileProcessed {
        /// The file's name.
        file: String,
        /// The resource's id.
        id: String,
    },
    /// A submission was created.
    SubmissionCreated {
        /// Its id.
        submission_id: SubmissionId,
        /// `preview` or `live`.
        target: &'static str,
    },
    /// A submission moved to another substate.
    SubmissionProgress {
        /// Its id.
        submission_id: SubmissionId,
        /// The new substate (`None`: the service sent none).
        substate: Option<SubmissionSubstate>,
        /// Time since the wait began.
        elapsed: Duration,
    },
}

type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;

/// Runs publishing workflows with one [`Client`].
///
/// Cheap to clone; clones share the client and settings.
#[derive(Clone)]
pub struct Publisher {
    client: Client,
    uploader: BlobUploader,
    poll: PollPolicy,
    consistency_deadline: Duration,
    edit_attempts: u32,
    events: Option<EventSink>,
}

impl fmt::Debug for Publisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher")
            .field("endpoint", &self.client.endpoint())
            .field("poll", &self.poll)
            .field("consistency_deadline", &self.consistency_deadline)
            .field("edit_attempts", &self.edit_attempts)
            .finish_non_exhaustive()
    }
}

impl Publisher {
    /// Workflows over `client`, with the defaults: polls as
    /// [`PollPolicy::default`], waits up to 5 minutes for a new offer or
    /// plan to become readable, redoes an edit up to 5 times on concurrent
    /// changes, uploads with [`BlobUploader`]'s defaults over the client's
    /// own HTTP connection pool.
    pub fn new(client: Client) -> Self {
        let uploader = client.blob_uploader();
        Publisher {
            client,
            uploader,
            poll: PollPolicy::default(),
            consistency_deadline: Duration::from_secs(300),
            edit_attempts: 5,
            events: None,
        }
    }

    /// How waits poll.
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.poll = policy;
        self
    }

    /// How long to wait for a newly created offer or plan (and its drafts)
    /// to become readable before giving up (default 5 minutes).
    pub fn consistency_deadline(mut self, deadline: Duration) -> Self {
        self.consistency_deadline = deadline;
        self
    }

    /// How many read-modify-write rounds an edit gets when others change
    /// the same draft meanwhile (default 5, at least 1).
    pub fn edit_attempts(mut self, attempts: u32) -> Self {
        self.edit_attempts = attempts.max(1);
        self
    }

    /// The uploader for listing images, videos and packages.
    pub fn uploader(mut self, uploader: BlobUploader) -> Self {
        self.uploader = uploader;
        self
    }

    /// Calls `sink` with each [`Event`]: steps done, upload progress,
    /// substate changes.
    pub fn on_event(mut self, sink: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.events = Some(Arc::new(sink));
        self
    }

    /// The client the workflows call.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn emit(&self, event: Event) {
        if let Some(sink) = &self.events {
            sink(&event);
        }
    }

    fn waiter(
        &self,
        deadline: Duration,
        what: impl Into<String>,
        hint: &'static str,
    ) -> poll::Waiter {
        poll::Waiter::new(self.poll, deadline, what, hint)
    }
}

/// Whether an error is the service saying "no such resource" (which, right
/// after a create, means "not yet").
fn is_not_found(error: &WorkflowError) -> bool {
    matches!(error, WorkflowError::Api(e) if e.status() == Some(http::StatusCode::NOT_FOUND))
}
