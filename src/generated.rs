//! The client generated at build time from the OpenAPI document (see
//! `build.rs` and `src/codegen/`).

#![allow(clippy::all, clippy::pedantic, unused_imports, unused_mut, dead_code)]

include!(concat!(env!("OUT_DIR"), "/generated.rs"));
