//! Domain types and pure logic shared by every VoxHive crate.

pub mod crypto;
pub mod doc;
pub mod email;
pub mod ended_reason;
pub mod money;
pub mod password;
pub mod role;
pub mod secret;
pub mod time;

pub use email::Email;
pub use role::{Permission, Role};
