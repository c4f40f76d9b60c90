//! The service's errors, in one catalogue: the `ICH…` strings of the
//! ingestion API, the codes of submission validation items, Azure Storage's
//! error codes, and the ASP.NET validation body of the 2026
//! `x-ms-publisherId` check.

use axum::http::{HeaderValue, StatusCode};
use serde_json::{json, Value};

use crate::http::{json, Resp};

/// Codes of validation items (`…/validations`, `validationItems`).
pub mod items {
    /// The submission leaves out the ResellerConfiguration module.
    pub const RESELLER_MODULE_MISSING: &str = "Resell-20007";
    /// A listing lacks a required text.
    pub const LISTING_TEXT_MISSING: &str = "Listing-10001";
    /// A plan's package configuration references no processed package.
    pub const PLAN_WITHOUT_PACKAGE: &str = "Package-30001";
    /// A package could not be processed.
    pub const PACKAGE_PROCESSING_FAILED: &str = "Package-40001";
    /// Certification failed.
    pub const CERTIFICATION_FAILED: &str = "Certification-50001";
}

/// Azure Storage's error codes (`x-ms-error-code` and the XML `<Code>`), as
/// the blob endpoint sends them.
pub mod storage {
    /// `AuthenticationFailed`.
    pub const AUTHENTICATION_FAILED: &str = "AuthenticationFailed";
    /// `AuthorizationPermissionMismatch`.
    pub const PERMISSION_MISMATCH: &str = "AuthorizationPermissionMismatch";
    /// `BlobNotFound`.
    pub const BLOB_NOT_FOUND: &str = "BlobNotFound";
    /// `BlobAlreadyExists`.
    pub const BLOB_ALREADY_EXISTS: &str = "BlobAlreadyExists";
    /// `ConditionNotMet`.
    pub const CONDITION_NOT_MET: &str = "ConditionNotMet";
    /// `InvalidRange`.
    pub const INVALID_RANGE: &str = "InvalidRange";
    /// `OutOfRangeInput`.
    pub const OUT_OF_RANGE_INPUT: &str = "OutOfRangeInput";
    /// `Md5Mismatch`.
    pub const MD5_MISMATCH: &str = "Md5Mismatch";
    /// `InvalidBlockList`.
    pub const INVALID_BLOCK_LIST: &str = "InvalidBlockList";
    /// `InvalidXmlDocument`.
    pub const INVALID_XML_DOCUMENT: &str = "InvalidXmlDocument";
    /// `InvalidUri`.
    pub const INVALID_URI: &str = "InvalidUri";
    /// `InvalidQueryParameterValue`.
    pub const INVALID_QUERY_PARAMETER_VALUE: &str = "InvalidQueryParameterValue";
    /// `InvalidHeaderValue`.
    pub const INVALID_HEADER_VALUE: &str = "InvalidHeaderValue";
    /// `MissingRequiredHeader`.
    pub const MISSING_REQUIRED_HEADER: &str = "MissingRequiredHeader";
    /// `InvalidInput`.
    pub const INVALID_INPUT: &str = "InvalidInput";
    /// `RequestBodyTooLarge`.
    pub const REQUEST_BODY_TOO_LARGE: &str = "RequestBodyTooLarge";
    /// `UnsupportedHttpVerb`.
    pub const UNSUPPORTED_HTTP_VERB: &str = "UnsupportedHttpVerb";
    /// `InternalError`.
    pub const INTERNAL_ERROR: &str = "InternalError";
}

/// A failure of an ingestion call, turned into the service's error form on the way out.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status; the `ICH` code is 50000 plus it.
    pub status: StatusCode,
    /// The text after the code.
    pub message: String,
    /// Field names and their validation messages.
    pub data: Vec<(String, String)>,
}

impl ApiError {
    /// An error with a status and a message, no field data.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            data: Vec::new(),
        }
    }
    /// `400 ICH50400`: one field is wrong.
    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        ApiError::invalid(vec![(field.to_string(), message.into())])
    }
    /// `400 ICH50400`: fields and their messages.
    pub fn invalid(data: Vec<(String, String)>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: "The request is not valid.".into(),
            data,
        }
    }
    /// `404 ICH50404`.
    pub fn not_found(what: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("No {what} has this id."))
    }
    /// `409 ICH50409`.
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, message)
    }
    /// `500 ICH50500`.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
    /// `412 ICH50412`: the `If-Match` etag is not the current one.
    pub fn etag_mismatch() -> Self {
        ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "The etag in If-Match does not match the resource's current etag; read it again and retry.",
        )
    }
    /// `413 ICH50413`.
    pub fn too_large() -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
        )
    }
    /// `409 ICH50409`: another submission of the product is in progress.
    /// `data.submissionID` names it, for tools that cancel or wait for it.
    pub fn submission_in_progress(id: &str, substate: &str) -> Self {
        ApiError {
            status: StatusCode::CONFLICT,
            message: format!(
                "Submission {id} of this product is in progress ({substate}); only one submission may be in progress at a time. Wait until it is ready or live, or cancel it, before creating another."
            ),
            data: vec![("submissionID".into(), id.to_string())],
        }
    }
    /// `409 ICH50409`: promote of a submission that is not a ready preview.
    pub fn cannot_promote(substate: &str) -> Self {
        ApiError::conflict(format!(
            "Only a preview submission that is Published/ReadyToPublish can be promoted; this one is {substate}."
        ))
    }
    /// `409 ICH50409`: promote of a ready preview that a newer submission replaced.
    pub fn superseded(newer: &str) -> Self {
        ApiError::conflict(format!(
            "This preview was replaced by submission {newer}; promote that one when it is ready."
        ))
    }
    /// `409 ICH50409`: cancel of a submission that was promoted or is live.
    pub fn cannot_cancel(substate: &str) -> Self {
        ApiError::conflict(format!(
            "A submission that was promoted or is live cannot be cancelled; this one is {substate}."
        ))
    }
    /// `400 ICH50400` of `GET /products` without a product type filter (2026-04).
    pub fn product_type_filter() -> Self {
        ApiError::bad_request(
            "ProductTypeFilter[0]",
            "The field is invalid (value 'Application')",
        )
    }
    /// `400 ICH50400` of a feature the offer type does not have (a test drive).
    pub fn feature_name() -> Self {
        ApiError::bad_request("FeatureName", "The field FeatureName is invalid.")
    }

    /// The answer: a JSON string `"ICH… - … {…}"`.
    pub fn into_response(self, operation: &str, correlation: &str) -> Resp {
        let code = 50000 + u32::from(self.status.as_u16());
        let reason = match self.status {
            StatusCode::BAD_REQUEST => "Request validation failed.",
            StatusCode::NOT_FOUND => "Resource not found.",
            StatusCode::CONFLICT => "The resource is in a state that does not allow this.",
            StatusCode::PRECONDITION_FAILED => "The resource was changed by someone else.",
            _ => "The request could not be completed.",
        };
        let mut data = serde_json::Map::new();
        for (field, msg) in self.data {
            let slot = data.entry(field).or_insert_with(|| json!([]));
            if let Some(list) = slot.as_array_mut() {
                list.push(Value::String(msg));
            }
        }
        let detail = json!({
            "faultCode": code,
            "reasonPhrase": reason,
            "correlationId": correlation,
            "operationId": operation,
            "data": data,
        });
        let text = format!("ICH{code} - {} {detail}", self.message);
        json(self.status, &Value::String(text))
    }
}

/// The result of an ingestion handler.
pub type ApiResult = Result<Resp, ApiError>;

/// The header the 2026-06 check asks for.
pub const PUBLISHER_ID_HEADER: &str = "x-ms-publisherId";

/// The ASP.NET validation body of a call without the right `x-ms-publisherId`.
pub fn publisher_id_problem(trace: &str) -> Value {
    json!({
        "errors": { PUBLISHER_ID_HEADER: ["PublisherId is a required header, and must be a positive number."] },
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "traceId": trace,
    })
}

/// The answer to a call without the right `x-ms-publisherId`: the bare
/// ASP.NET body, or (`wrapped`, as `GET /products/{id}` answers it) that body
/// inside the string of the service's REST client exception.
pub fn publisher_id_refusal(trace: &str, wrapped: bool) -> Resp {
    let body = publisher_id_problem(trace);
    if wrapped {
        let text = format!(
            "Microsoft.Ingestion.Common.RestClientException: Product request failed, API=GetProduct, HttpStatusCode=BadRequest, ResponseContent={body}"
        );
        return json(StatusCode::BAD_REQUEST, &Value::String(text));
    }
    let mut r = json(StatusCode::BAD_REQUEST, &body);
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/problem+json; charset=utf-8"),
    );
    r
}
