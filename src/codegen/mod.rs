//! Build-time generation of the client from an OpenAPI document.
//!
//! This directory is not part of the library: `build.rs` compiles it (and
//! `tests/codegen.rs` compiles it again to test it). The steps:
//!
//! 1. read the document ([`generate_file`]); a file that is not JSON fails
//!    with the line and column;
//! 2. fix it up for the generator ([`normalize`], a pure function);
//! 3. generate the client with progenitor, our own types replacing the
//!    schemas we render ourselves ([`own_types`]);
//! 4. polish the generated syntax tree ([`polish`]);
//! 5. record the API surface ([`surface`]).
//!
//! Any failure is a [`SpecError`] naming the file and the problem; the
//! generator is never allowed to panic its way out.

pub mod naming;
pub mod normalize;
pub mod own_types;
pub mod polish;
/// What is secret: the same list the runtime redactor uses.
#[path = "../sensitive.rs"]
pub mod sensitive;
pub mod surface;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use quote::quote;

/// Where the generated code lives inside the crate; our own types are
/// referred to by this path.
pub const TYPES_PATH: &str = "crate::generated::types";
/// The type the generated client carries for its hooks.
pub const INNER_TYPE: &str = "crate::pipeline::Pipeline";

/// What one document generates.
#[derive(Debug, Clone)]
pub struct Output {
    /// The client's Rust source.
    pub code: String,
    /// The API surface record (see [`surface`]).
    pub surface: String,
    /// The operation table, for the crate documentation.
    pub operations: String,
}

/// A document that cannot be turned into a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The document's path.
    pub file: PathBuf,
    /// What is wrong with it.
    pub problem: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot generate the Partner Center client from {}: {}",
            self.file.display(),
            self.problem
        )
    }
}

impl std::error::Error for SpecError {}

/// Reads the document at `path` and generates the client from it.
pub fn generate_file(path: &Path) -> Result<Output, SpecError> {
    let error = |problem: String| SpecError {
        file: path.to_path_buf(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(format!("cannot read it: {e}")))?;
    generate(&text).map_err(error)
}

/// Generates the client from the text of an OpenAPI 3.0 JSON document.
pub fn generate(text: &str) -> Result<Output, String> {
    let raw: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "it is not valid JSON (line {}, column {}): {}",
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        )
    })?;
    let doc = normalize::normalize(&raw).map_err(|p| p.0)?;
    let spec = read_openapi(&doc)?;

    let own = own_types::own_types(&doc);
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(INNER_TYPE.parse().expect("a valid path"))
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    for own_type in &own {
        let impls = if own_type.is_string {
            vec![progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr]
        } else {
            Vec::new()
        };
        settings.with_replacement(
            &own_type.name,
            format!("{TYPES_PATH}::{}", own_type.name),
            impls.into_iter(),
        );
    }

    for (format, rust_type) in [
        (normalize::SAS_URI, "crate::secret::SasUri"),
        (normalize::PASSWORD, "crate::secret::Secret"),
    ] {
        let schema = schemars08::schema::SchemaObject {
            instance_type: Some(schemars08::schema::InstanceType::String.into()),
            format: Some(format.to_string()),
            ..Default::default()
        };
        settings.with_conversion(schema, rust_type, std::iter::empty());
    }

    let tokens = run_generator(&settings, &spec)?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("the generator produced invalid Rust: {e}"))?;
    let docs = polish::Docs {
        fields: normalize::property_descriptions(&doc),
        parameters: normalize::parameter_descriptions(&doc),
    };
    polish::polish(
        &mut file,
        own.into_iter().map(|t| t.tokens).collect(),
        &docs,
        &polish::Expected::from_doc(&doc),
    )?;

    let operations = surface::operations(&doc);
    let (ids, paths): (Vec<&str>, Vec<&str>) = operations
        .iter()
        .map(|op| (op.method.as_str(), op.path.as_str()))
        .unzip();
    file.items.push(syn::parse_quote! {
        /// The path template of an operation, by operation id.
        pub(crate) fn operation_path(operation_id: &str) -> ::std::option::Option<&'static str> {
            match operation_id {
                #( #ids => ::std::option::Option::Some(#paths), )*
                _ => ::std::option::Option::None,
            }
        }
    });
    Ok(Output {
        code: format!(
            "// Generated by build.rs from the OpenAPI document; do not edit.\n{}",
            prettyplease::unparse(&file)
        ),
        surface: surface::record(&operations, &file),
        operations: surface::operation_table(&operations),
    })
}

/// serde_json's messages end with "at line L column C"; we report those
/// separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Reads the normalized document as OpenAPI, naming the place of a problem.
fn read_openapi(doc: &serde_json::Value) -> Result<openapiv3::OpenAPI, String> {
    serde_path_to_error::deserialize(doc.clone()).map_err(|e| {
        format!(
            "it is JSON but not a valid OpenAPI 3.0 document: at `{}`: {}",
            e.path(),
            e.inner()
        )
    })
}

/// Runs progenitor, turning its errors and panics into messages.
fn run_generator(
    settings: &progenitor::GenerationSettings,
    spec: &openapiv3::OpenAPI,
) -> Result<proc_macro2::TokenStream, String> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut generator = progenitor::Generator::new(settings);
        generator.generate_tokens(spec)
    }));
    std::panic::set_hook(previous);
    match result {
        Ok(Ok(tokens)) => Ok(quote!(#tokens)),
        Ok(Err(e)) => Err(format!("the generator refused it: {e}")),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no details".to_string());
            Err(format!(
                "the generator could not handle it ({message}); \
                 this is a shape of document the fix-ups do not cover yet"
            ))
        }
    }
}
