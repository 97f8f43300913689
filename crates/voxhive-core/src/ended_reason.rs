//! Why calls end, grouped: Vapi's `endedReason` codes and ElevenLabs' free-text termination
//! reasons sorted into a few categories people reason about (the customer hung up, the assistant
//! ended it, something failed, a voicemail, nobody answered).

use serde::Serialize;

/// A group of ended reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReasonCategory {
    /// The customer hung up or never let the call go on (e.g. no microphone permission).
    Customer,
    /// The assistant ended the call: end-call phrase or tool, a hook, a transfer, a time limit.
    Assistant,
    /// A fault: the provider, a model, a voice or transcriber, the phone network, the set-up.
    Error,
    /// A voicemail answered.
    Voicemail,
    /// Nobody answered, the line was busy, or the call was rejected.
    NoAnswer,
    /// Anything else, and calls without a reason yet.
    Other,
}

impl ReasonCategory {
    /// Every category, in the order pages list them.
    pub const ALL: [ReasonCategory; 6] = [
        ReasonCategory::Customer,
        ReasonCategory::Assistant,
        ReasonCategory::Error,
        ReasonCategory::Voicemail,
        ReasonCategory::NoAnswer,
        ReasonCategory::Other,
    ];

    /// A stable key for CSS classes and URLs: `customer`, `no-answer`…
    pub fn key(self) -> &'static str {
        match self {
            ReasonCategory::Customer => "customer",
            ReasonCategory::Assistant => "assistant",
            ReasonCategory::Error => "error",
            ReasonCategory::Voicemail => "voicemail",
            ReasonCategory::NoAnswer => "no-answer",
            ReasonCategory::Other => "other",
        }
    }

    /// The category in words.
    pub fn label(self) -> &'static str {
        match self {
            ReasonCategory::Customer => "Customer ended",
            ReasonCategory::Assistant => "Assistant ended",
            ReasonCategory::Error => "Errors",
            ReasonCategory::Voicemail => "Voicemail",
            ReasonCategory::NoAnswer => "No answer",
            ReasonCategory::Other => "Other",
        }
    }
}

/// Vapi reasons that are faults without saying "error", "failed" or "fault".
const ERRORS: [&str; 8] = [
    "assistant-not-valid",
    "assistant-not-found",
    "assistant-request-returned-invalid-assistant",
    "assistant-request-returned-no-assistant",
    "assistant-join-timed-out",
    "worker-shutdown",
    "phone-call-provider-bypass-enabled-but-no-call-received",
    "phone-call-provider-closed-websocket",
];

/// Vapi reasons for a call nobody took.
const NO_ANSWER: [&str; 6] = [
    "customer-did-not-answer",
    "customer-busy",
    "call.forwarding.operator-busy",
    "call.forwarding.no-answer",
    "twilio-reported-customer-misdialed",
    "vonage-rejected",
];

/// The category of an ended reason: a Vapi `endedReason` code or an ElevenLabs termination
/// reason (free text such as "end_call tool was called." or "Client disconnected: 1000").
/// Unknown and empty reasons are [`ReasonCategory::Other`].
pub fn categorize(reason: &str) -> ReasonCategory {
    let r = reason.trim().to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| r.contains(w));
    if r.is_empty() {
        ReasonCategory::Other
    } else if r.contains("voicemail") {
        ReasonCategory::Voicemail
    } else if ERRORS.contains(&r.as_str())
        || r.starts_with("pipeline-")
        || has(&["error", "failed", "fault", "failure", "worker-died"])
    {
        ReasonCategory::Error
    } else if NO_ANSWER.contains(&r.as_str()) || has(&["not answered", "no answer", "no-answer", "busy"]) {
        ReasonCategory::NoAnswer
    } else if r.starts_with("customer-")
        || has(&[
            "caller-hungup",
            "client disconnected",
            "user",
            "customer",
            "caller",
            "remote party",
        ])
    {
        ReasonCategory::Customer
    } else if r.starts_with("assistant-")
        || has(&[
            "exceeded-max-duration",
            "silence-timed-out",
            "hook-executed",
            "end_call",
            "agent",
            "maximum duration",
            "timeout",
            "timed out",
        ])
    {
        ReasonCategory::Assistant
    } else {
        ReasonCategory::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReasonCategory::*;

    /// Vapi's `Call.endedReason` enum, from the contract.
    fn vapi_reasons() -> Vec<String> {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../contracts/vapi-openapi.json")).expect("the Vapi contract");
        let list = doc["components"]["schemas"]["Call"]["properties"]["endedReason"]["enum"]
            .as_array()
            .expect("the endedReason enum")
            .iter()
            .map(|v| v.as_str().expect("a code").to_string())
            .collect::<Vec<_>>();
        assert!(list.len() > 500, "the whole list: {}", list.len());
        list
    }

    /// Vapi reasons whose category is not given away by "error", "failed", "fault" or a
    /// `pipeline-` prefix, each with the category people expect.
    const EXPECTED: [(&str, ReasonCategory); 40] = [
        ("assistant-request-returned-invalid-assistant", Error),
        ("assistant-request-returned-no-assistant", Error),
        ("assistant-request-returned-forwarding-phone-number", Assistant),
        ("scheduled-call-deleted", Other),
        ("assistant-not-valid", Error),
        ("assistant-not-found", Error),
        ("worker-shutdown", Error),
        ("vonage-disconnected", Other),
        ("vonage-completed", Other),
        ("phone-call-provider-bypass-enabled-but-no-call-received", Error),
        ("call.in-progress.twilio-completed-call", Other),
        ("call.in-progress.sip-completed-call", Other),
        ("assistant-ended-call", Assistant),
        ("assistant-said-end-call-phrase", Assistant),
        ("assistant-ended-call-with-hangup-task", Assistant),
        ("assistant-ended-call-after-message-spoken", Assistant),
        ("assistant-forwarded-call", Assistant),
        ("assistant-join-timed-out", Error),
        ("customer-busy", NoAnswer),
        ("customer-ended-call", Customer),
        ("customer-ended-call-before-warm-transfer", Customer),
        ("customer-ended-call-after-warm-transfer-attempt", Customer),
        ("customer-ended-call-during-transfer", Customer),
        ("customer-did-not-answer", NoAnswer),
        ("customer-did-not-give-microphone-permission", Customer),
        ("exceeded-max-duration", Assistant),
        ("manually-canceled", Other),
        ("phone-call-provider-closed-websocket", Error),
        ("call.forwarding.operator-busy", NoAnswer),
        ("call.forwarding.no-answer", NoAnswer),
        ("silence-timed-out", Assistant),
        ("call.ringing.hook-executed-say", Assistant),
        ("call.ringing.hook-executed-transfer", Assistant),
        ("call.ending.hook-executed-say", Assistant),
        ("call.ending.hook-executed-transfer", Assistant),
        ("call.ringing.sip-inbound-caller-hungup-before-call-connect", Customer),
        ("twilio-reported-customer-misdialed", NoAnswer),
        ("vonage-rejected", NoAnswer),
        ("voicemail", Voicemail),
        ("call-deleted", Other),
    ];

    #[test]
    fn every_vapi_reason_has_the_expected_category() {
        let mut unexpected = Vec::new();
        for reason in vapi_reasons() {
            let expected = match EXPECTED.iter().find(|(r, _)| *r == reason) {
                Some((_, category)) => *category,
                None => {
                    let fault = ["error", "failed", "fault"].iter().any(|w| reason.contains(w));
                    assert!(
                        fault || reason.starts_with("pipeline-"),
                        "{reason} is neither a fault nor listed in EXPECTED"
                    );
                    Error
                }
            };
            if categorize(&reason) != expected {
                unexpected.push(format!("{reason}: {:?}, expected {expected:?}", categorize(&reason)));
            }
        }
        assert!(unexpected.is_empty(), "{unexpected:#?}");
    }

    #[test]
    fn every_listed_reason_is_a_real_vapi_reason() {
        let all = vapi_reasons();
        for (reason, _) in EXPECTED {
            assert!(all.iter().any(|r| r == reason), "{reason} is not in the contract");
        }
    }

    #[test]
    fn faults_that_mention_busy_or_voicemail_words_stay_faults_or_voicemail() {
        assert_eq!(
            categorize("pipeline-error-eleven-labs-system-busy-and-requested-upgrade"),
            Error
        );
        assert_eq!(
            categorize("call.start.error-subscription-concurrency-limit-reached"),
            Error
        );
        assert_eq!(categorize("twilio-failed-to-connect-call"), Error);
    }

    #[test]
    fn elevenlabs_termination_reasons_are_read_as_text() {
        assert_eq!(categorize("end_call tool was called."), Assistant);
        assert_eq!(categorize("Maximum duration reached."), Assistant);
        assert_eq!(categorize("Client disconnected: 1000"), Customer);
        assert_eq!(categorize("Voicemail detected."), Voicemail);
        assert_eq!(categorize("Call not answered."), NoAnswer);
        assert_eq!(categorize("Call ended by remote party"), Customer);
        assert_eq!(categorize("LLM error: rate limited"), Error);
        assert_eq!(categorize("Inactivity timeout"), Assistant);
    }

    #[test]
    fn empty_and_unknown_reasons_are_other() {
        assert_eq!(categorize(""), Other);
        assert_eq!(categorize("   "), Other);
        assert_eq!(categorize("something-new"), Other);
        assert_eq!(ReasonCategory::ALL.len(), 6);
        assert_eq!(NoAnswer.key(), "no-answer");
        assert_eq!(NoAnswer.label(), "No answer");
    }
}
