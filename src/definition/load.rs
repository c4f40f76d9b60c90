//! Loading a definition: its file read and parsed ([`super::parse`]), its
//! ids checked, the files it names read and hashed ([`super::files`]), and
//! what the workflows need made from it.

use std::path::{Path, PathBuf};

use super::files::LocalFile;
use super::format::{OfferDefinition, PlanKindName};
use super::parse::{deserialize, line_of_value, DefinitionError, Format};
use crate::workflows::{NewOffer, NewPlan};

/// A definition read from a file and checked, with the files it names read
/// and hashed.
#[derive(Clone, Debug)]
pub struct Definition {
    offer: OfferDefinition,
    file: PathBuf,
    text: String,
    pub(crate) logos: Vec<(crate::workflows::ImageKind, LocalFile)>,
    pub(crate) screenshots: Vec<LocalFile>,
    /// By plan index: the plan's package.
    pub(crate) packages: Vec<Option<LocalFile>>,
}

impl Definition {
    /// Reads the definition in `file` (YAML, or JSON when it ends in
    /// `.json`). File paths in it are relative to its folder.
    pub fn load(file: impl AsRef<Path>) -> Result<Definition, DefinitionError> {
        let file = file.as_ref();
        let text = std::fs::read_to_string(file).map_err(|source| DefinitionError::Read {
            file: file.to_path_buf(),
            source,
        })?;
        Definition::parse(&text, Format::of(file), file)
    }

    /// Reads a definition from `text`, as if it were the file `file` (which
    /// names it in errors, and whose folder file paths are relative to).
    pub fn parse(text: &str, format: Format, file: &Path) -> Result<Definition, DefinitionError> {
        let offer = deserialize(text, format, file)?;
        let mut definition = Definition {
            offer,
            file: file.to_path_buf(),
            text: text.to_string(),
            logos: Vec::new(),
            screenshots: Vec::new(),
            packages: Vec::new(),
        };
        definition.check()?;
        definition.read_files()?;
        Ok(definition)
    }

    /// The definition as written.
    pub fn offer(&self) -> &OfferDefinition {
        &self.offer
    }

    /// The definition file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Every local file the definition names (logos, screenshots, packages),
    /// read and hashed.
    pub fn files(&self) -> Vec<&LocalFile> {
        self.logos
            .iter()
            .map(|(_, f)| f)
            .chain(&self.screenshots)
            .chain(self.packages.iter().flatten())
            .collect()
    }

    /// Makes every plan that has a technical configuration deploy `package`
    /// instead of the one the file names (a path relative to the current
    /// directory, or absolute). A definition with no technical
    /// configuration, or a package that cannot be read, is an error.
    pub fn override_package(&mut self, package: impl AsRef<Path>) -> Result<(), DefinitionError> {
        let package = package.as_ref();
        if self
            .offer
            .plans
            .iter()
            .all(|p| p.technical_configuration.is_none())
        {
            return Err(DefinitionError::Invalid {
                file: self.file.clone(),
                line: None,
                column: None,
                key: "plans".into(),
                message: format!(
                    "no plan has a technical_configuration to deploy `{}` with",
                    package.display()
                ),
            });
        }
        let current = std::env::current_dir().unwrap_or_default();
        for (i, plan) in self.offer.plans.iter_mut().enumerate() {
            if let Some(tc) = &mut plan.technical_configuration {
                tc.package = current.join(package);
                let key = format!("plans[{i}].technical_configuration.package");
                self.packages[i] = Some(LocalFile::read(
                    &self.file,
                    "",
                    &key,
                    &tc.package,
                    Path::new(""),
                )?);
            }
        }
        Ok(())
    }

    /// Publishes the definition under another offer id (checked as the
    /// definition's own is).
    pub fn override_offer_id(
        &mut self,
        offer_id: impl Into<String>,
    ) -> Result<(), DefinitionError> {
        let offer_id = offer_id.into();
        NewOffer::azure_application(&offer_id, &self.offer.name).map_err(|e| {
            DefinitionError::Invalid {
                file: self.file.clone(),
                line: None,
                column: None,
                key: "offer_id".into(),
                message: e.to_string(),
            }
        })?;
        self.offer.offer_id = offer_id;
        Ok(())
    }

    /// Uses `logo` (a path relative to the current directory, or absolute)
    /// as the offer's large logo instead of the one the file names.
    pub fn override_logo(&mut self, logo: impl AsRef<Path>) -> Result<(), DefinitionError> {
        use crate::workflows::ImageKind;
        let path = std::env::current_dir()
            .unwrap_or_default()
            .join(logo.as_ref());
        let file = LocalFile::read(&self.file, "", "listing.logos.large", &path, Path::new(""))?;
        let listing = self.offer.listing.get_or_insert_with(Default::default);
        listing.logos.get_or_insert_with(Default::default).large = Some(path);
        self.logos.retain(|(kind, _)| *kind != ImageKind::LogoLarge);
        self.logos.push((ImageKind::LogoLarge, file));
        Ok(())
    }

    fn base(&self) -> PathBuf {
        self.file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    fn invalid(&self, key: &str, needle: &str, message: String) -> DefinitionError {
        DefinitionError::Invalid {
            file: self.file.clone(),
            line: line_of_value(&self.text, needle),
            column: None,
            key: key.to_string(),
            message,
        }
    }

    /// What serde cannot check: ids, duplicates, settings that only one
    /// kind of plan takes.
    fn check(&self) -> Result<(), DefinitionError> {
        let o = &self.offer;
        NewOffer::azure_application(&o.offer_id, &o.name)
            .map_err(|e| self.invalid("offer_id", &o.offer_id, e.to_string()))?;
        for (i, plan) in o.plans.iter().enumerate() {
            let key = |k: &str| format!("plans[{i}].{k}");
            NewPlan::new(&plan.id, &plan.name, plan.kind.kind())
                .map_err(|e| self.invalid(&key("id"), &plan.id, e.to_string()))?;
            if o.plans[..i].iter().any(|p| p.id == plan.id) {
                return Err(self.invalid(
                    &key("id"),
                    &plan.id,
                    format!("plan id `{}` is used twice", plan.id),
                ));
            }
            if plan.kind == PlanKindName::SolutionTemplate {
                if plan
                    .availability
                    .as_ref()
                    .is_some_and(|a| a.prices.is_some())
                {
                    return Err(self.invalid(
                        &key("availability.prices"),
                        "prices",
                        "a solution template is free: only managed applications take prices".into(),
                    ));
                }
                if let Some(tc) = &plan.technical_configuration {
                    let managed_only = [
                        ("tenant_id", tc.tenant_id.is_some()),
                        ("authorizations", tc.authorizations.is_some()),
                        ("deployment_mode", tc.deployment_mode.is_some()),
                        ("jit_access", tc.jit_access.is_some()),
                    ];
                    if let Some((name, _)) = managed_only.iter().find(|(_, set)| *set) {
                        return Err(self.invalid(
                            &key(&format!("technical_configuration.{name}")),
                            name,
                            format!("`{name}` is for managed applications; plan `{}` is a solution template", plan.id),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn read_files(&mut self) -> Result<(), DefinitionError> {
        use crate::workflows::ImageKind;
        let base = self.base();
        let read =
            |key: &str, named: &Path| LocalFile::read(&self.file, &self.text, key, named, &base);
        let mut logos = Vec::new();
        let mut screenshots = Vec::new();
        if let Some(listing) = &self.offer.listing {
            if let Some(l) = &listing.logos {
                for (name, kind, path) in [
                    ("small", ImageKind::LogoSmall, &l.small),
                    ("medium", ImageKind::LogoMedium, &l.medium),
                    ("large", ImageKind::LogoLarge, &l.large),
                    ("wide", ImageKind::LogoWide, &l.wide),
                ] {
                    if let Some(path) = path {
                        logos.push((kind, read(&format!("listing.logos.{name}"), path)?));
                    }
                }
            }
            for (i, path) in listing.screenshots.iter().flatten().enumerate() {
                let file = read(&format!("listing.screenshots[{i}]"), path)?;
                if screenshots
                    .iter()
                    .any(|s: &LocalFile| s.upload_name() == file.upload_name())
                {
                    return Err(self.invalid(
                        &format!("listing.screenshots[{i}]"),
                        &path.to_string_lossy(),
                        format!("`{}` is listed twice", path.display()),
                    ));
                }
                screenshots.push(file);
            }
        }
        let mut packages = Vec::new();
        for (i, plan) in self.offer.plans.iter().enumerate() {
            packages.push(match &plan.technical_configuration {
                Some(tc) => Some(read(
                    &format!("plans[{i}].technical_configuration.package"),
                    &tc.package,
                )?),
                None => None,
            });
        }
        self.logos = logos;
        self.screenshots = screenshots;
        self.packages = packages;
        Ok(())
    }
}
