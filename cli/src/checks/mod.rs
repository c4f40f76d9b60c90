//! `validate`: what the definition format refuses, and what the service or
//! certification would refuse days later, found before anything is sent.

mod images;
mod locate;
mod package;

use std::path::{Path, PathBuf};

use partner_center_ingestion::definition::{Definition, DefinitionError, OfferDefinition};

use crate::output::{Finding, Severity};

/// Text limits, as Microsoft's marketplace documentation gives them for an
/// Azure Application offer's listing ("Configure your Azure application
/// offer listing details") and its plans ("Create plans for an Azure
/// application offer"), in characters.
const LIMITS: [(&str, usize); 8] = [
    ("name", 200),
    ("listing.title", 200),
    ("listing.summary", 100),
    ("listing.short_description", 256),
    ("listing.description", 5000),
    ("plans[].name", 200),
    ("plans[].listing.summary", 100),
    ("plans[].listing.description", 3000),
];

/// The most screenshots a listing may have.
const SCREENSHOTS: usize = 5;

/// The most search keywords a listing may have, and their longest length.
const KEYWORDS: (usize, usize) = (3, 50);

/// Every finding for one definition file: the load error, or what the
/// service or certification would refuse.
pub fn check_file(path: &Path) -> Vec<Finding> {
    let shown = path.display().to_string();
    let def = match Definition::load(path) {
        Ok(def) => def,
        Err(e) => return vec![load_finding(&shown, &e)],
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut checker = Checker {
        file: shown,
        text,
        base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        findings: Vec::new(),
    };
    checker.definition(def.offer());
    checker.findings
}

/// A load error as a finding: the file, line and key it names.
pub fn load_finding(file: &str, e: &DefinitionError) -> Finding {
    Finding {
        file: file.to_string(),
        line: e.line(),
        key: e.key().unwrap_or_default().to_string(),
        severity: Severity::Error,
        message: match e {
            // The message already starts with the place; keep what follows.
            DefinitionError::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
        },
    }
}

struct Checker {
    file: String,
    text: String,
    base: PathBuf,
    findings: Vec<Finding>,
}

impl Checker {
    fn error(&mut self, key: String, message: String) {
        self.findings.push(Finding {
            line: locate::line_of(&self.text, &key),
            file: self.file.clone(),
            key,
            severity: Severity::Error,
            message,
        });
    }

    fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base.join(path)
        }
    }

    fn length(&mut self, key: String, limit_key: &str, value: Option<&str>) {
        let Some(limit) = LIMITS
            .iter()
            .find(|(k, _)| *k == limit_key)
            .map(|(_, n)| *n)
        else {
            return;
        };
        if let Some(v) = value {
            let n = v.chars().count();
            if n > limit {
                self.error(
                    key,
                    format!("{n} characters; the marketplace takes at most {limit}. Shorten it"),
                );
            }
        }
    }

    fn image(&mut self, key: String, path: &Path, size: images::Size) {
        let full = self.resolve(path);
        if let Some(problem) = images::check(&full, size) {
            self.error(key, format!("{}: {problem}", full.display()));
        }
    }

    fn definition(&mut self, o: &OfferDefinition) {
        self.length("name".into(), "name", Some(&o.name));
        if let Some(l) = &o.listing {
            self.length("listing.title".into(), "listing.title", l.title.as_deref());
            self.length(
                "listing.summary".into(),
                "listing.summary",
                l.summary.as_deref(),
            );
            self.length(
                "listing.short_description".into(),
                "listing.short_description",
                l.short_description.as_deref(),
            );
            self.length(
                "listing.description".into(),
                "listing.description",
                l.description.as_deref(),
            );
            if let Some(words) = &l.keywords {
                if words.len() > KEYWORDS.0 {
                    self.error(
                        "listing.keywords".into(),
                        format!(
                            "{} search keywords; the marketplace takes at most {}. Keep the best {}",
                            words.len(),
                            KEYWORDS.0,
                            KEYWORDS.0
                        ),
                    );
                }
                for (i, w) in words.iter().enumerate() {
                    if w.chars().count() > KEYWORDS.1 {
                        self.error(
                            format!("listing.keywords[{i}]"),
                            format!(
                                "a search keyword of more than {} characters; shorten it",
                                KEYWORDS.1
                            ),
                        );
                    }
                }
            }
            if let Some(logos) = &l.logos {
                for (slot, path) in [
                    ("small", &logos.small),
                    ("medium", &logos.medium),
                    ("large", &logos.large),
                    ("wide", &logos.wide),
                ] {
                    if let (Some(path), Some(size)) = (path, images::logo_size(slot)) {
                        self.image(format!("listing.logos.{slot}"), path, size);
                    }
                }
            }
            if l.logos.as_ref().is_none_or(|logos| logos.large.is_none()) {
                self.findings.push(Finding {
                    line: locate::line_of(&self.text, "listing"),
                    file: self.file.clone(),
                    key: "listing.logos.large".into(),
                    severity: Severity::Warning,
                    message: "no large logo: Partner Center publishes no offer without one, unless the service already holds it".into(),
                });
            }
            let shots = l.screenshots.as_deref().unwrap_or_default();
            if shots.len() > SCREENSHOTS {
                self.error(
                    "listing.screenshots".into(),
                    format!(
                        "{} screenshots; the marketplace takes at most {SCREENSHOTS}",
                        shots.len()
                    ),
                );
            }
            for (i, shot) in l.screenshots.iter().flatten().enumerate() {
                self.image(
                    format!("listing.screenshots[{i}]"),
                    shot,
                    images::SCREENSHOT,
                );
            }
        }
        for (i, plan) in o.plans.iter().enumerate() {
            self.length(format!("plans[{i}].name"), "plans[].name", Some(&plan.name));
            if let Some(l) = &plan.listing {
                self.length(
                    format!("plans[{i}].listing.summary"),
                    "plans[].listing.summary",
                    l.summary.as_deref(),
                );
                self.length(
                    format!("plans[{i}].listing.description"),
                    "plans[].listing.description",
                    l.description.as_deref(),
                );
            }
            if let Some(t) = &plan.technical_configuration {
                if !is_version(&t.version) {
                    self.error(
                        format!("plans[{i}].technical_configuration.version"),
                        format!(
                            "version {:?} is not major.minor.patch (such as 1.0.0), which the service requires of a package version",
                            t.version
                        ),
                    );
                }
                let full = self.resolve(&t.package);
                for problem in package::check(&full) {
                    self.error(
                        format!("plans[{i}].technical_configuration.package"),
                        format!("{}: {problem}", full.display()),
                    );
                }
            }
        }
    }
}

/// `major.minor.patch`, each a number.
fn is_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_three_numbers() {
        assert!(is_version("1.0.0") && is_version("10.20.300"));
        assert!(!is_version("1.0") && !is_version("1.0.0-beta") && !is_version("a.b.c"));
        assert!(!is_version("1..0") && !is_version(""));
    }

    #[test]
    fn the_sample_definition_passes() {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/offer.yaml");
        let findings = check_file(&sample);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
