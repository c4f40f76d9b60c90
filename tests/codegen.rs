//! Tests of the build-time generator (`src/codegen/`), compiled here as a
//! module of this test crate. Its unit tests run with this file.

#[path = "../src/codegen/mod.rs"]
#[allow(dead_code)]
mod codegen;

use std::path::{Path, PathBuf};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The reason the tests that read Microsoft's published documents are
/// ignored by `cargo test`; `.ci/run` has the documents and runs them.
const NEEDS_REFERENCE: &str =
    "needs ../shared/reference (Microsoft's published documents); run by .ci/run";

/// Microsoft's published documents, beside the checkout (or where
/// `PARTNER_CENTER_REFERENCE` says). A missing document fails the test that
/// asked for it: these tests never pass without their input.
fn reference(name: &str) -> PathBuf {
    let dir = match std::env::var_os("PARTNER_CENTER_REFERENCE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => manifest_dir().join("../shared/reference"),
    };
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: this test {NEEDS_REFERENCE}",
        path.display()
    );
    path
}

const PUBLISHED: [&str; 2] = [
    "ingestion-openapi-2022-10-27.json",
    "ingestion-openapi-2020-09-10.json",
];

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
fn our_operations_are_named_with_a_verb_and_fit_48_characters() {
    let ours = operations(&ours());
    assert_eq!(ours.len(), 78);
    for (http, path, method) in &ours {
        assert!(
            method.len() <= 48,
            "{http} {path}: `{method}` is longer than 48 characters"
        );
        let verb = method.split('_').next().unwrap_or("");
        assert!(
            ["list", "get", "create", "update", "delete", "set", "promote", "commit"]
                .contains(&verb),
            "{method} does not start with a verb"
        );
    }
}

#[test]
#[ignore = "needs ../shared/reference (Microsoft's published documents); run by .ci/run"]
fn published_documents_name_operations_like_ours() {
    let ours = operations(&ours());
    for published in PUBLISHED {
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
fn our_types_have_no_namespace_prefix() {
    let ours = type_names(&ours());
    assert!(!ours.is_empty());
    assert!(ours.iter().all(|n| !n.contains("MicrosoftIngestion")));
}

#[test]
#[ignore = "needs ../shared/reference (Microsoft's published documents); run by .ci/run"]
fn published_documents_name_types_like_ours() {
    let ours = type_names(&ours());
    for published in PUBLISHED {
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

// ----------------------------------------------------- documents that fail

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn failure(name: &str, text: &str) -> (PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, name, text);
    match codegen::generate_file(&path) {
        Ok(_) => panic!("{name} must be refused"),
        Err(error) => (path, error.to_string()),
    }
}

fn minimal(paths: serde_json::Value) -> String {
    serde_json::json!({
        "openapi": "3.0.1",
        "info": { "title": "t", "version": "1" },
        "paths": paths
    })
    .to_string()
}

#[test]
fn invalid_json_is_reported_with_line_and_column() {
    let (path, message) = failure(
        "broken.json",
        "{\n  \"openapi\": \"3.0.1\",\n  \"paths\": {,}\n}",
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains("not valid JSON (line 3, column 13)"),
        "{message}"
    );
}

#[test]
fn openapi_3_1_is_refused() {
    let (path, message) = failure(
        "v31.json",
        &minimal(serde_json::json!({})).replace("3.0.1", "3.1.0"),
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains("OpenAPI 3.1.0") && message.contains("3.0.x only"),
        "{message}"
    );
}

#[test]
fn an_undeclared_path_parameter_is_refused() {
    let (path, message) = failure(
        "undeclared.json",
        &minimal(serde_json::json!({ "/products/{productID}": { "get": { "responses": {} } } })),
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains("GET /products/{productID}: the path uses `{productID}` but the operation declares no path parameter `productID`"),
        "{message}"
    );
}

#[test]
fn two_operations_with_one_name_are_refused() {
    let (path, message) = failure(
        "clash.json",
        &minimal(serde_json::json!({
            "/products": { "get": { "operationId": "fetchAll", "responses": {} } },
            "/things": { "get": { "operationId": "fetch_all", "responses": {} } }
        })),
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains(
            "two operations would both become method `fetch_all`: GET /products and GET /things"
        ),
        "{message}"
    );
}

#[test]
fn a_document_that_is_json_but_not_openapi_names_the_place() {
    let (_, message) = failure(
        "shape.json",
        &minimal(serde_json::json!({ "/a": { "get": {
            "parameters": [{ "name": "q", "in": "query", "schema": { "type": 5 } }],
            "responses": {}
        } } })),
    );
    assert!(
        message.contains("not a valid OpenAPI 3.0 document") && message.contains("paths"),
        "{message}"
    );
}

/// Runs the real build script (already compiled by cargo) on a bad document:
/// one clear line on stderr, exit status 1, no panic, no backtrace.
#[test]
fn the_build_script_fails_with_one_clear_message() {
    let build_dir = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("build"))
        .unwrap();
    let script = std::fs::read_dir(&build_dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("partner-center-ingestion-")
        })
        .map(|e| e.path().join("build-script-build"))
        .filter(|p| p.exists())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .expect("cargo compiled the build script");
    let dir = tempfile::tempdir().unwrap();
    let bad = write_temp(
        &dir,
        "bad.json",
        &minimal(serde_json::json!({})).replace("3.0.1", "3.1.0"),
    );
    let output = std::process::Command::new(script)
        .env("CARGO_MANIFEST_DIR", manifest_dir())
        .env("OUT_DIR", dir.path())
        .env("PARTNER_CENTER_SPEC", &bad)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("error: cannot generate the Partner Center client from "),
        "{stderr}"
    );
    assert!(
        lines[0].contains("bad.json") && lines[0].contains("OpenAPI 3.1.0"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    assert!(!dir.path().join("generated.rs").exists());
}

/// The generator turns a panic of progenitor into a message.
#[test]
fn generator_panics_become_messages() {
    // A path parameter that is not a simple string makes progenitor give up.
    let text = minimal(serde_json::json!({ "/a/{x}": { "get": {
        "parameters": [{ "name": "x", "in": "path", "required": true, "style": "matrix", "schema": { "type": "string" } }],
        "responses": {}
    } } }));
    let Err(message) = codegen::generate(&text) else {
        panic!("a matrix path parameter must be refused");
    };
    assert!(!message.is_empty());
    assert!(!message.contains("panicked at"), "{message}");
}
