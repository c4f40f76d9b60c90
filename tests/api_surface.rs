//! The generated API surface must match the checked-in record,
//! `tests/api-surface.md`, so that a change of the spec (or of the
//! generator) shows up as a diff of that file in review.
//!
//! After reviewing a change, refresh the record with
//! `UPDATE_API_SURFACE=1 cargo test --test api_surface`.

use std::path::Path;

#[test]
fn generated_surface_matches_the_record() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/api-surface.md"));
    let record_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api-surface.md");
    if std::env::var_os("UPDATE_API_SURFACE").is_some() {
        std::fs::write(&record_path, generated).expect("the record is writable");
        return;
    }
    let recorded = std::fs::read_to_string(&record_path).unwrap_or_default();
    if recorded != generated {
        let first_difference = recorded
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map(|i| i + 1)
            .unwrap_or(recorded.lines().count().min(generated.lines().count()) + 1);
        panic!(
            "the generated API surface differs from tests/api-surface.md (first at line {first_difference}).\n\
             Review the change, then run `UPDATE_API_SURFACE=1 cargo test --test api_surface`.\n\
             recorded:  {:?}\ngenerated: {:?}",
            recorded.lines().nth(first_difference - 1).unwrap_or("<end>"),
            generated.lines().nth(first_difference - 1).unwrap_or("<end>"),
        );
    }
}
