#![doc = include_str!("../README.md")]

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
#[cfg(feature = "mock")]
pub mod fake;
mod launch;
pub mod obtain;
pub mod rejection;

/// The provider name: in errors, spans, events and vector files.
pub const PROVIDER: &str = "teapplix";

#[cfg(feature = "client")]
pub use client::{Api2Call, TeapplixClient, TeapplixClientBuilder};
pub use error::Error;
pub use launch::{
    ACCESS_TOKEN_LIFETIME, ClientVhost, DEFAULT_APP_BASE_URL, DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW,
    LaunchSigner, LaunchUrl, LaunchVerifier, ObtainedToken, VerifiedLaunch,
};
pub use obtain::DEFAULT_API_BASE_URL;

/// The HTTP settings and the `reqwest` the client is built on (feature `client`).
#[cfg(feature = "client")]
pub use partner_core::http::{HttpSettings, RetryPolicy, reqwest};
/// The `partner-core` items this crate's API uses, so that you need not
/// depend on `partner-core` yourself.
pub use partner_core::{
    AcceptancePolicy, BaseUrl, Clock, ErrorKind, FixedClock, Freshness, HasErrorKind,
    InMemoryReplayGuard, LoginLinkIssuer, LoginVerifier, ProviderRejection, ReplayGuard, Secret,
    SignedUrl, Sleeper, SystemClock, UnixTime, Verified,
};
