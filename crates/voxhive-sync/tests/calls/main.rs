//! Call ingestion against the simulator over real HTTP, on SQLite or (with
//! VOXHIVE_TEST_DATABASE_URL) PostgreSQL: normalisation, webhook events, polling and the jobs.

#[path = "../support/mod.rs"]
mod support;

mod events;
mod jobs;
mod normalize;
mod poll;
mod world;
