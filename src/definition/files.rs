//! The local files a definition names: read, hashed, and given the name
//! they are uploaded under (the hash in it lets an interrupted apply finish
//! on the next run).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::parse::{line_of_value, DefinitionError};

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
    pub(super) fn read(
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
}
