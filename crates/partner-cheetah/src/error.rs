//! The one error type of this crate.

use partner_core::{ErrorKind, HasErrorKind};

/// Everything that can go wrong talking to Cheetah or emitting the state.
///
/// Messages are lower-case and never carry a token or a client secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Cheetah answered with an error status, usually with a Doorkeeper-style
    /// `{"error", "error_description"}` body, both kept.
    #[error("cheetah rejected the request: http {status}{}{}",
        code.as_deref().map(|c| format!(", {c}")).unwrap_or_default(),
        description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// `error`, for example `invalid_client` or `invalid_token`.
        code: Option<String>,
        /// `error_description`.
        description: Option<String>,
    },
    /// A response, setting or input that cannot be used.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// A value that would inject into a URL or page (a base URL, a nonce).
    #[error("unsafe input: {0}")]
    UnsafeInput(&'static str),
    /// The client secret is empty.
    #[error("key is empty")]
    EmptyKey,
    /// Another error of `partner-core`, with its own kind.
    #[error(transparent)]
    Core(partner_core::Error),
    /// The request did not complete.
    #[cfg(feature = "client")]
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// The request timed out.
    #[cfg(feature = "client")]
    #[error("request timed out")]
    Timeout,
}

impl Error {
    /// Whether this is a 401 that a fresh integration token may cure.
    pub fn is_token_problem(&self) -> bool {
        matches!(self, Error::Rejected { status: 401, code, .. }
            if code.as_deref().is_none_or(|c| c == "invalid_token" || c == "token_expired" || c == "expired_token"))
    }
}

impl HasErrorKind for Error {
    fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Rejected { .. } => ErrorKind::Rejected,
            Error::Malformed(_) | Error::EmptyKey => ErrorKind::Malformed,
            Error::UnsafeInput(_) => ErrorKind::UnsafeInput,
            Error::Core(err) => err.error_kind(),
            #[cfg(feature = "client")]
            Error::Transport(_) | Error::Timeout => ErrorKind::Rejected,
        }
    }
}

impl From<partner_core::Error> for Error {
    fn from(err: partner_core::Error) -> Self {
        match err {
            partner_core::Error::UnsafeInput(what) => Error::UnsafeInput(what),
            partner_core::Error::Malformed(what) => Error::Malformed(what),
            partner_core::Error::EmptyKey => Error::EmptyKey,
            // Any other core error keeps its own kind.
            other => Error::Core(other),
        }
    }
}
