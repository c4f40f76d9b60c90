//! Submissions as the service runs them (SERVICE-FACTS, "Submissions"): one
//! test per rule, stepped on a manual clock instead of sleeping.

mod support;

use std::time::Duration;

use partner_center_emulator::{Clock, Emulator};
use reqwest::Method;
use serde_json::{json, Value};
use support::{fresh, start, Env};

/// How long each certification step takes in these tests.
const STEP: Duration = Duration::from_secs(60);

/// An emulator on a manual clock with one-minute steps, and the clock.
async fn stepped() -> (Env, Clock) {
    let clock = Clock::manual();
    let env = start(
        Emulator::builder()
            .clock(clock.clone())
            .certification_delay(STEP),
    )
    .await;
    (env, clock)
}

/// An offer whose listing passes validation.
async fn offer(env: &Env, name: &str) -> String {
    let p = env.product(name).await;
    fill_listing(env, &p, "A title").await;
    p
}

async fn fill_listing(env: &Env, p: &str, title: &str) {
    let inst = env.draft(p, "Listing", None).await;
    let a = env
        .get(&format!(
            "/products/{p}/listings/getByInstanceID(instanceID={inst})"
        ))
        .await;
    let mut l = a.json()["value"][0].clone();
    l["title"] = json!(title);
    l["summary"] = json!("A summary");
    l["description"] = json!("A description");
    let path = format!("/products/{p}/listings/{}", l["id"].as_str().unwrap());
    assert_eq!(env.put(&path, l, None).await.status, 200);
}

/// Submits the offer's current Listing and ResellerConfiguration drafts
/// (`modules` overrides which) to `target`; returns the answer.
async fn submit_modules(env: &Env, p: &str, modules: &[&str], extra: Value) -> support::Answer {
    let mut resources = Vec::new();
    for m in modules {
        resources.push(json!({"type": m, "value": env.draft(p, m, None).await}));
    }
    let mut req = json!({
        "resourceType": "SubmissionCreationRequest",
        "targets": [{"type": "Scope", "value": "preview"}],
        "resources": resources,
    });
    if let (Some(o), Some(e)) = (req.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    env.post(&format!("/products/{p}/submissions"), req).await
}

/// Submits a good preview; returns the submission's path.
async fn submit(env: &Env, p: &str) -> String {
    let a = submit_modules(env, p, &["Listing", "ResellerConfiguration"], json!({})).await;
    assert_eq!(a.status, 201, "{}", a.text);
    format!(
        "/products/{p}/submissions/{}",
        a.json()["id"].as_str().unwrap()
    )
}

fn states(v: &Value) -> (&str, &str) {
    (
        v["state"].as_str().unwrap_or(""),
        v["substate"].as_str().unwrap_or(""),
    )
}

#[tokio::test]
async fn submission_ids_are_long_numeric_strings() {
    let env = fresh().await;
    let p = offer(&env, "ids").await;
    let path = submit(&env, &p).await;
    let id = path.rsplit('/').next().unwrap();
    assert!(
        id.len() >= 18 && id.bytes().all(|b| b.is_ascii_digit()),
        "{id}"
    );
    assert_eq!(env.get(&path).await.json()["id"], id);
    // The Availability module's draft instances are long numbers too.
    let inst = env.draft(&p, "Availability", None).await;
    assert!(inst.bytes().all(|b| b.is_ascii_digit()), "{inst}");
}

#[tokio::test]
async fn a_ready_preview_reads_published_ready_to_publish() {
    let (env, clock) = stepped().await;
    let p = offer(&env, "ready").await;
    let path = submit(&env, &p).await;
    assert_eq!(
        states(&env.get(&path).await.json()),
        ("InProgress", "InDraft")
    );
    clock.advance(STEP);
    assert_eq!(
        states(&env.get(&path).await.json()),
        ("InProgress", "Submitted")
    );
    clock.advance(STEP);
    let ready = env.get(&path).await.json();
    assert_eq!(states(&ready), ("Published", "ReadyToPublish"));
    assert!(ready["publishedTimeInUtc"].is_string(), "{ready}");
}

#[tokio::test]
async fn live_reads_published_in_store() {
    let (env, clock) = stepped().await;
    let p = offer(&env, "live").await;
    let path = submit(&env, &p).await;
    clock.advance(STEP * 2);
    let a = env.post(&format!("{path}/promote"), json!({})).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        states(&env.get(&path).await.json()),
        ("InProgress", "Publishing")
    );
    clock.advance(STEP);
    assert_eq!(
        states(&env.get(&path).await.json()),
        ("Published", "Published")
    );
    clock.advance(STEP);
    assert_eq!(
        states(&env.get(&path).await.json()),
        ("Published", "InStore")
    );
}

#[tokio::test]
async fn a_failure_reads_in_progress_failed_or_failed_in_certification() {
    let (env, clock) = stepped().await;
    let p = env.product("fails").await;
    // No listing texts, no ResellerConfiguration: validation fails.
    let a = submit_modules(&env, &p, &["Listing"], json!({})).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let failed = format!(
        "/products/{p}/submissions/{}",
        a.json()["id"].as_str().unwrap()
    );
    clock.advance(STEP);
    assert_eq!(
        states(&env.get(&failed).await.json()),
        ("InProgress", "Failed")
    );

    let q = env.product("fails-cert").await;
    fill_listing(&env, &q, "Broken [fail-certification]").await;
    let path = submit(&env, &q).await;
    clock.advance(STEP * 2);
    assert_eq!(
        states(&env.get(&path).await.json()),
        ("InProgress", "FailedInCertification")
    );
}

#[tokio::test]
async fn promote_only_from_a_ready_preview() {
    let (env, clock) = stepped().await;
    let p = offer(&env, "promote").await;
    let path = submit(&env, &p).await;
    let a = env.post(&format!("{path}/promote"), json!({})).await;
    assert_eq!(a.status, 409, "InDraft cannot be promoted");
    assert!(a.ich().0.starts_with("ICH50409"), "{}", a.text);
    clock.advance(STEP * 2);
    let a = env.post(&format!("{path}/promote"), json!({})).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let a = env.post(&format!("{path}/promote"), json!({})).await;
    assert_eq!(a.status, 409, "a second promote");
}

#[tokio::test]
async fn no_cancel_after_promote() {
    let (env, clock) = stepped().await;
    let p = offer(&env, "no-cancel").await;
    let path = submit(&env, &p).await;
    clock.advance(STEP * 2);
    assert_eq!(
        env.post(&format!("{path}/promote"), json!({})).await.status,
        200
    );
    for _ in 0..3 {
        let a = env.call(Method::DELETE, &path, None, None).await;
        assert_eq!(a.status, 409, "{}", a.text);
        assert!(a.ich().0.contains("cannot be cancelled"), "{}", a.text);
        clock.advance(STEP);
    }
    assert_eq!(states(&env.get(&path).await.json()).1, "InStore");
}

#[tokio::test]
async fn one_submission_in_progress_per_product() {
    let (env, _clock) = stepped().await;
    let p = offer(&env, "one-at-a-time").await;
    let first = submit(&env, &p).await;
    let id = first.rsplit('/').next().unwrap();
    let a = submit_modules(&env, &p, &["Listing", "ResellerConfiguration"], json!({})).await;
    assert_eq!(a.status, 409, "{}", a.text);
    let (text, detail) = a.ich();
    assert!(text.starts_with("ICH50409 - "), "{text}");
    assert!(text.contains(id), "the error names {id}: {text}");
    assert_eq!(detail["data"]["submissionID"], json!([id]));
    // Another product is not blocked.
    let q = offer(&env, "other").await;
    submit(&env, &q).await;
    // Cancelling the one in progress lets the next one through.
    let a = env.call(Method::DELETE, &first, None, None).await;
    assert_eq!(a.status, 204, "{}", a.text);
    submit(&env, &p).await;
}

#[tokio::test]
async fn a_failed_submission_does_not_block() {
    let env = fresh().await;
    let p = offer(&env, "failed-then-good").await;
    let a = submit_modules(&env, &p, &["Listing"], json!({})).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let failed = format!(
        "/products/{p}/submissions/{}",
        a.json()["id"].as_str().unwrap()
    );
    assert_eq!(states(&env.get(&failed).await.json()).1, "Failed");
    submit(&env, &p).await;
}

#[tokio::test]
async fn a_ready_preview_that_is_not_promoted_is_replaced_by_the_next_submission() {
    let (env, clock) = stepped().await;
    let p = offer(&env, "ready-replaced").await;
    let first = submit(&env, &p).await;
    clock.advance(STEP * 2);
    assert_eq!(
        states(&env.get(&first).await.json()),
        ("Published", "ReadyToPublish")
    );
    // A ready preview is Published, not in progress: the next one replaces it.
    let second = submit(&env, &p).await;
    let second_id = second.rsplit('/').next().unwrap();
    clock.advance(STEP * 2);
    let a = env.post(&format!("{first}/promote"), json!({})).await;
    assert_eq!(
        a.status, 409,
        "a replaced preview cannot be promoted: {}",
        a.text
    );
    assert!(a.ich().0.contains(second_id), "{}", a.text);
    assert_eq!(
        env.post(&format!("{second}/promote"), json!({}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_promoted_submission_blocks_until_it_is_live() {
    let (env, clock) = stepped().await;
    let p = offer(&env, "promoted-blocks").await;
    let first = submit(&env, &p).await;
    clock.advance(STEP * 2);
    assert_eq!(
        env.post(&format!("{first}/promote"), json!({}))
            .await
            .status,
        200
    );
    let a = submit_modules(&env, &p, &["Listing", "ResellerConfiguration"], json!({})).await;
    assert_eq!(a.status, 409, "Publishing blocks: {}", a.text);
    clock.advance(STEP);
    assert_eq!(
        states(&env.get(&first).await.json()),
        ("Published", "Published")
    );
    let a = submit_modules(&env, &p, &["Listing", "ResellerConfiguration"], json!({})).await;
    assert_eq!(
        a.status, 409,
        "Published but not in the store blocks: {}",
        a.text
    );
    clock.advance(STEP);
    assert_eq!(states(&env.get(&first).await.json()).1, "InStore");
    let second = submit(&env, &p).await;
    clock.advance(STEP * 2);
    // A ready preview may be cancelled.
    let a = env.call(Method::DELETE, &second, None, None).await;
    assert_eq!(a.status, 204, "{}", a.text);
    submit(&env, &p).await;
}

#[tokio::test]
async fn workflowdetails_have_the_service_shape() {
    let (env, clock) = stepped().await;
    let p = offer(&env, "workflow").await;
    let path = submit(&env, &p).await;
    let wf = env.get(&format!("{path}/workflowdetails")).await.json();
    let preview = &wf["value"][0];
    assert_eq!(preview["type"], "Push");
    assert_eq!(preview["state"], "InProgress");
    assert_eq!(preview["targetEnvironment"], "Preview");
    assert!(preview["startDateTimeInUtc"].is_string());
    assert!(preview["completeDateTimeInUtc"].is_null());
    let steps = preview["workflowSteps"].as_array().unwrap();
    assert!(steps
        .iter()
        .all(|s| s["name"].is_string() && s["state"].is_string()));
    assert_eq!(steps[0]["state"], "InProgress");
    clock.advance(STEP * 2);
    assert_eq!(
        env.post(&format!("{path}/promote"), json!({})).await.status,
        200
    );
    clock.advance(STEP * 2);
    let wf = env.get(&format!("{path}/workflowdetails")).await.json();
    let all = wf["value"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    for w in all {
        assert_eq!(w["state"], "Success", "{w}");
        assert!(w["completeDateTimeInUtc"].is_string(), "{w}");
    }
    assert_eq!(all[1]["targetEnvironment"], "Live");

    // A failed step fails its workflow.
    let q = env.product("workflow-fails").await;
    let a = submit_modules(&env, &q, &["Listing"], json!({})).await;
    let failed = format!(
        "/products/{q}/submissions/{}",
        a.json()["id"].as_str().unwrap()
    );
    clock.advance(STEP);
    let wf = env.get(&format!("{failed}/workflowdetails")).await.json();
    assert_eq!(wf["value"][0]["state"], "Failed");
    assert_eq!(wf["value"][0]["workflowSteps"][0]["state"], "Failed");
}

#[tokio::test]
async fn transient_404_rate_answers_404_while_a_submission_moves() {
    let clock = Clock::manual();
    let env = start(
        Emulator::builder()
            .clock(clock.clone())
            .certification_delay(STEP)
            .transient_404_rate(1.0),
    )
    .await;
    let p = offer(&env, "moving").await;
    let path = submit(&env, &p).await;
    let a = env.get(&path).await;
    assert_eq!((a.status.as_u16(), a.text.as_str()), (404, ""));
    // Other reads of it are not affected.
    assert_eq!(
        env.get(&format!("{path}/workflowdetails")).await.status,
        200
    );
    clock.advance(STEP * 2);
    let a = env.get(&path).await;
    assert_eq!(a.status, 200, "a ready preview is not moving");
    assert_eq!(states(&a.json()), ("Published", "ReadyToPublish"));
    assert!(Emulator::builder()
        .transient_404_rate(2.0)
        .start()
        .await
        .is_err());
}
