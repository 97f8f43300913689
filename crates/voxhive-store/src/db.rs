//! Opening the pool for either engine, migrating, health, and the dispatch macro.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::error::{StoreError, StoreResult};
use crate::url::DatabaseUrl;
use crate::write_gate::{WriteGate, WriteTurn};

/// The database engine behind a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// Pool sizing and timeouts.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub max_connections: u32,
    /// How long a request waits for a connection before the database counts as unavailable.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The handle every other crate uses to reach the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: Pool,
    /// Where this process's hot writers take turns (used on SQLite only).
    pub(crate) writes: Arc<WriteGate>,
}

/// Connections open and idle, for the metrics endpoint.
#[derive(Clone, Copy, Debug)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

/// Runs the same code on whichever pool the store holds: `on_pool!(self, pool => expr)`.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Whether a connection handed back to the pool can be used again. When a full disk (or another
/// I/O error) makes SQLite roll a transaction back by itself, sqlx's rollback then fails and it
/// keeps counting the transaction as open, so every later `BEGIN` on that connection would fail:
/// such a connection is closed instead of reused.
async fn still_usable(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::sqlite::SqliteTransactionManager;
    use sqlx::{Connection as _, TransactionManager as _};
    if SqliteTransactionManager::get_transaction_depth(conn) == 0 {
        return Ok(true);
    }
    // A transaction dropped without commit queued its rollback; the ping runs after it.
    conn.ping().await?;
    Ok(SqliteTransactionManager::get_transaction_depth(conn) == 0)
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens a pool; fails fast with a message naming the (masked) URL when unreachable.
    #[tracing::instrument(skip(options), fields(url = %url))]
    pub async fn connect(url: &DatabaseUrl, options: &StoreOptions) -> StoreResult<Self> {
        let unreachable =
            |err: sqlx::Error| StoreError::Config(format!("cannot open the database {url}: {}", describe(&err)));
        let pool = match url.engine() {
            Engine::Sqlite => {
                let connect = SqliteConnectOptions::from_str(url.expose())
                    .map_err(unreachable)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .after_release(|conn, _| Box::pin(still_usable(conn)))
                    .connect_with(connect)
                    .await
                    .map_err(unreachable)?;
                Pool::Sqlite(pool)
            }
            Engine::Postgres => {
                let connect = PgConnectOptions::from_str(url.expose()).map_err(unreachable)?;
                let pool = PgPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await
                    .map_err(unreachable)?;
                Pool::Postgres(pool)
            }
        };
        Ok(Self {
            pool,
            writes: Arc::default(),
        })
    }

    /// The turn to write a webhook delivery: before background writers (SQLite; none needed on
    /// PostgreSQL, whose writers do not exclude each other).
    pub(crate) async fn urgent_write_turn(&self) -> Option<WriteTurn<'_>> {
        match self.pool {
            Pool::Sqlite(_) => Some(self.writes.urgent().await),
            Pool::Postgres(_) => None,
        }
    }

    /// The turn for a background write, such as storing calls (SQLite; none on PostgreSQL).
    pub(crate) async fn background_write_turn(&self) -> Option<WriteTurn<'_>> {
        match self.pool {
            Pool::Sqlite(_) => Some(self.writes.background().await),
            Pool::Postgres(_) => None,
        }
    }

    /// Applies the embedded migrations of this engine.
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Answers only when the database answers a query.
    pub async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub fn pool_stats(&self) -> PoolStats {
        on_pool!(self, pool => PoolStats { size: pool.size(), idle: pool.num_idle() as u32 })
    }

    /// Closes every connection; used at shutdown so SQLite checkpoints its WAL.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

/// A one-line reason for a connection failure, without the driver's noise.
fn describe(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::PoolTimedOut => "timed out waiting for a connection".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn migrations_are_kept_in_step_across_engines() {
        assert_eq!(names("sqlite"), names("postgres"));
        assert_eq!(SQLITE_MIGRATIONS.iter().count(), POSTGRES_MIGRATIONS.iter().count());
    }

    #[tokio::test]
    async fn an_unreachable_postgres_fails_fast_with_the_password_masked() {
        let url = DatabaseUrl::parse("postgres://vox:hunter2hunter2@127.0.0.1:1/voxhive").unwrap();
        let err = Store::connect(&url, &StoreOptions::default())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("postgres://vox:****@127.0.0.1:1/voxhive"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
