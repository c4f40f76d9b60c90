//! The API surface record: every generated operation and type, as Markdown.
//!
//! The build writes it next to the generated code; `tests/api-surface.md`
//! is the checked-in copy, and `tests/api_surface.rs` fails when the two
//! differ, so a spec change shows up as a reviewable diff of this record.

use std::fmt::Write as _;

use quote::ToTokens;
use serde_json::Value;
use syn::{Fields, File, Item};

/// One row of the operation table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The Rust method name.
    pub method: String,
    /// The HTTP method, upper case.
    pub http: String,
    /// The path template.
    pub path: String,
    /// The operation's summary, if it has one.
    pub summary: Option<String>,
}

/// The operations of a normalized document, in document order.
pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, http, _, operation) in super::normalize::each_operation(doc) {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        out.push(Operation {
            method: super::naming::method_name(id),
            http: http.to_uppercase(),
            path: path.to_string(),
            summary: operation
                .get("summary")
                .and_then(Value::as_str)
                .map(|s| s.trim().to_string()),
        });
    }
    out
}

/// The operation table (method, HTTP verb, path), as Markdown.
pub fn operation_table(operations: &[Operation]) -> String {
    let mut out = String::from("| Method | HTTP | Path |\n| --- | --- | --- |\n");
    for op in operations {
        let _ = writeln!(out, "| `{}` | {} | `{}` |", op.method, op.http, op.path);
    }
    out
}

/// The whole record: operations, then each type with its fields or variants.
pub fn record(operations: &[Operation], file: &File) -> String {
    let mut out = String::new();
    out.push_str("# API surface\n\n");
    out.push_str(
        "Written by the build from the OpenAPI document; `tests/api_surface.rs` fails when this \
         copy and the generated client differ. After reviewing a change, refresh it with \
         `UPDATE_API_SURFACE=1 cargo test --test api_surface`.\n\n",
    );
    let _ = writeln!(out, "## Operations ({})\n", operations.len());
    out.push_str(&operation_table(operations));
    let types = type_lines(file);
    let _ = writeln!(out, "\n## Types ({})\n", types.len());
    for line in types {
        let _ = writeln!(out, "- {line}");
    }
    out
}

fn type_lines(file: &File) -> Vec<String> {
    let Some(items) = file.items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    }) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for item in items {
        match item {
            Item::Struct(s) => {
                let fields = match &s.fields {
                    Fields::Named(named) => named
                        .named
                        .iter()
                        .filter_map(|f| f.ident.as_ref().map(|i| i.to_string()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    Fields::Unnamed(unnamed) => unnamed
                        .unnamed
                        .iter()
                        .map(|f| f.ty.to_token_stream().to_string().replace(' ', ""))
                        .collect::<Vec<_>>()
                        .join(", "),
                    Fields::Unit => String::new(),
                };
                lines.push(format!("`struct {}`: {}", s.ident, fields));
            }
            Item::Enum(e) => {
                let variants = e
                    .variants
                    .iter()
                    .map(|v| v.ident.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                lines.push(format!("`enum {}`: {}", e.ident, variants));
            }
            _ => {}
        }
    }
    lines.sort();
    lines
}
