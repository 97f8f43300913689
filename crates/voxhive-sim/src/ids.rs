//! Identifiers in each provider's format, drawn from a seeded generator.

use rand::Rng;

const BASE32: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A UUID v4 string, as Vapi uses for every resource.
pub fn uuid(rng: &mut impl Rng) -> String {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid().to_string()
}

/// An ElevenLabs-style id: a prefix and 26 lower-case base32 characters (`agent_01jx...`).
pub fn prefixed(rng: &mut impl Rng, prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 27);
    id.push_str(prefix);
    id.push('_');
    id.extend((0..26).map(|_| BASE32[rng.random_range(0..BASE32.len())] as char));
    id
}

/// A 20-character alphanumeric id, as ElevenLabs uses for knowledge-base documents.
pub fn alnum(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char)
        .collect()
}

/// A Twilio-style SID: two letters and 32 hex digits.
pub fn twilio_sid(rng: &mut impl Rng, prefix: &str) -> String {
    let bytes: [u8; 16] = rng.random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// A North American phone number in E.164 with the given area code.
pub fn phone_number(rng: &mut impl Rng, area: u16) -> String {
    format!(
        "+1{area}{:03}{:04}",
        rng.random_range(200..1000),
        rng.random_range(0..10_000)
    )
}
