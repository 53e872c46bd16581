//! The one error type of this crate, and the OVHcloud error families read
//! from a refusal.

use partner_core::{ErrorKind, HasErrorKind, ProviderRejection};

/// The OVHcloud API's error families, from the status and `errorCode` /
/// `class` of a refusal ([`Error::ovh_kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OvhErrorKind {
    /// 400 `INVALID_SIGNATURE`: the signature does not match (often a
    /// re-encoded URL or body, or a clock far off).
    InvalidSignature,
    /// 400 `QUERY_TIME_OUT`: the timestamp is outside the server's window.
    QueryTimeOut,
    /// 403 `NOT_GRANTED_CALL`: outside the consumer key's access rules.
    NotGrantedCall,
    /// 403 `INVALID_CREDENTIAL`: the consumer key is not validated, expired or
    /// revoked: ask the customer to consent again.
    InvalidCredential,
    /// 403 `NOT_CREDENTIAL`: the consumer key does not exist.
    NotCredential,
    /// 403 `INVALID_KEY`: the application key is unknown.
    InvalidKey,
    /// 401: the call needs authentication (or the bearer token is refused).
    NotAuthenticated,
    /// 404.
    NotFound,
    /// 400 (other than the above).
    BadParameters,
    /// 409.
    Conflict,
    /// 460: the service has expired.
    ServiceExpired,
    /// 429.
    RateLimited,
    /// 5xx.
    Server,
    /// Anything else.
    Other,
}

impl OvhErrorKind {
    /// The family of an answer with this status and `errorCode`.
    pub fn classify(status: u16, error_code: Option<&str>) -> Self {
        match (status, error_code) {
            (_, Some("INVALID_SIGNATURE")) => OvhErrorKind::InvalidSignature,
            (_, Some("QUERY_TIME_OUT")) => OvhErrorKind::QueryTimeOut,
            (_, Some("NOT_GRANTED_CALL")) => OvhErrorKind::NotGrantedCall,
            (_, Some("INVALID_CREDENTIAL")) => OvhErrorKind::InvalidCredential,
            (_, Some("NOT_CREDENTIAL")) => OvhErrorKind::NotCredential,
            (_, Some("INVALID_KEY")) => OvhErrorKind::InvalidKey,
            (401, _) => OvhErrorKind::NotAuthenticated,
            (404, _) => OvhErrorKind::NotFound,
            (400, _) => OvhErrorKind::BadParameters,
            (409, _) => OvhErrorKind::Conflict,
            (460, _) => OvhErrorKind::ServiceExpired,
            (429, _) => OvhErrorKind::RateLimited,
            (500..=599, _) => OvhErrorKind::Server,
            _ => OvhErrorKind::Other,
        }
    }

    /// The family of a refusal.
    pub fn of(rejection: &ProviderRejection) -> Self {
        OvhErrorKind::classify(rejection.status, rejection.code.as_deref())
    }
}

/// Everything that can go wrong signing, verifying or calling the API.
///
/// Every failure is a [`partner_core::Error`]: this crate has nothing that
/// core cannot say. Its kind ([`error_kind`](Self::error_kind)) is the core
/// error's own; a refusal of the API keeps OVHcloud's `errorCode`,
/// `message` and `X-Ovh-QueryID` in [`rejection`](Self::rejection), and
/// [`ovh_kind`](Self::ovh_kind) names its family.
///
/// Messages are lower-case and never carry the application secret, the
/// consumer key, a signature or a token.
///
/// ```
/// use partner_ovhcloud::{ConsumerKey, Error, ErrorKind};
///
/// let err = ConsumerKey::new("").unwrap_err();
/// assert_eq!(err, Error::Core(partner_core::Error::EmptyKey));
/// assert_eq!(err.error_kind(), ErrorKind::Malformed);
/// assert_eq!(err.error_kind().http_status(), 400);
/// assert!(err.rejection().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `partner-core` error, kept as it is (its kind and source included).
    #[error(transparent)]
    Core(#[from] partner_core::Error),
}

impl Error {
    /// The kind of this error (the core error's own).
    pub fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Core(err) => err.error_kind(),
        }
    }

    /// OVHcloud's refusal, when the API refused (a 4xx), or the last 5xx
    /// answer of a call that stayed unavailable after the retries.
    pub fn rejection(&self) -> Option<&ProviderRejection> {
        match self {
            Error::Core(err) => err.rejection(),
        }
    }

    /// The API error family of a refusal ([`OvhErrorKind::of`] its
    /// [`rejection`](Self::rejection)); `None` for other errors.
    pub fn ovh_kind(&self) -> Option<OvhErrorKind> {
        self.rejection().map(OvhErrorKind::of)
    }

    /// Input that cannot be parsed (`malformed`).
    pub(crate) fn malformed(what: &'static str) -> Self {
        Error::Core(partner_core::Error::Malformed(what))
    }
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        Error::error_kind(self)
    }
}

impl From<ProviderRejection> for Error {
    fn from(rejection: ProviderRejection) -> Self {
        Error::Core(partner_core::Error::rejected(rejection))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::Unavailability;
    use std::sync::Arc;

    #[test]
    fn kinds_are_core_kinds_and_families_read_the_rejection() {
        let refused = Error::from(
            ProviderRejection::new("ovhcloud", 403)
                .with_code("NOT_GRANTED_CALL")
                .with_request_id("EU.q1"),
        );
        assert_eq!(refused.error_kind(), ErrorKind::Rejected);
        assert_eq!(refused.ovh_kind(), Some(OvhErrorKind::NotGrantedCall));
        assert_eq!(refused.rejection().and_then(|r| r.request_id.as_deref()), Some("EU.q1"));
        let down = Error::from(partner_core::Error::unavailable(
            "ovhcloud",
            Unavailability::ServerError { status: 503 },
            Some(Arc::new(ProviderRejection::new("ovhcloud", 503))),
        ));
        assert_eq!(down.error_kind(), ErrorKind::Unavailable);
        assert_eq!(down.ovh_kind(), Some(OvhErrorKind::Server));
        let full = Error::from(partner_core::Error::ReplayGuardFull);
        assert_eq!(full.error_kind(), ErrorKind::Unavailable);
        assert_eq!(full.ovh_kind(), None);
        assert_eq!(Error::malformed("x").error_kind(), ErrorKind::Malformed);
        assert_eq!(OvhErrorKind::classify(460, None), OvhErrorKind::ServiceExpired);
        assert_eq!(OvhErrorKind::classify(502, None), OvhErrorKind::Server);
        assert_eq!(
            OvhErrorKind::classify(401, Some("invalid_client")),
            OvhErrorKind::NotAuthenticated
        );
    }
}
