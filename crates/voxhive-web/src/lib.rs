//! The web server: server-rendered pages, the JSON API, sign-in, and operations endpoints.
//!
//! [`build_app`] returns the whole router; the binary serves it and tests drive it over HTTP.

pub mod api;
mod assets;
mod assistants;
pub mod auth;
mod budgets;
mod call_query;
mod connections;
mod delivery_tests;
mod error;
mod form;
mod format;
mod jobs;
mod knowledge;
mod nav;
mod ops;
mod pages;
mod period;
mod phone_numbers;
mod pointing;
mod provider_resources;
mod server_urls;
mod state;
mod test_calls;
mod tools;
mod views;
mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use error::{ApiError, AppError, AppResult};
pub use state::{AppState, WebConfig};
pub use webhooks::WEBHOOK_BODY_LIMIT;

/// The largest request body accepted by default.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// The largest request body of a knowledge-base upload: the largest file any provider takes,
/// with room for the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = voxhive_sync::UPLOAD_CAP_BYTES as usize + 1024 * 1024;

/// The whole application: pages, API, assets and operations endpoints, with their layers.
pub fn build_app(state: AppState) -> Router {
    let pages = Router::new()
        .merge(auth::router())
        .merge(pages::router())
        .fallback(|| async { AppError::NotFound.into_response() })
        .layer(from_fn_with_state(state.clone(), auth::session_layer));

    let app = Router::new()
        .nest("/api/v1", api::router())
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/assets/{name}", get(assets::serve_asset))
        .merge(webhooks::router())
        .merge(pages)
        .route_layer(from_fn(ops::track_metrics))
        .with_state(state);

    app.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %request_id)
            })
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(CatchPanicLayer::new())
            .layer(from_fn(ops::time_limit))
            .layer(CompressionLayer::new())
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .layer(from_fn(ops::security_headers)),
    )
}
