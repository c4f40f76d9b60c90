//! The ingestion API's resource operations: one request's context, and the
//! reads and writes every kind of resource shares (list, create, get, update,
//! delete, by draft instance, singletons), with `If-Match` and the shapes.

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};

use crate::errors::{ApiError, ApiResult};
use crate::http::{empty, entity, json, query_get};
use crate::ids::new_etag;
use crate::lifecycle;
use crate::model::UploadState;
use crate::paging;
use crate::shapes;
use crate::shared::{Settings, Shared};
use crate::store::{Entity, Kind, State};
use crate::views::view;

/// One request, read and checked.
pub struct Ctx<'a> {
    /// The shared parts.
    pub shared: &'a Shared,
    /// The operation's id in the document.
    pub op: String,
    /// Path parameters.
    pub params: HashMap<String, String>,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: HeaderMap,
    /// The checked body, if the operation has one.
    pub body: Option<Value>,
    /// The success status the document gives.
    pub success: StatusCode,
    /// The path relative to the base URL.
    pub path: String,
}

impl Ctx<'_> {
    /// The settings.
    pub fn s(&self) -> &Settings {
        &self.shared.settings
    }
    /// A path parameter ("" when absent).
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or("")
    }
    /// The body's fields, without `id` and `@odata.etag`.
    pub fn body_map(&self) -> Map<String, Value> {
        let mut m = match &self.body {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        m.retain(|k, _| !k.eq_ignore_ascii_case("id") && !k.eq_ignore_ascii_case("@odata.etag"));
        m
    }
    /// The body's fields with every field of the kind's shape.
    pub fn body_shaped(&self, kind: Kind) -> Map<String, Value> {
        let mut m = self.body_map();
        shapes::complete(kind, &mut m);
        m
    }
}

/// Stores the changes since the last commit.
pub fn commit(st: &mut State) -> Result<(), ApiError> {
    st.commit()
        .map_err(|e| ApiError::internal(format!("The change could not be stored: {e}.")))
}

/// The product named by `productID`.
pub fn product<'s>(st: &'s State, ctx: &Ctx<'_>) -> Result<&'s Entity, ApiError> {
    st.get(ctx.param("productID"))
        .filter(|e| e.kind == Kind::Product)
        .ok_or_else(|| ApiError::not_found("product"))
}

/// A resource of the product named by `param` (and of the listing, if the path names one).
pub fn child<'s>(
    st: &'s State,
    ctx: &Ctx<'_>,
    kind: Kind,
    param: &str,
) -> Result<&'s Entity, ApiError> {
    product(st, ctx)?;
    let listing = ctx.params.get("listingID").filter(|_| param != "listingID");
    st.get(ctx.param(param))
        .filter(|e| e.kind == kind && e.product.as_deref() == Some(ctx.param("productID")))
        .filter(|e| listing.is_none() || e.parent.as_ref() == listing)
        .ok_or_else(|| ApiError::not_found(&format!("{kind:?}")))
}

/// The listing named by the `listingID` parameter.
fn parent_listing<'s>(st: &'s State, ctx: &Ctx<'_>, pid: &str) -> Result<&'s Entity, ApiError> {
    st.get(ctx.param("listingID"))
        .filter(|e| e.kind == Kind::Listing && e.product.as_deref() == Some(pid))
        .ok_or_else(|| ApiError::not_found("listing"))
}

/// Refuses a write whose `If-Match` names another etag.
pub fn check_if_match(headers: &HeaderMap, e: &Entity) -> Result<(), ApiError> {
    let Some(sent) = headers.get("if-match").and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let bare = |s: &str| {
        s.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_string()
    };
    if sent
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == bare(&e.etag))
    {
        Ok(())
    } else {
        Err(ApiError::etag_mismatch())
    }
}

/// One page of entities, filtered by `$filter`.
pub fn list(ctx: &Ctx<'_>, items: Vec<&Entity>) -> ApiResult {
    let filter = query_get(&ctx.query, "$filter")
        .filter(|f| !f.trim().is_empty())
        .map(paging::parse_filter)
        .transpose()?;
    if ctx.op == "list_products"
        && ctx.s().config.strict_product_filter
        && !filter
            .as_ref()
            .is_some_and(paging::Filter::has_resource_type)
    {
        return Err(ApiError::product_type_filter());
    }
    let values: Vec<Value> = items
        .into_iter()
        .filter(|e| filter.as_ref().is_none_or(|f| f.matches(&e.body)))
        .map(|e| view(ctx.s(), e))
        .collect();
    values_page(ctx, values)
}

/// One page of computed values.
pub fn values_page(ctx: &Ctx<'_>, values: Vec<Value>) -> ApiResult {
    let page = paging::page(values, &ctx.query, &ctx.path, ctx.s().config.page_size)?;
    Ok(json(StatusCode::OK, &page))
}

/// The entity as the answer of this operation.
pub fn answer(ctx: &Ctx<'_>, e: &Entity) -> ApiResult {
    Ok(entity(ctx.success, &view(ctx.s(), e)))
}

/// `GET` of a collection of a product (of a listing, when `parent` is `listingID`).
pub fn list_kind(ctx: &Ctx<'_>, kind: Kind, parent: Option<&str>) -> ApiResult {
    let st = ctx.shared.state();
    product(&st, ctx)?;
    let pid = ctx.param("productID");
    if parent.is_some() {
        parent_listing(&st, ctx, pid)?;
    }
    let items = st.find(kind, |e| {
        e.product.as_deref() == Some(pid)
            && parent.is_none_or(|p| e.parent.as_deref() == Some(ctx.param(p)))
    });
    list(ctx, items)
}

/// `POST` of a resource of a product (of a listing, when `parent` is `listingID`).
pub fn create(
    ctx: &Ctx<'_>,
    kind: Kind,
    parent: Option<&str>,
    instance: Option<String>,
) -> ApiResult {
    let mut st = ctx.shared.state();
    let pid = product(&st, ctx)?.id.clone();
    let parent_id = match parent {
        Some(_) => Some(parent_listing(&st, ctx, &pid)?.id.clone()),
        None => None,
    };
    let mut e = Entity::new(kind, Some(&pid), ctx.body_shaped(kind));
    e.parent = parent_id;
    e.instance = instance;
    if lifecycle::is_upload(kind) {
        lifecycle::prepare_upload(ctx.s(), &mut e);
    }
    let e = st.put(e);
    commit(&mut st)?;
    answer(ctx, &e)
}

/// `GET` of one resource by id.
pub fn get(ctx: &Ctx<'_>, kind: Kind, param: &str) -> ApiResult {
    let st = ctx.shared.state();
    let e = child(&st, ctx, kind, param)?;
    Ok(entity(StatusCode::OK, &view(ctx.s(), e)))
}

/// Refuses a setup that enables a test drive on an offer type without one.
fn check_test_drive(st: &State, new: &Entity) -> Result<(), ApiError> {
    if new.kind != Kind::Setup || new.body.get("enableTestDrive") != Some(&json!(true)) {
        return Ok(());
    }
    let product_type = new
        .product
        .as_deref()
        .and_then(|p| st.get(p))
        .and_then(|p| p.body_str("resourceType"))
        .unwrap_or("");
    if shapes::has_test_drive(product_type) {
        Ok(())
    } else {
        Err(ApiError::feature_name())
    }
}

/// Replaces a stored resource with the request's body (in the kind's whole
/// shape, the fields the service owns kept) and answers the stored result.
pub fn update_entity(ctx: &Ctx<'_>, st: &mut State, old: Entity) -> ApiResult {
    check_if_match(&ctx.headers, &old)?;
    let mut new = old.clone();
    new.body = ctx.body_map();
    if !new.body.contains_key("resourceType") {
        if let Some(t) = old.body.get("resourceType") {
            new.body.insert("resourceType".into(), t.clone());
        }
    }
    shapes::complete(old.kind, &mut new.body);
    if lifecycle::is_upload(old.kind) {
        lifecycle::update_upload(ctx.s(), &old, &mut new);
    }
    if old.kind == Kind::PackageConfiguration {
        check_package_references(ctx.s(), st, &new)?;
    }
    if old.kind == Kind::Branch {
        new.body = old.body.clone();
    }
    check_test_drive(st, &new)?;
    new.etag = new_etag();
    let new = st.put(new);
    commit(st)?;
    Ok(entity(StatusCode::OK, &view(ctx.s(), &new)))
}

/// `PUT` of one resource by id.
pub fn update(ctx: &Ctx<'_>, kind: Kind, param: &str) -> ApiResult {
    let mut st = ctx.shared.state();
    let old = child(&st, ctx, kind, param)?.clone();
    update_entity(ctx, &mut st, old)
}

/// `DELETE` of one resource by id, with everything that hangs off it.
pub fn delete(ctx: &Ctx<'_>, kind: Kind, param: &str) -> ApiResult {
    let mut st = ctx.shared.state();
    let e = child(&st, ctx, kind, param)?.clone();
    check_if_match(&ctx.headers, &e)?;
    lifecycle::delete_tree(&mut st, &e.id);
    commit(&mut st)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `…/getByInstanceID(instanceID=…)`: the resources of a draft instance.
pub fn by_instance(ctx: &Ctx<'_>, kinds: &[Kind]) -> ApiResult {
    let st = ctx.shared.state();
    let pid = product(&st, ctx)?.id.clone();
    let inst = ctx.param("instanceID");
    let items = st.find_any(|e| {
        kinds.contains(&e.kind)
            && e.product.as_deref() == Some(pid.as_str())
            && e.instance.as_deref() == Some(inst)
    });
    let value: Vec<Value> = items.into_iter().map(|e| view(ctx.s(), e)).collect();
    Ok(json(StatusCode::OK, &json!({ "value": value })))
}

/// The one resource of a kind in a draft instance: read, or (`write`) replaced.
pub fn one_by_instance(ctx: &Ctx<'_>, kind: Kind, write: bool) -> ApiResult {
    let mut st = ctx.shared.state();
    let pid = product(&st, ctx)?.id.clone();
    let inst = ctx.param("instanceID").to_string();
    let found = st
        .find(kind, |e| {
            e.product.as_deref() == Some(pid.as_str())
                && e.instance.as_deref() == Some(inst.as_str())
        })
        .first()
        .map(|e| (*e).clone());
    match (found, write) {
        (Some(e), false) => Ok(entity(StatusCode::OK, &view(ctx.s(), &e))),
        (Some(e), true) => update_entity(ctx, &mut st, e),
        (None, _) => Err(ApiError::not_found("draft instance")),
    }
}

fn check_package_references(s: &Settings, st: &State, cfg: &Entity) -> Result<(), ApiError> {
    let refs = cfg
        .body
        .get("packageReferences")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, r) in refs.iter().enumerate() {
        let id = r
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")))
            .and_then(|(_, v)| v.as_str())
            .unwrap_or("");
        let ok = st
            .get(id)
            .filter(|p| p.kind == Kind::Package && p.product == cfg.product)
            .is_some_and(|p| lifecycle::upload_state(s, p) == UploadState::Processed);
        if !ok {
            return Err(ApiError::bad_request(
                &format!("packageReferences[{i}]"),
                format!("The package {id} does not exist or is not Processed."),
            ));
        }
    }
    Ok(())
}

/// A resource a product has one of (setup, lead and reseller configuration):
/// read, or (`write`) replaced or made.
pub fn singleton(ctx: &Ctx<'_>, kind: Kind, write: bool) -> ApiResult {
    let mut st = ctx.shared.state();
    let pid = product(&st, ctx)?.id.clone();
    let instance = if kind == Kind::ResellerConfiguration {
        lifecycle::current_instance(&st, &pid, "ResellerConfiguration", None)
    } else {
        None
    };
    let found = st
        .find(kind, |e| {
            e.product.as_deref() == Some(pid.as_str())
                && (instance.is_none() || e.instance == instance)
        })
        .last()
        .map(|e| (*e).clone());
    match (found, write) {
        (Some(e), false) => Ok(entity(StatusCode::OK, &view(ctx.s(), &e))),
        (None, false) => Err(ApiError::not_found(&format!("{kind:?}"))),
        (Some(e), true) => update_entity(ctx, &mut st, e),
        (None, true) => {
            let mut e = Entity::new(kind, Some(&pid), ctx.body_shaped(kind));
            e.instance = instance;
            check_test_drive(&st, &e)?;
            let e = st.put(e);
            commit(&mut st)?;
            Ok(entity(StatusCode::OK, &view(ctx.s(), &e)))
        }
    }
}

/// `POST /products`: the product, its setup, and its branches with drafts.
pub fn create_product(ctx: &Ctx<'_>) -> ApiResult {
    let mut st = ctx.shared.state();
    let p = st.put(Entity::new(
        Kind::Product,
        None,
        ctx.body_shaped(Kind::Product),
    ));
    st.put(Entity::new(
        Kind::Setup,
        Some(&p.id),
        shapes::empty(Kind::Setup),
    ));
    lifecycle::add_branches(ctx.s(), &mut st, &p, None);
    commit(&mut st)?;
    answer(ctx, &p)
}

/// `POST …/variants`: the plan and its branches with drafts.
pub fn create_variant(ctx: &Ctx<'_>) -> ApiResult {
    let mut st = ctx.shared.state();
    let p = product(&st, ctx)?.clone();
    let mut body = ctx.body_shaped(Kind::Variant);
    shapes::default_sub_type(p.body_str("resourceType").unwrap_or(""), &mut body);
    let v = st.put(Entity::new(Kind::Variant, Some(&p.id), body));
    lifecycle::add_branches(ctx.s(), &mut st, &p, Some(&v));
    commit(&mut st)?;
    answer(ctx, &v)
}

/// `…/branches/getByModule(module=…)`: the branches visible now.
pub fn branches(ctx: &Ctx<'_>) -> ApiResult {
    let st = ctx.shared.state();
    let pid = product(&st, ctx)?.id.clone();
    let items = lifecycle::visible_branches(ctx.s(), &st, &pid, ctx.param("module"));
    list(ctx, items)
}

/// `…/supplementalContents/{instanceID}/commit`.
pub fn supplemental_commit(ctx: &Ctx<'_>) -> ApiResult {
    let mut st = ctx.shared.state();
    let pid = product(&st, ctx)?.id.clone();
    let inst = ctx.param("instanceID").to_string();
    let found = st
        .find(Kind::SupplementalContent, |e| {
            e.product.as_deref() == Some(pid.as_str())
                && e.instance.as_deref() == Some(inst.as_str())
        })
        .first()
        .map(|e| (*e).clone());
    let Some(mut e) = found else {
        return Err(ApiError::not_found("supplemental content"));
    };
    e.meta.committed = true;
    let e = st.put(e);
    commit(&mut st)?;
    Ok(entity(StatusCode::OK, &view(ctx.s(), &e)))
}
