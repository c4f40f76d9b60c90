//! The ingestion API: reading the request, checking its body against the
//! document, and carrying out the operation the route names.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::http::{empty, entity, json, query_get, query_pairs, ApiError, ApiResult, Resp};
use crate::lifecycle::{self, view};
use crate::paging;
use crate::schema::required_on_create;
use crate::store::{new_etag, Entity, Kind, State};
use crate::submissions;

/// The largest JSON body accepted.
const MAX_JSON: usize = 8 * 1024 * 1024;

/// One request, read and checked.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub op: String,
    pub params: HashMap<String, String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Option<Value>,
    pub success: StatusCode,
    pub path: String,
}

impl Ctx<'_> {
    fn param(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or("")
    }
    fn body_map(&self) -> Map<String, Value> {
        let mut m = match &self.body {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        m.retain(|k, _| !k.eq_ignore_ascii_case("id") && !k.eq_ignore_ascii_case("@odata.etag"));
        m
    }
}

/// Serves one ingestion request (already authorised).
pub async fn handle(app: &Arc<App>, req: Request<Body>, rest: &str, request_id: &str) -> Resp {
    let method = req.method().as_str().to_ascii_uppercase();
    let correlation = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or(request_id)
        .to_string();
    let Ok(m) = app.router.find(&method, rest) else {
        return empty(StatusCode::NOT_FOUND);
    };
    let op = m.route.operation_id.clone();
    let schema_name = m.route.body_schema.clone();
    let success = StatusCode::from_u16(m.route.success).unwrap_or(StatusCode::OK);
    let params = m.params;
    let query = query_pairs(req.uri().query());
    let headers = req.headers().clone();
    let bytes = match axum::body::to_bytes(req.into_body(), MAX_JSON).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large.",
            )
            .into_response(&op, &correlation)
        }
    };
    let body = match check_body(&op, schema_name.as_deref(), &bytes) {
        Ok(b) => b,
        Err(e) => return e.into_response(&op, &correlation),
    };
    let ctx = Ctx {
        app,
        op: op.clone(),
        params,
        query,
        headers,
        body,
        success,
        path: rest.to_string(),
    };
    match dispatch(&ctx) {
        Ok(r) => r,
        Err(e) => e.into_response(&op, &correlation),
    }
}

fn check_body(op: &str, schema: Option<&str>, bytes: &[u8]) -> Result<Option<Value>, ApiError> {
    let Some(schema) = schema else {
        return Ok(None);
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("body", "A JSON body is required."));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request("body", format!("The body is not valid JSON: {e}.")))?;
    let checked = crate::app::schemas()
        .check(schema, &value)
        .map_err(ApiError::invalid)?;
    let missing: Vec<(String, String)> = required_on_create(op)
        .iter()
        .filter(|f| {
            checked
                .get(**f)
                .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
        })
        .map(|f| (f.to_string(), format!("The {f} field is required.")))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::invalid(missing));
    }
    Ok(Some(checked))
}

fn commit(st: &mut State) -> Result<(), ApiError> {
    st.commit()
        .map_err(|e| ApiError::internal(format!("The change could not be stored: {e}.")))
}

fn product<'s>(st: &'s State, ctx: &Ctx<'_>) -> Result<&'s Entity, ApiError> {
    st.get(ctx.param("productID"))
        .filter(|e| e.kind == Kind::Product)
        .ok_or_else(|| ApiError::not_found("product"))
}

fn child<'s>(
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

fn check_if_match(headers: &HeaderMap, e: &Entity) -> Result<(), ApiError> {
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
        Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "The etag in If-Match does not match the resource's current etag; read it again and retry.",
        ))
    }
}

fn list(ctx: &Ctx<'_>, items: Vec<&Entity>) -> ApiResult {
    let filter = query_get(&ctx.query, "$filter")
        .map(paging::parse_filter)
        .transpose()?;
    let values: Vec<Value> = items
        .into_iter()
        .filter(|e| filter.as_ref().is_none_or(|f| f.matches(&e.body)))
        .map(|e| view(ctx.app, e))
        .collect();
    let page = paging::page(values, &ctx.query, &ctx.path, ctx.app.config.page_size)?;
    Ok(json(StatusCode::OK, &page))
}

fn answer(ctx: &Ctx<'_>, e: &Entity) -> ApiResult {
    Ok(entity(ctx.success, &view(ctx.app, e)))
}

fn list_kind(ctx: &Ctx<'_>, kind: Kind, parent: Option<&str>) -> ApiResult {
    let st = ctx.app.state();
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

fn create(ctx: &Ctx<'_>, kind: Kind, parent: Option<&str>, instance: Option<String>) -> ApiResult {
    let mut st = ctx.app.state();
    let pid = product(&st, ctx)?.id.clone();
    let parent_id = match parent {
        Some(_) => Some(parent_listing(&st, ctx, &pid)?.id.clone()),
        None => None,
    };
    let mut e = Entity::new(kind, Some(&pid), ctx.body_map());
    e.parent = parent_id;
    e.instance = instance;
    if lifecycle::is_upload(kind) {
        lifecycle::prepare_upload(ctx.app, &mut e);
    }
    let e = st.put(e);
    commit(&mut st)?;
    answer(ctx, &e)
}

fn get(ctx: &Ctx<'_>, kind: Kind, param: &str) -> ApiResult {
    let st = ctx.app.state();
    let e = child(&st, ctx, kind, param)?;
    Ok(entity(StatusCode::OK, &view(ctx.app, e)))
}

fn update_entity(ctx: &Ctx<'_>, st: &mut State, old: Entity) -> ApiResult {
    check_if_match(&ctx.headers, &old)?;
    let mut new = old.clone();
    new.body = ctx.body_map();
    if !new.body.contains_key("resourceType") {
        if let Some(t) = old.body.get("resourceType") {
            new.body.insert("resourceType".into(), t.clone());
        }
    }
    if lifecycle::is_upload(old.kind) {
        lifecycle::update_upload(ctx.app, &old, &mut new);
    }
    if old.kind == Kind::PackageConfiguration {
        check_package_references(ctx.app, st, &new)?;
    }
    if old.kind == Kind::Branch {
        new.body = old.body.clone();
    }
    new.etag = new_etag();
    let new = st.put(new);
    commit(st)?;
    Ok(entity(StatusCode::OK, &view(ctx.app, &new)))
}

fn update(ctx: &Ctx<'_>, kind: Kind, param: &str) -> ApiResult {
    let mut st = ctx.app.state();
    let old = child(&st, ctx, kind, param)?.clone();
    update_entity(ctx, &mut st, old)
}

fn delete(ctx: &Ctx<'_>, kind: Kind, param: &str) -> ApiResult {
    let mut st = ctx.app.state();
    let e = child(&st, ctx, kind, param)?.clone();
    check_if_match(&ctx.headers, &e)?;
    lifecycle::delete_tree(&mut st, &e.id);
    commit(&mut st)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn by_instance(ctx: &Ctx<'_>, kinds: &[Kind]) -> ApiResult {
    let st = ctx.app.state();
    let pid = product(&st, ctx)?.id.clone();
    let inst = ctx.param("instanceID");
    let items = st.find_any(|e| {
        kinds.contains(&e.kind)
            && e.product.as_deref() == Some(pid.as_str())
            && e.instance.as_deref() == Some(inst)
    });
    let value: Vec<Value> = items.into_iter().map(|e| view(ctx.app, e)).collect();
    Ok(json(StatusCode::OK, &json!({ "value": value })))
}

fn one_by_instance(ctx: &Ctx<'_>, kind: Kind, write: bool) -> ApiResult {
    let mut st = ctx.app.state();
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
        (Some(e), false) => Ok(entity(StatusCode::OK, &view(ctx.app, &e))),
        (Some(e), true) => update_entity(ctx, &mut st, e),
        (None, _) => Err(ApiError::not_found("draft instance")),
    }
}

fn check_package_references(app: &App, st: &State, cfg: &Entity) -> Result<(), ApiError> {
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
            .is_some_and(|p| lifecycle::upload_state(app, p) == "Processed");
        if !ok {
            return Err(ApiError::bad_request(
                &format!("packageReferences[{i}]"),
                format!("The package {id} does not exist or is not Processed."),
            ));
        }
    }
    Ok(())
}

fn singleton(ctx: &Ctx<'_>, kind: Kind, write: bool) -> ApiResult {
    let mut st = ctx.app.state();
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
        (Some(e), false) => Ok(entity(StatusCode::OK, &view(ctx.app, &e))),
        (None, false) => Err(ApiError::not_found(&format!("{kind:?}"))),
        (Some(e), true) => update_entity(ctx, &mut st, e),
        (None, true) => {
            let mut e = Entity::new(kind, Some(&pid), ctx.body_map());
            e.instance = instance;
            let e = st.put(e);
            commit(&mut st)?;
            Ok(entity(StatusCode::OK, &view(ctx.app, &e)))
        }
    }
}

fn create_product(ctx: &Ctx<'_>) -> ApiResult {
    let mut st = ctx.app.state();
    let p = st.put(Entity::new(Kind::Product, None, ctx.body_map()));
    let mut setup = Map::new();
    setup.insert("resourceType".into(), json!("AzureProductSetup"));
    setup.insert("sellingOption".into(), json!("ListingOnly"));
    setup.insert("channelStates".into(), json!([]));
    st.put(Entity::new(Kind::Setup, Some(&p.id), setup));
    lifecycle::add_branches(ctx.app, &mut st, &p, None);
    commit(&mut st)?;
    answer(ctx, &p)
}

fn create_variant(ctx: &Ctx<'_>) -> ApiResult {
    let mut st = ctx.app.state();
    let p = product(&st, ctx)?.clone();
    let v = st.put(Entity::new(Kind::Variant, Some(&p.id), ctx.body_map()));
    lifecycle::add_branches(ctx.app, &mut st, &p, Some(&v));
    commit(&mut st)?;
    answer(ctx, &v)
}

fn branches(ctx: &Ctx<'_>) -> ApiResult {
    let st = ctx.app.state();
    let pid = product(&st, ctx)?.id.clone();
    let items = lifecycle::visible_branches(&st, &pid, ctx.param("module"));
    list(ctx, items)
}

fn submission_op(ctx: &Ctx<'_>, what: &str) -> ApiResult {
    let mut st = ctx.app.state();
    let s = child(&st, ctx, Kind::Submission, "submissionID")?.clone();
    let items = match what {
        "get" => return Ok(entity(StatusCode::OK, &view(ctx.app, &s))),
        "validations" => submissions::validations(ctx.app, &s),
        "reports" => submissions::reports(ctx.app, &s),
        "workflow" => submissions::workflow(ctx.app, &s),
        "promote" => {
            let mut s = s;
            submissions::promote(ctx.app, &mut s)?;
            let s = st.put(s);
            commit(&mut st)?;
            // The answer is the workflow of the live publish.
            let live = submissions::workflow(ctx.app, &s)
                .pop()
                .unwrap_or(Value::Null);
            return Ok(json(StatusCode::OK, &live));
        }
        _ => {
            if !submissions::deletable(ctx.app, &s) {
                return Err(ApiError::conflict(
                    "Only a submission in progress can be deleted.",
                ));
            }
            st.delete(&s.id);
            commit(&mut st)?;
            return Ok(empty(StatusCode::NO_CONTENT));
        }
    };
    let page = paging::page(items, &ctx.query, &ctx.path, ctx.app.config.page_size)?;
    Ok(json(StatusCode::OK, &page))
}

fn create_submission(ctx: &Ctx<'_>) -> ApiResult {
    let mut st = ctx.app.state();
    let p = product(&st, ctx)?.clone();
    let req = ctx.body.clone().unwrap_or(Value::Null);
    let s = submissions::create(ctx.app, &st, &p, &req)?;
    let s = st.put(s);
    lifecycle::new_draft_instances(&mut st, &p.id);
    commit(&mut st)?;
    answer(ctx, &s)
}

fn supplemental_commit(ctx: &Ctx<'_>) -> ApiResult {
    let mut st = ctx.app.state();
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
    e.meta.insert("committed".into(), json!(true));
    let e = st.put(e);
    commit(&mut st)?;
    Ok(entity(StatusCode::OK, &view(ctx.app, &e)))
}

fn dispatch(ctx: &Ctx<'_>) -> ApiResult {
    use Kind::*;
    match ctx.op.as_str() {
        "list_products" => {
            let st = ctx.app.state();
            list(ctx, st.find(Product, |_| true))
        }
        "create_product" => create_product(ctx),
        "get_product" => {
            let st = ctx.app.state();
            Ok(entity(StatusCode::OK, &view(ctx.app, product(&st, ctx)?)))
        }
        "delete_product" => {
            let mut st = ctx.app.state();
            let p = product(&st, ctx)?.clone();
            check_if_match(&ctx.headers, &p)?;
            lifecycle::delete_tree(&mut st, &p.id);
            commit(&mut st)?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        "get_product_setup" => singleton(ctx, Setup, false),
        "set_product_setup" => singleton(ctx, Setup, true),
        "list_branches_by_module" => branches(ctx),
        "list_product_availabilities" => list_kind(ctx, ProductAvailability, None),
        "create_product_availability" => create(ctx, ProductAvailability, None, None),
        "get_product_availability" => get(ctx, ProductAvailability, "productAvailabilityID"),
        "update_product_availability" => update(ctx, ProductAvailability, "productAvailabilityID"),
        "get_product_availability_by_instance_id" => by_instance(ctx, &[ProductAvailability]),
        "list_properties" => list_kind(ctx, Property, None),
        "create_property" => create(ctx, Property, None, None),
        "get_property" => get(ctx, Property, "propertyID"),
        "update_property" => update(ctx, Property, "propertyID"),
        "get_property_by_instance_id" => by_instance(ctx, &[Property]),
        "get_listing" => get(ctx, Listing, "listingID"),
        "update_listing" => update(ctx, Listing, "listingID"),
        "delete_listing" => delete(ctx, Listing, "listingID"),
        "get_listing_by_instance_id" => by_instance(ctx, &[Listing]),
        "create_listing_with_instance_id" => create(
            ctx,
            Listing,
            None,
            Some(ctx.param("instanceID").to_string()),
        ),
        "list_listing_assets" => list_kind(ctx, Asset, Some("listingID")),
        "create_listing_asset" => create(ctx, Asset, Some("listingID"), None),
        "get_listing_asset" => get(ctx, Asset, "assetID"),
        "update_listing_asset" => update(ctx, Asset, "assetID"),
        "delete_listing_asset" => delete(ctx, Asset, "assetID"),
        "list_listing_images" => list_kind(ctx, Image, Some("listingID")),
        "create_listing_image" => create(ctx, Image, Some("listingID"), None),
        "get_listing_image" => get(ctx, Image, "imageID"),
        "update_listing_image" => update(ctx, Image, "imageID"),
        "delete_listing_image" => delete(ctx, Image, "imageID"),
        "list_listing_videos" => list_kind(ctx, Video, Some("listingID")),
        "create_listing_video" => create(ctx, Video, Some("listingID"), None),
        "get_listing_video" => get(ctx, Video, "videoID"),
        "update_listing_video" => update(ctx, Video, "videoID"),
        "delete_listing_video" => delete(ctx, Video, "videoID"),
        "get_package_configuration" => get(ctx, PackageConfiguration, "packageConfigurationID"),
        "update_package_configuration" => {
            update(ctx, PackageConfiguration, "packageConfigurationID")
        }
        "get_package_configuration_by_instance_id" => by_instance(ctx, &[PackageConfiguration]),
        "list_packages" => list_kind(ctx, Package, None),
        "create_package" => create(ctx, Package, None, None),
        "get_package" => get(ctx, Package, "packageID"),
        "update_package" => update(ctx, Package, "packageID"),
        "delete_package" => delete(ctx, Package, "packageID"),
        "list_variants" => list_kind(ctx, Variant, None),
        "create_variant" => create_variant(ctx),
        "get_variant" => get(ctx, Variant, "variantID"),
        "update_variant" => update(ctx, Variant, "variantID"),
        "delete_variant" => delete(ctx, Variant, "variantID"),
        "get_feature_availability_by_instance_id" => by_instance(ctx, &[FeatureAvailability]),
        "get_feature_availability" => get(ctx, FeatureAvailability, "featureAvailabilityID"),
        "update_feature_availability" => update(ctx, FeatureAvailability, "featureAvailabilityID"),
        "list_submissions" => list_kind(ctx, Submission, None),
        "create_submission" => create_submission(ctx),
        "get_submission" => submission_op(ctx, "get"),
        "delete_submission" => submission_op(ctx, "delete"),
        "promote_submission" => submission_op(ctx, "promote"),
        "list_submission_reports" => submission_op(ctx, "reports"),
        "list_submission_validations" => submission_op(ctx, "validations"),
        "list_submission_workflow_details" => submission_op(ctx, "workflow"),
        "get_lead_configuration" => singleton(ctx, LeadConfiguration, false),
        "set_lead_configuration" => singleton(ctx, LeadConfiguration, true),
        "get_supplemental_content_by_instance_id" => by_instance(ctx, &[SupplementalContent]),
        "get_supplemental_content" => one_by_instance(ctx, SupplementalContent, false),
        "update_supplemental_content" => one_by_instance(ctx, SupplementalContent, true),
        "commit_supplemental_content" => supplemental_commit(ctx),
        "list_cosell_assets" => list_kind(ctx, CosellAsset, None),
        "create_cosell_asset" => create(ctx, CosellAsset, None, None),
        "get_cosell_asset_by_instance_id" => by_instance(ctx, &[CosellAsset]),
        "get_cosell_asset" => get(ctx, CosellAsset, "cosellAssetID"),
        "update_cosell_asset" => update(ctx, CosellAsset, "cosellAssetID"),
        "delete_cosell_asset" => delete(ctx, CosellAsset, "cosellAssetID"),
        "get_cosell_listing" => one_by_instance(ctx, CosellListing, false),
        "update_cosell_listing" => one_by_instance(ctx, CosellListing, true),
        "get_cosell_listing_by_instance_id" => by_instance(ctx, &[CosellListing]),
        "get_reseller_configuration" => singleton(ctx, ResellerConfiguration, false),
        "set_reseller_configuration" => singleton(ctx, ResellerConfiguration, true),
        other => Err(ApiError::internal(format!(
            "The operation {other} is not served."
        ))),
    }
}
