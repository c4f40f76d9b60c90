//! The library's rooms use each other downwards only (ARCHITECTURE.md).
//!
//! Each top-level module of `src/` (and the generated client) is a room
//! with a floor in [`FLOORS`]; a room may name (`crate::…`, `super::…` out
//! of its own files, or a re-export of the crate root) only rooms on a lower
//! floor. Read from the code's text: comments and `#[cfg(test)] mod tests`
//! are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The rooms, bottom first. A room may use the rooms of lower floors only.
/// A new module of `src/` gets a line here (and in ARCHITECTURE.md).
const FLOORS: &[(&str, u8)] = &[
    // What is secret, secret strings, HTTP helpers, when to retry.
    ("sensitive", 0),
    ("retry", 0),
    // One throttle budget per client, shared by its clones.
    ("throttle", 0),
    ("secret", 1),
    ("net", 1),
    // Credentials and blob uploads stand on the helpers alone.
    ("auth", 2),
    ("blob", 2),
    // The error type wraps the errors of auth and blob.
    ("error", 3),
    // Every request goes through the pipeline; pages follow links through it.
    ("pipeline", 4),
    ("paging", 5),
    // The generated client (OUT_DIR/generated.rs) and its configuration.
    ("generated", 6),
    ("client", 7),
    // Compound operations over the client, and offers as code over them.
    ("workflows", 8),
    ("definition", 9),
];

/// Upward uses allowed for now, each as (room, room it uses, its fix); the
/// check fails on any other, and on one of these that is gone (delete its
/// line then). Empty: every room uses only the rooms below it.
const KNOWN_UPWARDS: &[(&str, &str, &str)] = &[];

/// The directory of build-time code: not part of the library.
const BUILD_TIME: &str = "codegen";

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text that is code: no comments, no unit tests, no string contents.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The first segment of every path under `prefix::` in `code`, through
/// `prefix::{a, b::{c}}` groups too.
fn names_after(code: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => {
                        at_start = true;
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 1 && at_start {
                    if c.is_alphanumeric() || c == '_' {
                        item.push(c);
                    } else if !item.is_empty() {
                        out.push(std::mem::take(&mut item));
                        at_start = false;
                    }
                }
            }
            if at_start && !item.is_empty() {
                out.push(item);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

/// Names the crate root re-exports, by the room they come from
/// (`Client` → `generated`).
fn re_exports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((room, items)) = path.split_once("::") else {
            continue;
        };
        for item in items.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = item.rsplit("::").next().unwrap_or("").trim();
            let name = name.rsplit(" as ").next().unwrap_or(name).trim();
            if !name.is_empty() {
                out.insert(name.to_string(), room.trim().to_string());
            }
        }
    }
    out
}

/// Room → the rooms it names.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = src();
    let lib = code(&std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs"));
    let exports = re_exports(&lib);
    let rooms: BTreeSet<&str> = FLOORS.iter().map(|(room, _)| *room).collect();
    let resolve = |name: &str| -> Option<String> {
        if rooms.contains(name) {
            Some(name.to_string())
        } else {
            exports.get(name).cloned()
        }
    };
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut sources: Vec<(String, Vec<String>, String)> = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let mut module: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        let Some(room) = module.first().cloned() else {
            continue;
        };
        if room == "lib" || room == BUILD_TIME {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        sources.push((room, module, code(&text)));
    }
    let generated = Path::new(env!("OUT_DIR")).join("generated.rs");
    let text = std::fs::read_to_string(&generated).expect("the build wrote generated.rs");
    sources.push(("generated".into(), vec!["generated".into()], code(&text)));

    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (room, module, code) in sources {
        let used = out.entry(room.clone()).or_default();
        for name in names_after(&code, "crate::") {
            used.extend(resolve(&name));
        }
        // `super::` from a top-level file is the crate root; deeper, one
        // `super` per level up.
        for depth in 1..=module.len() {
            let prefix = "super::".repeat(depth);
            if depth == module.len() {
                for name in names_after(&code, &prefix) {
                    used.extend(resolve(&name));
                }
            }
        }
        used.remove(&room);
    }
    out
}

#[test]
fn every_room_has_a_floor() {
    let floors: BTreeMap<&str, u8> = FLOORS.iter().copied().collect();
    let unplaced: Vec<String> = uses()
        .into_keys()
        .filter(|room| !floors.contains_key(room.as_str()))
        .collect();
    assert!(
        unplaced.is_empty(),
        "rooms without a floor: {unplaced:?}; add them to FLOORS in tests/architecture.rs and to ARCHITECTURE.md"
    );
}

#[test]
fn rooms_use_lower_floors_only() {
    let floors: BTreeMap<&str, u8> = FLOORS.iter().copied().collect();
    let uses = uses();
    assert!(uses.len() >= 10, "the rooms were found: {uses:?}");
    let known = |room: &str, other: &str| {
        KNOWN_UPWARDS
            .iter()
            .any(|(r, o, _)| *r == room && *o == other)
    };
    let mut upwards = Vec::new();
    let mut seen = BTreeSet::new();
    for (room, used) in &uses {
        let Some(&floor) = floors.get(room.as_str()) else {
            continue;
        };
        for other in used {
            let other_floor = floors.get(other.as_str()).copied().unwrap_or(u8::MAX);
            if other_floor < floor {
                continue;
            }
            if known(room, other) {
                seen.insert((room.as_str(), other.as_str()));
            } else {
                upwards.push(format!(
                    "{room} (floor {floor}) uses {other} (floor {other_floor})"
                ));
            }
        }
    }
    assert!(
        upwards.is_empty(),
        "rooms use each other downwards only (ARCHITECTURE.md):\n{}",
        upwards.join("\n")
    );
    let gone: Vec<String> = KNOWN_UPWARDS
        .iter()
        .filter(|(room, other, _)| !seen.contains(&(*room, *other)))
        .map(|(room, other, _)| format!("{room} -> {other}"))
        .collect();
    assert!(
        gone.is_empty(),
        "fixed, so delete from KNOWN_UPWARDS in tests/architecture.rs: {gone:?}"
    );
}

#[test]
fn the_reader_finds_paths_in_groups_and_skips_comments_and_strings() {
    let text = code(
        "use crate::{auth::Credential, error::{Error, Result}, net};\n\
         // crate::workflows in a comment\n\
         let s = \"crate::definition\";\n\
         crate::paging::items(x);\n",
    );
    assert_eq!(
        names_after(&text, "crate::"),
        ["auth", "error", "net", "paging"]
    );
    assert_eq!(
        re_exports("pub use client::{ClientBuilder, DEFAULT_ENDPOINT};\npub use net::USER_AGENT;")
            ["ClientBuilder"],
        "client"
    );
}

/// The emulator stands alone: it does not build on the library.
#[test]
fn the_emulator_does_not_depend_on_the_library() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("emulator/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("emulator/Cargo.toml");
    let dependencies = text.split("[dev-dependencies]").next().unwrap_or_default();
    assert!(
        !dependencies.contains("partner-center-ingestion"),
        "the emulator must not depend on the library"
    );
}
