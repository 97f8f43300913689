//! Archived recordings over real HTTP: once a call's recording is in VoxHive's archive,
//! `/calls/{id}/recording` serves it (whole or by byte range) even after the provider deleted
//! the call.

use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE, RANGE};
use reqwest::StatusCode;
use voxhive_core::Role;
use voxhive_sync::archive::{archive_recordings, Archive};
use voxhive_sync::{connection_client, sync_calls};

use crate::support::{spawn_app_with, spawn_sim};

const ADA: &str = "ada@example.com";

#[tokio::test]
async fn an_archived_recording_plays_by_range_after_the_provider_deleted_the_call() {
    let sim = spawn_sim().await;
    let app = spawn_app_with(|c| c.archive_url = None).await;
    app.add_user(ADA, "Acme", Role::Owner).await;
    let token = app.token_for(ADA, "Acme").await;
    let web = app.signed_in(ADA).await;
    let ws = app.workspace_id("Acme").await;
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let connection_id = app.connect(&token, "vapi", "Main", key, &sim.base_url()).await;

    // The calls are backfilled and archived into the server's own archive (the data directory's).
    let master_key = &app.running.as_ref().unwrap().master_key;
    let connection = app.store().connection(ws, connection_id).await.unwrap().unwrap();
    let client = connection_client(master_key, &connection).unwrap();
    sync_calls(app.store(), client.as_ref(), &connection, true, &|_, _| {})
        .await
        .unwrap();
    let archive = Archive::local(&app.config.data_dir.join("recordings")).unwrap();
    let now = voxhive_core::time::now_ms();
    let report = archive_recordings(app.store(), master_key, &archive, now)
        .await
        .unwrap();
    assert!(report.archived > 0 && report.failed == 0, "{report:?}");

    let row = app
        .store()
        .calls(ws, &Default::default(), voxhive_store::CallSort::Newest, None, 100)
        .await
        .unwrap()
        .rows
        .into_iter()
        .next()
        .unwrap();
    let call = app.store().call(ws, row.id).await.unwrap().unwrap();
    let stored_key = call.recording_key.expect("archived");
    let archived = std::fs::read(app.config.data_dir.join("recordings").join(&stored_key)).unwrap();
    assert!(archived.len() > 1_000);

    // The provider deletes the call and its recording.
    let deleted = reqwest::Client::new()
        .delete(format!("{}/call/{}", sim.base_url(), call.remote_id))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    let gone = reqwest::get(call.recording_url.as_deref().unwrap()).await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    let url = app.url(&format!("/calls/{}/recording", call.id));
    let part = web.get(&url).header(RANGE, "bytes=0-99").send().await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()[CONTENT_RANGE],
        format!("bytes 0-99/{}", archived.len()).as_str()
    );
    assert_eq!(part.headers()[CONTENT_TYPE], "audio/mpeg");
    assert_eq!(part.bytes().await.unwrap(), archived[..100]);

    let whole = web.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.bytes().await.unwrap(), archived);

    let tail = web.get(&url).header(RANGE, "bytes=-10").send().await.unwrap();
    assert_eq!(tail.bytes().await.unwrap(), archived[archived.len() - 10..]);

    let beyond = web
        .get(&url)
        .header(RANGE, format!("bytes={}-", archived.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        beyond.headers()[CONTENT_RANGE],
        format!("bytes */{}", archived.len()).as_str()
    );

    // The call page plays it through VoxHive.
    let (_, html) = app.page(&web, &format!("/calls/{}", call.id)).await;
    assert!(html.contains(&format!("src=\"/calls/{}/recording\"", call.id)));
    app.stop().await;
    sim.shutdown().await;
}
