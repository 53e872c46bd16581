//! [`SealingKeys`]: AES-256-GCM for every secret this crate stores, with a
//! key id so keys can be rotated.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use partner_core::encoding::{base64url_decode, base64url_encode};
use partner_core::{Error, Secret};

/// The version tag of a sealed value.
const VERSION: &str = "v1";
/// AES-GCM's nonce, random per value.
const NONCE_LEN: usize = 12;

/// One AES-256 key and its id.
///
/// The id (1 to 16 of `A-Z a-z 0-9 _ -`) is written in front of every
/// value it seals, so that after a rotation the old values are still read
/// with the previous key. The key is 32 bytes; it is zeroized on drop and
/// never shown in `Debug`.
#[derive(Clone)]
pub struct SealingKey {
    id: String,
    cipher: Aes256Gcm,
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealingKey").field("id", &self.id).finish_non_exhaustive()
    }
}

impl SealingKey {
    /// A key from its 32 bytes.
    ///
    /// Errors: [`Error::EmptyKey`] for no bytes, [`Error::Malformed`] for
    /// another length or an id that is not 1 to 16 of `A-Z a-z 0-9 _ -`.
    pub fn new(id: &str, key: impl Into<Secret>) -> Result<Self, Error> {
        let key = key.into();
        let id_ok = (1..=16).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !id_ok {
            return Err(Error::Malformed("a sealing key id is 1 to 16 of A-Z a-z 0-9 _ -"));
        }
        if key.is_empty() {
            return Err(Error::EmptyKey);
        }
        let cipher = Aes256Gcm::new_from_slice(key.expose())
            .map_err(|_| Error::Malformed("a sealing key is 32 bytes"))?;
        Ok(SealingKey { id: id.to_owned(), cipher })
    }

    /// A key from its 32 bytes in URL-safe base64 without padding (43
    /// characters; what `partner_core::random::token(32)` gives), as an
    /// environment variable or a secret manager holds it.
    pub fn from_base64url(id: &str, key: &Secret) -> Result<Self, Error> {
        let text = key.expose_str().ok_or(Error::Malformed("a sealing key is base64url"))?;
        let bytes = base64url_decode(text.trim())
            .map_err(|_| Error::Malformed("a sealing key is base64url"))?;
        Self::new(id, Secret::new(bytes))
    }

    /// The key id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The keys a store seals with: the current one, and previous ones that
/// are still read (rotation). Cheap to clone.
///
/// A sealed value is `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`,
/// with the Redis key it is stored under as the associated data: a value
/// copied under another key does not open.
///
/// ```
/// use partner_core::Secret;
/// use partner_redis::{SealingKey, SealingKeys};
///
/// let old = SealingKey::new("2025", [7u8; 32].to_vec())?;
/// let new = SealingKey::new("2026", [9u8; 32].to_vec())?;
/// let sealed = SealingKeys::new(old.clone()).seal("app:k", &Secret::from("ck-123"));
/// assert!(sealed.starts_with("v1.2025.") && !sealed.contains("ck-123"));
///
/// let rotated = SealingKeys::new(new).with_previous(old);
/// assert_eq!(rotated.open("app:k", &sealed)?.expose_str(), Some("ck-123"));
/// assert!(rotated.open("app:other", &sealed).is_err());
/// assert!(rotated.seal("app:k", &Secret::from("x")).starts_with("v1.2026."));
/// # Ok::<(), partner_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SealingKeys {
    current: SealingKey,
    previous: Vec<SealingKey>,
}

impl SealingKeys {
    /// Seals with `current`, and opens what it sealed.
    pub fn new(current: SealingKey) -> Self {
        SealingKeys { current, previous: Vec::new() }
    }

    /// Also opens what `previous` sealed (it seals nothing new).
    #[must_use]
    pub fn with_previous(mut self, previous: SealingKey) -> Self {
        self.previous.push(previous);
        self
    }

    /// The key id new values are sealed with.
    pub fn current_id(&self) -> &str {
        self.current.id()
    }

    /// `value` sealed with the current key, bound to `name` (the Redis key).
    pub fn seal(&self, name: &str, value: &Secret) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        partner_core::random::fill(&mut nonce);
        let payload = Payload { msg: value.expose(), aad: name.as_bytes() };
        // AES-GCM fails only past 64 GiB of plaintext.
        let sealed = self.current.cipher.encrypt(Nonce::from_slice(&nonce), payload);
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed.unwrap_or_default());
        format!("{VERSION}.{}.{}", self.current.id, base64url_encode(out))
    }

    /// The value `seal` put under `name`.
    ///
    /// Errors: [`Error::Malformed`] for text that is not a sealed value or
    /// names a key id this keyring does not hold; [`Error::Decrypt`] when
    /// the tag does not verify (another key with the same id, a value
    /// moved to another name, a changed byte).
    pub fn open(&self, name: &str, sealed: &str) -> Result<Secret, Error> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(VERSION), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::Malformed("not a sealed value"));
        };
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or(Error::Malformed("sealed with a key id this keyring does not hold"))?;
        let bytes = base64url_decode(body).map_err(|_| Error::Malformed("not a sealed value"))?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(Error::Malformed("not a sealed value"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let payload = Payload { msg: ciphertext, aad: name.as_bytes() };
        key.cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map(Secret::new)
            .map_err(|_| Error::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SealingKeys {
        SealingKeys::new(SealingKey::new("k1", vec![1u8; 32]).unwrap())
    }

    #[test]
    fn keys_are_checked() {
        assert_eq!(SealingKey::new("k", Vec::new()).unwrap_err(), Error::EmptyKey);
        assert!(matches!(SealingKey::new("k", vec![0u8; 16]), Err(Error::Malformed(_))));
        assert!(matches!(SealingKey::new("", vec![0u8; 32]), Err(Error::Malformed(_))));
        assert!(matches!(SealingKey::new("a.b", vec![0u8; 32]), Err(Error::Malformed(_))));
        assert!(matches!(
            SealingKey::new(&"x".repeat(17), vec![0u8; 32]),
            Err(Error::Malformed(_))
        ));
        let b64 = Secret::from(base64url_encode([5u8; 32]));
        assert_eq!(SealingKey::from_base64url("env", &b64).unwrap().id(), "env");
        let shown = format!("{:?}", SealingKey::new("k1", vec![0x41u8; 32]).unwrap());
        assert!(!shown.contains("AAAA") && !shown.contains("65"), "{shown}");
    }

    #[test]
    fn seal_hides_and_binds_the_value() {
        let k = keys();
        let a = k.seal("p:x", &Secret::from("consumer-key"));
        let b = k.seal("p:x", &Secret::from("consumer-key"));
        assert_ne!(a, b, "a fresh nonce per value");
        assert!(!a.contains("consumer-key"));
        assert_eq!(k.open("p:x", &a).unwrap().expose_str(), Some("consumer-key"));
        assert_eq!(k.open("p:y", &a).unwrap_err(), Error::Decrypt, "moved to another key");
        let other = SealingKeys::new(SealingKey::new("k1", vec![2u8; 32]).unwrap());
        assert_eq!(other.open("p:x", &a).unwrap_err(), Error::Decrypt, "same id, other key");
        let unknown = SealingKeys::new(SealingKey::new("k2", vec![1u8; 32]).unwrap());
        assert!(matches!(unknown.open("p:x", &a), Err(Error::Malformed(_))));
        for garbage in ["", "v1", "v1.k1", "v1.k1.", "v2.k1.AAAA", "v1.k1.!!", "v1.k1.AAAAAAAA"] {
            assert!(matches!(k.open("p:x", garbage), Err(Error::Malformed(_))), "{garbage}");
        }
    }

    #[test]
    fn every_changed_byte_is_refused() {
        let k = keys();
        let sealed = k.seal("n", &Secret::from("v"));
        let (head, body) = sealed.rsplit_once('.').unwrap();
        let mut bytes = base64url_decode(body).unwrap();
        for i in 0..bytes.len() {
            bytes[i] ^= 1;
            let changed = format!("{head}.{}", base64url_encode(&bytes));
            assert_eq!(k.open("n", &changed).unwrap_err(), Error::Decrypt, "byte {i}");
            bytes[i] ^= 1;
        }
    }

    proptest::proptest! {
        #[test]
        fn open_never_panics(text in ".{0,80}", name in "[a-z:]{0,8}") {
            let _ = keys().open(&name, &text);
        }

        #[test]
        fn open_reads_what_seal_wrote(value in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let k = keys();
            let sealed = k.seal("n", &Secret::new(value.clone()));
            let opened = k.open("n", &sealed).unwrap();
            proptest::prop_assert_eq!(opened.expose(), &value[..]);
        }
    }
}
