//! [`MultipassSigner`]: issues multipass tokens and the return links that
//! carry them (what Cloud 66 does; for tests, fakes and demos).

use std::fmt;
use std::time::Duration;

use partner_core::{Error as CoreError, LoginLinkIssuer, UnixTime};
use url::Url;

use super::{MultipassKeys, ruby_utc};
use crate::Error;

/// How long a multipass issued by [`LoginLinkIssuer::issue_link`] is valid
/// by default (what Cloud 66 writes: one minute).
pub const DEFAULT_LINK_LIFETIME: Duration = Duration::from_secs(60);

/// A multipass, encoded: the token and, for signed schemes, its signature.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncodedMultipass {
    /// The token (`multipass` parameter).
    pub multipass: String,
    /// The signature (`signature` parameter), for signed schemes.
    pub signature: Option<String>,
}

impl fmt::Debug for EncodedMultipass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncodedMultipass([REDACTED])")
    }
}

/// Who a multipass login link signs in, and where it goes: the partner's
/// registered SSO return URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MultipassLogin {
    /// The partner's SSO return URL (https, or http on loopback); a query
    /// it has is kept.
    pub return_url: String,
    /// The user's e-mail address.
    pub email: String,
    /// The user's name.
    pub name: String,
}

impl MultipassLogin {
    /// A login of `email` / `name`, sent to `return_url`.
    pub fn new(
        return_url: impl Into<String>,
        email: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        MultipassLogin { return_url: return_url.into(), email: email.into(), name: name.into() }
    }
}

/// Issues multipass tokens with one scheme's keys.
///
/// ```
/// use partner_cloud66::{MultipassKeys, MultipassLogin, MultipassSigner, UnixTime};
/// use partner_core::{LoginLinkIssuer, Secret};
///
/// // The ex_multipass doctest vector (Ruby gem scheme).
/// let keys = MultipassKeys::entp("my_site_key", &Secret::from("my_super_secret_key_shh")).unwrap();
/// let signer = MultipassSigner::new(keys);
/// assert_eq!(signer.sign(br#"{"example":"data"}"#).multipass, "HFtLULqnAfVZexe46_T5KHJcgSRwAtf45zPwJ5g361w");
///
/// let signer = MultipassSigner::new(MultipassKeys::cloud66("3f7a1c9e5b2d4f6081a2c3e4f5061728").unwrap());
/// let login = MultipassLogin::new("https://partner.example/sso?from=c66", "jon@smith.com", "Jon Smith");
/// let link = signer.issue_link(&login, UnixTime::from_secs(1_432_052_648)).unwrap();
/// assert!(link.starts_with("https://partner.example/sso?from=c66&multipass="));
/// assert!(link.contains("&signature="));
/// ```
#[derive(Debug, Clone)]
pub struct MultipassSigner {
    keys: MultipassKeys,
    lifetime: Duration,
}

impl MultipassSigner {
    /// A signer with these keys; links it issues live
    /// [`DEFAULT_LINK_LIFETIME`].
    pub fn new(keys: MultipassKeys) -> Self {
        MultipassSigner { keys, lifetime: DEFAULT_LINK_LIFETIME }
    }

    /// How long a multipass issued by
    /// [`issue_link`](LoginLinkIssuer::issue_link) is valid.
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The keys.
    pub fn keys(&self) -> &MultipassKeys {
        &self.keys
    }

    /// Encrypts `payload_json` (the exact JSON text) into a multipass and
    /// signs it (signed schemes).
    pub fn sign(&self, payload_json: &[u8]) -> EncodedMultipass {
        let multipass = self.keys.encrypt(payload_json);
        let signature = self.keys.signature_of(&multipass);
        EncodedMultipass { multipass, signature }
    }

    /// A multipass for a user, valid until `expires` (written as Ruby
    /// writes a UTC time, `2015-05-19 16:24:48 UTC`).
    pub fn sign_identity(&self, email: &str, name: &str, expires: UnixTime) -> EncodedMultipass {
        let payload =
            serde_json::json!({"email": email, "name": name, "expires": ruby_utc(expires)});
        self.sign(payload.to_string().as_bytes())
    }

    /// The return URL of `login` with `multipass` and `signature` added to
    /// its query, for a multipass valid until `expires`.
    ///
    /// # Errors
    ///
    /// `unsafe-input` when the return URL is not an absolute https URL (or
    /// http on a loopback host) without credentials.
    pub fn link(&self, login: &MultipassLogin, expires: UnixTime) -> Result<String, Error> {
        let mut url = checked_return_url(&login.return_url)?;
        let token = self.sign_identity(&login.email, &login.name, expires);
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("multipass", &token.multipass);
            if let Some(signature) = &token.signature {
                query.append_pair("signature", signature);
            }
        }
        Ok(url.into())
    }
}

fn checked_return_url(text: &str) -> Result<Url, Error> {
    const UNSAFE: CoreError = CoreError::UnsafeInput("return url is not an absolute https url");
    let url = Url::parse(text).map_err(|_| UNSAFE)?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(UNSAFE.into()),
    };
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !scheme_ok || !url.username().is_empty() || url.password().is_some() {
        return Err(UNSAFE.into());
    }
    Ok(url)
}

impl LoginLinkIssuer for MultipassSigner {
    type Request = MultipassLogin;
    type Link = String;
    type Error = Error;

    /// [`link`](MultipassSigner::link) with a multipass valid until
    /// `now` + the signer's lifetime.
    fn issue_link(&self, login: &MultipassLogin, now: UnixTime) -> Result<String, Error> {
        self.link(login, now.saturating_add(self.lifetime))
    }
}
