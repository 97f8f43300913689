//! Integration tests over real HTTP against the real server, on SQLite or (with
//! `VOXHIVE_TEST_DATABASE_URL`) PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod assistants;
mod auth;
mod cli;
mod config_as_code;
mod connections;
mod isolation;
mod jobs;
mod json_api;
mod ops;
mod roles;
mod secrets;
