//! The one error type of this crate.

use partner_core::{ErrorKind, HasErrorKind};

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

/// Everything that can go wrong in a Cloud 66 integration.
///
/// Messages are lower-case and never carry the provider UID, a multipass,
/// a signature, a client secret or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input that cannot be parsed or lacks a required field.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// A value that would inject into a URL or redirect (callback host not
    /// allowed, non-https callback, bad provider name).
    #[error("unsafe input: {0}")]
    UnsafeInput(&'static str),
    /// Multipass signature mismatch, or a token that does not decrypt.
    /// One error for every failure before the JSON is read.
    #[error("multipass signature or decryption failed")]
    BadSignature,
    /// The multipass is past `expires`.
    #[error("multipass expired")]
    Expired,
    /// The multipass's `expires` is further ahead than the verifier's
    /// maximum lifetime allows.
    #[error("multipass expires too far ahead")]
    ExpiresTooFarAhead,
    /// A key (UID half, site key, API key, client secret, token) is empty.
    #[error("key is empty")]
    EmptyKey,
    /// Another error of `partner-core`, with its own kind.
    #[error(transparent)]
    Core(partner_core::Error),
    /// The multipass was already used.
    #[error("multipass already used")]
    Replayed,
    /// A replay guard full of live entries refused a new one.
    #[error("replay guard is at capacity")]
    ReplayGuardFull,
    /// The OAuth2 `state` did not match.
    #[error("oauth2 state mismatch")]
    StateMismatch,
    /// The provisioning POST was refused with a documented (or partner) text.
    #[error("provisioning refused: {0:?}")]
    Provision(ProvisionFailure),
    /// 401 from the API: the token is invalid or revoked.
    #[error("cloud 66 api: unauthorized")]
    Unauthorized,
    /// 402 from the API: the account needs a paid plan.
    #[error("cloud 66 api: payment required")]
    PaymentRequired,
    /// 403 from the API: the token lacks a scope.
    #[error("cloud 66 api: forbidden (missing scope){}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    MissingScope {
        /// `error_description`, when given.
        description: Option<String>,
    },
    /// 503 from the API: throttled (3,000 requests an hour).
    #[error("cloud 66 api: throttled")]
    Throttled,
    /// Any other error answer, with `{"error","error_description"}` kept.
    #[error("cloud 66 rejected the request: http {status}{}{}",
        error.as_deref().map(|e| format!(", {e}")).unwrap_or_default(),
        description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// `error`.
        error: Option<String>,
        /// `error_description` (or a short excerpt of a non-JSON body).
        description: Option<String>,
    },
    /// The request did not complete.
    #[cfg(feature = "client")]
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// The request timed out.
    #[cfg(feature = "client")]
    #[error("request timed out")]
    Timeout,
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Malformed(_) | Error::EmptyKey => ErrorKind::Malformed,
            Error::UnsafeInput(_) => ErrorKind::UnsafeInput,
            Error::BadSignature | Error::StateMismatch => ErrorKind::BadSignature,
            Error::Expired => ErrorKind::Expired,
            Error::ExpiresTooFarAhead => ErrorKind::NotYetValid,
            Error::Core(err) => err.error_kind(),
            Error::Replayed => ErrorKind::Replayed,
            Error::ReplayGuardFull
            | Error::Provision(_)
            | Error::Unauthorized
            | Error::PaymentRequired
            | Error::MissingScope { .. }
            | Error::Throttled
            | Error::Rejected { .. } => ErrorKind::Rejected,
            #[cfg(feature = "client")]
            Error::Transport(_) | Error::Timeout => ErrorKind::Rejected,
        }
    }
}

impl From<partner_core::Error> for Error {
    fn from(err: partner_core::Error) -> Self {
        use partner_core::Error as Core;
        match err {
            Core::Malformed(what) => Error::Malformed(what),
            Core::UnsafeInput(what) => Error::UnsafeInput(what),
            Core::EmptyKey => Error::EmptyKey,
            Core::Expired => Error::Expired,
            Core::Replayed => Error::Replayed,
            Core::ReplayGuardFull => Error::ReplayGuardFull,
            Core::BadSignature | Core::Decrypt => Error::BadSignature,
            // Any other core error keeps its own kind.
            other => Error::Core(other),
        }
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
}
