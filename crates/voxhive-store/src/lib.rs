//! The database: migrations for SQLite and PostgreSQL, and one repository API over both.
//!
//! Callers hold a [`Store`] and never learn which engine is below. Each repository module adds
//! methods to `Store` for one table family.

mod assistants;
mod audit;
mod connections;
mod db;
mod error;
mod login_failures;
mod members;
mod password_tokens;
mod secrets;
mod sessions;
mod tokens;
mod url;
mod users;
mod workspaces;

pub use assistants::{Assistant, AssistantFilter, AssistantState, Becomes, NewRevision, Revision};
pub use audit::AuditEntry;
pub use connections::{Connection, NewConnection};
pub use db::{Engine, PoolStats, Store, StoreOptions};
pub use error::{StoreError, StoreResult};
pub use members::Member;
pub use sessions::{NewSession, SessionRecord};
pub use tokens::{ApiToken, TokenOwner};
pub use url::DatabaseUrl;
pub use users::User;
pub use workspaces::{Workspace, WorkspaceRole};
