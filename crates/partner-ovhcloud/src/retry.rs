//! When the client may send a request again, and how long it waits first.
//!
//! Only methods that RFC 9110 (section 9.2.2) defines as idempotent are
//! retried: sending one of them twice has the effect of sending it once.
//! Every other method (POST, PATCH, LOCK, any extension method) is sent
//! exactly once, since a 5xx or a connection lost after the request was
//! written says nothing about whether the server acted on it.

use std::time::Duration;

/// The most retries a client makes, whatever it is configured with.
pub const MAX_RETRIES_LIMIT: u32 = 10;

/// First backoff ceiling; doubles with each attempt.
const BASE: Duration = Duration::from_millis(200);

/// Highest backoff ceiling (reached at the sixth retry).
const CAP: Duration = Duration::from_millis(200 << 6);

/// Whether RFC 9110 calls `method` idempotent: GET, HEAD, OPTIONS, PUT,
/// DELETE. (TRACE is too, but an API client has no reason to retry it.)
pub(crate) fn is_idempotent(method: &reqwest::Method) -> bool {
    matches!(
        *method,
        reqwest::Method::GET
            | reqwest::Method::HEAD
            | reqwest::Method::OPTIONS
            | reqwest::Method::PUT
            | reqwest::Method::DELETE
    )
}

/// The ceiling of the wait before retry number `attempt + 1`:
/// `min(200 ms * 2^attempt, 12.8 s)`.
pub(crate) fn ceiling(attempt: u32) -> Duration {
    BASE.saturating_mul(1u32 << attempt.min(6)).min(CAP)
}

/// The wait before retry number `attempt + 1`: "full jitter", a uniformly
/// random duration between zero and [`ceiling`], so that clients refused
/// together do not come back together.
pub(crate) fn backoff(attempt: u32) -> Duration {
    scale(ceiling(attempt), random_u64())
}

/// `ceiling * r / 2^64`.
fn scale(ceiling: Duration, r: u64) -> Duration {
    let nanos = (ceiling.as_nanos() * u128::from(r)) >> 64;
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// 64 random bits from the operating system.
fn random_u64() -> u64 {
    partner_core::random::u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rfc_9110_idempotent_methods_are_retried() {
        for m in ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"] {
            assert!(is_idempotent(&reqwest::Method::from_bytes(m.as_bytes()).unwrap()), "{m}");
        }
        for m in ["POST", "PATCH", "LOCK", "UNLOCK", "MKCOL", "CONNECT", "PURGE", "get"] {
            assert!(!is_idempotent(&reqwest::Method::from_bytes(m.as_bytes()).unwrap()), "{m}");
        }
    }

    #[test]
    fn backoff_is_bounded_and_jittered() {
        assert_eq!(ceiling(0), Duration::from_millis(200));
        assert_eq!(ceiling(2), Duration::from_millis(800));
        assert_eq!(ceiling(6), CAP);
        assert_eq!(ceiling(u32::MAX), CAP);
        assert_eq!(scale(Duration::from_secs(1), 0), Duration::ZERO);
        assert!(scale(Duration::from_secs(1), u64::MAX) < Duration::from_secs(1));
        assert_eq!(scale(Duration::from_secs(1), 1 << 63), Duration::from_millis(500));
        let waits: Vec<Duration> = (0..64).map(|_| backoff(3)).collect();
        assert!(waits.iter().all(|w| *w <= ceiling(3)));
        // 64 draws from [0, 1.6 s): not all the same (no jitter would be).
        assert!(waits.iter().any(|w| *w != waits[0]));
    }
}
