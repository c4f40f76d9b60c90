//! Error bodies in every form the service sends (fixtures in
//! `tests/fixtures/errors/`), read into `ApiError` and shown well enough for
//! a support ticket.

use http::{HeaderMap, StatusCode};

use partner_center_ingestion::ApiError;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/errors/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse(status: u16, name: &str) -> ApiError {
    let mut headers = HeaderMap::new();
    headers.insert("request-id", "req-77".parse().unwrap());
    headers.insert("x-azure-ref", "ref-88".parse().unwrap());
    ApiError::from_parts(
        StatusCode::from_u16(status).unwrap(),
        &headers,
        fixture(name).trim_ascii(),
    )
}

fn assert_shows(shown: &str, parts: &[&str]) {
    for part in parts {
        assert!(shown.contains(part), "`{shown}` lacks `{part}`");
    }
}

const TRACE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const REQUIRED: &str = "PublisherId is a required header, and must be a positive number.";

#[test]
fn the_ich_string_form() {
    let e = parse(400, "ich-feature-name.json");
    assert_eq!(e.code.as_deref(), Some("ICH50400"));
    assert_eq!(e.message.as_deref(), Some("Unable to complete request."));
    assert_eq!(e.fault_code.as_deref(), Some("50400"));
    assert_eq!(e.reason.as_deref(), Some("Request validation failed."));
    assert_eq!(
        e.correlation_id.as_deref(),
        Some("5d0c7c1e-2f43-4b0e-9a51-6f1e8e0b2c11")
    );
    assert_eq!(
        e.validation["FeatureName"],
        ["The field FeatureName is invalid."]
    );
    assert_eq!(e.wrapper, None);
    assert!(!e.names_publisher_id());
    assert_shows(
        &e.to_string(),
        &[
            "400",
            "ICH50400",
            "FeatureName: The field FeatureName is invalid.",
            "request id req-77",
            "x-azure-ref ref-88",
        ],
    );
}

#[test]
fn the_aspnet_validation_form_bare() {
    let e = parse(400, "aspnet-publisher-id.json");
    assert_eq!(e.code, None);
    assert_eq!(
        e.message.as_deref(),
        Some("One or more validation errors occurred.")
    );
    assert_eq!(e.trace_id.as_deref(), Some(TRACE));
    assert_eq!(e.inner_status, Some(400));
    assert_eq!(e.validation["x-ms-publisherId"], [REQUIRED]);
    assert!(e.names_publisher_id());
    let shown = e.to_string();
    assert_shows(
        &shown,
        &[
            "400 Bad Request",
            "One or more validation errors occurred.",
            &format!("x-ms-publisherId: {REQUIRED}"),
            "PARTNER_CENTER_PUBLISHER_ID",
            "ClientBuilder::publisher_id",
            &format!("trace id {TRACE}"),
            "request id req-77",
        ],
    );
    assert!(!shown.contains("inner status"), "{shown}");
}

#[test]
fn the_aspnet_validation_form_wrapped_in_a_string() {
    // The gateway passes a 400 from behind it on as a 500.
    let e = parse(500, "aspnet-publisher-id-wrapped.json");
    assert_eq!(e.code, None);
    assert_eq!(
        e.message.as_deref(),
        Some("One or more validation errors occurred.")
    );
    assert_eq!(
        e.wrapper.as_deref(),
        Some("Microsoft.Marketplace.Ingestion.Common.RestClientException: Product request failed, API=GetProduct, HttpStatusCode=BadRequest")
    );
    assert_eq!(e.trace_id.as_deref(), Some(TRACE));
    assert_eq!(e.validation["x-ms-publisherId"], [REQUIRED]);
    assert!(e.names_publisher_id());
    assert_shows(
        &e.to_string(),
        &[
            "500",
            "(inner status 400)",
            &format!("x-ms-publisherId: {REQUIRED}"),
            "API=GetProduct",
            "x-ms-publisherId header",
            "PARTNER_CENTER_PUBLISHER_ID",
            TRACE,
        ],
    );
}

#[test]
fn the_wrapped_form_as_plain_text_too() {
    let text = String::from_utf8(fixture("aspnet-publisher-id-wrapped.json")).unwrap();
    let unquoted: String = serde_json::from_str(text.trim()).unwrap();
    let e = ApiError::from_parts(
        StatusCode::BAD_REQUEST,
        &HeaderMap::new(),
        unquoted.as_bytes(),
    );
    assert_eq!(e.validation["x-ms-publisherId"], [REQUIRED]);
    assert_eq!(e.trace_id.as_deref(), Some(TRACE));
}

#[test]
fn the_product_type_filter_refusal_says_what_to_do() {
    let e = parse(400, "ich-product-type-filter.json");
    assert_eq!(
        e.validation["ProductTypeFilter[0]"],
        ["The field is invalid (value 'Application')"]
    );
    assert_shows(&e.to_string(), &["ProductTypeFilter[0]", "resourceType eq"]);
}

#[test]
fn secret_field_names_in_either_form_are_hidden() {
    let body = br#"{"errors":{"clientSecret":["Sx8Q~never-shown is not valid"]},"title":"One or more validation errors occurred.","status":400}"#;
    let e = ApiError::from_parts(StatusCode::BAD_REQUEST, &HeaderMap::new(), body);
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("never-shown"), "{shown}");
    assert!(shown.contains("clientSecret"), "{shown}");
}
