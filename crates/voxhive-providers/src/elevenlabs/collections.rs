//! Where each ElevenLabs resource lives, how its items are keyed, and which of its fields are read-only.

use crate::{ProviderKind, Resource};

/// What a cursor listing reads and where.
#[derive(Debug, Clone, Copy)]
pub(super) struct Collection {
    pub resource: Resource,
    pub path: &'static str,
    /// The key of the page's item array (`agents`, `conversations`…); phone numbers come as a bare array.
    pub items_key: &'static str,
    /// The key of each item's id.
    pub id_key: &'static str,
    /// Whether list items are whole documents rather than summaries.
    pub complete: bool,
}

/// The most items ElevenLabs returns per list request.
pub(super) const MAX_PAGE: u32 = 100;
pub(super) const EL: ProviderKind = ProviderKind::ElevenLabs;

pub(super) const AGENTS: Collection = Collection {
    resource: Resource::Assistants,
    path: "/v1/convai/agents",
    items_key: "agents",
    id_key: "agent_id",
    complete: false,
};
pub(super) const CONVERSATIONS: Collection = Collection {
    resource: Resource::Calls,
    path: "/v1/convai/conversations",
    items_key: "conversations",
    id_key: "conversation_id",
    complete: false,
};
pub(super) const PHONE_NUMBERS: Collection = Collection {
    resource: Resource::PhoneNumbers,
    path: "/v1/convai/phone-numbers",
    items_key: "",
    id_key: "phone_number_id",
    complete: true,
};
pub(super) const TOOLS: Collection = Collection {
    resource: Resource::Tools,
    path: "/v1/convai/tools",
    items_key: "tools",
    id_key: "id",
    complete: true,
};
pub(super) const DOCUMENTS: Collection = Collection {
    resource: Resource::Files,
    path: "/v1/convai/knowledge-base",
    items_key: "documents",
    id_key: "id",
    complete: false,
};

/// The collection of a resource.
pub(super) fn collection(resource: Resource) -> Collection {
    match resource {
        Resource::Assistants => AGENTS,
        Resource::Calls => CONVERSATIONS,
        Resource::PhoneNumbers => PHONE_NUMBERS,
        Resource::Tools => TOOLS,
        Resource::Files => DOCUMENTS,
    }
}

/// Fields of the documents `get` returns that the create and update bodies do not take.
pub(super) fn read_only(resource: Resource, creating: bool) -> &'static [&'static str] {
    const AGENT: &[&str] = &[
        "agent_id",
        "metadata",
        "phone_numbers",
        "whatsapp_accounts",
        "access_info",
        "version_id",
        "branch_id",
        "main_branch_id",
    ];
    const AGENT_CREATE: &[&str] = &[
        "agent_id",
        "metadata",
        "phone_numbers",
        "whatsapp_accounts",
        "access_info",
        "version_id",
        "branch_id",
        "main_branch_id",
        "procedures",
        "version_description",
    ];
    const PHONE: &[&str] = &[
        "phone_number_id",
        "assigned_agent",
        "inbound_trunk",
        "outbound_trunk",
        "provider_config",
    ];
    const PHONE_UPDATE: &[&str] = &[
        "phone_number_id",
        "assigned_agent",
        "inbound_trunk",
        "outbound_trunk",
        "provider_config",
        "phone_number",
        "provider",
        "supports_inbound",
        "supports_outbound",
    ];
    const DOCUMENT: &[&str] = &[
        "id",
        "type",
        "metadata",
        "access_info",
        "supported_usages",
        "folder_path",
        "folder_parent_id",
        "dependent_agents",
        "auto_sync_info",
        "active_sync_job",
        "children_count",
        "content_format",
        "document_count",
        "external_sync_info",
        "extracted_inner_html",
        "filename",
        "is_frozen",
        "refresh_status",
    ];
    match (resource, creating) {
        (Resource::Assistants, true) => AGENT_CREATE,
        (Resource::Assistants, false) => AGENT,
        (Resource::PhoneNumbers, true) => PHONE,
        (Resource::PhoneNumbers, false) => PHONE_UPDATE,
        (Resource::Tools, _) => &["id", "access_info", "usage_stats"],
        (Resource::Files, true) => &["id"],
        (Resource::Files, false) => DOCUMENT,
        (Resource::Calls, _) => &[],
    }
}
