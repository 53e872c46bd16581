//! [`LaunchSigner`]: builds signed launch URLs (the partner side).

use partner_core::crypto::HmacSha256Key;
use partner_core::encoding::{push_form_encoded, push_hex};
use partner_core::{BaseUrl, LoginLinkIssuer, MessageSigner, Secret, SignedUrl, UnixTime};

use super::{ClientVhost, DEFAULT_APP_BASE_URL, ObtainedToken};
use crate::Error;
use crate::error::malformed;

/// A signed launch URL: it carries a live access token, so `Debug` shows
/// the path only; use [`as_str`](SignedUrl::as_str) to redirect the browser.
pub type LaunchUrl = SignedUrl;

/// Builds signed launch URLs: the partner side.
///
/// It holds the signature key and the web application host browsers are
/// sent to (`https://app.teapplix.com` unless
/// [`with_base_url`](Self::with_base_url) says otherwise).
///
/// ```
/// use partner_teapplix::{ClientVhost, LaunchSigner};
/// use partner_core::UnixTime;
///
/// let signer = LaunchSigner::new("Signature Key").unwrap();
/// let vhost = ClientVhost::new("demo2").unwrap();
/// let url = signer.launch_url(&vhost, "AccessToken", UnixTime::from_secs(1483257600));
/// assert_eq!(
///     url.as_str(),
///     "https://app.teapplix.com/h/demo2/te/lo.cgi?Action=Launch&pt=AccessToken&ts=1483257600\
///      &signature=9991b1c9984c8b2b4495b6a09ce35bec09af044cc653486a8a4421bc9493a205"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct LaunchSigner {
    key: HmacSha256Key,
    base: BaseUrl,
}

impl LaunchSigner {
    /// A signer with the partner's signature key, for `https://app.teapplix.com`.
    ///
    /// An empty key is [`partner_core::Error::EmptyKey`]: anyone could sign with it.
    pub fn new(signature_key: impl Into<Secret>) -> Result<Self, Error> {
        let base = BaseUrl::parse(DEFAULT_APP_BASE_URL)?;
        Ok(LaunchSigner { key: HmacSha256Key::new(signature_key)?, base })
    }

    /// Sends browsers to another web application host (a fake, a regional host).
    #[must_use]
    pub fn with_base_url(mut self, base: BaseUrl) -> Self {
        self.base = base;
        self
    }

    /// The base URL launches go to.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    /// The unsigned URI: `/h/<vhost>/te/lo.cgi?Action=Launch&pt=<form-encoded token>&ts=<ts>`.
    pub fn launch_uri(vhost: &ClientVhost, access_token: &str, ts: UnixTime) -> String {
        let mut uri = String::with_capacity(64 + access_token.len());
        push_launch_uri(&mut uri, vhost, access_token, ts);
        uri
    }

    /// Lower-case hex HMAC-SHA256 of `uri` under the signature key.
    pub fn sign_uri(&self, uri: &str) -> String {
        self.key.sign_hex(uri.as_bytes())
    }

    /// The signed launch URL for this account, token and time.
    pub fn launch_url(&self, vhost: &ClientVhost, access_token: &str, ts: UnixTime) -> LaunchUrl {
        // One buffer: base, URI, then the signature of the URI part of it.
        let base = self.base.as_str();
        let mut url = String::with_capacity(base.len() + 64 + 3 * access_token.len() + 11 + 64);
        url.push_str(base);
        push_launch_uri(&mut url, vhost, access_token, ts);
        let tag = self.key.sign(&url.as_bytes()[base.len()..]);
        url.push_str("&signature=");
        push_hex(&mut url, &tag);
        SignedUrl::new(url)
    }

    /// The signed launch URL for an obtained token, at `now`; an expired token
    /// is [`Error::TokenExpired`] rather than a link that cannot work.
    pub fn launch_url_for(&self, token: &ObtainedToken, now: UnixTime) -> Result<LaunchUrl, Error> {
        if token.is_expired_at(now) {
            return Err(Error::TokenExpired);
        }
        let access_token = token
            .access_token
            .expose_str()
            .ok_or_else(|| malformed("access token is not utf-8"))?;
        Ok(self.launch_url(&token.client_vhost, access_token, now))
    }
}

/// Appends `/h/<vhost>/te/lo.cgi?Action=Launch&pt=<form-encoded token>&ts=<ts>`.
fn push_launch_uri(out: &mut String, vhost: &ClientVhost, access_token: &str, ts: UnixTime) {
    use std::fmt::Write as _;
    out.push_str("/h/");
    out.push_str(vhost.as_str());
    out.push_str("/te/lo.cgi?Action=Launch&pt=");
    push_form_encoded(out, access_token);
    out.push_str("&ts=");
    // Writing an integer into a String cannot fail.
    let _ = write!(out, "{ts}");
}

impl LoginLinkIssuer for LaunchSigner {
    type Request = ObtainedToken;
    type Link = LaunchUrl;
    type Error = Error;

    fn issue_link(&self, token: &ObtainedToken, now: UnixTime) -> Result<LaunchUrl, Error> {
        self.launch_url_for(token, now)
    }
}
