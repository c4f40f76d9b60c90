//! Small readers and writers of syntax trees shared by the passes.

use syn::{Item, ItemMod, LitStr};

pub(super) fn has_doc(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

pub(super) fn add_doc(attrs: &mut Vec<syn::Attribute>, text: &str) {
    attrs.insert(0, syn::parse_quote!(#[doc = #text]));
}

pub(super) fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

pub(super) fn doc_text(attr: &syn::Attribute) -> Option<String> {
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
pub(super) fn impl_type_name(block: &syn::ItemImpl) -> Option<String> {
    match &*block.self_ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The inherent impls (`impl T { … }`, no trait) among `items`, each with
/// the name of its type.
pub(super) fn inherent_impls(
    items: &mut [Item],
) -> impl Iterator<Item = (String, &mut syn::ItemImpl)> {
    items.iter_mut().filter_map(|item| match item {
        Item::Impl(block) if block.trait_.is_none() => {
            impl_type_name(block).map(|name| (name, block))
        }
        _ => None,
    })
}

/// The public functions without documentation of the inherent impls among
/// `items`, each with the name of its type.
pub(super) fn undocumented_fns(items: &mut [Item]) -> Vec<(String, &mut syn::ImplItemFn)> {
    let mut out = Vec::new();
    for (name, block) in inherent_impls(items) {
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

/// Whether `expr` is `Ok(Default::default())`.
pub(super) fn is_ok_default(expr: &syn::Expr) -> bool {
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
pub(super) fn derives(attrs: &[syn::Attribute]) -> Vec<syn::Path> {
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
pub(super) fn is_named(path: &syn::Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

/// The last segment of a path type.
pub(super) fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

/// The first type argument of a path segment (`T` of `Vec<T>`).
pub(super) fn first_type_arg(segment: &syn::PathSegment) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// Whether `ty` is `Option<String>` (however the paths are written).
pub(super) fn is_option_string(ty: &syn::Type) -> bool {
    last_segment(ty)
        .filter(|s| s.ident == "Option")
        .and_then(first_type_arg)
        .and_then(last_segment)
        .is_some_and(|s| s.ident == "String")
}

pub(super) fn find_mod<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut ItemMod> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name && m.content.is_some() => Some(m),
        _ => None,
    })
}

/// The wire name of a field: its `#[serde(rename = "…")]`, else its ident.
pub(super) fn wire_name(field: &syn::Field) -> String {
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

pub(super) fn structs(types: &mut ItemMod) -> impl Iterator<Item = &mut syn::ItemStruct> {
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
