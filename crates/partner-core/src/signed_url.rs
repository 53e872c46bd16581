//! A URL that carries a credential (a signed login link, a launch URL).

use std::fmt;

/// A URL whose query carries a credential: a signed SSO link, a launch URL
/// with an access token. `Debug` shows the part before `?` only, so logging
/// a value of this type never logs what would let someone else log in;
/// there is no `Display`: call [`as_str`](Self::as_str) where the URL is
/// used (a redirect, an iframe `src`).
///
/// ```
/// use partner_core::SignedUrl;
/// let url = SignedUrl::new("https://hub.example/sso?accountid=1&hash=abc".to_owned());
/// assert_eq!(format!("{url:?}"), "SignedUrl(https://hub.example/sso?[REDACTED])");
/// assert_eq!(url.as_str(), "https://hub.example/sso?accountid=1&hash=abc");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SignedUrl(String);

impl SignedUrl {
    /// Wraps a signed URL.
    pub fn new(url: String) -> Self {
        SignedUrl(url)
    }

    /// The URL to send the browser to.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL, by value.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for SignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_once('?') {
            Some((before, _)) => write!(f, "SignedUrl({before}?[REDACTED])"),
            None => write!(f, "SignedUrl({})", self.0),
        }
    }
}
