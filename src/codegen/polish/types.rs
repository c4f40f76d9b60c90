//! The passes over the `types` module.

use std::collections::{BTreeMap, BTreeSet};

use quote::quote;
use syn::visit_mut::VisitMut;
use syn::{Fields, Item, ItemMod};

use super::syntax::*;
use super::{naming, Docs};

/// Documents the fields of the types from the document (or by their wire
/// name, when the document has no description).
pub(super) fn document_types(types: &mut ItemMod, docs: &Docs) {
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
        }
    }
}

/// The name of the flattened map typify adds for unlisted properties.
pub(super) const EXTRA: &str = "extra";

/// What [`default_extra`] found and did.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct ExtraCounts {
    /// Structs with an `extra` field.
    pub(super) structs: usize,
    /// Builder `Default` impls whose `extra` now starts empty.
    pub(super) builders: usize,
}

/// Builders start `extra` empty (typify insists on a value), and a struct
/// whose builder then starts every field from its default derives `Default`.
pub(super) fn default_extra(types: &mut ItemMod) -> ExtraCounts {
    let mut counts = ExtraCounts::default();
    let mut defaultable = BTreeSet::new();
    let Some((_, items)) = types.content.as_mut() else {
        return counts;
    };
    if let Some(builders) = find_mod(items, "builder") {
        let builder_items = &mut builders.content.as_mut().expect("found with content").1;
        for item in builder_items.iter_mut() {
            let Item::Impl(block) = item else { continue };
            let is_default = block
                .trait_
                .as_ref()
                .and_then(|(path, _)| path.segments.last())
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
                        counts.builders += 1;
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
        counts.structs += usize::from(has_extra);
        let derives_default = derives(&item.attrs).iter().any(|p| is_named(p, "Default"));
        if has_extra && !derives_default && defaultable.contains(&item.ident.to_string()) {
            item.attrs.push(syn::parse_quote!(#[derive(Default)]));
        }
    }
    counts
}

/// Structs that keep unlisted properties (`extra`) show them through the
/// redacting `crate::sensitive::ShowMap` instead of deriving `Debug`: a
/// field the document does not list may be named `clientSecret`.
pub(super) fn hide_secrets_in_debug(types: &mut ItemMod) -> usize {
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
    let redacted = impls.len();
    if let Some((_, items)) = types.content.as_mut() {
        items.extend(impls);
    }
    redacted
}

/// Gives every field the name of the naming rule, wherever it is used.
pub(super) fn rename_fields(types: &mut ItemMod) {
    let renames = field_renames(types);
    Renamer { renames: &renames }.visit_item_mod_mut(types);
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

pub(super) fn add_aliases(types: &mut ItemMod) {
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
pub(super) fn page_types(types: &mut ItemMod) -> BTreeMap<String, syn::Type> {
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
