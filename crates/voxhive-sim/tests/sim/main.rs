//! Integration tests of the provider simulator over real HTTP.

mod behaviour;
mod contract_elevenlabs;
mod contract_vapi;
mod determinism;
mod faults;
mod helpers;
mod live_calls;
mod live_control;
mod rejections;
mod schema;
mod websocket_calls;
