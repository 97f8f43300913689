//! Database URLs: the engine comes from the scheme, and the password never reaches a log.

use std::fmt;

use crate::db::Engine;
use crate::error::StoreError;

/// A database URL whose `Display` and `Debug` mask the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    engine: Engine,
}

impl DatabaseUrl {
    /// Parses a `sqlite:` or `postgres://` URL.
    pub fn parse(raw: &str) -> Result<Self, StoreError> {
        let engine = if raw.starts_with("sqlite:") {
            Engine::Sqlite
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL {}: use sqlite:PATH or postgres://USER:PASSWORD@HOST/DB",
                mask_password(raw)
            )));
        };
        Ok(Self {
            raw: raw.to_string(),
            engine,
        })
    }

    /// A SQLite URL for a file path, created if missing.
    pub fn sqlite_file(path: &std::path::Path) -> Self {
        Self {
            raw: format!("sqlite://{}?mode=rwc", path.display()),
            engine: Engine::Sqlite,
        }
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The URL with its password: only for the driver.
    pub(crate) fn expose(&self) -> &str {
        &self.raw
    }
}

/// Replaces the password of `scheme://user:password@host` with `****`.
fn mask_password(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return raw.to_string();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return raw.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:****@{host}"),
        None => raw.to_string(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_password(&self.raw))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_masks_the_password() {
        let url = DatabaseUrl::parse("postgres://vox:s3cret@db.internal:5432/voxhive").unwrap();
        assert_eq!(url.to_string(), "postgres://vox:****@db.internal:5432/voxhive");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(url.engine(), Engine::Postgres);
    }

    #[test]
    fn engine_comes_from_the_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/voxhive.db").unwrap().engine(),
            Engine::Sqlite
        );
        let err = DatabaseUrl::parse("mysql://root:pw@x/db").unwrap_err().to_string();
        assert!(err.contains("mysql://root:****@x/db"), "{err}");
    }
}
