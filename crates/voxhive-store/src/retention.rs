//! Retention: deletes the transcripts and recordings of a workspace's calls older than its
//! setting. Costs, durations, outcomes and the provider's analysis stay, so Usage & Cost and
//! Call History keep working; a later poll or webhook never brings the contents back.

use serde_json::Value;
use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// Keys of a provider's call document that carry what was said or recorded (Vapi calls and
/// ElevenLabs conversations): removed from the stored document when its contents are purged.
const CONTENT_KEYS: [&str; 7] = [
    "artifact",
    "messages",
    "transcript",
    "recordingUrl",
    "stereoRecordingUrl",
    "has_audio",
    "has_user_audio",
];

/// A call whose contents were deleted, with its archived recording for the caller to delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurgedCall {
    pub id: i64,
    /// Where the archive kept its recording, if it did.
    pub recording_key: Option<String>,
}

/// A document without the keys that carry the call's contents.
pub fn without_contents(document: &str) -> String {
    match serde_json::from_str::<Value>(document) {
        Ok(Value::Object(mut map)) => {
            for key in CONTENT_KEYS {
                map.remove(key);
            }
            Value::Object(map).to_string()
        }
        _ => "{}".to_owned(),
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    document: String,
    recording_key: Option<String>,
}

impl Store {
    /// Deletes the transcript and recording of up to `limit` calls of a workspace that started
    /// before `before`, oldest first; returns them (fewer than `limit`: nothing is left).
    pub async fn purge_call_contents(
        &self,
        workspace_id: i64,
        before: Millis,
        limit: i64,
    ) -> StoreResult<Vec<PurgedCall>> {
        let now = now_ms();
        let purged: Vec<Row> = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT id, document, recording_key FROM calls WHERE workspace_id = $1 AND started_at < $2 \
                 AND contents_purged_at IS NULL ORDER BY started_at, id LIMIT $3")
                .bind(workspace_id).bind(before).bind(limit).fetch_all(&mut *tx).await?;
            for row in &rows {
                sqlx::query(
                    "UPDATE calls SET transcript_text = NULL, transcript = NULL, recording_url = NULL, \
                     recording_key = NULL, document = $1, contents_purged_at = $2 WHERE id = $3")
                    .bind(without_contents(&row.document)).bind(now).bind(row.id)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            rows
        });
        Ok(purged
            .into_iter()
            .map(|r| PurgedCall {
                id: r.id,
                recording_key: r.recording_key,
            })
            .collect())
    }

    /// The workspaces with a retention setting, with it in days.
    pub async fn workspaces_with_retention(&self) -> StoreResult<Vec<(i64, i64)>> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (i64, i64)>(
            "SELECT id, retention_days FROM workspaces WHERE retention_days IS NOT NULL ORDER BY id")
            .fetch_all(pool).await)?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_are_removed_and_the_rest_is_kept() {
        let doc = r#"{"id":"c1","cost":0.12,"artifact":{"transcript":"hi"},"messages":[],"analysis":{"summary":"s"}}"#;
        let kept: Value = serde_json::from_str(&without_contents(doc)).unwrap();
        assert_eq!(
            kept,
            serde_json::json!({"id": "c1", "cost": 0.12, "analysis": {"summary": "s"}})
        );
        assert_eq!(without_contents("not json"), "{}");
    }
}
