//! Finishing touches on the generated code, applied to its syntax tree.
//!
//! * Fields get the names of the naming rule (`external_ids`, not typify's
//!   `external_i_ds`), everywhere they are used.
//! * Fields accept the other spellings the service reads and writes
//!   interchangeably: `ID`/`Id`/`id` inside names (`externalIds` for
//!   `externalIDs`), and `@odata.nextLink` for `nextLink`.
//! * Our own types ([`super::own_types`]) join the `types` module.
//! * Every page (a struct with `value: Vec<T>` and `next_link:
//!   Option<String>`) implements `crate::paging::Page`, and the request
//!   builder of every operation that returns a page gets a `stream()`
//!   method yielding the items of every page.
//! * The map that keeps the properties a document does not list (`extra`)
//!   starts empty in builders, and structs stay `Default`.
//! * Every `send` returns the crate's own error; the `api-version` header is
//!   not sent; success bodies are decoded by `crate::pipeline::decode`.
//! * Every public item has documentation: fields and parameters take the
//!   document's descriptions ([`Docs`]); request builders and their
//!   setters say what they build and set.
//! * typify's struct builders (`types::builder`, each type's `builder()`,
//!   each request's `body_map`) are taken out: nothing needs them, and
//!   every crate that depends on this one would compile them
//!   ([`struct_builders`]).
//!
//! # The generator contract
//!
//! These passes read the shape of progenitor's (and typify's) output, which
//! is theirs to change in any release. That is why `Cargo.toml` pins both
//! exactly. What the passes rely on, each counted against what the document
//! implies ([`Expected`]); when a count is off the build stops with one
//! message naming it (for example "expected 78 `send` methods, wrapped 0:
//! progenitor's output changed; see src/codegen/polish.rs"):
//!
//! 1. The output has a `types` module (typify's structs and enums) and a
//!    `builder` module (one request builder per operation); `types` has its
//!    own `builder` module of struct builders when it has structs.
//! 2. Every request builder has an inherent `async fn send(self)` returning
//!    `Result<ResponseValue<T>, E>`: one per operation, each wrapped.
//! 3. Each `send` appends `api-version` to its header map with one
//!    statement `header_map.append(HeaderName::from_static("api-version"),
//!    …);`: one per operation, each removed.
//! 4. A success body is decoded by a call whose path is the two segments
//!    `ResponseValue::from_response`: every operation with a JSON success
//!    body has one, rewritten to `crate::pipeline::decode`.
//! 5. Each `send` builds `OperationInfo { operation_id: "…" }` with a
//!    literal: one read per operation (paging names the operation by it).
//! 6. A page type is a struct with `value: Vec<T>` and `next_link:
//!    Option<String>`; every operation answering with a page (by the
//!    document) gets a `stream()` method.
//! 7. A struct keeping unlisted properties has a field `extra`, and derives
//!    `Debug`; its builder's `Default` impl ends in a struct literal with an
//!    `extra` field. Every such struct gets the redacting `Debug` and an
//!    empty `extra` in its builder; there are at least as many of them as
//!    open object schemas in `components`.
//! 8. `Client` has inherent `new` and `new_with_client`: two constructors
//!    made crate-private.
//! 9. typify's struct builders are one module `types::builder` (read by
//!    item 7, then removed with its structs), one `builder()` function per
//!    struct returning `builder::T`, and, in each request builder whose
//!    body type has one, a field `Result<types::builder::T, String>`
//!    starting `Ok(Default::default())` in `new` and a `body_map` method.
//!    As many of each are removed or rewritten, and no `types::builder`
//!    path is left afterwards.
//!
//! What progenitor's settings can do is done there, not here (see
//! `super::generate`): the builder interface, merged tags, the inner type
//! and hooks, the extra derives, our own types as replacements, secret
//! strings as conversions.
//!
//! Upgrading progenitor: bump both pins together, build, and read the one
//! message if there is one; the API surface record (`tests/api-surface.md`)
//! shows what changed for users.

mod contract;
mod requests;
mod struct_builders;
mod syntax;
mod types;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::format_ident;
use syn::File;

use super::naming;
pub use contract::{Count, Expected, Tally};

/// Descriptions from the document, for the generated items that progenitor
/// leaves undocumented.
#[derive(Debug, Default, Clone)]
pub struct Docs {
    /// (schema, wire property name) → description.
    pub fields: BTreeMap<(String, String), String>,
    /// (operationId, parameter name) → description.
    pub parameters: BTreeMap<(String, String), String>,
}

/// Applies every touch to `file`, adding `own` (rendered own types) to its
/// `types` module; fails with one message when the output does not have
/// the shape [`Expected`] from the document (see the generator contract).
pub fn polish(
    file: &mut File,
    own: Vec<TokenStream>,
    docs: &Docs,
    expected: &Expected,
) -> Result<Tally, String> {
    let mut tally = Tally::default();
    let types = syntax::find_mod(&mut file.items, "types").ok_or(
        "the generated code has no `types` module: progenitor's output changed; \
         see src/codegen/polish.rs",
    )?;
    types::rename_fields(types);
    types::add_aliases(types);
    let extra = types::default_extra(types);
    tally.record(
        Count::at_least(
            "structs keeping unlisted properties (`extra`)",
            "found",
            expected.open_objects,
        ),
        extra.structs,
    );
    tally.record(
        Count::exactly("struct builders starting `extra`", "rewrote", extra.structs),
        extra.builders,
    );
    let pages = types::page_types(types);
    let content = &mut types
        .content
        .as_mut()
        .ok_or("the `types` module is empty")?
        .1;
    for tokens in own {
        let parsed: File = syn::parse2(tokens).map_err(|e| format!("rendering own types: {e}"))?;
        content.extend(parsed.items);
    }
    for (page, item_ty) in &pages {
        let page_ident = format_ident!("{}", page);
        content.push(syn::parse_quote! {
            impl crate::paging::Page for #page_ident {
                type Item = #item_ty;
                fn into_parts(self) -> (::std::vec::Vec<#item_ty>, ::std::option::Option<::std::string::String>) {
                    (self.value, self.next_link)
                }
            }
        });
    }
    let redacted = types::hide_secrets_in_debug(types);
    tally.record(
        Count::exactly(
            "structs with `extra` deriving `Debug`",
            "redacted",
            extra.structs,
        ),
        redacted,
    );
    types::document_types(types, docs);

    let sends = match syntax::find_mod(&mut file.items, "builder") {
        Some(builder) => {
            let streams = requests::add_stream_methods(builder, &pages);
            let sends = requests::return_our_error(builder);
            requests::document_requests(builder, docs);
            tally.record(
                Count::exactly(
                    "operations answering with a page",
                    "given `stream()`",
                    expected.pages,
                ),
                streams,
            );
            sends
        }
        None => requests::Sends::default(),
    };
    tally.record(
        Count::exactly("`send` methods", "wrapped", expected.operations),
        sends.wrapped,
    );
    tally.record(
        Count::exactly(
            "`api-version` header statements",
            "removed",
            expected.operations,
        ),
        sends.api_version,
    );
    tally.record(
        Count::exactly(
            "`send` methods decoding a JSON body with `ResponseValue::from_response`",
            "rewrote",
            expected.json_successes,
        ),
        sends.decoding,
    );
    tally.record(
        Count::exactly(
            "`OperationInfo { operation_id }` literals",
            "read",
            expected.operations,
        ),
        sends.operation_ids,
    );
    let constructors = requests::hide_plumbing(&mut file.items);
    tally.record(
        Count::exactly(
            "`Client` constructors (`new`, `new_with_client`)",
            "hid",
            expected.constructors,
        ),
        constructors,
    );
    let dropped = struct_builders::drop_struct_builders(file);
    tally.record(
        Count::exactly(
            "`types::builder` modules of struct builders",
            "removed",
            usize::from(extra.structs > 0 || dropped.builder_structs > 0),
        ),
        dropped.modules,
    );
    tally.record(
        Count::at_least("struct builders", "removed", extra.builders),
        dropped.builder_structs,
    );
    tally.record(
        Count::exactly(
            "`builder()` functions on the types",
            "removed",
            dropped.builder_structs,
        ),
        dropped.builder_fns,
    );
    tally.record(
        Count::exactly(
            "`body_map` methods (one per body of a struct builder's type)",
            "removed",
            dropped.body_fields,
        ),
        dropped.body_maps,
    );
    tally.record(
        Count::exactly(
            "initial values of those bodies in `new`",
            "rewrote",
            dropped.body_fields,
        ),
        dropped.body_inits,
    );
    let text = quote::quote!(#file).to_string();
    tally.record(
        Count::exactly(
            "references to `types::builder` once it is removed",
            "found",
            0,
        ),
        text.matches("types :: builder ::").count(),
    );
    tally.check()?;
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::types::alias_spellings;
    use super::*;
    use quote::quote;

    #[test]
    fn aliases_cover_id_spellings_and_next_link() {
        assert_eq!(alias_spellings("externalIDs"), ["externalIds"]);
        assert_eq!(alias_spellings("id"), ["ID", "Id"]);
        assert_eq!(alias_spellings("ID"), ["Id", "id"]);
        assert_eq!(alias_spellings("nextLink"), ["@odata.nextLink"]);
        assert!(alias_spellings("name").is_empty());
    }

    #[test]
    fn fields_are_renamed_and_aliased() {
        let mut file: File = syn::parse_quote! {
            pub mod types {
                pub struct AzureProduct {
                    #[serde(rename = "externalIDs", default)]
                    pub external_i_ds: Vec<String>,
                    pub id: Option<String>,
                }
                pub struct ProductPage {
                    #[serde(rename = "nextLink")]
                    pub next_link: ::std::option::Option<::std::string::String>,
                    pub value: ::std::vec::Vec<AzureProduct>,
                }
                impl AzureProduct {
                    pub fn builder() -> builder::AzureProduct { Default::default() }
                }
                pub mod builder {
                    pub struct AzureProduct { external_i_ds: Result<Vec<String>, String> }
                    impl AzureProduct {
                        pub fn external_i_ds(self) -> Self { self }
                    }
                }
            }
        };
        polish(
            &mut file,
            Vec::new(),
            &Docs::default(),
            &Expected::default(),
        )
        .unwrap();
        let text = quote!(#file).to_string();
        assert!(!text.contains("external_i_ds"), "{text}");
        assert!(text.contains("pub external_ids : Vec < String >"), "{text}");
        assert!(
            !text.contains("mod builder"),
            "struct builders are removed: {text}"
        );
        assert!(text.contains("alias = \"externalIds\""), "{text}");
        assert!(text.contains("alias = \"ID\""), "{text}");
        assert!(text.contains("alias = \"@odata.nextLink\""), "{text}");
        assert!(
            text.contains("impl crate :: paging :: Page for ProductPage"),
            "{text}"
        );
    }

    /// Generated code of the shape progenitor 0.15 writes, for one
    /// operation: `send` named `send_name`, decoding with `decode`.
    fn one_operation(send_name: &str, decode: syn::Path) -> File {
        let send = quote::format_ident!("{send_name}");
        syn::parse_quote! {
            pub mod types {
                pub struct AzureProduct {
                    pub id: Option<String>,
                }
            }
            pub struct Client {}
            impl Client {
                pub fn new() -> Self { Client {} }
                pub fn new_with_client() -> Self { Client {} }
            }
            pub mod builder {
                pub struct GetProduct<'a> {
                    client: &'a super::Client,
                }
                impl<'a> GetProduct<'a> {
                    pub async fn #send(self) -> Result<ResponseValue<types::AzureProduct>, Error<()>> {
                        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                        header_map.append(
                            ::reqwest::header::HeaderName::from_static("api-version"),
                            ::reqwest::header::HeaderValue::from_static(Client::api_version()),
                        );
                        let info = OperationInfo { operation_id: "get_product" };
                        match response.status().as_u16() {
                            200u16 => #decode(response).await,
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
            }
        }
    }

    fn one_operation_expected() -> Expected {
        Expected {
            operations: 1,
            json_successes: 1,
            pages: 0,
            open_objects: 0,
            constructors: 2,
        }
    }

    #[test]
    fn the_expected_shape_passes_and_is_counted() {
        let mut file = one_operation("send", syn::parse_quote!(ResponseValue::from_response));
        let tally = polish(
            &mut file,
            Vec::new(),
            &Docs::default(),
            &one_operation_expected(),
        )
        .expect("the shape of the contract");
        assert!(tally
            .counts
            .iter()
            .any(|c| c.what == "`send` methods" && c.done == 1));
        let text = quote!(#file).to_string();
        assert!(text.contains("async fn send_generated"), "{text}");
        assert!(
            text.contains("crate :: pipeline :: decode (response)"),
            "{text}"
        );
        assert!(!text.contains("api-version"), "{text}");
    }

    #[test]
    fn a_renamed_send_stops_the_build_with_one_message() {
        let mut file = one_operation("execute", syn::parse_quote!(ResponseValue::from_response));
        let error = polish(
            &mut file,
            Vec::new(),
            &Docs::default(),
            &one_operation_expected(),
        )
        .expect_err("a shape the passes do not know");
        assert_eq!(
            error,
            "expected 1 `send` methods, wrapped 0; \
             expected 1 `api-version` header statements, removed 0; \
             expected 1 `send` methods decoding a JSON body with `ResponseValue::from_response`, rewrote 0; \
             expected 1 `OperationInfo { operation_id }` literals, read 0: \
             progenitor's output changed; see src/codegen/polish.rs"
        );
        assert!(!error.contains('\n'));
    }

    #[test]
    fn a_changed_decoding_call_stops_the_build() {
        let mut file = one_operation(
            "send",
            syn::parse_quote!(progenitor_client::ResponseValue::from_response),
        );
        let error = polish(
            &mut file,
            Vec::new(),
            &Docs::default(),
            &one_operation_expected(),
        )
        .expect_err("a three-segment path is not the contract's");
        assert_eq!(
            error,
            "expected 1 `send` methods decoding a JSON body with `ResponseValue::from_response`, \
             rewrote 0: progenitor's output changed; see src/codegen/polish.rs"
        );
    }

    #[test]
    fn expected_counts_come_from_the_document() {
        let doc = serde_json::json!({
            "paths": {
                "/products": {
                    "get": { "operationId": "list_products", "responses": { "200": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ProductPage" } } } } } },
                    "post": { "operationId": "create_product", "responses": { "201": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AzureProduct" } } } } } }
                },
                "/products/{id}": {
                    "delete": { "operationId": "delete_product", "responses": { "204": { "description": "gone" } } }
                }
            },
            "components": { "schemas": {
                "AzureProduct": { "type": "object", "properties": { "id": { "type": "string" } } },
                "Closed": { "type": "object", "properties": { "id": { "type": "string" } }, "additionalProperties": false },
                "ProductPage": { "allOf": [
                    { "type": "object", "properties": { "nextLink": { "type": "string" } } },
                    { "type": "object", "properties": { "value": { "type": "array", "items": { "$ref": "#/components/schemas/AzureProduct" } } } }
                ] }
            } }
        });
        assert_eq!(
            Expected::from_doc(&doc),
            Expected {
                operations: 3,
                json_successes: 2,
                pages: 1,
                open_objects: 1,
                constructors: 2,
            }
        );
    }
}
