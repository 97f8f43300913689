//! The `voxhive` binary's library half: configuration, start-up and the admin verbs, so that
//! integration tests run exactly the wiring that `voxhive serve` runs.

pub mod admin;
pub mod config;
pub mod config_as_code;
pub mod demo;
pub mod logging;
pub mod master_key;
pub mod server;

pub use config::Config;
pub use server::{open_store, start, Running};

/// mimalloc rather than glibc's malloc: under a flood of webhook deliveries the server allocates
/// on both cores at once, and glibc's arena locks and consolidation cost a tenth of the CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
