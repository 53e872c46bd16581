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
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClientVhost(Repr);

/// Account names are short: up to [`INLINE`] bytes are kept in place, so
/// that reading one from a launch URL allocates nothing.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Inline { bytes: [u8; INLINE], len: u8 },
    Heap(Box<str>),
}

/// The longest name kept without an allocation.
const INLINE: usize = 30;

impl ClientVhost {
    /// Validates a ClientVHOST; [`Error::UnsafeVhost`] when it is not a
    /// safe path segment.
    pub fn new(vhost: impl Into<String>) -> Result<Self, Error> {
        Self::parse(&vhost.into())
    }

    /// [`new`](Self::new) of borrowed text: no allocation for a name of up
    /// to 30 bytes.
    pub(crate) fn parse(vhost: &str) -> Result<Self, Error> {
        if !is_safe_vhost(vhost) {
            return Err(Error::UnsafeVhost);
        }
        Ok(Self::inline(vhost).unwrap_or_else(|| ClientVhost(Repr::Heap(vhost.into()))))
    }

    /// The name kept in place, when it fits.
    fn inline(vhost: &str) -> Option<Self> {
        let mut bytes = [0u8; INLINE];
        bytes.get_mut(..vhost.len())?.copy_from_slice(vhost.as_bytes());
        Some(ClientVhost(Repr::Inline { bytes, len: u8::try_from(vhost.len()).ok()? }))
    }

    /// The account name.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Copied from a `str` of `len` bytes: never the fallback.
            Repr::Inline { bytes, len } => {
                std::str::from_utf8(bytes.get(..usize::from(*len)).unwrap_or_default())
                    .unwrap_or_default()
            }
            Repr::Heap(text) => text,
        }
    }
}

impl fmt::Debug for ClientVhost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientVhost").field(&self.as_str()).finish()
    }
}

impl fmt::Display for ClientVhost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_safe_vhost(v: &str) -> bool {
    let mut bytes = v.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Names on both sides of the inline limit read back as given, and a
    // name is equal to itself however it was made.
    #[test]
    fn short_and_long_names_read_back() {
        for len in [1, 29, 30, 31, 64, 300] {
            let name: String = "a1.b_c-".chars().cycle().take(len).collect();
            let name = format!("x{}", &name[1..]);
            let made = ClientVhost::new(name.clone()).unwrap();
            assert_eq!(made.as_str(), name);
            assert_eq!(made.to_string(), name);
            assert_eq!(format!("{made:?}"), format!("ClientVhost({name:?})"));
            assert_eq!(ClientVhost::parse(&name).unwrap(), made);
        }
        assert_ne!(ClientVhost::new("abc").unwrap(), ClientVhost::new("abd").unwrap());
        assert!(ClientVhost::parse("").is_err() && ClientVhost::parse("a/b").is_err());
    }
}
