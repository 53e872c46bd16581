//! [`KeyPrefix`]: how this crate names what it stores in Redis.

use partner_core::replay::ReplayKey;

/// The namespace of every key this crate writes, so that several
/// applications (or environments) can share one Redis without meeting.
///
/// A single-use entry is `<prefix>replay:<64 hex digits>`: the SHA-256 of
/// the replay id, never the id itself.
///
/// ```
/// use partner_redis::{KeyPrefix, ReplayKey};
///
/// let prefix = KeyPrefix::new("shop:prod:").unwrap();
/// assert_eq!(
///     prefix.replay_key(&ReplayKey::of(b"abc")),
///     "shop:prod:replay:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// assert_eq!(KeyPrefix::default().as_str(), "partner:");
/// assert!(KeyPrefix::new("has space").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPrefix(String);

impl KeyPrefix {
    /// A prefix of 1 to 64 visible ASCII characters, without space, `{` or
    /// `}` (braces are Redis Cluster hash tags, which this crate places
    /// itself); [`partner_core::Error::Malformed`] otherwise.
    pub fn new(prefix: impl Into<String>) -> Result<Self, partner_core::Error> {
        let prefix = prefix.into();
        let ok = (1..=64).contains(&prefix.len())
            && prefix.bytes().all(|b| b.is_ascii_graphic() && b != b'{' && b != b'}');
        if ok {
            Ok(KeyPrefix(prefix))
        } else {
            Err(partner_core::Error::Malformed(
                "key prefix must be 1 to 64 visible ASCII characters without braces",
            ))
        }
    }

    /// The prefix.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key that records `key` as used.
    pub fn replay_key(&self, key: &ReplayKey) -> String {
        format!("{}replay:{}", self.0, key.to_hex())
    }
}

impl Default for KeyPrefix {
    /// `partner:`.
    fn default() -> Self {
        KeyPrefix("partner:".to_owned())
    }
}
