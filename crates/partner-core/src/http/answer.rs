//! [`Answer`]: a provider's answer, read whole and bounded.

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::Error;

/// A provider's answer: status, headers and the whole body.
#[derive(Debug, Clone)]
pub struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    /// An answer (for tests and dialects).
    pub fn new(status: u16, headers: HeaderMap, body: Vec<u8>) -> Self {
        Answer { status, headers, body }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Every header.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// One header as text, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, owned.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The body as JSON (an empty body reads as `null`); an
    /// [`Error::InvalidResponse`] naming `what` when it does not decode.
    pub fn json<T: DeserializeOwned>(
        &self,
        provider: &'static str,
        what: &'static str,
    ) -> Result<T, Error> {
        let body: &[u8] = if self.body.is_empty() { b"null" } else { &self.body };
        serde_json::from_slice(body).map_err(|err| Error::invalid_json(provider, what, err))
    }
}
