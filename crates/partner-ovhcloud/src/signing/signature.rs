//! [`RequestSignature`]: an `X-Ovh-Signature` value, on the stack.

use std::fmt;

/// An `X-Ovh-Signature` value: `$1$` and 40 lower-case hex digits, held
/// inline (signing a request allocates nothing). It reads as a `&str`
/// ([`as_str`](Self::as_str), `Deref`, `Display`) and compares with text.
///
/// A signature is sent in the clear with its request, so `Debug` shows it;
/// it serialises as its text.
///
/// ```
/// use partner_ovhcloud::{ApplicationSecret, ConsumerKey, SignedRequest, UnixTime, sign};
///
/// let request = SignedRequest { method: "GET", url: "https://eu.api.ovh.com/1.0/auth", body: b"" };
/// let sig = sign(
///     &ApplicationSecret::new("9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk")?,
///     &ConsumerKey::new("5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY")?,
///     &request,
///     UnixTime::from_secs(1457018875),
/// );
/// assert_eq!(sig, "$1$e9556054b6309771395efa467c22e627407461ad");
/// assert_eq!(sig.len(), 43);
/// assert_eq!(sig.to_string(), sig.as_str());
/// # Ok::<(), partner_ovhcloud::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestSignature {
    text: [u8; 43],
}

impl RequestSignature {
    /// `$1$` and the lower-case hex of `digest`.
    pub(crate) fn from_digest(digest: &[u8; 20]) -> Self {
        let mut text = [0u8; 43];
        text[..3].copy_from_slice(b"$1$");
        if let Some(digits) = text.last_chunk_mut::<40>() {
            partner_core::encoding::hex_lower_to(digest, digits);
        }
        RequestSignature { text }
    }

    /// The header value.
    pub fn as_str(&self) -> &str {
        // ASCII by construction.
        std::str::from_utf8(&self.text).unwrap_or_default()
    }
}

impl std::ops::Deref for RequestSignature {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for RequestSignature {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for RequestSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RequestSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<RequestSignature> for String {
    fn from(signature: RequestSignature) -> String {
        signature.as_str().to_owned()
    }
}

impl PartialEq<str> for RequestSignature {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RequestSignature {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for RequestSignature {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

/// As its text.
impl serde::Serialize for RequestSignature {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
