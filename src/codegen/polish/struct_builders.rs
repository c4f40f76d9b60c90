//! Takes typify's struct builders out of the generated code.
//!
//! progenitor turns typify's struct builders on whenever the client has the
//! builder interface, and no setting turns them off. They are a third of
//! the generated code (a `types::builder` module of one builder per struct,
//! a `builder()` function on each struct, a `body_map` on every request
//! that sends one) and nothing in this crate or its users' code needs
//! them: a request body is a value of the type itself, given to `body()`.
//! Compiling them is a cost every crate that depends on this one pays.
//!
//! What is left is what progenitor writes for a body type without a
//! builder: the request builder keeps a `Result<types::T, String>` that
//! starts as "body was not initialized" until `body()` sets it.

use syn::{Fields, File, Item, ItemMod};

use super::syntax::{find_mod, inherent_impls};

/// What [`drop_struct_builders`] took out or rewrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    /// `types::builder` modules removed (zero or one).
    pub modules: usize,
    /// Structs that module held.
    pub builder_structs: usize,
    /// `builder()` functions removed from the types.
    pub builder_fns: usize,
    /// Request-builder fields of a struct builder's type, now of the type.
    pub body_fields: usize,
    /// `body_map` methods removed.
    pub body_maps: usize,
    /// Those fields' initial values in `new`, now "not initialized".
    pub body_inits: usize,
}

/// Removes the struct builders from `file` (see the module's doc).
pub fn drop_struct_builders(file: &mut File) -> Dropped {
    let mut dropped = Dropped::default();
    if let Some(types) = find_mod(&mut file.items, "types") {
        drop_from_types(types, &mut dropped);
    }
    if let Some(requests) = find_mod(&mut file.items, "builder") {
        drop_from_requests(requests, &mut dropped);
    }
    dropped
}

fn drop_from_types(types: &mut ItemMod, dropped: &mut Dropped) {
    let Some((_, items)) = types.content.as_mut() else {
        return;
    };
    items.retain(|item| match item {
        Item::Mod(m) if m.ident == "builder" => {
            dropped.modules += 1;
            dropped.builder_structs += m.content.as_ref().map_or(0, |(_, inner)| {
                inner
                    .iter()
                    .filter(|i| matches!(i, Item::Struct(_)))
                    .count()
            });
            false
        }
        _ => true,
    });
    for (_, block) in inherent_impls(items) {
        block.items.retain(|impl_item| {
            let is_builder_fn = matches!(impl_item, syn::ImplItem::Fn(f)
                if f.sig.ident == "builder" && returns_type_builder(&f.sig.output));
            dropped.builder_fns += usize::from(is_builder_fn);
            !is_builder_fn
        });
    }
    items.retain(|item| !matches!(item, Item::Impl(block) if block.trait_.is_none() && block.items.is_empty()));
}

/// Whether a function returns `builder::T` (a struct builder).
fn returns_type_builder(output: &syn::ReturnType) -> bool {
    let syn::ReturnType::Type(_, ty) = output else {
        return false;
    };
    matches!(&**ty, syn::Type::Path(p)
        if p.path.segments.len() == 2 && p.path.segments[0].ident == "builder")
}

/// `Result<types::builder::T, String>` → `Result<types::T, String>`, in
/// place; whether it was one.
fn unbuild_field_type(ty: &mut syn::Type) -> bool {
    let syn::Type::Path(result) = ty else {
        return false;
    };
    let Some(last) = result.path.segments.last_mut() else {
        return false;
    };
    if last.ident != "Result" {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &mut last.arguments else {
        return false;
    };
    let Some(syn::GenericArgument::Type(syn::Type::Path(inner))) = args.args.first_mut() else {
        return false;
    };
    let segments = &inner.path.segments;
    if segments.len() != 3 || segments[0].ident != "types" || segments[1].ident != "builder" {
        return false;
    }
    let name = segments[2].ident.clone();
    inner.path = syn::parse_quote!(types::#name);
    true
}

fn drop_from_requests(requests: &mut ItemMod, dropped: &mut Dropped) {
    let Some((_, items)) = requests.content.as_mut() else {
        return;
    };
    // (request builder, field) whose type was a struct builder.
    let mut rewritten: Vec<(String, String)> = Vec::new();
    for item in items.iter_mut() {
        let Item::Struct(s) = item else { continue };
        let Fields::Named(fields) = &mut s.fields else {
            continue;
        };
        for field in fields.named.iter_mut() {
            if unbuild_field_type(&mut field.ty) {
                dropped.body_fields += 1;
                if let Some(ident) = &field.ident {
                    rewritten.push((s.ident.to_string(), ident.to_string()));
                }
            }
        }
    }
    for (name, block) in inherent_impls(items) {
        block.items.retain(|impl_item| {
            let is_body_map =
                matches!(impl_item, syn::ImplItem::Fn(f) if f.sig.ident == "body_map");
            dropped.body_maps += usize::from(is_body_map);
            !is_body_map
        });
        for impl_item in block.items.iter_mut() {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            if f.sig.ident != "new" {
                continue;
            }
            let Some(syn::Stmt::Expr(syn::Expr::Struct(literal), _)) = f.block.stmts.last_mut()
            else {
                continue;
            };
            for field in literal.fields.iter_mut() {
                let syn::Member::Named(member) = &field.member else {
                    continue;
                };
                let member = member.to_string();
                if rewritten.iter().any(|(s, f)| *s == name && *f == member) {
                    let message = format!("{member} was not initialized");
                    field.expr = syn::parse_quote!(Err(#message.to_string()));
                    dropped.body_inits += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    /// Generated code of the shape progenitor 0.15 writes for one struct
    /// sent as a request body.
    fn with_builders() -> File {
        syn::parse_quote! {
            pub mod types {
                pub struct AzureProduct { pub name: Option<String> }
                impl AzureProduct {
                    pub fn builder() -> builder::AzureProduct { Default::default() }
                }
                impl ::std::convert::From<&AzureProduct> for AzureProduct {
                    fn from(value: &AzureProduct) -> Self { value.clone() }
                }
                pub mod builder {
                    pub struct AzureProduct { name: Result<Option<String>, String> }
                }
            }
            pub mod builder {
                pub struct CreateProduct<'a> {
                    client: &'a super::Client,
                    body: Result<types::builder::AzureProduct, String>,
                }
                impl<'a> CreateProduct<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, body: Ok(::std::default::Default::default()) }
                    }
                    pub fn body<V>(mut self, value: V) -> Self { self }
                    pub fn body_map<F>(mut self, f: F) -> Self { self.body = self.body.map(f); self }
                }
            }
        }
    }

    #[test]
    fn builders_go_and_bodies_start_uninitialized() {
        let mut file = with_builders();
        let dropped = drop_struct_builders(&mut file);
        assert_eq!(
            dropped,
            Dropped {
                modules: 1,
                builder_structs: 1,
                builder_fns: 1,
                body_fields: 1,
                body_maps: 1,
                body_inits: 1,
            }
        );
        let text = quote!(#file).to_string();
        assert!(!text.contains("builder ::"), "{text}");
        assert!(!text.contains("body_map"), "{text}");
        assert!(!text.contains("fn builder"), "{text}");
        assert!(
            text.contains("body : Result < types :: AzureProduct , String >"),
            "{text}"
        );
        assert!(
            text.contains("Err (\"body was not initialized\" . to_string ())"),
            "{text}"
        );
        assert!(
            text.contains("From < & AzureProduct > for AzureProduct"),
            "{text}"
        );
        assert!(text.contains("pub fn body < V >"), "{text}");
    }

    #[test]
    fn output_without_builders_is_left_alone() {
        let mut file: File = syn::parse_quote! {
            pub mod types { pub struct AzureProduct { pub name: Option<String> } }
            pub mod builder {
                pub struct CreateProduct<'a> { body: Result<types::AzureProduct, String> }
            }
        };
        let before = quote!(#file).to_string();
        assert_eq!(drop_struct_builders(&mut file), Dropped::default());
        assert_eq!(quote!(#file).to_string(), before);
    }
}
