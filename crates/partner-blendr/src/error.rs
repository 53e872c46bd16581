//! The one error type of this crate.

use partner_core::{ErrorKind, HasErrorKind};

/// Everything that can go wrong building or verifying an SSO handoff or
/// calling the SaaS Partner API.
///
/// Messages are lower-case and never carry the API key, a hash, a token or a
/// credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input that cannot be parsed or lacks a required field.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// A value that would inject into a URL, page or redirect.
    #[error("unsafe input: {0}")]
    UnsafeInput(&'static str),
    /// Credentials may travel only in a JWT, never in a plain hash link
    /// (the vendor's rule): use [`JwtClaims::credential`](crate::JwtClaims::credential).
    #[error("credentials must be sent in a jwt, not in a hash link")]
    CredentialsNeedJwt,
    /// Hash or JWT signature mismatch, or an algorithm other than HS256.
    #[error("signature mismatch or disallowed algorithm")]
    BadSignature,
    /// Older than the allowed age, or past `exp`.
    #[error("expired")]
    Expired,
    /// Issued (or valid from) further in the future than the allowed skew.
    #[error("not yet valid")]
    NotYetValid,
    /// Used before (replay guard).
    #[error("already used")]
    Replayed,
    /// A replay guard full of live entries refused a new one.
    #[error("replay guard is at capacity")]
    ReplayGuardFull,
    /// The API answered with an error status.
    #[error("blendr rejected the request: http {status}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The error message of the body, when it had one.
        message: Option<String>,
    },
    /// Still rate limited (429) after the bounded retries.
    #[error("rate limited by blendr; retry after {retry_after_secs:?} s")]
    RateLimited {
        /// What the last answer said to wait, when it said.
        retry_after_secs: Option<u64>,
    },
    /// The request did not complete.
    #[cfg(feature = "client")]
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// The request timed out.
    #[cfg(feature = "client")]
    #[error("request timed out")]
    Timeout,
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Malformed(_) => ErrorKind::Malformed,
            Error::UnsafeInput(_) | Error::CredentialsNeedJwt => ErrorKind::UnsafeInput,
            Error::BadSignature => ErrorKind::BadSignature,
            Error::Expired => ErrorKind::Expired,
            Error::NotYetValid => ErrorKind::NotYetValid,
            Error::Replayed => ErrorKind::Replayed,
            Error::ReplayGuardFull | Error::Rejected { .. } | Error::RateLimited { .. } => {
                ErrorKind::Rejected
            }
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
            Core::Expired => Error::Expired,
            Core::NotYetValid => Error::NotYetValid,
            Core::Replayed => Error::Replayed,
            Core::ReplayGuardFull => Error::ReplayGuardFull,
            _ => Error::BadSignature,
        }
    }
}
