//! The one error type of this crate.

use partner_core::{ErrorKind, HasErrorKind};

/// Everything that can go wrong building, verifying or obtaining a launch.
///
/// Messages are lower-case, carry no secret (no token, no key, no signature),
/// and each variant maps onto one conformance [`ErrorKind`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A ClientVHOST that is not a safe path segment (`[A-Za-z0-9][A-Za-z0-9._-]*`).
    #[error("client vhost is not a safe path segment")]
    UnsafeVhost,
    /// A base URL, method name or other value that would inject into a URL.
    #[error("unsafe input: {0}")]
    UnsafeInput(&'static str),
    /// A launch URL, token or response that cannot be parsed.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// The signature does not match (also: not 64 hex digits).
    #[error("launch signature mismatch")]
    BadSignature,
    /// The launch's `ts` is older than the allowed age.
    #[error("launch url expired")]
    Expired,
    /// The launch's `ts` is further in the future than the allowed skew.
    #[error("launch url is not valid yet (clock skew)")]
    NotYetValid,
    /// The launch (its access token) was already used.
    #[error("launch url already used")]
    Replayed,
    /// The obtained access token is past its 30 minutes: obtain a new one
    /// rather than hand the user a dead link.
    #[error("access token expired; obtain a new one")]
    TokenExpired,
    /// Teapplix answered with an error (`{Code, Message, Description}`).
    #[error("teapplix rejected the request: http {status}{}: {message}", code.as_deref().map(|c| format!(", code {c}")).unwrap_or_default())]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// `Code`, when the body had one.
        code: Option<String>,
        /// `Message`, or a short excerpt of the body.
        message: String,
        /// `Description` lines, when the body had them.
        description: Vec<String>,
    },
    /// The request did not complete (connection, TLS, protocol).
    #[cfg(feature = "client")]
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// The request timed out.
    #[cfg(feature = "client")]
    #[error("request timed out")]
    Timeout,
    /// A replay guard full of live entries refused a new one.
    #[error("replay guard is at capacity")]
    ReplayGuardFull,
    /// The signature key or API token is empty.
    #[error("key is empty")]
    EmptyKey,
    /// Another error of `partner-core`, with its own kind.
    #[error(transparent)]
    Core(partner_core::Error),
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::UnsafeVhost | Error::UnsafeInput(_) => ErrorKind::UnsafeInput,
            Error::Malformed(_) | Error::EmptyKey => ErrorKind::Malformed,
            Error::BadSignature => ErrorKind::BadSignature,
            Error::Expired | Error::TokenExpired => ErrorKind::Expired,
            Error::NotYetValid => ErrorKind::NotYetValid,
            Error::Replayed => ErrorKind::Replayed,
            Error::Rejected { .. } | Error::ReplayGuardFull => ErrorKind::Rejected,
            Error::Core(err) => err.error_kind(),
            #[cfg(feature = "client")]
            Error::Transport(_) | Error::Timeout => ErrorKind::Rejected,
        }
    }
}

impl From<partner_core::Error> for Error {
    fn from(err: partner_core::Error) -> Self {
        use partner_core::Error as Core;
        match err {
            Core::Malformed(what) => Error::Malformed(what),
            Core::UnsafeInput(what) => Error::UnsafeInput(what),
            Core::EmptyKey => Error::EmptyKey,
            Core::Expired => Error::Expired,
            Core::NotYetValid => Error::NotYetValid,
            Core::Replayed => Error::Replayed,
            Core::ReplayGuardFull => Error::ReplayGuardFull,
            Core::BadSignature | Core::Decrypt => Error::BadSignature,
            // Any other core error keeps its own kind.
            other => Error::Core(other),
        }
    }
}
