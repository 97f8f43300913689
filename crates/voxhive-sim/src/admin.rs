//! The simulator's own admin API under `/__sim/`: read and set faults. Never faulted, never authenticated.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};

use crate::app::AppState;
use crate::config::Faults;

/// Admin routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/__sim/faults", get(show_faults).post(set_faults))
}

async fn show_faults(State(sim): State<AppState>) -> Json<Faults> {
    Json(sim.faults.lock().unwrap_or_else(|e| e.into_inner()).faults.clone())
}

async fn set_faults(
    State(sim): State<AppState>,
    Json(faults): Json<Faults>,
) -> Result<Json<Faults>, (StatusCode, String)> {
    if !(0.0..=1.0).contains(&faults.error_rate) {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "error_rate must be between 0 and 1".into(),
        ));
    }
    sim.faults.lock().unwrap_or_else(|e| e.into_inner()).faults = faults.clone();
    Ok(Json(faults))
}
