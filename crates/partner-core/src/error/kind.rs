//! [`ErrorKind`]: the few kinds every error of every crate maps onto.

use std::fmt;
use std::str::FromStr;

/// What kind of failure an error is, whatever crate it comes from.
///
/// Every error of every provider crate maps onto exactly one of these through
/// [`HasErrorKind`], so a web handler decides what to answer without
/// matching on each provider's own enum. The names are those of the
/// conformance vector format (`"bad-signature"`, ...).
///
/// | kind | what happened | an app answers |
/// |---|---|---|
/// | [`Malformed`](Self::Malformed) | input that does not parse, a missing field, an empty key | 400 |
/// | [`UnsafeInput`](Self::UnsafeInput) | a value that would inject into a URL, page or redirect | 400 |
/// | [`BadSignature`](Self::BadSignature) | signature, hash or MAC mismatch; a disallowed algorithm | 401 |
/// | [`Expired`](Self::Expired) | too old, or past its expiry | 401 |
/// | [`NotYetValid`](Self::NotYetValid) | issued further ahead than the allowed clock skew | 401 |
/// | [`Replayed`](Self::Replayed) | a single-use value seen before | 403 |
/// | [`Rejected`](Self::Rejected) | the provider answered and refused, or answered something unusable | 502 |
/// | [`Unavailable`](Self::Unavailable) | no usable answer: connection failed, timed out, 5xx left after retries, a store unreachable or full | 503 (504 for a timeout) |
///
/// When several apply to one input, the first of this order wins:
/// malformed and unsafe input, then bad signature, then expired / not yet
/// valid, then replayed.
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
    /// The provider answered and refused the request, or answered with
    /// something that cannot be used.
    Rejected,
    /// No usable answer: a transport failure, a timeout, a server error left
    /// after the retries, or a store that is unreachable or full.
    Unavailable,
}

impl ErrorKind {
    /// Every kind, in the precedence order of the conformance format.
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::Malformed,
        ErrorKind::UnsafeInput,
        ErrorKind::BadSignature,
        ErrorKind::Expired,
        ErrorKind::NotYetValid,
        ErrorKind::Replayed,
        ErrorKind::Rejected,
        ErrorKind::Unavailable,
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
            ErrorKind::Unavailable => "unavailable",
        }
    }

    /// The HTTP status an application answers its own client with when a
    /// handoff or a provider call fails with this kind (see the table above).
    ///
    /// ```
    /// use partner_core::ErrorKind;
    /// assert_eq!(ErrorKind::Replayed.http_status(), 403);
    /// assert_eq!(ErrorKind::Unavailable.http_status(), 503);
    /// ```
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorKind::Malformed | ErrorKind::UnsafeInput => 400,
            ErrorKind::BadSignature | ErrorKind::Expired | ErrorKind::NotYetValid => 401,
            ErrorKind::Replayed => 403,
            ErrorKind::Rejected => 502,
            ErrorKind::Unavailable => 503,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of the error kinds.
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
    /// The kind of this error.
    fn error_kind(&self) -> ErrorKind;
}

impl HasErrorKind for ErrorKind {
    fn error_kind(&self) -> ErrorKind {
        *self
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
                "rejected",
                "unavailable"
            ]
        );
        for kind in ErrorKind::ALL {
            assert_eq!(kind.as_str().parse::<ErrorKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!("Malformed".parse::<ErrorKind>(), Err(UnknownErrorKind));
    }

    #[test]
    fn statuses_follow_the_table() {
        let statuses: Vec<u16> = ErrorKind::ALL.iter().map(|k| k.http_status()).collect();
        assert_eq!(statuses, [400, 400, 401, 401, 401, 403, 502, 503]);
    }
}
