//! Small `.app` files made in memory for the unit tests (the integration
//! tests have a fuller writer, `tests/support/bc_app.rs`).

use std::io::{Cursor, Write};

use super::app_package::MANIFEST_NAME;
use super::header::{HEADER_SIZE, MAGIC};
use super::manifest;

pub(super) const MAIN_ID: &str = "3f2a9c1b-0d4e-4f5a-8b6c-7d8e9f0a1b2c";

/// A manifest with the app's attributes and `dependencies` (raw XML).
pub(super) fn manifest_xml(
    id: &str,
    name: &str,
    publisher: &str,
    version: &str,
    dependencies: &str,
) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><Package xmlns="{}"><App Id="{id}" Name="{name}" Publisher="{publisher}" Version="{version}" /><Dependencies>{dependencies}</Dependencies></Package>"#,
        manifest::MANIFEST_NAMESPACE
    )
}

/// A zip with `entries`.
pub(super) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in entries {
        zip.start_file(*name, options).expect("entry");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

/// `content` behind a NAVX header.
pub(super) fn navx(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_SIZE + content.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&[0x5a; 16]);
    out.extend_from_slice(&(content.len() as u64).to_le_bytes());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(content);
    out
}

/// A valid `.app`'s bytes.
pub(super) fn app_bytes(
    id: &str,
    name: &str,
    publisher: &str,
    version: &str,
    dependencies: &str,
) -> Vec<u8> {
    let xml = manifest_xml(id, name, publisher, version, dependencies);
    navx(&zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        (MANIFEST_NAME, xml.as_bytes()),
        ("src/Sample.Codeunit.al", b"codeunit 50100 Sample { }"),
    ]))
}
