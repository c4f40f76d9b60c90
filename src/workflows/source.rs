//! What an upload reads from: a file, or any async reader.

use std::fmt;
use std::path::{Path, PathBuf};

use tokio::io::AsyncRead;

use super::{Result, WorkflowError};

/// What to upload: a file on disk, or bytes from any async reader. Either
/// way the bytes are streamed, never held whole in memory.
pub struct UploadSource {
    pub(super) file_name: String,
    pub(super) kind: SourceKind,
}

pub(super) enum SourceKind {
    Path(PathBuf),
    Reader {
        reader: Box<dyn AsyncRead + Send + Unpin>,
        len: Option<u64>,
    },
}

impl fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SourceKind::Path(path) => f.debug_tuple("UploadSource::Path").field(path).finish(),
            SourceKind::Reader { len, .. } => f
                .debug_struct("UploadSource::Reader")
                .field("file_name", &self.file_name)
                .field("len", len)
                .finish_non_exhaustive(),
        }
    }
}

impl UploadSource {
    /// The file at `path`; the service stores it under the path's file name.
    pub fn path(path: impl Into<PathBuf>) -> Result<UploadSource> {
        let path = path.into();
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                WorkflowError::Invalid(format!(
                    "`{}` does not end in a file name the service can store",
                    path.display()
                ))
            })?;
        Ok(UploadSource {
            file_name,
            kind: SourceKind::Path(path),
        })
    }

    /// What `reader` yields, stored as `file_name`. `len`, when known, is
    /// checked against what the reader yields.
    pub fn reader(
        file_name: impl Into<String>,
        reader: impl AsyncRead + Send + Unpin + 'static,
        len: Option<u64>,
    ) -> UploadSource {
        UploadSource {
            file_name: file_name.into(),
            kind: SourceKind::Reader {
                reader: Box::new(reader),
                len,
            },
        }
    }

    /// The name the service stores the file under.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Fails early, before any resource is created, when the file is not
    /// there.
    pub(super) fn check(&self) -> Result<()> {
        let SourceKind::Path(path) = &self.kind else {
            return Ok(());
        };
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => Ok(()),
            Ok(_) => Err(WorkflowError::Invalid(format!(
                "`{}` is not a file",
                path.display()
            ))),
            Err(source) => Err(WorkflowError::File {
                path: path.clone(),
                source,
            }),
        }
    }
}

/// What the upload calls take: an [`UploadSource`], or a path (`&str`,
/// `String`, `&Path`, `PathBuf`).
pub trait IntoUploadSource {
    /// The source, or why it cannot be one.
    fn into_upload_source(self) -> Result<UploadSource>;
}

impl IntoUploadSource for UploadSource {
    fn into_upload_source(self) -> Result<UploadSource> {
        Ok(self)
    }
}

macro_rules! path_sources {
    ($($t:ty),*) => {$(
        impl IntoUploadSource for $t {
            fn into_upload_source(self) -> Result<UploadSource> {
                UploadSource::path(PathBuf::from(self))
            }
        }
    )*};
}
path_sources!(&str, String, &Path, PathBuf, &PathBuf, &String);
