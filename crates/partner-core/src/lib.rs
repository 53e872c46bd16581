#![doc = include_str!("../README.md")]

mod base_url;
pub mod clock;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod crypto;
pub mod encoding;
mod error;
#[cfg(feature = "http")]
pub mod http;
pub mod path;
pub mod random;
pub mod replay;
mod secret;
#[cfg(feature = "loopback-server")]
pub mod server;
pub mod shared;
mod signed_url;
#[cfg(feature = "token-source")]
pub mod token;
pub mod trace;
pub mod traits;

pub use base_url::BaseUrl;
pub use clock::{Clock, FixedClock, Freshness, Sleeper, SystemClock, UnixTime};
pub use error::{
    EXCERPT_CHARS, Error, ErrorKind, ErrorSource, HasErrorKind, JsonError, ProviderRejection,
    Unavailability, UnknownErrorKind,
};
pub use replay::{AcceptancePolicy, InMemoryReplayGuard, ReplayGuard, Verified};
pub use secret::Secret;
pub use signed_url::SignedUrl;
pub use traits::{LoginLinkIssuer, LoginVerifier, MessageSigner, MessageVerifier};
