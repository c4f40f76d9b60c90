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
//! * Every public item has documentation: fields and parameters take the
//!   document's descriptions ([`Docs`]); builders and their setters say
//!   what they build and set.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;
use syn::{Fields, File, Item, ItemMod, LitStr};

use super::naming;

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
/// `types` module.
pub fn polish(file: &mut File, own: Vec<TokenStream>, docs: &Docs) -> Result<(), String> {
    let types =
        find_mod(&mut file.items, "types").ok_or("the generated code has no `types` module")?;
    let renames = field_renames(types);
    Renamer { renames: &renames }.visit_item_mod_mut(types);
    add_aliases(types);
    default_extra(types);
    let pages = page_types(types);
    let content = &mut types.content.as_mut().expect("found with content").1;
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
    hide_secrets_in_debug(types);
    let field_docs = document_types(types, docs);
    if let Some(builder) = find_mod(&mut file.items, "builder") {
        add_stream_methods(builder, &pages);
        return_our_error(builder);
        document_requests(builder, docs);
    }
    hide_plumbing(&mut file.items);
    if let Some(types) = find_mod(&mut file.items, "types") {
        if let Some(builders) = types
            .content
            .as_mut()
            .and_then(|(_, items)| find_mod(items, "builder"))
        {
            document_type_builders(builders, &field_docs);
        }
    }
    Ok(())
}

fn has_doc(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

fn add_doc(attrs: &mut Vec<syn::Attribute>, text: &str) {
    attrs.insert(0, syn::parse_quote!(#[doc = #text]));
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// Documents fields from the document and `builder()` functions; returns
/// (struct, field ident) → the field's documentation.
fn document_types(types: &mut ItemMod, docs: &Docs) -> BTreeMap<(String, String), String> {
    let mut field_docs = BTreeMap::new();
    for item in structs(types) {
        let name = item.ident.to_string();
        let Fields::Named(fields) = &mut item.fields else {
            continue;
        };
        for field in fields.named.iter_mut() {
            let wire = wire_name(field);
            if !has_doc(&field.attrs) {
                let text = docs
                    .fields
                    .get(&(name.clone(), wire.clone()))
                    .cloned()
                    .unwrap_or_else(|| format!("The `{wire}` property."));
                add_doc(&mut field.attrs, &text);
            }
            let ident = field
                .ident
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let text: Vec<String> = field.attrs.iter().filter_map(doc_text).collect();
            field_docs.insert((name.clone(), ident), text.join("\n"));
        }
    }
    let items = &mut types.content.as_mut().expect("found with content").1;
    for (_, f) in undocumented_fns(items) {
        if f.sig.ident == "builder" {
            add_doc(&mut f.attrs, "Starts building this type field by field.");
        }
    }
    field_docs
}

fn doc_text(attr: &syn::Attribute) -> Option<String> {
    if !attr.path().is_ident("doc") {
        return None;
    }
    match &attr.meta {
        syn::Meta::NameValue(nv) => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value().trim().to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// The name of the type an impl block is for.
fn impl_type_name(block: &syn::ItemImpl) -> Option<String> {
    match &*block.self_ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The public functions without documentation of the inherent impls among
/// `items`, each with the name of its type.
fn undocumented_fns(items: &mut [Item]) -> Vec<(String, &mut syn::ImplItemFn)> {
    let mut out = Vec::new();
    for item in items.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        let Some(name) = impl_type_name(block) else {
            continue;
        };
        for impl_item in block.items.iter_mut() {
            if let syn::ImplItem::Fn(f) = impl_item {
                if is_pub(&f.vis) && !has_doc(&f.attrs) {
                    out.push((name.clone(), f));
                }
            }
        }
    }
    out
}

/// Documents the builders of `types::builder`.
fn document_type_builders(builders: &mut ItemMod, field_docs: &BTreeMap<(String, String), String>) {
    let items = &mut builders.content.as_mut().expect("found with content").1;
    for item in items.iter_mut() {
        if let Item::Struct(s) = item {
            if !has_doc(&s.attrs) {
                let text = format!(
                    "Builds a [`super::{}`] field by field; `try_into()` makes the value.",
                    s.ident
                );
                add_doc(&mut s.attrs, &text);
            }
        }
    }
    for (name, f) in undocumented_fns(items) {
        let setter = f.sig.ident.to_string();
        let text = match field_docs.get(&(name, setter.clone())) {
            Some(doc) if !doc.is_empty() => format!("Sets `{setter}`: {doc}"),
            _ => format!("Sets `{setter}`."),
        };
        add_doc(&mut f.attrs, &text);
    }
}

/// Documents the request builders of `builder`: `new` and the setters.
fn document_requests(builder: &mut ItemMod, docs: &Docs) {
    // Parameter descriptions by (builder type, setter).
    let mut by_setter: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for ((operation, parameter), text) in &docs.parameters {
        let builder_name = naming::builder_name(operation);
        let setter = naming::snake(&naming::split_words(parameter));
        by_setter.insert((builder_name, setter), (parameter.clone(), text.clone()));
    }
    let items = &mut builder.content.as_mut().expect("found with content").1;
    for (name, f) in undocumented_fns(items) {
        let method = naming::method_name(&name);
        let setter = f.sig.ident.to_string();
        let text = match setter.as_str() {
            "new" => format!(
                "A request with nothing set yet; [`Client::{method}`](super::Client::{method}) is the usual start."
            ),
            "body" => "Sets the request body.".to_string(),
            "body_map" => "Changes the request body through its builder.".to_string(),
            _ => match by_setter.get(&(name.clone(), setter.clone())) {
                Some((api, text)) => format!("Sets `{api}`: {text}"),
                None => format!("Sets `{setter}`."),
            },
        };
        add_doc(&mut f.attrs, &text);
    }
}

/// The name of the flattened map typify adds for unlisted properties.
const EXTRA: &str = "extra";

/// Builders start `extra` empty (typify insists on a value), and a struct
/// whose builder then starts every field from its default derives `Default`.
fn default_extra(types: &mut ItemMod) {
    let mut defaultable = BTreeSet::new();
    let items = &mut types.content.as_mut().expect("found with content").1;
    if let Some(builders) = find_mod(items, "builder") {
        let builder_items = &mut builders.content.as_mut().expect("found with content").1;
        for item in builder_items.iter_mut() {
            let Item::Impl(block) = item else { continue };
            let is_default = block
                .trait_
                .as_ref()
                .and_then(|(_, path, _)| path.segments.last())
                .is_some_and(|s| s.ident == "Default");
            let Some(name) = impl_type_name(block).filter(|_| is_default) else {
                continue;
            };
            let mut all_default = true;
            for impl_item in block.items.iter_mut() {
                let syn::ImplItem::Fn(f) = impl_item else {
                    continue;
                };
                let Some(syn::Stmt::Expr(syn::Expr::Struct(literal), _)) = f.block.stmts.last_mut()
                else {
                    continue;
                };
                for field in literal.fields.iter_mut() {
                    let is_extra = matches!(&field.member, syn::Member::Named(i) if i == EXTRA);
                    if is_extra {
                        field.expr = syn::parse_quote!(Ok(Default::default()));
                    }
                    all_default &= is_ok_default(&field.expr);
                }
            }
            if all_default {
                defaultable.insert(name);
            }
        }
    }
    for item in structs(types) {
        let has_extra = matches!(&item.fields, Fields::Named(named) if named.named.iter().any(|f| f.ident.as_ref().is_some_and(|i| i == EXTRA)));
        let derives_default = derives(&item.attrs).iter().any(|p| is_named(p, "Default"));
        if has_extra && !derives_default && defaultable.contains(&item.ident.to_string()) {
            item.attrs.push(syn::parse_quote!(#[derive(Default)]));
        }
    }
}

/// Whether `expr` is `Ok(Default::default())`.
fn is_ok_default(expr: &syn::Expr) -> bool {
    let syn::Expr::Call(ok) = expr else {
        return false;
    };
    let is_path = |e: &syn::Expr, want: &[&str]| match e {
        syn::Expr::Path(p) => {
            let segments: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            segments.ends_with(&want.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        }
        _ => false,
    };
    if !is_path(&ok.func, &["Ok"]) || ok.args.len() != 1 {
        return false;
    }
    matches!(&ok.args[0], syn::Expr::Call(inner)
        if inner.args.is_empty() && is_path(&inner.func, &["Default", "default"]))
}

/// The paths of every `#[derive(…)]` of `attrs`.
fn derives(attrs: &[syn::Attribute]) -> Vec<syn::Path> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .filter_map(|a| {
            a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .ok()
        })
        .flatten()
        .collect()
}

/// Whether the last segment of `path` is `name`.
fn is_named(path: &syn::Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

/// The last segment of a path type.
fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

/// The first type argument of a path segment (`T` of `Vec<T>`).
fn first_type_arg(segment: &syn::PathSegment) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// Whether `ty` is `Option<String>` (however the paths are written).
fn is_option_string(ty: &syn::Type) -> bool {
    last_segment(ty)
        .filter(|s| s.ident == "Option")
        .and_then(first_type_arg)
        .and_then(last_segment)
        .is_some_and(|s| s.ident == "String")
}

/// Structs that keep unlisted properties (`extra`) show them through the
/// redacting `crate::sensitive::ShowMap` instead of deriving `Debug`: a
/// field the document does not list may be named `clientSecret`.
fn hide_secrets_in_debug(types: &mut ItemMod) {
    let mut impls: Vec<Item> = Vec::new();
    for item in structs(types) {
        let Fields::Named(fields) = &item.fields else {
            continue;
        };
        let has_extra = fields
            .named
            .iter()
            .any(|f| f.ident.as_ref().is_some_and(|i| i == EXTRA));
        let all = derives(&item.attrs);
        if !has_extra || !all.iter().any(|p| is_named(p, "Debug")) {
            continue;
        }
        let kept: Vec<&syn::Path> = all.iter().filter(|p| !is_named(p, "Debug")).collect();
        // The one derive goes where the first was, before serde's helpers.
        let at = item
            .attrs
            .iter()
            .position(|a| a.path().is_ident("derive"))
            .unwrap_or(0);
        item.attrs.retain(|a| !a.path().is_ident("derive"));
        item.attrs
            .insert(at, syn::parse_quote!(#[derive(#(#kept),*)]));
        let name = &item.ident;
        let name_text = name.to_string();
        let shown = fields.named.iter().filter_map(|f| {
            let ident = f.ident.as_ref()?;
            let text = ident.to_string().trim_start_matches("r#").to_string();
            Some(if ident == EXTRA {
                quote!(.field(#text, &crate::sensitive::ShowMap(&self.#ident)))
            } else {
                quote!(.field(#text, &self.#ident))
            })
        });
        impls.push(syn::parse_quote! {
            impl ::std::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct(#name_text) #(#shown)* .finish()
                }
            }
        });
    }
    if let Some((_, items)) = types.content.as_mut() {
        items.extend(impls);
    }
}

/// `Client::new` and `new_with_client` need the crate's pipeline: only the
/// crate calls them (`Client::builder` is the way in). The trait impls that
/// progenitor's hooks need stay out of the documentation.
fn hide_plumbing(items: &mut [Item]) {
    for item in items.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if impl_type_name(block).as_deref() != Some("Client") {
            continue;
        }
        if block.trait_.is_some() {
            block.attrs.push(syn::parse_quote!(#[doc(hidden)]));
            continue;
        }
        for impl_item in block.items.iter_mut() {
            if let syn::ImplItem::Fn(f) = impl_item {
                if f.sig.ident == "new" || f.sig.ident == "new_with_client" {
                    f.vis = syn::parse_quote!(pub(crate));
                }
            }
        }
    }
}

/// The name of progenitor's `send`, kept private: the public `send` returns
/// the crate's own `Result`.
const GENERATED_SEND: &str = "send_generated";

/// Every `send` returns `crate::Result<ResponseValue<T>>`: progenitor's
/// `send` becomes a private `send_generated`, and the public `send` converts
/// its error (and takes back the failures the pipeline carried in stand-in
/// responses).
fn return_our_error(builder: &mut ItemMod) {
    let items = &mut builder.content.as_mut().expect("found with content").1;
    for item in items.iter_mut() {
        let Item::Impl(block) = item else { continue };
        let mut wrappers: Vec<syn::ImplItem> = Vec::new();
        for impl_item in block.items.iter_mut() {
            let syn::ImplItem::Fn(method) = impl_item else {
                continue;
            };
            if method.sig.ident != "send" {
                continue;
            }
            let Some(ok) = send_ok_type(method).cloned() else {
                continue;
            };
            let docs: Vec<syn::Attribute> = method
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .cloned()
                .collect();
            method.attrs.retain(|a| !a.path().is_ident("doc"));
            method.sig.ident = format_ident!("{}", GENERATED_SEND);
            method.vis = syn::Visibility::Inherited;
            LeanSend.visit_impl_item_fn_mut(method);
            let generated = format_ident!("{}", GENERATED_SEND);
            wrappers.push(syn::parse_quote! {
                #(#docs)*
                ///
                /// Every failure is a [`crate::Error`].
                pub async fn send(self) -> crate::Result<#ok> {
                    self.#generated().await.map_err(crate::error::from_generated)
                }
            });
        }
        block.items.extend(wrappers);
    }
}

/// Less work per call in a generated `send`:
///
/// * the `api-version` header progenitor adds (from the document's version)
///   is not added: the service does not use it;
/// * a success body is decoded by `crate::pipeline::decode`, which moves the
///   headers into the `ResponseValue` instead of copying them.
struct LeanSend;

impl VisitMut for LeanSend {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        block.stmts.retain(|stmt| !is_api_version_append(stmt));
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::Call(call) = expr {
            let is_from_response = matches!(&*call.func, syn::Expr::Path(p)
                if p.path.segments.len() == 2
                    && p.path.segments[0].ident == "ResponseValue"
                    && p.path.segments[1].ident == "from_response");
            if is_from_response {
                call.func = syn::parse_quote!(crate::pipeline::decode);
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// Whether `stmt` is `header_map.append(HeaderName::from_static("api-version"), …);`.
fn is_api_version_append(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), Some(_)) = stmt else {
        return false;
    };
    if call.method != "append" {
        return false;
    }
    let Some(syn::Expr::Call(name)) = call.args.first() else {
        return false;
    };
    let is_from_static = matches!(&*name.func, syn::Expr::Path(p)
        if p.path.segments.last().is_some_and(|s| s.ident == "from_static"));
    is_from_static
        && matches!(name.args.first(), Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }))
            if s.value().eq_ignore_ascii_case("api-version"))
}

/// `ResponseValue<T>` of a `send` returning `Result<ResponseValue<T>, E>`.
fn send_ok_type(method: &syn::ImplItemFn) -> Option<&syn::Type> {
    let syn::ReturnType::Type(_, ty) = &method.sig.output else {
        return None;
    };
    last_segment(ty)
        .filter(|s| s.ident == "Result")
        .and_then(first_type_arg)
        .filter(|ok| last_segment(ok).is_some_and(|s| s.ident == "ResponseValue"))
}

/// The `operation_id` of the `OperationInfo { operation_id: "…" }` a
/// generated `send` builds.
fn operation_id(method: &syn::ImplItemFn) -> Option<String> {
    struct Find(Option<String>);
    impl VisitMut for Find {
        fn visit_expr_struct_mut(&mut self, node: &mut syn::ExprStruct) {
            if is_named(&node.path, "OperationInfo") {
                for field in &node.fields {
                    let is_id =
                        matches!(&field.member, syn::Member::Named(i) if i == "operation_id");
                    if let (
                        true,
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(id),
                            ..
                        }),
                    ) = (is_id, &field.expr)
                    {
                        self.0 = Some(id.value());
                    }
                }
            }
            syn::visit_mut::visit_expr_struct_mut(self, node);
        }
    }
    // syn's read-only visitor is not enabled; a copy is walked instead.
    let mut find = Find(None);
    find.visit_impl_item_fn_mut(&mut method.clone());
    find.0
}

fn find_mod<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut ItemMod> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name && m.content.is_some() => Some(m),
        _ => None,
    })
}

/// The wire name of a field: its `#[serde(rename = "…")]`, else its ident.
fn wire_name(field: &syn::Field) -> String {
    for attr in &field.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let mut found = None;
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: LitStr = meta.value()?.parse()?;
                found = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
        if let Some(name) = found {
            return name;
        }
    }
    field
        .ident
        .as_ref()
        .map(|i| i.to_string().trim_start_matches("r#").to_string())
        .unwrap_or_default()
}

fn structs(types: &mut ItemMod) -> impl Iterator<Item = &mut syn::ItemStruct> {
    types
        .content
        .as_mut()
        .map(|(_, items)| items.iter_mut())
        .into_iter()
        .flatten()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s),
            _ => None,
        })
}

/// typify's field ident → ours, for every ident that can change everywhere
/// without colliding with another field of the same struct.
fn field_renames(types: &mut ItemMod) -> BTreeMap<String, String> {
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    let mut blocked: BTreeSet<String> = BTreeSet::new();
    for item in structs(types) {
        let Fields::Named(fields) = &item.fields else {
            continue;
        };
        let current: BTreeSet<String> = fields
            .named
            .iter()
            .filter_map(|f| f.ident.as_ref().map(|i| i.to_string()))
            .collect();
        for field in &fields.named {
            let Some(ident) = field.ident.as_ref().map(|i| i.to_string()) else {
                continue;
            };
            let wanted = naming::field_name(&wire_name(field));
            if wanted == ident || ident.starts_with("r#") {
                continue;
            }
            let clash = current.contains(&wanted)
                || renames.get(&ident).is_some_and(|other| other != &wanted);
            if clash {
                blocked.insert(ident);
            } else {
                renames.insert(ident, wanted);
            }
        }
    }
    renames.retain(|old, _| !blocked.contains(old));
    renames
}

struct Renamer<'a> {
    renames: &'a BTreeMap<String, String>,
}

impl VisitMut for Renamer<'_> {
    fn visit_ident_mut(&mut self, ident: &mut proc_macro2::Ident) {
        if let Some(new) = self.renames.get(&ident.to_string()) {
            *ident = proc_macro2::Ident::new(new, ident.span());
        }
    }
}

/// Other spellings of a wire name that mean the same field.
pub fn alias_spellings(wire: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    if wire.contains("ID") {
        out.insert(wire.replace("ID", "Id"));
    }
    if wire.contains("Id") {
        out.insert(wire.replace("Id", "ID"));
    }
    match wire {
        "id" => {
            out.insert("ID".into());
            out.insert("Id".into());
        }
        "ID" => {
            out.insert("id".into());
        }
        "nextLink" => {
            out.insert("@odata.nextLink".into());
        }
        _ => {}
    }
    out.remove(wire);
    out.into_iter().collect()
}

fn add_aliases(types: &mut ItemMod) {
    for item in structs(types) {
        let Fields::Named(fields) = &mut item.fields else {
            continue;
        };
        let wires: BTreeSet<String> = fields.named.iter().map(wire_name).collect();
        let mut used = wires.clone();
        for field in fields.named.iter_mut() {
            let wire = wire_name(field);
            for alias in alias_spellings(&wire) {
                if used.insert(alias.clone()) {
                    field
                        .attrs
                        .push(syn::parse_quote!(#[serde(alias = #alias)]));
                }
            }
        }
    }
}

/// Structs shaped like a page (`value: Vec<T>`, `next_link:
/// Option<String>`): page name → item type.
fn page_types(types: &mut ItemMod) -> BTreeMap<String, syn::Type> {
    let mut pages = BTreeMap::new();
    for item in structs(types) {
        let Fields::Named(fields) = &item.fields else {
            continue;
        };
        let find = |name: &str| {
            fields
                .named
                .iter()
                .find(|f| f.ident.as_ref().is_some_and(|i| i == name))
        };
        let (Some(value), Some(link)) = (find("value"), find("next_link")) else {
            continue;
        };
        if !is_option_string(&link.ty) {
            continue;
        }
        let item_ty = last_segment(&value.ty)
            .filter(|s| s.ident == "Vec")
            .and_then(first_type_arg);
        if let Some(item_ty) = item_ty {
            pages.insert(item.ident.to_string(), item_ty.clone());
        }
    }
    pages
}

/// The item type of a page as written in the `builder` module: a type of
/// the `types` module gets its `types::` prefix.
fn in_builder(item: &syn::Type) -> syn::Type {
    match item {
        syn::Type::Path(p) if p.qself.is_none() && p.path.leading_colon.is_none() => {
            let first = p.path.segments.first().map(|s| s.ident.to_string());
            if matches!(
                first.as_deref(),
                Some("crate" | "std" | "serde_json" | "types")
            ) {
                item.clone()
            } else {
                syn::parse_quote!(types::#p)
            }
        }
        _ => item.clone(),
    }
}

/// `impl Builder<'a> { pub fn stream(self) }` for every builder whose `send`
/// returns a page.
fn add_stream_methods(builder: &mut ItemMod, pages: &BTreeMap<String, syn::Type>) {
    let items = &mut builder.content.as_mut().expect("found with content").1;
    let mut additions: Vec<Item> = Vec::new();
    for item in items.iter() {
        let Item::Impl(block) = item else { continue };
        let Some(builder_name) = impl_type_name(block).map(|n| format_ident!("{}", n)) else {
            continue;
        };
        for impl_item in &block.items {
            let syn::ImplItem::Fn(method) = impl_item else {
                continue;
            };
            if method.sig.ident != "send" {
                continue;
            }
            let page = send_ok_type(method)
                .and_then(last_segment)
                .and_then(first_type_arg)
                .and_then(last_segment)
                .map(|s| s.ident.to_string());
            let Some(item_ty) = page.as_ref().and_then(|p| pages.get(p)) else {
                continue;
            };
            let item_ty = in_builder(item_ty);
            let operation = operation_id(method).unwrap_or_else(|| "list".to_string());
            let doc = "Sends the request and yields every item of every page, following \
                       `nextLink` to the last page; see [`crate::paging`].";
            additions.push(syn::parse_quote! {
                impl<'a> #builder_name<'a> {
                    #[doc = #doc]
                    pub fn stream(self) -> crate::paging::ItemStream<'a, #item_ty> {
                        let client = self.client;
                        let path = super::operation_path(#operation).unwrap_or("");
                        crate::paging::items(&client.inner, &client.client, #operation, path, self.send())
                    }
                }
            });
        }
    }
    items.extend(additions);
}

#[cfg(test)]
mod tests {
    use super::*;

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
                pub mod builder {
                    pub struct AzureProduct { external_i_ds: Result<Vec<String>, String> }
                    impl AzureProduct {
                        pub fn external_i_ds(self) -> Self { self }
                    }
                }
            }
        };
        polish(&mut file, Vec::new(), &Docs::default()).unwrap();
        let text = quote!(#file).to_string();
        assert!(!text.contains("external_i_ds"), "{text}");
        assert!(text.contains("pub external_ids : Vec < String >"), "{text}");
        assert!(text.contains("pub fn external_ids"), "{text}");
        assert!(text.contains("alias = \"externalIds\""), "{text}");
        assert!(text.contains("alias = \"ID\""), "{text}");
        assert!(text.contains("alias = \"@odata.nextLink\""), "{text}");
        assert!(
            text.contains("impl crate :: paging :: Page for ProductPage"),
            "{text}"
        );
    }
}
