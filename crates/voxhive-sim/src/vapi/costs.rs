//! What a Vapi call costs, by component, in exact ten-thousandths of a dollar so that parts add up to the total.

use serde_json::{json, Value};

use crate::seed::dialogue::Turn;
use crate::seed::personas::{Speaker, PERSONAS};

/// A call's costs in units of 0.0001 USD and its usage counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Costs {
    /// Billed minutes, in ten-thousandths of a minute.
    pub minutes_e4: i64,
    /// Telephony.
    pub transport: i64,
    /// Speech to text.
    pub stt: i64,
    /// Language model.
    pub llm: i64,
    /// Text to speech.
    pub tts: i64,
    /// Vapi's platform fee.
    pub vapi: i64,
    /// Summary analysis.
    pub summary: i64,
    /// Success-evaluation analysis.
    pub success: i64,
    /// Prompt tokens sent to the model.
    pub prompt_tokens: i64,
    /// Completion tokens produced.
    pub completion_tokens: i64,
    /// Characters spoken by the assistant.
    pub tts_characters: i64,
}

fn usd(units: i64) -> f64 {
    units as f64 / 10_000.0
}

impl Costs {
    /// Costs of a call of `duration_ms` with these turns, over a phone line or not.
    pub fn of(persona: usize, turns: &[Turn], duration_ms: i64, phone: bool) -> Self {
        if duration_ms <= 0 || turns.is_empty() {
            return Self::default();
        }
        let minutes_e4 = duration_ms * 10_000 / 60_000;
        let per_minute = |cents_e2: i64| minutes_e4 * cents_e2 / 10_000;
        let prompt_len = PERSONAS[persona].prompt.len() as i64;
        let (mut prompt_tokens, mut completion_tokens, mut history, mut chars) = (0, 0, 0, 0);
        for turn in turns {
            let len = turn.text.len() as i64;
            if turn.speaker == Speaker::Agent {
                prompt_tokens += (prompt_len + history) / 4;
                completion_tokens += len / 4 + 1;
                chars += len;
            }
            history += len;
        }
        let llm = (prompt_tokens * 25 + completion_tokens * 100) / 1_000; // $2.50 and $10 per million tokens
        let analysis_tokens = history / 4 + 400;
        Self {
            minutes_e4,
            transport: if phone { per_minute(100) } else { 0 },
            stt: per_minute(100),
            llm,
            tts: chars * 6 / 10, // $0.06 per thousand characters
            vapi: per_minute(500),
            summary: (analysis_tokens * 15 / 100_000).max(1),
            success: (analysis_tokens * 15 / 100_000).max(1),
            prompt_tokens,
            completion_tokens,
            tts_characters: chars,
        }
    }

    /// The total, in ten-thousandths of a dollar.
    pub fn total(&self) -> i64 {
        self.transport + self.stt + self.llm + self.tts + self.vapi + self.summary + self.success
    }

    /// `Call.cost` in USD.
    pub fn cost(&self) -> f64 {
        usd(self.total())
    }

    /// `Call.costBreakdown`.
    pub fn breakdown(&self) -> Value {
        json!({
            "transport": usd(self.transport), "stt": usd(self.stt), "llm": usd(self.llm), "tts": usd(self.tts),
            "vapi": usd(self.vapi), "total": self.cost(),
            "llmPromptTokens": self.prompt_tokens, "llmCompletionTokens": self.completion_tokens, "llmCachedPromptTokens": 0,
            "ttsCharacters": self.tts_characters,
            "analysisCostBreakdown": {
                "summary": usd(self.summary), "summaryPromptTokens": self.prompt_tokens / 4, "summaryCompletionTokens": 60,
                "successEvaluation": usd(self.success), "successEvaluationPromptTokens": self.prompt_tokens / 4,
                "successEvaluationCompletionTokens": 5,
                "structuredData": 0.0,
            },
        })
    }

    /// `Call.costs[]`: one entry per component; their `cost`s add up to `Call.cost`.
    pub fn items(&self, model: &Value, voice: &Value, transcriber: &Value, transport: &str) -> Value {
        if self.total() == 0 {
            return json!([]);
        }
        let minutes = usd(self.minutes_e4);
        let analysis = |kind: &str, cost: i64| {
            json!({"type": "analysis", "analysisType": kind, "model": {"provider": "openai", "model": "gpt-4o-mini"},
                   "promptTokens": self.prompt_tokens / 4, "completionTokens": 60, "cost": usd(cost)})
        };
        json!([
            {"type": "transport", "provider": transport, "minutes": minutes, "cost": usd(self.transport)},
            {"type": "transcriber", "transcriber": transcriber, "minutes": minutes, "cost": usd(self.stt)},
            {"type": "model", "model": model, "promptTokens": self.prompt_tokens, "completionTokens": self.completion_tokens, "cost": usd(self.llm)},
            {"type": "voice", "voice": voice, "characters": self.tts_characters, "cost": usd(self.tts)},
            {"type": "vapi", "subType": "normal", "minutes": minutes, "cost": usd(self.vapi)},
            analysis("summary", self.summary),
            analysis("successEvaluation", self.success),
        ])
    }
}
