//! The one error type of this crate.

use std::fmt;

use partner_core::{ErrorKind, HasErrorKind, ProviderRejection};

/// Why a provisioning POST was refused: the documented 403 texts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProvisionFailure {
    /// `link_uid is missing`.
    LinkUidMissing,
    /// `user_email is missing`.
    UserEmailMissing,
    /// `invalid user_email (...)`: invalid, or the user may not accept
    /// this integration. The full text is kept.
    InvalidUserEmail(String),
    /// `invalid link_uid`.
    InvalidLinkUid,
    /// `<what> is already linked to this account`; holds `<what>`.
    AlreadyLinked(String),
    /// Any other 403 text: an integration-specific error.
    IntegrationSpecific(String),
}

impl ProvisionFailure {
    /// Reads a 403 body by the documented texts (prefix and suffix match).
    pub fn from_text(text: &str) -> Self {
        let t = text.trim();
        if t.eq_ignore_ascii_case("link_uid is missing") {
            ProvisionFailure::LinkUidMissing
        } else if t.eq_ignore_ascii_case("user_email is missing") {
            ProvisionFailure::UserEmailMissing
        } else if t.to_ascii_lowercase().starts_with("invalid user_email") {
            ProvisionFailure::InvalidUserEmail(t.to_owned())
        } else if t.eq_ignore_ascii_case("invalid link_uid") {
            ProvisionFailure::InvalidLinkUid
        } else if let Some(what) = t.strip_suffix(" is already linked to this account") {
            ProvisionFailure::AlreadyLinked(what.to_owned())
        } else {
            ProvisionFailure::IntegrationSpecific(t.to_owned())
        }
    }
}

impl fmt::Display for ProvisionFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProvisionFailure::LinkUidMissing => f.write_str("link_uid is missing"),
            ProvisionFailure::UserEmailMissing => f.write_str("user_email is missing"),
            ProvisionFailure::InvalidUserEmail(_) => f.write_str("invalid user_email"),
            ProvisionFailure::InvalidLinkUid => f.write_str("invalid link_uid"),
            ProvisionFailure::AlreadyLinked(what) => {
                write!(f, "{what} is already linked to this account")
            }
            ProvisionFailure::IntegrationSpecific(text) => f.write_str(text),
        }
    }
}

/// Everything that can go wrong in a Cloud 66 integration.
///
/// [`Error::Core`] carries every failure `partner-core` names (malformed
/// input, bad signature, expired, replayed, a provider's refusal, no usable
/// answer), with its kind unchanged; the other variants are what only
/// Cloud 66 has. Messages never carry the provider UID, a multipass, a
/// signature, a client secret or a token.
///
/// ```
/// use partner_cloud66::{Error, ErrorKind, HasErrorKind};
///
/// let err = Error::from(partner_core::Error::Expired);
/// assert_eq!(err.error_kind(), ErrorKind::Expired);
/// assert_eq!(err.error_kind().http_status(), 401);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A failure `partner-core` names, of its own kind.
    #[error(transparent)]
    Core(#[from] partner_core::Error),
    /// The OAuth2 `state` the callback came back with is not the one stored
    /// (kind `bad-signature`).
    #[error("oauth2 state mismatch")]
    StateMismatch,
    /// The provisioning POST was refused (403) with a documented (or
    /// partner-specific) text (kind `rejected`).
    #[error("provisioning refused: {0}")]
    Provision(ProvisionFailure),
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Core(err) => err.error_kind(),
            Error::StateMismatch => ErrorKind::BadSignature,
            Error::Provision(_) => ErrorKind::Rejected,
        }
    }
}

impl Error {
    /// Cloud 66's refusal, when this error is one: its status, `error`
    /// code, `error_description` and request id (a 4xx, or the last 5xx
    /// after the retries).
    pub fn rejection(&self) -> Option<&ProviderRejection> {
        match self {
            Error::Core(err) => err.rejection(),
            _ => None,
        }
    }

    fn status(&self) -> Option<u16> {
        self.rejection().map(|r| r.status)
    }

    /// 401 from Cloud 66: the token (or the client) is invalid or revoked.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// 402 from the API: the account needs a paid plan.
    pub fn is_payment_required(&self) -> bool {
        self.status() == Some(402)
    }

    /// 403 from the API with `insufficient_scope` (or no code): the token
    /// lacks a scope. A provisioning 403 is [`Error::Provision`] instead.
    pub fn is_missing_scope(&self) -> bool {
        self.rejection().is_some_and(|r| {
            r.status == 403 && r.code.as_deref().is_none_or(|c| c == "insufficient_scope")
        })
    }

    /// 503 from the API (throttled: 3,000 requests an hour), still the
    /// answer after the retries.
    pub fn is_throttled(&self) -> bool {
        self.status() == Some(503)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_403_texts() {
        use ProvisionFailure::*;
        assert_eq!(ProvisionFailure::from_text("link_uid is missing"), LinkUidMissing);
        assert_eq!(ProvisionFailure::from_text("user_email is missing\n"), UserEmailMissing);
        assert_eq!(
            ProvisionFailure::from_text("invalid user_email (invalid email or not enough privileges to accept this integration by this user)."),
            InvalidUserEmail("invalid user_email (invalid email or not enough privileges to accept this integration by this user).".into())
        );
        assert_eq!(ProvisionFailure::from_text("invalid link_uid"), InvalidLinkUid);
        assert_eq!(
            ProvisionFailure::from_text("Sentry is already linked to this account"),
            AlreadyLinked("Sentry".into())
        );
        assert_eq!(
            ProvisionFailure::from_text("quota exceeded"),
            IntegrationSpecific("quota exceeded".into())
        );
    }

    #[test]
    fn kinds_come_from_core_unchanged() {
        use partner_core::Error as Core;
        for core in [
            Core::Malformed("x"),
            Core::UnsafeInput("x"),
            Core::BadSignature,
            Core::Decrypt,
            Core::Expired,
            Core::NotYetValid,
            Core::Replayed,
            Core::ReplayGuardFull,
            Core::EmptyKey,
            Core::invalid_response("cloud66", "x"),
        ] {
            let kind = core.error_kind();
            assert_eq!(Error::from(core).error_kind(), kind);
        }
        assert_eq!(Error::StateMismatch.error_kind(), ErrorKind::BadSignature);
        assert_eq!(
            Error::Provision(ProvisionFailure::InvalidLinkUid).error_kind(),
            ErrorKind::Rejected
        );
    }

    #[test]
    fn predicates_read_the_rejection() {
        let rejected = |status, code: &str| {
            Error::from(partner_core::Error::rejected(
                ProviderRejection::new(crate::PROVIDER, status).with_code(code),
            ))
        };
        assert!(rejected(401, "invalid_token").is_unauthorized());
        assert!(rejected(402, "").is_payment_required());
        assert!(!rejected(402, "").is_missing_scope() && !rejected(402, "").is_unauthorized());
        assert!(rejected(503, "").is_throttled() && !rejected(502, "").is_throttled());
        assert!(rejected(403, "insufficient_scope").is_missing_scope());
        assert!(!rejected(403, "forbidden").is_missing_scope());
        assert!(!rejected(401, "invalid_token").is_missing_scope());
        assert_eq!(
            rejected(404, "not_found").rejection().and_then(|r| r.code.as_deref()),
            Some("not_found")
        );
        assert!(Error::StateMismatch.rejection().is_none());
    }
}
