//! A `.app` file: the `NAVX` header (`header.rs`), the zip archive
//! after it, and the manifest in that archive. The archive holds
//! `NavxManifest.xml` and `[Content_Types].xml` beside the app's code.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::header::{self, NotAnAppProblem};
use super::manifest::{self, AppManifest, ManifestProblem};
use super::version::AppVersionError;

/// The manifest's name in the archive.
pub const MANIFEST_NAME: &str = "NavxManifest.xml";

/// The largest manifest read (real ones are a few kilobytes).
const MAX_MANIFEST: u64 = 16 * 1024 * 1024;

/// A Business Central app package read from a `.app` file: its manifest and
/// the SHA-256 of the whole file.
///
/// ```no_run
/// use partner_center_ingestion::definition::business_central::AppPackage;
///
/// let app = AppPackage::read("apps/Contoso_Sample_1.2.0.0.app")?;
/// println!("{} {} by {}", app.manifest().name, app.manifest().version, app.manifest().publisher);
/// # Ok::<(), partner_center_ingestion::definition::business_central::AppPackageError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppPackage {
    path: PathBuf,
    manifest: AppManifest,
    sha256: String,
    size: u64,
}

impl AppPackage {
    /// Reads and checks the `.app` file at `path`.
    pub fn read(path: impl AsRef<Path>) -> Result<AppPackage, AppPackageError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| AppPackageError::Read {
            file: path.to_path_buf(),
            source,
        })?;
        AppPackage::from_bytes(path, &bytes)
    }

    /// Checks the content of a `.app` file already read; `path` is the file
    /// it came from, for errors and [`AppPackage::path`].
    pub fn from_bytes(path: impl AsRef<Path>, bytes: &[u8]) -> Result<AppPackage, AppPackageError> {
        let path = path.as_ref();
        let not_an_app = |problem| AppPackageError::NotAnApp {
            file: path.to_path_buf(),
            problem,
        };
        let content = header::content(bytes).map_err(not_an_app)?;
        let mut zip = zip::ZipArchive::new(Cursor::new(content))
            .map_err(|e| not_an_app(NotAnAppProblem::NotAZip(e.to_string())))?;
        let manifest_bytes = read_manifest(&mut zip, path)?;
        let manifest = manifest::parse(&manifest_bytes)
            .map_err(|problem| AppPackageError::from_manifest(path.to_path_buf(), problem))?;
        Ok(AppPackage {
            path: path.to_path_buf(),
            manifest,
            sha256: hex(&Sha256::digest(bytes)),
            size: bytes.len() as u64,
        })
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's own name (`Contoso_Sample_1.2.0.0.app`).
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// What its manifest says.
    pub fn manifest(&self) -> &AppManifest {
        &self.manifest
    }

    /// The SHA-256 of the whole file, in lower-case hex (64 digits).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The first 8 hex digits of [`AppPackage::sha256`], as other packages'
    /// upload names carry them.
    pub fn short_hash(&self) -> &str {
        self.sha256.get(..8).unwrap_or(&self.sha256)
    }

    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
}

/// The manifest's bytes from the archive.
fn read_manifest(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    path: &Path,
) -> Result<Vec<u8>, AppPackageError> {
    let unreadable = |problem: String| AppPackageError::UnreadableManifest {
        file: path.to_path_buf(),
        problem,
    };
    let mut entry = match zip.by_name(MANIFEST_NAME) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => {
            return Err(AppPackageError::NoManifest {
                file: path.to_path_buf(),
            })
        }
        Err(e) => {
            return Err(unreadable(format!(
                "it cannot be read from the archive: {e}"
            )))
        }
    };
    if entry.size() > MAX_MANIFEST {
        return Err(unreadable(format!(
            "it is {} bytes, more than a manifest can be",
            entry.size()
        )));
    }
    let mut bytes = Vec::new();
    (&mut entry)
        .take(MAX_MANIFEST + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(format!("it cannot be read from the archive: {e}")))?;
    if bytes.len() as u64 > MAX_MANIFEST {
        return Err(unreadable("it is larger than a manifest can be".into()));
    }
    Ok(bytes)
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Why a `.app` file could not be read. Each names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppPackageError {
    /// The file could not be read at all.
    #[error("{}: cannot read it: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not a `.app` package.
    #[error("{}: not a Business Central .app package: {problem}", file.display())]
    NotAnApp {
        /// The file.
        file: PathBuf,
        /// What is wrong with it.
        problem: NotAnAppProblem,
    },
    /// The archive has no `NavxManifest.xml` at its root.
    #[error("{}: the package has no {MANIFEST_NAME} at its root; give the .app file the AL compiler built", file.display())]
    NoManifest {
        /// The file.
        file: PathBuf,
    },
    /// `NavxManifest.xml` is there but cannot be read as a manifest.
    #[error("{}: its {MANIFEST_NAME} cannot be read: {problem}", file.display())]
    UnreadableManifest {
        /// The file.
        file: PathBuf,
        /// Why (the XML error with its line and column, or what is missing).
        problem: String,
    },
    /// An element of the manifest lacks an attribute it must have.
    #[error("{}: its {MANIFEST_NAME} has no `{attribute}` on <{element}> (line {line}); rebuild the app with the AL compiler", file.display())]
    MissingAttribute {
        /// The file.
        file: PathBuf,
        /// The element (`App`, `Dependency`).
        element: &'static str,
        /// The attribute missing or empty (`Id`, `Name`, `Publisher`, `Version`).
        attribute: &'static str,
        /// Its line in the manifest.
        line: u32,
    },
    /// An id in the manifest is not a GUID.
    #[error("{}: its {MANIFEST_NAME} has a bad `{attribute}` on <{element}> (line {line}): {problem}", file.display())]
    InvalidId {
        /// The file.
        file: PathBuf,
        /// The element.
        element: &'static str,
        /// The attribute (`Id`, `AppId`).
        attribute: &'static str,
        /// Its line in the manifest.
        line: u32,
        /// What is wrong with it.
        problem: String,
    },
    /// A version in the manifest is not four numbers.
    #[error("{}: its {MANIFEST_NAME} has a bad `{attribute}` on <{element}> (line {line}): {source}", file.display())]
    InvalidVersion {
        /// The file.
        file: PathBuf,
        /// The element.
        element: &'static str,
        /// The attribute (`Version`, `MinVersion`).
        attribute: &'static str,
        /// Its line in the manifest.
        line: u32,
        /// What is wrong with it.
        source: AppVersionError,
    },
}

impl AppPackageError {
    /// The file the error is about.
    pub fn file(&self) -> &Path {
        match self {
            AppPackageError::Read { file, .. }
            | AppPackageError::NotAnApp { file, .. }
            | AppPackageError::NoManifest { file }
            | AppPackageError::UnreadableManifest { file, .. }
            | AppPackageError::MissingAttribute { file, .. }
            | AppPackageError::InvalidId { file, .. }
            | AppPackageError::InvalidVersion { file, .. } => file,
        }
    }

    fn from_manifest(file: PathBuf, problem: ManifestProblem) -> AppPackageError {
        match problem {
            ManifestProblem::Unreadable(problem) => {
                AppPackageError::UnreadableManifest { file, problem }
            }
            ManifestProblem::MissingAttribute {
                element,
                attribute,
                line,
            } => AppPackageError::MissingAttribute {
                file,
                element,
                attribute,
                line,
            },
            ManifestProblem::InvalidId {
                element,
                attribute,
                line,
                source,
            } => AppPackageError::InvalidId {
                file,
                element,
                attribute,
                line,
                problem: source.to_string(),
            },
            ManifestProblem::InvalidVersion {
                element,
                attribute,
                line,
                source,
            } => AppPackageError::InvalidVersion {
                file,
                element,
                attribute,
                line,
                source,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_apps::{app_bytes, manifest_xml, navx, zip_of, MAIN_ID};
    use super::*;
    use header::HEADER_SIZE;

    fn good() -> Vec<u8> {
        app_bytes(MAIN_ID, "Sample", "Contoso", "1.2.0.0", "")
    }

    fn not_an_app(bytes: &[u8]) -> NotAnAppProblem {
        match AppPackage::from_bytes("x.app", bytes) {
            Err(AppPackageError::NotAnApp { problem, file }) => {
                assert_eq!(file, Path::new("x.app"));
                problem
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_valid_app_is_read_with_its_hash() {
        let bytes = good();
        let app = AppPackage::from_bytes("apps/Contoso_Sample_1.2.0.0.app", &bytes).expect("reads");
        assert_eq!(app.manifest().id.to_string(), MAIN_ID);
        assert_eq!(app.manifest().version.to_string(), "1.2.0.0");
        assert_eq!(app.file_name(), "Contoso_Sample_1.2.0.0.app");
        assert_eq!(app.size(), bytes.len() as u64);
        assert_eq!(app.sha256(), hex(&Sha256::digest(&bytes)));
        assert_eq!(app.sha256().len(), 64);
        assert_eq!(app.short_hash(), &app.sha256()[..8]);
    }

    #[test]
    fn a_signature_after_the_content_is_left_out_of_the_archive() {
        let mut bytes = good();
        bytes.extend_from_slice(b"NXSB-a-signature-block-NXSB");
        let app = AppPackage::from_bytes("signed.app", &bytes).expect("reads");
        assert_eq!(app.manifest().name, "Sample");
    }

    #[test]
    fn each_header_fault_is_told_apart() {
        let bytes = good();
        assert_eq!(not_an_app(b""), NotAnAppProblem::NoHeader);
        assert_eq!(not_an_app(b"PK\x03\x04rest"), NotAnAppProblem::NoHeader);
        assert_eq!(
            not_an_app(&bytes[..20]),
            NotAnAppProblem::Truncated { size: 20 }
        );
        let mut size = bytes.clone();
        size[4] = 41;
        assert_eq!(not_an_app(&size), NotAnAppProblem::HeaderSize(41));
        let mut newer = bytes.clone();
        newer[8] = 3;
        assert_eq!(not_an_app(&newer), NotAnAppProblem::FormatTooNew(3));
        let mut older = bytes.clone();
        older[8] = 1;
        AppPackage::from_bytes("old.app", &older).expect("an older format is read");
        let mut end = bytes.clone();
        end[36] = b'X';
        assert_eq!(not_an_app(&end), NotAnAppProblem::NoHeader);
        let cut = &bytes[..bytes.len() - 1];
        assert_eq!(
            not_an_app(cut),
            NotAnAppProblem::ContentPastEnd {
                length: (bytes.len() - HEADER_SIZE) as u64,
                available: (bytes.len() - HEADER_SIZE - 1) as u64
            }
        );
        let mut huge = bytes.clone();
        huge[28..36].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            not_an_app(&huge),
            NotAnAppProblem::ContentPastEnd {
                length: u64::MAX,
                ..
            }
        ));
        assert_eq!(
            not_an_app(&navx(b".NEA encrypted")),
            NotAnAppProblem::RuntimePackage
        );
        assert!(matches!(
            not_an_app(&navx(b"garbage")),
            NotAnAppProblem::NotAZip(_)
        ));
        assert!(matches!(
            not_an_app(&navx(b"")),
            NotAnAppProblem::NotAZip(_)
        ));
    }

    #[test]
    fn the_messages_name_the_file_and_say_what_to_do() {
        let e = AppPackage::from_bytes("apps/x.app", b"PK\x03\x04").expect_err("refused");
        let text = e.to_string();
        assert!(
            text.starts_with("apps/x.app: not a Business Central .app package"),
            "{text}"
        );
        assert!(
            text.contains("the .app file the AL compiler built"),
            "{text}"
        );
        assert_eq!(e.file(), Path::new("apps/x.app"));
        let e = AppPackage::read("/nonexistent/dir/y.app").expect_err("missing");
        assert!(matches!(e, AppPackageError::Read { .. }));
        assert!(
            e.to_string()
                .starts_with("/nonexistent/dir/y.app: cannot read it"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_or_unreadable_manifest_is_named() {
        let no_manifest = navx(&zip_of(&[("[Content_Types].xml", b"<Types/>")]));
        let e = AppPackage::from_bytes("a.app", &no_manifest).expect_err("refused");
        assert!(matches!(e, AppPackageError::NoManifest { .. }), "{e:?}");
        assert!(e.to_string().contains("no NavxManifest.xml"), "{e}");

        let nested = navx(&zip_of(&[(
            "sub/NavxManifest.xml",
            good_manifest().as_bytes(),
        )]));
        assert!(matches!(
            AppPackage::from_bytes("a.app", &nested),
            Err(AppPackageError::NoManifest { .. })
        ));

        let broken = navx(&zip_of(&[(
            MANIFEST_NAME,
            b"<Package>\n<App Id=\"x\"></Package>",
        )]));
        let e = AppPackage::from_bytes("a.app", &broken).expect_err("refused");
        match &e {
            AppPackageError::UnreadableManifest { problem, .. } => {
                assert!(problem.contains("not well-formed XML"), "{problem}");
                assert!(problem.contains("2:"), "names the place: {problem}");
            }
            other => panic!("{other:?}"),
        }

        let no_version = navx(&zip_of(&[(
            MANIFEST_NAME,
            format!(
                r#"<Package xmlns="{}"><App Id="{MAIN_ID}" Name="N" Publisher="P" /></Package>"#,
                manifest::MANIFEST_NAMESPACE
            )
            .as_bytes(),
        )]));
        let e = AppPackage::from_bytes("a.app", &no_version).expect_err("refused");
        assert!(
            matches!(
                e,
                AppPackageError::MissingAttribute {
                    attribute: "Version",
                    element: "App",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("no `Version` on <App>"), "{e}");

        let bad_version = app_bytes(MAIN_ID, "N", "P", "1.2", "");
        let e = AppPackage::from_bytes("a.app", &bad_version).expect_err("refused");
        assert!(
            matches!(
                e,
                AppPackageError::InvalidVersion {
                    attribute: "Version",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("`1.2` is not an app version"), "{e}");

        let bad_id = app_bytes("nope", "N", "P", "1.2.0.0", "");
        let e = AppPackage::from_bytes("a.app", &bad_id).expect_err("refused");
        assert!(
            matches!(
                e,
                AppPackageError::InvalidId {
                    attribute: "Id",
                    ..
                }
            ),
            "{e:?}"
        );
    }

    fn good_manifest() -> String {
        manifest_xml(MAIN_ID, "Sample", "Contoso", "1.2.0.0", "")
    }

    /// No input makes the reader panic: every prefix of a valid app, every
    /// single-byte change of its header and zip directory, and random bytes
    /// behind a valid header.
    #[test]
    fn no_bytes_make_it_panic() {
        let bytes = good();
        for end in 0..bytes.len() {
            let _ = AppPackage::from_bytes("cut.app", &bytes[..end]);
        }
        for at in (0..bytes.len()).step_by(3) {
            for value in [0x00, 0xff, 0x7f] {
                let mut changed = bytes.clone();
                changed[at] = value;
                let _ = AppPackage::from_bytes("changed.app", &changed);
            }
        }
        let mut rng = fastrand::Rng::with_seed(24);
        for round in 0..300u32 {
            let len = rng.usize(0..2048);
            let mut noise: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
            if round.is_multiple_of(2) {
                // Noise that starts like a zip, behind a good header.
                noise.splice(0..0, b"PK\x03\x04".iter().copied());
            }
            let _ = AppPackage::from_bytes("noise.app", &navx(&noise));
            let _ = AppPackage::from_bytes("noise.app", &noise);
        }
    }
}
