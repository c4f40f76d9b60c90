//! The passes over the request builders (`builder`) and the `Client`.

use std::collections::BTreeMap;

use quote::format_ident;
use syn::visit_mut::VisitMut;
use syn::{Item, ItemMod};

use super::syntax::*;
use super::{naming, Docs};

/// Documents the request builders of `builder`: `new` and the setters.
pub(super) fn document_requests(builder: &mut ItemMod, docs: &Docs) {
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
            _ => match by_setter.get(&(name.clone(), setter.clone())) {
                Some((api, text)) => format!("Sets `{api}`: {text}"),
                None => format!("Sets `{setter}`."),
            },
        };
        add_doc(&mut f.attrs, &text);
    }
}

/// `Client::new` and `new_with_client` need the crate's pipeline: only the
/// crate calls them (`Client::builder` is the way in). The trait impls that
/// progenitor's hooks need stay out of the documentation.
pub(super) fn hide_plumbing(items: &mut [Item]) -> usize {
    let mut hidden = 0;
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
                    hidden += 1;
                }
            }
        }
    }
    hidden
}

/// The name of progenitor's `send`, kept private: the public `send` returns
/// the crate's own `Result`.
pub(super) const GENERATED_SEND: &str = "send_generated";

/// Every `send` returns `crate::Result<ResponseValue<T>>`: progenitor's
/// `send` becomes a private `send_generated`, and the public `send` converts
/// its error (and takes back the failures the pipeline carried in stand-in
/// responses).
pub(super) fn return_our_error(builder: &mut ItemMod) -> Sends {
    let mut sends = Sends::default();
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
            sends.operation_ids += usize::from(operation_id(method).is_some());
            let mut lean = LeanSend::default();
            lean.visit_impl_item_fn_mut(method);
            sends.api_version += lean.api_version;
            sends.decoding += usize::from(lean.decoded > 0);
            sends.wrapped += 1;
            let generated = format_ident!("{}", GENERATED_SEND);
            wrappers.push(syn::parse_quote! {
                #(#docs)*
                ///
                /// Every failure is a [`crate::Error`].
                pub async fn send(self) -> crate::Result<#ok> {
                    self.#generated().await.map_err(crate::pipeline::bridge::from_generated)
                }
            });
        }
        block.items.extend(wrappers);
    }
    sends
}

/// What [`return_our_error`] did.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Sends {
    /// `send` methods wrapped.
    pub(super) wrapped: usize,
    /// `api-version` header statements removed.
    pub(super) api_version: usize,
    /// `send` methods with a success body now decoded by the pipeline.
    pub(super) decoding: usize,
    /// `send` methods whose `OperationInfo` names the operation.
    pub(super) operation_ids: usize,
}

/// Less work per call in a generated `send`:
///
/// * the `api-version` header progenitor adds (from the document's version)
///   is not added: the service does not use it;
/// * a success body is decoded by `crate::pipeline::decode`, which moves the
///   headers into the `ResponseValue` instead of copying them.
#[derive(Debug, Default)]
struct LeanSend {
    /// `api-version` statements removed.
    api_version: usize,
    /// Decoding calls rewritten in success arms.
    decoded: usize,
    /// Inside the arm of a success status.
    in_success: bool,
}

impl VisitMut for LeanSend {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let before = block.stmts.len();
        block.stmts.retain(|stmt| !is_api_version_append(stmt));
        self.api_version += before - block.stmts.len();
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        let outer = self.in_success;
        self.in_success = is_success_pattern(&arm.pat);
        syn::visit_mut::visit_arm_mut(self, arm);
        self.in_success = outer;
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::Call(call) = expr {
            let is_from_response = matches!(&*call.func, syn::Expr::Path(p)
                if p.path.segments.len() == 2
                    && p.path.segments[0].ident == "ResponseValue"
                    && p.path.segments[1].ident == "from_response");
            if is_from_response {
                call.func = syn::parse_quote!(crate::pipeline::decode);
                self.decoded += usize::from(self.in_success);
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// Whether a match arm's pattern is a 2xx status (`200u16`, `200..=299`).
fn is_success_pattern(pat: &syn::Pat) -> bool {
    let is_2xx = |expr: &syn::Expr| {
        matches!(expr, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. })
            if i.base10_parse::<u16>().is_ok_and(|code| (200..300).contains(&code)))
    };
    match pat {
        syn::Pat::Lit(lit) => is_2xx(&syn::Expr::Lit(lit.clone())),
        syn::Pat::Range(range) => range.start.as_deref().is_some_and(is_2xx),
        syn::Pat::Or(or) => or.cases.iter().any(is_success_pattern),
        _ => false,
    }
}

/// Whether `stmt` is `header_map.append(HeaderName::from_static("api-version"), …);`.
pub(super) fn is_api_version_append(stmt: &syn::Stmt) -> bool {
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
pub(super) fn send_ok_type(method: &syn::ImplItemFn) -> Option<&syn::Type> {
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
pub(super) fn operation_id(method: &syn::ImplItemFn) -> Option<String> {
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

/// The item type of a page as written in the `builder` module: a type of
/// the `types` module gets its `types::` prefix.
pub(super) fn in_builder(item: &syn::Type) -> syn::Type {
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
pub(super) fn add_stream_methods(
    builder: &mut ItemMod,
    pages: &BTreeMap<String, syn::Type>,
) -> usize {
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
            // Without the operation id there is no stream; the count of
            // streams then says so.
            let Some(operation) = operation_id(method) else {
                continue;
            };
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
    let added = additions.len();
    items.extend(additions);
    added
}
