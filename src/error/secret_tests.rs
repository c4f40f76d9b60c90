//! Secrets at random depths of a body never survive in any output (the
//! parser, the error type and the redactor together).

use http::{HeaderMap, StatusCode};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::{ApiError, Error};

/// A secret value: a marker no generated name or text contains.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9+/]{6,24}".prop_map(|s| format!("Zq9{s}"))
}

/// Where a secret hides: under a secret name, or by shape in a string
/// under any name.
fn planted() -> impl Strategy<Value = (String, Value, String)> {
    let name = prop_oneof![
        Just("password"),
        Just("applicationKey"),
        Just("azureActiveDirectoryApplicationKey"),
        Just("clientSecret"),
        Just("client_secret"),
        Just("connectionString"),
        Just("primaryKey"),
        Just("access_token"),
    ];
    prop_oneof![
        (name, secret()).prop_map(|(n, s)| (n.to_string(), Value::from(s.clone()), s)),
        ("[a-z]{1,8}", secret()).prop_map(|(n, s)| (
            n,
            Value::from(format!(
                "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={s}==;EndpointSuffix=core.windows.net"
            )),
            s
        )),
        ("[a-z]{1,8}", secret()).prop_map(|(n, s)| (
            n,
            Value::from(format!("https://a.blob.core.windows.net/c/f?sv=1&sig={s}%2B&se=2")),
            s
        )),
        ("[a-z]{1,8}", secret()).prop_map(|(n, s)| (
            n,
            Value::from(format!("Bearer {s}.x")),
            s
        )),
        ("[a-z]{1,8}", secret()).prop_map(|(n, s)| (
            n,
            Value::from(format!("Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey={s}=")),
            s
        )),
    ]
}

fn filler() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<i32>().prop_map(Value::from),
        "[a-z ]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Plants each secret at a random path of `filler`, as deep as it goes.
fn plant(mut body: Value, plants: &[(String, Value, String)], paths: &[Vec<usize>]) -> Value {
    if !body.is_object() {
        body = json!({ "value": body });
    }
    for ((name, value, _), path) in plants.iter().zip(paths) {
        // Walk down (reading) to find the JSON pointer of the container.
        let mut pointer = String::new();
        let mut at = &body;
        for step in path {
            let (key, next) = match at {
                Value::Object(map) if !map.is_empty() => {
                    let (k, v) = map.iter().nth(step % map.len()).expect("in range");
                    (k.replace('~', "~0").replace('/', "~1"), v)
                }
                Value::Array(items) if !items.is_empty() => {
                    let i = step % items.len();
                    (i.to_string(), &items[i])
                }
                _ => break,
            };
            if !next.is_object() && !next.is_array() {
                break;
            }
            pointer.push('/');
            pointer.push_str(&key);
            at = next;
        }
        match body.pointer_mut(&pointer).expect("found above") {
            Value::Object(map) => {
                map.insert(name.clone(), value.clone());
            }
            Value::Array(items) => items.push(json!({ name.clone(): value.clone() })),
            _ => unreachable!("objects and arrays only"),
        }
    }
    body
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_secret_survives_in_any_output(
        body in filler(),
        plants in proptest::collection::vec(planted(), 1..5),
        paths in proptest::collection::vec(proptest::collection::vec(any::<usize>(), 0..4), 5),
        status in prop_oneof![Just(400u16), Just(409), Just(500)],
    ) {
        let body = plant(body, &plants, &paths);
        let json_text = body.to_string();
        // The service's form: a JSON string holding `CODE - message {fault}`.
        let ich = serde_json::to_string(&format!(
            "ICH50400 - Unable to complete request. {{\"faultCode\":50400,\"data\":{json_text}}}"
        )).unwrap();
        let status = StatusCode::from_u16(status).unwrap();
        let mut outputs = Vec::new();
        for text in [&json_text, &ich] {
            let api = ApiError::from_parts(status, &HeaderMap::new(), text.as_bytes());
            outputs.push(format!("{api} {api:?}"));
            let error = Error::from_response(api);
            outputs.push(format!("{error} {error:?}"));
            let source = serde_json::from_str::<u8>(text).unwrap_err();
            let decode = Error::decode(source, text.as_bytes());
            outputs.push(format!("{decode} {decode:?}"));
            outputs.push(crate::sensitive::redact(text));
        }
        if let Value::Object(map) = &body {
            outputs.push(format!("{:?}", crate::sensitive::ShowMap(map)));
        }
        let map: Map<String, Value> = [("clientSecret".to_string(), body.clone())].into_iter().collect();
        outputs.push(format!("{:?}", crate::sensitive::ShowMap(&map)));
        for (_, _, secret) in &plants {
            for output in &outputs {
                prop_assert!(!output.contains(secret.as_str()), "{secret} shown in {output}");
            }
        }
    }

    #[test]
    fn signatures_go_and_the_rest_stays(
        prefix in "([ac-fh-z]{0,40} )?",
        sig in "[A-Za-z0-9%+/=]{1,40}",
        suffix in "(&[a-z]{1,5}=[a-z]{1,5}){0,3}",
    ) {
        // A name in the suffix that is secret itself is rightly hidden too.
        prop_assume!(!suffix
            .split('&')
            .any(|pair| pair.split('=').next().is_some_and(crate::sensitive::is_secret_name)));
        let text = format!("{prefix}https://a.blob.core.windows.net/c?sv=1&sig={sig}{suffix}");
        let expected = format!("{prefix}https://a.blob.core.windows.net/c?sv=1&sig=REDACTED{suffix}");
        prop_assert_eq!(crate::sensitive::redact(&text), expected);
    }

    #[test]
    fn redaction_never_panics(text in "\\PC{0,300}") {
        let _ = crate::sensitive::redact(&text);
        let _ = crate::sensitive::serde_message(&text);
    }
}

#[test]
fn redaction_takes_linear_time() {
    // Shapes that would make a naive scanner go back and forth.
    for unit in [
        "a:",
        "\"password\":\"",
        "key=",
        "\\\\\\\"",
        "Bearer ",
        "eyJ.",
        "%3D",
    ] {
        let small = unit.repeat(2_000);
        let large = unit.repeat(200_000);
        let time = |text: &str| {
            let started = std::time::Instant::now();
            let _ = crate::sensitive::redact(text);
            started.elapsed()
        };
        let (t_small, t_large) = (time(&small), time(&large));
        // 100× the text; allow 1,000× the time (noise), not 10,000×.
        assert!(
            t_large < t_small * 1_000 + std::time::Duration::from_secs(2),
            "{unit:?}: {t_small:?} for 2,000, {t_large:?} for 200,000"
        );
    }
}
