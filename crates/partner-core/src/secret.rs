//! The one secret type of the workspace.

use std::fmt;

use secrecy::{ExposeSecret, SecretBox};

/// A secret: an API key, a shared signing key, an access token.
///
/// - `Debug` prints `Secret([REDACTED])`; there is no `Display` and no
///   `Serialize`, so a secret cannot end up in a log line or a JSON body by
///   accident.
/// - The bytes are zeroized when the value is dropped (it wraps
///   [`secrecy::SecretBox`]).
/// - There is no `PartialEq`: compare with [`Secret::ct_eq`], which takes the
///   same time whatever the position of the first differing byte.
///
/// ```
/// use partner_core::Secret;
///
/// let key = Secret::from("s3cr3t");
/// assert_eq!(format!("{key:?}"), "Secret([REDACTED])");
/// assert!(key.ct_eq(b"s3cr3t"));
/// assert!(!key.ct_eq(b"s3cr3T"));
/// assert_eq!(key.expose_str(), Some("s3cr3t"));
/// ```
pub struct Secret(SecretBox<[u8]>);

impl Secret {
    /// Wraps these bytes. The vector is moved, not copied.
    pub fn new(bytes: Vec<u8>) -> Self {
        Secret(SecretBox::from(bytes.into_boxed_slice()))
    }

    /// The secret bytes. Call this only where the bytes are used (keying a
    /// MAC, writing a header), never to log or format them.
    pub fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// The secret as text, if it is UTF-8 (API keys and tokens always are).
    pub fn expose_str(&self) -> Option<&str> {
        std::str::from_utf8(self.expose()).ok()
    }

    /// Length in bytes (not secret for the formats handled here).
    pub fn len(&self) -> usize {
        self.expose().len()
    }

    /// Whether the secret is empty; builders use this to refuse empty keys.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }

    /// This secret, or [`Error::EmptyKey`](crate::Error::EmptyKey) when it is
    /// empty: what every key constructor calls first.
    ///
    /// ```
    /// use partner_core::{Error, Secret};
    /// assert!(Secret::from("k").non_empty().is_ok());
    /// assert_eq!(Secret::from("").non_empty().unwrap_err(), Error::EmptyKey);
    /// ```
    pub fn non_empty(self) -> Result<Self, crate::Error> {
        if self.is_empty() { Err(crate::Error::EmptyKey) } else { Ok(self) }
    }

    /// Constant-time comparison with `other`. Lengths are not hidden.
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        crate::crypto::constant_time_eq(self.expose(), other)
    }
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        Secret::new(self.expose().to_vec())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl From<Vec<u8>> for Secret {
    fn from(bytes: Vec<u8>) -> Self {
        Secret::new(bytes)
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Secret::new(text.into_bytes())
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Secret::new(text.as_bytes().to_vec())
    }
}

impl From<&[u8]> for Secret {
    fn from(bytes: &[u8]) -> Self {
        Secret::new(bytes.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_even_nested() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Credentials {
            key: Secret,
        }
        let c = Credentials { key: Secret::from("hunter2") };
        let text = format!("{c:?} {c:#?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("[REDACTED]"));
    }

    #[test]
    fn ct_eq_checks_every_byte_and_length() {
        let s = Secret::from(vec![1u8, 2, 3]);
        assert!(s.ct_eq(&[1, 2, 3]));
        assert!(!s.ct_eq(&[1, 2, 4]));
        assert!(!s.ct_eq(&[1, 2]));
        assert!(!s.ct_eq(&[1, 2, 3, 0]));
        assert_eq!(s.len(), 3);
        assert!(!s.is_empty());
        assert!(Secret::from("").is_empty());
    }

    #[test]
    fn clone_is_independent_and_expose_str_rejects_non_utf8() {
        let a = Secret::from(vec![0xff, 0xfe]);
        let b = a.clone();
        drop(a);
        assert_eq!(b.expose(), &[0xff, 0xfe]);
        assert_eq!(b.expose_str(), None);
    }
}
