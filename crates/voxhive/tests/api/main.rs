//! Integration tests over real HTTP against the real server, on SQLite or (with
//! `VOXHIVE_TEST_DATABASE_URL`) PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod analytics;
mod assistants;
mod auth;
mod budgets;
mod call_sync;
mod calls;
mod cli;
mod config_as_code;
mod connections;
mod files;
mod isolation;
mod jobs;
mod json_api;
mod ops;
mod phone_numbers;
mod pointing;
mod recordings;
mod roles;
mod secrets;
mod test_calls;
mod tools;
mod usage;
mod webhook_tests;
mod webhooks;
