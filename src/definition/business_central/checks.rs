//! The offline checks over a Business Central offer's apps: the main app
//! and its library apps, read and compared before anything is sent.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::app_package::{AppPackage, AppPackageError};
use super::manifest::{AppDependency, AppId};
use super::version::AppVersion;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppSeverity {
    /// The service would refuse the submission, or the file cannot be used.
    Error,
    /// Likely a mistake; nothing refuses it.
    Warning,
}

/// Which of the definition's apps a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "role", content = "index")]
pub enum AppRole {
    /// The main app (the definition's `app`).
    Main,
    /// The library app at this index of the list given (the files the
    /// definition's `library_apps` named, in that order).
    Library(usize),
}

/// What a finding found, for a caller that wants to tell them apart
/// without reading the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AppCheck {
    /// The file could not be read as a `.app` (the message is the
    /// [`AppPackageError`]).
    Unreadable,
    /// A library app has the main app's id.
    LibraryIsMainApp,
    /// Two library apps have one id.
    DuplicateLibrary,
    /// The definition's `app_version` differs from the main app's version.
    VersionDiffers,
    /// The main app's file name is not `<Publisher>_<Name>_<Version>.app`.
    FileName,
    /// The main app depends on apps that are neither library apps nor
    /// published by Microsoft.
    MissingDependencies,
    /// A library app is older than the version the main app needs of it.
    LibraryTooOld,
}

/// One problem with the apps, naming the file it is in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppFinding {
    /// How bad it is.
    pub severity: AppSeverity,
    /// Which app it is about.
    #[serde(flatten)]
    pub role: AppRole,
    /// What was found.
    pub check: AppCheck,
    /// The file it is about.
    pub file: PathBuf,
    /// What is wrong and what to do (the file is not repeated here).
    pub message: String,
}

impl fmt::Display for AppFinding {
    /// `error: FILE: MESSAGE`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            AppSeverity::Error => "error",
            AppSeverity::Warning => "warning",
        };
        write!(f, "{severity}: {}: {}", self.file.display(), self.message)
    }
}

/// The apps of an offer, read from their files, with what was found.
#[derive(Clone, Debug, Default)]
pub struct AppSet {
    /// The main app, when it could be read.
    pub main: Option<AppPackage>,
    /// The library apps that could be read, each with its index in the list given.
    pub libraries: Vec<(usize, AppPackage)>,
    /// Every finding: the files that could not be read, then [`check_apps`]'s.
    pub findings: Vec<AppFinding>,
}

impl AppSet {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == AppSeverity::Error)
    }
}

/// Reads the main app and the library apps from their files and checks
/// them ([`check_apps`]); a file that cannot be read is an error finding,
/// and the others are still checked.
///
/// `app_version` is the version the definition pins (`app_version:
/// "a.b.c.d"`), or `None` (`from-app`, `keep`, or left out).
pub fn check_app_files(
    main: &Path,
    libraries: &[PathBuf],
    app_version: Option<&AppVersion>,
) -> AppSet {
    let mut set = AppSet::default();
    let unreadable = |role, e: AppPackageError| AppFinding {
        severity: AppSeverity::Error,
        role,
        check: AppCheck::Unreadable,
        file: e.file().to_path_buf(),
        message: message_without_file(&e),
    };
    match AppPackage::read(main) {
        Ok(app) => set.main = Some(app),
        Err(e) => set.findings.push(unreadable(AppRole::Main, e)),
    }
    for (index, path) in libraries.iter().enumerate() {
        match AppPackage::read(path) {
            Ok(app) => set.libraries.push((index, app)),
            Err(e) => set.findings.push(unreadable(AppRole::Library(index), e)),
        }
    }
    let read: Vec<(usize, &AppPackage)> = set.libraries.iter().map(|(i, a)| (*i, a)).collect();
    let found = match &set.main {
        Some(main) => check_indexed(main, &read, app_version),
        None => duplicates(None, &read),
    };
    set.findings.extend(found);
    set
}

/// The error's message without the file it starts with (a finding names the
/// file on its own).
fn message_without_file(e: &AppPackageError) -> String {
    let text = e.to_string();
    let prefix = format!("{}: ", e.file().display());
    text.strip_prefix(&prefix)
        .map(str::to_string)
        .unwrap_or(text)
}

/// Checks a main app and its library apps (given in the definition's order):
///
/// * a library app with the main app's id (error);
/// * two library apps with one id (error, on the second);
/// * `app_version` (the version the definition pins, if any) other than
///   the main app's version (warning);
/// * a main app whose file name is not `<Publisher>_<Name>_<Version>.app`
///   (warning; the publishing tools find the main app by that name);
/// * dependencies of the main app that are neither a library app nor
///   published by Microsoft (one warning listing them: the service refuses
///   an app whose dependencies it cannot find);
/// * a library app older than the `MinVersion` the main app needs of it
///   (warning).
pub fn check_apps(
    main: &AppPackage,
    libraries: &[AppPackage],
    app_version: Option<&AppVersion>,
) -> Vec<AppFinding> {
    let indexed: Vec<(usize, &AppPackage)> = libraries.iter().enumerate().collect();
    check_indexed(main, &indexed, app_version)
}

fn check_indexed(
    main: &AppPackage,
    libraries: &[(usize, &AppPackage)],
    app_version: Option<&AppVersion>,
) -> Vec<AppFinding> {
    let m = main.manifest();
    let mut findings = duplicates(Some(main), libraries);
    let warn = |check, message| AppFinding {
        severity: AppSeverity::Warning,
        role: AppRole::Main,
        check,
        file: main.path().to_path_buf(),
        message,
    };
    if let Some(pinned) = app_version {
        if *pinned != m.version {
            findings.push(warn(
                AppCheck::VersionDiffers,
                format!(
                    "app_version is {pinned}, but the main app's manifest says {}; the offer would show a version the app does not have. Write `app_version: from-app`, or build the app as {pinned}",
                    m.version
                ),
            ));
        }
    }
    let expected = m.expected_file_name();
    if !main.file_name().eq_ignore_ascii_case(&expected) {
        findings.push(warn(
            AppCheck::FileName,
            format!(
                "the main app's file name is not `<Publisher>_<Name>_<Version>.app` (`{expected}` for what its manifest says); the AL compiler names it so and the publishing tools find the main app by it. Rename it, or check that this is the app you mean"
            ),
        ));
    }
    // Each id's first library app (a later one of that id is an error already).
    let mut by_id: BTreeMap<AppId, &AppPackage> = BTreeMap::new();
    for (_, app) in libraries {
        if app.manifest().id != m.id {
            by_id.entry(app.manifest().id).or_insert(*app);
        }
    }
    let missing: Vec<&AppDependency> = m
        .dependencies
        .iter()
        .filter(|d| !d.is_microsoft() && !by_id.contains_key(&d.id))
        .collect();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(ToString::to_string).collect();
        findings.push(warn(
            AppCheck::MissingDependencies,
            format!(
                "the main app depends on {} that {} neither a library app nor published by Microsoft: {}. Add {} to library_apps, unless {} already on AppSource",
                plural(missing.len(), "app", "apps"),
                plural_verb(missing.len()),
                list.join("; "),
                if missing.len() == 1 { "its .app" } else { "their .app files" },
                if missing.len() == 1 { "it is" } else { "they are" },
            ),
        ));
    }
    for dep in &m.dependencies {
        let (Some(min), Some(lib)) = (&dep.min_version, by_id.get(&dep.id)) else {
            continue;
        };
        if lib.manifest().version < *min {
            let index = libraries
                .iter()
                .find(|(_, app)| std::ptr::eq(*app, *lib))
                .map(|(i, _)| *i)
                .unwrap_or_default();
            findings.push(AppFinding {
                severity: AppSeverity::Warning,
                role: AppRole::Library(index),
                check: AppCheck::LibraryTooOld,
                file: lib.path().to_path_buf(),
                message: format!(
                    "this library app is version {}, but the main app needs {dep}; give a newer build of it",
                    lib.manifest().version
                ),
            });
        }
    }
    findings
}

/// The id errors: a library app with the main app's id, two library apps with one id.
fn duplicates(main: Option<&AppPackage>, libraries: &[(usize, &AppPackage)]) -> Vec<AppFinding> {
    let mut findings = Vec::new();
    let mut seen: BTreeMap<AppId, &AppPackage> = BTreeMap::new();
    for (index, lib) in libraries {
        let l = lib.manifest();
        let error = |check, message| AppFinding {
            severity: AppSeverity::Error,
            role: AppRole::Library(*index),
            check,
            file: lib.path().to_path_buf(),
            message,
        };
        if let Some(main) = main.filter(|m| m.manifest().id == l.id) {
            findings.push(error(
                AppCheck::LibraryIsMainApp,
                format!(
                    "this library app (\"{}\" {}) has the id {} of the main app, {}; a library app is another app the main app needs. Remove it from library_apps",
                    l.name,
                    l.version,
                    l.id,
                    main.path().display()
                ),
            ));
            continue;
        }
        if let Some(first) = seen.get(&l.id) {
            findings.push(error(
                AppCheck::DuplicateLibrary,
                format!(
                    "this library app (\"{}\" {}) has the id {} of another library app, {} (\"{}\" {}); give each app once, in the version to publish",
                    l.name,
                    l.version,
                    l.id,
                    first.path().display(),
                    first.manifest().name,
                    first.manifest().version
                ),
            ));
            continue;
        }
        seen.insert(l.id, lib);
    }
    findings
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn plural_verb(n: usize) -> &'static str {
    if n == 1 {
        "is"
    } else {
        "are"
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_apps::{app_bytes, MAIN_ID};
    use super::*;

    const LIB_A: &str = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
    const LIB_B: &str = "1c2d3e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f";
    const OTHER: &str = "2d3e4f5a-6b7c-4d8e-af90-1b2c3d4e5f60";
    const SYSTEM: &str = "63ca2fa4-4f03-4f2b-a480-172fef340d3f";

    fn app(path: &str, id: &str, name: &str, version: &str, deps: &str) -> AppPackage {
        AppPackage::from_bytes(path, &app_bytes(id, name, "Contoso", version, deps))
            .expect("valid app")
    }

    fn dep(id: &str, name: &str, publisher: &str, min: &str) -> String {
        format!(
            r#"<Dependency Id="{id}" Name="{name}" Publisher="{publisher}" MinVersion="{min}" />"#
        )
    }

    fn main_app(deps: &str) -> AppPackage {
        app(
            "apps/Contoso_Sample_1.2.0.0.app",
            MAIN_ID,
            "Sample",
            "1.2.0.0",
            deps,
        )
    }

    fn checks(found: &[AppFinding]) -> Vec<(AppSeverity, AppCheck, AppRole)> {
        found
            .iter()
            .map(|f| (f.severity, f.check, f.role))
            .collect()
    }

    #[test]
    fn a_consistent_set_has_no_findings() {
        let deps = dep(LIB_A, "Lib A", "Contoso", "1.0.0.0")
            + &dep(SYSTEM, "System Application", "Microsoft", "25.0.0.0");
        let main = main_app(&deps);
        let libs = [app("libs/a.app", LIB_A, "Lib A", "1.0.0.0", "")];
        assert_eq!(check_apps(&main, &libs, None), Vec::new());
        let pinned = AppVersion::new(1, 2, 0, 0);
        assert_eq!(check_apps(&main, &libs, Some(&pinned)), Vec::new());
    }

    #[test]
    fn a_library_with_the_main_apps_id_is_an_error_on_that_file() {
        let main = main_app("");
        let libs = [
            app("libs/a.app", LIB_A, "Lib A", "1.0.0.0", ""),
            app("libs/copy.app", MAIN_ID, "Sample", "1.1.0.0", ""),
        ];
        let found = check_apps(&main, &libs, None);
        assert_eq!(
            checks(&found),
            [(
                AppSeverity::Error,
                AppCheck::LibraryIsMainApp,
                AppRole::Library(1)
            )]
        );
        assert_eq!(found[0].file, Path::new("libs/copy.app"));
        assert!(found[0].message.contains(MAIN_ID), "{}", found[0].message);
        assert!(found[0].message.contains("Remove it from library_apps"));
    }

    #[test]
    fn two_libraries_with_one_id_are_an_error_naming_both() {
        let main = main_app("");
        let libs = [
            app("libs/a-1.app", LIB_A, "Lib A", "1.0.0.0", ""),
            app("libs/b.app", LIB_B, "Lib B", "1.0.0.0", ""),
            app("libs/a-2.app", LIB_A, "Lib A", "2.0.0.0", ""),
        ];
        let found = check_apps(&main, &libs, None);
        assert_eq!(
            checks(&found),
            [(
                AppSeverity::Error,
                AppCheck::DuplicateLibrary,
                AppRole::Library(2)
            )]
        );
        assert_eq!(found[0].file, Path::new("libs/a-2.app"));
        assert!(
            found[0].message.contains("libs/a-1.app"),
            "{}",
            found[0].message
        );
        assert!(
            found[0].message.contains("(\"Lib A\" 2.0.0.0) has the id")
                && found[0]
                    .message
                    .contains("libs/a-1.app (\"Lib A\" 1.0.0.0)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_pinned_version_other_than_the_apps_is_a_warning() {
        let main = main_app("");
        let pinned = AppVersion::new(1, 3, 0, 0);
        let found = check_apps(&main, &[], Some(&pinned));
        assert_eq!(
            checks(&found),
            [(
                AppSeverity::Warning,
                AppCheck::VersionDiffers,
                AppRole::Main
            )]
        );
        assert!(found[0]
            .message
            .contains("app_version is 1.3.0.0, but the main app's manifest says 1.2.0.0"));
        assert_eq!(found[0].file, Path::new("apps/Contoso_Sample_1.2.0.0.app"));
    }

    #[test]
    fn a_main_app_named_otherwise_is_a_warning_with_the_expected_name() {
        let main = app("apps/sample.app", MAIN_ID, "Sample", "1.2.0.0", "");
        let found = check_apps(&main, &[], None);
        assert_eq!(
            checks(&found),
            [(AppSeverity::Warning, AppCheck::FileName, AppRole::Main)]
        );
        assert!(
            found[0].message.contains("`Contoso_Sample_1.2.0.0.app`"),
            "{}",
            found[0].message
        );
        // The case of the name does not matter (Windows' file names).
        let main = app(
            "apps/contoso_sample_1.2.0.0.APP",
            MAIN_ID,
            "Sample",
            "1.2.0.0",
            "",
        );
        assert_eq!(check_apps(&main, &[], None), Vec::new());
        // An old version in the name is a warning.
        let main = app(
            "apps/Contoso_Sample_1.1.0.0.app",
            MAIN_ID,
            "Sample",
            "1.2.0.0",
            "",
        );
        assert_eq!(
            checks(&check_apps(&main, &[], None)),
            [(AppSeverity::Warning, AppCheck::FileName, AppRole::Main)]
        );
    }

    #[test]
    fn dependencies_found_nowhere_are_listed_in_one_warning() {
        let deps = dep(LIB_A, "Lib A", "Contoso", "1.0.0.0")
            + &dep(OTHER, "Other Lib", "Fabrikam", "3.0.0.0")
            + &dep(LIB_B, "Lib B", "Contoso", "1.0.0.0")
            + &dep(SYSTEM, "System Application", "microsoft", "25.0.0.0");
        let main = main_app(&deps);
        let libs = [app("libs/a.app", LIB_A, "Lib A", "1.0.0.0", "")];
        let found = check_apps(&main, &libs, None);
        assert_eq!(
            checks(&found),
            [(
                AppSeverity::Warning,
                AppCheck::MissingDependencies,
                AppRole::Main
            )]
        );
        let message = &found[0].message;
        assert!(
            message.contains("depends on 2 apps that are neither"),
            "{message}"
        );
        assert!(
            message.contains(&format!(
                "\"Other Lib\" by Fabrikam ({OTHER}), at least 3.0.0.0"
            )),
            "{message}"
        );
        assert!(
            message.contains(&format!("\"Lib B\" by Contoso ({LIB_B})")),
            "{message}"
        );
        assert!(!message.contains("System Application"), "{message}");
        assert!(!message.contains("Lib A"), "{message}");

        let one = main_app(&dep(OTHER, "Other Lib", "Fabrikam", "3.0.0.0"));
        let found = check_apps(&one, &[], None);
        assert!(
            found[0]
                .message
                .contains("depends on 1 app that is neither"),
            "{}",
            found[0].message
        );
        assert!(
            found[0].message.contains("Add its .app to library_apps"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_library_older_than_needed_is_a_warning_on_the_library() {
        let main = main_app(&dep(LIB_A, "Lib A", "Contoso", "2.0.0.0"));
        let libs = [
            app("libs/b.app", LIB_B, "Lib B", "1.0.0.0", ""),
            app("libs/a.app", LIB_A, "Lib A", "1.9.0.0", ""),
        ];
        let found = check_apps(&main, &libs, None);
        assert_eq!(
            checks(&found),
            [(
                AppSeverity::Warning,
                AppCheck::LibraryTooOld,
                AppRole::Library(1)
            )]
        );
        assert_eq!(found[0].file, Path::new("libs/a.app"));
        assert!(
            found[0].message.contains("version 1.9.0.0"),
            "{}",
            found[0].message
        );
        assert!(
            found[0].message.contains("at least 2.0.0.0"),
            "{}",
            found[0].message
        );
        let newer = [app("libs/a.app", LIB_A, "Lib A", "2.0.0.0", "")];
        assert_eq!(check_apps(&main, &newer, None), Vec::new());
    }

    #[test]
    fn a_duplicate_or_the_main_app_is_not_taken_for_the_library() {
        let main = main_app(&dep(LIB_A, "Lib A", "Contoso", "2.0.0.0"));
        let libs = [
            app("libs/a.app", LIB_A, "Lib A", "1.9.0.0", ""),
            app("libs/a-again.app", LIB_A, "Lib A", "2.0.0.0", ""),
            app("libs/main.app", MAIN_ID, "Sample", "1.2.0.0", ""),
        ];
        let found = check_apps(&main, &libs, None);
        assert_eq!(
            checks(&found),
            [
                (
                    AppSeverity::Error,
                    AppCheck::DuplicateLibrary,
                    AppRole::Library(1)
                ),
                (
                    AppSeverity::Error,
                    AppCheck::LibraryIsMainApp,
                    AppRole::Library(2)
                ),
                (
                    AppSeverity::Warning,
                    AppCheck::LibraryTooOld,
                    AppRole::Library(0)
                ),
            ]
        );
        // A dependency on the main app's own id is not met by the copy in library_apps.
        let main = main_app(&dep(MAIN_ID, "Sample", "Contoso", "1.0.0.0"));
        let found = check_apps(&main, &libs[2..], None);
        assert!(found
            .iter()
            .any(|f| f.check == AppCheck::MissingDependencies));
    }

    #[test]
    fn findings_render_with_severity_and_file() {
        let main = app("apps/sample.app", MAIN_ID, "Sample", "1.2.0.0", "");
        let found = check_apps(&main, &[], None);
        assert!(found[0]
            .to_string()
            .starts_with("warning: apps/sample.app: the main app's file name"));
        let json = serde_json::to_value(&found[0]).expect("serializes");
        assert_eq!(json["severity"], "warning");
        assert_eq!(json["role"], "main");
        assert_eq!(json["check"], "file_name");
        let lib = AppFinding {
            role: AppRole::Library(3),
            ..found[0].clone()
        };
        let json = serde_json::to_value(&lib).expect("serializes");
        assert_eq!(
            (json["role"].as_str(), json["index"].as_u64()),
            (Some("library"), Some(3))
        );
    }
}
