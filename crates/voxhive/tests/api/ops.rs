//! Operations endpoints: health, metrics, request ids, assets.

use reqwest::StatusCode;

use crate::support::spawn_app;

#[tokio::test]
async fn healthz_answers_200_while_the_database_answers_and_503_when_it_does_not() {
    let app = spawn_app().await;
    let res = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["database"], crate::support::engine());

    app.store().close().await;
    let res = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["status"], "unavailable");
    // Pages answer a clear 503 too, rather than an opaque 500.
    let res = reqwest::get(app.url("/login")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "the sign-in page needs no database");
    let res = reqwest::Client::new()
        .get(app.url("/usage"))
        .header("cookie", "vh_session=abc")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_show_the_pool() {
    let app = spawn_app().await;
    for _ in 0..3 {
        reqwest::get(app.url("/healthz")).await.unwrap();
    }
    reqwest::get(app.url("/settings/team")).await.unwrap();
    let text = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    let healthz = text
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total") && l.contains("route=\"/healthz\"") && l.contains("status=\"200\"")
        })
        .expect("a counter for /healthz");
    let count: f64 = healthz.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 3.0, "{healthz}");
    assert!(text.contains("route=\"/settings/team\"") && text.contains("status=\"303\""));
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(text.contains("db_pool_connections"));
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_security_headers() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let res = http.get(app.url("/login")).send().await.unwrap();
    assert!(res.headers().get("x-request-id").is_some_and(|v| v.len() >= 32));
    assert!(res
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
    assert_eq!(res.headers().get("x-frame-options").unwrap(), "DENY");
    let res = http
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers().get("x-request-id").unwrap(), "trace-me-42");
    app.stop().await;
}

#[tokio::test]
async fn assets_are_embedded_compressed_and_cached_by_version() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let login = http.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let start = login.find("/assets/app.css?v=").unwrap();
    let url: String = login[start..].chars().take_while(|c| *c != '"').collect();
    let res = http
        .get(app.url(&url))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get("content-encoding").unwrap(), "gzip");
    assert!(res
        .headers()
        .get("cache-control")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("immutable"));
    let stale = http.get(app.url("/assets/app.css?v=old")).send().await.unwrap();
    assert!(!stale
        .headers()
        .get("cache-control")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert_eq!(
        http.get(app.url("/assets/nope.js")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_pages_answer_a_404_page() {
    let app = spawn_app().await;
    let res = reqwest::get(app.url("/no/such/page")).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("Not found"));
    app.stop().await;
}
