//! The library-apps package: what goes up as the offer's one library
//! package. One library app goes up as its `.app`, unchanged; several go up
//! as one zip of their `.app` files, built so that its bytes depend only on
//! the files' names and contents: entries sorted by name, stored
//! uncompressed (a `.app` is compressed already), with one fixed time,
//! permissions and system. An unchanged set gives the same bytes, so the
//! same hash, and is not uploaded again.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The suffix the publishing tools give the zip of several library apps,
/// after the main app's file name without `.app`.
pub const LIBRARIES_ZIP_SUFFIX: &str = ".libraries.zip";

/// The offer's library package, ready to upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibraryPackage {
    file_name: String,
    bytes: Vec<u8>,
    sha256: String,
    kind: LibraryPackageKind,
}

/// What a [`LibraryPackage`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LibraryPackageKind {
    /// One library app's `.app`, unchanged.
    SingleApp,
    /// A zip of this many library apps' `.app` files.
    Zip(usize),
}

impl LibraryPackage {
    /// The package for the library apps at `apps`, or `None` when there are
    /// none (the offer then has no library package).
    ///
    /// One app is its `.app` file under its own name; several are one zip
    /// ([`library_zip`]) named after the main app
    /// (`<main app file name without .app>.libraries.zip`).
    pub fn build(
        main_app_file_name: &str,
        apps: &[PathBuf],
    ) -> Result<Option<LibraryPackage>, LibraryPackageError> {
        match apps {
            [] => Ok(None),
            [one] => {
                let bytes = read(one)?;
                Ok(Some(LibraryPackage::new(
                    entry_name(one)?,
                    bytes,
                    LibraryPackageKind::SingleApp,
                )))
            }
            many => {
                let bytes = library_zip(many)?;
                let stem = strip_suffix_ignore_case(main_app_file_name, ".app");
                Ok(Some(LibraryPackage::new(
                    format!("{stem}{LIBRARIES_ZIP_SUFFIX}"),
                    bytes,
                    LibraryPackageKind::Zip(many.len()),
                )))
            }
        }
    }

    fn new(file_name: String, bytes: Vec<u8>, kind: LibraryPackageKind) -> LibraryPackage {
        let sha256 = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        LibraryPackage {
            file_name,
            bytes,
            sha256,
            kind,
        }
    }

    /// The name it is uploaded under.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Its content.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Its content, taken.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The SHA-256 of its content, in lower-case hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The first 8 hex digits of [`LibraryPackage::sha256`].
    pub fn short_hash(&self) -> &str {
        self.sha256.get(..8).unwrap_or(&self.sha256)
    }

    /// One app or a zip of several.
    pub fn kind(&self) -> LibraryPackageKind {
        self.kind
    }

    /// Writes its content to `path`.
    pub fn write_to(&self, path: impl AsRef<Path>) -> Result<(), LibraryPackageError> {
        let path = path.as_ref();
        std::fs::write(path, &self.bytes).map_err(|source| LibraryPackageError::Write {
            file: path.to_path_buf(),
            source,
        })
    }
}

/// One zip of the `.app` files at `apps`, whose bytes depend only on the
/// files' names and contents (not on their order, times or permissions).
/// Each is stored under its file name alone; two files of one name are
/// refused.
pub fn library_zip(apps: &[PathBuf]) -> Result<Vec<u8>, LibraryPackageError> {
    let mut entries = Vec::with_capacity(apps.len());
    for path in apps {
        entries.push((entry_name(path)?, path));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = entries.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(LibraryPackageError::SameName {
            name: pair[0].0.clone(),
            first: pair[0].1.clone(),
            second: pair[1].1.clone(),
        });
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, path) in entries {
        let bytes = read(path)?;
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644)
            .system(zip::System::Unix)
            .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
        zip.start_file(name.as_str(), options)
            .and_then(|()| zip.write_all(&bytes).map_err(Into::into))
            .map_err(|e| LibraryPackageError::Zip(e.to_string()))?;
    }
    zip.finish()
        .map(Cursor::into_inner)
        .map_err(|e| LibraryPackageError::Zip(e.to_string()))
}

fn read(path: &Path) -> Result<Vec<u8>, LibraryPackageError> {
    std::fs::read(path).map_err(|source| LibraryPackageError::Read {
        file: path.to_path_buf(),
        source,
    })
}

/// The file's name, as the zip entry (and the single app's upload) is named.
fn entry_name(path: &Path) -> Result<String, LibraryPackageError> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| LibraryPackageError::BadName {
            file: path.to_path_buf(),
        })
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> &'a str {
    let cut = text.len().saturating_sub(suffix.len());
    match (text.get(..cut), text.get(cut..)) {
        (Some(stem), Some(end)) if end.eq_ignore_ascii_case(suffix) => stem,
        _ => text,
    }
}

/// Why the library package could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LibraryPackageError {
    /// A library app could not be read.
    #[error("{}: cannot read this library app: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The package could not be written.
    #[error("{}: cannot write the library package: {source}", file.display())]
    Write {
        /// The file.
        file: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A library app's path has no file name, or one that is not UTF-8.
    #[error("{}: a library app needs a file name in UTF-8; rename it", file.display())]
    BadName {
        /// The file.
        file: PathBuf,
    },
    /// Two library apps have one file name, which one zip cannot hold.
    #[error("{} and {}: two library apps named `{name}`; one zip holds each name once, so rename one or give it once", first.display(), second.display())]
    SameName {
        /// The name.
        name: String,
        /// One file.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// The zip could not be built.
    #[error("cannot build the zip of the library apps: {0}")]
    Zip(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, named: &[(&str, &[u8])]) -> Vec<PathBuf> {
        named
            .iter()
            .map(|(name, bytes)| {
                let path = dir.join(name);
                std::fs::write(&path, bytes).expect("written");
                path
            })
            .collect()
    }

    #[test]
    fn none_one_and_several() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = files(dir.path(), &[("b.app", b"bbb"), ("a.app", b"aaaa")]);
        assert_eq!(LibraryPackage::build("Main.app", &[]).expect("none"), None);

        let one = LibraryPackage::build("Main.app", &paths[..1])
            .expect("one")
            .expect("some");
        assert_eq!(one.file_name(), "b.app");
        assert_eq!(one.bytes(), b"bbb");
        assert_eq!(one.kind(), LibraryPackageKind::SingleApp);
        assert_eq!(
            one.sha256(),
            "3e744b9dc39389baf0c5a0660589b8402f3dbb49b89b3e75f2c9355852a3c677"
        );
        assert_eq!(one.short_hash(), "3e744b9d");

        let both = LibraryPackage::build("Contoso_Sample_1.2.0.0.APP", &paths)
            .expect("two")
            .expect("some");
        assert_eq!(both.file_name(), "Contoso_Sample_1.2.0.0.libraries.zip");
        assert_eq!(both.kind(), LibraryPackageKind::Zip(2));
        let mut zip = zip::ZipArchive::new(Cursor::new(both.bytes())).expect("a zip");
        let names: Vec<String> = zip
            .file_names()
            .map(|n| n.map(|n| n.into_owned()).expect("a name"))
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(sorted, ["a.app", "b.app"]);
        let mut first = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name("a.app").expect("entry"), &mut first)
            .expect("read");
        assert_eq!(first, b"aaaa");

        let out = dir.path().join("out.zip");
        both.write_to(&out).expect("written");
        assert_eq!(std::fs::read(&out).expect("read back"), both.bytes());
    }

    #[test]
    fn two_files_of_one_name_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("x")).expect("dir");
        let paths = files(dir.path(), &[("lib.app", b"1"), ("x/lib.app", b"2")]);
        let e = library_zip(&paths).expect_err("refused");
        assert!(
            matches!(e, LibraryPackageError::SameName { ref name, .. } if name == "lib.app"),
            "{e:?}"
        );
        assert!(
            e.to_string().contains("two library apps named `lib.app`"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let e = library_zip(&[
            PathBuf::from("/nonexistent/a.app"),
            PathBuf::from("/nonexistent/b.app"),
        ])
        .expect_err("refused");
        assert!(
            e.to_string().starts_with("/nonexistent/a.app: cannot read"),
            "{e}"
        );
        let e = library_zip(&[PathBuf::from("/")]).expect_err("no name");
        assert!(matches!(e, LibraryPackageError::BadName { .. }), "{e:?}");
    }

    #[test]
    fn the_suffix_is_cut_only_when_there() {
        assert_eq!(strip_suffix_ignore_case("a.app", ".app"), "a");
        assert_eq!(strip_suffix_ignore_case("a.APP", ".app"), "a");
        assert_eq!(strip_suffix_ignore_case("a.zip", ".app"), "a.zip");
        assert_eq!(strip_suffix_ignore_case("pp", ".app"), "pp");
        assert_eq!(strip_suffix_ignore_case("é.app", ".app"), "é");
        assert_eq!(strip_suffix_ignore_case("éa", ".app"), "éa");
    }
}
