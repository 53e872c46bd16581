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

#[cfg(feature = "client")]
pub use client::{
    Api2Call, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, TeapplixClient, TeapplixClientBuilder,
};
pub use error::Error;
pub use launch::{
    ACCESS_TOKEN_LIFETIME, ClientVhost, DEFAULT_APP_BASE_URL, DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW,
    LaunchSigner, LaunchUrl, LaunchVerifier, ObtainedToken, VerifiedLaunch,
};
pub use obtain::DEFAULT_API_BASE_URL;

/// The `partner-core` items this crate's API uses, so that you need not
/// depend on `partner-core` yourself.
pub use partner_core::{
    BaseUrl, Clock, ErrorKind, FixedClock, HasErrorKind, InMemoryReplayGuard, LoginLinkIssuer,
    LoginVerifier, ReplayGuard, Secret, SignedUrl, SystemClock, UnixTime,
};
