//! Speech-like audio for the assistant's lines, and the two raw encodings of Vapi's WebSocket transport
//! (`pcm_s16le` and G.711 `mulaw`, mono).

use std::f64::consts::PI;

/// Audio of one word: a voiced burst, then a pause.
const WORD_MS: usize = 180;
const PAUSE_MS: usize = 60;
/// Longer lines are voiced only up to this many words, to keep the bytes on the wire modest.
const MAX_WORDS: usize = 12;
/// Peak amplitude of the generated speech (about -12 dBFS).
const PEAK: f64 = 8_000.0;
/// Length of one frame on the wire.
pub const FRAME_MS: u32 = 20;

/// How samples are written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Signed 16-bit little-endian PCM.
    PcmS16le,
    /// G.711 mu-law, one byte a sample.
    Mulaw,
}

/// A mono audio format: encoding and sample rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// How samples are written.
    pub encoding: Encoding,
    /// Samples a second.
    pub sample_rate: u32,
}

impl Encoding {
    /// The encoding of a Vapi `AudioFormat.format` value.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "pcm_s16le" => Some(Self::PcmS16le),
            "mulaw" => Some(Self::Mulaw),
            _ => None,
        }
    }

    /// Its Vapi `AudioFormat.format` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::PcmS16le => "pcm_s16le",
            Self::Mulaw => "mulaw",
        }
    }
}

impl Format {
    /// Samples in one frame on the wire (at least one).
    pub fn frame_samples(&self) -> usize {
        (self.sample_rate * FRAME_MS / 1000).max(1) as usize
    }

    /// The samples written in this format.
    pub fn encode(&self, samples: &[i16]) -> Vec<u8> {
        match self.encoding {
            Encoding::PcmS16le => samples.iter().flat_map(|s| s.to_le_bytes()).collect(),
            Encoding::Mulaw => samples.iter().map(|s| mulaw_encode(*s)).collect(),
        }
    }

    /// The samples of bytes in this format; a trailing odd byte of PCM is ignored.
    pub fn decode(&self, bytes: &[u8]) -> Vec<i16> {
        match self.encoding {
            Encoding::PcmS16le => bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect(),
            Encoding::Mulaw => bytes.iter().map(|b| mulaw_decode(*b)).collect(),
        }
    }
}

/// Speech-like audio of `text` at `sample_rate`: per word, a harmonic tone whose pitch depends on the word,
/// shaped like a syllable and modulated at 5 Hz, then a short pause. The same text gives the same samples.
pub fn synthesize(text: &str, sample_rate: u32) -> Vec<i16> {
    let rate = f64::from(sample_rate.max(1));
    let word_len = sample_rate as usize * WORD_MS / 1000;
    let pause_len = sample_rate as usize * PAUSE_MS / 1000;
    let mut out = Vec::new();
    for word in text.split_whitespace().take(MAX_WORDS) {
        let hash = word
            .bytes()
            .fold(17u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        let pitch = 110.0 + f64::from(hash % 120);
        out.extend((0..word_len).map(|i| {
            let t = i as f64 / rate;
            let envelope = (PI * i as f64 / word_len as f64).sin() * (0.7 + 0.3 * (2.0 * PI * 5.0 * t).sin());
            let tone = (1..=3)
                .map(|h| (2.0 * PI * pitch * f64::from(h) * t).sin() / f64::from(h))
                .sum::<f64>()
                / 1.84;
            (PEAK * envelope * tone) as i16
        }));
        out.extend(std::iter::repeat_n(0, pause_len));
    }
    out
}

const MULAW_BIAS: i32 = 0x84;
const MULAW_CLIP: i32 = 32_635;

/// G.711 mu-law encoding of one sample.
fn mulaw_encode(sample: i16) -> u8 {
    let value = i32::from(sample);
    let sign = if value < 0 { 0x80 } else { 0 };
    let magnitude = value.abs().min(MULAW_CLIP) + MULAW_BIAS;
    let mut exponent = 7;
    while exponent > 0 && magnitude & (0x80 << exponent) == 0 {
        exponent -= 1;
    }
    let mantissa = (magnitude >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// G.711 mu-law decoding of one byte.
fn mulaw_decode(byte: u8) -> i16 {
    let code = i32::from(!byte);
    let exponent = (code >> 4) & 0x07;
    let magnitude = (((code & 0x0F) << 3) + MULAW_BIAS) << exponent;
    let value = magnitude - MULAW_BIAS;
    (if code & 0x80 != 0 { -value } else { value }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speech_lasts_by_words_and_is_loud_enough_to_hear() {
        let samples = synthesize("Thank you for calling", 16_000);
        assert_eq!(samples.len(), 4 * 16 * (WORD_MS + PAUSE_MS));
        let rms = (samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt();
        assert!(rms > 1_000.0, "rms {rms}");
        assert_eq!(samples, synthesize("Thank you for calling", 16_000));
    }

    #[test]
    fn mulaw_keeps_silence_and_sign_within_its_step() {
        let format = Format {
            encoding: Encoding::Mulaw,
            sample_rate: 8_000,
        };
        assert_eq!(format.encode(&[0]), [0xFF]);
        for sample in [-32_000i16, -1_000, -5, 0, 7, 1_000, 12_345, 32_000] {
            let back = format.decode(&format.encode(&[sample]))[0];
            let step = (i32::from(sample).abs() / 16).max(8);
            assert!(
                (i32::from(back) - i32::from(sample)).abs() <= step,
                "{sample} -> {back}"
            );
        }
    }

    #[test]
    fn pcm_round_trips_little_endian() {
        let format = Format {
            encoding: Encoding::PcmS16le,
            sample_rate: 16_000,
        };
        assert_eq!(format.encode(&[1, -2]), [1, 0, 0xFE, 0xFF]);
        assert_eq!(format.decode(&[1, 0, 0xFE, 0xFF, 9]), [1, -2]);
        assert_eq!(format.frame_samples(), 320);
    }
}
