//! Knowledge-base files through the JSON API, against the simulator over HTTP: listed after an
//! import; several uploaded at once (processing, then done once the provider says so); a type the
//! provider does not take refused before anything is sent; deleted at the provider.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use voxhive_core::Role;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{client, spawn_app, spawn_sim};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];

fn part(name: &str, text: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(text.as_bytes().to_vec())
        .file_name(name.to_owned())
        .mime_str("text/plain")
        .unwrap()
}

#[tokio::test]
async fn files_are_uploaded_checked_polled_and_deleted() {
    let app = spawn_app().await;
    let sim = spawn_sim().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    let connection = app
        .connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let doc = app.openapi().await;
    let (_, listed) = app.api(&token, Method::GET, "/api/v1/files", None).await;
    assert_matches_schema(&doc, &response_schema(&doc, "/files", "get", "200"), &listed);
    let before = listed.as_array().unwrap().len();
    assert!(before > 0, "the import read the account's files");

    let upload = |form: reqwest::multipart::Form| {
        client()
            .post(app.url("/api/v1/files"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
    };
    let refused = upload(
        reqwest::multipart::Form::new()
            .text("connection_id", connection.to_string())
            .part("file", part("setup.exe", "MZ")),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["field"], "file", "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains(".txt"), "{error}");

    let res = upload(
        reqwest::multipart::Form::new()
            .text("connection_id", connection.to_string())
            .part("file", part("hours.txt", "Open 8 to 6."))
            .part("file", part("faq.md", "Parking: yes.")),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let uploaded: Value = res.json().await.unwrap();
    assert_matches_schema(&doc, &response_schema(&doc, "/files", "post", "201"), &uploaded);
    assert_eq!(uploaded.as_array().unwrap().len(), 2);
    assert_eq!(uploaded[0]["status"], "processing");

    tokio::time::sleep(std::time::Duration::from_millis(
        voxhive_sim::VAPI_FILE_PARSING_MS as u64 + 100,
    ))
    .await;
    let (status, _) = app.api(&token, Method::POST, "/api/v1/files/refresh", None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = app.api(&token, Method::GET, "/api/v1/files", None).await;
    let hours = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "hours.txt")
        .unwrap()
        .clone();
    assert_eq!(hours["status"], "done", "{hours}");
    assert_eq!(listed.as_array().unwrap().len(), before + 2);

    let path = format!("/api/v1/files/{}", hours["id"]);
    assert_eq!(
        app.api(&token, Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, listed) = app.api(&token, Method::GET, "/api/v1/files", None).await;
    assert!(!listed.as_array().unwrap().iter().any(|f| f["name"] == "hours.txt"));
    assert_eq!(
        app.api(&token, Method::DELETE, &path, None).await.0,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn every_file_is_checked_against_its_providers_limits_before_any_is_sent() {
    let app = spawn_app().await;
    let sim = spawn_sim().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    let el = app
        .connect_and_import(
            &token,
            "elevenlabs",
            "Voice",
            voxhive_sim::DEFAULT_EL_KEY,
            &sim.base_url(),
        )
        .await;
    let vapi = app
        .connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let count = |connection: i64| {
        let app = &app;
        let token = &token;
        async move {
            let (_, listed) = app
                .api(
                    token,
                    Method::GET,
                    &format!("/api/v1/files?connection_id={connection}"),
                    None,
                )
                .await;
            listed.as_array().unwrap().len()
        }
    };
    let before = count(el).await;
    let upload = |form: reqwest::multipart::Form| {
        client()
            .post(app.url("/api/v1/files"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
    };
    let big = reqwest::multipart::Part::bytes(vec![b'a'; 21 * 1024 * 1024 + 1])
        .file_name("manual.pdf")
        .mime_str("application/pdf")
        .unwrap();
    for (bad, said) in [(part("notes.md", "# Notes"), ".pdf, .txt"), (big, "21 MB")] {
        // A good file first: nothing is sent when any file of the request is refused.
        let res = upload(
            reqwest::multipart::Form::new()
                .text("connection_id", el.to_string())
                .part("file", part("hours.txt", "Open 8 to 6."))
                .part("file", bad),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let error: Value = res.json().await.unwrap();
        assert_eq!(error["error"]["field"], "file", "{error}");
        assert!(error["error"]["message"].as_str().unwrap().contains(said), "{error}");
    }
    assert_eq!(count(el).await, before, "nothing reached ElevenLabs");

    // A Vapi upload is processing; reading it follows the provider until it is done.
    let res = upload(
        reqwest::multipart::Form::new()
            .text("connection_id", vapi.to_string())
            .part("file", part("menu.csv", "dish,price\nsoup,4")),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let uploaded: Value = res.json().await.unwrap();
    assert_eq!(uploaded[0]["status"], "processing");
    let path = format!("/api/v1/files/{}", uploaded[0]["id"]);
    let doc = app.openapi().await;
    let mut seen = Vec::new();
    for _ in 0..40 {
        let (status, file) = app.api(&token, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_matches_schema(&doc, &response_schema(&doc, "/files/{id}", "get", "200"), &file);
        seen.push(file["status"].as_str().unwrap().to_owned());
        if file["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(seen.first().map(String::as_str), Some("processing"), "{seen:?}");
    assert_eq!(seen.last().map(String::as_str), Some("done"), "{seen:?}");
    app.stop().await;
}
