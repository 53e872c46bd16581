//! The parameters of a hash handoff, and which names a hash link may carry.

use std::fmt;

use partner_core::Error as CoreError;

use crate::Error;

/// The names the vendor documents for a hash link. A link carries these and
/// only such other names as the caller declares non-secret.
pub const DOCUMENTED_PARAMS: [&str; 7] =
    ["accountid", "accountname", "userid", "username", "useremail", "timestamp", "hash"];

/// The documented names that say who signs in: their values are shown by
/// `Debug` of a verified handoff; every other value is redacted.
pub(crate) const IDENTITY_PARAMS: [&str; 5] =
    ["accountid", "accountname", "userid", "username", "useremail"];

/// Names [`SsoParams::extra`] refuses: set by the signer, or by a setter.
const RESERVED: [&str; 8] =
    ["hash", "timestamp", "jwt", "accountid", "accountname", "userid", "username", "useremail"];

/// Who signs in: the account (company) and, optionally, the user.
///
/// Built-in setters cover the documented parameters; [`extra`](Self::extra)
/// adds others, which a signer sends only when they were declared
/// non-secret with [`HashLinkSigner::allow_params`](crate::HashLinkSigner::allow_params).
/// Credentials go in a JWT ([`JwtClaims::credential`](crate::JwtClaims::credential)).
///
/// `Debug` shows the documented values and only the names of the others.
///
/// ```
/// use partner_blendr::{Error, ErrorKind, HasErrorKind, SsoParams};
///
/// let p = SsoParams::new("123")?.account_name("ACME").user_id("456").user_email("jo@acme.test");
/// assert_eq!(p.pairs().map(|(k, _)| k).collect::<Vec<_>>(), ["accountid", "accountname", "userid", "useremail"]);
/// let p = p.extra("plan", "pro")?;
/// assert_eq!(p.clone().extra("timestamp", "1").unwrap_err().error_kind(), ErrorKind::Malformed);
/// assert!(SsoParams::new("").is_err());
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SsoParams {
    pairs: Vec<(String, String)>,
    /// The bytes of every name and value, kept as pairs are set, so that
    /// a signer sizes its buffer without a pass over them.
    bytes: usize,
}

impl SsoParams {
    /// Parameters for `account_id` (required, non-empty).
    pub fn new(account_id: impl Into<String>) -> Result<Self, Error> {
        let account_id = account_id.into();
        if account_id.is_empty() {
            return Err(CoreError::Malformed("accountid is empty").into());
        }
        let bytes = "accountid".len() + account_id.len();
        Ok(SsoParams { pairs: vec![("accountid".to_owned(), account_id)], bytes })
    }

    fn set(mut self, name: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        self.bytes += value.len();
        match self.pairs.iter_mut().find(|(k, _)| k == name) {
            Some(pair) => self.bytes -= std::mem::replace(&mut pair.1, value).len(),
            None => {
                self.bytes += name.len();
                self.pairs.push((name.to_owned(), value));
            }
        }
        self
    }

    /// The account's name.
    pub fn account_name(self, name: impl Into<String>) -> Self {
        self.set("accountname", name)
    }

    /// Your id of the user within the account.
    pub fn user_id(self, id: impl Into<String>) -> Self {
        self.set("userid", id)
    }

    /// The user's name.
    pub fn user_name(self, name: impl Into<String>) -> Self {
        self.set("username", name)
    }

    /// The user's e-mail address.
    pub fn user_email(self, email: impl Into<String>) -> Self {
        self.set("useremail", email)
    }

    /// Another parameter. Only its shape is checked here (a non-empty name
    /// that is not one of the documented or signer-set names, which is
    /// `malformed`); whether it may be sent is the signer's
    /// allow-list ([`HashLinkSigner::allow_params`](crate::HashLinkSigner::allow_params)).
    pub fn extra(self, name: &str, value: impl Into<String>) -> Result<Self, Error> {
        if name.is_empty() || RESERVED.contains(&name) {
            return Err(CoreError::Malformed("extra parameter name is empty or reserved").into());
        }
        Ok(self.set(name, value))
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        // `new` puts it first and nothing removes it.
        self.pairs.first().map_or("", |(_, v)| v.as_str())
    }

    /// The parameters in the order they are sent (`accountid` first).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many parameters there are.
    pub(crate) fn count(&self) -> usize {
        self.pairs.len()
    }

    /// The bytes of every name and value together (before encoding).
    pub(crate) fn text_len(&self) -> usize {
        self.bytes
    }
}

/// `Debug` of name/value pairs: identity values shown, other values redacted.
pub(crate) fn debug_pairs(
    f: &mut fmt::Formatter<'_>,
    type_name: &str,
    pairs: &[(&str, &str)],
    timestamp: Option<i64>,
) -> fmt::Result {
    let mut s = f.debug_struct(type_name);
    for (name, value) in pairs.iter().filter(|(k, _)| IDENTITY_PARAMS.contains(k)) {
        s.field(name, value);
    }
    if let Some(ts) = timestamp {
        s.field("timestamp", &ts);
    }
    let others: Vec<&str> = pairs
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| !IDENTITY_PARAMS.contains(k) && !matches!(*k, "timestamp" | "hash"))
        .collect();
    s.field("other_params_redacted", &others).finish()
}

impl fmt::Debug for SsoParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pairs: Vec<(&str, &str)> = self.pairs().collect();
        debug_pairs(f, "SsoParams", &pairs, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_identity_and_only_names_of_extras() {
        let p = SsoParams::new("acme")
            .unwrap()
            .user_email("jo@acme.test")
            .extra("session", "s3cr3t-value")
            .unwrap();
        let text = format!("{p:?}");
        assert_eq!(
            text,
            r#"SsoParams { accountid: "acme", useremail: "jo@acme.test", other_params_redacted: ["session"] }"#
        );
    }
}
