//! How seeded calls end: Vapi `endedReason`s weighted as real traffic, and what each implies for the call.

use rand::Rng;

/// What an ended reason means for the rest of the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The whole dialogue was spoken.
    Complete,
    /// The call stopped part-way through the dialogue.
    Partial,
    /// A voicemail greeting answered; the assistant left a message.
    Voicemail,
    /// Nobody answered; nothing was said.
    Unanswered,
    /// The call ran to the assistant's maximum duration.
    MaxDuration,
}

/// One possible end of a call.
#[derive(Debug)]
pub struct Outcome {
    /// Vapi's `endedReason` (from the `Call.endedReason` enum of the contract).
    pub reason: &'static str,
    /// Relative frequency among calls that can end this way.
    pub weight: u32,
    /// What the reason implies.
    pub shape: Shape,
    /// Whether only outbound calls end this way.
    pub outbound_only: bool,
}

const fn o(reason: &'static str, weight: u32, shape: Shape, outbound_only: bool) -> Outcome {
    Outcome {
        reason,
        weight,
        shape,
        outbound_only,
    }
}

/// Ended reasons with their weights, most frequent first.
pub const OUTCOMES: &[Outcome] = &[
    o("customer-ended-call", 380, Shape::Complete, false),
    o("assistant-ended-call", 140, Shape::Complete, false),
    o("assistant-said-end-call-phrase", 90, Shape::Complete, false),
    o("assistant-forwarded-call", 40, Shape::Complete, false),
    o("silence-timed-out", 70, Shape::Partial, false),
    o("customer-did-not-answer", 110, Shape::Unanswered, true),
    o("voicemail", 60, Shape::Voicemail, true),
    o("customer-busy", 30, Shape::Unanswered, true),
    o("assistant-ended-call-after-message-spoken", 15, Shape::Complete, false),
    o("exceeded-max-duration", 8, Shape::MaxDuration, false),
    o("manually-canceled", 6, Shape::Partial, false),
    o("phone-call-provider-closed-websocket", 10, Shape::Partial, false),
    o("twilio-failed-to-connect-call", 5, Shape::Unanswered, true),
    o("pipeline-error-openai-llm-failed", 4, Shape::Partial, false),
    o(
        "call.in-progress.error-providerfault-openai-llm-failed",
        3,
        Shape::Partial,
        false,
    ),
    o("pipeline-error-eleven-labs-voice-failed", 3, Shape::Partial, false),
    o(
        "call.start.error-subscription-concurrency-limit-reached",
        2,
        Shape::Unanswered,
        false,
    ),
];

/// Draws an outcome for an inbound or outbound call.
pub fn draw(rng: &mut impl Rng, outbound: bool) -> &'static Outcome {
    let allowed = || OUTCOMES.iter().filter(move |o| outbound || !o.outbound_only);
    let total: u32 = allowed().map(|o| o.weight).sum();
    let mut pick = rng.random_range(0..total);
    for outcome in allowed() {
        if pick < outcome.weight {
            return outcome;
        }
        pick -= outcome.weight;
    }
    unreachable!("weights cover the range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ended_reason_is_in_the_contract_enum() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../../contracts/vapi-openapi.json")).unwrap();
        let allowed = &doc["components"]["schemas"]["Call"]["properties"]["endedReason"]["enum"];
        for outcome in OUTCOMES {
            assert!(
                allowed.as_array().unwrap().iter().any(|r| r == outcome.reason),
                "{}",
                outcome.reason
            );
        }
    }
}
