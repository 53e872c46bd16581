//! The error kinds every provider error maps onto, and the core's own error.

use std::fmt;
use std::str::FromStr;

/// The error kinds of the conformance vector format, version 1.
///
/// Every error of every provider crate maps onto exactly one of these through
/// [`HasErrorKind`], so a web handler can decide what to answer (400, 401, 403)
/// without matching on each provider's own enum.
///
/// When several apply, the first of this order wins: [`Malformed`](Self::Malformed)
/// and [`UnsafeInput`](Self::UnsafeInput), then [`BadSignature`](Self::BadSignature),
/// then [`Expired`](Self::Expired) / [`NotYetValid`](Self::NotYetValid), then
/// [`Replayed`](Self::Replayed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input cannot be parsed, or a required field is missing.
    Malformed,
    /// A value that would inject into a URL, page or redirect.
    UnsafeInput,
    /// Signature, hash or MAC mismatch, or a disallowed algorithm.
    BadSignature,
    /// Too old, or past its expiry.
    Expired,
    /// Issued further in the future than the allowed clock skew.
    NotYetValid,
    /// Seen before by a [`ReplayGuard`](crate::ReplayGuard).
    Replayed,
    /// The provider answered with an error.
    Rejected,
}

impl ErrorKind {
    /// Every kind, in the precedence order of the conformance format.
    pub const ALL: [ErrorKind; 7] = [
        ErrorKind::Malformed,
        ErrorKind::UnsafeInput,
        ErrorKind::BadSignature,
        ErrorKind::Expired,
        ErrorKind::NotYetValid,
        ErrorKind::Replayed,
        ErrorKind::Rejected,
    ];

    /// The name used in conformance vectors, for example `"bad-signature"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Malformed => "malformed",
            ErrorKind::UnsafeInput => "unsafe-input",
            ErrorKind::BadSignature => "bad-signature",
            ErrorKind::Expired => "expired",
            ErrorKind::NotYetValid => "not-yet-valid",
            ErrorKind::Replayed => "replayed",
            ErrorKind::Rejected => "rejected",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of the format-1 error kinds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error kind")]
pub struct UnknownErrorKind;

impl FromStr for ErrorKind {
    type Err = UnknownErrorKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or(UnknownErrorKind)
    }
}

/// An error that can say which [`ErrorKind`] it is.
///
/// ```
/// use partner_core::{Error, ErrorKind, HasErrorKind};
///
/// let err = Error::BadSignature;
/// assert_eq!(err.error_kind(), ErrorKind::BadSignature);
/// ```
pub trait HasErrorKind {
    /// The conformance kind of this error.
    fn error_kind(&self) -> ErrorKind;
}

impl HasErrorKind for ErrorKind {
    fn error_kind(&self) -> ErrorKind {
        *self
    }
}

/// The errors of `partner-core`.
///
/// Messages are lower-case, without a trailing period, and never contain a
/// secret or the bytes that failed to verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input that cannot be parsed; the text says what was wrong, never what it held.
    #[error("malformed input: {0}")]
    Malformed(&'static str),
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
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Malformed(_) | Error::EmptyKey => ErrorKind::Malformed,
            Error::UnsafeInput(_) => ErrorKind::UnsafeInput,
            Error::BadSignature | Error::Decrypt => ErrorKind::BadSignature,
            Error::Expired => ErrorKind::Expired,
            Error::NotYetValid => ErrorKind::NotYetValid,
            Error::Replayed => ErrorKind::Replayed,
            Error::ReplayGuardFull => ErrorKind::Rejected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip_and_match_format() {
        let names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "malformed",
                "unsafe-input",
                "bad-signature",
                "expired",
                "not-yet-valid",
                "replayed",
                "rejected"
            ]
        );
        for kind in ErrorKind::ALL {
            assert_eq!(kind.as_str().parse::<ErrorKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!("Malformed".parse::<ErrorKind>(), Err(UnknownErrorKind));
    }

    #[test]
    fn core_errors_map_to_kinds() {
        assert_eq!(Error::Decrypt.error_kind(), ErrorKind::BadSignature);
        assert_eq!(Error::Malformed("x").error_kind(), ErrorKind::Malformed);
        assert_eq!(Error::ReplayGuardFull.error_kind(), ErrorKind::Rejected);
        assert_eq!(Error::EmptyKey.error_kind(), ErrorKind::Malformed);
        assert_eq!(Error::Malformed("hex digit").to_string(), "malformed input: hex digit");
    }
}
