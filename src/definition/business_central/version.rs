//! The version of a Business Central app: four numbers, `major.minor.build.revision`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The version of a Business Central app, as its manifest's `Version`
/// attribute and the offer's `appVersion` property write it: four numbers,
/// `major.minor.build.revision` (`1.2.0.0`).
///
/// Versions compare part by part as numbers, the way the service and the
/// publishing tools compare them: `1.10.0.0` is newer than `1.9.0.0`. It is
/// written and read (serde included) as its text.
///
/// ```
/// use partner_center_ingestion::definition::business_central::AppVersion;
///
/// let old: AppVersion = "1.9.0.0".parse()?;
/// let new: AppVersion = "1.10.0.0".parse()?;
/// assert!(new > old);
/// assert_eq!(new.to_string(), "1.10.0.0");
/// assert!("1.2.0".parse::<AppVersion>().is_err());
/// # Ok::<(), partner_center_ingestion::definition::business_central::AppVersionError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppVersion {
    parts: [u32; 4],
}

impl AppVersion {
    /// The version `major.minor.build.revision`.
    pub const fn new(major: u32, minor: u32, build: u32, revision: u32) -> AppVersion {
        AppVersion {
            parts: [major, minor, build, revision],
        }
    }

    /// The four parts, most significant first.
    pub const fn parts(&self) -> [u32; 4] {
        self.parts
    }

    /// The first part (a Business Central app's major version).
    pub const fn major(&self) -> u32 {
        self.parts[0]
    }
}

impl fmt::Display for AppVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.parts;
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

/// A text that is not an [`AppVersion`]: not four numbers separated by dots.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an app version: {problem}; write four numbers separated by dots, such as 1.2.0.0")]
pub struct AppVersionError {
    text: String,
    problem: &'static str,
}

impl AppVersionError {
    /// The text that was refused.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl FromStr for AppVersion {
    type Err = AppVersionError;

    fn from_str(text: &str) -> Result<AppVersion, AppVersionError> {
        let refuse = |problem| AppVersionError {
            // A version is short; a long text is cut so an error stays readable.
            text: text.chars().take(64).collect(),
            problem,
        };
        let mut parts = [0u32; 4];
        let mut count = 0;
        for piece in text.split('.') {
            if count == 4 {
                return Err(refuse("it has more than four parts"));
            }
            if piece.is_empty() {
                return Err(refuse("a part is empty"));
            }
            if !piece.bytes().all(|b| b.is_ascii_digit()) {
                return Err(refuse("a part is not a number"));
            }
            parts[count] = piece
                .parse()
                .map_err(|_| refuse("a part is larger than 4294967295"))?;
            count += 1;
        }
        if count < 4 {
            return Err(refuse("it has fewer than four parts"));
        }
        Ok(AppVersion { parts })
    }
}

impl Serialize for AppVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AppVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<AppVersion, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> AppVersion {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn four_numbers_are_read_and_written_back() {
        assert_eq!(v("1.2.3.4"), AppVersion::new(1, 2, 3, 4));
        assert_eq!(v("1.2.3.4").to_string(), "1.2.3.4");
        assert_eq!(v("0.0.0.0").parts(), [0, 0, 0, 0]);
        assert_eq!(v("4294967295.0.0.1").major(), u32::MAX);
        // Leading zeros are numbers too (the service compares numbers).
        assert_eq!(v("01.002.0.0"), AppVersion::new(1, 2, 0, 0));
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        for (text, problem) in [
            ("", "a part is empty"),
            ("1.2.3", "fewer than four parts"),
            ("1.2.3.4.5", "more than four parts"),
            ("1..3.4", "a part is empty"),
            ("1.2.3.", "a part is empty"),
            ("1.2.3.x", "not a number"),
            ("1.2.3.-4", "not a number"),
            ("1.2.3.+4", "not a number"),
            (" 1.2.3.4", "not a number"),
            ("1.2.3.4294967296", "larger than"),
            ("v1.2.3.4", "not a number"),
        ] {
            let e = text.parse::<AppVersion>().expect_err(text);
            let message = e.to_string();
            assert!(message.contains(problem), "{text:?}: {message}");
            assert!(message.contains("1.2.0.0"), "says what to write: {message}");
            assert_eq!(e.text(), text);
        }
    }

    #[test]
    fn a_long_text_is_cut_in_the_error() {
        let text = "9".repeat(1000);
        let e = text.parse::<AppVersion>().expect_err("not a version");
        assert_eq!(e.text().len(), 64);
    }

    #[test]
    fn versions_compare_part_by_part_as_numbers() {
        assert!(v("1.10.0.0") > v("1.9.0.0"));
        assert!(v("2.0.0.0") > v("1.99.99.99"));
        assert!(v("1.0.0.10") > v("1.0.0.9"));
        assert!(v("1.0.1.0") > v("1.0.0.999"));
        assert_eq!(v("1.2.3.4").cmp(&v("1.2.3.4")), std::cmp::Ordering::Equal);
        let mut list = [v("10.0.0.0"), v("9.0.0.0"), v("1.10.0.0"), v("1.2.0.0")];
        list.sort();
        let sorted: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(sorted, ["1.2.0.0", "1.10.0.0", "9.0.0.0", "10.0.0.0"]);
    }

    #[test]
    fn serde_uses_the_text() {
        let json = serde_json::to_string(&v("1.2.0.7")).expect("serializes");
        assert_eq!(json, "\"1.2.0.7\"");
        let back: AppVersion = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, v("1.2.0.7"));
        let e = serde_json::from_str::<AppVersion>("\"1.2\"").expect_err("refused");
        assert!(e.to_string().contains("fewer than four parts"), "{e}");
        assert!(serde_json::from_str::<AppVersion>("12").is_err());
    }
}
