#![doc = include_str!("../README.md")]

#[cfg(feature = "client")]
pub mod api;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
#[cfg(feature = "mock")]
pub mod fake;
mod hash;
mod hub;
mod jwt;
pub mod oauth;

#[cfg(feature = "client")]
pub use api::{BlendrClient, BlendrClientBuilder};
pub use error::Error;
pub use hash::{
    DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW, HashLinkSigner, HashVerifier, SsoLink, SsoParams,
    VerifiedSso, looks_like_credential,
};
pub use hub::{Guid, Hub, Region, RegionalHostStyle, SsoPage};
pub use jwt::{AccountId, JwtClaims, JwtSigner, JwtVerifier, VerifiedJwt};

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
