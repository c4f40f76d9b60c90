//! How `plan` and `apply` go about their work.

use std::sync::Arc;
use std::time::Duration;

/// Where `apply` takes the offer once the drafts match the definition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Publish {
    /// Leave the drafts as drafts (the default).
    #[default]
    Never,
    /// Submit to preview and wait until preview is ready.
    Preview,
    /// Submit to preview, wait, promote, and wait until the offer is live.
    Live,
}

/// What `apply` does when the offer already has a submission in progress
/// that is not for the drafts this apply would submit (the service runs
/// one submission per offer at a time).
///
/// A submission in progress for exactly the drafts this apply would submit
/// (the definition already matches the service: a run that was stopped
/// after submitting and started again) is never a conflict: `apply` carries
/// it on to the target it was asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IfInProgress {
    /// Stop before writing anything, naming the submission (the default).
    #[default]
    Fail,
    /// Wait until it finishes (preview ready, live or failed), then go on.
    Wait,
    /// Cancel it first. One that was promoted cannot be cancelled: that is
    /// an error, and nothing is written.
    Cancel,
}

type ProgressSink = Arc<dyn Fn(&str) + Send + Sync>;

/// How `plan` and `apply` go about it.
#[derive(Clone)]
pub struct ApplyOptions {
    pub(super) prune: bool,
    pub(super) publish: Publish,
    pub(super) publish_unchanged: bool,
    pub(super) if_in_progress: IfInProgress,
    pub(super) wait_for_preview: bool,
    pub(super) processing: Duration,
    pub(super) certification: Duration,
    pub(super) progress: Option<ProgressSink>,
}

impl std::fmt::Debug for ApplyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("prune", &self.prune)
            .field("publish", &self.publish)
            .field("publish_unchanged", &self.publish_unchanged)
            .field("if_in_progress", &self.if_in_progress)
            .field("wait_for_preview", &self.wait_for_preview)
            .field("processing", &self.processing)
            .field("certification", &self.certification)
            .finish_non_exhaustive()
    }
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            prune: false,
            publish: Publish::Never,
            publish_unchanged: false,
            if_in_progress: IfInProgress::Fail,
            wait_for_preview: true,
            processing: Duration::from_secs(3600),
            certification: Duration::from_secs(7 * 24 * 3600),
            progress: None,
        }
    }
}

impl ApplyOptions {
    /// The defaults: no pruning, no publishing, an hour for the service to
    /// process each file, a week for certification.
    pub fn new() -> Self {
        ApplyOptions::default()
    }

    /// Also delete what the definition does not mention: plans it does not
    /// list, and listing images of kinds it does not name.
    pub fn prune(mut self, prune: bool) -> Self {
        self.prune = prune;
        self
    }

    /// Where to publish after the drafts are written. Publishing happens
    /// when `apply` changed something, when the offer's last publish did not
    /// get there (never submitted, failed, or left at preview when the
    /// target is live), or always with [`ApplyOptions::publish_unchanged`].
    pub fn publish(mut self, publish: Publish) -> Self {
        self.publish = publish;
        self
    }

    /// Publish even when nothing changed (to finish a publish that an
    /// earlier run started but did not end).
    pub fn publish_unchanged(mut self, always: bool) -> Self {
        self.publish_unchanged = always;
        self
    }

    /// What to do when the offer already has another submission in
    /// progress (default [`IfInProgress::Fail`]).
    pub fn if_in_progress(mut self, policy: IfInProgress) -> Self {
        self.if_in_progress = policy;
        self
    }

    /// With [`Publish::Preview`]: whether to wait until preview is ready
    /// (the default) or return as soon as the submission is made, leaving
    /// a later job to wait for it. [`Publish::Live`] always waits.
    pub fn wait_for_preview(mut self, wait: bool) -> Self {
        self.wait_for_preview = wait;
        self
    }

    /// How long the service may take to process each uploaded file.
    pub fn processing_deadline(mut self, deadline: Duration) -> Self {
        self.processing = deadline;
        self
    }

    /// How long each wait for a submission (to preview, to live) may take.
    pub fn certification_deadline(mut self, deadline: Duration) -> Self {
        self.certification = deadline;
        self
    }

    /// Calls `sink` with a line for each step `apply` takes.
    pub fn on_progress(mut self, sink: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(sink));
        self
    }

    pub(super) fn say(&self, line: impl AsRef<str>) {
        if let Some(sink) = &self.progress {
            sink(line.as_ref());
        }
    }
}
