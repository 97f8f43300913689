//! Calls, rollups, Call History search, Usage & Cost and the webhook event log, on SQLite or
//! (with `VOXHIVE_TEST_DATABASE_URL`) PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod analytics;
mod history;
mod phone_numbers;
mod properties;
mod provider_copies;
mod recording_archive;
mod retention;
mod upsert;
mod usage;
mod webhooks;
mod world;
