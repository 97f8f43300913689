//! The database: migrations for SQLite and PostgreSQL, and one repository API over both.
//!
//! Callers hold a [`Store`] and never learn which engine is below. Each repository module adds
//! methods to `Store` for one table family.

mod analytics;
mod assistants;
mod audit;
mod budgets;
mod call_detail;
mod call_search;
mod call_sync;
mod calls;
mod connections;
mod db;
mod error;
mod jobs;
mod knowledge_files;
mod login_failures;
mod members;
mod password_tokens;
mod phone_numbers;
mod recording_archive;
mod retention;
mod rollup_doctor;
mod rollups;
mod search_text;
mod secrets;
mod sessions;
mod sql_args;
mod test_calls;
mod tokens;
mod tools;
mod url;
mod usage;
mod users;
mod webhook_events;
mod webhook_tests;
mod workspaces;
mod write_gate;

pub use analytics::{
    AssistantFigures, AssistantRef, Concurrency, CostGrowth, DailyPerformance, HourPeak, ReasonCategoryCount,
    WeekHours, MAX_CONCURRENCY_DAYS,
};
pub use assistants::{Assistant, AssistantFilter, AssistantState, Becomes, NewRevision, Revision};
pub use audit::AuditEntry;
pub use budgets::{Budget, BudgetAlert, BudgetScope, WorkspaceSettings};
pub use call_detail::Call;
pub use call_search::{CallCursor, CallFilter, CallPage, CallRow, CallSort, Outcome};
pub use call_sync::CallSyncState;
pub use calls::{NewCall, Upserted};
pub use connections::{Connection, NewConnection};
pub use db::{Engine, PoolStats, Store, StoreOptions};
pub use error::{StoreError, StoreResult};
pub use jobs::{Job, PollTarget, MAX_ATTEMPTS};
pub use knowledge_files::{KnowledgeFile, NewKnowledgeFile};
pub use members::Member;
pub use phone_numbers::{NewPhoneNumber, PhoneNumber};
pub use recording_archive::{RecordingToArchive, RECORDING_ARCHIVE_MAX_ATTEMPTS};
pub use retention::PurgedCall;
pub use rollup_doctor::{RollupCheck, RollupDifference};
pub use rollups::CallTotals;
pub use sessions::{NewSession, SessionRecord};
pub use test_calls::{NewTestCall, TestCall};
pub use tokens::{ApiToken, TokenOwner};
pub use tools::{NewTool, Tool};
pub use url::DatabaseUrl;
pub use usage::{DailyComponents, ReasonCount, Usage, UsageGroup, UsageGroupBy, UsageKey, UsageQuery};
pub use users::User;
pub use webhook_events::{
    EventOutcome, NewWebhookEvent, WebhookEvent, WebhookStatus, WebhookTarget, WEBHOOK_MAX_ATTEMPTS,
};
pub use webhook_tests::{NewWebhookTest, ReceivedDelivery, WebhookTest, TESTS_KEPT_PER_URL};
pub use workspaces::{Workspace, WorkspaceRole};
