#![doc = include_str!("../README.md")]

#[cfg(feature = "client")]
pub mod api;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
#[cfg(feature = "mock")]
pub mod fake;
mod hash;
mod hash_verify;
mod hub;
mod jwt;
mod jwt_verify;
pub mod oauth;
mod params;

#[cfg(feature = "client")]
pub use api::{BlendrClient, BlendrClientBuilder};
pub use error::Error;
pub use hash::{DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW, HashLinkSigner, SsoLink};
pub use hash_verify::{HashVerifier, VerifiedSso};
pub use hub::{Guid, Hub, Region, RegionalHostStyle, SsoPage};
pub use jwt::{AccountId, JwtClaims, JwtSigner};
pub use jwt_verify::{JwtVerifier, VerifiedJwt};
pub use params::{DOCUMENTED_PARAMS, SsoParams};

/// The `partner-core` items this crate's API uses.
pub use partner_core::{
    BaseUrl, Clock, ErrorKind, FixedClock, HasErrorKind, InMemoryReplayGuard, ReplayGuard, Secret,
    SignedUrl, Sleeper, SystemClock, UnixTime,
};

/// An optional `-` and 1 to 19 ASCII digits, as Unix seconds.
pub(crate) fn parse_unix_seconds(text: &str) -> Option<UnixTime> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().map(UnixTime::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // The `timestamp` parser of hash links: an optional `-` and 1 to 19
        // digits that fit an i64, nothing else (no `+`, space, exponent).
        #[test]
        fn unix_seconds_parser(text in prop_oneof!["\\PC{0,22}", "-?[0-9]{0,21}", any::<i64>().prop_map(|n| n.to_string())]) {
            let digits = text.strip_prefix('-').unwrap_or(&text);
            let shaped = !digits.is_empty() && digits.len() <= 19 && digits.bytes().all(|b| b.is_ascii_digit());
            let expected = if shaped { text.parse::<i64>().ok() } else { None };
            prop_assert_eq!(parse_unix_seconds(&text).map(UnixTime::as_secs), expected);
        }
    }
}
