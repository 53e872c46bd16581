//! [`HashLinkSigner`]: the partner side of a hash handoff (GET link or POST form).

use partner_core::crypto::HmacSha256Key;
use partner_core::encoding::{FormWriter, form_encode, push_form_pairs};
use partner_core::{
    Error as CoreError, LoginLinkIssuer, MessageSigner, Secret, SignedUrl, UnixTime,
};

use super::form::{crlf, render_post_form};
use crate::names::{AllowedParams, Found, NameKind};
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

/// Room for the signed query of `pairs`: names and values with their `=`
/// and `&`, a quarter more for what form encoding grows (`@`, `,`,
/// non-ASCII), then `&timestamp=` with up to 20 digits and `&hash=` with 64
/// hex digits.
fn query_capacity<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> usize {
    let (count, text) = pairs.fold((0, 0), |(n, len), (k, v)| (n + 1, len + k.len() + v.len()));
    capacity_for(count, text)
}

/// [`query_capacity`] of `count` pairs of `text` bytes in all.
fn capacity_for(count: usize, text: usize) -> usize {
    let bytes = text + 2 * count;
    bytes + bytes / 4 + 128
}

/// The name rules of a hash link, noted pair by pair and judged at the end
/// (so the first error in this order wins, whatever the order of pairs):
/// a non-empty `accountid` is required (`malformed`); `hash`, `timestamp`
/// and `jwt` are the signer's, even when declared (`malformed`); any other
/// name must be documented or declared ([`Error::UndeclaredParameter`]).
#[derive(Default)]
struct NameCheck {
    account: bool,
    own: bool,
    undeclared: bool,
}

impl NameCheck {
    #[inline(always)]
    fn note(&mut self, found: Option<Found>, value: &str) {
        match found {
            // The common case first, with no jump table.
            Some(found) if found.plain => {}
            None => self.undeclared = true,
            Some(found) => match found.kind {
                NameKind::AccountId => self.account |= !value.is_empty(),
                NameKind::Timestamp | NameKind::Hash | NameKind::Jwt => self.own = true,
                NameKind::Identity | NameKind::Declared => {}
            },
        }
    }

    fn result(&self) -> Result<(), Error> {
        if !self.account {
            Err(CoreError::Malformed("accountid is missing or empty").into())
        } else if self.own {
            Err(CoreError::Malformed("hash, timestamp and jwt are set by the signer").into())
        } else if self.undeclared {
            Err(Error::UndeclaredParameter)
        } else {
            Ok(())
        }
    }
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

    /// Checks the names of `pairs` (see [`NameCheck`]) without writing
    /// anything.
    fn check_names<'a>(
        &self,
        pairs: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), Error> {
        let mut check = NameCheck::default();
        for (name, value) in pairs {
            check.note(self.allowed.find(name), value);
        }
        check.result()
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
        let mut query =
            FormWriter::with_capacity(String::new(), query_capacity(pairs.iter().copied()));
        self.push_signed_query(&mut query, pairs.iter().copied(), timestamp)?;
        Ok(query.finish())
    }

    /// Appends `Q&hash=HEX` to `out`, signing only what this call appends.
    ///
    /// One pass: each name is looked up once, which both checks it and
    /// gives its encoding (documented names are sent as they are, declared
    /// ones were encoded when declared); only values go through the
    /// encoder. On an error, what was appended is garbage (holding no value
    /// of a refused name): callers drop `out`.
    fn push_signed_query<'a>(
        &self,
        out: &mut FormWriter,
        pairs: impl Iterator<Item = (&'a str, &'a str)>,
        ts: UnixTime,
    ) -> Result<(), Error> {
        let start = out.len();
        let mut check = NameCheck::default();
        for (name, value) in pairs {
            let found = self.allowed.find(name);
            check.note(found, value);
            // Only what may be sent is written: no value of a refused name
            // (an undeclared one, or `hash`, `timestamp`, `jwt`) is copied.
            let Some(found) = found.filter(|f| f.plain || f.kind == NameKind::AccountId) else {
                continue;
            };
            match found.joined {
                Some(joined) if out.len() > start => out.push_short(&joined),
                _ if out.len() > start => out.push_str(self.allowed.joined(found)),
                _ => out.push_str(self.allowed.first(found)),
            }
            out.push_encoded(value);
        }
        check.result()?;
        out.push_str(if out.len() > start { "&timestamp=" } else { "timestamp=" });
        // Digits and `-` need no encoding.
        out.push_str(itoa::Buffer::new().format(ts.as_secs()));
        let tag = MessageSigner::sign(&self.key, out.as_bytes().get(start..).unwrap_or_default());
        out.push_str("&hash=");
        out.push_str(
            std::str::from_utf8(&partner_core::encoding::hex_lower_array(&tag)).unwrap_or_default(),
        );
        Ok(())
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
        // One allocation: the page URL is written where the query follows.
        let query = capacity_for(params.count(), params.text_len());
        let mut url = String::with_capacity(hub.page_url_len(page) + 1 + query);
        hub.push_page_url(&mut url, page);
        url.push('?');
        let mut url = FormWriter::with_capacity(url, query);
        self.push_signed_query(&mut url, params.pairs(), now)?;
        Ok(SignedUrl::new(url.finish()))
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
        let query = query_capacity(pairs.iter().copied());
        let mut url = String::with_capacity(base.as_str().len() + 1 + query);
        url.push_str(base.as_str());
        url.push('?');
        let mut url = FormWriter::with_capacity(url, query);
        self.push_signed_query(&mut url, pairs.iter().copied(), timestamp)?;
        Ok(SignedUrl::new(url.finish()))
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
