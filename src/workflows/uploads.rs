//! Files: listing images, videos and packages, from creating their resource
//! to the service having processed the uploaded bytes.

use std::future::Future;
use std::time::Duration;

use super::drafts::{Draft, Edit, Listing, TechnicalConfiguration};
use super::source::{IntoUploadSource, SourceKind, UploadSource};
use super::{Event, Offer, Plan, ProductId, Publisher, Result, WorkflowError};
use crate::blob::Progress;
use crate::types::{
    AzurePackage, AzurePackageResourceType, AzurePackageState, ListingImage,
    ListingImageResourceType, ListingImageState, ListingVideo, ListingVideoResourceType,
    ListingVideoState, PackageConfiguration, TypeValuePair,
};
use crate::{Client, SasUri};

/// Which image of a listing a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageKind {
    /// The small logo (48 × 48 px).
    LogoSmall,
    /// The medium logo (90 × 90 px).
    LogoMedium,
    /// The large logo (216 × 216 px), the one Partner Center requires.
    LogoLarge,
    /// The wide logo (255 × 115 px).
    LogoWide,
    /// A screenshot (1280 × 720 px).
    Screenshot,
}

impl ImageKind {
    /// The service's name for it (the image's `type`).
    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::LogoSmall => "AzureLogoSmall",
            ImageKind::LogoMedium => "AzureLogoMedium",
            ImageKind::LogoLarge => "AzureLogoLarge",
            ImageKind::LogoWide => "AzureLogoWide",
            ImageKind::Screenshot => "AzureScreenshot",
        }
    }
}

/// A file the service has processed: its resource id and file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessedFile {
    id: String,
    file_name: String,
}

impl ProcessedFile {
    /// The resource's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The file's name as uploaded.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }
}

/// A package the service has processed, which a plan's technical
/// configuration may therefore reference ([`Publisher::use_package`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessedPackage {
    file: ProcessedFile,
}

impl ProcessedPackage {
    /// The package's id.
    pub fn id(&self) -> &str {
        &self.file.id
    }

    /// The file's name as uploaded.
    pub fn file_name(&self) -> &str {
        &self.file.file_name
    }
}

/// Where an uploaded resource is in the service's processing.
enum Stage {
    Waiting,
    Processed,
    Failed(String),
}

fn stage(state: Option<String>) -> Stage {
    match state.as_deref() {
        Some("Processed") => Stage::Processed,
        Some(s @ "ProcessFailed") => Stage::Failed(s.to_string()),
        _ => Stage::Waiting,
    }
}

/// Where a file resource lives: under the product (packages) or under one
/// of its listings (images, videos).
struct Place<'a> {
    product_id: &'a ProductId,
    listing_id: &'a str,
}

/// A resource that carries an uploaded file: created with a file name, it
/// answers with a SAS URL, is marked uploaded, then processed by the
/// service.
trait FileResource: Sized + Send + 'static {
    /// What it is, for messages.
    const WHAT: &'static str;
    fn id(&self) -> Option<String>;
    fn take_sas(&mut self) -> Option<SasUri>;
    fn mark_uploaded(&mut self);
    fn state(&self) -> Option<String>;
    /// What the service said about a failure, if anything.
    fn detail(&self) -> Option<String> {
        None
    }
    fn create(
        client: &Client,
        at: &Place<'_>,
        body: Self,
    ) -> impl Future<Output = Result<Self>> + Send;
    fn update(
        client: &Client,
        at: &Place<'_>,
        id: &str,
        body: Self,
    ) -> impl Future<Output = Result<()>> + Send;
    fn get(client: &Client, at: &Place<'_>, id: &str) -> impl Future<Output = Result<Self>> + Send;
}

/// The accessors every file resource has alike.
macro_rules! file_fields {
    ($state:ident) => {
        fn id(&self) -> Option<String> {
            self.id.clone()
        }
        fn take_sas(&mut self) -> Option<SasUri> {
            self.file_sas_uri.take()
        }
        fn mark_uploaded(&mut self) {
            self.state = Some($state::Uploaded);
        }
        fn state(&self) -> Option<String> {
            self.state.as_ref().map(|s| s.to_string())
        }
    };
}

/// A file resource that lives under a listing (images, videos): its type,
/// its name in messages, its state enum, and its operations and id setter.
macro_rules! listing_file {
    ($ty:ident, $what:literal, $state:ident, $create:ident, $update:ident, $get:ident, $id:ident) => {
        impl FileResource for $ty {
            const WHAT: &'static str = $what;
            file_fields!($state);
            async fn create(client: &Client, at: &Place<'_>, body: Self) -> Result<Self> {
                let request = client.$create().product_id(at.product_id);
                let request = request.listing_id(at.listing_id).body(body);
                Ok(request.send().await?.into_inner())
            }
            async fn update(client: &Client, at: &Place<'_>, id: &str, body: Self) -> Result<()> {
                let request = client.$update().product_id(at.product_id);
                let request = request.listing_id(at.listing_id).$id(id).body(body);
                request.send().await?;
                Ok(())
            }
            async fn get(client: &Client, at: &Place<'_>, id: &str) -> Result<Self> {
                let request = client.$get().product_id(at.product_id);
                let request = request.listing_id(at.listing_id).$id(id);
                Ok(request.send().await?.into_inner())
            }
        }
    };
}

listing_file!(
    ListingImage,
    "listing image",
    ListingImageState,
    create_listing_image,
    update_listing_image,
    get_listing_image,
    image_id
);
listing_file!(
    ListingVideo,
    "listing video",
    ListingVideoState,
    create_listing_video,
    update_listing_video,
    get_listing_video,
    video_id
);

impl FileResource for AzurePackage {
    const WHAT: &'static str = "package";
    file_fields!(AzurePackageState);
    fn detail(&self) -> Option<String> {
        let messages: Vec<&str> = self
            .validation_items
            .iter()
            .filter_map(|v| v.message.as_deref())
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }
    async fn create(client: &Client, at: &Place<'_>, body: Self) -> Result<Self> {
        let request = client.create_package().product_id(at.product_id);
        Ok(request.body(body).send().await?.into_inner())
    }
    async fn update(client: &Client, at: &Place<'_>, id: &str, body: Self) -> Result<()> {
        let request = client.update_package().product_id(at.product_id);
        request.package_id(id).body(body).send().await?;
        Ok(())
    }
    async fn get(client: &Client, at: &Place<'_>, id: &str) -> Result<Self> {
        let request = client.get_package().product_id(at.product_id);
        Ok(request.package_id(id).send().await?.into_inner())
    }
}

fn listing_id(listing: &Draft<Listing>) -> Result<&str> {
    listing
        .resource()
        .id
        .as_deref()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| WorkflowError::Invalid("the listing draft has no id".into()))
}

impl Publisher {
    /// Streams `source` to `sas`, reporting progress as events.
    async fn put_bytes(&self, sas: &SasUri, source: UploadSource) -> Result<()> {
        let events = self.events.clone();
        let label = source.file_name.clone();
        let progress = move |p: Progress| {
            if let Some(sink) = &events {
                sink(&Event::UploadProgress {
                    file: label.clone(),
                    sent: p.sent,
                    total: p.total.unwrap_or(p.sent),
                });
            }
        };
        match source.kind {
            SourceKind::Path(path) => self.uploader.upload_file(sas, &path, progress).await?,
            SourceKind::Reader { reader, len } => {
                self.uploader
                    .upload_reader(sas, reader, len, progress)
                    .await?
            }
        };
        Ok(())
    }

    /// Creates the resource `body`, uploads `source` to its SAS URL, marks
    /// it uploaded and waits up to `deadline` until the service processed it.
    async fn upload<R: FileResource>(
        &self,
        at: Place<'_>,
        body: R,
        source: UploadSource,
        deadline: Duration,
    ) -> Result<ProcessedFile> {
        source.check()?;
        let file = source.file_name.clone();
        let missing = |field: &str| {
            WorkflowError::Unexpected(format!(
                "the {} created for `{file}` has no {field}",
                R::WHAT
            ))
        };
        let mut resource = R::create(&self.client, &at, body).await?;
        let id = resource.id().ok_or_else(|| missing("id"))?;
        let sas = resource.take_sas().ok_or_else(|| missing("fileSasUri"))?;
        self.put_bytes(&sas, source).await?;
        resource.mark_uploaded();
        R::update(&self.client, &at, &id, resource).await?;
        let mut wait = self.waiter(
            deadline,
            format!("the {} `{file}` to be processed", R::WHAT),
            "processing takes seconds for an image and can take many minutes for a package or video; wait longer",
        );
        loop {
            let current = wait.bounded(R::get(&self.client, &at, &id)).await?;
            match stage(current.state()) {
                Stage::Processed => break,
                Stage::Failed(state) => {
                    return Err(WorkflowError::ProcessingFailed {
                        file,
                        resource: R::WHAT,
                        id,
                        detail: current.detail(),
                        state,
                    })
                }
                Stage::Waiting => wait.pause().await?,
            }
        }
        self.emit(Event::FileProcessed {
            file: file.clone(),
            id: id.clone(),
        });
        Ok(ProcessedFile {
            id,
            file_name: file,
        })
    }

    /// Uploads an image to the listing `listing` (the offer's or a plan's),
    /// and waits up to `deadline` until the service has processed it.
    /// `source` is a path or an [`UploadSource`].
    pub async fn upload_listing_image<S>(
        &self,
        listing: &Draft<Listing>,
        kind: ImageKind,
        source: S,
        deadline: Duration,
    ) -> Result<ProcessedFile>
    where
        S: IntoUploadSource,
    {
        let source = source.into_upload_source()?;
        let body = ListingImage {
            resource_type: Some(ListingImageResourceType::ListingImage),
            file_name: Some(source.file_name.clone()),
            type_: Some(kind.as_str().to_string()),
            state: Some(ListingImageState::PendingUpload),
            ..Default::default()
        };
        let at = Place {
            product_id: listing.product_id(),
            listing_id: listing_id(listing)?,
        };
        self.upload(at, body, source, deadline).await
    }

    /// Uploads a video to the listing `listing`, and waits up to `deadline`
    /// until the service has processed it.
    pub async fn upload_listing_video<S>(
        &self,
        listing: &Draft<Listing>,
        source: S,
        deadline: Duration,
    ) -> Result<ProcessedFile>
    where
        S: IntoUploadSource,
    {
        let source = source.into_upload_source()?;
        let body = ListingVideo {
            resource_type: Some(ListingVideoResourceType::ListingVideo),
            file_name: Some(source.file_name.clone()),
            state: Some(ListingVideoState::PendingUpload),
            ..Default::default()
        };
        let at = Place {
            product_id: listing.product_id(),
            listing_id: listing_id(listing)?,
        };
        self.upload(at, body, source, deadline).await
    }

    /// Uploads a package (an Azure Application's `.zip`) to the offer, and
    /// waits up to `deadline` until the service has processed it. A package
    /// the service cannot process is [`WorkflowError::ProcessingFailed`],
    /// naming the file.
    pub async fn upload_package<S>(
        &self,
        offer: &Offer,
        source: S,
        deadline: Duration,
    ) -> Result<ProcessedPackage>
    where
        S: IntoUploadSource,
    {
        let source = source.into_upload_source()?;
        let body = AzurePackage {
            resource_type: Some(AzurePackageResourceType::AzureApplicationPackage),
            file_name: Some(source.file_name.clone()),
            ..Default::default()
        };
        let at = Place {
            product_id: offer.product_id(),
            listing_id: "",
        };
        let file = self.upload(at, body, source, deadline).await?;
        Ok(ProcessedPackage { file })
    }

    /// The listing's processed image of kind `kind`, if it has one.
    pub async fn listing_image(
        &self,
        listing: &Draft<Listing>,
        kind: ImageKind,
    ) -> Result<Option<ProcessedFile>> {
        use futures::TryStreamExt;
        let Some(listing_id) = listing.resource().id.as_deref() else {
            return Ok(None);
        };
        let mut images = self
            .client
            .list_listing_images()
            .product_id(listing.product_id())
            .listing_id(listing_id)
            .stream();
        while let Some(image) = images.try_next().await? {
            let same_kind = image.type_.as_deref() == Some(kind.as_str());
            if let (true, Stage::Processed, Some(id)) = (
                same_kind,
                stage(image.state.map(|s| s.to_string())),
                image.id,
            ) {
                return Ok(Some(ProcessedFile {
                    id,
                    file_name: image.file_name.unwrap_or_default(),
                }));
            }
        }
        Ok(None)
    }

    /// The offer's processed packages, newest last as the service lists them.
    pub async fn processed_packages(&self, offer: &Offer) -> Result<Vec<ProcessedPackage>> {
        use futures::TryStreamExt;
        let mut packages = self
            .client
            .list_packages()
            .product_id(offer.product_id())
            .stream();
        let mut found = Vec::new();
        while let Some(p) = packages.try_next().await? {
            if let (Stage::Processed, Some(id)) = (stage(p.state.map(|s| s.to_string())), p.id) {
                found.push(ProcessedPackage {
                    file: ProcessedFile {
                        id,
                        file_name: p.file_name.unwrap_or_default(),
                    },
                });
            }
        }
        Ok(found)
    }

    /// A package named `file_name` that an earlier run uploaded but did not
    /// see processed (it was stopped while the service worked on it):
    /// waited for up to `deadline` and returned once processed, so the
    /// file is not uploaded twice. `None` when there is none.
    pub async fn finish_processing_package(
        &self,
        offer: &Offer,
        file_name: &str,
        deadline: Duration,
    ) -> Result<Option<ProcessedPackage>> {
        use futures::TryStreamExt;
        let packages: Vec<AzurePackage> = self
            .client
            .list_packages()
            .product_id(offer.product_id())
            .stream()
            .try_collect()
            .await?;
        let pending = packages.into_iter().find(|p| {
            p.file_name.as_deref() == Some(file_name)
                && matches!(
                    p.state.as_ref().map(|s| s.to_string()).as_deref(),
                    Some("Uploaded" | "InProcessing")
                )
        });
        let Some(id) = pending.and_then(|p| p.id) else {
            return Ok(None);
        };
        let at = Place {
            product_id: offer.product_id(),
            listing_id: "",
        };
        let mut wait = self.waiter(
            deadline,
            format!("the package `{file_name}` to be processed"),
            "processing a package can take many minutes; wait longer",
        );
        loop {
            let current = wait
                .bounded(AzurePackage::get(&self.client, &at, &id))
                .await?;
            match stage(current.state()) {
                Stage::Processed => break,
                // A failed one is left to the caller, who uploads anew.
                Stage::Failed(_) => return Ok(None),
                Stage::Waiting => wait.pause().await?,
            }
        }
        Ok(Some(ProcessedPackage {
            file: ProcessedFile {
                id,
                file_name: file_name.to_string(),
            },
        }))
    }

    /// Points the plan's technical configuration at `package`, with the
    /// plan's `version`.
    pub async fn use_package(
        &self,
        plan: &Plan,
        package: &ProcessedPackage,
        version: &str,
    ) -> Result<Edit<TechnicalConfiguration>> {
        let reference = TypeValuePair {
            type_: Some("AzureApplicationPackage".to_string()),
            value: Some(package.id().to_string()),
            ..Default::default()
        };
        self.try_edit_plan::<TechnicalConfiguration>(plan, |config| {
            set_package(config, reference.clone(), version).map_err(|kind| {
                WorkflowError::Invalid(format!(
                    "plan `{}` has a {kind}, which does not take an Azure Application package",
                    plan.plan_id()
                ))
            })
        })
        .await
    }
}

/// Sets the package and version of an Azure Application plan's technical
/// configuration; any other kind is returned as an error, unchanged.
fn set_package(
    config: &mut PackageConfiguration,
    reference: TypeValuePair,
    version: &str,
) -> std::result::Result<(), String> {
    match config {
        PackageConfiguration::AzureManagedApplicationPackageConfiguration(c) => {
            c.package_references = vec![reference];
            c.version = Some(version.to_string());
        }
        PackageConfiguration::AzureSolutionTemplatePackageConfiguration(c) => {
            c.package_references = vec![reference];
            c.version = Some(version.to_string());
        }
        PackageConfiguration::Unknown(map) => {
            if let Ok(value) = serde_json::to_value(vec![reference]) {
                map.insert("packageReferences".to_string(), value);
            }
            map.insert("version".to_string(), version.into());
        }
        other => {
            return Err(other
                .kind()
                .unwrap_or("technical configuration of another kind")
                .to_string())
        }
    }
    Ok(())
}
