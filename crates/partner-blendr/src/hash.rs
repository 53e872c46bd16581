//! The hash SSO link (GET or POST): build it, and verify it on the hub side.

use std::sync::Arc;
use std::time::Duration;

use partner_core::crypto::HmacSha256Key;
use std::borrow::Cow;

use partner_core::encoding::{form_decode_component, form_encode, raw_pairs};
use partner_core::{AcceptancePolicy, Freshness, ReplayGuard, Secret, SignedUrl, UnixTime};

use crate::{Error, Hub, SsoPage};

/// Default age a verifier accepts for `timestamp` (FORMAT.md: 300 s).
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
/// Default skew a verifier accepts for a `timestamp` in the future (60 s).
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(60);

/// Parameter names the link itself uses.
const RESERVED: [&str; 8] =
    ["hash", "timestamp", "jwt", "accountid", "accountname", "userid", "username", "useremail"];

/// Whether a parameter name looks like a credential (`apikey`,
/// `api_key`, `access_token`, `password`, `client-secret`, ...).
pub fn looks_like_credential(name: &str) -> bool {
    let n: String =
        name.chars().filter(|c| c.is_ascii_alphanumeric()).flat_map(char::to_lowercase).collect();
    [
        "apikey",
        "token",
        "password",
        "passwd",
        "secret",
        "privatekey",
        "authorization",
        "bearer",
        "credential",
    ]
    .iter()
    .any(|w| n.contains(w))
        || n == "key"
        || n == "pass"
}

/// Who signs in: the account (company) and, optionally, the user.
///
/// Built-in setters cover the documented parameters; [`extra`](Self::extra)
/// adds others but refuses credentials, which the vendor allows only in a
/// JWT ([`JwtClaims::credential`](crate::JwtClaims::credential)).
///
/// ```
/// use partner_blendr::{Error, SsoParams};
///
/// let p = SsoParams::new("123").unwrap().account_name("ACME").user_id("456").user_email("jo@acme.test");
/// assert_eq!(p.pairs().map(|(k, _)| k).collect::<Vec<_>>(), ["accountid", "accountname", "userid", "useremail"]);
/// assert!(matches!(SsoParams::new("1").unwrap().extra("apikey", "k"), Err(Error::CredentialsNeedJwt)));
/// assert!(SsoParams::new("").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoParams {
    pairs: Vec<(String, String)>,
}

impl SsoParams {
    /// Parameters for `account_id` (required, non-empty).
    pub fn new(account_id: impl Into<String>) -> Result<Self, Error> {
        let account_id = account_id.into();
        if account_id.is_empty() {
            return Err(Error::Malformed("accountid is empty"));
        }
        Ok(SsoParams { pairs: vec![("accountid".to_owned(), account_id)] })
    }

    fn set(mut self, name: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        match self.pairs.iter_mut().find(|(k, _)| k == name) {
            Some(pair) => pair.1 = value,
            None => self.pairs.push((name.to_owned(), value)),
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

    /// Another, non-credential parameter.
    pub fn extra(self, name: &str, value: impl Into<String>) -> Result<Self, Error> {
        if name.is_empty() || RESERVED.contains(&name) {
            return Err(Error::Malformed("extra parameter name is empty or reserved"));
        }
        if looks_like_credential(name) {
            return Err(Error::CredentialsNeedJwt);
        }
        Ok(self.set(name, value))
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.pairs[0].1
    }

    /// The parameters in the order they are sent (`accountid` first).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

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
/// ```
/// use partner_blendr::{HashLinkSigner, Hub, SsoPage, SsoParams, UnixTime};
///
/// let signer = HashLinkSigner::new("saaspartner_api_key");
/// let params = SsoParams::new("123").unwrap().account_name("ACME").user_id("456");
/// let link = signer.link(&Hub::eu("acme").unwrap(), &SsoPage::Home, &params, UnixTime::from_secs(1565706663));
/// assert_eq!(
///     link.as_str(),
///     "https://acme.admin.blendr.io/sso?accountid=123&accountname=ACME&userid=456&timestamp=1565706663\
///      &hash=5d1a343a38c2fa4d577dd06e0e969445d2d6fa16355e8bccf37d5ad478d45557"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct HashLinkSigner {
    key: HmacSha256Key,
}

impl HashLinkSigner {
    /// A signer with the partner's SaaS Partner API key.
    pub fn new(api_key: impl Into<Secret>) -> Self {
        HashLinkSigner { key: HmacSha256Key::new(api_key) }
    }

    /// Lower-case hex HMAC-SHA256 of `query` (the `sso-hash` of FORMAT.md).
    pub fn hash(&self, query: &str) -> String {
        self.key.sign_hex(query.as_bytes())
    }

    /// `Q&hash=HEX` where `Q` form-encodes `pairs` then `timestamp`.
    ///
    /// This is the low-level form, for any ordered pairs: it requires a
    /// non-empty `accountid` and refuses `hash`, `timestamp` and `jwt`
    /// among the pairs, but does not police credential names (use
    /// [`SsoParams`] for that).
    pub fn signed_query(
        &self,
        pairs: &[(&str, &str)],
        timestamp: UnixTime,
    ) -> Result<String, Error> {
        if !pairs.iter().any(|(k, v)| *k == "accountid" && !v.is_empty()) {
            return Err(Error::Malformed("accountid is missing or empty"));
        }
        if pairs.iter().any(|(k, _)| matches!(*k, "hash" | "timestamp" | "jwt")) {
            return Err(Error::Malformed("hash, timestamp and jwt are set by the signer"));
        }
        Ok(self.signed_query_unchecked(pairs.iter().copied(), timestamp))
    }

    fn signed_query_unchecked<'a>(
        &self,
        pairs: impl Iterator<Item = (&'a str, &'a str)>,
        ts: UnixTime,
    ) -> String {
        let mut query = String::with_capacity(256);
        self.push_signed_query(&mut query, pairs, ts);
        query
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

    /// The signed GET link to `page` of `hub`, for the time `now`.
    pub fn link(&self, hub: &Hub, page: &SsoPage, params: &SsoParams, now: UnixTime) -> SsoLink {
        let mut url = hub.page_url(page);
        url.reserve(256);
        url.push('?');
        self.push_signed_query(&mut url, params.pairs(), now);
        SignedUrl::new(url)
    }

    /// `base_url + "?" + signed_query(pairs, timestamp)` for a base URL given
    /// in full, such as `https://acme.admin.blendr.io/sso` (the `sso-link`
    /// of FORMAT.md).
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
    /// the submitting script (base64 characters only).
    ///
    /// ```
    /// use partner_blendr::{HashLinkSigner, Hub, SsoPage, SsoParams, UnixTime};
    ///
    /// let signer = HashLinkSigner::new("k");
    /// let params = SsoParams::new("1").unwrap().user_name("\"><script>");
    /// let html = signer.post_form(&Hub::eu("acme").unwrap(), &SsoPage::Home, &params, UnixTime::from_secs(1), None).unwrap();
    /// assert!(html.contains(r#"<form id="blendr-sso" method="post" action="https://acme.admin.blendr.io/sso""#));
    /// assert!(html.contains(r#"name="username" value="&quot;&gt;&lt;script&gt;""#));
    /// ```
    pub fn post_form(
        &self,
        hub: &Hub,
        page: &SsoPage,
        params: &SsoParams,
        now: UnixTime,
        nonce: Option<&str>,
    ) -> Result<String, Error> {
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
    escape_html(&mut html, action);
    html.push_str("\" accept-charset=\"UTF-8\" enctype=\"application/x-www-form-urlencoded\">");
    for (name, value) in fields {
        html.push_str("<input type=\"hidden\" name=\"");
        escape_html(&mut html, name);
        html.push_str("\" value=\"");
        escape_html(&mut html, value);
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

fn escape_html(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
}

/// What a verified hash handoff says: the signed query, decoded on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSso {
    signed: String,
    timestamp: UnixTime,
}

impl VerifiedSso {
    /// Every decoded parameter except `hash`, in the order received.
    pub fn params(&self) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
        raw_pairs(&self.signed).map(|p| (p.name, p.value))
    }

    /// The first value of `name`, decoded.
    pub fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        self.params().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The account id (always present and non-empty after verification).
    pub fn account_id(&self) -> Cow<'_, str> {
        self.get("accountid").unwrap_or_default()
    }

    /// The signed time.
    pub fn timestamp(&self) -> UnixTime {
        self.timestamp
    }

    /// The signed string as received: the query without its `hash` pair.
    pub fn signed_query(&self) -> &str {
        &self.signed
    }
}

/// Verifies hash handoffs: the hub side (the fake, or a hub of your own).
///
/// Checks, in the order of FORMAT.md: shape (one `hash`, a non-empty
/// `accountid`, one integer `timestamp`), then the hash in constant time
/// over the raw query with the `hash` pair removed textually, then the time
/// window, then single use.
///
/// ```
/// use partner_blendr::{Error, HashVerifier, UnixTime};
///
/// let v = HashVerifier::new("saaspartner_api_key");
/// let query = "accountid=123&userid=456&username=Jon+Smith&timestamp=1699999990\
///              &hash=ece7028394183acea6da1200a82d7921ce46de43abd4f075f6c7fa167a32aff3";
/// let sso = v.verify_query(query, UnixTime::from_secs(1_700_000_000)).unwrap();
/// assert_eq!(sso.get("username").as_deref(), Some("Jon Smith"));
/// assert!(matches!(v.verify_query(query, UnixTime::from_secs(1_700_000_291)), Err(Error::Expired)));
/// ```
#[derive(Clone, Debug)]
pub struct HashVerifier {
    key: HmacSha256Key,
    policy: AcceptancePolicy,
}

impl HashVerifier {
    /// A verifier with the API key, 300 s of age and 60 s of skew.
    pub fn new(api_key: impl Into<Secret>) -> Self {
        HashVerifier {
            key: HmacSha256Key::new(api_key),
            policy: AcceptancePolicy::new(Freshness::new(DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW)),
        }
    }

    /// Accepts a `timestamp` at most `max_age` old and `max_skew` ahead.
    pub fn with_window(mut self, max_age: Duration, max_skew: Duration) -> Self {
        self.policy = self.policy.with_window(Freshness::new(max_age, max_skew));
        self
    }

    /// Refuses a second use of the same link.
    pub fn with_replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.policy = self.policy.with_replay_guard(guard);
        self
    }

    /// Verifies a raw query string (or POST body) as received, at `now`.
    pub fn verify_query(&self, query: &str, now: UnixTime) -> Result<VerifiedSso, Error> {
        let mut hash = None;
        let (mut account, mut timestamp) = (None, None);
        for segment in query.split('&').filter(|s| !s.is_empty()) {
            let (raw_name, raw_value) = segment.split_once('=').unwrap_or((segment, ""));
            let repeated = match &*form_decode_component(raw_name) {
                "hash" => hash.replace(segment).is_some(),
                "accountid" => account.replace(!raw_value.is_empty()).is_some(),
                "timestamp" => timestamp
                    .replace(crate::parse_unix_seconds(&form_decode_component(raw_value)))
                    .is_some(),
                _ => false,
            };
            if repeated {
                return Err(Error::Malformed("hash, accountid or timestamp appears twice"));
            }
        }
        let hash_raw = hash.ok_or(Error::Malformed("no hash"))?;
        if account != Some(true) {
            return Err(Error::Malformed("no accountid"));
        }
        let timestamp = timestamp.flatten().ok_or(Error::Malformed("no integer timestamp"))?;

        // The signed string: the raw query with the one hash pair removed.
        let hash_value = hash_raw.split_once('=').map_or("", |(_, v)| v);
        let signed = without_segment(query, hash_raw);
        self.key.verify_hex(signed.as_bytes(), hash_value).map_err(|_| Error::BadSignature)?;
        // Single use is keyed by the signed text, so a hash re-written in another
        // letter case is the same link.
        self.policy.accept(timestamp, signed.as_bytes(), now)?;
        Ok(VerifiedSso { signed: signed.into_owned(), timestamp })
    }
}

/// `query` with the `&`-separated segment at the address of `segment`
/// removed, other segments (even empty ones) joined by `&` as they were.
fn without_segment<'a>(query: &'a str, segment: &'a str) -> std::borrow::Cow<'a, str> {
    let start = segment.as_ptr() as usize - query.as_ptr() as usize;
    let end = start + segment.len();
    match (start, end == query.len()) {
        (0, true) => "".into(),
        (0, false) => query[end + 1..].into(),
        (_, true) => query[..start - 1].into(),
        (_, false) => format!("{}{}", &query[..start], &query[end + 1..]).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::{ErrorKind, HasErrorKind, InMemoryReplayGuard};

    const KEY: &str = "saaspartner_api_key";

    #[test]
    fn segment_removal_is_textual() {
        let q = "a=1&&hash=x&b=2";
        let seg = q.split('&').nth(2).unwrap();
        assert_eq!(without_segment(q, seg), "a=1&&b=2");
        let q = "hash=x&a=1";
        assert_eq!(without_segment(q, &q[..6]), "a=1");
        let q = "a=1&hash=x";
        assert_eq!(without_segment(q, &q[4..]), "a=1");
        let q = "hash=x";
        assert_eq!(without_segment(q, q), "");
    }

    // The hash of FORMAT.md's sso-hash example (Python hmac).
    #[test]
    fn documented_hash() {
        let s = HashLinkSigner::new(KEY);
        assert_eq!(
            s.hash("accountid=123&accountname=John&userid=456&timestamp=1565706663"),
            "d9423344c3d1823be6716af3fc7dbd7d185e45b1eca895c74dfa409fd06ac01d"
        );
    }

    #[test]
    fn verify_order_and_kinds() {
        let s = HashLinkSigner::new(KEY);
        let v = HashVerifier::new(KEY);
        let now = UnixTime::from_secs(1000);
        let good = s.signed_query(&[("accountid", "a1"), ("x", "1 2")], now).unwrap();
        assert_eq!(v.verify_query(&good, now).unwrap().get("x").as_deref(), Some("1 2"));
        // The hash may be anywhere.
        let (q, h) = good.split_once("&hash=").unwrap();
        let moved = format!("hash={h}&{q}");
        assert!(v.verify_query(&moved, now).is_ok());
        let kind = |q: &str| v.verify_query(q, now).unwrap_err().error_kind();
        assert_eq!(kind(q), ErrorKind::Malformed);
        assert_eq!(kind(&format!("{good}&hash={h}")), ErrorKind::Malformed);
        assert_eq!(kind(&format!("timestamp=1000&hash={h}")), ErrorKind::Malformed);
        assert_eq!(kind(&format!("accountid=&timestamp=1000&hash={h}")), ErrorKind::Malformed);
        assert_eq!(kind(&format!("accountid=1&timestamp=soon&hash={h}")), ErrorKind::Malformed);
        assert_eq!(kind(&format!("{q}&hash=abc")), ErrorKind::BadSignature);
        assert_eq!(kind(&good.replace("x=1", "x=9")), ErrorKind::BadSignature);
        assert!(v.verify_query(&format!("{q}&hash={}", h.to_uppercase()), now).is_ok());
        let late = UnixTime::from_secs(1301);
        assert!(matches!(v.verify_query(&good, late), Err(Error::Expired)));
        let early = UnixTime::from_secs(939);
        assert!(matches!(v.verify_query(&good, early), Err(Error::NotYetValid)));
    }

    #[test]
    fn replay_guard_refuses_second_use_only_after_success() {
        let s = HashLinkSigner::new(KEY);
        let guard = Arc::new(InMemoryReplayGuard::new(8));
        let v = HashVerifier::new(KEY).with_replay_guard(guard.clone());
        let now = UnixTime::from_secs(5000);
        let q = s.signed_query(&[("accountid", "1")], now).unwrap();
        assert!(matches!(v.verify_query(&q, UnixTime::from_secs(9999)), Err(Error::Expired)));
        assert!(guard.is_empty());
        assert!(v.verify_query(&q, now).is_ok());
        assert!(matches!(v.verify_query(&q, now), Err(Error::Replayed)));
    }

    #[test]
    fn credentials_are_refused_in_hash_links() {
        for name in
            ["apikey", "api_key", "API-Key", "access_token", "password", "client_secret", "key"]
        {
            assert!(looks_like_credential(name), "{name}");
            assert!(
                matches!(
                    SsoParams::new("1").unwrap().extra(name, "v"),
                    Err(Error::CredentialsNeedJwt)
                ),
                "{name}"
            );
        }
        for name in ["plan", "locale", "region", "keyboard_layout"] {
            assert!(!looks_like_credential(name), "{name}");
        }
        assert!(SsoParams::new("1").unwrap().extra("timestamp", "1").is_err());
        let s = HashLinkSigner::new(KEY);
        assert!(s.signed_query(&[("accountid", "1"), ("hash", "x")], UnixTime::EPOCH).is_err());
        assert!(s.signed_query(&[("userid", "1")], UnixTime::EPOCH).is_err());
    }

    #[test]
    fn debug_hides_the_query() {
        let s = HashLinkSigner::new(KEY);
        let link = s.link(
            &Hub::eu("acme").unwrap(),
            &SsoPage::Home,
            &SsoParams::new("1").unwrap(),
            UnixTime::EPOCH,
        );
        assert_eq!(format!("{link:?}"), "SignedUrl(https://acme.admin.blendr.io/sso?[REDACTED])");
        assert!(!format!("{s:?}").contains(KEY));
    }
}
