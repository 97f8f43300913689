//! What each role may and may not do.

use reqwest::StatusCode;
use voxhive_core::Role;

use crate::support::{assert_redirects_to, spawn_app, TestApp};

/// The membership id of `email` in the only workspace of this test.
async fn member_id(app: &TestApp, email: &str) -> i64 {
    let ws = app.store().workspace_by_name("Acme").await.unwrap().unwrap();
    app.store()
        .members(ws.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.email == email)
        .unwrap()
        .id
}

async fn role_of(app: &TestApp, email: &str) -> Option<Role> {
    let ws = app.store().workspace_by_name("Acme").await.unwrap().unwrap();
    app.store()
        .members(ws.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.email == email)
        .map(|m| m.role)
}

async fn team_of_four() -> TestApp {
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    app.add_user("admin@example.com", "Acme", Role::Admin).await;
    app.add_user("editor@example.com", "Acme", Role::Editor).await;
    app.add_user("viewer@example.com", "Acme", Role::Viewer).await;
    app
}

#[tokio::test]
async fn every_role_sees_every_page() {
    let app = team_of_four().await;
    for email in [
        "owner@example.com",
        "admin@example.com",
        "editor@example.com",
        "viewer@example.com",
    ] {
        let client = app.signed_in(email).await;
        for path in [
            "/usage",
            "/assistants",
            "/knowledge-base",
            "/tools",
            "/phone-numbers",
            "/webhooks",
            "/calls",
            "/analytics",
            "/settings/providers",
            "/settings/team",
            "/settings/tokens",
            "/start",
        ] {
            assert_eq!(app.page(&client, path).await.0, StatusCode::OK, "{email} {path}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn viewers_and_editors_cannot_manage_members() {
    let app = team_of_four().await;
    let target = member_id(&app, "viewer@example.com").await;
    for email in ["viewer@example.com", "editor@example.com"] {
        let client = app.signed_in(email).await;
        let (_, team) = app.page(&client, "/settings/team").await;
        assert!(
            !team.contains("Invite a member"),
            "{email} is not offered the invite form"
        );
        let invite = app
            .post_form(
                &client,
                "/settings/team/invite",
                &[("email", "x@example.com"), ("role", "viewer")],
            )
            .await;
        assert_eq!(invite.status(), StatusCode::FORBIDDEN, "{email} invite");
        let role = app
            .post_form(
                &client,
                &format!("/settings/team/members/{target}/role"),
                &[("role", "admin")],
            )
            .await;
        assert_eq!(role.status(), StatusCode::FORBIDDEN, "{email} role");
        let remove = app
            .post_form(&client, &format!("/settings/team/members/{target}/remove"), &[])
            .await;
        assert_eq!(remove.status(), StatusCode::FORBIDDEN, "{email} remove");
    }
    assert_eq!(role_of(&app, "viewer@example.com").await, Some(Role::Viewer));
    assert!(app
        .store()
        .user_by_email(&voxhive_core::Email::parse("x@example.com").unwrap())
        .await
        .unwrap()
        .is_none());
    app.stop().await;
}

#[tokio::test]
async fn admins_manage_members_but_not_owners() {
    let app = team_of_four().await;
    let client = app.signed_in("admin@example.com").await;
    let invite = app
        .post_form(
            &client,
            "/settings/team/invite",
            &[("email", "new@example.com"), ("role", "editor")],
        )
        .await;
    assert_redirects_to(&invite, "/settings/team");
    assert_eq!(role_of(&app, "new@example.com").await, Some(Role::Editor));

    let as_owner = app
        .post_form(
            &client,
            "/settings/team/invite",
            &[("email", "boss@example.com"), ("role", "owner")],
        )
        .await;
    assert_eq!(as_owner.status(), StatusCode::FORBIDDEN);

    let editor = member_id(&app, "editor@example.com").await;
    let res = app
        .post_form(
            &client,
            &format!("/settings/team/members/{editor}/role"),
            &[("role", "viewer")],
        )
        .await;
    assert_redirects_to(&res, "/settings/team");
    assert_eq!(role_of(&app, "editor@example.com").await, Some(Role::Viewer));
    let promote = app
        .post_form(
            &client,
            &format!("/settings/team/members/{editor}/role"),
            &[("role", "owner")],
        )
        .await;
    assert_eq!(promote.status(), StatusCode::FORBIDDEN);

    let owner = member_id(&app, "owner@example.com").await;
    let demote = app
        .post_form(
            &client,
            &format!("/settings/team/members/{owner}/role"),
            &[("role", "viewer")],
        )
        .await;
    assert_eq!(demote.status(), StatusCode::FORBIDDEN);
    let remove = app
        .post_form(&client, &format!("/settings/team/members/{owner}/remove"), &[])
        .await;
    assert_eq!(remove.status(), StatusCode::FORBIDDEN);
    assert_eq!(role_of(&app, "owner@example.com").await, Some(Role::Owner));

    let viewer = member_id(&app, "viewer@example.com").await;
    let remove = app
        .post_form(&client, &format!("/settings/team/members/{viewer}/remove"), &[])
        .await;
    assert_redirects_to(&remove, "/settings/team");
    assert_eq!(role_of(&app, "viewer@example.com").await, None);
    app.stop().await;
}

#[tokio::test]
async fn a_removed_member_loses_access_at_once() {
    let app = team_of_four().await;
    let viewer = app.signed_in("viewer@example.com").await;
    let token = app.token_for("viewer@example.com", "Acme").await;
    let owner = app.signed_in("owner@example.com").await;
    let id = member_id(&app, "viewer@example.com").await;
    assert_redirects_to(
        &app.post_form(&owner, &format!("/settings/team/members/{id}/remove"), &[])
            .await,
        "/settings/team",
    );

    let res = viewer.get(app.url("/usage")).send().await.unwrap();
    assert_redirects_to(&res, "/login?next=%2Fusage");
    let api = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn owners_manage_owners_and_the_last_owner_stays() {
    let app = team_of_four().await;
    let client = app.signed_in("owner@example.com").await;
    let me = member_id(&app, "owner@example.com").await;

    let demote = app
        .post_form(
            &client,
            &format!("/settings/team/members/{me}/role"),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(demote.status(), StatusCode::CONFLICT);
    assert!(demote.text().await.unwrap().contains("last owner"));
    let remove = app
        .post_form(&client, &format!("/settings/team/members/{me}/remove"), &[])
        .await;
    assert_eq!(remove.status(), StatusCode::CONFLICT);

    let admin = member_id(&app, "admin@example.com").await;
    assert_redirects_to(
        &app.post_form(
            &client,
            &format!("/settings/team/members/{admin}/role"),
            &[("role", "owner")],
        )
        .await,
        "/settings/team",
    );
    assert_redirects_to(
        &app.post_form(
            &client,
            &format!("/settings/team/members/{me}/role"),
            &[("role", "editor")],
        )
        .await,
        "/settings/team",
    );
    assert_eq!(role_of(&app, "owner@example.com").await, Some(Role::Editor));
    assert_eq!(role_of(&app, "admin@example.com").await, Some(Role::Owner));
    app.stop().await;
}

#[tokio::test]
async fn malformed_team_forms_are_answered_with_the_field_named() {
    let app = team_of_four().await;
    let client = app.signed_in("owner@example.com").await;
    let res = app
        .post_form(
            &client,
            "/settings/team/invite",
            &[("email", "not-an-address"), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("E-mail:") && body.contains("value=\"not-an-address\""),
        "the field is named and the input kept"
    );

    let res = app
        .post_form(
            &client,
            "/settings/team/invite",
            &[("email", "x@example.com"), ("role", "emperor")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Role:"));

    let res = app
        .post_form(
            &client,
            "/settings/team/invite",
            &[("email", "viewer@example.com"), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("already a member"));

    let res = app.post_form(&client, "/settings/tokens", &[("name", "   ")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("name"));

    let res = app
        .post_form(&client, "/workspace/switch", &[("workspace_id", "abc")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("workspace_id"));
    app.stop().await;
}

#[tokio::test]
async fn every_role_manages_its_own_api_tokens() {
    let app = team_of_four().await;
    let client = app.signed_in("viewer@example.com").await;
    let res = app
        .post_form(&client, "/settings/tokens", &[("name", "read-only script")])
        .await;
    assert_redirects_to(&res, "/settings/tokens");
    let (_, html) = app.page(&client, "/settings/tokens").await;
    let start = html.find("value=\"vh_").expect("the new token is shown once") + "value=\"".len();
    let token: String = html[start..].chars().take_while(|c| *c != '"').collect();

    let me: serde_json::Value = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "viewer");

    let (_, again) = app.page(&client, "/settings/tokens").await;
    assert!(!again.contains(&token), "the token is shown only once");
    assert!(again.contains(&format!("vh_…{}", &token[token.len() - 4..])));
    app.stop().await;
}
