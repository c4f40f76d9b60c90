//! Reading a definition file: parsing with the key path and line of every
//! error, near-miss suggestions for unknown keys, checking ids, and hashing
//! the files it names.

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::format::{OfferDefinition, PlanKindName};
use crate::workflows::{NewOffer, NewPlan};

/// How a definition file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// YAML (`.yaml`, `.yml`, and anything not `.json`).
    Yaml,
    /// JSON (`.json`).
    Json,
}

impl Format {
    /// The format a file's extension says.
    pub fn of(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Yaml,
        }
    }
}

/// Why a definition could not be loaded. Each names the definition file,
/// and, where it can, the line and the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DefinitionError {
    /// The definition file could not be read.
    #[error("cannot read the definition `{}`: {source}", file.display())]
    Read {
        /// The definition file.
        file: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The definition is not valid: a key it does not know, a value of the
    /// wrong type, a missing key, an id Partner Center refuses…
    #[error("{}: {message}", Where { file, line: *line, column: *column, key })]
    Invalid {
        /// The definition file.
        file: PathBuf,
        /// The line (from 1), when the format says.
        line: Option<usize>,
        /// The column (from 1), when the format says.
        column: Option<usize>,
        /// The key's path (`plans[0].listing.title`); empty for the whole file.
        key: String,
        /// What is wrong, with a suggestion where there is one.
        message: String,
    },
    /// A file the definition names cannot be read.
    #[error("{}: cannot read `{}`: {source}", Where { file, line: *line, column: None, key }, path.display())]
    MissingFile {
        /// The definition file.
        file: PathBuf,
        /// The line naming the file (from 1), when it can be found.
        line: Option<usize>,
        /// The key's path (`listing.logos.large`).
        key: String,
        /// The file, resolved against the definition's folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

impl DefinitionError {
    /// The key's path the error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            DefinitionError::Read { .. } => None,
            DefinitionError::Invalid { key, .. } | DefinitionError::MissingFile { key, .. } => {
                Some(key)
            }
        }
    }

    /// The line (from 1) the error is about, if known.
    pub fn line(&self) -> Option<usize> {
        match self {
            DefinitionError::Read { .. } => None,
            DefinitionError::Invalid { line, .. } | DefinitionError::MissingFile { line, .. } => {
                *line
            }
        }
    }
}

/// `file:line:column: at key`.
struct Where<'a> {
    file: &'a Path,
    line: Option<usize>,
    column: Option<usize>,
    key: &'a str,
}

impl fmt::Display for Where<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if !self.key.is_empty() && self.key != "." {
            write!(f, ": at `{}`", self.key)?;
        }
        Ok(())
    }
}

/// A local file the definition names: where it is, a short hash of its
/// content, and the name it is uploaded under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalFile {
    path: PathBuf,
    hash: String,
    upload_name: String,
}

impl LocalFile {
    /// Reads and hashes `path`; `key` and `line` are for the error.
    fn read(
        definition: &Path,
        text: &str,
        key: &str,
        named: &Path,
        base: &Path,
    ) -> Result<LocalFile, DefinitionError> {
        let path = base.join(named);
        let missing = |source| DefinitionError::MissingFile {
            file: definition.to_path_buf(),
            line: line_of_value(text, &named.to_string_lossy()),
            key: key.to_string(),
            path: path.clone(),
            source,
        };
        let bytes = std::fs::read(&path).map_err(missing)?;
        let hash = short_hash(&bytes);
        let upload_name = hashed_name(&path, &hash).ok_or_else(|| DefinitionError::Invalid {
            file: definition.to_path_buf(),
            line: line_of_value(text, &named.to_string_lossy()),
            column: None,
            key: key.to_string(),
            message: format!("`{}` does not end in a file name", named.display()),
        })?;
        Ok(LocalFile {
            path,
            hash,
            upload_name,
        })
    }

    /// The file (resolved against the definition's folder).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first 8 hex digits of the SHA-256 of its content.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The name it is uploaded under: the file's name with the hash before
    /// the extension (`logo-216.png` → `logo-216.3f2a9c1b.png`).
    pub fn upload_name(&self) -> &str {
        &self.upload_name
    }

    /// The file's own name (`logo-216.png`).
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// The first 8 hex digits of the SHA-256 of `bytes`.
pub(crate) fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// `dir/logo.png` with hash `h` → `logo.h.png`; no extension → `name.h`.
fn hashed_name(path: &Path, hash: &str) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    Some(match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}.{hash}.{ext}"),
        None => format!("{stem}.{hash}"),
    })
}

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
                    .any(|s: &LocalFile| s.upload_name == file.upload_name)
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

/// The line (from 1) of the first line of `text` that holds `needle` as a
/// value (after a `:` or a `- `), else the first that holds it at all.
fn line_of_value(text: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let holds_value = |line: &str| {
        line.find(needle).is_some_and(|at| {
            let before = line[..at].trim_end_matches(['"', '\'', ' ']);
            before.ends_with(':')
                || before.ends_with('-')
                || before.ends_with(',')
                || before.ends_with('[')
        })
    };
    text.lines()
        .position(holds_value)
        .or_else(|| text.lines().position(|l| l.contains(needle)))
        .map(|i| i + 1)
}

fn deserialize(
    text: &str,
    format: Format,
    file: &Path,
) -> Result<OfferDefinition, DefinitionError> {
    let (path, message, line, column) = match format {
        Format::Yaml => {
            let de = serde_norway::Deserializer::from_str(text);
            match serde_path_to_error::deserialize(de) {
                Ok(o) => return Ok(o),
                Err(e) => {
                    let location = e.inner().location();
                    (
                        e.path().to_string(),
                        e.inner().to_string(),
                        location.as_ref().map(|l| l.line()),
                        location.as_ref().map(|l| l.column()),
                    )
                }
            }
        }
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            match serde_path_to_error::deserialize(&mut de) {
                Ok(o) => return Ok(o),
                Err(e) => {
                    let line = e.inner().line();
                    let column = e.inner().column();
                    (
                        e.path().to_string(),
                        e.inner().to_string(),
                        (line > 0).then_some(line),
                        (column > 0).then_some(column),
                    )
                }
            }
        }
    };
    let message = explain(&bare_message(&message, &path, line, column));
    Err(DefinitionError::Invalid {
        file: file.to_path_buf(),
        line,
        column,
        key: if path == "." { String::new() } else { path },
        message,
    })
}

/// The parser's message without the location and key it appends or
/// prepends (they are reported separately).
fn bare_message(message: &str, path: &str, line: Option<usize>, column: Option<usize>) -> String {
    let mut m = message.trim();
    if let (Some(l), Some(c)) = (line, column) {
        m = m
            .strip_suffix(&format!(" at line {l} column {c}"))
            .unwrap_or(m);
    }
    // serde_norway starts with the path of the map the error is in.
    let parent = path.rsplit_once(['.', '[']).map_or("", |(p, _)| p);
    for prefix in [path, parent] {
        if !prefix.is_empty() {
            if let Some(rest) = m.strip_prefix(&format!("{prefix}: ")) {
                m = rest;
                break;
            }
        }
    }
    m.to_string()
}

/// Rewrites serde's "unknown field `x`, expected one of `a`, `b`" into a
/// sentence with the nearest known name as a suggestion.
fn explain(message: &str) -> String {
    for (prefix, what) in [("unknown field `", "key"), ("unknown variant `", "value")] {
        let Some(rest) = message.strip_prefix(prefix) else {
            continue;
        };
        let Some((given, expected)) = rest.split_once('`') else {
            continue;
        };
        let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let mut out = format!("unknown {what} `{given}`");
        if let Some(best) = suggestion(given, &known) {
            out.push_str(&format!("; did you mean `{best}`?"));
        }
        if !known.is_empty() {
            out.push_str(&format!(" (expected one of: {})", known.join(", ")));
        }
        return out;
    }
    message.to_string()
}

/// The known name nearest to `given`, if it is near enough to be a slip.
pub(crate) fn suggestion<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    let given_lower = given.to_ascii_lowercase();
    // A name cut short (`managed-app`) is a slip too.
    if given_lower.len() >= 4 {
        if let Some(k) = known
            .iter()
            .find(|k| k.to_ascii_lowercase().starts_with(&given_lower))
        {
            return Some(k);
        }
    }
    known
        .iter()
        .map(|k| {
            (
                *k,
                strsim::damerau_levenshtein(&given_lower, &k.to_ascii_lowercase()),
            )
        })
        .filter(|(k, d)| *d <= (k.len().max(given.len()) / 3).max(1) + usize::from(k.len() > 6))
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_names_carry_the_hash_before_the_extension() {
        let h = short_hash(b"hello");
        assert_eq!(h.len(), 8);
        assert_eq!(
            hashed_name(Path::new("a/logo-216.png"), &h).unwrap(),
            format!("logo-216.{h}.png")
        );
        assert_eq!(
            hashed_name(Path::new("README"), &h).unwrap(),
            format!("README.{h}")
        );
    }

    #[test]
    fn near_misses_are_suggested_and_far_ones_are_not() {
        let known = ["title", "summary", "short_description", "keywords"];
        assert_eq!(suggestion("titel", &known), Some("title"));
        assert_eq!(suggestion("sumary", &known), Some("summary"));
        assert_eq!(
            suggestion("shortdescription", &known),
            Some("short_description")
        );
        assert_eq!(suggestion("colour", &known), None);
        assert_eq!(suggestion("short", &known), Some("short_description"));
        assert_eq!(suggestion("key", &known), None);
    }

    #[test]
    fn serde_messages_become_sentences() {
        let m = explain("unknown field `titel`, expected one of `title`, `summary`");
        assert_eq!(
            m,
            "unknown key `titel`; did you mean `title`? (expected one of: title, summary)"
        );
        assert_eq!(
            bare_message(
                "listing: unknown field `x` at line 3 column 3",
                "listing.x",
                Some(3),
                Some(3)
            ),
            "unknown field `x`"
        );
    }
}
