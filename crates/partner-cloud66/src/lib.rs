#![doc = include_str!("../README.md")]

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
#[cfg(feature = "mock")]
pub mod fake;
mod link;
pub mod multipass;
mod oauth;

#[cfg(feature = "client")]
pub use client::{
    ApiClient, BodyEncoding, DEFAULT_API_BASE_URL, DEFAULT_TIMEOUT, MAX_PAGES, OAuthClient,
    OAuthToken, ProvisioningClient,
};
pub use error::{Error, ProvisionFailure};
pub use link::{
    DEFAULT_CALLBACK_HOST, LinkRedirectVerifier, LinkRequest, is_valid_email, sso_signin_url,
};
pub use multipass::{
    EncodedMultipass, MultipassIdentity, MultipassKeys, MultipassVerifier, SignatureMode,
};
pub use oauth::{AuthorizeRequest, DEFAULT_BASE_URL, OAuthState, Scope, ScopeSet};

/// The `partner-core` items this crate's API uses.
pub use partner_core::{
    BaseUrl, Clock, ErrorKind, FixedClock, HasErrorKind, InMemoryReplayGuard, ReplayGuard, Secret,
    SystemClock, UnixTime,
};
