//! [`ClientVhost`]: the Teapplix account name, checked to be a safe path segment.

use std::fmt;

use crate::Error;

/// A Teapplix account name as returned by PSObtainToken, checked to be a
/// safe URL path segment: `[A-Za-z0-9][A-Za-z0-9._-]*`.
///
/// It is the only value placed in the launch URL's path, so nothing that
/// could climb out of `/h/<vhost>/` (`..`, `/`, `%2F`, `?`, `#`) gets in.
///
/// ```
/// use partner_teapplix::ClientVhost;
/// assert!(ClientVhost::new("demo2").is_ok());
/// assert!(ClientVhost::new("../admin").is_err());
/// assert!(ClientVhost::new(".hidden").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientVhost(String);

impl ClientVhost {
    /// Validates a ClientVHOST; [`Error::UnsafeVhost`] when it is not a
    /// safe path segment.
    pub fn new(vhost: impl Into<String>) -> Result<Self, Error> {
        let vhost = vhost.into();
        if is_safe_vhost(&vhost) { Ok(ClientVhost(vhost)) } else { Err(Error::UnsafeVhost) }
    }

    /// The account name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientVhost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_safe_vhost(v: &str) -> bool {
    let mut bytes = v.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}
