#![doc = include_str!("../README.md")]

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "conformance")]
pub mod conformance;
mod credential;
mod endpoint;
mod error;
#[cfg(feature = "mock")]
pub mod fake;
#[cfg(feature = "client")]
mod retry;
mod signing;

#[cfg(feature = "client")]
pub use client::{DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, OvhClient, OvhClientBuilder, Response};
pub use credential::{
    AccessRule, Credential, CredentialRequest, CredentialResponse, CredentialState, Method,
};
pub use endpoint::Endpoint;
pub use error::{Error, OvhErrorKind};
#[cfg(feature = "client")]
pub use retry::MAX_RETRIES_LIMIT;
pub use signing::{DEFAULT_MAX_SKEW, SignedRequest, json_body, sign, verify};

/// The `partner-core` items this crate's API uses.
pub use partner_core::{
    Clock, ErrorKind, FixedClock, HasErrorKind, Secret, Sleeper, SystemClock, UnixTime,
};
