//! Assistants through the JSON API: import from the simulator, list with filters, read whole.

use reqwest::StatusCode;
use serde_json::{json, Value};
use voxhive_core::Role;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{spawn_app, spawn_sim};

#[tokio::test]
async fn importing_through_the_api_lists_every_assistant_with_its_whole_document_and_is_idempotent() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Editor).await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    let owner = app.token_for("owner@example.com", "Acme").await;
    let token = app.token_for("ada@example.com", "Acme").await;
    let http = reqwest::Client::new();
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let created: Value = http
        .post(app.url("/api/v1/connections"))
        .bearer_auth(&owner)
        .json(&json!({"provider": "vapi", "label": "Main", "api_key": key, "base_url": sim.base_url()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let connection = created["id"].as_i64().unwrap();

    let res = http
        .post(app.url(&format!("/api/v1/connections/{connection}/import")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    let remote = sim.vapi_assistants(key);
    assert_eq!(report["created"], remote.len());
    let again: Value = http
        .post(app.url(&format!("/api/v1/connections/{connection}/import")))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["created"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(remote.len() as u64))
    );

    let doc: Value = http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list: Value = http
        .get(app.url("/api/v1/assistants"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), remote.len());
    assert_matches_schema(&doc, &response_schema(&doc, "/assistants", "get", "200"), &list);
    let first = &list[0];
    assert_eq!(first["sync_status"], "synced");
    assert_eq!(first["base_hash"], first["local_hash"]);

    let name = first["name"].as_str().unwrap();
    let found: Value = http
        .get(app.url("/api/v1/assistants"))
        .query(&[
            ("q", &name[..4.min(name.len())]),
            ("status", "synced"),
            ("provider", "vapi"),
        ])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(found.as_array().unwrap().iter().any(|a| a["id"] == first["id"]));
    let none: Value = http
        .get(app.url("/api/v1/assistants?provider=elevenlabs"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(none.as_array().unwrap().is_empty());

    let id = first["id"].as_i64().unwrap();
    let detail: Value = http
        .get(app.url(&format!("/api/v1/assistants/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_matches_schema(&doc, &response_schema(&doc, "/assistants/{id}", "get", "200"), &detail);
    let original = sim.vapi_assistant(key, first["remote_id"].as_str().unwrap()).unwrap();
    assert_eq!(detail["document"], original, "the whole provider document, every field");
    app.stop().await;
}

#[tokio::test]
async fn viewers_cannot_import_unknown_ids_are_named_and_other_workspaces_get_404() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    app.add_user("viewer@example.com", "Acme", Role::Viewer).await;
    app.add_user("other@example.com", "Other", Role::Owner).await;
    let http = reqwest::Client::new();
    let owner = app.token_for("owner@example.com", "Acme").await;
    let body = json!({"provider": "elevenlabs", "label": "Voice", "api_key": voxhive_sim::DEFAULT_EL_KEY, "base_url": sim.base_url()});
    let created: Value = http
        .post(app.url("/api/v1/connections"))
        .bearer_auth(&owner)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let import = format!("/api/v1/connections/{}/import", created["id"]);

    let viewer = app.token_for("viewer@example.com", "Acme").await;
    assert_eq!(
        http.post(app.url(&import))
            .bearer_auth(&viewer)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );

    let unknown = http
        .post(app.url(&import))
        .bearer_auth(&owner)
        .json(&json!({"remote_ids": ["agent_nope"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = unknown.json().await.unwrap();
    assert_eq!(err["error"]["field"], "remote_ids");
    assert!(err["error"]["message"].as_str().unwrap().contains("agent_nope"));

    let ok: Value = http
        .post(app.url(&import))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(ok["created"].as_u64().unwrap() > 0);
    let list: Value = http
        .get(app.url("/api/v1/assistants"))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list[0]["id"].as_i64().unwrap();

    let other = app.token_for("other@example.com", "Other").await;
    assert_eq!(
        http.post(app.url(&import))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = http
        .get(app.url(&format!("/api/v1/assistants/{id}")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let theirs: Value = http
        .get(app.url("/api/v1/assistants"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(theirs.as_array().unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn the_assistants_page_imports_filters_and_shows_an_assistant_with_its_history() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    app.add_user("viewer@example.com", "Acme", Role::Viewer).await;
    app.add_user("other@example.com", "Other", Role::Owner).await;
    let owner = app.signed_in("owner@example.com").await;
    let base = sim.base_url();
    let res = app
        .post_form(
            &owner,
            "/settings/providers",
            &[
                ("provider", "vapi"),
                ("label", "Main"),
                ("api_key", voxhive_sim::DEFAULT_VAPI_KEYS[0]),
                ("base_url", &base),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let connection = app.store().connections(1).await.unwrap()[0].id.to_string();

    let viewer = app.signed_in("viewer@example.com").await;
    let (_, page) = app.page(&viewer, "/assistants").await;
    assert!(!page.contains("Import from Main"), "viewers are not offered the import");
    assert_eq!(
        app.post_form(&viewer, "/assistants/import", &[("connection_id", &connection)])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    let res = app
        .post_form(&owner, "/assistants/import", &[("connection_id", &connection)])
        .await;
    let page = app.page_after_job(&owner, &res).await;
    assert!(page.contains("Import finished"), "{page}");
    let remote = sim.vapi_assistants(voxhive_sim::DEFAULT_VAPI_KEYS[0]);
    assert!(
        page.contains(&format!(
            "{} new, 0 updated from the provider, 0 unchanged",
            remote.len()
        )),
        "{page}"
    );
    for a in &remote {
        let name = a["name"].as_str().unwrap();
        assert!(page.contains(name), "{name} is listed");
    }
    assert_eq!(page.matches("badge badge-synced").count(), remote.len());

    let name = remote[0]["name"].as_str().unwrap();
    let (_, filtered) = app
        .page(&owner, &format!("/assistants?q={}", crate::support::urlencode(name)))
        .await;
    assert_eq!(
        filtered.matches("class=\"row-link\"").count(),
        remote.iter().filter(|a| a["name"] == name).count()
    );
    let (_, none) = app.page(&owner, "/assistants?status=conflict").await;
    assert!(none.contains("No assistant matches these filters."));

    let id = app.store().assistants(1, &Default::default()).await.unwrap()[0].id;
    let (status, detail) = app.page(&owner, &format!("/assistants/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.contains("import") && detail.contains("(current)"));
    let other = app.signed_in("other@example.com").await;
    assert_eq!(
        app.page(&other, &format!("/assistants/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_form(&other, "/assistants/import", &[("connection_id", &connection)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

/// Connects the simulator's first Vapi organisation, imports, and returns (token, first assistant id, its remote id).
async fn imported(app: &crate::support::TestApp, sim: &voxhive_sim::SimHandle) -> (String, i64, String) {
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    app.connect_and_import(&token, "vapi", "Main", key, &sim.base_url())
        .await;
    let list: Value = reqwest::Client::new()
        .get(app.url("/api/v1/assistants"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        token,
        list[0]["id"].as_i64().unwrap(),
        list[0]["remote_id"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn an_api_edit_is_a_local_revision_until_pushed_and_a_push_never_overwrites_a_remote_change() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    let (token, id, remote_id) = imported(&app, &sim).await;
    let http = reqwest::Client::new();
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let url = |p: &str| app.url(&format!("/api/v1/assistants/{id}{p}"));

    let bad = http
        .patch(url(""))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let patched: Value = http
        .patch(url(""))
        .bearer_auth(&token)
        .json(&json!({"firstMessage": "Hi from the API"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(patched["sync_status"], "modified");
    assert_eq!(patched["document"]["firstMessage"], "Hi from the API");
    assert_ne!(
        sim.vapi_assistant(key, &remote_id).unwrap()["firstMessage"],
        "Hi from the API",
        "nothing sent yet"
    );

    let pushed: Value = http
        .post(url("/push"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (pushed["outcome"].as_str(), pushed["assistant"]["sync_status"].as_str()),
        (Some("pushed"), Some("synced"))
    );
    assert_eq!(
        sim.vapi_assistant(key, &remote_id).unwrap()["firstMessage"],
        "Hi from the API"
    );

    // A change in Vapi's dashboard between two of VoxHive's reads: the push stops.
    let mut doc: Value = http
        .get(url(""))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["document"]
        .clone();
    doc["firstMessage"] = json!("Mine");
    let replaced = http
        .put(url("/document"))
        .bearer_auth(&token)
        .json(&doc)
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.status(), StatusCode::OK);
    sim.vapi_edit_assistant(key, &remote_id, json!({"firstMessage": "Theirs"}))
        .unwrap();
    let conflict: Value = http
        .post(url("/push"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            conflict["outcome"].as_str(),
            conflict["assistant"]["sync_status"].as_str()
        ),
        (Some("conflict"), Some("conflict"))
    );
    assert_eq!(sim.vapi_assistant(key, &remote_id).unwrap()["firstMessage"], "Theirs");

    let revisions: Value = http
        .get(url("/revisions"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sources: Vec<&str> = revisions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["pull", "local", "local", "import"]);
    assert_eq!(revisions[1]["author"], "owner@example.com");
    app.stop().await;
}

#[tokio::test]
async fn a_push_the_provider_fails_keeps_the_local_revision_and_answers_its_reason() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    let (token, id, _) = imported(&app, &sim).await;
    let http = reqwest::Client::new();
    http.patch(app.url(&format!("/api/v1/assistants/{id}")))
        .bearer_auth(&token)
        .json(&json!({"name": "Kept"}))
        .send()
        .await
        .unwrap();
    let mix = voxhive_sim::FaultMix {
        rate_limited: 0,
        server_error: 0,
        unavailable: 1,
        reset: 0,
        timeout: 0,
    };
    sim.set_faults(voxhive_sim::Faults {
        error_rate: 1.0,
        mix,
        ..voxhive_sim::Faults::default()
    });
    let res = http
        .post(app.url(&format!("/api/v1/assistants/{id}/push")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let after: Value = http
        .get(app.url(&format!("/api/v1/assistants/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["sync_status"], "error");
    assert_eq!(after["document"]["name"], "Kept");
    assert!(after["last_error"].as_str().is_some_and(|m| !m.is_empty()));
    app.stop().await;
}

#[tokio::test]
async fn the_assistant_page_saves_a_revision_reviews_the_diff_and_pushes() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    let (_, id, remote_id) = imported(&app, &sim).await;
    let client = app.signed_in("owner@example.com").await;
    let path = format!("/assistants/{id}");

    let bad = app
        .post_form(&client, &format!("{path}/document"), &[("document", "{\"name\": ")])
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("not valid JSON") && html.contains("{&#34;name&#34;: "),
        "the error is shown and the text kept"
    );

    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let mut doc = sim.vapi_assistant(key, &remote_id).unwrap();
    let prompt = doc["model"]["messages"][0]["content"].as_str().unwrap().to_string();
    doc["model"]["messages"][0]["content"] = json!(format!("{prompt}\nAlways confirm the caller's name."));
    let saved = app
        .post_form(&client, &format!("{path}/document"), &[("document", &doc.to_string())])
        .await;
    crate::support::assert_redirects_to(&saved, &path);
    let (_, page) = app.page(&client, &path).await;
    assert!(page.contains("badge-modified"));

    let (status, review) = app.page(&client, &format!("{path}/review")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        review.contains("model.messages[0].content"),
        "the changed path is named"
    );
    assert!(
        review.contains("line-added") && review.contains("Always confirm the caller"),
        "the prompt is a line diff"
    );
    let pushed = app.post_form(&client, &format!("{path}/push"), &[]).await;
    crate::support::assert_redirects_to(&pushed, &path);
    let (_, page) = app.page(&client, &path).await;
    assert!(
        page.contains("Pushed to Vapi.") && page.contains("badge-synced"),
        "{page}"
    );
    assert!(
        sim.vapi_assistant(key, &remote_id).unwrap()["model"]["messages"][0]["content"]
            .as_str()
            .unwrap()
            .ends_with("caller's name.")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_conflict_is_resolved_on_the_merge_page_then_history_compares_and_rolls_back() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    let (token, id, remote_id) = imported(&app, &sim).await;
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let http = reqwest::Client::new();
    let api = |p: &str| app.url(&format!("/api/v1/assistants/{id}{p}"));
    http.patch(api(""))
        .bearer_auth(&token)
        .json(&json!({"firstMessage": "Mine", "voicemailMessage": "Call back later"}))
        .send()
        .await
        .unwrap();
    sim.vapi_edit_assistant(key, &remote_id, json!({"firstMessage": "Theirs"}))
        .unwrap();
    let pulled: Value = http
        .post(api("/pull"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pulled["outcome"], "conflict");

    let client = app.signed_in("owner@example.com").await;
    let path = format!("/assistants/{id}");
    let (_, page) = app.page(&client, &path).await;
    assert!(page.contains("Resolve the conflict"));
    let (status, merge) = app.page(&client, &format!("{path}/merge")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(merge.contains("<code>firstMessage</code> changed on both sides") && merge.contains("Theirs"));
    let bad = app
        .post_form(
            &client,
            &format!("{path}/merge"),
            &[("path-0", "firstMessage"), ("choice-0", "edit"), ("edit-0", "not json")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("not valid JSON"));
    let ok = app
        .post_form(
            &client,
            &format!("{path}/merge"),
            &[
                ("path-0", "firstMessage"),
                ("choice-0", "edit"),
                ("edit-0", "\"Both of us\""),
            ],
        )
        .await;
    crate::support::assert_redirects_to(&ok, &format!("{path}/review"));
    let (_, review) = app.page(&client, &format!("{path}/review")).await;
    assert!(review.contains("firstMessage") && review.contains("voicemailMessage") && review.contains("Both of us"));
    crate::support::assert_redirects_to(&app.post_form(&client, &format!("{path}/push"), &[]).await, &path);
    let remote = sim.vapi_assistant(key, &remote_id).unwrap();
    assert_eq!(
        (remote["firstMessage"].as_str(), remote["voicemailMessage"].as_str()),
        (Some("Both of us"), Some("Call back later"))
    );

    let revisions: Value = http
        .get(api("/revisions"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let import = revisions.as_array().unwrap().last().unwrap()["id"].as_i64().unwrap();
    let diff: Value = http
        .get(api(&format!("/diff?from={import}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths: Vec<&str> = diff
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["firstMessage", "voicemailMessage"]);
    let (_, compare) = app.page(&client, &format!("{path}/compare?from={import}")).await;
    assert!(compare.contains("voicemailMessage"));

    crate::support::assert_redirects_to(
        &app.post_form(
            &client,
            &format!("{path}/rollback"),
            &[("revision_id", &import.to_string())],
        )
        .await,
        &path,
    );
    let after: Value = http
        .get(api(""))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["sync_status"], "modified");
    assert!(after["document"]
        .get("voicemailMessage")
        .is_none_or(|v| v != "Call back later"));
    let rolled: Value = http
        .post(api("/rollback"))
        .bearer_auth(&token)
        .json(&json!({"revision_id": import}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        rolled["sync_status"], "modified",
        "rolling back to the same document again changes nothing"
    );

    let deleted = http
        .delete(api("?remote=true"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(sim.vapi_assistant(key, &remote_id).is_none());
    assert_eq!(
        http.get(api("")).bearer_auth(&token).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn a_new_assistant_from_a_template_is_local_until_reviewed_and_pushed() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    let (token, _, _) = imported(&app, &sim).await;
    let http = reqwest::Client::new();
    let connection = app.store().connections(1).await.unwrap()[0].id;
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let before = sim.vapi_assistants(key).len();

    let empty = http
        .post(app.url("/api/v1/assistants"))
        .bearer_auth(&token)
        .json(&json!({"connection_id": connection, "template": "receptionist", "name": " "}))
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    assert_eq!(empty.json::<Value>().await.unwrap()["error"]["field"], "name");
    let unknown = http
        .post(app.url("/api/v1/assistants"))
        .bearer_auth(&token)
        .json(&json!({"connection_id": connection, "template": "astronaut", "name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.json::<Value>().await.unwrap()["error"]["field"], "template");

    let created = http
        .post(app.url("/api/v1/assistants"))
        .bearer_auth(&token)
        .json(&json!({"connection_id": connection, "template": "lead-qualification", "name": "Inbound leads"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        (created["sync_status"].as_str(), created["remote_id"].as_str()),
        (Some("new"), None)
    );
    assert_eq!(sim.vapi_assistants(key).len(), before, "nothing at the provider yet");

    // The page: Quick Start with an empty name is refused at the field; Advanced takes a document.
    let client = app.signed_in("owner@example.com").await;
    let refused = app
        .post_form(
            &client,
            "/assistants/new",
            &[
                ("connection_id", &connection.to_string()),
                ("mode", "template"),
                ("template", "receptionist"),
                ("name", ""),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("give the assistant a name"));
    let advanced = app
        .post_form(
            &client,
            "/assistants/new",
            &[
                ("connection_id", &connection.to_string()),
                ("mode", "document"),
                ("document", "{\"name\": \"Hand made\", \"firstMessage\": \"Hi\"}"),
            ],
        )
        .await;
    assert_eq!(advanced.status(), StatusCode::SEE_OTHER);
    let review = crate::support::location(&advanced);
    let (_, page) = app.page(&client, &review).await;
    assert!(page.contains("does not exist at Vapi yet") && page.contains("Create at Vapi"));

    let id = created["id"].as_i64().unwrap();
    let pushed: Value = http
        .post(app.url(&format!("/api/v1/assistants/{id}/push")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pushed["outcome"], "created");
    assert_eq!(sim.vapi_assistants(key).len(), before + 1);
    app.stop().await;
}

#[tokio::test]
async fn the_settings_form_edits_the_common_fields_and_keeps_every_other_field() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    let (token, id, remote_id) = imported(&app, &sim).await;
    let client = app.signed_in("owner@example.com").await;
    let path = format!("/assistants/{id}");
    let (_, page) = app.page(&client, &path).await;
    assert!(page.contains("id=\"f-system_prompt\"") && page.contains("id=\"f-temperature\""));

    let bad = app
        .post_form(
            &client,
            &format!("{path}/fields"),
            &[("name", "Renamed"), ("temperature", "warm")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("Temperature: enter a number"));

    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let before = sim.vapi_assistant(key, &remote_id).unwrap();
    let phrases = "goodbye\nthanks, bye";
    let ok = app
        .post_form(
            &client,
            &format!("{path}/fields"),
            &[
                ("name", "Renamed"),
                ("temperature", "0.25"),
                ("end_call_phrases", phrases),
                ("recording", "on"),
            ],
        )
        .await;
    crate::support::assert_redirects_to(&ok, &path);
    let http = reqwest::Client::new();
    let revisions: Value = http
        .get(app.url(&format!("/api/v1/assistants/{id}/revisions")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let import = revisions.as_array().unwrap().last().unwrap()["id"].as_i64().unwrap();
    let diff: Value = http
        .get(app.url(&format!("/api/v1/assistants/{id}/diff?from={import}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let changed: Vec<&str> = diff
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    for path in &changed {
        assert!(
            [
                "name",
                "model.temperature",
                "endCallPhrases",
                "artifactPlan.recordingEnabled"
            ]
            .contains(path),
            "only the edited fields change: {changed:?}"
        );
    }
    let pushed: Value = http
        .post(app.url(&format!("/api/v1/assistants/{id}/push")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pushed["outcome"], "pushed");
    let after = sim.vapi_assistant(key, &remote_id).unwrap();
    assert_eq!(
        (after["name"].as_str(), after["model"]["temperature"].as_f64()),
        (Some("Renamed"), Some(0.25))
    );
    assert_eq!(after["endCallPhrases"], json!(["goodbye", "thanks, bye"]));
    assert_eq!(after["voice"], before["voice"], "untouched objects are unchanged");
    app.stop().await;
}

#[tokio::test]
async fn selected_assistants_are_pushed_together_and_a_conflict_stops_only_its_own_push() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    let (token, _, _) = imported(&app, &sim).await;
    let http = reqwest::Client::new();
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let list: Value = http
        .get(app.url("/api/v1/assistants"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let picked: Vec<&Value> = list.as_array().unwrap().iter().take(2).collect();
    for (i, a) in picked.iter().enumerate() {
        let url = app.url(&format!("/api/v1/assistants/{}", a["id"]));
        http.patch(url)
            .bearer_auth(&token)
            .json(&json!({"firstMessage": format!("Bulk {i}")}))
            .send()
            .await
            .unwrap();
    }
    let conflicted = picked[1];
    sim.vapi_edit_assistant(
        key,
        conflicted["remote_id"].as_str().unwrap(),
        json!({"firstMessage": "Changed at Vapi"}),
    )
    .unwrap();

    let client = app.signed_in("owner@example.com").await;
    let (_, page) = app.page(&client, "/assistants").await;
    assert_eq!(
        page.matches("name=\"ids\"").count(),
        2,
        "only assistants with something to push can be selected"
    );
    let ids: Vec<String> = picked.iter().map(|a| a["id"].to_string()).collect();
    let mut form: Vec<(&str, &str)> = ids.iter().map(|id| ("ids", id.as_str())).collect();
    form.push(("unused", ""));
    let res = app.post_form(&client, "/assistants/push", &form).await;
    let page = app.page_after_job(&client, &res).await;
    let name = conflicted["name"].as_str().unwrap();
    assert!(
        page.contains("Pushed 1, 0 already up to date.") && page.contains(&format!("In conflict, not pushed: {name}")),
        "{page}"
    );
    for (i, a) in picked.iter().take(1).enumerate() {
        assert_eq!(
            sim.vapi_assistant(key, a["remote_id"].as_str().unwrap()).unwrap()["firstMessage"],
            format!("Bulk {i}")
        );
    }
    assert_eq!(
        sim.vapi_assistant(key, conflicted["remote_id"].as_str().unwrap())
            .unwrap()["firstMessage"],
        "Changed at Vapi"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_api_edit_the_provider_would_refuse_names_the_json_path_and_saves_nothing() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    let (token, id, _) = imported(&app, &sim).await;
    let http = reqwest::Client::new();
    let url = |p: &str| app.url(&format!("/api/v1/assistants/{id}{p}"));
    let read = |p: String| {
        let request = http.get(p).bearer_auth(&token);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let before = read(url("")).await;
    let revisions = read(url("/revisions")).await.as_array().unwrap().len();

    let res = http
        .patch(url(""))
        .bearer_auth(&token)
        .json(&json!({"model": {"temperature": 7}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": {"code": "bad_request", "field": "/model/temperature", "message": "model.temperature: must be at most 2"}})
    );

    let res = http
        .patch(url(""))
        .bearer_auth(&token)
        .json(&json!({"model": {"toolIds": ["no-such-tool"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["field"], "/model/toolIds/0");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no tool with id no-such-tool in this account"),
        "{body}"
    );

    let mut typo = before["document"].clone();
    typo["fristMessage"] = json!("Hello");
    let res = http
        .put(url("/document"))
        .bearer_auth(&token)
        .json(&typo)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], "/fristMessage");

    let after = read(url("")).await;
    assert_eq!(after["document"], before["document"], "the document is unchanged");
    assert_eq!(after["local_hash"], before["local_hash"]);
    assert_eq!(read(url("/revisions")).await.as_array().unwrap().len(), revisions);

    let created = http
        .post(app.url("/api/v1/assistants"))
        .bearer_auth(&token)
        .json(&json!({"connection_id": before["connection_id"], "document": {"name": "Too hot", "model": {"provider": "openai", "model": "gpt-4o", "temperature": 9}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        created.json::<Value>().await.unwrap()["error"]["field"],
        "/model/temperature"
    );
    let all = read(app.url("/api/v1/assistants")).await;
    assert!(
        !all.as_array().unwrap().iter().any(|a| a["name"] == "Too hot"),
        "nothing was created"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_assistant_page_shows_a_refused_value_at_its_field_and_keeps_what_was_typed() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    let (token, id, remote_id) = imported(&app, &sim).await;
    let client = app.signed_in("owner@example.com").await;
    let path = format!("/assistants/{id}");
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];

    let mut doc = sim.vapi_assistant(key, &remote_id).unwrap();
    doc["firstMessage"] = json!("Typed by hand, kept on refusal");
    doc["model"]["temperature"] = json!(7);
    let res = app
        .post_form(&client, &format!("{path}/document"), &[("document", &doc.to_string())])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    let error = html.find("id=\"document-error\"").expect("the error is shown");
    let editor = html.find("id=\"document\"").unwrap();
    assert!(error < editor, "the error is above the editor");
    assert!(
        html.contains("model.temperature: must be at most 2"),
        "the path and the message"
    );
    assert!(html.contains("Typed by hand, kept on refusal"), "the text is kept");

    let res = app
        .post_form(
            &client,
            &format!("{path}/fields"),
            &[
                ("temperature", "7"),
                ("first_message", "Typed in the form, kept on refusal"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Typed in the form, kept on refusal"),
        "what was typed is kept"
    );
    assert!(
        html.contains("Temperature: must be at most 2"),
        "the form field's label and the message"
    );
    let field = html.find("id=\"f-temperature\"").unwrap();
    assert!(
        html[field..]
            .split('>')
            .next()
            .unwrap()
            .contains("aria-invalid=\"true\""),
        "the temperature field is marked"
    );

    let detail: Value = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/assistants/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["sync_status"], "synced", "nothing was saved");
    assert_ne!(detail["document"]["model"]["temperature"], 7);

    // A tool the account does not have, typed in the form: named at the Tools field.
    let res = app
        .post_form(
            &client,
            &format!("{path}/fields"),
            &[("tool_ids", "tool-that-does-not-exist")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("tool-that-does-not-exist"), "the unknown id is named");
    let field = html.find("id=\"f-tool_ids\"").unwrap();
    assert!(html[field..]
        .split('>')
        .next()
        .unwrap()
        .contains("aria-invalid=\"true\""));
    app.stop().await;
}
