#![doc = include_str!("../README.md")]

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
#[cfg(feature = "mock")]
pub mod fake;
pub mod response;
mod state;

/// The provider name, in errors, spans, events and vector files.
pub const PROVIDER: &str = "cheetah";

#[cfg(feature = "client")]
pub use client::{CheetahClient, CheetahClientBuilder, DEFAULT_REFRESH_BEFORE, SsoAuth};
pub use error::Error;
pub use response::{MatchBy, MemberSsoRequest, SsoResponse, TokenResponse};
pub use state::{MemberState, SCRIPT_PREFIX, script_json};

/// The `partner-core` client pieces this crate's builder takes.
#[cfg(feature = "client")]
pub use partner_core::http::{HttpSettings, RetryPolicy, oauth::ClientAuth};
#[cfg(feature = "client")]
pub use partner_core::token::AccessToken;
/// The `partner-core` items this crate's API uses.
pub use partner_core::{
    BaseUrl, Clock, ErrorKind, FixedClock, HasErrorKind, ProviderRejection, Secret, Sleeper,
    SystemClock, UnixTime,
};
