//! Sign-in, sign-out, sessions, CSRF and the sign-in rate limit.

use reqwest::StatusCode;
use voxhive_core::Role;

use crate::support::{assert_redirects_to, client, csrf_from, spawn_app, spawn_app_with, PASSWORD};

#[tokio::test]
async fn signing_in_lands_on_usage_and_signing_out_ends_the_session() {
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let client = client();

    let res = app.sign_in_as(&client, "Ada@Example.com", PASSWORD).await;
    assert_redirects_to(&res, "/usage");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("vh_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "not Secure without TLS: {cookie}");

    let (status, html) = app.page(&client, "/usage").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Usage &amp; Cost") && html.contains("ada@example.com"));

    let res = app.post_form(&client, "/logout", &[]).await;
    assert_redirects_to(&res, "/login");
    let res = client.get(app.url("/usage")).send().await.unwrap();
    assert_redirects_to(&res, "/login?next=%2Fusage");
    app.stop().await;
}

#[tokio::test]
async fn cookies_are_secure_when_configured_for_tls() {
    let app = spawn_app_with(|c| c.secure_cookies = true).await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let res = app.sign_in_as(&client(), "ada@example.com", PASSWORD).await;
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_generic_message() {
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let client = client();

    let wrong = app.sign_in_as(&client, "ada@example.com", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong = wrong.text().await.unwrap();
    let unknown = app.sign_in_as(&client, "nobody@example.com", "not the password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown = unknown.text().await.unwrap();

    assert!(wrong.contains("Incorrect e-mail or password."), "{wrong}");
    // The e-mail typed is kept in the form; nothing else tells the two apart.
    assert!(wrong.contains("value=\"ada@example.com\""));
    assert_eq!(
        wrong.replace("ada@example.com", "EMAIL"),
        unknown.replace("nobody@example.com", "EMAIL")
    );
    assert!(client
        .get(app.url("/usage"))
        .send()
        .await
        .unwrap()
        .status()
        .is_redirection());
    app.stop().await;
}

#[tokio::test]
async fn an_invited_account_without_a_password_cannot_sign_in() {
    let app = spawn_app().await;
    let email = voxhive_core::Email::parse("pending@example.com").unwrap();
    app.store().create_user(&email, "", None).await.unwrap();
    let res = app.sign_in_as(&client(), "pending@example.com", "").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn too_many_failures_for_one_account_are_refused_even_with_the_right_password() {
    let app = spawn_app_with(|c| {
        c.login_limit_per_account = 3;
        c.login_limit_per_ip = 100;
    })
    .await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    app.add_user("bob@example.com", "Acme", Role::Editor).await;
    let client = client();
    for _ in 0..3 {
        assert_eq!(
            app.sign_in_as(&client, "ada@example.com", "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let res = app.sign_in_as(&client, "ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.text().await.unwrap().contains("Too many failed sign-in attempts"));
    // Another account from the same address is not affected.
    assert_redirects_to(&app.sign_in_as(&client, "bob@example.com", PASSWORD).await, "/usage");
    app.stop().await;
}

#[tokio::test]
async fn too_many_failures_from_one_address_are_refused_for_every_account() {
    let app = spawn_app_with(|c| {
        c.login_limit_per_account = 100;
        c.login_limit_per_ip = 4;
    })
    .await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let client = client();
    for i in 0..4 {
        let res = app.sign_in_as(&client, &format!("guess{i}@example.com"), "guess").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.sign_in_as(&client, "ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

#[tokio::test]
async fn an_expired_session_sends_the_user_back_to_sign_in() {
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let client = app.signed_in("ada@example.com").await;
    assert_eq!(app.page(&client, "/usage").await.0, StatusCode::OK);

    app.execute_sql("UPDATE sessions SET expires_at = 0").await;
    let res = client.get(app.url("/settings/team")).send().await.unwrap();
    assert_redirects_to(&res, "/login?next=%2Fsettings%2Fteam");
    app.stop().await;
}

#[tokio::test]
async fn state_changing_requests_without_the_csrf_token_are_rejected() {
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let client = app.signed_in("ada@example.com").await;

    let missing = client
        .post(app.url("/settings/tokens"))
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(missing.text().await.unwrap().contains("reload the page"));
    let wrong = client
        .post(app.url("/settings/tokens"))
        .form(&[("csrf_token", "0".repeat(64).as_str()), ("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let wrong_header = client
        .post(app.url("/logout"))
        .header("X-CSRF-Token", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_header.status(), StatusCode::FORBIDDEN);
    assert!(
        app.store().api_tokens(1, 1).await.unwrap().is_empty(),
        "nothing was created"
    );

    // The right token in the htmx header is accepted.
    let (_, html) = app.page(&client, "/usage").await;
    let res = client
        .post(app.url("/settings/tokens"))
        .header("X-CSRF-Token", csrf_from(&html))
        .form(&[("name", "ci")])
        .send()
        .await
        .unwrap();
    assert_redirects_to(&res, "/settings/tokens");

    // Sign-in itself needs the token of the browser's own sign-in page.
    let stranger = client_without_cookies();
    let res = stranger
        .post(app.url("/login"))
        .form(&[("email", "ada@example.com"), ("password", crate::support::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

fn client_without_cookies() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let client = client();
    let (_, html) = app.page(&client, "/login").await;
    let csrf = csrf_from(&html);
    for next in ["//evil.example", "https://evil.example", "/\\evil.example"] {
        let res = client
            .post(app.url("/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_redirects_to(&res, "/usage");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_invitation_link_sets_a_password_once() {
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let admin = app.signed_in("ada@example.com").await;
    let res = app
        .post_form(
            &admin,
            "/settings/team/invite",
            &[("email", "new@example.com"), ("role", "viewer")],
        )
        .await;
    assert_redirects_to(&res, "/settings/team");
    let (_, html) = app.page(&admin, "/settings/team").await;
    let marker = "/set-password/";
    let start = html.find(marker).expect("the one-time link is shown");
    let token: String = html[start + marker.len()..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    let link = format!("/set-password/{token}");

    let invitee = client();
    let (status, page) = app.page(&invitee, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("new@example.com"));
    let csrf = csrf_from(&page);
    let short = invitee
        .post(app.url(&link))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("password", "short"),
            ("confirm", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    assert!(short.text().await.unwrap().contains("at least 10 characters"));
    let res = invitee
        .post(app.url(&link))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_redirects_to(&res, "/login?email=new%40example.com");
    assert_redirects_to(&app.sign_in_as(&invitee, "new@example.com", PASSWORD).await, "/usage");

    let again = client();
    let (status, page) = app.page(&again, &link).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("expired or was already used"));
    app.stop().await;
}
