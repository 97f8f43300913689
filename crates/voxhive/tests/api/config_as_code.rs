//! Config as code: the real `voxhive export`, `plan` and `apply` against a running server and
//! the simulator, as a team would run them on a directory kept in git.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{json, Value};
use voxhive_core::Role;

use crate::support::{spawn_app, spawn_sim, TestApp};

const PROMPT: &str = "You are Riley, the receptionist of Acme Dental.\nGreet callers warmly.\nKeep answers under two sentences.\nNever give medical advice.\n";

/// A server with the simulator's first Vapi organisation connected as "Main" and imported, the
/// first assistant's prompt made multi-line; a token and an empty directory.
struct Setup {
    sim: voxhive_sim::SimHandle,
    app: TestApp,
    token: String,
    dir: tempfile::TempDir,
    /// The assistant with the multi-line prompt.
    id: i64,
}

async fn setup() -> Setup {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    app.connect_and_import(
        &token,
        "vapi",
        "Main",
        voxhive_sim::DEFAULT_VAPI_KEYS[0],
        &sim.base_url(),
    )
    .await;
    let list = get(&app, &token, "/assistants").await;
    let id = list[0]["id"].as_i64().unwrap();
    let doc = get(&app, &token, &format!("/assistants/{id}")).await["document"].clone();
    let mut model = doc["model"].clone();
    model["messages"] = json!([{"role": "system", "content": PROMPT}]);
    send(
        &app,
        &token,
        "patch",
        &format!("/assistants/{id}"),
        json!({"model": model}),
    )
    .await;
    Setup {
        sim,
        app,
        token,
        dir: tempfile::tempdir().unwrap(),
        id,
    }
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(app.url(&format!("/api/v1{path}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn send(app: &TestApp, token: &str, method: &str, path: &str, body: Value) -> Value {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let res = reqwest::Client::new()
        .request(method, app.url(&format!("/api/v1{path}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

/// Runs the real binary against the app with `token` in VOXHIVE_TOKEN.
async fn voxhive(app: &TestApp, token: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_voxhive"))
        .env_remove("VOXHIVE_DATABASE_URL")
        .env_remove("VOXHIVE_CONFIG")
        .env_remove("VOXHIVE_TOKEN_FILE")
        .env("VOXHIVE_SERVER", &app.base)
        .env("VOXHIVE_TOKEN", token)
        .args(args)
        .output()
        .await
        .expect("run voxhive")
}

impl Setup {
    async fn run(&self, verb: &str, extra: &[&str]) -> Output {
        let dir = self.dir.path().to_str().unwrap();
        let mut args = vec![verb, "--dir", dir];
        args.extend_from_slice(extra);
        voxhive(&self.app, &self.token, &args).await
    }

    /// The file holding assistant `id`.
    fn file_of(&self, id: i64) -> PathBuf {
        files(self.dir.path())
            .into_iter()
            .find(|(_, text)| text.lines().any(|l| l == format!("id: {id}")))
            .map(|(path, _)| self.dir.path().join(path))
            .unwrap_or_else(|| panic!("no file holds assistant {id}"))
    }

    fn edit(&self, id: i64, from: &str, to: &str) {
        let path = self.file_of(id);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from:?} not in {text}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    async fn document(&self, id: i64) -> Value {
        get(&self.app, &self.token, &format!("/assistants/{id}")).await["document"].clone()
    }
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn both(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

#[tokio::test]
async fn export_writes_one_readable_file_per_assistant_and_writes_the_same_bytes_again() {
    let s = setup().await;
    let el_key = voxhive_sim::DEFAULT_EL_KEY;
    s.app
        .connect_and_import(&s.token, "elevenlabs", "Voice / EU", el_key, &s.sim.base_url())
        .await;
    let out = s.run("export", &[]).await;
    assert!(out.status.success(), "{}", both(&out));

    let written = files(s.dir.path());
    let vapi = s.sim.vapi_assistants(voxhive_sim::DEFAULT_VAPI_KEYS[0]).len();
    let elevenlabs = s.sim.elevenlabs_agents(el_key).len();
    let count = |folder: &str| written.keys().filter(|p| p.starts_with(folder)).count();
    assert_eq!((count("main"), count("voice-eu")), (vapi, elevenlabs), "{written:?}");
    assert!(written.keys().all(|p| p.extension().unwrap() == "yaml"));
    let text = std::fs::read_to_string(s.file_of(s.id)).unwrap();
    assert!(
        text.contains("    - content: |\n        You are Riley, the receptionist of Acme Dental.\n        Greet callers warmly.\n"),
        "the prompt is a literal block, one line per line:\n{text}"
    );
    let detail = get(&s.app, &s.token, &format!("/assistants/{}", s.id)).await;
    assert!(text.contains("\nconnection:\n  id: ") && text.contains("  label: Main\nprovider: vapi\n"));
    assert!(text.contains(&format!("server_hash: {}\n", detail["local_hash"].as_str().unwrap())));
    assert!(
        !text.contains("orgId") && !text.contains("createdAt"),
        "read-only fields are left out"
    );

    let again = s.run("export", &[]).await;
    assert!(again.status.success(), "{}", both(&again));
    assert_eq!(
        files(s.dir.path()),
        written,
        "an unchanged workspace exports byte for byte the same"
    );
    let unchanged = format!("0 written, {} unchanged", vapi + elevenlabs);
    assert!(stdout(&again).contains(&unchanged), "{}", stdout(&again));
    let out = s.run("plan", &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    s.app.stop().await;
}

#[tokio::test]
async fn a_prompt_line_edited_in_a_file_is_planned_applied_as_a_revision_and_pushed() {
    let s = setup().await;
    assert!(s.run("export", &[]).await.status.success());
    let out = s.run("plan", &[]).await;
    assert_eq!(out.status.code(), Some(0), "nothing to change: {}", both(&out));

    s.edit(s.id, "Greet callers warmly.", "Greet callers warmly, by name.");
    let out = s.run("plan", &[]).await;
    assert_eq!(out.status.code(), Some(2), "changes pending: {}", both(&out));
    let plan = stdout(&out);
    assert!(plan.contains("~ model.messages[0].content:"), "{plan}");
    assert!(plan.contains("-   2 | Greet callers warmly.\n"), "{plan}");
    assert!(plan.contains("+   2 | Greet callers warmly, by name.\n"), "{plan}");
    assert!(
        plan.contains("Plan: 1 to update, 0 to create, 1 unchanged, 0 error(s)."),
        "{plan}"
    );

    let before = get(&s.app, &s.token, &format!("/assistants/{}/revisions", s.id)).await;
    let out = s.run("apply", &[]).await;
    assert!(out.status.success(), "{}", both(&out));
    let content = s.document(s.id).await["model"]["messages"][0]["content"].clone();
    assert_eq!(content, PROMPT.replace("warmly.", "warmly, by name."));
    let after = get(&s.app, &s.token, &format!("/assistants/{}/revisions", s.id)).await;
    assert_eq!(after.as_array().unwrap().len(), before.as_array().unwrap().len() + 1);
    assert_eq!(after[0]["source"], "local");
    let out = s.run("plan", &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "applied files carry the new hash: {}",
        both(&out)
    );

    s.edit(
        s.id,
        "Never give medical advice.",
        "Never give medical or legal advice.",
    );
    let out = s.run("apply", &["--push"]).await;
    assert!(out.status.success(), "{}", both(&out));
    assert!(stdout(&out).contains("pushed to Vapi"), "{}", stdout(&out));
    let detail = get(&s.app, &s.token, &format!("/assistants/{}", s.id)).await;
    assert_eq!(detail["sync_status"], "synced");
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let remote = s
        .sim
        .vapi_assistant(key, detail["remote_id"].as_str().unwrap())
        .unwrap();
    assert!(remote["model"]["messages"][0]["content"].as_str().unwrap().contains(
        "Greet callers warmly, by name.\nKeep answers under two sentences.\nNever give medical or legal advice."
    ));

    // A change at Vapi since the last sync: the push stops with a conflict and overwrites nothing.
    s.sim
        .vapi_edit_assistant(
            key,
            detail["remote_id"].as_str().unwrap(),
            json!({"firstMessage": "Theirs"}),
        )
        .unwrap();
    s.edit(s.id, "Keep answers under two sentences.", "Keep answers short.");
    let out = s.run("apply", &["--push"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(stderr(&out).contains("conflict"), "{}", stderr(&out));
    assert_eq!(
        s.sim
            .vapi_assistant(key, detail["remote_id"].as_str().unwrap())
            .unwrap()["firstMessage"],
        "Theirs"
    );
    s.app.stop().await;
}

#[tokio::test]
async fn a_new_file_without_an_id_creates_the_assistant_and_gets_its_id() {
    let s = setup().await;
    assert!(s.run("export", &[]).await.status.success());
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let before = s.sim.vapi_assistants(key).len();
    let path = s.dir.path().join("main/night-line.yaml");
    std::fs::write(
        &path,
        "connection:\n  label: Main\ndocument:\n  name: Night line\n  firstMessage: We are closed; leave a message.\n",
    )
    .unwrap();
    let other = s.file_of(s.id);
    std::fs::remove_file(&other).unwrap();

    let out = s.run("plan", &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", both(&out));
    let plan = stdout(&out);
    assert!(
        plan.contains("night-line.yaml: create \"Night line\" on \"Main\" (vapi)"),
        "{plan}"
    );
    assert!(
        plan.contains("(apply leaves them alone):") && plan.contains(&format!("assistant {} ", s.id)),
        "{plan}"
    );

    let out = s.run("apply", &["--push"]).await;
    assert!(out.status.success(), "{}", both(&out));
    assert!(stdout(&out).contains("created at Vapi"), "{}", stdout(&out));
    let list = get(&s.app, &s.token, "/assistants?q=Night").await;
    let created = &list[0];
    assert_eq!(
        (created["name"].as_str(), created["sync_status"].as_str()),
        (Some("Night line"), Some("synced"))
    );
    assert_eq!(s.sim.vapi_assistants(key).len(), before + 1);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&format!("id: {}\n", created["id"])), "{text}");
    assert!(
        text.contains(&format!("remote_id: {}\n", created["remote_id"].as_str().unwrap())),
        "{text}"
    );
    assert!(
        get(&s.app, &s.token, &format!("/assistants/{}", s.id)).await["document"].is_object(),
        "a file removed deletes nothing"
    );

    let out = s.run("apply", &[]).await;
    assert!(
        out.status.success() && stdout(&out).contains("0 created"),
        "applying again creates nothing: {}",
        both(&out)
    );
    s.app.stop().await;
}

#[tokio::test]
async fn an_invalid_file_is_named_and_the_other_files_are_still_applied() {
    let s = setup().await;
    let list = get(&s.app, &s.token, "/assistants").await;
    let other = list[1]["id"].as_i64().unwrap();
    let body = json!({"connection_id": list[0]["connection_id"], "template": "receptionist", "name": "Third"});
    let third = send(&s.app, &s.token, "post", "/assistants", body).await["id"]
        .as_i64()
        .unwrap();
    assert!(s.run("export", &[]).await.status.success());
    let broken = s.file_of(s.id);
    std::fs::write(&broken, "id: 1\ndocument: [not closed\n").unwrap();
    let rejected = s.file_of(third);
    s.edit(third, "  name: Third\n", "  name: 42\n");
    s.edit(other, "firstMessage: ", "firstMessage: Applied anyway. ");

    let out = s.run("apply", &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("error: {}: not an assistant file:", broken.display())) && err.contains("line"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "error: {}: the server refused the document:",
            rejected.display()
        )) && err.contains("field `document`"),
        "{err}"
    );
    assert!(s.document(other).await["firstMessage"]
        .as_str()
        .unwrap()
        .starts_with("Applied anyway."));
    assert!(
        stdout(&out).contains("1 updated, 0 created, 0 unchanged; 2 failed"),
        "{}",
        stdout(&out)
    );
    s.app.stop().await;
}

#[tokio::test]
async fn an_edit_on_the_server_after_export_stops_apply_until_forced() {
    let s = setup().await;
    assert!(s.run("export", &[]).await.status.success());
    send(
        &s.app,
        &s.token,
        "patch",
        &format!("/assistants/{}", s.id),
        json!({"firstMessage": "Edited in VoxHive"}),
    )
    .await;
    s.edit(s.id, "Greet callers warmly.", "Greet callers politely.");

    let out = s.run("plan", &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", both(&out));
    assert!(
        stdout(&out).contains("changed on the server since this file was exported"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("~ firstMessage"), "{}", stdout(&out));

    let out = s.run("apply", &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        s.document(s.id).await["firstMessage"],
        "Edited in VoxHive",
        "nothing overwritten"
    );

    let out = s.run("apply", &["--force"]).await;
    assert!(out.status.success(), "{}", both(&out));
    let doc = s.document(s.id).await;
    assert_ne!(doc["firstMessage"], "Edited in VoxHive");
    assert!(doc["model"]["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("Greet callers politely."));
    s.app.stop().await;
}

#[tokio::test]
async fn a_wrong_token_or_server_is_named_without_showing_the_token() {
    let s = setup().await;
    let dir = s.dir.path().to_str().unwrap();
    let out = voxhive(&s.app, "vh_not-a-real-token", &["export", "--dir", dir]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("refused the API token") && err.contains("VOXHIVE_TOKEN"),
        "{err}"
    );
    assert!(!both(&out).contains("vh_not-a-real-token"), "{}", both(&out));
    assert!(files(s.dir.path()).is_empty(), "nothing written");

    let out = voxhive(
        &s.app,
        &s.token,
        &["plan", "--dir", dir, "--server", "http://127.0.0.1:1"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot reach VoxHive at http://127.0.0.1:1"),
        "{}",
        stderr(&out)
    );

    let out = voxhive(&s.app, "", &["plan", "--dir", dir]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no API token"), "{}", stderr(&out));
    s.app.stop().await;
}
