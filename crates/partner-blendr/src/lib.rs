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
mod login;
mod names;
pub mod oauth;
mod params;

#[cfg(feature = "client")]
pub use api::{BlendrClient, BlendrClientBuilder};
pub use error::Error;
pub use hash::{HashLinkSigner, HashVerifier, SsoLink, VerifiedHash};
pub use hub::{Guid, Hub, Region, RegionalHostStyle, SsoPage};
pub use jwt::{AccountId, JwtClaims, JwtSigner, JwtVerifier, VerifiedJwt};
pub use login::{DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW, SsoRequest, default_policy};
pub use params::{DOCUMENTED_PARAMS, SsoParams};

/// The provider name, in errors, spans, events and vector files.
pub const PROVIDER: &str = "blendr";

/// The `partner-core` items this crate's API uses.
pub use partner_core::{
    AcceptancePolicy, BaseUrl, Clock, ErrorKind, FixedClock, Freshness, HasErrorKind,
    InMemoryReplayGuard, LoginLinkIssuer, LoginVerifier, ProviderRejection, ReplayGuard, Secret,
    SignedUrl, Sleeper, SystemClock, UnixTime, Verified,
};
