//! `/jobs/{id}/events`: a job's progress as server-sent events, until it finishes.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{self, Stream};

use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::jobs::JobView;
use crate::AppState;

/// How often the job is looked at while someone watches it.
const STEP: Duration = Duration::from_millis(250);

/// Where the stream stands: the last state sent, and whether the end was sent.
struct Watch {
    last: Option<(String, i64, Option<i64>)>,
    ended: bool,
}

/// Sends a `progress` event whenever the job moves, the last one when it finishes.
pub async fn job_events(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let workspace_id = auth.workspace_id();
    state.store.job(workspace_id, id).await?.ok_or(AppError::NotFound)?;
    let watch = Watch {
        last: None,
        ended: false,
    };
    let events = stream::unfold(watch, move |mut watch| {
        let state = state.clone();
        async move {
            if watch.ended {
                return None;
            }
            loop {
                let job = match state.store.job(workspace_id, id).await {
                    Ok(Some(job)) => job,
                    Ok(None) | Err(_) => return None,
                };
                let now = (job.status.clone(), job.progress, job.total);
                if watch.last.as_ref() != Some(&now) {
                    watch.last = Some(now);
                    watch.ended = job.is_finished();
                    let event = Event::default()
                        .event("progress")
                        .json_data(JobView::of(&job))
                        .unwrap_or_default();
                    return Some((Ok(event), watch));
                }
                tokio::time::sleep(STEP).await;
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
