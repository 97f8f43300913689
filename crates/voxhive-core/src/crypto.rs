//! Secrets at rest: AES-256-GCM under a master key, with a random nonce per value.
//!
//! A sealed value reads `v1.<base64(nonce ‖ ciphertext ‖ tag)>`; the version prefix leaves
//! room for another scheme later without guessing.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, OsRng};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 12;

/// The 256-bit key every stored secret is encrypted under. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; 32]);

/// Why a key or a sealed value cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("a master key is 32 bytes written as 44 characters of base64 or 64 hexadecimal digits")]
    BadKey,
    #[error("the value is not a sealed secret")]
    Malformed,
    #[error("the secret cannot be decrypted with this master key")]
    WrongKey,
}

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self(Aes256Gcm::generate_key(&mut OsRng).into())
    }

    /// Reads a key written as base64 or hex (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| CryptoError::BadKey)?
        } else {
            STANDARD.decode(text).map_err(|_| CryptoError::BadKey)?
        };
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(Self(key))
    }

    /// The key as base64, for a key file or an environment variable.
    pub fn encode(&self) -> String {
        STANDARD.encode(self.0)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.0))
    }

    /// Encrypts a secret.
    pub fn seal(&self, plaintext: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher()
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("AES-GCM encryption cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    /// Decrypts a sealed secret; `WrongKey` when it was sealed under another key or altered.
    pub fn open(&self, sealed: &str) -> Result<String, CryptoError> {
        let body = sealed.strip_prefix(PREFIX).ok_or(CryptoError::Malformed)?;
        let bytes = STANDARD.decode(body).map_err(|_| CryptoError::Malformed)?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher()
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| CryptoError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Malformed)
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_with_the_same_key_only() {
        let key = MasterKey::generate();
        let sealed = key.seal("vapi-private-key-c35f");
        assert!(sealed.starts_with("v1.") && !sealed.contains("c35f"));
        assert_ne!(sealed, key.seal("vapi-private-key-c35f"), "a fresh nonce each time");
        assert_eq!(key.open(&sealed).unwrap(), "vapi-private-key-c35f");
        assert_eq!(MasterKey::generate().open(&sealed), Err(CryptoError::WrongKey));
        assert_eq!(key.open("plain"), Err(CryptoError::Malformed));
    }

    #[test]
    fn altered_ciphertext_is_refused() {
        let key = MasterKey::generate();
        let mut sealed = key.seal("secret").into_bytes();
        let last = sealed.len() - 3;
        sealed[last] = if sealed[last] == b'A' { b'B' } else { b'A' };
        assert!(key.open(std::str::from_utf8(&sealed).unwrap()).is_err());
    }

    #[test]
    fn keys_round_trip_through_base64_and_hex() {
        let key = MasterKey::generate();
        assert_eq!(MasterKey::parse(&key.encode()).unwrap(), key);
        assert_eq!(MasterKey::parse(&hex::encode(key.0)).unwrap(), key);
        assert_eq!(MasterKey::parse("too short"), Err(CryptoError::BadKey));
        assert_eq!(format!("{key:?}"), "MasterKey(…)");
    }
}
