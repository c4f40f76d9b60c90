//! State in a data directory: kept across restarts, damaged or foreign directories refused.

mod support;

use partner_center_emulator::{Emulator, Error};
use serde_json::json;
use support::start;

#[tokio::test]
async fn state_and_credentials_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (p, creds, sas) = {
        let env = start(Emulator::builder().data_dir(dir.path())).await;
        let p = env.product("kept").await;
        let a = env
            .post(
                &format!("/products/{p}/packages"),
                json!({"resourceType": "AzureApplicationPackage", "fileName": "a.zip"}),
            )
            .await;
        let sas = a.json()["fileSasUri"].as_str().unwrap().to_string();
        assert_eq!(env.put_blob(&sas, support::zip_bytes()).await.status(), 201);
        let creds = (
            env.emu.tenant_id().to_string(),
            env.emu.client_id().to_string(),
            env.emu.client_secret().to_string(),
        );
        env.emu.shutdown().await;
        (p, creds, sas)
    };
    let env = start(Emulator::builder().data_dir(dir.path())).await;
    assert_eq!(
        creds,
        (
            env.emu.tenant_id().to_string(),
            env.emu.client_id().to_string(),
            env.emu.client_secret().to_string()
        )
    );
    let a = env.get(&format!("/products/{p}")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["name"], "kept");
    assert_eq!(env.draft(&p, "Listing", None).await.len(), 36);
    // The blob survived too; the SAS port changed, so read it through the new endpoint.
    let path = sas.split("/devstoreaccount1").nth(1).unwrap();
    let r = env
        .http
        .get(format!("{}{path}", env.emu.blob_endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_foreign_directory_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("important.txt"), "mine").unwrap();
    let err = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DataDir { .. }), "{err}");
    assert!(err.to_string().contains("MARKER"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("important.txt")).unwrap(),
        "mine"
    );
}

#[tokio::test]
async fn a_damaged_log_or_marker_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let env = start(Emulator::builder().data_dir(dir.path())).await;
        env.product("one").await;
        env.product("two").await;
        env.emu.shutdown().await;
    }
    let log = dir.path().join("state.log");
    let text = std::fs::read_to_string(&log).unwrap();
    let damaged = text.replacen("{\"put\"", "{\"pu#", 1);
    std::fs::write(&log, &damaged).unwrap();
    let err = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("damaged"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        damaged,
        "never emptied"
    );

    std::fs::write(&log, &text).unwrap();
    let marker = dir.path().join("MARKER");
    let m = std::fs::read_to_string(&marker).unwrap();
    std::fs::write(&marker, m.replace("\"version\": 1", "\"version\": 99")).unwrap();
    let err = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("version"), "{err}");
    std::fs::write(&marker, "not json").unwrap();
    assert!(Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .is_err());
}

#[tokio::test]
async fn a_torn_last_line_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    {
        let env = start(Emulator::builder().data_dir(dir.path())).await;
        env.product("whole").await;
        env.emu.shutdown().await;
    }
    let log = dir.path().join("state.log");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("{\"put\":{\"id\":\"half");
    std::fs::write(&log, &text).unwrap();
    let env = start(Emulator::builder().data_dir(dir.path())).await;
    assert_eq!(env.emu.stats().products, 1);
}

#[tokio::test]
async fn one_emulator_per_directory() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(Emulator::builder().data_dir(dir.path())).await;
    let err = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another emulator"), "{err}");
    first.emu.shutdown().await;
    let again = Emulator::builder().data_dir(dir.path()).start().await;
    assert!(
        again.is_ok(),
        "the directory is free once the first one stopped"
    );
}
