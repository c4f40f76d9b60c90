//! Generates the typed client from the OpenAPI document.
//!
//! The document is `spec/ingestion.json`, or the file named by the
//! `PARTNER_CENTER_SPEC` environment variable (a relative path is taken from
//! this crate's directory). Everything else lives in `src/codegen/`.

#[path = "src/codegen/mod.rs"]
#[allow(dead_code)]
mod codegen;

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=spec");
    println!("cargo:rerun-if-changed=src/codegen");
    println!("cargo:rerun-if-env-changed=PARTNER_CENTER_SPEC");

    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let spec = match std::env::var_os("PARTNER_CENTER_SPEC") {
        Some(path) if !path.is_empty() => {
            let path = manifest_dir.join(path);
            println!("cargo:rerun-if-changed={}", path.display());
            path
        }
        _ => manifest_dir.join("spec/ingestion.json"),
    };

    match codegen::generate_file(&spec) {
        Ok(output) => {
            let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
            write(&out_dir.join("generated.rs"), &output.code);
            write(&out_dir.join("api-surface.md"), &output.surface);
            write(&out_dir.join("operations.md"), &output.operations);
        }
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    }
}

fn write(path: &Path, contents: &str) {
    if let Err(e) = std::fs::write(path, contents) {
        eprintln!("error: cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
}
