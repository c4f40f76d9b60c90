//! Business Central `.app` packages read, checked and bundled offline, on
//! files the test helper writes (`support/bc_app.rs`).

#[path = "support/bc_app.rs"]
mod bc_app;

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use bc_app::{Broken, TestApp};
use partner_center_ingestion::definition::business_central::{
    check_app_files, library_zip, AppCheck, AppPackage, AppPackageError, AppRole, AppSeverity,
    AppVersion, LibraryPackage, LibraryPackageKind, NotAnAppProblem,
};

const MAIN_ID: &str = "3f2a9c1b-0d4e-4f5a-8b6c-7d8e9f0a1b2c";
const LIB_A_ID: &str = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const LIB_B_ID: &str = "1c2d3e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f";
const OTHER_ID: &str = "2d3e4f5a-6b7c-4d8e-af90-1b2c3d4e5f60";

fn lib_a() -> TestApp {
    TestApp::new(LIB_A_ID, "Sample Lib A", "Contoso", "1.0.0.0").depends_on_system_application()
}

fn lib_b() -> TestApp {
    TestApp::new(LIB_B_ID, "Sample Lib B", "Contoso", "1.1.0.0")
}

fn main_app() -> TestApp {
    TestApp::new(MAIN_ID, "Sample BC App", "Contoso", "1.2.0.0")
        .depends_on_system_application()
        .depends_on(&lib_a())
        .depends_on(&lib_b())
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_generated_app_reads_back_with_its_manifest_and_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = main_app().write(dir.path());
    assert_eq!(
        path.file_name().and_then(|n| n.to_str()),
        Some("Contoso_Sample BC App_1.2.0.0.app")
    );
    let app = AppPackage::read(&path).expect("a valid app");
    let m = app.manifest();
    assert_eq!(m.id.to_string(), MAIN_ID);
    assert_eq!(m.name, "Sample BC App");
    assert_eq!(m.publisher, "Contoso");
    assert_eq!(m.version, AppVersion::new(1, 2, 0, 0));
    let deps: Vec<(String, &str, &str, Option<String>)> = m
        .dependencies
        .iter()
        .map(|d| {
            (
                d.id.to_string(),
                d.name.as_str(),
                d.publisher.as_str(),
                d.min_version.map(|v| v.to_string()),
            )
        })
        .collect();
    assert_eq!(
        deps,
        [
            (
                bc_app::SYSTEM_APPLICATION.to_string(),
                "System Application",
                "Microsoft",
                Some("25.0.0.0".to_string())
            ),
            (
                LIB_A_ID.to_string(),
                "Sample Lib A",
                "Contoso",
                Some("1.0.0.0".to_string())
            ),
            (
                LIB_B_ID.to_string(),
                "Sample Lib B",
                "Contoso",
                Some("1.1.0.0".to_string())
            ),
        ]
    );
    let bytes = std::fs::read(&path).expect("read");
    assert_eq!(app.sha256(), hex_sha256(&bytes));
    assert_eq!(app.size(), bytes.len() as u64);
    assert_eq!(app.path(), path);
    assert_eq!(m.expected_file_name(), app.file_name());
    // The helper's bytes are the same every time (examples stay unchanged).
    assert_eq!(main_app().bytes(), bytes);
}

#[test]
fn each_broken_file_is_refused_with_its_reason_and_its_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    for kind in Broken::ALL {
        let path = kind.write_as(dir.path(), &format!("{kind:?}.app"));
        let e = AppPackage::read(&path).expect_err(&format!("{kind:?} is refused"));
        assert_eq!(e.file(), path, "{kind:?}");
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("{}: ", path.display())),
            "{kind:?}: {text}"
        );
        let fits = match (kind, &e) {
            (Broken::PlainZip | Broken::Text, AppPackageError::NotAnApp { problem, .. }) => {
                *problem == NotAnAppProblem::NoHeader
            }
            (Broken::Truncated, AppPackageError::NotAnApp { problem, .. }) => {
                *problem == NotAnAppProblem::Truncated { size: 30 }
            }
            (Broken::HeaderSize, AppPackageError::NotAnApp { problem, .. }) => {
                *problem == NotAnAppProblem::HeaderSize(48)
            }
            (Broken::FormatTooNew, AppPackageError::NotAnApp { problem, .. }) => {
                *problem == NotAnAppProblem::FormatTooNew(3)
            }
            (Broken::ContentPastEnd, AppPackageError::NotAnApp { problem, .. }) => {
                matches!(problem, NotAnAppProblem::ContentPastEnd { length, available } if *length == *available + 100)
            }
            (Broken::RuntimePackage, AppPackageError::NotAnApp { problem, .. }) => {
                *problem == NotAnAppProblem::RuntimePackage
            }
            (Broken::NotAZip, AppPackageError::NotAnApp { problem, .. }) => {
                matches!(problem, NotAnAppProblem::NotAZip(_))
            }
            (Broken::NoManifest, AppPackageError::NoManifest { .. }) => true,
            (Broken::UnreadableManifest, AppPackageError::UnreadableManifest { problem, .. }) => {
                problem.contains("not well-formed XML")
            }
            (
                Broken::NoVersion,
                AppPackageError::MissingAttribute {
                    element, attribute, ..
                },
            ) => (*element, *attribute) == ("App", "Version"),
            (
                Broken::BadVersion,
                AppPackageError::InvalidVersion {
                    element, attribute, ..
                },
            ) => (*element, *attribute) == ("App", "Version"),
            _ => false,
        };
        assert!(fits, "{kind:?} gave {e:?}");
    }
}

/// The main app and two library apps that fit together.
fn write_set(dir: &Path) -> (PathBuf, Vec<PathBuf>) {
    let libs = dir.join("libs");
    std::fs::create_dir_all(&libs).expect("libs dir");
    let main = main_app().write(dir);
    let a = lib_a().write(&libs);
    let b = lib_b().write(&libs);
    (main, vec![a, b])
}

#[test]
fn a_consistent_set_passes_every_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (main, libs) = write_set(dir.path());
    let set = check_app_files(&main, &libs, Some(&AppVersion::new(1, 2, 0, 0)));
    assert_eq!(set.findings, Vec::new());
    assert!(!set.has_errors());
    assert_eq!(
        set.main.as_ref().map(|m| m.manifest().id.to_string()),
        Some(MAIN_ID.to_string())
    );
    assert_eq!(
        set.libraries.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        [0, 1]
    );
}

#[test]
fn a_library_that_is_not_an_app_and_one_with_the_main_apps_id_are_errors_naming_each_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (main, mut libs) = write_set(dir.path());
    let not_an_app = Broken::PlainZip.write_as(dir.path(), "libs/package.app");
    let copy = main_app()
        .at_version("1.1.0.0")
        .write_as(dir.path(), "libs/old-main.app");
    libs.push(not_an_app.clone());
    libs.push(copy.clone());
    let set = check_app_files(&main, &libs, None);
    assert!(set.has_errors());
    let found: Vec<(AppSeverity, AppCheck, AppRole, &Path)> = set
        .findings
        .iter()
        .map(|f| (f.severity, f.check, f.role, f.file.as_path()))
        .collect();
    assert_eq!(
        found,
        [
            (
                AppSeverity::Error,
                AppCheck::Unreadable,
                AppRole::Library(2),
                not_an_app.as_path()
            ),
            (
                AppSeverity::Error,
                AppCheck::LibraryIsMainApp,
                AppRole::Library(3),
                copy.as_path()
            ),
        ]
    );
    assert!(
        set.findings[0].message.contains("no NAVX header"),
        "{}",
        set.findings[0]
    );
    assert!(
        !set.findings[0]
            .message
            .contains(&not_an_app.display().to_string()),
        "the file is not repeated in the message: {}",
        set.findings[0].message
    );
    assert!(set.findings[0]
        .to_string()
        .starts_with(&format!("error: {}: ", not_an_app.display())));
}

#[test]
fn a_main_app_that_cannot_be_read_still_checks_the_libraries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let main = Broken::Text.write_as(dir.path(), "main.app");
    let a1 = lib_a().write_as(dir.path(), "a1.app");
    let a2 = lib_a().at_version("2.0.0.0").write_as(dir.path(), "a2.app");
    let set = check_app_files(&main, &[a1, a2.clone()], None);
    let found: Vec<(AppCheck, AppRole)> = set.findings.iter().map(|f| (f.check, f.role)).collect();
    assert_eq!(
        found,
        [
            (AppCheck::Unreadable, AppRole::Main),
            (AppCheck::DuplicateLibrary, AppRole::Library(1))
        ]
    );
    assert_eq!(set.findings[1].file, a2);
    assert!(set.main.is_none());
}

#[test]
fn the_warnings_are_warnings() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Named otherwise, pinned to another version, depending on an app no library gives.
    let other = TestApp::new(OTHER_ID, "Other Lib", "Fabrikam", "3.0.0.0");
    let main = main_app()
        .depends_on(&other)
        .write_as(dir.path(), "main.app");
    let libs = vec![lib_a().write(dir.path()), lib_b().write(dir.path())];
    let set = check_app_files(&main, &libs, Some(&AppVersion::new(1, 3, 0, 0)));
    assert!(!set.has_errors(), "{:?}", set.findings);
    let found: Vec<(AppSeverity, AppCheck)> =
        set.findings.iter().map(|f| (f.severity, f.check)).collect();
    assert_eq!(
        found,
        [
            (AppSeverity::Warning, AppCheck::VersionDiffers),
            (AppSeverity::Warning, AppCheck::FileName),
            (AppSeverity::Warning, AppCheck::MissingDependencies),
        ]
    );
    let missing = &set.findings[2].message;
    assert!(
        missing.contains(&format!("\"Other Lib\" by Fabrikam ({OTHER_ID})")),
        "{missing}"
    );
    assert!(!missing.contains("Sample Lib"), "{missing}");
    assert!(set.findings[1]
        .message
        .contains("`Contoso_Sample BC App_1.2.0.0.app`"));
    assert!(set.findings.iter().all(|f| f.file == main));

    // Without the library apps, they are listed too (the mistake users hit most).
    let set = check_app_files(&main, &[], None);
    let missing = &set
        .findings
        .iter()
        .find(|f| f.check == AppCheck::MissingDependencies)
        .expect("listed")
        .message;
    assert!(missing.contains("depends on 3 apps"), "{missing}");
    assert!(missing.contains("Sample Lib A"), "{missing}");
}

/// Sets a file's modification time `secs` seconds after the epoch.
fn touch(path: &Path, secs: u64) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open to touch");
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .expect("set the time");
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(not(unix))]
fn chmod(_: &Path, _: u32) {}

#[test]
fn the_library_zip_depends_only_on_the_files_names_and_contents() {
    let one = tempfile::tempdir().expect("tempdir");
    let two = tempfile::tempdir().expect("tempdir");
    let apps = [
        lib_a(),
        lib_b(),
        TestApp::new(OTHER_ID, "Other Lib", "Fabrikam", "3.0.0.0"),
    ];
    let first: Vec<PathBuf> = apps.iter().map(|a| a.write(one.path())).collect();
    for (i, p) in first.iter().enumerate() {
        touch(p, 1_600_000_000 + i as u64 * 1000);
        chmod(p, 0o600);
    }
    // The same files elsewhere, written in another order, other times and modes.
    let mut second: Vec<PathBuf> = apps.iter().rev().map(|a| a.write(two.path())).collect();
    for (i, p) in second.iter().enumerate() {
        touch(p, 1_700_000_000 + i as u64 * 7);
        chmod(p, 0o755);
    }
    second.swap(0, 1);

    let a = library_zip(&first).expect("built");
    let b = library_zip(&second).expect("built");
    assert_eq!(a, b, "the same set gives the same bytes");
    assert_eq!(hex_sha256(&a), hex_sha256(&b));

    // It holds each .app as it is, under its file name, sorted.
    let mut zip = zip::ZipArchive::new(Cursor::new(&a)).expect("a zip");
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let name = entry.name().expect("a UTF-8 name").into_owned();
        names.push(name.clone());
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        let app = AppPackage::from_bytes(&name, &bytes).expect("each entry is an app");
        let source = one.path().join(&name);
        assert_eq!(bytes, std::fs::read(source).expect("source"));
        assert_eq!(app.file_name(), name);
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 3);

    // A changed app, or a set with one app less, is another package.
    let changed = lib_b()
        .at_version("1.1.0.1")
        .write_as(two.path(), &lib_b().file_name());
    assert_eq!(changed, two.path().join(lib_b().file_name()));
    let c = library_zip(&second).expect("built");
    assert_ne!(a, c, "a changed app changes the package");
    let d = library_zip(&first[..2]).expect("built");
    assert_ne!(a, d, "another set is another package");
}

#[test]
fn the_library_package_is_one_app_as_it_is_or_one_zip_named_after_the_main_app() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (main, libs) = write_set(dir.path());
    let main_name = main
        .file_name()
        .and_then(|n| n.to_str())
        .expect("a name")
        .to_string();

    assert_eq!(LibraryPackage::build(&main_name, &[]).expect("none"), None);

    let single = LibraryPackage::build(&main_name, &libs[..1])
        .expect("built")
        .expect("one");
    assert_eq!(single.kind(), LibraryPackageKind::SingleApp);
    assert_eq!(single.file_name(), lib_a().file_name());
    let original = std::fs::read(&libs[0]).expect("read");
    assert_eq!(single.bytes(), original.as_slice());
    assert_eq!(single.sha256(), hex_sha256(&original));

    let bundle = LibraryPackage::build(&main_name, &libs)
        .expect("built")
        .expect("a zip");
    assert_eq!(bundle.kind(), LibraryPackageKind::Zip(2));
    assert_eq!(
        bundle.file_name(),
        "Contoso_Sample BC App_1.2.0.0.libraries.zip"
    );
    assert_eq!(
        bundle.bytes(),
        library_zip(&libs).expect("built").as_slice()
    );
    assert_eq!(bundle.sha256(), hex_sha256(bundle.bytes()));
    let reversed: Vec<PathBuf> = libs.iter().rev().cloned().collect();
    let again = LibraryPackage::build(&main_name, &reversed)
        .expect("built")
        .expect("a zip");
    assert_eq!(again.sha256(), bundle.sha256());

    let out = dir.path().join(bundle.file_name());
    bundle.write_to(&out).expect("written");
    assert_eq!(std::fs::read(&out).expect("read"), bundle.bytes());
}
