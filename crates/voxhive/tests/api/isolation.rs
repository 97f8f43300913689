//! Workspace isolation: a member of one workspace gets 404 for everything of another.

use reqwest::StatusCode;
use voxhive_core::Role;

use crate::support::{assert_redirects_to, spawn_app};

#[tokio::test]
async fn a_member_of_one_workspace_gets_404_for_every_route_of_another() {
    let app = spawn_app().await;
    app.add_user("alice@a.example", "Workspace A", Role::Owner).await;
    app.add_user("bob@b.example", "Workspace B", Role::Owner).await;
    app.add_user("carol@b.example", "Workspace B", Role::Viewer).await;
    let b = app.store().workspace_by_name("Workspace B").await.unwrap().unwrap();
    let carol = app
        .store()
        .members(b.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.email == "carol@b.example")
        .unwrap();
    let bob_client = app.signed_in("bob@b.example").await;
    assert_redirects_to(
        &app.post_form(&bob_client, "/settings/tokens", &[("name", "b's token")])
            .await,
        "/settings/tokens",
    );
    let bob = app
        .store()
        .user_by_email(&voxhive_core::Email::parse("bob@b.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    let b_token = app.store().api_tokens(b.id, bob.id).await.unwrap()[0].id;

    let alice = app.signed_in("alice@a.example").await;
    let b_id = b.id.to_string();
    let routes = [
        (
            format!("/settings/team/members/{}/role", carol.id),
            vec![("role", "admin")],
        ),
        (format!("/settings/team/members/{}/remove", carol.id), vec![]),
        (format!("/settings/tokens/{b_token}/revoke"), vec![]),
        ("/workspace/switch".to_string(), vec![("workspace_id", b_id.as_str())]),
    ];
    for (path, fields) in &routes {
        let res = app.post_form(&alice, path, fields).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Nothing of B changed, and nothing of B shows in A.
    let members = app.store().members(b.id).await.unwrap();
    assert_eq!(
        members.iter().find(|m| m.email == "carol@b.example").unwrap().role,
        Role::Viewer
    );
    assert_eq!(app.store().api_tokens(b.id, bob.id).await.unwrap().len(), 1);
    let (_, team) = app.page(&alice, "/settings/team").await;
    assert!(!team.contains("bob@b.example") && !team.contains("carol@b.example"));

    // The API token of A sees A only.
    let token = app.token_for("alice@a.example", "Workspace A").await;
    let me: serde_json::Value = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["workspace"]["name"], "Workspace A");
    app.stop().await;
}

#[tokio::test]
async fn a_member_of_two_workspaces_switches_between_them() {
    let app = spawn_app().await;
    app.add_user("alice@a.example", "Workspace A", Role::Owner).await;
    app.add_user("alice@a.example", "Workspace B", Role::Viewer).await;
    let b = app.store().workspace_by_name("Workspace B").await.unwrap().unwrap();
    let client = app.signed_in("alice@a.example").await;
    let (_, page) = app.page(&client, "/settings/team").await;
    assert!(page.contains("workspace-select"), "the switcher is shown");
    assert!(page.contains("Invite a member"), "owner of A");

    let res = app
        .post_form(&client, "/workspace/switch", &[("workspace_id", &b.id.to_string())])
        .await;
    assert_redirects_to(&res, "/usage");
    let (_, page) = app.page(&client, "/settings/team").await;
    assert!(!page.contains("Invite a member"), "viewer of B");
    let res = app
        .post_form(
            &client,
            "/settings/team/invite",
            &[("email", "x@example.com"), ("role", "viewer")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}
