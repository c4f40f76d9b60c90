//! Parsing a definition's text: YAML or JSON into the format's types,
//! with the file, line, column and key path of every error, and the nearest
//! known key for one it does not know.

use std::fmt;
use std::path::{Path, PathBuf};

use super::format::OfferDefinition;

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

/// The line (from 1) of the first line of `text` that holds `needle` as a
/// value (after a `:` or a `- `), else the first that holds it at all.
pub(super) fn line_of_value(text: &str, needle: &str) -> Option<usize> {
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

/// Reads `text`, written in `format`, as an offer definition.
pub(super) fn deserialize(
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
