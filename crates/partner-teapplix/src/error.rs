//! The one error type of this crate.

use partner_core::{ErrorKind, HasErrorKind, ProviderRejection};

/// Everything that can go wrong building, verifying or obtaining a launch.
///
/// Two failures are Teapplix's own; every other one is a
/// [`partner_core::Error`] in [`Error::Core`], with its own kind (a refusal
/// of Teapplix's API is [`partner_core::Error::Rejected`], a connection
/// that failed is [`partner_core::Error::Unavailable`], and so on).
/// Messages are lower-case and carry no secret (no token, no key, no
/// signature).
///
/// ```
/// use partner_teapplix::{ClientVhost, Error, ErrorKind, HasErrorKind};
///
/// let err = ClientVhost::new("../admin").unwrap_err();
/// assert!(matches!(err, Error::UnsafeVhost));
/// assert_eq!(err.error_kind(), ErrorKind::UnsafeInput);
/// assert_eq!(err.error_kind().http_status(), 400);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A ClientVHOST that is not a safe path segment
    /// (`[A-Za-z0-9][A-Za-z0-9._-]*`): kind `unsafe-input`.
    #[error("client vhost is not a safe path segment")]
    UnsafeVhost,
    /// The obtained access token is past its 30 minutes: obtain a new one
    /// rather than hand the user a dead link. Kind `expired`.
    #[error("access token expired; obtain a new one")]
    TokenExpired,
    /// Any other failure, with its own kind.
    #[error(transparent)]
    Core(#[from] partner_core::Error),
}

impl Error {
    /// Teapplix's refusal (`{Code, Message, Description}` and the status),
    /// when this error is one: a 4xx answer, or the last 5xx answer of a
    /// call that found Teapplix unavailable.
    pub fn rejection(&self) -> Option<&ProviderRejection> {
        match self {
            Error::Core(err) => err.rejection(),
            Error::UnsafeVhost | Error::TokenExpired => None,
        }
    }
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::UnsafeVhost => ErrorKind::UnsafeInput,
            Error::TokenExpired => ErrorKind::Expired,
            Error::Core(err) => err.error_kind(),
        }
    }
}

impl From<ProviderRejection> for Error {
    fn from(rejection: ProviderRejection) -> Self {
        Error::Core(partner_core::Error::rejected(rejection))
    }
}

/// A [`partner_core::Error::Malformed`] as this crate's error.
pub(crate) fn malformed(what: &'static str) -> Error {
    Error::Core(partner_core::Error::Malformed(what))
}

/// A [`partner_core::Error::UnsafeInput`] as this crate's error.
#[cfg(feature = "client")]
pub(crate) fn unsafe_input(what: &'static str) -> Error {
    Error::Core(partner_core::Error::UnsafeInput(what))
}

/// A [`partner_core::Error::InvalidResponse`] of Teapplix as this crate's error.
pub(crate) fn invalid_response(what: &'static str) -> Error {
    Error::Core(partner_core::Error::invalid_response(crate::PROVIDER, what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_core_kinds_unchanged() {
        assert_eq!(Error::UnsafeVhost.error_kind(), ErrorKind::UnsafeInput);
        assert_eq!(Error::TokenExpired.error_kind(), ErrorKind::Expired);
        for core in [
            partner_core::Error::EmptyKey,
            partner_core::Error::BadSignature,
            partner_core::Error::ReplayGuardFull,
            partner_core::Error::Replayed,
            partner_core::Error::invalid_response("teapplix", "x"),
        ] {
            let kind = core.error_kind();
            assert_eq!(Error::from(core).error_kind(), kind);
        }
        assert_eq!(
            Error::from(partner_core::Error::ReplayGuardFull).error_kind(),
            ErrorKind::Unavailable
        );
        let refused = Error::from(ProviderRejection::new("teapplix", 404).with_code("404"));
        assert_eq!(refused.rejection().and_then(|r| r.code.as_deref()), Some("404"));
        assert_eq!(refused.error_kind(), ErrorKind::Rejected);
        assert!(Error::TokenExpired.rejection().is_none());
    }
}
