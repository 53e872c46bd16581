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
mod keys;
mod signing;

#[cfg(feature = "client")]
pub use client::{OvhClient, OvhClientBuilder};
pub use credential::{
    AccessRule, Credential, CredentialRequest, CredentialResponse, CredentialState, Method,
};
pub use endpoint::Endpoint;
pub use error::{Error, OvhErrorKind};
pub use keys::{ApplicationSecret, ConsumerKey};
pub use signing::{
    DEFAULT_WINDOW, RequestSignature, RequestSigner, SignatureHeaders, SignedRequest,
    VerifiedRequest, default_policy, json_body, sign, verify,
};

/// The provider name, in errors, spans, events and vector files.
pub const PROVIDER: &str = "ovhcloud";

/// The HTTP settings, OAuth2 client authentication and raw answers of [`OvhClient`].
#[cfg(feature = "client")]
pub use partner_core::http::{Answer, HttpSettings, RetryPolicy, oauth::ClientAuth};
/// The `partner-core` items this crate's API uses.
pub use partner_core::{
    AcceptancePolicy, Clock, ErrorKind, FixedClock, Freshness, HasErrorKind, ProviderRejection,
    Secret, Sleeper, SystemClock, UnixTime,
};
