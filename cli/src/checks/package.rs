//! Azure Application packages: a zip with `mainTemplate.json` and
//! `createUiDefinition.json` at its root, each valid JSON (Microsoft's
//! marketplace documentation, "Azure application offer: plan technical
//! configuration", and the package checks certification runs).

use std::io::Read;
use std::path::Path;

/// The files every package needs at its root.
pub const REQUIRED: [&str; 2] = ["mainTemplate.json", "createUiDefinition.json"];

/// The largest JSON file read to check it (templates are far smaller).
const MAX_JSON: u64 = 64 * 1024 * 1024;

/// Every problem with the package at `path` (empty: none).
pub fn check(path: &Path) -> Vec<String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return vec![format!("cannot read it: {e}")],
    };
    let mut zip = match zip::ZipArchive::new(file) {
        Ok(z) => z,
        Err(e) => {
            return vec![format!(
                "it is not a zip archive ({e}); a package is a .zip with {} at its root",
                REQUIRED.join(" and ")
            )]
        }
    };
    let names: Vec<String> = (0..zip.len())
        .map(|i| match zip.name_for_index(i) {
            Some(Ok(n)) => n.into_owned(),
            _ => String::new(),
        })
        .collect();
    let mut problems = Vec::new();
    for name in REQUIRED {
        // Names are compared as the service does: exactly, at the root.
        let Some(index) = names.iter().position(|n| n == name) else {
            let nested = names
                .iter()
                .find(|n| n.rsplit('/').next() == Some(name) || n.eq_ignore_ascii_case(name));
            problems.push(match nested {
                Some(other) => format!(
                    "it has no {name} at its root (found `{other}`); put {name} at the top of the zip"
                ),
                None => format!("it has no {name} at its root; add it"),
            });
            continue;
        };
        let mut entry = match zip.by_index(index) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("{name} cannot be read from the zip: {e}"));
                continue;
            }
        };
        if entry.size() > MAX_JSON {
            problems.push(format!(
                "{name} is {} bytes; that is no template",
                entry.size()
            ));
            continue;
        }
        let mut text = Vec::new();
        if let Err(e) = (&mut entry).take(MAX_JSON).read_to_end(&mut text) {
            problems.push(format!("{name} cannot be read from the zip: {e}"));
            continue;
        }
        // Templates may start with a byte-order mark.
        let body = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&text);
        if let Err(e) = serde_json::from_slice::<serde_json::Value>(body) {
            problems.push(format!(
                "{name} is not valid JSON (line {}, column {}: {e})",
                e.line(),
                e.column()
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(files: &[(&str, &str)]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut zip = zip::ZipWriter::new(file.reopen().unwrap());
        for (name, body) in files {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        file
    }

    #[test]
    fn a_good_package_passes() {
        let f = zip_with(&[
            ("mainTemplate.json", "{}"),
            ("createUiDefinition.json", "{\"a\":1}"),
        ]);
        assert!(check(f.path()).is_empty());
    }

    #[test]
    fn missing_nested_and_broken_files_are_named() {
        let f = zip_with(&[
            ("app/mainTemplate.json", "{}"),
            ("createUiDefinition.json", "{oops"),
        ]);
        let problems = check(f.path());
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0]
            .contains("no mainTemplate.json at its root (found `app/mainTemplate.json`)"));
        assert!(problems[1].contains("createUiDefinition.json is not valid JSON (line 1"));
    }

    #[test]
    fn a_file_that_is_not_a_zip_says_so() {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), b"plain text").unwrap();
        let problems = check(f.path());
        assert!(problems[0].contains("not a zip archive"), "{problems:?}");
    }
}
