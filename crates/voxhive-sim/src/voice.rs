//! Hears whether the customer spoke: a frame-level voice detector over the audio a WebSocket client sends.
//!
//! A frame is voiced when its RMS exceeds [`RMS_THRESHOLD`]: digital silence (all zeros) never is, Chromium's fake
//! microphone beep (a 400 Hz square wave at half scale) always is. As a real voice detector does, it keeps
//! counting for a [`HANGOVER_MS`] pause after a voiced frame, so speech with short gaps (or the fake microphone's
//! 20 ms beep every 500 ms) counts as continuous. The customer has spoken once [`SPEECH_MS`] were heard.

/// RMS, on the 16-bit scale, above which a frame is voiced (about -50 dBFS).
pub const RMS_THRESHOLD: f64 = 100.0;
/// Pause after a voiced frame that still counts as speech.
pub const HANGOVER_MS: u64 = 600;
/// Speech needed before the customer's next line.
pub const SPEECH_MS: u64 = 300;

/// Counts speech in the audio heard since the last reset.
#[derive(Debug, Clone)]
pub struct VoiceDetector {
    sample_rate: u64,
    speech: u64,
    since_voiced: Option<u64>,
}

impl VoiceDetector {
    /// A detector for mono audio at `sample_rate`.
    pub fn new(sample_rate: u32) -> Self {
        Self {
            sample_rate: u64::from(sample_rate.max(1)),
            speech: 0,
            since_voiced: None,
        }
    }

    /// Takes in one frame of samples.
    pub fn hear(&mut self, samples: &[i16]) {
        if samples.is_empty() {
            return;
        }
        let n = samples.len() as u64;
        let energy = samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / n as f64;
        let hangover = HANGOVER_MS * self.sample_rate / 1000;
        if energy.sqrt() > RMS_THRESHOLD {
            self.speech += n;
            self.since_voiced = Some(0);
        } else if let Some(since) = self.since_voiced.filter(|s| *s < hangover) {
            self.speech += n;
            self.since_voiced = Some(since + n);
        } else {
            self.since_voiced = None;
        }
    }

    /// Whether enough speech was heard since the last reset.
    pub fn heard_speech(&self) -> bool {
        self.speech * 1000 >= SPEECH_MS * self.sample_rate
    }

    /// Forgets what was heard.
    pub fn reset(&mut self) {
        self.speech = 0;
        self.since_voiced = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 20 ms frame at 16 kHz: a square wave of `amplitude`, or silence.
    fn frame(amplitude: i16) -> Vec<i16> {
        (0..320).map(|i| if i % 40 < 20 { amplitude } else { 0 }).collect()
    }

    #[test]
    fn silence_never_counts_however_long() {
        let mut ear = VoiceDetector::new(16_000);
        (0..500).for_each(|_| ear.hear(&frame(0)));
        assert!(!ear.heard_speech());
    }

    #[test]
    fn speech_counts_after_three_hundred_ms() {
        let mut ear = VoiceDetector::new(16_000);
        (0..14).for_each(|_| ear.hear(&frame(3_000)));
        assert!(!ear.heard_speech());
        ear.hear(&frame(3_000));
        assert!(ear.heard_speech());
        ear.reset();
        assert!(!ear.heard_speech());
    }

    #[test]
    fn a_beep_every_half_second_counts_as_speech() {
        let mut ear = VoiceDetector::new(16_000);
        for i in 0..25 {
            ear.hear(&frame(if i % 25 == 0 { 16_000 } else { 0 }));
        }
        assert!(ear.heard_speech());
    }
}
