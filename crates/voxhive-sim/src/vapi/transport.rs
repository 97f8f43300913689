//! The `transport` of `POST /call`: Vapi's WebSocket transport (`vapi.websocket`) and its audio format.

use serde_json::{json, Map, Value};

use super::error::{VapiError, VapiResult};
use super::fields::{AUDIO_FORMAT, WEBSOCKET_TRANSPORT};
use super::validate::check_at;
use crate::speech::{Encoding, Format};

/// The format when `audioFormat` is left out ("Defaults to 16KHz raw pcm_s16le").
const DEFAULT_FORMAT: Format = Format {
    encoding: Encoding::PcmS16le,
    sample_rate: 16_000,
};
/// `AudioFormat.sampleRate`'s maximum.
const MAX_RATE: f64 = 192_000.0;
/// Fields of `CreateCallDTO` that only phone calls take.
const PHONE_ONLY: &[&str] = &["phoneNumberId", "phoneNumber", "customerId", "customer", "customers"];

/// The audio format of a `vapi.websocket` transport; `None` for other transports, which the simulator ignores.
pub fn websocket_format(transport: &Value) -> VapiResult<Option<Format>> {
    match transport.get("provider").and_then(Value::as_str) {
        Some("vapi.websocket") => {}
        Some(_) => return Ok(None),
        None => {
            return Err(VapiError::validation(vec![
                "transport.provider should not be empty".into()
            ]))
        }
    }
    let fields = check_at(transport, WEBSOCKET_TRANSPORT, "transport")?;
    let Some(audio) = fields.get("audioFormat").filter(|v| !v.is_null()) else {
        return Ok(Some(DEFAULT_FORMAT));
    };
    let audio = check_at(audio, AUDIO_FORMAT, "transport.audioFormat")?;
    let rate = audio.get("sampleRate").and_then(Value::as_f64).unwrap_or_default();
    let problem = if rate.fract() != 0.0 {
        Some("must be an integer number")
    } else if rate < 1.0 {
        Some("must not be less than 1")
    } else if rate > MAX_RATE {
        Some("must not be greater than 192000")
    } else {
        None
    };
    if let Some(problem) = problem {
        return Err(VapiError::validation(vec![format!(
            "transport.audioFormat.sampleRate {problem}"
        )]));
    }
    let encoding = audio
        .get("format")
        .and_then(Value::as_str)
        .and_then(Encoding::parse)
        .unwrap_or(Encoding::PcmS16le);
    Ok(Some(Format {
        encoding,
        sample_rate: rate as u32,
    }))
}

/// Refuses the phone-only fields of a WebSocket call, naming the first one given.
pub fn refuse_phone_fields(fields: &Map<String, Value>) -> VapiResult<()> {
    match PHONE_ONLY
        .iter()
        .find(|k| fields.get(**k).is_some_and(|v| !v.is_null()))
    {
        Some(key) => Err(VapiError::bad_request(format!(
            "`{key}` Is Not Allowed With `vapi.websocket` Transport. Connect To `transport.websocketCallUrl` Instead."
        ))),
        None => Ok(()),
    }
}

/// The call document's `transport`: the format in force and the URL a client connects to.
pub fn document(format: Format, websocket_call_url: String) -> Value {
    json!({
        "provider": "vapi.websocket",
        "audioFormat": {"format": format.encoding.name(), "container": "raw", "sampleRate": format.sample_rate},
        "websocketCallUrl": websocket_call_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_websocket_transport_defaults_to_sixteen_khz_pcm() {
        let format = websocket_format(&json!({"provider": "vapi.websocket"})).unwrap();
        assert_eq!(format, Some(DEFAULT_FORMAT));
        let mulaw = json!({"provider": "vapi.websocket", "audioFormat": {"format": "mulaw", "container": "raw", "sampleRate": 8000}});
        assert_eq!(
            websocket_format(&mulaw).unwrap(),
            Some(Format {
                encoding: Encoding::Mulaw,
                sample_rate: 8_000
            })
        );
        assert_eq!(websocket_format(&json!({"provider": "twilio"})).unwrap(), None);
    }

    #[test]
    fn bad_audio_formats_are_refused() {
        for audio in [
            json!({"format": "opus", "sampleRate": 16000}),
            json!({"format": "mulaw", "sampleRate": 0}),
            json!({"format": "mulaw", "sampleRate": 200000}),
            json!({"format": "mulaw"}),
        ] {
            let transport = json!({"provider": "vapi.websocket", "audioFormat": audio});
            assert!(websocket_format(&transport).is_err(), "{transport}");
        }
    }
}
