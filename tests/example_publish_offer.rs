//! `cargo run --example publish_offer`: the library walkthrough runs from
//! nothing to live on its in-process emulator, and a second apply changes
//! nothing.

mod support;

use std::process::Command;

use support::example_binary;

#[test]
fn the_walkthrough_publishes_the_sample_offer_and_then_finds_nothing_to_do() {
    let output = Command::new(example_binary("publish_offer"))
        .env_remove("RUST_LOG")
        .output()
        .expect("cargo runs the example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for expected in [
        "offer contoso-sample-app: 27 changes",
        "created offer contoso-sample-app",
        "uploaded and processed logo logo-216.png",
        "uploaded and processed package app.zip",
        "created plan standard",
        "submitted to preview",
        "promoted to live",
        "is live (InStore)",
        "plan standard (",
        "[live]",
        "second apply: 0 changes",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
}
