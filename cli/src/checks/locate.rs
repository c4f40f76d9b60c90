//! Finds the line of a key path (`plans[0].technical_configuration.package`)
//! in a definition's text, for findings and annotations. A best effort over
//! YAML's block style and pretty-printed JSON: `None` when it cannot tell.

/// One step of a key path.
#[derive(Debug, PartialEq, Eq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Option<Vec<Segment<'_>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped.find(']')?;
            out.push(Segment::Index(stripped[..end].parse().ok()?));
            rest = &stripped[end + 1..];
        }
    }
    Some(out)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The column a line's key starts at (after a sequence dash).
fn key_column(line: &str) -> usize {
    let t = line.trim_start();
    indent(line) + if t.starts_with("- ") { 2 } else { 0 }
}

/// Whether `line` holds `key` as a mapping key (`key:`, `- key:`, `"key":`).
fn holds_key(line: &str, key: &str) -> bool {
    let t = line.trim_start();
    let t = t.strip_prefix("- ").unwrap_or(t).trim_start();
    let t = t.strip_prefix('"').unwrap_or(t);
    t.strip_prefix(key)
        .map(|rest| rest.strip_prefix('"').unwrap_or(rest))
        .is_some_and(|rest| rest.trim_start().starts_with(':'))
}

/// The first line after `start` that is not blank and not deeper than `level`.
fn block_end(lines: &[&str], start: usize, level: usize) -> usize {
    (start + 1..lines.len())
        .find(|&j| !lines[j].trim().is_empty() && indent(lines[j]) <= level)
        .unwrap_or(lines.len())
}

/// The 1-based line of `path` in `text`.
pub fn line_of(text: &str, path: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let (mut from, mut end, mut floor) = (0, lines.len(), 0);
    let mut found = None;
    for segment in segments(path)? {
        let block =
            || (from..end).take_while(|&i| lines[i].trim().is_empty() || indent(lines[i]) >= floor);
        match segment {
            Segment::Key(key) => {
                let i = block().find(|&i| holds_key(lines[i], key))?;
                let column = key_column(lines[i]);
                (from, end, floor) = (
                    i + 1,
                    block_end(&lines, i, column.saturating_sub(1).max(indent(lines[i]))),
                    column + 1,
                );
                found = Some(i);
            }
            Segment::Index(n) => {
                let dash = |i: &usize| lines[*i].trim_start().starts_with('-');
                let first = block().find(dash)?;
                let level = indent(lines[first]);
                let i = block()
                    .skip_while(|&i| i < first)
                    .take_while(|&i| lines[i].trim().is_empty() || indent(lines[i]) >= level)
                    .filter(|i| dash(i) && indent(lines[*i]) == level)
                    .nth(n)?;
                (from, end, floor) = (i, block_end(&lines, i, level), level);
                found = Some(i);
            }
        }
    }
    found.map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "offer_id: a\nname: A\nlisting:\n  title: T\n  logos:\n    large: logo.png\nplans:\n  - id: one\n    technical_configuration:\n      package: one.zip\n  - id: two\n    technical_configuration:\n      package: two.zip\n      version: 1.0\n";

    #[test]
    fn keys_and_items_are_found_by_their_path() {
        assert_eq!(line_of(YAML, "name"), Some(2));
        assert_eq!(line_of(YAML, "listing.logos.large"), Some(6));
        assert_eq!(
            line_of(YAML, "plans[0].technical_configuration.package"),
            Some(10)
        );
        assert_eq!(
            line_of(YAML, "plans[1].technical_configuration.package"),
            Some(13)
        );
        assert_eq!(
            line_of(YAML, "plans[1].technical_configuration.version"),
            Some(14)
        );
        assert_eq!(line_of(YAML, "plans[1].id"), Some(11));
    }

    #[test]
    fn unknown_paths_have_no_line() {
        assert_eq!(line_of(YAML, "listing.summary"), None);
        assert_eq!(line_of(YAML, "plans[5].id"), None);
        assert_eq!(line_of("", "a.b"), None);
        assert_eq!(line_of(YAML, "plans[x]"), None);
    }

    #[test]
    fn pretty_json_is_read_too() {
        let json = "{\n  \"offer_id\": \"a\",\n  \"listing\": {\n    \"summary\": \"s\"\n  }\n}\n";
        assert_eq!(line_of(json, "listing.summary"), Some(4));
    }
}
