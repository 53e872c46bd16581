//! The one error type of this crate.

use partner_core::{ErrorKind, HasErrorKind};

/// The OVHcloud API's error families, from the status and `errorCode` / `class`.
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
    /// 401: the call needs authentication.
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
}

/// Everything that can go wrong signing, verifying or calling the API.
///
/// Messages are lower-case and never carry the application secret, the
/// consumer key, a signature or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input that cannot be parsed (a signature that is not `$1$` + 40 hex digits).
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// A URL or path that would leave the API (bad scheme, host, traversal).
    #[error("unsafe input: {0}")]
    UnsafeInput(&'static str),
    /// A key (application key or secret, consumer key, OAuth2 client id or
    /// secret) is empty: a key everyone knows signs nothing.
    #[error("key is empty")]
    EmptyKey,
    /// The signature does not match.
    #[error("signature mismatch")]
    BadSignature,
    /// The timestamp is older than the allowed skew.
    #[error("timestamp too old")]
    Expired,
    /// The timestamp is further in the future than the allowed skew.
    #[error("timestamp in the future")]
    NotYetValid,
    /// The API answered with an error.
    #[error("ovhcloud api error {status} ({kind:?}): {message}{}", query_id.as_deref().map(|q| format!(" [query id {q}]")).unwrap_or_default())]
    Api {
        /// The family.
        kind: OvhErrorKind,
        /// The HTTP status.
        status: u16,
        /// `errorCode` or `class`, as sent.
        error_code: Option<String>,
        /// `message`, as sent.
        message: String,
        /// `X-Ovh-QueryID`, to quote to OVHcloud support.
        query_id: Option<String>,
    },
    /// The request did not complete.
    #[cfg(feature = "client")]
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// The request timed out.
    #[cfg(feature = "client")]
    #[error("request timed out")]
    Timeout,
    /// Another `partner-core` error, kept as it is (its kind included).
    #[error(transparent)]
    Core(partner_core::Error),
}

impl Error {
    /// The API error family, for API errors.
    pub fn ovh_kind(&self) -> Option<OvhErrorKind> {
        match self {
            Error::Api { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Malformed(_) | Error::EmptyKey => ErrorKind::Malformed,
            Error::UnsafeInput(_) => ErrorKind::UnsafeInput,
            Error::BadSignature => ErrorKind::BadSignature,
            Error::Expired => ErrorKind::Expired,
            Error::NotYetValid => ErrorKind::NotYetValid,
            Error::Api { .. } => ErrorKind::Rejected,
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
            Core::Malformed(w) => Error::Malformed(w),
            Core::UnsafeInput(w) => Error::UnsafeInput(w),
            Core::EmptyKey => Error::EmptyKey,
            Core::BadSignature => Error::BadSignature,
            Core::Expired => Error::Expired,
            Core::NotYetValid => Error::NotYetValid,
            // Anything else keeps its own kind (a `_ => BadSignature` arm
            // used to turn, say, `ReplayGuardFull` into a signature error).
            other => Error::Core(other),
        }
    }
}
