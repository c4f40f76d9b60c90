//! Replays the service's recorded request sequences against the emulator and
//! compares every status code and every field the recordings give.
//!
//! The sequences live in `tests/recordings/*.json`, one file per flow, one
//! test per file here. They are transcribed from what
//! `SERVICE-FACTS.md` records of the live service's answers; where it says
//! nothing, from what `spec/ingestion.json` and the emulator's other tests
//! already pin down. Each file's `rests_on` names the facts it uses. They
//! are not raw captures of traffic.
//!
//! # The format of a recording
//!
//! ```text
//! {
//!   "flow": "what the sequence does",
//!   "rests_on": ["the facts it is transcribed from", …],
//!   "emulator": {                       // optional; all fields optional
//!     "page_size": 3,                   // most items a page holds
//!     "consistency_delay_seconds": 5,   // branches invisible after creation
//!     "processing_delay_seconds": 30,   // an upload stays InProcessing
//!     "certification_delay_seconds": 60 // each submission substate step
//!   },
//!   "every_answer_headers": {"request-id": "$non-empty-string"}, // optional
//!   "steps": [ step, … ]
//! }
//! ```
//!
//! `every_answer_headers` are header patterns every answer of the API (every
//! `path` step, every followed page) must match, on top of its own.
//!
//! Each recording gets an emulator of its own, started as the other tests
//! start theirs (`support::start`, which also takes the bearer token from
//! its token endpoint). It runs on a manual clock: time moves only by a step
//! `{"advance_seconds": N}`, which stands for the time that passed between
//! two recorded requests. Every other step is one request and its answer:
//!
//! * `method`; and `path` (under the API base `…/v1.0/ingestion`, sent with
//!   the bearer token) or `url` (absolute, such as a `fileSasUri` captured
//!   earlier; sent without the token, as to Azure Storage);
//! * `headers` (request headers, such as `If-Match`); `body` (JSON) or
//!   `bytes` (text, sent as its UTF-8 bytes);
//! * `status`: the status code the service answered;
//! * `answer`: the body it answered, as a pattern (below); `"$empty"` for an
//!   empty body; left out, the body is not compared;
//! * `answer_headers`: header name → pattern of its value;
//! * `capture`: name → a JSON Pointer into the answer (`"/id"`,
//!   `"/@odata.etag"`, `"/value/0/currentDraftInstanceID"`), or
//!   `{"from": pointer to an array, "where": pattern, "take": pointer}`:
//!   from the first item of the array that matches the pattern;
//! * `follow`: the answer is the first page of a collection; its `nextLink`s
//!   (relative to the host) are followed to the last page, which must have
//!   none. `{"link": pattern of every nextLink, "page_items": [min, max],
//!   "min_pages": n, "items": [pattern, …]}`: every page's `value` holds
//!   min to max items, there are at least n pages, and the items of all
//!   pages are the expected ones, one each, in any order (the service
//!   records no order). `status` and `answer` apply to every page; captures
//!   then read `{"value": [every item of every page]}`;
//! * `note`: what the step is, for people.
//!
//! `{name}` inside a path, url, header, body or expected string is the value
//! captured under that name (an unknown name fails the replay); a string that
//! is exactly `{name}` stands for the captured JSON value itself (in a body,
//! or compared exactly in an answer).
//!
//! # Patterns
//!
//! An expected object lists the fields that must be there, with their
//! patterns; fields it leaves out are not compared. An array must have as
//! many items, each matching in order. Numbers, booleans and strings must be
//! equal; `null` means the field is there and null. Strings starting with
//! `$` are markers:
//!
//! | marker | the value |
//! | --- | --- |
//! | `$any` | is there (null included) |
//! | `$non-null` | is there and not null |
//! | `$absent` | is not there |
//! | `$string` | is a string (maybe empty) |
//! | `$non-empty-string` | is a string with something in it |
//! | `$numeric-string` | is a string of decimal digits, such as `"1152921505695125040"` |
//! | `$guid` | is a string of the form `8-4-4-4-12` hex digits |
//! | `$etag` | is a string quoted inside, `"\"…\""` |
//! | `$one-of:A\|B` | is one of these strings |
//! | `$starts-with:TEXT` / `$contains:TEXT` | is a string that does (TEXT may name captures) |
//! | `$$TEXT` | is the string `$TEXT` |
//!
//! An error string of the service is matched by
//! `{"$ich": {"code": "ICH50400", "mentions": [text, …], "detail": pattern}}`:
//! the answer is a JSON string starting `ICH50400 - `, containing each
//! mention, whose embedded JSON object matches `detail`.

#[path = "../support/mod.rs"]
mod support;

mod format;
mod patterns;
mod runner;

use format::{load, DIR};
use runner::run;

/// Declares one test per recording, named after it, and [`RECORDINGS`],
/// the list the directory is checked against: one list, so a recording
/// cannot be listed without being replayed.
macro_rules! recordings {
    ($($name:ident),+ $(,)?) => {
        /// Every recording, each replayed by the test of its name.
        const RECORDINGS: &[&str] = &[$(concat!(stringify!($name), ".json")),+];
        $(
            #[tokio::test]
            async fn $name() {
                run(concat!(stringify!($name), ".json")).await;
            }
        )+
    };
}

recordings! {
    products_created,
    products_listed_over_pages,
    listings_and_media,
    plans_and_plan_listings,
    setup,
    managed_application_plan,
    solution_template_plan,
    submissions,
}

#[test]
fn every_recording_parses_and_is_replayed_by_a_test() {
    let mut found: Vec<String> = std::fs::read_dir(DIR)
        .unwrap_or_else(|e| panic!("{DIR}: {e}"))
        .map(|e| e.expect("a directory entry").file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no recordings in {DIR}");
    let mut listed: Vec<String> = RECORDINGS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        found, listed,
        "every recording in {DIR} needs a test in tests/replay/main.rs, and every test its recording"
    );
    for f in &found {
        let rec = load(f).unwrap_or_else(|e| panic!("{e}"));
        assert!(rec.steps.iter().any(|s| s.status.is_some()), "{f}");
    }
}
