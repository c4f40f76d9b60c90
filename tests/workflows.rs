//! The publishing workflows against the emulator: late branches, etag
//! conflicts, throttling, failed processing, failed validation, the whole
//! flow twice.

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_center_emulator::{Emulator, EmulatorBuilder, EmulatorHandle};
use partner_center_ingestion::types::{
    ResellerConfigurationResellerChannelState, SubmissionSubstate,
};
use partner_center_ingestion::workflows::{
    Event, ImageKind, Listing, NewOffer, NewPlan, Offer, PlanKind, Preview, Publisher,
    ResellerConfiguration, WorkflowError,
};
use support::{emulator_client, emulator_publisher};

const DEADLINE: Duration = Duration::from_secs(30);

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/assets")
}

async fn start(builder: EmulatorBuilder) -> (EmulatorHandle, Publisher) {
    let emulator = builder.start().await.expect("the emulator starts");
    let publisher = emulator_publisher(&emulator, DEADLINE);
    (emulator, publisher)
}

async fn write_listing(publisher: &Publisher, offer: &Offer) {
    publisher
        .edit_offer::<Listing>(offer, |l| {
            l.title = Some("Contoso Test".into());
            l.summary = Some("A test offer.".into());
            l.short_description = Some("Short.".into());
            l.description = Some("<p>Long.</p>".into());
        })
        .await
        .expect("listing edit");
}

/// The example's flow, from nothing to live.
async fn publish(publisher: &Publisher, offer_id: &str) -> Result<(), WorkflowError> {
    let offer = publisher
        .get_or_create_offer(&NewOffer::azure_application(offer_id, "Contoso Test")?)
        .await?;
    write_listing(publisher, &offer).await;
    let listing = publisher.offer_draft::<Listing>(&offer).await?;
    if publisher
        .listing_image(&listing, ImageKind::LogoLarge)
        .await?
        .is_none()
    {
        publisher
            .upload_listing_image(
                &listing,
                ImageKind::LogoLarge,
                assets().join("logo-216.png"),
                DEADLINE,
            )
            .await?;
    }
    publisher
        .edit_offer::<ResellerConfiguration>(&offer, |r| {
            r.reseller_channel_state = Some(ResellerConfigurationResellerChannelState::Disabled)
        })
        .await?;
    let plan = publisher
        .get_or_create_plan(
            &offer,
            &NewPlan::new("basic", "Basic", PlanKind::ManagedApplication)?,
        )
        .await?;
    publisher
        .edit_plan::<Listing>(&plan, |l| {
            l.title = Some("Basic".into());
            l.summary = Some("The basic plan.".into());
            l.description = Some("<p>Basic.</p>".into());
        })
        .await?;
    let package = publisher
        .upload_package(&offer, assets().join("app.zip"), DEADLINE)
        .await?;
    publisher.use_package(&plan, &package, "1.0.0").await?;
    let submission = publisher.submit::<Preview>(&offer).await?;
    let preview = publisher.wait(submission, DEADLINE).await?;
    // The service says so too, not only the type.
    let read = publisher.submission_status(&offer, preview.id()).await?;
    assert_eq!(read.substate(), Some(&SubmissionSubstate::ReadyToPublish));
    let live = publisher.promote(preview).await?;
    let live = publisher.wait(live, DEADLINE).await?;
    let read = publisher.submission_status(&offer, live.id()).await?;
    assert_eq!(read.substate(), Some(&SubmissionSubstate::InStore));
    assert_eq!(live.substate(), SubmissionSubstate::InStore);
    Ok(())
}

#[tokio::test]
async fn the_whole_flow_twice_leaves_one_offer_and_one_plan() {
    let (emulator, publisher) = start(Emulator::builder().page_size(2)).await;
    // Other offers first, so that finding ours takes several pages.
    for i in 0..5 {
        publisher
            .create_offer(&NewOffer::azure_application(format!("other-{i}"), "Other").unwrap())
            .await
            .expect("create other offer");
    }
    publish(&publisher, "twice").await.expect("first run");
    let after_first = emulator.stats();
    publish(&publisher, "twice").await.expect("second run");
    let after_second = emulator.stats();
    assert_eq!(
        after_second.products, 6,
        "one offer of ours besides the five others"
    );
    assert_eq!(after_second.variants, 1, "one plan");
    assert_eq!(after_first.products, after_second.products);
    let offer = publisher.find_offer("twice").await.unwrap().expect("found");
    assert_eq!(publisher.list_plans(&offer).await.unwrap().len(), 1);
}

#[tokio::test]
async fn branches_that_appear_late_are_waited_for() {
    let (_emulator, publisher) =
        start(Emulator::builder().consistency_delay(Duration::from_millis(400))).await;
    let started = std::time::Instant::now();
    let offer = publisher
        .create_offer(&NewOffer::azure_application("late", "Late").unwrap())
        .await
        .expect("create waits for the branches");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "the branches could not have been seen before the delay"
    );
    // Straight after the create, the drafts are readable.
    let draft = publisher
        .offer_draft::<Listing>(&offer)
        .await
        .expect("listing draft");
    assert!(!draft.instance_id().as_str().is_empty());
    // The etag is the resource's own `@odata.etag`, kept as read.
    let etag = draft.etag().expect("a listing draft has an etag");
    assert_eq!(draft.resource().odata_etag.as_deref(), Some(etag.as_str()));
    let plan = publisher
        .create_plan(
            &offer,
            &NewPlan::new("p1", "P1", PlanKind::SolutionTemplate).unwrap(),
        )
        .await
        .expect("plan create waits too");
    let plan_listing = publisher
        .plan_draft::<Listing>(&plan)
        .await
        .expect("plan listing");
    assert_ne!(plan_listing.instance_id(), draft.instance_id());
    assert_eq!(plan_listing.variant_id(), Some(plan.variant_id()));
}

#[tokio::test]
async fn a_deadline_shorter_than_the_delay_is_a_clear_error() {
    let (_emulator, publisher) =
        start(Emulator::builder().consistency_delay(Duration::from_secs(5))).await;
    let publisher = publisher.consistency_deadline(Duration::from_millis(200));
    let err = publisher
        .create_offer(&NewOffer::azure_application("slow", "Slow").unwrap())
        .await
        .expect_err("the branches stay hidden past the deadline");
    assert!(matches!(err, WorkflowError::Deadline { .. }), "{err:?}");
    assert!(err.to_string().contains("consistency_deadline"), "{err}");
}

// Two workers: the edit's closure blocks one while the other serves the
// emulator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_that_meets_a_concurrent_change_is_redone_on_the_new_version() {
    let (emulator, publisher) = start(Emulator::builder()).await;
    let offer = publisher
        .create_offer(&NewOffer::azure_application("conflict", "Conflict").unwrap())
        .await
        .unwrap();
    let other = emulator_client(&emulator);
    let product_id = offer.product_id().to_string();
    let rounds = Arc::new(Mutex::new(0u32));
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let publisher = publisher.on_event(move |e| seen.lock().unwrap().push(e.clone()));
    let counter = rounds.clone();
    let edit = publisher
        .edit_offer::<Listing>(&offer, |listing| {
            let mut n = counter.lock().unwrap();
            *n += 1;
            if *n == 1 {
                // Someone else writes the same listing between our read
                // and our write.
                let mut theirs = listing.clone();
                theirs.keywords = vec!["theirs".into()];
                let (other, product_id) = (other.clone(), product_id.clone());
                std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        let id = theirs.id.clone().unwrap();
                        other
                            .update_listing()
                            .product_id(product_id)
                            .listing_id(id)
                            .body(theirs)
                            .send()
                            .await
                            .expect("their update")
                    });
                })
                .join()
                .unwrap();
            }
            listing.title = Some("Ours".into());
        })
        .await
        .expect("the edit succeeds on the second round");
    assert!(edit.changed());
    assert_eq!(
        *rounds.lock().unwrap(),
        2,
        "read, conflict, read again, write"
    );
    assert!(events
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, Event::EditRetried { attempt: 1, .. })));
    let now = publisher
        .offer_draft::<Listing>(&offer)
        .await
        .unwrap()
        .into_resource();
    assert_eq!(now.title.as_deref(), Some("Ours"));
    assert_eq!(
        now.keywords,
        vec!["theirs".to_string()],
        "their change is kept"
    );
}

#[tokio::test]
async fn an_edit_that_changes_nothing_writes_nothing() {
    let (emulator, publisher) = start(Emulator::builder()).await;
    let offer = publisher
        .create_offer(&NewOffer::azure_application("idle", "Idle").unwrap())
        .await
        .unwrap();
    write_listing(&publisher, &offer).await;
    let writes = emulator.stats().writes;
    let edit = publisher
        .edit_offer::<Listing>(&offer, |l| l.title = Some("Contoso Test".into()))
        .await
        .unwrap();
    assert!(!edit.changed());
    assert_eq!(emulator.stats().writes, writes, "no write request was sent");
}

#[tokio::test]
async fn the_whole_flow_survives_throttling() {
    let (emulator, publisher) = start(Emulator::builder().throttle_rate(0.2).seed(7)).await;
    publish(&publisher, "throttled")
        .await
        .expect("the flow succeeds under throttling");
    assert!(
        emulator.stats().total > 0,
        "the emulator answered the flow's requests"
    );
}

#[tokio::test]
async fn a_package_that_is_not_a_zip_fails_processing_and_names_the_file() {
    let (_emulator, publisher) = start(Emulator::builder()).await;
    let offer = publisher
        .create_offer(&NewOffer::azure_application("badzip", "Bad zip").unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-package.zip");
    std::fs::write(&path, b"this is plain text, not a zip archive").unwrap();
    let err = publisher
        .upload_package(&offer, &path, DEADLINE)
        .await
        .expect_err("processing fails");
    assert!(
        matches!(err, WorkflowError::ProcessingFailed { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("not-a-package.zip"), "{err}");
}

#[tokio::test]
async fn a_missing_file_is_an_error_naming_it_before_anything_is_created() {
    let (emulator, publisher) = start(Emulator::builder()).await;
    let offer = publisher
        .create_offer(&NewOffer::azure_application("nofile", "No file").unwrap())
        .await
        .unwrap();
    let packages = emulator.stats().packages;
    let err = publisher
        .upload_package(&offer, "/nonexistent/app.zip", DEADLINE)
        .await
        .expect_err("no such file");
    assert!(err.to_string().contains("/nonexistent/app.zip"), "{err}");
    assert_eq!(
        emulator.stats().packages,
        packages,
        "no package resource was created"
    );
}

#[tokio::test]
async fn a_submission_that_fails_validation_carries_the_messages() {
    let (_emulator, publisher) = start(Emulator::builder()).await;
    let offer = publisher
        .create_offer(&NewOffer::azure_application("invalid", "Invalid").unwrap())
        .await
        .unwrap();
    // No listing texts, no plan: the service refuses it.
    let submission = publisher.submit::<Preview>(&offer).await.expect("created");
    let err = publisher
        .wait(submission, DEADLINE)
        .await
        .expect_err("validation fails");
    let WorkflowError::SubmissionFailed(failure) = &err else {
        panic!("expected a failed submission, got {err:?}");
    };
    assert!(!failure.validations.is_empty(), "{failure}");
    let text = err.to_string();
    assert!(text.contains("validation"), "{text}");
    assert!(
        failure
            .validations
            .iter()
            .all(|v| text.contains(v.message.as_deref().unwrap_or_default())),
        "every message is in the error: {text}"
    );
}

#[tokio::test]
async fn an_in_progress_submission_can_be_cancelled() {
    let (_emulator, publisher) =
        start(Emulator::builder().certification_delay(Duration::from_secs(30))).await;
    let offer = publisher
        .create_offer(&NewOffer::azure_application("cancel", "Cancel").unwrap())
        .await
        .unwrap();
    let submission = publisher.submit::<Preview>(&offer).await.unwrap();
    let id = submission.id().to_string();
    publisher.cancel(submission).await.expect("cancelled");
    let err = publisher
        .client()
        .get_submission()
        .product_id(offer.product_id())
        .submission_id(id)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND));
}

#[tokio::test]
async fn a_wait_past_its_deadline_says_what_it_waited_for() {
    let (_emulator, publisher) =
        start(Emulator::builder().certification_delay(Duration::from_secs(30))).await;
    let offer = publisher
        .create_offer(&NewOffer::azure_application("patience", "Patience").unwrap())
        .await
        .unwrap();
    write_listing(&publisher, &offer).await;
    let submission = publisher.submit::<Preview>(&offer).await.unwrap();
    let id = submission.id().to_string();
    let err = publisher
        .wait(submission, Duration::from_millis(300))
        .await
        .expect_err("certification takes longer");
    let text = err.to_string();
    assert!(
        text.contains(&id) && text.contains("ReadyToPublish"),
        "{text}"
    );
}

#[tokio::test]
async fn invalid_ids_are_refused_before_any_request() {
    let (emulator, publisher) = start(Emulator::builder()).await;
    assert!(NewOffer::azure_application("Has Spaces", "x").is_err());
    assert!(NewPlan::new("UPPER", "x", PlanKind::ManagedApplication).is_err());
    let err = publisher.find_offer("a'b").await.expect_err("refused");
    assert!(matches!(err, WorkflowError::Invalid(_)), "{err:?}");
    assert_eq!(emulator.stats().total, 0);
}

/// A zip's magic, then filler: enough for the emulator to accept it.
fn large_zip(len: usize) -> Vec<u8> {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend((0..len - 4).map(|i| (i * 31 % 251) as u8));
    bytes
}

#[tokio::test]
async fn a_large_package_from_a_reader_goes_up_in_blocks_and_is_processed() {
    let (emulator, publisher) = start(Emulator::builder()).await;
    let http = reqwest::Client::new();
    let publisher = publisher.uploader(
        partner_center_ingestion::blob::BlobUploader::new(http.clone())
            .block_size(256 * 1024)
            .single_put_threshold(256 * 1024)
            .blocks_in_flight(3),
    );
    let offer = publisher
        .create_offer(&NewOffer::azure_application("blocks", "Blocks").unwrap())
        .await
        .unwrap();
    let bytes = large_zip(3 * 1024 * 1024 + 123);
    let source = partner_center_ingestion::workflows::UploadSource::reader(
        "big.zip",
        std::io::Cursor::new(bytes.clone()),
        Some(bytes.len() as u64),
    );
    let blob_requests = emulator.stats().blob_requests;
    let package = publisher
        .upload_package(&offer, source, DEADLINE)
        .await
        .expect("processed");
    assert_eq!(package.file_name(), "big.zip");
    // 13 blocks and a block list.
    assert_eq!(emulator.stats().blob_requests - blob_requests, 14);
}

#[tokio::test]
async fn block_uploads_to_the_emulator_store_the_exact_bytes() {
    let (_emulator, publisher) = start(Emulator::builder()).await;
    let offer = publisher
        .create_offer(&NewOffer::azure_application("exact", "Exact").unwrap())
        .await
        .unwrap();
    let package = publisher
        .client()
        .create_package()
        .product_id(offer.product_id())
        .body(partner_center_ingestion::types::AzurePackage {
            file_name: Some("exact.zip".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let sas = package.file_sas_uri.expect("a SAS URL");
    let http = reqwest::Client::new();
    let uploader = partner_center_ingestion::blob::BlobUploader::new(http.clone())
        .block_size(100_000)
        .single_put_threshold(100_000);
    let bytes = large_zip(1_000_003);
    let summary = uploader
        .upload_reader(&sas, std::io::Cursor::new(bytes.clone()), None, |_| {})
        .await
        .expect("uploaded");
    assert_eq!(summary.blocks, 11);
    let stored = http.get(sas.expose()).send().await.unwrap();
    assert_eq!(stored.status(), 200, "Get Blob with the same SAS");
    assert!(
        stored.bytes().await.unwrap() == bytes,
        "the blob is the bytes sent, in order"
    );
}

#[tokio::test]
async fn every_draft_of_a_new_offer_and_plan_reads_as_its_type() {
    use partner_center_ingestion::workflows::{
        OfferAvailability, PlanAvailability, Property, TechnicalConfiguration,
    };
    let (_emulator, publisher) = start(Emulator::builder()).await;
    let offer = publisher
        .create_offer(&NewOffer::azure_application("drafts", "Drafts").unwrap())
        .await
        .unwrap();
    publisher
        .offer_draft::<Listing>(&offer)
        .await
        .expect("listing");
    publisher
        .offer_draft::<Property>(&offer)
        .await
        .expect("property");
    publisher
        .offer_draft::<OfferAvailability>(&offer)
        .await
        .expect("offer availability");
    publisher
        .offer_draft::<ResellerConfiguration>(&offer)
        .await
        .expect("reseller configuration");
    for kind in [PlanKind::ManagedApplication, PlanKind::SolutionTemplate] {
        let plan = publisher
            .create_plan(
                &offer,
                &NewPlan::new(format!("p-{}", kind.as_str()), "P", kind).unwrap(),
            )
            .await
            .unwrap();
        publisher
            .plan_draft::<Listing>(&plan)
            .await
            .expect("plan listing");
        publisher
            .plan_draft::<PlanAvailability>(&plan)
            .await
            .expect("plan availability");
        let config = publisher
            .plan_draft::<TechnicalConfiguration>(&plan)
            .await
            .expect("technical configuration")
            .into_resource();
        let expected = match kind {
            PlanKind::ManagedApplication => "AzureManagedApplicationPackageConfiguration",
            _ => "AzureSolutionTemplatePackageConfiguration",
        };
        assert_eq!(config.kind(), Some(expected));
    }
}

/// Workflow futures can be spawned onto a multi-threaded runtime.
#[allow(dead_code, clippy::manual_async_fn)]
fn workflow_futures_are_send(
    publisher: &Publisher,
    offer: &Offer,
    plan: &partner_center_ingestion::workflows::Plan,
) {
    fn send<T: Send>(_: T) {}
    send(publisher.upload_package(offer, "app.zip", DEADLINE));
    send(publisher.edit_offer::<Listing>(offer, |_| {}));
    send(publisher.submit::<Preview>(offer));
    send(publisher.get_or_create_plan(
        offer,
        &NewPlan::new("x", "x", PlanKind::ManagedApplication).unwrap(),
    ));
    send(publisher.plan_draft::<Listing>(plan));
}

#[tokio::test]
async fn workflows_can_be_spawned() {
    let (_emulator, publisher) = start(Emulator::builder()).await;
    let offer = publisher
        .create_offer(&NewOffer::azure_application("spawned", "Spawned").unwrap())
        .await
        .unwrap();
    let task = tokio::spawn(async move {
        publisher
            .upload_package(&offer, assets().join("app.zip"), DEADLINE)
            .await
    });
    let package = task.await.expect("the task ran").expect("uploaded");
    assert_eq!(package.file_name(), "app.zip");
}
