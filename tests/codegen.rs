//! Tests of the build-time generator (`src/codegen/`), compiled here as a
//! module of this test crate. Its unit tests run with this file.

#[path = "../src/codegen/mod.rs"]
#[allow(dead_code)]
mod codegen;

use std::path::{Path, PathBuf};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference(name: &str) -> PathBuf {
    manifest_dir().join("../shared/reference").join(name)
}

fn ours() -> PathBuf {
    manifest_dir().join("spec/ingestion.json")
}

fn operations(path: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let doc = codegen::normalize::normalize(&raw).unwrap();
    let mut ops: Vec<(String, String, String)> = codegen::surface::operations(&doc)
        .into_iter()
        .map(|op| (op.http, op.path, op.method))
        .collect();
    ops.sort();
    ops
}

#[test]
fn published_documents_name_operations_like_ours() {
    let ours = operations(&ours());
    assert_eq!(ours.len(), 78);
    for published in [
        "ingestion-openapi-2022-10-27.json",
        "ingestion-openapi-2020-09-10.json",
    ] {
        assert_eq!(operations(&reference(published)), ours, "{published}");
    }
}

fn type_names(path: &Path) -> std::collections::BTreeSet<String> {
    let output = codegen::generate_file(path).unwrap_or_else(|e| panic!("{e}"));
    output
        .surface
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .map(|l| l.split_whitespace().last().unwrap_or("").to_string())
        .collect()
}

#[test]
fn published_documents_name_types_like_ours() {
    let ours = type_names(&ours());
    assert!(ours.iter().all(|n| !n.contains("MicrosoftIngestion")));
    for published in [
        "ingestion-openapi-2022-10-27.json",
        "ingestion-openapi-2020-09-10.json",
    ] {
        let theirs = type_names(&reference(published));
        assert!(
            theirs.iter().all(|n| !n.contains("MicrosoftIngestion")),
            "{published}"
        );
        let missing: Vec<_> = theirs.difference(&ours).collect();
        assert!(
            missing.is_empty(),
            "{published} has types spec/ingestion.json lacks: {missing:?}"
        );
    }
}
