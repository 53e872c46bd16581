//! Multipass SSO: the token Cloud 66 sends back to the partner after
//! sign-in, verified (signature first, in constant time), decrypted and
//! read ([`MultipassVerifier`]); and the signer, so tests and fakes can
//! issue tokens ([`MultipassSigner`]).
//!
//! # The readings
//!
//! The Cloud 66 document says the multipass is a JSON hash "encrypted with
//! the first 16 characters of provider's UID" and that the signature is "a
//! SHA256 hash of the second 16 characters of provider's UID and the
//! multipass", and links the Ruby `multipass` gem. This crate's default
//! ([`MultipassKeys::cloud66`]) is: AES-128-CBC with the ASCII bytes of
//! `uid[0..16]` as the key, a zero IV and PKCS#7 (as the gem), the gem's
//! base64 (standard, `+/` as `-_`, one trailing `=` removed), and signature
//! = lower-case hex SHA-256(`uid[16..32]` + multipass as sent).
//!
//! The alternatives stay available: [`SignatureMode`] (key and token the
//! other way round, or HMAC-SHA256 in hex or base64), the gem's SHA-1 key
//! derivation for the Cloud 66 UID ([`MultipassKeys::cloud66_gem_key`]),
//! and the gem's own scheme with a site key and an API key
//! ([`MultipassKeys::entp`]; it has no signature, so nothing authenticates
//! the ciphertext: prefer the Cloud 66 scheme).
//!
//! # No padding oracle
//!
//! Every ciphertext that does not decrypt and unpad is the same
//! `bad-signature` error. In the unsigned `entp` scheme every failure after
//! base64 decoding (bad padding, not UTF-8, not a JSON object, an `expires`
//! that is not a time) is that same error with the same message, so a
//! caller who can submit tokens learns nothing about the plaintext from the
//! answer. Only a token whose text is not base64, or a JSON object without
//! `expires`, is `malformed`. Single use is keyed on the decoded bytes, so
//! another spelling of the same ciphertext (`-_` or `+/`, padding, white
//! space) is the same token.

mod expires;
mod keys;
mod payload;
mod signer;
mod verifier;

#[cfg(test)]
mod tests;

use std::time::Duration;

use partner_core::{AcceptancePolicy, Freshness};

pub use expires::{parse_expires, ruby_utc};
pub use keys::{MultipassKeys, SignatureMode};
pub use signer::{DEFAULT_LINK_LIFETIME, EncodedMultipass, MultipassLogin, MultipassSigner};
pub use verifier::{MultipassVerifier, VerifiedMultipass};

/// The default policy's allowance past `expires` (clock skew between
/// Cloud 66 and you).
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(30);

/// The default policy's bound on how far ahead of now `expires` may be (one
/// hour). Cloud 66 writes an expiry one minute ahead; a token claiming to
/// live longer than this is refused (`not-yet-valid`), so no token (and no
/// replay entry) lives for ever.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(3_600);

/// The policy a [`MultipassVerifier`] starts with: `expires` at most
/// [`DEFAULT_MAX_LIFETIME`] ahead, [`DEFAULT_MAX_SKEW`] past it, and no
/// single-use guard (add one with
/// [`AcceptancePolicy::with_replay_guard`]).
///
/// ```
/// use partner_cloud66::multipass::{DEFAULT_MAX_LIFETIME, DEFAULT_MAX_SKEW, default_policy};
///
/// let policy = default_policy();
/// assert_eq!(policy.window().max_age, DEFAULT_MAX_LIFETIME);
/// assert_eq!(policy.window().max_skew, DEFAULT_MAX_SKEW);
/// assert!(!policy.is_single_use());
/// ```
pub fn default_policy() -> AcceptancePolicy {
    AcceptancePolicy::new(Freshness::new(DEFAULT_MAX_LIFETIME, DEFAULT_MAX_SKEW))
}

const ZERO_IV: [u8; 16] = [0; 16];
