//! Fields each provider sets on an assistant and a client never sends back.

use serde_json::Value;

/// Vapi assistant fields, as paths from the document's root.
///
/// From `vapi-openapi.json`: the properties of `Assistant` (the GET response) that
/// `UpdateAssistantDTO` (the body of `PATCH /assistant/{id}`) lacks are exactly `id`, `orgId`,
/// `createdAt`, `updatedAt` and `latestVersion`. `isServerUrlSecretSet` is in neither schema:
/// older responses carry it, and it says whether a secret is set, which no client writes.
const VAPI: &[&[&str]] = &[
    &["id"],
    &["orgId"],
    &["createdAt"],
    &["updatedAt"],
    &["latestVersion"],
    &["isServerUrlSecretSet"],
];

/// ElevenLabs agent fields, as paths from the document's root.
///
/// From `elevenlabs-openapi.json`: the properties of `GetAgentResponseModel` (the answer to
/// `GET /v1/convai/agents/{agent_id}`) that the body of `PATCH /v1/convai/agents/{agent_id}`
/// (`Body_Patches_an_Agent_settings_v1_convai_agents__agent_id__patch`) lacks: `agent_id`,
/// `metadata` (`created_at_unix_secs`, `updated_at_unix_secs`), `access_info`, `version_id`,
/// `branch_id`, `main_branch_id`, `phone_numbers` and `whatsapp_accounts`. One level down,
/// `AgentPlatformSettingsResponseModel` has `safety` (`SafetyResponseModel`: whether the
/// agent is blocked) that `AgentPlatformSettingsRequestModel` lacks.
const ELEVENLABS: &[&[&str]] = &[
    &["agent_id"],
    &["metadata"],
    &["access_info"],
    &["version_id"],
    &["branch_id"],
    &["main_branch_id"],
    &["phone_numbers"],
    &["whatsapp_accounts"],
    &["platform_settings", "safety"],
];

/// A copy of an assistant document without the fields its provider (`"vapi"` or
/// `"elevenlabs"`) sets itself; any other provider's document comes back whole.
pub fn strip_read_only(provider: &str, doc: &Value) -> Value {
    let paths = match provider {
        "vapi" => VAPI,
        "elevenlabs" => ELEVENLABS,
        _ => &[],
    };
    let mut doc = doc.clone();
    for path in paths {
        remove(&mut doc, path);
    }
    doc
}

/// Removes the member at `path` when every object on the way is there.
fn remove(doc: &mut Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let parent = parents.iter().try_fold(doc, |value, key| value.get_mut(*key));
    if let Some(Value::Object(map)) = parent {
        map.remove(*last);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn vapi_ids_and_timestamps_are_stripped_and_the_rest_is_kept() {
        let doc = json!({
            "id": "3c1c3a5e-0d6e-4a1c-9d1e-2b8f0c6a7d10",
            "orgId": "org-1",
            "createdAt": "2026-01-02T03:04:05.000Z",
            "updatedAt": "2026-02-02T03:04:05.000Z",
            "latestVersion": null,
            "isServerUrlSecretSet": false,
            "name": "Riley",
            "metadata": {"id": "kept: only the top-level id is read-only"}
        });
        assert_eq!(
            strip_read_only("vapi", &doc),
            json!({"name": "Riley", "metadata": {"id": "kept: only the top-level id is read-only"}})
        );
    }

    #[test]
    fn elevenlabs_agent_metadata_and_safety_are_stripped() {
        let doc = json!({
            "agent_id": "agent_3701k3ttaq12ewp8b7qv5rfyszkz",
            "name": "Front desk",
            "metadata": {"created_at_unix_secs": 1, "updated_at_unix_secs": 2},
            "access_info": {"is_creator": true},
            "version_id": null, "branch_id": null, "main_branch_id": null,
            "phone_numbers": [], "whatsapp_accounts": [],
            "conversation_config": {"agent": {"first_message": "Hello"}},
            "platform_settings": {"safety": {"is_blocked_ivc": false}, "widget": {"variant": "full"}},
            "tags": ["support"]
        });
        assert_eq!(
            strip_read_only("elevenlabs", &doc),
            json!({
                "name": "Front desk",
                "conversation_config": {"agent": {"first_message": "Hello"}},
                "platform_settings": {"widget": {"variant": "full"}},
                "tags": ["support"]
            })
        );
    }

    #[test]
    fn an_unknown_provider_or_a_non_object_keeps_its_document_whole() {
        let doc = json!({"id": "x"});
        assert_eq!(strip_read_only("retell", &doc), doc);
        assert_eq!(strip_read_only("vapi", &json!([1])), json!([1]));
        assert_eq!(
            strip_read_only("elevenlabs", &json!({"platform_settings": null})),
            json!({"platform_settings": null})
        );
    }
}
