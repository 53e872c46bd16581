//! The hash SSO link (GET or POST): build it. Verifying is in `hash_verify`.

use std::time::Duration;

use partner_core::crypto::HmacSha256Key;
use partner_core::encoding::{form_encode, push_html_escaped};
use partner_core::{Secret, SignedUrl, UnixTime};

use crate::params::AllowedParams;
use crate::{Error, Hub, SsoPage, SsoParams};

/// Default age a verifier accepts for `timestamp` (docs/conformance.md: 300 s).
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
/// Default skew a verifier accepts for a `timestamp` in the future (60 s).
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(60);

/// A signed SSO link: it logs its holder in for a few minutes, so `Debug`
/// shows the page only; use [`as_str`](SignedUrl::as_str) to open it.
pub type SsoLink = SignedUrl;

/// `page_url?` + the form-encoded pairs.
pub(crate) fn link_with_query(page_url: String, pairs: &[(&str, &str)]) -> SsoLink {
    let mut url = page_url;
    url.push('?');
    partner_core::encoding::push_form_pairs(&mut url, pairs.iter().copied());
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
/// ```
/// use partner_blendr::{Error, HashLinkSigner, Hub, SsoPage, SsoParams, UnixTime};
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
/// assert!(matches!(HashLinkSigner::new(""), Err(Error::EmptyKey)));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct HashLinkSigner {
    key: HmacSha256Key,
    allowed: AllowedParams,
}

impl HashLinkSigner {
    /// A signer with the partner's SaaS Partner API key;
    /// [`Error::EmptyKey`] when the key is empty.
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
    /// signer's ([`Error::Malformed`]); others must be documented or declared
    /// ([`Error::UndeclaredParameter`]).
    fn check_names<'a>(
        &self,
        pairs: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), Error> {
        let mut undeclared = false;
        for (name, _) in pairs {
            if matches!(name, "hash" | "timestamp" | "jwt") {
                return Err(Error::Malformed("hash, timestamp and jwt are set by the signer"));
            }
            undeclared |= !self.allowed.permits(name);
        }
        if undeclared { Err(Error::UndeclaredParameter) } else { Ok(()) }
    }

    /// `Q&hash=HEX` where `Q` form-encodes `pairs` then `timestamp`.
    ///
    /// This is the low-level form, for any ordered pairs: it requires a
    /// non-empty `accountid` ([`Error::Malformed`]), refuses `hash`,
    /// `timestamp` and `jwt` among the pairs ([`Error::Malformed`]) and any
    /// name neither documented nor declared ([`Error::UndeclaredParameter`]).
    pub fn signed_query(
        &self,
        pairs: &[(&str, &str)],
        timestamp: UnixTime,
    ) -> Result<String, Error> {
        if !pairs.iter().any(|(k, v)| *k == "accountid" && !v.is_empty()) {
            return Err(Error::Malformed("accountid is missing or empty"));
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
        partner_core::encoding::push_form_pairs(out, pairs);
        if out.len() > start {
            out.push('&');
        }
        // Digits and `-` need no encoding; writing into a String cannot fail.
        let _ = write!(out, "timestamp={ts}");
        let tag = partner_core::MessageSigner::sign(&self.key, &out.as_bytes()[start..]);
        out.push_str("&hash=");
        partner_core::encoding::push_hex(out, &tag);
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
        let query = self.signed_query(pairs, timestamp)?;
        Ok(SignedUrl::new(format!("{base}?{query}")))
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

/// An HTML page whose form posts `fields` to `action` as soon as it loads.
pub(crate) fn render_post_form(
    action: &str,
    fields: &[(&str, &str)],
    nonce: Option<&str>,
) -> Result<String, Error> {
    if let Some(n) = nonce {
        if n.is_empty()
            || !n
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
        {
            return Err(Error::UnsafeInput("csp nonce must be base64 characters"));
        }
    }
    let mut html = String::with_capacity(512);
    html.push_str("<!doctype html><html><head><meta charset=\"utf-8\"><title>Opening integrations</title></head><body>");
    html.push_str("<form id=\"blendr-sso\" method=\"post\" action=\"");
    push_html_escaped(&mut html, action);
    html.push_str("\" accept-charset=\"UTF-8\" enctype=\"application/x-www-form-urlencoded\">");
    for (name, value) in fields {
        html.push_str("<input type=\"hidden\" name=\"");
        push_html_escaped(&mut html, name);
        html.push_str("\" value=\"");
        push_html_escaped(&mut html, value);
        html.push_str("\">");
    }
    html.push_str("<noscript><button type=\"submit\">Continue</button></noscript></form>");
    match nonce {
        Some(n) => {
            html.push_str("<script nonce=\"");
            html.push_str(n);
            html.push_str("\">");
        }
        None => html.push_str("<script>"),
    }
    html.push_str("document.getElementById(\"blendr-sso\").submit();</script></body></html>\n");
    Ok(html)
}

/// Line breaks as a browser submits them: CR, LF and CRLF all become CRLF.
fn crlf(text: &str) -> String {
    if !text.contains(['\r', '\n']) {
        return text.to_owned();
    }
    text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::{ErrorKind, HasErrorKind};

    const KEY: &str = "saaspartner_api_key";

    fn signer() -> HashLinkSigner {
        HashLinkSigner::new(KEY).unwrap()
    }

    // The hash of docs/conformance.md's sso-hash example (Python hmac).
    #[test]
    fn documented_hash() {
        assert_eq!(
            signer().hash("accountid=123&accountname=John&userid=456&timestamp=1565706663"),
            "d9423344c3d1823be6716af3fc7dbd7d185e45b1eca895c74dfa409fd06ac01d"
        );
    }

    #[test]
    fn empty_keys_are_refused() {
        assert!(matches!(HashLinkSigner::new(""), Err(Error::EmptyKey)));
        assert!(matches!(HashLinkSigner::new(Vec::new()), Err(Error::EmptyKey)));
        assert_eq!(HashLinkSigner::new("").unwrap_err().error_kind(), ErrorKind::Malformed);
    }

    // Credential names a name-guessing heuristic let through (access_key,
    // client_key, pwd, auth, session, passphrase, otp, ...), names it caught,
    // and names that look harmless: none is sent unless declared, and each
    // is sent once declared.
    const COMMON_NAMES: [&str; 46] = [
        "apikey",
        "api_key",
        "API-Key",
        "access_token",
        "password",
        "client_secret",
        "key",
        "access_key",
        "client_key",
        "pwd",
        "auth",
        "session",
        "passphrase",
        "otp",
        "sid",
        "jsessionid",
        "phpsessid",
        "code",
        "pin",
        "cookie",
        "sig",
        "signature",
        "hmac",
        "nonce",
        "salt",
        "private",
        "priv",
        "cert",
        "certificate",
        "pkcs12",
        "ssn",
        "cvv",
        "card",
        "account_number",
        "iban",
        "mfa",
        "totp",
        "recovery",
        "magic",
        "login_hint",
        "assertion",
        "saml",
        "ticket",
        "plan",
        "locale",
        "region",
    ];

    #[test]
    fn only_documented_and_declared_names_are_signed() {
        let hub = Hub::eu("acme").unwrap();
        let now = UnixTime::from_secs(1000);
        for name in COMMON_NAMES {
            let params = SsoParams::new("1").unwrap().extra(name, "v").unwrap();
            let pairs: Vec<(&str, &str)> = params.pairs().collect();
            let s = signer();
            let refused = |r: Result<(), Error>| matches!(r, Err(Error::UndeclaredParameter));
            assert!(refused(s.link(&hub, &SsoPage::Home, &params, now).map(|_| ())), "{name}");
            assert!(refused(s.signed_query(&pairs, now).map(|_| ())), "{name}");
            assert!(
                refused(s.link_to("https://acme.admin.blendr.io/sso", &pairs, now).map(|_| ())),
                "{name}"
            );
            assert!(
                refused(s.post_form(&hub, &SsoPage::Home, &params, now, None).map(|_| ())),
                "{name}"
            );
            let s = s.allow_params([name]);
            assert!(s.link(&hub, &SsoPage::Home, &params, now).is_ok(), "{name}");
            assert!(s.signed_query(&pairs, now).is_ok(), "{name}");
            assert!(s.post_form(&hub, &SsoPage::Home, &params, now, None).is_ok(), "{name}");
        }
        // Documented names need no declaration; the signer's own are refused.
        let s = signer();
        let all = [
            ("accountid", "1"),
            ("accountname", "A"),
            ("userid", "u"),
            ("username", "U"),
            ("useremail", "e"),
        ];
        assert!(s.signed_query(&all, now).is_ok());
        for own in ["hash", "timestamp", "jwt"] {
            let err =
                s.clone().allow_params([own]).signed_query(&[("accountid", "1"), (own, "x")], now);
            assert!(matches!(err, Err(Error::Malformed(_))), "{own}");
        }
        assert!(matches!(s.signed_query(&[("userid", "1")], now), Err(Error::Malformed(_))));
        assert!(SsoParams::new("1").unwrap().extra("timestamp", "1").is_err());
        assert_eq!(
            s.clone().allow_params(["b", "a"]).allowed_params().collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn debug_hides_the_query_and_key() {
        let s = signer();
        let link = s
            .link(
                &Hub::eu("acme").unwrap(),
                &SsoPage::Home,
                &SsoParams::new("1").unwrap(),
                UnixTime::EPOCH,
            )
            .unwrap();
        assert_eq!(format!("{link:?}"), "SignedUrl(https://acme.admin.blendr.io/sso?[REDACTED])");
        assert!(!format!("{s:?}").contains(KEY));
    }
}
