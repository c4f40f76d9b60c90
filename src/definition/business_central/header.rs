//! The 40-byte `NAVX` header in front of a `.app` file's content, as the
//! public tools that read and sign these files read it (all numbers
//! little-endian):
//!
//! | bytes | what |
//! | --- | --- |
//! | 0–3 | `NAVX` |
//! | 4–7 | the header's size, 40 |
//! | 8–11 | the format version, 2 (a newer one is refused) |
//! | 12–27 | the package's GUID (not the app's id) |
//! | 28–35 | the length of the content that follows the header |
//! | 36–39 | `NAVX` again |
//!
//! A signed app carries its signature after the content, which is why the
//! content is cut at the length the header gives. A runtime package
//! (compiled for distribution without its source) has an encrypted content
//! in place of the zip archive, and is refused.

/// The size of the `NAVX` header.
pub const HEADER_SIZE: usize = 40;

/// The newest format version of the header this reader knows.
pub const FORMAT_VERSION: u32 = 2;

/// The header's first and last four bytes.
pub(super) const MAGIC: &[u8; 4] = b"NAVX";

/// The content after the header, checked against the header.
pub(super) fn content(bytes: &[u8]) -> Result<&[u8], NotAnAppProblem> {
    if !bytes.starts_with(MAGIC) {
        return Err(NotAnAppProblem::NoHeader);
    }
    let Some(header) = bytes.get(..HEADER_SIZE) else {
        return Err(NotAnAppProblem::Truncated {
            size: bytes.len() as u64,
        });
    };
    let u32_at = |at: usize| {
        let mut four = [0u8; 4];
        four.copy_from_slice(&header[at..at + 4]);
        u32::from_le_bytes(four)
    };
    let header_size = u32_at(4);
    if header_size as usize != HEADER_SIZE {
        return Err(NotAnAppProblem::HeaderSize(header_size));
    }
    let format = u32_at(8);
    if format > FORMAT_VERSION {
        return Err(NotAnAppProblem::FormatTooNew(format));
    }
    let mut eight = [0u8; 8];
    eight.copy_from_slice(&header[28..36]);
    let length = u64::from_le_bytes(eight);
    if &header[36..40] != MAGIC {
        return Err(NotAnAppProblem::NoHeader);
    }
    let available = (bytes.len() - HEADER_SIZE) as u64;
    if length > available {
        return Err(NotAnAppProblem::ContentPastEnd { length, available });
    }
    // `length` fits in `available`, a usize.
    let content = &bytes[HEADER_SIZE..HEADER_SIZE + length as usize];
    if content.starts_with(b".NEA") {
        return Err(NotAnAppProblem::RuntimePackage);
    }
    Ok(content)
}

/// Why a file is not a `.app` package.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotAnAppProblem {
    /// It does not start (or its header does not end) with `NAVX`.
    NoHeader,
    /// It is shorter than the 40-byte header.
    Truncated {
        /// The file's size.
        size: u64,
    },
    /// The header gives a size other than 40.
    HeaderSize(u32),
    /// The header's format version is newer than [`FORMAT_VERSION`].
    FormatTooNew(u32),
    /// The header's content length goes past the end of the file.
    ContentPastEnd {
        /// The length the header gives.
        length: u64,
        /// The bytes after the header.
        available: u64,
    },
    /// A runtime package: its content is encrypted, not a zip archive.
    RuntimePackage,
    /// The content after the header is not a zip archive.
    NotAZip(String),
}

impl std::fmt::Display for NotAnAppProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotAnAppProblem::NoHeader => write!(
                f,
                "it has no NAVX header; give the .app file the AL compiler built, not a zip or another file"
            ),
            NotAnAppProblem::Truncated { size } => write!(
                f,
                "it is {size} bytes, shorter than the {HEADER_SIZE}-byte NAVX header: the file is cut short; build or copy it again"
            ),
            NotAnAppProblem::HeaderSize(size) => write!(
                f,
                "its NAVX header gives a header size of {size}, not {HEADER_SIZE}; the file is damaged or of a format this tool does not know"
            ),
            NotAnAppProblem::FormatTooNew(version) => write!(
                f,
                "its NAVX header has format version {version}, newer than the {FORMAT_VERSION} this tool reads; upgrade partner-center"
            ),
            NotAnAppProblem::ContentPastEnd { length, available } => write!(
                f,
                "its NAVX header says {length} bytes of content follow, but the file has {available}: the file is cut short; build or copy it again"
            ),
            NotAnAppProblem::RuntimePackage => write!(
                f,
                "it is a runtime package, whose content is encrypted; AppSource takes the app as the AL compiler builds it, so give that .app"
            ),
            NotAnAppProblem::NotAZip(e) => write!(
                f,
                "what follows its NAVX header is not a zip archive ({e}); the file is damaged; build or copy it again"
            ),
        }
    }
}
