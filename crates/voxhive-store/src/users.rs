//! Accounts: e-mail, display name and password hash.

use voxhive_core::time::{now_ms, Millis};
use voxhive_core::Email;

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// An account. `password_hash` is `None` until an invited user sets a password.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub created_at: Millis,
}

const COLUMNS: &str = "id, email, name, password_hash, created_at";

impl Store {
    /// Creates an account; `Duplicate` when the address is taken.
    #[tracing::instrument(skip(self, password_hash))]
    pub async fn create_user(&self, email: &Email, name: &str, password_hash: Option<&str>) -> StoreResult<User> {
        let now = now_ms();
        let sql = format!(
            "INSERT INTO users (email, name, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING {COLUMNS}"
        );
        let user = on_pool!(self, pool => sqlx::query_as::<_, User>(&sql)
            .bind(email.as_str()).bind(name).bind(password_hash).bind(now)
            .fetch_one(pool).await)?;
        Ok(user)
    }

    #[tracing::instrument(skip(self))]
    pub async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
        let user = on_pool!(self, pool => sqlx::query_as::<_, User>(&sql)
            .bind(email.as_str()).fetch_optional(pool).await)?;
        Ok(user)
    }

    #[tracing::instrument(skip(self))]
    pub async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        let user = on_pool!(self, pool => sqlx::query_as::<_, User>(&sql)
            .bind(id).fetch_optional(pool).await)?;
        Ok(user)
    }

    /// Sets a new password hash and signs the account out everywhere.
    #[tracing::instrument(skip(self, password_hash))]
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()> {
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash).bind(now).bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// How many accounts exist; zero means the first owner still has to be created.
    pub async fn count_users(&self) -> StoreResult<i64> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)?;
        Ok(n)
    }
}
