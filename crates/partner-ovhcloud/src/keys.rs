//! The two secrets of a signature, each its own type so that they cannot
//! be swapped silently: [`ApplicationSecret`] and [`ConsumerKey`].

use std::fmt;

use partner_core::Secret;
use serde::{Deserialize, Deserializer};

use crate::Error;

/// An application's secret (AS), as OVHcloud issued it with the
/// application key. Never empty: with an empty secret, anyone who knows a
/// consumer key could sign.
///
/// ```
/// use partner_ovhcloud::{ApplicationSecret, ErrorKind};
///
/// let secret = ApplicationSecret::new("app secret")?;
/// assert_eq!(format!("{secret:?}"), "ApplicationSecret([REDACTED])");
/// assert_eq!(ApplicationSecret::new("").unwrap_err().error_kind(), ErrorKind::Malformed);
/// # Ok::<(), partner_ovhcloud::Error>(())
/// ```
#[derive(Clone)]
pub struct ApplicationSecret(Secret);

impl ApplicationSecret {
    /// Wraps a secret.
    ///
    /// # Errors
    ///
    /// [`partner_core::Error::EmptyKey`] (kind `malformed`) when it is empty.
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        Ok(ApplicationSecret(secret.into().non_empty()?))
    }

    /// The secret.
    pub fn secret(&self) -> &Secret {
        &self.0
    }
}

impl fmt::Debug for ApplicationSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApplicationSecret([REDACTED])")
    }
}

/// A customer's consumer key (CK): what the customer's consent validated,
/// stored per customer and sent with each signed call. Never empty.
///
/// ```
/// use partner_ovhcloud::{ConsumerKey, ErrorKind};
///
/// let ck = ConsumerKey::new("5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY")?;
/// assert!(!format!("{ck:?}").contains("5mBuy"));
/// assert_eq!(ConsumerKey::new("").unwrap_err().error_kind(), ErrorKind::Malformed);
/// # Ok::<(), partner_ovhcloud::Error>(())
/// ```
#[derive(Clone)]
pub struct ConsumerKey(Secret);

impl ConsumerKey {
    /// Wraps a consumer key.
    ///
    /// # Errors
    ///
    /// [`partner_core::Error::EmptyKey`] (kind `malformed`) when it is empty.
    pub fn new(key: impl Into<Secret>) -> Result<Self, Error> {
        Ok(ConsumerKey(key.into().non_empty()?))
    }

    /// The key.
    pub fn secret(&self) -> &Secret {
        &self.0
    }

    /// The key as text, when it is UTF-8 (OVHcloud's keys always are).
    pub fn expose_str(&self) -> Option<&str> {
        self.0.expose_str()
    }
}

impl fmt::Debug for ConsumerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConsumerKey([REDACTED])")
    }
}

impl<'de> Deserialize<'de> for ConsumerKey {
    /// A JSON string; an empty one is refused.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ConsumerKey::new(text).map_err(|_| serde::de::Error::custom("consumer key is empty"))
    }
}
