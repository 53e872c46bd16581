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
    /// A signing or verification key (the partner API key, an OAuth client
    /// secret) is empty: anyone can compute a MAC under an empty key.
    #[error("key is empty")]
    EmptyKey,
    /// A hash link parameter that is neither documented (`accountid`,
    /// `accountname`, `userid`, `username`, `useremail`, `timestamp`, `hash`)
    /// nor declared non-secret with `allow_params`
    /// ([`HashLinkSigner::allow_params`](crate::HashLinkSigner::allow_params),
    /// [`HashVerifier::allow_params`](crate::HashVerifier::allow_params)).
    /// Credentials may travel only in a JWT, never in a plain hash link (the
    /// vendor's rule): send them with
    /// [`JwtClaims::credential`](crate::JwtClaims::credential).
    #[error(
        "hash link parameter is neither documented nor declared non-secret; credentials go in a jwt"
    )]
    UndeclaredParameter,
    /// Hash or JWT signature mismatch, or an algorithm other than HS256.
    #[error("signature mismatch or disallowed algorithm")]
    BadSignature,
    /// The JWT header has a `crit` member: it names extensions that must be
    /// understood for the token to be valid (RFC 7515 section 4.1.11), and
    /// this verifier understands none. Of kind `bad-signature`, like a
    /// disallowed algorithm: the signature cannot be validated as the token
    /// requires.
    #[error("jwt names critical header extensions that are not supported")]
    UnsupportedCriticalHeader,
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
    /// Another error of `partner-core`, with its own kind.
    #[error(transparent)]
    Core(partner_core::Error),
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Malformed(_) | Error::EmptyKey => ErrorKind::Malformed,
            Error::UnsafeInput(_) | Error::UndeclaredParameter => ErrorKind::UnsafeInput,
            Error::BadSignature | Error::UnsupportedCriticalHeader => ErrorKind::BadSignature,
            Error::Expired => ErrorKind::Expired,
            Error::NotYetValid => ErrorKind::NotYetValid,
            Error::Replayed => ErrorKind::Replayed,
            Error::ReplayGuardFull | Error::Rejected { .. } | Error::RateLimited { .. } => {
                ErrorKind::Rejected
            }
            #[cfg(feature = "client")]
            Error::Transport(_) | Error::Timeout => ErrorKind::Rejected,
            Error::Core(err) => err.error_kind(),
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
            Core::EmptyKey => Error::EmptyKey,
            Core::BadSignature | Core::Decrypt => Error::BadSignature,
            // A variant added to core later keeps its own kind.
            other => Error::Core(other),
        }
    }
}
