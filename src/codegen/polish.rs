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
    for (page, item) in &pages {
        let page_ident = format_ident!("{}", page);
        let item_ty: syn::Type = syn::parse_str(item).map_err(|e| e.to_string())?;
        content.push(syn::parse_quote! {
            impl crate::paging::Page for #page_ident {
                type Item = #item_ty;
                fn into_parts(self) -> (::std::vec::Vec<#item_ty>, ::std::option::Option<::std::string::String>) {
                    (self.value, self.next_link)
                }
            }
        });
    }
    let field_docs = document_types(types, docs);
    if let Some(builder) = find_mod(&mut file.items, "builder") {
        add_stream_methods(builder, &pages);
        document_requests(builder, docs);
    }
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
                    let text = quote!(#field).to_string();
                    all_default &= text.ends_with("Ok (Default :: default ())");
                }
            }
            if all_default {
                defaultable.insert(name);
            }
        }
    }
    for item in structs(types) {
        let has_extra = matches!(&item.fields, Fields::Named(named) if named.named.iter().any(|f| f.ident.as_ref().is_some_and(|i| i == EXTRA)));
        let derives_default = item
            .attrs
            .iter()
            .any(|a| a.path().is_ident("derive") && quote!(#a).to_string().contains("Default"));
        if has_extra && !derives_default && defaultable.contains(&item.ident.to_string()) {
            item.attrs.push(syn::parse_quote!(#[derive(Default)]));
        }
    }
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

/// Structs shaped like a page: page name → item type.
fn page_types(types: &mut ItemMod) -> BTreeMap<String, String> {
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
        let link_ty = quote!(#link).to_string();
        if !link_ty.contains("Option") || !link_ty.contains("String") {
            continue;
        }
        let syn::Type::Path(path) = &value.ty else {
            continue;
        };
        let Some(last) = path.path.segments.last() else {
            continue;
        };
        if last.ident != "Vec" {
            continue;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            continue;
        };
        let Some(syn::GenericArgument::Type(item_ty)) = args.args.first() else {
            continue;
        };
        pages.insert(item.ident.to_string(), quote!(#item_ty).to_string());
    }
    pages
}

/// `impl Builder<'a> { pub fn stream(self) }` for every builder whose `send`
/// returns a page.
fn add_stream_methods(builder: &mut ItemMod, pages: &BTreeMap<String, String>) {
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
            let output = match &method.sig.output {
                syn::ReturnType::Type(_, ty) => quote!(#ty).to_string(),
                syn::ReturnType::Default => continue,
            };
            let Some(page) = pages
                .keys()
                .find(|p| output.contains(&format!("types :: {p} >")))
            else {
                continue;
            };
            let body = quote!(#method).to_string();
            let operation = body
                .split("operation_id : \"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or("list")
                .to_string();
            let page_ident = format_ident!("{}", page);
            let doc = "Sends the request and yields every item of every page, following \
                       `nextLink` to the last page; see [`crate::paging`].";
            additions.push(syn::parse_quote! {
                impl<'a> #builder_name<'a> {
                    #[doc = #doc]
                    pub fn stream(self) -> crate::paging::ItemStream<'a, <types::#page_ident as crate::paging::Page>::Item> {
                        let client = self.client;
                        crate::paging::items(client, #operation, self.send())
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
