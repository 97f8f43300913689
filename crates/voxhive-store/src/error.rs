//! The store's error type.

/// What can go wrong in the database layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the row; carries the constraint or column.
    #[error("already exists: {0}")]
    Duplicate(String),
    /// The configuration cannot work (bad URL, unwritable file).
    #[error("{0}")]
    Config(String),
    /// The database could not be reached or answered with an error.
    #[error(transparent)]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Results of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                return StoreError::Duplicate(db.constraint().unwrap_or(db.message()).to_string());
            }
        }
        StoreError::Database(err)
    }
}

impl StoreError {
    /// Whether the database itself is unreachable or overloaded (as opposed to a bad query):
    /// no connection to be had, a connection lost, or PostgreSQL shutting down, starting up or
    /// out of connections.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::Tls(_),
            ) => true,
            _ => self
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57P") || code == "53300"),
        }
    }

    /// Whether the same statement may well succeed later: the database was unavailable, out of
    /// disk space or held up by other transactions, rather than refusing this data.
    pub fn is_transient(&self) -> bool {
        self.is_unavailable() || self.is_disk_full() || self.is_contention()
    }

    /// Whether other transactions were in the way: a deadlock or serialization victim, a lock
    /// not granted within PostgreSQL's `lock_timeout` (55P03), or SQLite still busy or locked
    /// when its busy timeout ran out (`SQLITE_BUSY`, `SQLITE_LOCKED` and their extended codes).
    pub fn is_contention(&self) -> bool {
        self.is_deadlock()
            || self
                .code()
                .is_some_and(|code| matches!(&*code, "55P03" | "5" | "6" | "261" | "262" | "517" | "773"))
    }

    /// Whether PostgreSQL rolled the transaction back to break a deadlock or a serialization
    /// conflict: run again, it succeeds.
    pub fn is_deadlock(&self) -> bool {
        self.code().is_some_and(|code| code == "40P01" || code == "40001")
    }

    /// Whether the database could not write for lack of disk space (SQLite's `SQLITE_FULL`,
    /// PostgreSQL's `disk_full`).
    pub fn is_disk_full(&self) -> bool {
        self.code().is_some_and(|code| code == "13" || code == "53100")
    }

    /// The database's own code for the error: PostgreSQL's SQLSTATE, SQLite's result code.
    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => db.code(),
            _ => None,
        }
    }
}
