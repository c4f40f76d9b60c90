//! The error-body parser never panics, whatever the bytes.

use http::{HeaderMap, StatusCode};
use proptest::prelude::*;

use partner_center_ingestion::ApiError;

fn status_strategy() -> impl Strategy<Value = StatusCode> {
    (100u16..=999).prop_map(|s| StatusCode::from_u16(s).expect("in range"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(status in status_strategy(), body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let error = ApiError::from_parts(status, &HeaderMap::new(), &body);
        let shown = error.to_string();
        prop_assert!(shown.contains(status.as_str()));
        prop_assert!(error.body.len() <= 4096 + 3);
    }

    #[test]
    fn arbitrary_text_in_the_service_format(
        code in "[A-Z]{0,5}[0-9]{0,6}",
        message in "\\PC{0,80}",
        fault in "\\PC{0,120}",
    ) {
        let text = format!("{code} - {message} {{{fault}");
        let body = serde_json::to_vec(&text).unwrap();
        let error = ApiError::from_parts(StatusCode::BAD_REQUEST, &HeaderMap::new(), &body);
        prop_assert!(!error.to_string().is_empty());
    }

    #[test]
    fn arbitrary_json_bodies(value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap();
        let error = ApiError::from_parts(StatusCode::CONFLICT, &HeaderMap::new(), &body);
        let _ = error.is_etag_mismatch();
        prop_assert!(!error.to_string().is_empty());
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "\\PC{0,20}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("faultCode".to_string()),
                    Just("data".to_string()),
                    Just("reasonPhrase".to_string()),
                    "[a-zA-Z]{1,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
