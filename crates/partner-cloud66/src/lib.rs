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

/// The provider name in errors, spans, events and vector files.
pub const PROVIDER: &str = "cloud66";

#[cfg(feature = "client")]
pub use client::{
    ApiClient, ApiClientBuilder, BodyEncoding, Cloud66Dialect, DEFAULT_API_BASE_URL, OAuthClient,
    OAuthClientBuilder, OAuthToken, ProvisioningClient, ProvisioningClientBuilder,
};
pub use error::{Error, ProvisionFailure};
pub use link::{
    DEFAULT_CALLBACK_HOST, LinkRedirectVerifier, LinkRequest, is_valid_email, sso_signin_url,
};
pub use multipass::{
    EncodedMultipass, MultipassKeys, MultipassLogin, MultipassSigner, MultipassVerifier,
    SignatureMode, VerifiedMultipass,
};
pub use oauth::{AuthorizeRequest, DEFAULT_BASE_URL, OAuthState, Scope, ScopeSet};

/// The `partner-core` items this crate's API uses.
pub use partner_core::{
    AcceptancePolicy, BaseUrl, Clock, ErrorKind, FixedClock, Freshness, HasErrorKind,
    InMemoryReplayGuard, LoginLinkIssuer, LoginVerifier, ProviderRejection, ReplayGuard, Secret,
    SystemClock, UnixTime, Verified,
};

/// The `partner-core` client items this crate's builders take.
#[cfg(feature = "client")]
pub use partner_core::http::oauth::ClientAuth;
#[cfg(feature = "client")]
pub use partner_core::http::{HttpSettings, RetryPolicy};
