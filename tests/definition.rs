//! Offer definitions against the emulator: apply on an empty service, apply
//! twice, plan after edits, drift made by someone else, an apply stopped
//! after its uploads, pruning, and malformed definitions.

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_center_emulator::{Emulator, EmulatorHandle};
use partner_center_ingestion::definition::{
    self, Action, ApplyOptions, Definition, DefinitionError, Format, Publish, Resource,
};
use partner_center_ingestion::types::SubmissionSubstate;
use partner_center_ingestion::workflows::{Event, Listing, NewPlan, PlanKind, Publisher};

const DEADLINE: Duration = Duration::from_secs(30);

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

async fn emulator() -> EmulatorHandle {
    Emulator::builder()
        .start()
        .await
        .expect("the emulator starts")
}

fn publisher(emulator: &EmulatorHandle) -> Publisher {
    support::emulator_publisher(emulator, DEADLINE)
}

fn options() -> ApplyOptions {
    ApplyOptions::new()
        .processing_deadline(DEADLINE)
        .certification_deadline(DEADLINE)
}

/// A copy of `examples/offer.yaml` and its assets in a folder of its own,
/// to edit.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        for asset in ["logo-216.png", "app.zip"] {
            std::fs::copy(
                examples().join("assets").join(asset),
                dir.path().join("assets").join(asset),
            )
            .unwrap();
        }
        std::fs::copy(examples().join("offer.yaml"), dir.path().join("offer.yaml")).unwrap();
        Workspace { dir }
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("offer.yaml")
    }

    fn edit(&self, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.file()).unwrap();
        assert!(text.contains(from), "`{from}` is in the definition");
        std::fs::write(self.file(), text.replacen(from, to, 1)).unwrap();
    }

    fn load(&self) -> Definition {
        Definition::load(self.file()).expect("the definition loads")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_on_an_empty_service_creates_everything_and_a_second_apply_writes_nothing() {
    let emulator = emulator().await;
    let publisher = publisher(&emulator);
    let def = Definition::load(examples().join("offer.yaml")).unwrap();

    let before = emulator.stats().writes;
    let planned = definition::plan(&publisher, &def, &options())
        .await
        .unwrap();
    assert_eq!(emulator.stats().writes, before, "plan writes nothing");
    assert!(planned
        .changes
        .iter()
        .any(|c| c.action == Action::Create && c.resource == Resource::Offer));

    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = lines.clone();
    let first = definition::apply(
        &publisher,
        &def,
        &options().on_progress(move |l| seen.lock().unwrap().push(l.to_string())),
    )
    .await
    .unwrap();
    assert_eq!(first.changes, planned, "apply did what plan showed");
    let lines = lines.lock().unwrap().join("\n");
    for expected in [
        "created offer contoso-sample-app",
        "uploaded and processed logo logo-216.png",
        "uploaded and processed package app.zip",
        "created plan standard",
        "updated the plan standard technical configuration",
    ] {
        assert!(
            lines.contains(expected),
            "missing `{expected}` in:\n{lines}"
        );
    }
    let stats = emulator.stats();
    assert_eq!(stats.products, 1);
    assert_eq!(stats.variants, 1);
    assert_eq!(stats.images, 1);
    assert_eq!(stats.packages, 1);

    let writes = stats.writes;
    let second = definition::apply(&publisher, &def, &options())
        .await
        .unwrap();
    assert!(second.changes.is_empty(), "{}", second.changes);
    assert!(second.changes.to_string().contains("no changes"));
    assert_eq!(
        emulator.stats().writes,
        writes,
        "the second apply writes nothing"
    );

    // What was written reads back as the definition says.
    let offer = publisher
        .find_offer("contoso-sample-app")
        .await
        .unwrap()
        .unwrap();
    let listing = publisher.offer_draft::<Listing>(&offer).await.unwrap();
    assert_eq!(
        listing.resource().title.as_deref(),
        Some("Contoso Sample App")
    );
    assert_eq!(listing.resource().listing_contacts.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_editing_one_text_and_one_package_plan_shows_exactly_those_two() {
    let emulator = emulator().await;
    let publisher = publisher(&emulator);
    let ws = Workspace::new();
    definition::apply(&publisher, &ws.load(), &options())
        .await
        .unwrap();

    ws.edit(
        "summary: A sample managed application published from Rust.",
        "summary: A sample managed application, now with more.",
    );
    let mut package = std::fs::read(ws.dir.path().join("assets/app.zip")).unwrap();
    package.extend_from_slice(b"\0another build");
    std::fs::write(ws.dir.path().join("assets/app.zip"), package).unwrap();
    let def = ws.load();

    let writes = emulator.stats().writes;
    let planned = definition::plan(&publisher, &def, &options())
        .await
        .unwrap();
    assert_eq!(emulator.stats().writes, writes, "plan writes nothing");
    assert_eq!(planned.len(), 2, "{planned}");
    let summary = planned
        .on(&Resource::OfferListing)
        .next()
        .expect("the summary");
    assert_eq!(summary.field.as_deref(), Some("summary"));
    assert_eq!(
        summary.old.as_deref(),
        Some("\"A sample managed application published from Rust.\"")
    );
    assert_eq!(
        summary.new.as_deref(),
        Some("\"A sample managed application, now with more.\"")
    );
    let package = planned
        .on(&Resource::PlanTechnicalConfiguration("standard".into()))
        .next()
        .expect("the package");
    assert_eq!(package.action, Action::Upload);
    assert_eq!(package.field.as_deref(), Some("package"));
    assert_ne!(package.old, package.new);
    let text = planned.to_string();
    assert!(text.contains("2 changes"), "{text}");

    let applied = definition::apply(&publisher, &def, &options())
        .await
        .unwrap();
    assert_eq!(applied.changes, planned);
    assert_eq!(emulator.stats().packages, 2, "one new package");
    let after = definition::plan(&publisher, &def, &options())
        .await
        .unwrap();
    assert!(after.is_empty(), "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_by_someone_else_shows_as_a_difference_to_restore() {
    let emulator = emulator().await;
    let publisher = publisher(&emulator);
    let def = Definition::load(examples().join("offer.yaml")).unwrap();
    definition::apply(&publisher, &def, &options())
        .await
        .unwrap();

    let offer = publisher
        .find_offer("contoso-sample-app")
        .await
        .unwrap()
        .unwrap();
    publisher
        .edit_offer::<Listing>(&offer, |l| {
            l.title = Some("Edited in Partner Center".into())
        })
        .await
        .unwrap();

    let planned = definition::plan(&publisher, &def, &options())
        .await
        .unwrap();
    assert_eq!(planned.len(), 1, "{planned}");
    assert!(
        planned
            .to_string()
            .contains("offer listing title: \"Edited in Partner Center\" → \"Contoso Sample App\""),
        "{planned}"
    );
    definition::apply(&publisher, &def, &options())
        .await
        .unwrap();
    let listing = publisher.offer_draft::<Listing>(&offer).await.unwrap();
    assert_eq!(
        listing.resource().title.as_deref(),
        Some("Contoso Sample App")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_stopped_after_its_uploads_is_finished_by_the_next_without_uploading_again() {
    let emulator = emulator().await;
    let def = Definition::load(examples().join("offer.yaml")).unwrap();

    // Stop the first apply as soon as the package is processed: it is
    // dropped at its next request, as a killed pipeline would be.
    let (stop, registration) = futures::future::AbortHandle::new_pair();
    let stopping = publisher(&emulator).on_event(move |event| {
        if let Event::FileProcessed { file, .. } = event {
            if file.ends_with(".zip") {
                stop.abort();
            }
        }
    });
    let outcome = futures::future::Abortable::new(
        definition::apply(&stopping, &def, &options()),
        registration,
    )
    .await;
    assert!(outcome.is_err(), "the first apply was stopped: {outcome:?}");
    assert_eq!(emulator.stats().packages, 1, "the package went up");

    let publisher = publisher(&emulator);
    let planned = definition::plan(&publisher, &def, &options())
        .await
        .unwrap();
    let package = planned
        .on(&Resource::PlanTechnicalConfiguration("standard".into()))
        .find(|c| c.field.as_deref() == Some("package"))
        .unwrap_or_else(|| panic!("the package is still to reference:\n{planned}"));
    assert_eq!(package.action, Action::Reuse, "{planned}");
    assert!(
        !planned.changes.iter().any(|c| c.action == Action::Upload),
        "nothing is uploaded again:\n{planned}"
    );

    definition::apply(&publisher, &def, &options())
        .await
        .unwrap();
    let stats = emulator.stats();
    assert_eq!(stats.packages, 1, "no second upload");
    assert_eq!(stats.images, 1);
    let after = definition::plan(&publisher, &def, &options())
        .await
        .unwrap();
    assert!(after.is_empty(), "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_the_definition_does_not_list_go_only_with_prune() {
    let emulator = emulator().await;
    let publisher = publisher(&emulator);
    let def = Definition::load(examples().join("offer.yaml")).unwrap();
    definition::apply(&publisher, &def, &options())
        .await
        .unwrap();
    let offer = publisher
        .find_offer("contoso-sample-app")
        .await
        .unwrap()
        .unwrap();
    publisher
        .create_plan(
            &offer,
            &NewPlan::new("extra", "Extra", PlanKind::SolutionTemplate).unwrap(),
        )
        .await
        .unwrap();

    let kept = definition::plan(&publisher, &def, &options())
        .await
        .unwrap();
    assert!(kept.is_empty(), "{kept}");
    let pruning = options().prune(true);
    let planned = definition::plan(&publisher, &def, &pruning).await.unwrap();
    assert_eq!(planned.len(), 1, "{planned}");
    assert_eq!(planned.changes[0].action, Action::Delete);
    assert_eq!(planned.changes[0].resource, Resource::Plan("extra".into()));
    definition::apply(&publisher, &def, &pruning).await.unwrap();
    assert_eq!(emulator.stats().variants, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_can_publish_to_live_and_then_has_nothing_to_publish() {
    let emulator = emulator().await;
    let publisher = publisher(&emulator);
    let def = Definition::load(examples().join("offer.yaml")).unwrap();
    let live = options().publish(Publish::Live);
    // Stopped at preview: the next apply to live has nothing to change but
    // takes the offer live.
    let preview = options().publish(Publish::Preview);
    let applied = definition::apply(&publisher, &def, &preview).await.unwrap();
    assert_eq!(applied.published, Some(SubmissionSubstate::ReadyToPublish));
    let planned = definition::plan(&publisher, &def, &live).await.unwrap();
    assert!(planned.is_empty(), "{planned}");
    assert!(
        planned
            .to_string()
            .contains("last submission stopped at ReadyToPublish"),
        "{planned}"
    );
    let applied = definition::apply(&publisher, &def, &live).await.unwrap();
    assert!(applied.changes.is_empty());
    assert_eq!(applied.published, Some(SubmissionSubstate::InStore));
    // The service says so, not only the type the wait returned.
    let offer = publisher
        .find_offer(&def.offer().offer_id)
        .await
        .unwrap()
        .expect("the offer");
    let latest = publisher
        .latest_submission(&offer)
        .await
        .unwrap()
        .expect("a submission");
    assert_eq!(latest.substate(), Some(&SubmissionSubstate::InStore));
    assert_eq!(Some(latest.id()), applied.submission_id.as_ref());
    let writes = emulator.stats().writes;
    let again = definition::apply(&publisher, &def, &live).await.unwrap();
    assert!(again.changes.is_empty());
    assert_eq!(again.published, None);
    assert_eq!(emulator.stats().writes, writes);
}

// ---- malformed definitions -------------------------------------------------

fn parse(text: &str) -> Result<Definition, DefinitionError> {
    Definition::parse(text, Format::Yaml, &examples().join("broken.yaml"))
}

const MINIMAL: &str = "offer_id: contoso\nname: Contoso\nlisting:\n  title: Contoso\n";

#[test]
fn an_unknown_key_is_refused_with_its_path_line_and_the_nearest_known_key() {
    let err = parse("offer_id: contoso\nname: Contoso\nlisting:\n  titel: Contoso\n").unwrap_err();
    let text = err.to_string();
    assert_eq!(err.key(), Some("listing.titel"));
    assert_eq!(err.line(), Some(4));
    for expected in ["broken.yaml:4:", "`listing.titel`", "did you mean `title`?"] {
        assert!(text.contains(expected), "missing `{expected}` in: {text}");
    }
}

#[test]
fn an_unknown_key_in_a_plan_and_an_unknown_kind_are_refused_too() {
    let plans = "offer_id: contoso\nname: Contoso\nplans:\n  - id: basic\n    name: Basic\n    kind: managed-app\n";
    let err = parse(plans).unwrap_err();
    assert_eq!(err.key(), Some("plans[0].kind"));
    assert!(
        err.to_string()
            .contains("did you mean `managed-application`?"),
        "{err}"
    );
    let err = parse(&plans.replace(
        "kind: managed-app",
        "kind: solution-template\n    lisitng: {}",
    ))
    .unwrap_err();
    assert_eq!(err.key(), Some("plans[0].lisitng"));
    assert!(err.to_string().contains("did you mean `listing`?"), "{err}");
    assert_eq!(err.line(), Some(7));
}

#[test]
fn a_value_of_the_wrong_type_names_the_file_line_and_key() {
    let err = parse(&format!("{MINIMAL}  keywords: 5\n")).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.key(), Some("listing.keywords"));
    assert_eq!(err.line(), Some(5));
    assert!(text.contains("broken.yaml:5:"), "{text}");
    assert!(text.contains("invalid type"), "{text}");
}

#[test]
fn a_missing_file_names_the_definition_the_line_the_key_and_the_file() {
    let err = parse(&format!(
        "{MINIMAL}  logos:\n    large: assets/no-such-logo.png\n"
    ))
    .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, DefinitionError::MissingFile { .. }),
        "{err:?}"
    );
    assert_eq!(err.key(), Some("listing.logos.large"));
    assert_eq!(err.line(), Some(6));
    for expected in ["broken.yaml:6", "listing.logos.large", "no-such-logo.png"] {
        assert!(text.contains(expected), "missing `{expected}` in: {text}");
    }
}

#[test]
fn json_definitions_give_lines_too_and_ids_are_checked() {
    let err = Definition::parse(
        "{\n  \"offer_id\": \"contoso\",\n  \"name\": \"Contoso\",\n  \"reseler\": {}\n}",
        Format::Json,
        Path::new("offer.json"),
    )
    .unwrap_err();
    assert_eq!(err.key(), Some("reseler"));
    assert_eq!(err.line(), Some(4));
    assert!(
        err.to_string().contains("did you mean `reseller`?"),
        "{err}"
    );

    let err = parse("offer_id: Contoso Offer\nname: Contoso\n").unwrap_err();
    assert_eq!(err.key(), Some("offer_id"));
    assert_eq!(err.line(), Some(1));
    assert!(err.to_string().contains("not a valid offer id"), "{err}");
}

#[test]
fn the_sample_definition_loads_and_its_schema_file_is_current() {
    let def = Definition::load(examples().join("offer.yaml")).expect("the sample loads");
    assert_eq!(def.offer().offer_id, "contoso-sample-app");
    let names: Vec<String> = def.files().iter().map(|f| f.file_name()).collect();
    assert_eq!(names, ["logo-216.png", "app.zip"]);
    for file in def.files() {
        assert_eq!(file.hash().len(), 8);
        assert!(file.upload_name().contains(file.hash()));
    }
    let committed = std::fs::read_to_string(examples().join("offer.schema.json"))
        .expect("examples/offer.schema.json exists");
    let current: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(
        current,
        definition::json_schema(),
        "examples/offer.schema.json is stale: run `cargo run -p partner-center-cli -- schema examples/offer.schema.json`"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_logo_replaces_the_old_screenshots_are_a_set_and_plans_are_renamed() {
    let emulator = emulator().await;
    let publisher = publisher(&emulator);
    let ws = Workspace::new();
    for shot in ["one.png", "two.png"] {
        let mut bytes = std::fs::read(ws.dir.path().join("assets/logo-216.png")).unwrap();
        bytes.extend_from_slice(shot.as_bytes());
        std::fs::write(ws.dir.path().join("assets").join(shot), bytes).unwrap();
    }
    ws.edit(
        "    large: assets/logo-216.png\n",
        "    large: assets/logo-216.png\n  screenshots: [assets/one.png, assets/two.png]\n",
    );
    definition::apply(&publisher, &ws.load(), &options())
        .await
        .unwrap();
    assert_eq!(emulator.stats().images, 3, "a logo and two screenshots");

    // Another logo, one screenshot fewer, another plan name.
    let mut logo = std::fs::read(ws.dir.path().join("assets/logo-216.png")).unwrap();
    logo.extend_from_slice(b"v2");
    std::fs::write(ws.dir.path().join("assets/logo-216.png"), logo).unwrap();
    ws.edit("[assets/one.png, assets/two.png]", "[assets/two.png]");
    ws.edit("    name: Standard\n", "    name: Standard Edition\n");
    let def = ws.load();
    let planned = definition::plan(&publisher, &def, &options())
        .await
        .unwrap();
    let mut seen: Vec<(Action, String)> = planned
        .changes
        .iter()
        .map(|c| (c.action, c.field.clone().unwrap_or_default()))
        .collect();
    seen.sort_by_key(|(_, f)| f.clone());
    assert_eq!(
        seen,
        [
            (Action::Delete, "image AzureScreenshot".to_string()),
            (Action::Upload, "logos.large".to_string()),
            (Action::Update, "name".to_string()),
        ],
        "{planned}"
    );
    definition::apply(&publisher, &def, &options())
        .await
        .unwrap();
    assert_eq!(
        emulator.stats().images,
        2,
        "the new logo and one screenshot"
    );
    let offer = publisher
        .find_offer("contoso-sample-app")
        .await
        .unwrap()
        .unwrap();
    let plan = publisher
        .find_plan(&offer, "standard")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(plan.name(), Some("Standard Edition"));
    let after = definition::plan(&publisher, &def, &options())
        .await
        .unwrap();
    assert!(after.is_empty(), "{after}");
}

#[test]
fn the_same_definition_in_json_loads_to_the_same_offer() {
    let ws = Workspace::new();
    let yaml = ws.load();
    let json_file = ws.dir.path().join("offer.json");
    std::fs::write(
        &json_file,
        serde_json::to_string_pretty(yaml.offer()).unwrap(),
    )
    .unwrap();
    let json = Definition::load(&json_file).expect("the JSON definition loads");
    assert_eq!(json.offer(), yaml.offer());
}

#[tokio::test]
async fn apply_can_be_spawned() {
    let emulator = emulator().await;
    let publisher = publisher(&emulator);
    let def = Definition::load(examples().join("offer.yaml")).unwrap();
    let options = options().publish(Publish::Never);
    let task = tokio::spawn(async move { definition::apply(&publisher, &def, &options).await });
    let applied = task.await.expect("the task ran").expect("applied");
    assert!(!applied.changes.is_empty());
    assert_eq!(emulator.stats().products, 1);
}
