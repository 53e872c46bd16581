//! [`ProviderRejection`]: a provider's refusal, in one shape for every provider.

use std::fmt;

/// A provider answered with an error: the same fields whatever the vendor's
/// error body looks like (`errorCode`/`message`, OAuth2's
/// `error`/`error_description`, `Code`/`Message`/`Description`).
///
/// Each provider crate fills it from its vendor's body; a body that is not
/// the vendor's shape leaves `code` empty and keeps a short excerpt as
/// `message`. It holds what the provider sent, never what was sent to it.
///
/// ```
/// use partner_core::ProviderRejection;
///
/// let r = ProviderRejection::new("example", 403)
///     .with_code("NOT_GRANTED_CALL")
///     .with_message("This call has not been granted")
///     .with_request_id("EU.ext-3.6f8e");
/// assert_eq!(
///     r.to_string(),
///     "example refused the request: http 403, NOT_GRANTED_CALL: This call has not been granted [request id EU.ext-3.6f8e]"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderRejection {
    /// The provider, as the crates name it (`"example"`).
    pub provider: &'static str,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The vendor's machine-readable code: `errorCode`, OAuth2 `error`, `Code`.
    pub code: Option<String>,
    /// The vendor's human-readable text, or an excerpt of a body of another shape.
    pub message: Option<String>,
    /// Further lines the vendor sent (a `Description` list, field errors).
    pub details: Vec<String>,
    /// The vendor's request id, to quote to their support (`X-Request-Id` or the vendor's own header).
    pub request_id: Option<String>,
}

/// The longest excerpt of a body kept as a message, in characters.
pub const EXCERPT_CHARS: usize = 200;

impl ProviderRejection {
    /// A rejection with only the provider and the status.
    pub fn new(provider: &'static str, status: u16) -> Self {
        ProviderRejection {
            provider,
            status,
            code: None,
            message: None,
            details: Vec::new(),
            request_id: None,
        }
    }

    /// Sets the vendor's code (an empty one is left unset).
    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into()).filter(|c| !c.is_empty());
        self
    }

    /// Sets the vendor's message (an empty one is left unset).
    #[must_use]
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into()).filter(|m| !m.is_empty());
        self
    }

    /// Adds detail lines.
    #[must_use]
    pub fn with_details(mut self, details: impl IntoIterator<Item = String>) -> Self {
        self.details.extend(details);
        self
    }

    /// Sets the request id (an empty one is left unset).
    #[must_use]
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into()).filter(|i| !i.is_empty());
        self
    }

    /// Sets `message` to an excerpt of a body that is not the vendor's error
    /// shape: at most [`EXCERPT_CHARS`] characters, control characters
    /// dropped, lossy UTF-8. Leaves `message` unset for a blank body.
    #[must_use]
    pub fn with_body_excerpt(self, body: &[u8]) -> Self {
        let text: String = String::from_utf8_lossy(body)
            .chars()
            .filter(|c| !c.is_control())
            .take(EXCERPT_CHARS)
            .collect();
        let trimmed = text.trim();
        if trimmed.is_empty() { self } else { self.with_message(trimmed) }
    }

    /// The error of this answer: [`Error::Unavailable`](crate::Error::Unavailable)
    /// with reason [`ServerError`](crate::Unavailability::ServerError) and this
    /// rejection as its source for a 5xx, else
    /// [`Error::Rejected`](crate::Error::Rejected).
    ///
    /// ```
    /// use partner_core::{ErrorKind, HasErrorKind, ProviderRejection};
    /// assert_eq!(ProviderRejection::new("p", 503).into_error().error_kind(), ErrorKind::Unavailable);
    /// assert_eq!(ProviderRejection::new("p", 409).into_error().error_kind(), ErrorKind::Rejected);
    /// ```
    pub fn into_error(self) -> crate::Error {
        if self.is_server_error() {
            let (provider, status) = (self.provider, self.status);
            crate::Error::unavailable(
                provider,
                crate::Unavailability::ServerError { status },
                Some(std::sync::Arc::new(self)),
            )
        } else {
            crate::Error::rejected(self)
        }
    }

    /// Whether the status is a server error (5xx).
    pub fn is_server_error(&self) -> bool {
        (500..600).contains(&self.status)
    }
}

impl fmt::Display for ProviderRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} refused the request: http {}", self.provider, self.status)?;
        if let Some(code) = &self.code {
            write!(f, ", {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ProviderRejection {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_bounded_and_clean() {
        let r =
            ProviderRejection::new("x", 502).with_body_excerpt(b"<html>\n\x07bad gateway</html>");
        assert_eq!(r.message.as_deref(), Some("<html>bad gateway</html>"));
        let long = vec![b'a'; 1000];
        let r = ProviderRejection::new("x", 500).with_body_excerpt(&long);
        assert_eq!(r.message.map(|m| m.len()), Some(EXCERPT_CHARS));
        assert_eq!(ProviderRejection::new("x", 500).with_body_excerpt(b" \n ").message, None);
        assert_eq!(ProviderRejection::new("x", 400).with_code("").code, None);
        assert_eq!(ProviderRejection::new("x", 400).to_string(), "x refused the request: http 400");
        assert!(ProviderRejection::new("x", 503).is_server_error());
    }
}
