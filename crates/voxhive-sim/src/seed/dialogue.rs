//! Timed dialogue turns of one call, rendered from a persona's script and the call's slot choices.

use super::personas::{Speaker, DAYS, FIRST_NAMES, PERSONAS, TIMES};

/// Which script a call plays and how it fills the slots; small enough to keep 5,000 of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Script {
    /// Index into [`PERSONAS`].
    pub persona: u8,
    /// Index into the persona's dialogues.
    pub dialogue: u8,
    /// How many lines of the dialogue were spoken before the call ended.
    pub lines: u8,
    /// Index into [`FIRST_NAMES`].
    pub name: u8,
    /// Index into [`DAYS`].
    pub day: u8,
    /// Index into [`TIMES`].
    pub time: u8,
}

/// One spoken line with its position in the call.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// Who spoke.
    pub speaker: Speaker,
    /// What was said, slots filled.
    pub text: String,
    /// Start, in milliseconds from the start of the call.
    pub start_ms: i64,
    /// End, in milliseconds from the start of the call.
    pub end_ms: i64,
}

/// Speaking time of a line at about 2.6 words a second, in milliseconds.
fn natural_ms(text: &str) -> i64 {
    let words = text.split_whitespace().count() as i64;
    400 + words * 385
}

impl Script {
    /// The lines of the chosen dialogue that were spoken, slots filled.
    pub fn lines(&self) -> Vec<(Speaker, String)> {
        let persona = &PERSONAS[self.persona as usize];
        let dialogue = persona.dialogues[self.dialogue as usize];
        dialogue
            .iter()
            .take(self.lines as usize)
            .map(|(speaker, line)| {
                let text = line
                    .replace("{name}", FIRST_NAMES[self.name as usize])
                    .replace("{day}", DAYS[self.day as usize])
                    .replace("{time}", TIMES[self.time as usize]);
                (*speaker, text)
            })
            .collect()
    }

    /// Natural length of the spoken lines with pauses, in milliseconds.
    pub fn natural_ms(&self) -> i64 {
        natural_total(&self.lines())
    }

    /// The spoken lines spread over a call of `duration_ms`.
    pub fn turns(&self, duration_ms: i64) -> Vec<Turn> {
        spread(self.lines(), duration_ms)
    }
}

/// Natural length of these lines with pauses, in milliseconds.
pub fn natural_total(lines: &[(Speaker, String)]) -> i64 {
    lines.iter().map(|(_, text)| natural_ms(text) + 700).sum::<i64>() + 1_000
}

/// These lines spread over a call of `duration_ms`, squeezed when the call is shorter than their speech.
pub fn spread(lines: Vec<(Speaker, String)>, duration_ms: i64) -> Vec<Turn> {
    if lines.is_empty() {
        return Vec::new();
    }
    let speech: i64 = lines.iter().map(|(_, text)| natural_ms(text)).sum();
    let gap = ((duration_ms - speech - 1_000).max(0) / lines.len() as i64).min(4_000);
    let scale = if speech + 1_000 > duration_ms {
        duration_ms as f64 / (speech + 1_000) as f64
    } else {
        1.0
    };
    let mut at = (600.0 * scale) as i64;
    lines
        .into_iter()
        .map(|(speaker, text)| {
            let len = (natural_ms(&text) as f64 * scale) as i64;
            let turn = Turn {
                speaker,
                start_ms: at,
                end_ms: at + len,
                text,
            };
            at += len + (gap as f64 * scale) as i64 + 1;
            turn
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_fill_slots_and_stay_inside_the_call() {
        let script = Script {
            persona: 1,
            dialogue: 0,
            lines: 9,
            name: 0,
            day: 2,
            time: 1,
        };
        let turns = script.turns(90_000);
        assert_eq!(turns.len(), 9);
        assert!(turns.iter().any(|t| t.text.contains("Maria")));
        assert!(turns.iter().all(|t| !t.text.contains('{') || t.text.contains("{{")));
        assert!(turns.windows(2).all(|w| w[0].end_ms <= w[1].start_ms));
        assert!(turns.last().unwrap().end_ms <= 90_000);
    }
}
