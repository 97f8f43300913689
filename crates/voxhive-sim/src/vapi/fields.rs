//! Top-level fields of the Vapi request bodies the simulator accepts, taken from `contracts/vapi-openapi.json`.
//!
//! The unit test below compares these tables with the document, so they cannot drift unnoticed.

use Kind::{Any, Arr, Bool, Num, Obj, Str};

/// The JSON type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Str,
    /// A number.
    Num,
    /// `true` or `false`.
    Bool,
    /// An array.
    Arr,
    /// An object.
    Obj,
    /// One of several types.
    Any,
}

/// One property of a request body.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Property name.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
    /// `maxLength` for strings.
    pub max_len: Option<u64>,
    /// Allowed values of a short string enum.
    pub one_of: Option<&'static [&'static str]>,
    /// Whether the body must have it.
    pub required: bool,
}

const fn f(
    name: &'static str,
    kind: Kind,
    max_len: Option<u64>,
    one_of: Option<&'static [&'static str]>,
    required: bool,
) -> Field {
    Field {
        name,
        kind,
        max_len,
        one_of,
        required,
    }
}

/// Top-level fields of `CreateAssistantDTO`.
pub const CREATE_ASSISTANT: &[Field] = &[
    f("transcriber", Obj, None, None, false),
    f("model", Obj, None, None, false),
    f("voice", Obj, None, None, false),
    f("firstMessage", Str, None, None, false),
    f("firstMessageInterruptionsEnabled", Bool, None, None, false),
    f(
        "firstMessageMode",
        Str,
        None,
        Some(&[
            "assistant-speaks-first",
            "assistant-speaks-first-with-model-generated-message",
            "assistant-waits-for-user",
        ]),
        false,
    ),
    f("voicemailDetection", Any, None, None, false),
    f("clientMessages", Arr, None, None, false),
    f("serverMessages", Arr, None, None, false),
    f("maxDurationSeconds", Num, None, None, false),
    f("backgroundSound", Str, None, None, false),
    f("modelOutputInMessagesEnabled", Bool, None, None, false),
    f("transportConfigurations", Arr, None, None, false),
    f("observabilityPlan", Obj, None, None, false),
    f("credentials", Arr, None, None, false),
    f("hooks", Arr, None, None, false),
    f("name", Str, Some(40), None, false),
    f("voicemailMessage", Str, Some(1000), None, false),
    f("endCallMessage", Str, Some(1000), None, false),
    f("endCallPhrases", Arr, None, None, false),
    f("compliancePlan", Obj, None, None, false),
    f("metadata", Obj, None, None, false),
    f("backgroundSpeechDenoisingPlan", Obj, None, None, false),
    f("analysisPlan", Obj, None, None, false),
    f("artifactPlan", Obj, None, None, false),
    f("startSpeakingPlan", Obj, None, None, false),
    f("stopSpeakingPlan", Obj, None, None, false),
    f("monitorPlan", Obj, None, None, false),
    f("credentialIds", Arr, None, None, false),
    f("server", Obj, None, None, false),
    f("keypadInputPlan", Obj, None, None, false),
];

/// Top-level fields of `UpdateAssistantDTO`.
pub const UPDATE_ASSISTANT: &[Field] = &[
    f("transcriber", Obj, None, None, false),
    f("model", Obj, None, None, false),
    f("voice", Obj, None, None, false),
    f("firstMessage", Str, None, None, false),
    f("firstMessageInterruptionsEnabled", Bool, None, None, false),
    f(
        "firstMessageMode",
        Str,
        None,
        Some(&[
            "assistant-speaks-first",
            "assistant-speaks-first-with-model-generated-message",
            "assistant-waits-for-user",
        ]),
        false,
    ),
    f("voicemailDetection", Any, None, None, false),
    f("clientMessages", Arr, None, None, false),
    f("serverMessages", Arr, None, None, false),
    f("maxDurationSeconds", Num, None, None, false),
    f("backgroundSound", Str, None, None, false),
    f("modelOutputInMessagesEnabled", Bool, None, None, false),
    f("transportConfigurations", Arr, None, None, false),
    f("observabilityPlan", Obj, None, None, false),
    f("credentials", Arr, None, None, false),
    f("hooks", Arr, None, None, false),
    f("name", Str, Some(40), None, false),
    f("voicemailMessage", Str, Some(1000), None, false),
    f("endCallMessage", Str, Some(1000), None, false),
    f("endCallPhrases", Arr, None, None, false),
    f("compliancePlan", Obj, None, None, false),
    f("metadata", Obj, None, None, false),
    f("backgroundSpeechDenoisingPlan", Obj, None, None, false),
    f("analysisPlan", Obj, None, None, false),
    f("artifactPlan", Obj, None, None, false),
    f("startSpeakingPlan", Obj, None, None, false),
    f("stopSpeakingPlan", Obj, None, None, false),
    f("monitorPlan", Obj, None, None, false),
    f("credentialIds", Arr, None, None, false),
    f("server", Obj, None, None, false),
    f("keypadInputPlan", Obj, None, None, false),
];

/// Top-level fields of `CreateCallDTO`.
pub const CREATE_CALL: &[Field] = &[
    f("assistantVersion", Str, None, None, false),
    f("transport", Obj, None, None, false),
    f("customers", Arr, None, None, false),
    f("name", Str, Some(40), None, false),
    f("schedulePlan", Obj, None, None, false),
    f("assistantId", Str, None, None, false),
    f("assistant", Obj, None, None, false),
    f("assistantOverrides", Obj, None, None, false),
    f("squadId", Str, None, None, false),
    f("squad", Obj, None, None, false),
    f("squadOverrides", Obj, None, None, false),
    f("workflowId", Str, None, None, false),
    f("workflow", Obj, None, None, false),
    f("workflowOverrides", Obj, None, None, false),
    f("phoneNumberId", Str, None, None, false),
    f("phoneNumber", Obj, None, None, false),
    f("customerId", Str, None, None, false),
    f("customer", Obj, None, None, false),
];

/// Fields of `VapiWebsocketTransport` (a `CreateCallDTO.transport`).
pub const WEBSOCKET_TRANSPORT: &[Field] = &[
    f("conversationType", Str, None, Some(&["voice"]), false),
    f("provider", Str, None, Some(&["vapi.websocket"]), true),
    f("audioFormat", Obj, None, None, false),
];

/// Fields of `AudioFormat`.
pub const AUDIO_FORMAT: &[Field] = &[
    f("sampleRate", Num, None, None, true),
    f("format", Str, None, Some(&["pcm_s16le", "mulaw"]), true),
    f("container", Str, None, Some(&["raw"]), false),
];

/// Fields of the live-call-control message `ClientInboundMessageControl`.
pub const CONTROL_MESSAGE: &[Field] = &[
    f("type", Str, None, Some(&["control"]), true),
    f(
        "control",
        Str,
        None,
        Some(&[
            "mute-assistant",
            "unmute-assistant",
            "mute-customer",
            "unmute-customer",
            "say-first-message",
        ]),
        true,
    ),
];

/// Fields of the live-call-control message `ClientInboundMessageSay`.
pub const SAY_MESSAGE: &[Field] = &[
    f("type", Str, None, Some(&["say"]), false),
    f("interruptAssistantEnabled", Bool, None, None, false),
    f("content", Str, None, None, false),
    f("endCallAfterSpoken", Bool, None, None, false),
    f("interruptionsEnabled", Bool, None, None, false),
];

/// Fields of the live-call-control message `ClientInboundMessageEndCall`.
pub const END_CALL_MESSAGE: &[Field] = &[f("type", Str, None, Some(&["end-call"]), true)];

/// Top-level fields of `UpdateCallDTO`.
pub const UPDATE_CALL: &[Field] = &[f("name", Str, Some(40), None, false)];

/// Top-level fields of `CreateVapiPhoneNumberDTO`.
pub const CREATE_VAPI_PHONE_NUMBER: &[Field] = &[
    f("fallbackDestination", Obj, None, None, false),
    f("hooks", Arr, None, None, false),
    f("provider", Str, None, Some(&["vapi"]), true),
    f("numberDesiredAreaCode", Str, Some(3), None, false),
    f("sipUri", Str, None, None, false),
    f("authentication", Obj, None, None, false),
    f("name", Str, Some(40), None, false),
    f("assistantId", Str, None, None, false),
    f("workflowId", Str, None, None, false),
    f("squadId", Str, None, None, false),
    f("server", Obj, None, None, false),
];

/// Top-level fields of `CreateTwilioPhoneNumberDTO`.
pub const CREATE_TWILIO_PHONE_NUMBER: &[Field] = &[
    f("fallbackDestination", Obj, None, None, false),
    f("hooks", Arr, None, None, false),
    f("provider", Str, None, Some(&["twilio"]), true),
    f("smsEnabled", Bool, None, None, false),
    f("number", Str, None, None, true),
    f("twilioAccountSid", Str, None, None, true),
    f("twilioAuthToken", Str, None, None, false),
    f("twilioApiKey", Str, None, None, false),
    f("twilioApiSecret", Str, None, None, false),
    f("name", Str, Some(40), None, false),
    f("assistantId", Str, None, None, false),
    f("workflowId", Str, None, None, false),
    f("squadId", Str, None, None, false),
    f("server", Obj, None, None, false),
];

/// Top-level fields of `UpdateVapiPhoneNumberDTO`.
pub const UPDATE_VAPI_PHONE_NUMBER: &[Field] = &[
    f("fallbackDestination", Obj, None, None, false),
    f("hooks", Arr, None, None, false),
    f("provider", Str, None, Some(&["vapi"]), false),
    f("name", Str, Some(40), None, false),
    f("assistantId", Str, None, None, false),
    f("workflowId", Str, None, None, false),
    f("squadId", Str, None, None, false),
    f("server", Obj, None, None, false),
    f("sipUri", Str, None, None, false),
    f("authentication", Obj, None, None, false),
];

/// Top-level fields of `UpdateTwilioPhoneNumberDTO`.
pub const UPDATE_TWILIO_PHONE_NUMBER: &[Field] = &[
    f("fallbackDestination", Obj, None, None, false),
    f("hooks", Arr, None, None, false),
    f("provider", Str, None, Some(&["twilio"]), false),
    f("smsEnabled", Bool, None, None, false),
    f("name", Str, Some(40), None, false),
    f("assistantId", Str, None, None, false),
    f("workflowId", Str, None, None, false),
    f("squadId", Str, None, None, false),
    f("server", Obj, None, None, false),
    f("number", Str, None, None, false),
    f("twilioAccountSid", Str, None, None, false),
    f("twilioAuthToken", Str, None, None, false),
    f("twilioApiKey", Str, None, None, false),
    f("twilioApiSecret", Str, None, None, false),
];

/// Top-level fields of `UpdateFileDTO`.
pub const UPDATE_FILE: &[Field] = &[f("name", Str, Some(40), None, false)];

/// Top-level fields of `AnalyticsQueryDTO`.
pub const ANALYTICS_QUERY: &[Field] = &[f("queries", Arr, None, None, true)];

/// Top-level fields of `CreateFunctionToolDTO`.
pub const CREATE_FUNCTION_TOOL: &[Field] = &[
    f("messages", Arr, None, None, false),
    f("type", Str, None, Some(&["function"]), true),
    f("async", Bool, None, None, false),
    f("server", Obj, None, None, false),
    f("variableExtractionPlan", Obj, None, None, false),
    f("parameters", Arr, None, None, false),
    f("function", Obj, None, None, false),
    f("rejectionPlan", Obj, None, None, false),
];

/// Top-level fields of `UpdateFunctionToolDTO`.
pub const UPDATE_FUNCTION_TOOL: &[Field] = &[
    f("messages", Arr, None, None, false),
    f("type", Str, None, Some(&["function"]), false),
    f("async", Bool, None, None, false),
    f("server", Obj, None, None, false),
    f("variableExtractionPlan", Obj, None, None, false),
    f("parameters", Arr, None, None, false),
    f("rejectionPlan", Obj, None, None, false),
    f("function", Obj, None, None, false),
];

/// Top-level fields of `CreateEndCallToolDTO`.
pub const CREATE_END_CALL_TOOL: &[Field] = &[
    f("messages", Arr, None, None, false),
    f("type", Str, None, Some(&["endCall"]), true),
    f("rejectionPlan", Obj, None, None, false),
];

/// Top-level fields of `UpdateEndCallToolDTO`.
pub const UPDATE_END_CALL_TOOL: &[Field] = &[
    f("messages", Arr, None, None, false),
    f("type", Str, None, Some(&["endCall"]), false),
    f("rejectionPlan", Obj, None, None, false),
];

/// Top-level fields of `CreateTransferCallToolDTO`.
pub const CREATE_TRANSFER_CALL_TOOL: &[Field] = &[
    f("messages", Arr, None, None, false),
    f("type", Str, None, Some(&["transferCall"]), true),
    f("destinations", Arr, None, None, false),
    f("rejectionPlan", Obj, None, None, false),
];

/// Top-level fields of `UpdateTransferCallToolDTO`.
pub const UPDATE_TRANSFER_CALL_TOOL: &[Field] = &[
    f("messages", Arr, None, None, false),
    f("type", Str, None, Some(&["transferCall"]), false),
    f("destinations", Arr, None, None, false),
    f("rejectionPlan", Obj, None, None, false),
];

/// Top-level fields of `CreateApiRequestToolDTO`.
pub const CREATE_API_REQUEST_TOOL: &[Field] = &[
    f("messages", Arr, None, None, false),
    f("type", Str, None, Some(&["apiRequest"]), true),
    f("name", Str, Some(40), None, false),
    f(
        "method",
        Str,
        None,
        Some(&["POST", "GET", "PUT", "PATCH", "DELETE"]),
        true,
    ),
    f("timeoutSeconds", Num, None, None, false),
    f("credentialId", Str, None, None, false),
    f("encryptedPaths", Arr, None, None, false),
    f("parameters", Arr, None, None, false),
    f("description", Str, None, None, false),
    f("url", Str, None, None, true),
    f("body", Obj, None, None, false),
    f("headers", Obj, None, None, false),
    f("backoffPlan", Obj, None, None, false),
    f("variableExtractionPlan", Obj, None, None, false),
    f("rejectionPlan", Obj, None, None, false),
];

/// Top-level fields of `UpdateApiRequestToolDTO`.
pub const UPDATE_API_REQUEST_TOOL: &[Field] = &[
    f("messages", Arr, None, None, false),
    f("type", Str, None, Some(&["apiRequest"]), false),
    f("name", Str, Some(40), None, false),
    f(
        "method",
        Str,
        None,
        Some(&["POST", "GET", "PUT", "PATCH", "DELETE"]),
        false,
    ),
    f("timeoutSeconds", Num, None, None, false),
    f("credentialId", Str, None, None, false),
    f("encryptedPaths", Arr, None, None, false),
    f("parameters", Arr, None, None, false),
    f("rejectionPlan", Obj, None, None, false),
    f("description", Str, None, None, false),
    f("url", Str, None, None, false),
    f("body", Obj, None, None, false),
    f("headers", Obj, None, None, false),
    f("backoffPlan", Obj, None, None, false),
    f("variableExtractionPlan", Obj, None, None, false),
];

/// Top-level fields of `CreateKnowledgeBaseV2DTO` and `UpdateKnowledgeBaseV2DTO` (`name` is
/// required on create only; `description` may be null).
pub const KNOWLEDGE_BASE: &[Field] = &[
    f("name", Str, Some(80), None, false),
    f("description", Any, None, None, false),
];

/// Top-level fields of `AttachKnowledgeBaseV2FileDTO`.
pub const ATTACH_KNOWLEDGE_BASE_FILE: &[Field] = &[f("fileId", Str, None, None, true)];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const TABLES: &[(&str, &[Field])] = &[
        ("CreateAssistantDTO", CREATE_ASSISTANT),
        ("UpdateAssistantDTO", UPDATE_ASSISTANT),
        ("CreateCallDTO", CREATE_CALL),
        ("UpdateCallDTO", UPDATE_CALL),
        ("CreateVapiPhoneNumberDTO", CREATE_VAPI_PHONE_NUMBER),
        ("CreateTwilioPhoneNumberDTO", CREATE_TWILIO_PHONE_NUMBER),
        ("UpdateVapiPhoneNumberDTO", UPDATE_VAPI_PHONE_NUMBER),
        ("UpdateTwilioPhoneNumberDTO", UPDATE_TWILIO_PHONE_NUMBER),
        ("UpdateFileDTO", UPDATE_FILE),
        ("AnalyticsQueryDTO", ANALYTICS_QUERY),
        ("CreateFunctionToolDTO", CREATE_FUNCTION_TOOL),
        ("UpdateFunctionToolDTO", UPDATE_FUNCTION_TOOL),
        ("CreateEndCallToolDTO", CREATE_END_CALL_TOOL),
        ("UpdateEndCallToolDTO", UPDATE_END_CALL_TOOL),
        ("CreateTransferCallToolDTO", CREATE_TRANSFER_CALL_TOOL),
        ("UpdateTransferCallToolDTO", UPDATE_TRANSFER_CALL_TOOL),
        ("CreateApiRequestToolDTO", CREATE_API_REQUEST_TOOL),
        ("UpdateApiRequestToolDTO", UPDATE_API_REQUEST_TOOL),
        ("VapiWebsocketTransport", WEBSOCKET_TRANSPORT),
        ("AudioFormat", AUDIO_FORMAT),
        ("ClientInboundMessageControl", CONTROL_MESSAGE),
        ("ClientInboundMessageSay", SAY_MESSAGE),
        ("ClientInboundMessageEndCall", END_CALL_MESSAGE),
    ];

    #[test]
    fn request_field_tables_match_the_contract() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/vapi-openapi.json");
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for (dto, fields) in TABLES {
            let schema = &doc["components"]["schemas"][dto];
            let mut listed: Vec<&str> = fields.iter().map(|f| f.name).collect();
            let mut props: Vec<&str> = schema["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            listed.sort_unstable();
            props.sort_unstable();
            assert_eq!(listed, props, "fields of {dto} drifted from the contract");
            for field in *fields {
                let required = schema["required"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|n| n == field.name));
                assert_eq!(field.required, required, "{dto}.{}", field.name);
                assert_eq!(
                    field.max_len,
                    schema["properties"][field.name]["maxLength"].as_u64(),
                    "{dto}.{}",
                    field.name
                );
                if let Some(allowed) = field.one_of {
                    let listed: Vec<&str> = schema["properties"][field.name]["enum"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    assert_eq!(allowed, listed, "enum of {dto}.{}", field.name);
                }
            }
        }
    }
}
