//! Replaying a recording against an emulator of its own: sending its steps,
//! taking the captures, following the pages of a collection.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use partner_center_emulator::{Clock, Emulator};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};

use crate::format::{load, Capture, Find, Follow, Step};
use crate::patterns::{
    body_json, check_answer, compact, compare, compare_unordered, interpolate, step, substitute,
    vars, Mismatch, Vars,
};
use crate::support::{self, Env};

/// The most pages a followed collection may have (a loop would never end).
const MAX_PAGES: usize = 50;

/// Takes the step's captures from the answer.
fn capture(step: &Step, body: &Value, vars: &mut Vars) -> Result<(), Mismatch> {
    for (name, how) in &step.capture {
        let found = match how {
            Capture::At(pointer) => body.pointer(pointer).filter(|v| !v.is_null()),
            Capture::Find(f) => body
                .pointer(&f.from)
                .and_then(Value::as_array)
                .and_then(|items| {
                    items
                        .iter()
                        .find(|i| compare(&f.matching, Some(i), vars, "$").is_ok())
                })
                .and_then(|i| i.pointer(&f.take))
                .filter(|v| !v.is_null()),
        };
        let Some(v) = found else {
            let whence = match how {
                Capture::At(p) => p.clone(),
                Capture::Find(f) => {
                    format!("{} where {} then {}", f.from, compact(&f.matching), f.take)
                }
            };
            return Err(Mismatch {
                at: format!("capture {name} ({whence})"),
                expected: "a value to capture".into(),
                actual: compact(body),
            });
        };
        vars.insert(name.clone(), v.clone());
    }
    Ok(())
}

/// An answer, read whole.
struct Got {
    status: u16,
    headers: HeaderMap,
    text: String,
}

fn transport(e: impl fmt::Display) -> Mismatch {
    Mismatch {
        at: "request".into(),
        expected: "an answer".into(),
        actual: e.to_string(),
    }
}

/// Sends one request; only to the emulator this test started.
async fn send(
    env: &Env,
    method: Method,
    url: &str,
    with_token: bool,
    headers: &[(String, String)],
    body: Option<Value>,
    bytes: Option<Vec<u8>>,
) -> Result<Got, Mismatch> {
    let parsed = url::Url::parse(url).map_err(|e| transport(format!("{url}: {e}")))?;
    if !matches!(parsed.host_str(), Some("127.0.0.1" | "localhost")) {
        return Err(transport(format!(
            "{url} is not on this machine; replays talk only to the emulator they start"
        )));
    }
    let mut rb = env.http.request(method, parsed);
    if with_token {
        rb = rb.bearer_auth(&env.token);
    }
    for (k, v) in headers {
        rb = rb.header(k.as_str(), v.as_str());
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    if let Some(b) = bytes {
        rb = rb.body(b);
    }
    let r = rb.send().await.map_err(transport)?;
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.map_err(transport)?;
    Ok(Got {
        status,
        headers,
        text,
    })
}

/// Follows a collection's `nextLink`s from its first page; returns every item.
async fn follow(
    env: &Env,
    step: &Step,
    every: &BTreeMap<String, Value>,
    f: &Follow,
    vars: &Vars,
    first: &Got,
) -> Result<Vec<Value>, Mismatch> {
    let mut page = body_json(&first.text)?;
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        let Some(value) = page.get("value").and_then(Value::as_array) else {
            return Err(Mismatch {
                at: format!("page {pages}: $.value"),
                expected: "an array".into(),
                actual: compact(&page),
            });
        };
        let [min, max] = f.page_items;
        if !(min..=max).contains(&value.len()) {
            return Err(Mismatch {
                at: format!("page {pages}: $.value"),
                expected: format!("{min} to {max} items"),
                actual: format!("{}: {}", value.len(), compact(&page)),
            });
        }
        items.extend(value.iter().cloned());
        let link = match page.get("nextLink") {
            None => break,
            Some(Value::String(l)) => l.clone(),
            Some(other) => {
                return Err(Mismatch {
                    at: format!("page {pages}: $.nextLink"),
                    expected: "a link, or no nextLink at all on the last page".into(),
                    actual: compact(other),
                })
            }
        };
        let at = format!("page {pages}: $.nextLink");
        compare(&f.link, Some(&Value::String(link.clone())), vars, &at)?;
        if pages >= MAX_PAGES {
            return Err(Mismatch {
                at,
                expected: format!("the last page within {MAX_PAGES} pages"),
                actual: link,
            });
        }
        let url = format!("{}/{link}", env.emu.api_host());
        let got = send(env, Method::GET, &url, true, &[], None, None).await?;
        check_answer(step, every, vars, got.status, &got.headers, &got.text).map_err(|m| {
            Mismatch {
                at: format!("page {} (GET {link}): {}", pages + 1, m.at),
                ..m
            }
        })?;
        page = body_json(&got.text)?;
    }
    if pages < f.min_pages {
        return Err(Mismatch {
            at: "pages".into(),
            expected: format!("at least {}", f.min_pages),
            actual: pages.to_string(),
        });
    }
    compare_unordered(&f.items, &items, vars)?;
    Ok(items)
}

/// The message of a failed step: the file, the step, the request, and the mismatch.
fn failure(file: &str, n: usize, step: &Step, request: &str, m: &Mismatch) -> String {
    let note = if step.note.is_empty() {
        String::new()
    } else {
        format!(" [{}]", step.note)
    };
    format!("recording {file}, step {n} ({request}){note}: {m}")
}

/// Replays one recording; returns how many requests it checked.
async fn replay(file: &str) -> Result<usize, String> {
    let rec = load(file)?;
    let clock = Clock::manual();
    let mut b = Emulator::builder().clock(clock.clone());
    let s = &rec.emulator;
    if let Some(n) = s.page_size {
        b = b.page_size(n);
    }
    if let Some(d) = s.consistency_delay_seconds {
        b = b.consistency_delay(Duration::from_secs(d));
    }
    if let Some(d) = s.processing_delay_seconds {
        b = b.processing_delay(Duration::from_secs(d));
    }
    if let Some(d) = s.certification_delay_seconds {
        b = b.certification_delay(Duration::from_secs(d));
    }
    let env = support::start(b).await;
    let mut vars = Vars::new();
    let mut checked = 0;
    for (i, step) in rec.steps.iter().enumerate() {
        let n = i + 1;
        if let Some(secs) = step.advance_seconds {
            clock.advance(Duration::from_secs(secs));
            continue;
        }
        let method = step.method.as_deref().unwrap_or("GET");
        let written = step.path.as_deref().or(step.url.as_deref()).unwrap_or("");
        let fail_at = |request: &str, m: Mismatch| failure(file, n, step, request, &m);
        let unresolved = format!("{method} {written}");
        let resolve = |s: &str| {
            interpolate(s, &vars).map_err(|e| {
                fail_at(
                    &unresolved,
                    Mismatch {
                        at: "request".into(),
                        expected: "every {name} captured".into(),
                        actual: e,
                    },
                )
            })
        };
        let (url, with_token, shown) = match (&step.path, &step.url) {
            (Some(p), _) => {
                let p = resolve(p)?;
                (format!("{}{p}", env.emu.endpoint()), true, p)
            }
            (None, Some(u)) => {
                let u = resolve(u)?;
                // A SAS URL's query is its secret: messages leave it out.
                let shown = match u.split_once('?') {
                    Some((base, _)) => format!("{base}?(query not shown)"),
                    None => u.clone(),
                };
                (u, false, shown)
            }
            (None, None) => return Err(format!("{file}, step {n}: no path or url")),
        };
        let request = format!("{method} {shown}");
        let mut headers = Vec::new();
        for (k, v) in &step.headers {
            headers.push((k.clone(), resolve(v)?));
        }
        let body = match &step.body {
            Some(b) => Some(substitute(b, &vars).map_err(|e| {
                fail_at(
                    &request,
                    Mismatch {
                        at: "request body".into(),
                        expected: "every {name} captured".into(),
                        actual: e,
                    },
                )
            })?),
            None => None,
        };
        let bytes = match &step.bytes {
            Some(t) => Some(resolve(t)?.into_bytes()),
            None => None,
        };
        let m = Method::from_bytes(method.as_bytes()).map_err(|e| format!("{file}: {e}"))?;
        let got = send(&env, m, &url, with_token, &headers, body, bytes)
            .await
            .map_err(|m| fail_at(&request, m))?;
        // Azure Storage's answers are not the API's.
        let none = BTreeMap::new();
        let every = if with_token {
            &rec.every_answer_headers
        } else {
            &none
        };
        check_answer(step, every, &vars, got.status, &got.headers, &got.text)
            .map_err(|m| fail_at(&request, m))?;
        let answer = match &step.follow {
            Some(f) => {
                let items = follow(&env, step, every, f, &vars, &got)
                    .await
                    .map_err(|m| fail_at(&request, m))?;
                json!({ "value": items })
            }
            None => body_json(&got.text).map_err(|m| fail_at(&request, m))?,
        };
        capture(step, &answer, &mut vars).map_err(|m| fail_at(&request, m))?;
        checked += 1;
    }
    env.emu.shutdown().await;
    Ok(checked)
}

pub(crate) async fn run(file: &str) {
    match replay(file).await {
        Ok(n) => assert!(n > 0, "{file} checked no requests"),
        Err(e) => panic!("{e}"),
    }
}

// ---------------------------------------------------------------------------
// Replaying, checked.

#[test]
fn a_failure_names_the_file_the_step_the_request_and_the_path() {
    let s = Step {
        note: "read it back".into(),
        ..step(200, json!({}))
    };
    let m = Mismatch {
        at: "$.name".into(),
        expected: "\"a\"".into(),
        actual: "\"b\"".into(),
    };
    let text = failure("products_created.json", 2, &s, "GET /products/p1", &m);
    assert_eq!(
        text,
        "recording products_created.json, step 2 (GET /products/p1) [read it back]: at $.name: expected \"a\", got \"b\""
    );
}

#[test]
fn captures_fill_paths_bodies_and_expectations() {
    let v = vars(&[
        ("product", json!("p1")),
        ("n", json!(3)),
        ("whole", json!({"a": [1]})),
    ]);
    assert_eq!(
        interpolate(
            "/products/{product}/branches/getByModule(module=Listing)",
            &v
        )
        .unwrap(),
        "/products/p1/branches/getByModule(module=Listing)"
    );
    assert_eq!(interpolate("{n} of {x y}", &v).unwrap(), "3 of {x y}");
    assert!(interpolate("/products/{missing}", &v).is_err());
    assert!(interpolate("/products/{whole}", &v).is_err());
    assert_eq!(
        substitute(
            &json!({"id": "{product}", "copy": "{whole}", "list": ["{n}"]}),
            &v
        )
        .unwrap(),
        json!({"id": "p1", "copy": {"a": [1]}, "list": [3]})
    );
    let s = Step {
        capture: [
            ("id".to_string(), Capture::At("/value/1/id".into())),
            (
                "plan".to_string(),
                Capture::Find(Find {
                    from: "/value".into(),
                    matching: json!({"variantID": "{product}"}),
                    take: "/currentDraftInstanceID".into(),
                }),
            ),
        ]
        .into_iter()
        .collect(),
        ..Step::default()
    };
    let mut v2 = v.clone();
    let body = json!({"value": [{"id": "a", "currentDraftInstanceID": "i0"}, {"id": "b", "variantID": "p1", "currentDraftInstanceID": "i1"}]});
    capture(&s, &body, &mut v2).unwrap();
    assert_eq!(
        (v2["id"].clone(), v2["plan"].clone()),
        (json!("b"), json!("i1"))
    );
    assert!(capture(&s, &json!({"value": []}), &mut v.clone()).is_err());
}
