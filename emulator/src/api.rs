//! The ingestion API: the checks every call goes through once routed (the
//! publisher id, the body against the document), then the operation the
//! route names. Faults, counting and authorisation are layers around it
//! (`layers.rs`).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

use crate::errors::{publisher_id_refusal, ApiError, ApiResult, PUBLISHER_ID_HEADER};
use crate::http::{empty, entity, json, query_pairs, Resp};
use crate::ids::random_hex;
use crate::lifecycle;
use crate::resources::*;
use crate::schema::{required_on_create, schemas};
use crate::shared::Shared;
use crate::store::Kind;
use crate::submission_reports as reports;
use crate::submissions;
use crate::views::view;

/// The largest JSON body accepted.
const MAX_JSON: usize = 8 * 1024 * 1024;

/// Whether the call carries `x-ms-publisherId` with the required number.
fn publisher_ok(shared: &Shared, req: &Request<Body>) -> bool {
    let Some(want) = shared.settings.config.require_publisher_id else {
        return true;
    };
    req.headers()
        .get(PUBLISHER_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        == Some(want)
}

/// Serves one ingestion request (already authorised).
pub async fn handle(shared: &Shared, req: Request<Body>, rest: &str, request_id: &str) -> Resp {
    let method = req.method().as_str().to_ascii_uppercase();
    let correlation = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or(request_id)
        .to_string();
    let Ok(m) = shared.router.find(&method, rest) else {
        return empty(StatusCode::NOT_FOUND);
    };
    let op = m.route.operation_id.clone();
    if !publisher_ok(shared, &req) {
        let trace = format!("00-{}-{}-00", random_hex(16), random_hex(8));
        return publisher_id_refusal(&trace, op == "get_product");
    }
    let query = query_pairs(req.uri().query());
    let schema_name = m.route.body_schema.clone();
    let success = StatusCode::from_u16(m.route.success).unwrap_or(StatusCode::OK);
    let params = m.params;
    let headers = req.headers().clone();
    let bytes = match axum::body::to_bytes(req.into_body(), MAX_JSON).await {
        Ok(b) => b,
        Err(_) => return ApiError::too_large().into_response(&op, &correlation),
    };
    let body = match check_body(&op, schema_name.as_deref(), &bytes) {
        Ok(b) => b,
        Err(e) => return e.into_response(&op, &correlation),
    };
    let ctx = Ctx {
        shared,
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
    let checked = schemas().check(schema, &value).map_err(ApiError::invalid)?;
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

/// What is asked of one submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SubOp {
    Get,
    Cancel,
    Promote,
    Reports,
    Validations,
    Workflow,
}

fn submission_op(ctx: &Ctx<'_>, what: SubOp) -> ApiResult {
    let mut st = ctx.shared.state();
    let s = child(&st, ctx, Kind::Submission, "submissionID")?.clone();
    let set = ctx.s();
    let items = match what {
        SubOp::Get => {
            let moving = submissions::substate(set, &s).moving();
            if moving && ctx.shared.faults().transient_404.hit() {
                return Ok(empty(StatusCode::NOT_FOUND));
            }
            return Ok(entity(StatusCode::OK, &view(set, &s)));
        }
        SubOp::Validations => reports::validations(set, &s),
        SubOp::Reports => reports::reports(set, &s),
        SubOp::Workflow => reports::workflow(set, &s),
        SubOp::Promote => {
            let newer = st.find(Kind::Submission, |o| {
                o.product == s.product && o.seq > s.seq
            });
            if let Some(n) = newer.first() {
                return Err(ApiError::superseded(&n.id));
            }
            let mut s = s;
            submissions::promote(set, &mut s)?;
            let s = st.put(s);
            commit(&mut st)?;
            // The answer is the workflow of the live publish.
            let live = reports::workflow(set, &s).pop().unwrap_or(Value::Null);
            return Ok(json(StatusCode::OK, &live));
        }
        SubOp::Cancel => {
            submissions::check_cancel(set, &s)?;
            st.delete(&s.id);
            commit(&mut st)?;
            return Ok(empty(StatusCode::NO_CONTENT));
        }
    };
    drop(st);
    values_page(ctx, items)
}

fn create_submission(ctx: &Ctx<'_>) -> ApiResult {
    let mut st = ctx.shared.state();
    let p = product(&st, ctx)?.clone();
    let req = ctx.body.clone().unwrap_or(Value::Null);
    // The request is checked first (a stale draft is a 400 either way),
    // then whether another submission is in progress.
    let s = submissions::create(ctx.s(), &st, &p, &req)?;
    if let Some((busy, sub)) = submissions::in_progress(ctx.s(), &st, &p.id) {
        return Err(ApiError::submission_in_progress(&busy.id, sub.as_str()));
    }
    let s = st.put(s);
    lifecycle::new_draft_instances(&mut st, &p.id);
    commit(&mut st)?;
    answer(ctx, &s)
}

fn dispatch(ctx: &Ctx<'_>) -> ApiResult {
    use Kind::*;
    match ctx.op.as_str() {
        "list_products" => {
            let st = ctx.shared.state();
            list(ctx, st.find(Product, |_| true))
        }
        "create_product" => create_product(ctx),
        "get_product" => {
            let st = ctx.shared.state();
            Ok(entity(StatusCode::OK, &view(ctx.s(), product(&st, ctx)?)))
        }
        "delete_product" => {
            let mut st = ctx.shared.state();
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
        "get_submission" => submission_op(ctx, SubOp::Get),
        "delete_submission" => submission_op(ctx, SubOp::Cancel),
        "promote_submission" => submission_op(ctx, SubOp::Promote),
        "list_submission_reports" => submission_op(ctx, SubOp::Reports),
        "list_submission_validations" => submission_op(ctx, SubOp::Validations),
        "list_submission_workflow_details" => submission_op(ctx, SubOp::Workflow),
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
