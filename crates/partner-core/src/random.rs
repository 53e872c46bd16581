//! Unpredictable values from the operating system: tokens, states, nonces.

use crate::encoding::base64url_encode;

/// `bytes` random bytes from the operating system, as URL-safe base64 without
/// padding (16 bytes give 22 characters, 128 bits of entropy).
///
/// Used for OAuth2 `state`, CSP nonces, and the tokens the fakes issue.
///
/// # Panics
///
/// Only if the operating system has no random source at all, where nothing
/// secure can be done.
///
/// ```
/// let a = partner_core::random::token(16);
/// let b = partner_core::random::token(16);
/// assert_eq!(a.len(), 22);
/// assert_ne!(a, b);
/// ```
pub fn token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf).expect("the operating system has a random source");
    base64url_encode(buf)
}

/// 64 random bits from the operating system, for jittering retry backoffs.
///
/// # Panics
///
/// Only if the operating system has no random source at all.
///
/// ```
/// assert_ne!(partner_core::random::u64(), partner_core::random::u64());
/// ```
pub fn u64() -> u64 {
    let mut buf = [0u8; 8];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf).expect("the operating system has a random source");
    u64::from_le_bytes(buf)
}

/// Fills `buf` with random bytes from the operating system (keys, nonces).
///
/// # Panics
///
/// Only if the operating system has no random source at all.
///
/// ```
/// let mut nonce = [0u8; 12];
/// partner_core::random::fill(&mut nonce);
/// assert_ne!(nonce, [0u8; 12]);
/// ```
pub fn fill(buf: &mut [u8]) {
    #[allow(clippy::expect_used)]
    getrandom::fill(buf).expect("the operating system has a random source");
}
