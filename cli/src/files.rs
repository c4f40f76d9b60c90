//! The definition files a command is given: files, or directories of them.

use std::path::{Path, PathBuf};

/// Whether a file's name says it is a definition (`.yaml`, `.yml`, `.json`,
/// but not a `.schema.json`).
fn is_definition(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    matches!(ext.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json")
        && !name.to_ascii_lowercase().ends_with(".schema.json")
}

/// Every definition file named: files as given, directories' definition
/// files (not their subdirectories) in name order. A path that does not
/// exist, or a directory with none, is an error naming it.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| format!("cannot read the directory {}: {e}", path.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_definition(p))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "{} has no definition files (*.yaml, *.yml, *.json)",
                    path.display()
                ));
            }
            found.sort();
            out.extend(found);
        } else if path.exists() {
            out.push(path.clone());
        } else {
            return Err(format!("{} does not exist", path.display()));
        }
    }
    // The same file named twice is worked on once.
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_give_their_definitions_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "b.yaml",
            "a.json",
            "c.yml",
            "offer.schema.json",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let got = expand(&[dir.path().to_path_buf(), dir.path().join("b.yaml")]).unwrap();
        let names: Vec<_> = got
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.json", "b.yaml", "c.yml"]);
        assert!(expand(&[dir.path().join("nope.yaml")])
            .unwrap_err()
            .contains("does not exist"));
        let empty = tempfile::tempdir().unwrap();
        assert!(expand(&[empty.path().to_path_buf()])
            .unwrap_err()
            .contains("no definition files"));
    }
}
