//! Files: listing images, videos and packages, from creating their resource
//! to the service having processed the uploaded bytes.

use std::path::Path;
use std::time::Duration;

use super::drafts::{Draft, Edit, Listing, TechnicalConfiguration};
use super::{Event, Offer, Plan, Publisher, Result, WorkflowError};
use crate::blob::Progress;
use crate::types::{
    AzurePackage, AzurePackageResourceType, AzurePackageState, ListingImage,
    ListingImageResourceType, ListingImageState, ListingVideo, ListingVideoResourceType,
    ListingVideoState, PackageConfiguration, TypeValuePair,
};
use crate::SasUri;

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

fn file_name_of(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            WorkflowError::Invalid(format!(
                "`{}` does not end in a file name the service can store",
                path.display()
            ))
        })
}

fn missing(what: &str, field: &str, file: &str) -> WorkflowError {
    WorkflowError::Unexpected(format!("the {what} created for `{file}` has no {field}"))
}

impl Publisher {
    /// Uploads `path` to `sas`, reporting progress as events.
    async fn put_file(&self, sas: &SasUri, path: &Path, file: &str) -> Result<()> {
        let events = self.events.clone();
        let label = file.to_string();
        self.uploader
            .upload_file(sas, path, move |p: Progress| {
                if let Some(sink) = &events {
                    sink(&Event::UploadProgress {
                        file: label.clone(),
                        sent: p.sent,
                        total: p.total.unwrap_or(p.sent),
                    });
                }
            })
            .await?;
        Ok(())
    }

    fn check_file(path: &Path) -> Result<()> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => Ok(()),
            Ok(_) => Err(WorkflowError::Invalid(format!(
                "`{}` is not a file",
                path.display()
            ))),
            Err(source) => Err(WorkflowError::File {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Uploads an image to the listing `listing` (the offer's or a plan's),
    /// and waits up to `deadline` until the service has processed it.
    pub async fn upload_listing_image(
        &self,
        listing: &Draft<Listing>,
        kind: ImageKind,
        path: impl AsRef<Path>,
        deadline: Duration,
    ) -> Result<ProcessedFile> {
        let path = path.as_ref();
        Self::check_file(path)?;
        let file = file_name_of(path)?;
        let product_id = listing.product_id();
        let listing_id = listing
            .resource()
            .id
            .clone()
            .ok_or_else(|| WorkflowError::Invalid("the listing draft has no id".into()))?;
        let body = ListingImage {
            resource_type: Some(ListingImageResourceType::ListingImage),
            file_name: Some(file.clone()),
            type_: Some(kind.as_str().to_string()),
            state: Some(ListingImageState::PendingUpload),
            ..Default::default()
        };
        let mut image = self
            .client
            .create_listing_image()
            .product_id(product_id)
            .listing_id(&listing_id)
            .body(body)
            .send()
            .await?
            .into_inner();
        let id = image
            .id
            .clone()
            .ok_or_else(|| missing("image", "id", &file))?;
        let sas = image
            .file_sas_uri
            .take()
            .ok_or_else(|| missing("image", "fileSasUri", &file))?;
        self.put_file(&sas, path, &file).await?;
        image.state = Some(ListingImageState::Uploaded);
        self.client
            .update_listing_image()
            .product_id(product_id)
            .listing_id(&listing_id)
            .image_id(&id)
            .body(image)
            .send()
            .await?;
        let mut wait = self.waiter(
            deadline,
            format!("the image `{file}` to be processed"),
            "processing an image takes seconds to minutes; wait longer or check the image's size and format",
        );
        loop {
            let current = self
                .client
                .get_listing_image()
                .product_id(product_id)
                .listing_id(&listing_id)
                .image_id(&id)
                .send()
                .await?
                .into_inner();
            match stage(current.state.map(|s| s.to_string())) {
                Stage::Processed => break,
                Stage::Failed(state) => {
                    return Err(WorkflowError::ProcessingFailed {
                        file,
                        resource: "listing image",
                        id,
                        state,
                        detail: None,
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

    /// Uploads a video to the listing `listing`, and waits up to `deadline`
    /// until the service has processed it.
    pub async fn upload_listing_video(
        &self,
        listing: &Draft<Listing>,
        path: impl AsRef<Path>,
        deadline: Duration,
    ) -> Result<ProcessedFile> {
        let path = path.as_ref();
        Self::check_file(path)?;
        let file = file_name_of(path)?;
        let product_id = listing.product_id();
        let listing_id = listing
            .resource()
            .id
            .clone()
            .ok_or_else(|| WorkflowError::Invalid("the listing draft has no id".into()))?;
        let body = ListingVideo {
            resource_type: Some(ListingVideoResourceType::ListingVideo),
            file_name: Some(file.clone()),
            state: Some(ListingVideoState::PendingUpload),
            ..Default::default()
        };
        let mut video = self
            .client
            .create_listing_video()
            .product_id(product_id)
            .listing_id(&listing_id)
            .body(body)
            .send()
            .await?
            .into_inner();
        let id = video
            .id
            .clone()
            .ok_or_else(|| missing("video", "id", &file))?;
        let sas = video
            .file_sas_uri
            .take()
            .ok_or_else(|| missing("video", "fileSasUri", &file))?;
        self.put_file(&sas, path, &file).await?;
        video.state = Some(ListingVideoState::Uploaded);
        self.client
            .update_listing_video()
            .product_id(product_id)
            .listing_id(&listing_id)
            .video_id(&id)
            .body(video)
            .send()
            .await?;
        let mut wait = self.waiter(
            deadline,
            format!("the video `{file}` to be processed"),
            "processing a video can take many minutes; wait longer",
        );
        loop {
            let current = self
                .client
                .get_listing_video()
                .product_id(product_id)
                .listing_id(&listing_id)
                .video_id(&id)
                .send()
                .await?
                .into_inner();
            match stage(current.state.map(|s| s.to_string())) {
                Stage::Processed => break,
                Stage::Failed(state) => {
                    return Err(WorkflowError::ProcessingFailed {
                        file,
                        resource: "listing video",
                        id,
                        state,
                        detail: None,
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

    /// Uploads a package (an Azure Application's `.zip`) to the offer, and
    /// waits up to `deadline` until the service has processed it. A package
    /// the service cannot process is [`WorkflowError::ProcessingFailed`],
    /// naming the file.
    pub async fn upload_package(
        &self,
        offer: &Offer,
        path: impl AsRef<Path>,
        deadline: Duration,
    ) -> Result<ProcessedPackage> {
        let path = path.as_ref();
        Self::check_file(path)?;
        let file = file_name_of(path)?;
        let product_id = offer.product_id();
        let body = AzurePackage {
            resource_type: Some(AzurePackageResourceType::AzureApplicationPackage),
            file_name: Some(file.clone()),
            ..Default::default()
        };
        let mut package = self
            .client
            .create_package()
            .product_id(product_id)
            .body(body)
            .send()
            .await?
            .into_inner();
        let id = package
            .id
            .clone()
            .ok_or_else(|| missing("package", "id", &file))?;
        let sas = package
            .file_sas_uri
            .take()
            .ok_or_else(|| missing("package", "fileSasUri", &file))?;
        self.put_file(&sas, path, &file).await?;
        package.state = Some(AzurePackageState::Uploaded);
        self.client
            .update_package()
            .product_id(product_id)
            .package_id(&id)
            .body(package)
            .send()
            .await?;
        let mut wait = self.waiter(
            deadline,
            format!("the package `{file}` to be processed"),
            "processing a package can take many minutes; wait longer",
        );
        loop {
            let current = self
                .client
                .get_package()
                .product_id(product_id)
                .package_id(&id)
                .send()
                .await?
                .into_inner();
            match stage(current.state.map(|s| s.to_string())) {
                Stage::Processed => break,
                Stage::Failed(state) => {
                    let detail = current
                        .validation_items
                        .iter()
                        .filter_map(|v| v.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ");
                    return Err(WorkflowError::ProcessingFailed {
                        file,
                        resource: "package",
                        id,
                        state,
                        detail: (!detail.is_empty()).then_some(detail),
                    });
                }
                Stage::Waiting => wait.pause().await?,
            }
        }
        self.emit(Event::FileProcessed {
            file: file.clone(),
            id: id.clone(),
        });
        Ok(ProcessedPackage {
            file: ProcessedFile {
                id,
                file_name: file,
            },
        })
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
        let version = version.to_string();
        let mut refused: Option<String> = None;
        let edit = self
            .edit_plan::<TechnicalConfiguration>(plan, |config| {
                if let Err(kind) = set_package(config, reference.clone(), &version) {
                    refused = Some(kind);
                }
            })
            .await?;
        match refused {
            None => Ok(edit),
            Some(kind) => Err(WorkflowError::Invalid(format!(
                "plan `{}` has a {kind}, which does not take an Azure Application package",
                plan.plan_id()
            ))),
        }
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
            let kind = serde_json::to_value(&*other)
                .ok()
                .and_then(|v| {
                    v.get("resourceType")
                        .and_then(|t| t.as_str())
                        .map(str::to_string)
                })
                .unwrap_or_else(|| "technical configuration of another kind".to_string());
            return Err(kind);
        }
    }
    Ok(())
}
