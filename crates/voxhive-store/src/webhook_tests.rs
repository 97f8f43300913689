//! Test deliveries sent to webhook URLs, the last [`TESTS_KEPT_PER_URL`] per URL; and the
//! deliveries VoxHive's own receivers got, listed without their bodies.

use voxhive_core::time::Millis;

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// How many test deliveries are kept per URL.
pub const TESTS_KEPT_PER_URL: i64 = 20;

/// A test delivery to record.
#[derive(Clone, Debug)]
pub struct NewWebhookTest<'a> {
    pub workspace_id: i64,
    pub user_id: Option<i64>,
    pub url: &'a str,
    pub event_type: &'a str,
    pub signed: bool,
    pub request_body: &'a str,
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    /// A JSON array of `[name, value]` pairs.
    pub response_headers: &'a str,
    pub response_body: &'a str,
    pub body_truncated: bool,
    pub problem: Option<&'a str>,
    pub sent_at: Millis,
}

/// A recorded test delivery.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookTest {
    pub id: i64,
    pub workspace_id: i64,
    pub url: String,
    pub event_type: String,
    pub signed: bool,
    pub request_body: String,
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    pub response_headers: String,
    pub response_body: String,
    pub body_truncated: bool,
    pub problem: Option<String>,
    pub sent_at: Millis,
}

/// A delivery a receiver got, without its body.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReceivedDelivery {
    pub id: i64,
    pub connection_id: i64,
    pub connection_label: String,
    pub provider: String,
    pub received_at: Millis,
    pub kind: String,
    /// `received`, `processed`, `rejected` or `failed`.
    pub status: String,
    pub reason: Option<String>,
    pub processed_at: Option<Millis>,
    /// The body's length in characters.
    pub size: i64,
}

const TEST_COLUMNS: &str = "id, workspace_id, url, event_type, signed, request_body, status_code, duration_ms, \
    response_headers, response_body, body_truncated, problem, sent_at";

impl Store {
    /// Records a test delivery and forgets that URL's older ones past the last
    /// [`TESTS_KEPT_PER_URL`]; returns its id.
    pub async fn record_webhook_test(&self, test: &NewWebhookTest<'_>) -> StoreResult<i64> {
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO webhook_tests (workspace_id, user_id, url, event_type, signed, request_body, status_code, \
                 duration_ms, response_headers, response_body, body_truncated, problem, sent_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id")
                .bind(test.workspace_id).bind(test.user_id).bind(test.url).bind(test.event_type).bind(test.signed)
                .bind(test.request_body).bind(test.status_code).bind(test.duration_ms).bind(test.response_headers)
                .bind(test.response_body).bind(test.body_truncated).bind(test.problem).bind(test.sent_at)
                .fetch_one(&mut *tx).await?;
            sqlx::query(
                "DELETE FROM webhook_tests WHERE workspace_id = $1 AND url = $2 AND id NOT IN \
                 (SELECT id FROM webhook_tests WHERE workspace_id = $1 AND url = $2 ORDER BY id DESC LIMIT $3)")
                .bind(test.workspace_id).bind(test.url).bind(TESTS_KEPT_PER_URL)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<i64, sqlx::Error>(id)
        })?;
        Ok(id)
    }

    /// A workspace's test deliveries, newest first: to one URL, or to any.
    pub async fn webhook_tests(
        &self,
        workspace_id: i64,
        url: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<WebhookTest>> {
        let condition = if url.is_some() { " AND url = $3" } else { "" };
        let sql = format!(
            "SELECT {TEST_COLUMNS} FROM webhook_tests WHERE workspace_id = $1{condition} ORDER BY id DESC LIMIT $2"
        );
        let rows = on_pool!(self, pool => {
            let query = sqlx::query_as::<_, WebhookTest>(&sql).bind(workspace_id).bind(limit);
            match url {
                Some(url) => query.bind(url),
                None => query,
            }
            .fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// One test delivery of a workspace.
    pub async fn webhook_test(&self, workspace_id: i64, id: i64) -> StoreResult<Option<WebhookTest>> {
        let sql = format!("SELECT {TEST_COLUMNS} FROM webhook_tests WHERE workspace_id = $1 AND id = $2");
        let row = on_pool!(self, pool => sqlx::query_as::<_, WebhookTest>(&sql)
            .bind(workspace_id).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The deliveries a workspace's receivers got (of one connection, if given), newest first,
    /// without their bodies.
    pub async fn received_deliveries(
        &self,
        workspace_id: i64,
        connection_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<ReceivedDelivery>> {
        let condition = if connection_id.is_some() {
            " AND e.connection_id = $3"
        } else {
            ""
        };
        let sql = format!(
            "SELECT e.id, e.connection_id, c.label AS connection_label, c.provider, e.received_at, e.kind, e.status, \
             e.reason, e.processed_at, CAST(LENGTH(e.body) AS BIGINT) AS size \
             FROM webhook_events e JOIN connections c ON c.id = e.connection_id \
             WHERE e.workspace_id = $1{condition} ORDER BY e.id DESC LIMIT $2"
        );
        let rows = on_pool!(self, pool => {
            let query = sqlx::query_as::<_, ReceivedDelivery>(&sql).bind(workspace_id).bind(limit);
            match connection_id {
                Some(id) => query.bind(id),
                None => query,
            }
            .fetch_all(pool).await
        })?;
        Ok(rows)
    }
}
