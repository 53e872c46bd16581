//! The error kinds every provider error maps onto, and the one error type
//! of `partner-core` that every provider error wraps.

mod json;
mod kind;
mod rejection;

use std::fmt;
use std::sync::Arc;

pub use json::JsonError;
pub use kind::{ErrorKind, HasErrorKind, UnknownErrorKind};
pub use rejection::{EXCERPT_CHARS, ProviderRejection};

/// The cause of an error, shared so that [`Error`] stays `Clone`.
pub type ErrorSource = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Why a provider (or a store) gave no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unavailability {
    /// No connection could be opened (refused, DNS, TLS handshake).
    Connect,
    /// The request or the connection timed out.
    Timeout,
    /// The connection broke while the request or the answer was in flight.
    Transport,
    /// A server error (5xx) was still the answer after the retries.
    ServerError {
        /// The last status.
        status: u16,
    },
    /// A state store (single use, token cache, secrets) did not answer.
    Store,
    /// An asynchronous single-use store is configured and the caller took
    /// the synchronous path ([`Verified::accept`](crate::replay::Verified::accept)):
    /// refused, so that single use cannot be skipped.
    AsyncStore,
}

impl fmt::Display for Unavailability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unavailability::Connect => f.write_str("no connection could be opened"),
            Unavailability::Timeout => f.write_str("timed out"),
            Unavailability::Transport => f.write_str("the connection failed"),
            Unavailability::ServerError { status } => {
                write!(f, "http {status} after the retries")
            }
            Unavailability::Store => f.write_str("the store did not answer"),
            Unavailability::AsyncStore => {
                f.write_str("an asynchronous store is configured: use consume().await")
            }
        }
    }
}

/// The errors of `partner-core`, which every provider crate's error wraps.
///
/// Messages are lower-case, without a trailing period, and never contain a
/// secret or the bytes that failed to verify. [`Display`](fmt::Display)
/// says what failed; [`source`](std::error::Error::source) says why.
///
/// It is `Clone` and `PartialEq`; equality ignores the `source` of the
/// variants that have one.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input that cannot be parsed; the text says what was wrong, never what it held.
    #[error("malformed input: {0}")]
    Malformed(&'static str),
    /// JSON input that does not decode; the source says where.
    #[error("malformed input: {what}")]
    Json {
        /// What was being decoded, for example `"handoff payload"`.
        what: &'static str,
        /// serde_json's diagnosis, without the input text.
        #[source]
        source: JsonError,
    },
    /// A value that would inject into a URL, page or redirect.
    #[error("unsafe input: {0}")]
    UnsafeInput(&'static str),
    /// A MAC, hash or signature did not match.
    #[error("signature mismatch")]
    BadSignature,
    /// Ciphertext that does not decrypt and unpad. Deliberately carries no
    /// detail: which step failed must not be observable (padding oracle).
    #[error("ciphertext does not decrypt")]
    Decrypt,
    /// Older than the allowed age, or past its expiry.
    #[error("expired")]
    Expired,
    /// Further in the future than the allowed clock skew.
    #[error("not yet valid")]
    NotYetValid,
    /// A value already seen by a replay guard.
    #[error("replayed")]
    Replayed,
    /// A replay guard is full of unexpired entries and refuses new ones
    /// (it fails closed rather than forget an entry that is still valid).
    #[error("replay guard is at capacity")]
    ReplayGuardFull,
    /// A signing or verification key is empty. An empty HMAC key is a key
    /// everyone knows, so every signer, verifier and key constructor refuses it.
    #[error("key is empty")]
    EmptyKey,
    /// The provider answered and refused; every field of its answer is kept.
    #[error(transparent)]
    Rejected(Box<ProviderRejection>),
    /// The provider answered with something that cannot be used (a success
    /// body that does not parse, a token answer without a token).
    #[error("unusable answer from {provider}: {what}")]
    InvalidResponse {
        /// The provider.
        provider: &'static str,
        /// What was wrong with the answer.
        what: &'static str,
        /// Why, when known (a [`JsonError`]).
        #[source]
        source: Option<ErrorSource>,
    },
    /// No usable answer: see [`Unavailability`]. For a server error the
    /// source is the last [`ProviderRejection`].
    #[error("{provider} is unavailable: {reason}")]
    Unavailable {
        /// The provider or store.
        provider: &'static str,
        /// What went wrong.
        reason: Unavailability,
        /// The transport error, or the last rejection.
        #[source]
        source: Option<ErrorSource>,
    },
}

impl Error {
    /// JSON input that does not decode.
    pub fn json(what: &'static str, err: serde_json::Error) -> Self {
        Error::Json { what, source: JsonError::from(err) }
    }

    /// A provider's refusal.
    pub fn rejected(rejection: ProviderRejection) -> Self {
        Error::Rejected(Box::new(rejection))
    }

    /// An answer that cannot be used.
    pub fn invalid_response(provider: &'static str, what: &'static str) -> Self {
        Error::InvalidResponse { provider, what, source: None }
    }

    /// An answer whose JSON does not decode as expected.
    pub fn invalid_json(
        provider: &'static str,
        what: &'static str,
        err: serde_json::Error,
    ) -> Self {
        Error::InvalidResponse { provider, what, source: Some(Arc::new(JsonError::from(err))) }
    }

    /// No usable answer, with its cause.
    pub fn unavailable(
        provider: &'static str,
        reason: Unavailability,
        source: Option<ErrorSource>,
    ) -> Self {
        Error::Unavailable { provider, reason, source }
    }

    /// The provider's refusal, when this error is one: a 4xx, or the last
    /// 5xx of an [`Unavailable`](Error::Unavailable) server error.
    pub fn rejection(&self) -> Option<&ProviderRejection> {
        match self {
            Error::Rejected(r) => Some(r),
            Error::Unavailable { source: Some(source), .. } => source.downcast_ref(),
            _ => None,
        }
    }
}

impl From<ProviderRejection> for Error {
    fn from(rejection: ProviderRejection) -> Self {
        Error::rejected(rejection)
    }
}

impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        use Error as E;
        match (self, other) {
            (E::Malformed(a), E::Malformed(b)) | (E::UnsafeInput(a), E::UnsafeInput(b)) => a == b,
            (E::Json { what: a, source: x }, E::Json { what: b, source: y }) => a == b && x == y,
            (E::Rejected(a), E::Rejected(b)) => a == b,
            (
                E::InvalidResponse { provider: p, what: a, .. },
                E::InvalidResponse { provider: q, what: b, .. },
            ) => p == q && a == b,
            (
                E::Unavailable { provider: p, reason: a, .. },
                E::Unavailable { provider: q, reason: b, .. },
            ) => p == q && a == b,
            (E::BadSignature, E::BadSignature)
            | (E::Decrypt, E::Decrypt)
            | (E::Expired, E::Expired)
            | (E::NotYetValid, E::NotYetValid)
            | (E::Replayed, E::Replayed)
            | (E::ReplayGuardFull, E::ReplayGuardFull)
            | (E::EmptyKey, E::EmptyKey) => true,
            _ => false,
        }
    }
}

impl Eq for Error {}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Malformed(_) | Error::Json { .. } | Error::EmptyKey => ErrorKind::Malformed,
            Error::UnsafeInput(_) => ErrorKind::UnsafeInput,
            Error::BadSignature | Error::Decrypt => ErrorKind::BadSignature,
            Error::Expired => ErrorKind::Expired,
            Error::NotYetValid => ErrorKind::NotYetValid,
            Error::Replayed => ErrorKind::Replayed,
            Error::Rejected(_) | Error::InvalidResponse { .. } => ErrorKind::Rejected,
            Error::ReplayGuardFull | Error::Unavailable { .. } => ErrorKind::Unavailable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn core_errors_map_to_kinds() {
        assert_eq!(Error::Decrypt.error_kind(), ErrorKind::BadSignature);
        assert_eq!(Error::Malformed("x").error_kind(), ErrorKind::Malformed);
        assert_eq!(Error::ReplayGuardFull.error_kind(), ErrorKind::Unavailable);
        assert_eq!(Error::EmptyKey.error_kind(), ErrorKind::Malformed);
        assert_eq!(Error::Malformed("hex digit").to_string(), "malformed input: hex digit");
        let rejected = Error::rejected(ProviderRejection::new("p", 403));
        assert_eq!(rejected.error_kind(), ErrorKind::Rejected);
        assert_eq!(Error::invalid_response("p", "no token").error_kind(), ErrorKind::Rejected);
        let down = Error::unavailable("p", Unavailability::Timeout, None);
        assert_eq!(down.error_kind(), ErrorKind::Unavailable);
        assert_eq!(down.to_string(), "p is unavailable: timed out");
    }

    #[test]
    fn display_says_what_and_source_says_why() {
        let json = serde_json::from_str::<u8>("\"token-value\"").unwrap_err();
        let err = Error::invalid_json("p", "token answer", json);
        assert_eq!(err.to_string(), "unusable answer from p: token answer");
        let why = err.source().map(ToString::to_string).unwrap_or_default();
        assert!(why.starts_with("json does not have the expected shape"), "{why}");
        assert!(!format!("{err:?}{why}").contains("token-value"));

        let last = ProviderRejection::new("p", 502).with_request_id("q-1");
        let err = Error::unavailable(
            "p",
            Unavailability::ServerError { status: 502 },
            Some(Arc::new(last.clone())),
        );
        assert_eq!(err.to_string(), "p is unavailable: http 502 after the retries");
        assert_eq!(err.rejection(), Some(&last));
        assert_eq!(err.source().map(ToString::to_string), Some(last.to_string()));
        assert!(Error::Expired.rejection().is_none());
    }

    #[test]
    fn equality_ignores_sources_only() {
        let a = Error::unavailable("p", Unavailability::Connect, None);
        let b = Error::unavailable("p", Unavailability::Connect, Some(Arc::new(Error::Expired)));
        assert_eq!(a, b);
        assert_ne!(a, Error::unavailable("q", Unavailability::Connect, None));
        assert_ne!(Error::Malformed("a"), Error::Malformed("b"));
        assert_ne!(Error::Expired, Error::NotYetValid);
    }
}
