//! What a provider offers, so pages show only what a connection can do.

use serde::Serialize;

/// Feature flags of a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// Assistants (agents) can be listed, read, created, updated and deleted.
    pub assistants: bool,
    /// Calls (conversations) can be listed and read.
    pub calls: bool,
    /// Phone numbers can be listed, imported, assigned and released.
    pub phone_numbers: bool,
    /// Reusable tools can be managed.
    pub tools: bool,
    /// Files or a knowledge base can be managed.
    pub files: bool,
    /// The provider posts call events to a webhook.
    pub webhooks: bool,
    /// Outbound phone calls can be started through the API.
    pub outbound_calls: bool,
    /// Test calls can be made from a browser.
    pub browser_test_calls: bool,
}

impl Capabilities {
    /// Vapi: everything.
    pub const VAPI: Capabilities = Capabilities {
        assistants: true,
        calls: true,
        phone_numbers: true,
        tools: true,
        files: true,
        webhooks: true,
        outbound_calls: true,
        browser_test_calls: true,
    };

    /// ElevenLabs Agents: everything; calls are conversations, files are knowledge-base documents.
    pub const ELEVENLABS: Capabilities = Capabilities {
        assistants: true,
        calls: true,
        phone_numbers: true,
        tools: true,
        files: true,
        webhooks: true,
        outbound_calls: true,
        browser_test_calls: true,
    };
}
