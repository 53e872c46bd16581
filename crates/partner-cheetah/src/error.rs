//! The one error type of this crate.

use partner_core::{ErrorKind, HasErrorKind, ProviderRejection};

/// Everything that can go wrong talking to Cheetah or emitting the state.
///
/// Cheetah adds nothing that `partner-core` cannot say, so every error is a
/// [`partner_core::Error`] and keeps its kind: a refusal is
/// [`Rejected`](partner_core::Error::Rejected) with the
/// [`ProviderRejection`] read from Doorkeeper's
/// `{"error", "error_description"}` body (see [`rejection`](Self::rejection)),
/// no usable answer is [`Unavailable`](partner_core::Error::Unavailable).
///
/// Messages are lower-case and never carry a token or a client secret.
///
/// ```
/// use partner_cheetah::{Error, ErrorKind, HasErrorKind};
/// use partner_core::ProviderRejection;
///
/// let err = Error::from(partner_core::Error::rejected(
///     ProviderRejection::new("cheetah", 401).with_code("invalid_token"),
/// ));
/// assert_eq!(err.error_kind(), ErrorKind::Rejected);
/// assert_eq!(err.error_kind().http_status(), 502);
/// assert!(err.is_token_problem());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error of `partner-core`, with its own kind.
    #[error(transparent)]
    Core(#[from] partner_core::Error),
}

impl Error {
    /// Cheetah's refusal, when this error is one (a 4xx, or the last 5xx
    /// left after the retries): status, `error` as the code,
    /// `error_description` (or `message`) as the message, `X-Request-Id`.
    pub fn rejection(&self) -> Option<&ProviderRejection> {
        match self {
            Error::Core(err) => err.rejection(),
        }
    }

    /// Whether this is a 401 that a fresh integration token may cure: the
    /// code is `invalid_token`, `token_expired` or `expired_token`, or there
    /// is none.
    pub fn is_token_problem(&self) -> bool {
        self.rejection().is_some_and(is_token_problem)
    }
}

/// Whether `rejection` says the token it was sent with is stale.
pub(crate) fn is_token_problem(rejection: &ProviderRejection) -> bool {
    rejection.status == 401
        && rejection
            .code
            .as_deref()
            .is_none_or(|c| matches!(c, "invalid_token" | "token_expired" | "expired_token"))
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Core(err) => err.error_kind(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(status: u16, code: Option<&str>) -> Error {
        let mut r = ProviderRejection::new("cheetah", status);
        if let Some(code) = code {
            r = r.with_code(code);
        }
        Error::from(partner_core::Error::rejected(r))
    }

    #[test]
    fn token_problems_are_401s_with_a_token_code_or_none() {
        for code in [None, Some("invalid_token"), Some("token_expired"), Some("expired_token")] {
            assert!(rejected(401, code).is_token_problem(), "{code:?}");
        }
        assert!(!rejected(401, Some("invalid_client")).is_token_problem());
        assert!(!rejected(403, Some("invalid_token")).is_token_problem());
        assert!(!Error::from(partner_core::Error::Expired).is_token_problem());
    }

    #[test]
    fn kinds_are_core_kinds() {
        assert_eq!(rejected(400, None).error_kind(), ErrorKind::Rejected);
        for core in [
            partner_core::Error::EmptyKey,
            partner_core::Error::Malformed("x"),
            partner_core::Error::UnsafeInput("x"),
            partner_core::Error::ReplayGuardFull,
            partner_core::Error::invalid_response("cheetah", "x"),
        ] {
            let kind = core.error_kind();
            assert_eq!(Error::from(core).error_kind(), kind);
        }
        assert_eq!(rejected(401, Some("c")).rejection().map(|r| r.status), Some(401));
    }
}
