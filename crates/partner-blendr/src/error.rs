//! The one error type of this crate.

use std::time::Duration;

use partner_core::{ErrorKind, HasErrorKind, ProviderRejection};

/// Everything that can go wrong building or verifying an SSO handoff or
/// calling the SaaS Partner API.
///
/// Every failure `partner-core` can name is [`Error::Core`], with its own
/// kind; the other variants are what only Blendr has. Messages are
/// lower-case and never carry the API key, a hash, a token or a credential.
///
/// ```
/// use partner_blendr::{Error, ErrorKind, HasErrorKind, HashVerifier, UnixTime};
///
/// let err = HashVerifier::new("key")?.verify("accountid=1&timestamp=1&hash=00", UnixTime::from_secs(1)).unwrap_err();
/// assert_eq!(err.error_kind(), ErrorKind::BadSignature);
/// assert_eq!(err.error_kind().http_status(), 401);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A failure `partner-core` names (malformed input, a bad signature, an
    /// expired or replayed handoff, a refusal of the API, no answer...),
    /// with its own kind.
    #[error(transparent)]
    Core(#[from] partner_core::Error),
    /// A hash link parameter that is neither documented (`accountid`,
    /// `accountname`, `userid`, `username`, `useremail`, `timestamp`, `hash`)
    /// nor declared non-secret with `allow_params`
    /// ([`HashLinkSigner::allow_params`](crate::HashLinkSigner::allow_params),
    /// [`HashVerifier::allow_params`](crate::HashVerifier::allow_params)).
    /// Credentials may travel only in a JWT, never in a plain hash link (the
    /// vendor's rule): send them with
    /// [`JwtClaims::credential`](crate::JwtClaims::credential). Of kind
    /// `unsafe-input`.
    #[error(
        "hash link parameter is neither documented nor declared non-secret; credentials go in a jwt"
    )]
    UndeclaredParameter,
    /// The JWT header has a `crit` member: it names extensions that must be
    /// understood for the token to be valid (RFC 7515 section 4.1.11), and
    /// this verifier understands none. Of kind `bad-signature`, like a
    /// disallowed algorithm: the signature cannot be validated as the token
    /// requires.
    #[error("jwt names critical header extensions that are not supported")]
    UnsupportedCriticalHeader,
}

/// The detail line of a 429 rejection that says how long to wait:
/// `retry-after: <seconds>`.
pub(crate) const RETRY_AFTER_DETAIL: &str = "retry-after: ";

impl Error {
    /// The API's refusal, when this error is one (a 4xx, a 429 left after
    /// the retries, or the last 5xx of an unavailable API).
    pub fn rejection(&self) -> Option<&ProviderRejection> {
        match self {
            Error::Core(err) => err.rejection(),
            _ => None,
        }
    }

    /// How long the API said to wait, for a 429 still answered after the
    /// retries (from `Retry-After` or `X-RateLimit-Reset`).
    pub fn retry_after(&self) -> Option<Duration> {
        let rejection = self.rejection().filter(|r| r.status == 429)?;
        rejection.details.iter().find_map(|line| {
            line.strip_prefix(RETRY_AFTER_DETAIL)?.parse().ok().map(Duration::from_secs)
        })
    }
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Core(err) => err.error_kind(),
            Error::UndeclaredParameter => ErrorKind::UnsafeInput,
            Error::UnsupportedCriticalHeader => ErrorKind::BadSignature,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::Error as CoreError;

    #[test]
    fn kinds_are_core_kinds_unchanged() {
        for core in [
            CoreError::EmptyKey,
            CoreError::Malformed("x"),
            CoreError::BadSignature,
            CoreError::Expired,
            CoreError::Replayed,
            CoreError::ReplayGuardFull,
            CoreError::rejected(ProviderRejection::new("blendr", 404)),
        ] {
            let kind = core.error_kind();
            assert_eq!(Error::from(core).error_kind(), kind);
        }
        assert_eq!(Error::from(CoreError::ReplayGuardFull).error_kind(), ErrorKind::Unavailable);
        assert_eq!(Error::UndeclaredParameter.error_kind(), ErrorKind::UnsafeInput);
        assert_eq!(Error::UnsupportedCriticalHeader.error_kind(), ErrorKind::BadSignature);
    }

    #[test]
    fn rejection_and_retry_after() {
        let r = ProviderRejection::new("blendr", 429)
            .with_details([format!("{RETRY_AFTER_DETAIL}42")])
            .with_message("Too Many Attempts.");
        let err = Error::from(CoreError::rejected(r.clone()));
        assert_eq!(err.rejection(), Some(&r));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(42)));
        let not_429 =
            ProviderRejection::new("blendr", 403).with_details([format!("{RETRY_AFTER_DETAIL}42")]);
        assert_eq!(Error::from(CoreError::rejected(not_429)).retry_after(), None);
        assert_eq!(Error::UndeclaredParameter.rejection(), None);
        assert_eq!(Error::from(CoreError::Expired).retry_after(), None);
    }
}
