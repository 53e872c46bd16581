//! [`HashLinkSigner`]: the partner side of a hash handoff (GET link or POST form).

use partner_core::crypto::HmacSha256Key;
use partner_core::encoding::{form_encode, push_form_pairs, push_hex};
use partner_core::{
    Error as CoreError, LoginLinkIssuer, MessageSigner, Secret, SignedUrl, UnixTime,
};

use super::form::{crlf, render_post_form};
use crate::params::AllowedParams;
use crate::{Error, Hub, SsoPage, SsoParams, SsoRequest};

/// A signed SSO link: it logs its holder in for a few minutes, so `Debug`
/// shows the page only; use [`as_str`](SignedUrl::as_str) to open it.
pub type SsoLink = SignedUrl;

/// `page_url?` + the form-encoded pairs.
pub(crate) fn link_with_query(page_url: String, pairs: &[(&str, &str)]) -> SsoLink {
    let mut url = page_url;
    url.push('?');
    push_form_pairs(&mut url, pairs.iter().copied());
    SignedUrl::new(url)
}

/// Signs hash SSO links with the partner API key: the partner side.
///
/// The hash is lower-case hex HMAC-SHA256 of the exact query string that is
/// sent (everything before `&hash=`), so what is signed and what arrives
/// are the same bytes whatever the encoder.
///
/// A hash link is not secret from whoever sees the URL (browser history,
/// logs, `Referer`), so it carries the documented parameters (`accountid`,
/// `accountname`, `userid`, `username`, `useremail`, `timestamp`, `hash`)
/// and only the other names declared non-secret with
/// [`allow_params`](Self::allow_params); any other name is refused with
/// [`Error::UndeclaredParameter`]. Credentials go in a JWT
/// ([`JwtSigner`](crate::JwtSigner)).
///
/// It implements [`LoginLinkIssuer`] for an [`SsoRequest<SsoParams>`].
///
/// ```
/// use partner_blendr::{Error, ErrorKind, HasErrorKind, HashLinkSigner, Hub, SsoPage, SsoParams, UnixTime};
///
/// let signer = HashLinkSigner::new("saaspartner_api_key")?;
/// let params = SsoParams::new("123")?.account_name("ACME").user_id("456");
/// let link = signer.link(&Hub::eu("acme")?, &SsoPage::Home, &params, UnixTime::from_secs(1565706663))?;
/// assert_eq!(
///     link.as_str(),
///     "https://acme.admin.blendr.io/sso?accountid=123&accountname=ACME&userid=456&timestamp=1565706663\
///      &hash=5d1a343a38c2fa4d577dd06e0e969445d2d6fa16355e8bccf37d5ad478d45557"
/// );
///
/// // Other names only when declared non-secret.
/// let with_plan = params.extra("plan", "pro")?;
/// let now = UnixTime::from_secs(1565706663);
/// assert!(matches!(
///     signer.link(&Hub::eu("acme")?, &SsoPage::Home, &with_plan, now),
///     Err(Error::UndeclaredParameter)
/// ));
/// let signer = signer.allow_params(["plan"]);
/// assert!(signer.link(&Hub::eu("acme")?, &SsoPage::Home, &with_plan, now).is_ok());
/// assert_eq!(HashLinkSigner::new("").unwrap_err().error_kind(), ErrorKind::Malformed);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct HashLinkSigner {
    key: HmacSha256Key,
    allowed: AllowedParams,
}

impl HashLinkSigner {
    /// A signer with the partner's SaaS Partner API key;
    /// `partner_core::Error::EmptyKey` (kind `malformed`) when the key is empty.
    pub fn new(api_key: impl Into<Secret>) -> Result<Self, Error> {
        Ok(HashLinkSigner { key: HmacSha256Key::new(api_key)?, allowed: AllowedParams::default() })
    }

    /// Declares extra parameter names non-secret, so that links may carry
    /// them (in addition to the documented ones). Names are compared
    /// exactly; calls add up. Declare only names whose values may appear in
    /// a URL: a credential goes in a JWT, whatever it is called.
    pub fn allow_params<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.allowed.extend(names);
        self
    }

    /// The extra names declared with [`allow_params`](Self::allow_params), sorted.
    pub fn allowed_params(&self) -> impl Iterator<Item = &str> {
        self.allowed.declared()
    }

    /// Lower-case hex HMAC-SHA256 of `query` (the `sso-hash` of docs/conformance.md):
    /// the primitive, with no check of what `query` holds.
    pub fn hash(&self, query: &str) -> String {
        self.key.sign_hex(query.as_bytes())
    }

    /// Checks the names of `pairs`: `hash`, `timestamp` and `jwt` are the
    /// signer's (`malformed`); others must be documented or declared
    /// ([`Error::UndeclaredParameter`]).
    fn check_names<'a>(
        &self,
        pairs: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), Error> {
        let mut undeclared = false;
        for (name, _) in pairs {
            if matches!(name, "hash" | "timestamp" | "jwt") {
                return Err(
                    CoreError::Malformed("hash, timestamp and jwt are set by the signer").into()
                );
            }
            undeclared |= !self.allowed.permits(name);
        }
        if undeclared { Err(Error::UndeclaredParameter) } else { Ok(()) }
    }

    /// `Q&hash=HEX` where `Q` form-encodes `pairs` then `timestamp`.
    ///
    /// This is the low-level form, for any ordered pairs: it requires a
    /// non-empty `accountid` (`malformed`), refuses `hash`, `timestamp` and
    /// `jwt` among the pairs (`malformed`) and any name neither documented
    /// nor declared ([`Error::UndeclaredParameter`]).
    pub fn signed_query(
        &self,
        pairs: &[(&str, &str)],
        timestamp: UnixTime,
    ) -> Result<String, Error> {
        if !pairs.iter().any(|(k, v)| *k == "accountid" && !v.is_empty()) {
            return Err(CoreError::Malformed("accountid is missing or empty").into());
        }
        self.check_names(pairs.iter().copied())?;
        let mut query = String::with_capacity(256);
        self.push_signed_query(&mut query, pairs.iter().copied(), timestamp);
        Ok(query)
    }

    /// Appends `Q&hash=HEX` to `out`, signing only what this call appends.
    fn push_signed_query<'a>(
        &self,
        out: &mut String,
        pairs: impl Iterator<Item = (&'a str, &'a str)>,
        ts: UnixTime,
    ) {
        use std::fmt::Write as _;
        let start = out.len();
        push_form_pairs(out, pairs);
        if out.len() > start {
            out.push('&');
        }
        // Digits and `-` need no encoding; writing into a String cannot fail.
        let _ = write!(out, "timestamp={ts}");
        let tag = MessageSigner::sign(&self.key, &out.as_bytes()[start..]);
        out.push_str("&hash=");
        push_hex(out, &tag);
    }

    /// The signed GET link to `page` of `hub`, for the time `now`;
    /// [`Error::UndeclaredParameter`] for an extra name not declared.
    pub fn link(
        &self,
        hub: &Hub,
        page: &SsoPage,
        params: &SsoParams,
        now: UnixTime,
    ) -> Result<SsoLink, Error> {
        self.check_names(params.pairs())?;
        let mut url = hub.page_url(page);
        url.reserve(256);
        url.push('?');
        self.push_signed_query(&mut url, params.pairs(), now);
        Ok(SignedUrl::new(url))
    }

    /// `base_url + "?" + signed_query(pairs, timestamp)` for a base URL given
    /// in full, such as `https://acme.admin.blendr.io/sso` (the `sso-link`
    /// of docs/conformance.md).
    pub fn link_to(
        &self,
        base_url: &str,
        pairs: &[(&str, &str)],
        timestamp: UnixTime,
    ) -> Result<SsoLink, Error> {
        let base = partner_core::BaseUrl::parse(base_url)?;
        let mut url = base.as_str().to_owned();
        url.push('?');
        url.push_str(&self.signed_query(pairs, timestamp)?);
        Ok(SignedUrl::new(url))
    }

    /// The same handoff as a POST, which the vendor prefers: an HTML page
    /// whose form submits itself to the hub (in an iframe, a popup or the
    /// page itself). Every value is HTML-escaped; line breaks are sent as
    /// CRLF, as browsers do, and signed that way. `nonce` is the CSP nonce of
    /// the submitting script (base64 characters only). Names are checked as
    /// for [`link`](Self::link).
    ///
    /// ```
    /// use partner_blendr::{HashLinkSigner, Hub, SsoPage, SsoParams, UnixTime};
    ///
    /// let signer = HashLinkSigner::new("k")?;
    /// let params = SsoParams::new("1")?.user_name("\"><script>");
    /// let html = signer.post_form(&Hub::eu("acme")?, &SsoPage::Home, &params, UnixTime::from_secs(1), None)?;
    /// assert!(html.contains(r#"<form id="blendr-sso" method="post" action="https://acme.admin.blendr.io/sso""#));
    /// assert!(html.contains(r#"name="username" value="&quot;&gt;&lt;script&gt;""#));
    /// # Ok::<(), partner_blendr::Error>(())
    /// ```
    pub fn post_form(
        &self,
        hub: &Hub,
        page: &SsoPage,
        params: &SsoParams,
        now: UnixTime,
        nonce: Option<&str>,
    ) -> Result<String, Error> {
        self.check_names(params.pairs())?;
        let normalised: Vec<(String, String)> =
            params.pairs().map(|(k, v)| (crlf(k), crlf(v))).collect();
        let ts = now.to_string();
        let mut fields: Vec<(&str, &str)> =
            normalised.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        fields.push(("timestamp", &ts));
        let hash = self.hash(&form_encode(&fields));
        fields.push(("hash", &hash));
        render_post_form(&hub.page_url(page), &fields, nonce)
    }
}

impl LoginLinkIssuer for HashLinkSigner {
    type Request = SsoRequest<SsoParams>;
    type Link = SsoLink;
    type Error = Error;

    /// [`link`](HashLinkSigner::link) to the request's page.
    fn issue_link(&self, request: &SsoRequest<SsoParams>, now: UnixTime) -> Result<SsoLink, Error> {
        self.link(&request.hub, &request.page, &request.handoff, now)
    }
}

#[cfg(test)]
#[path = "signer_tests.rs"]
mod tests;
