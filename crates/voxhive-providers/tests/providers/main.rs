//! Integration tests of the provider clients against the simulator over real HTTP.

mod assistants;
mod calls;
mod contract;
mod errors;
mod faults;
mod resources;
mod support;
