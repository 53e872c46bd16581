//! The signed Launch URL: build it (partner side) and verify it (Teapplix side).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use partner_core::crypto::HmacSha256Key;
use partner_core::encoding::{form_decode_component, push_form_encoded, push_hex};
use partner_core::{
    AcceptancePolicy, BaseUrl, Freshness, LoginLinkIssuer, LoginVerifier, MessageSigner,
    ReplayGuard, Secret, SignedUrl, UnixTime,
};

use crate::Error;

/// Where users' browsers are sent: `https://app.teapplix.com`.
pub const DEFAULT_APP_BASE_URL: &str = "https://app.teapplix.com";

/// How long an obtained access token lives if unused (Teapplix's auto-login page: 30 minutes).
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// Default age a verifier accepts for a launch's `ts`: the token's lifetime.
pub const DEFAULT_MAX_AGE: Duration = ACCESS_TOKEN_LIFETIME;

/// Default clock skew a verifier accepts for a `ts` in the future.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(60);

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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientVhost(String);

impl ClientVhost {
    /// Validates a ClientVHOST.
    pub fn new(vhost: impl Into<String>) -> Result<Self, Error> {
        let vhost = vhost.into();
        if is_safe_vhost(&vhost) { Ok(ClientVhost(vhost)) } else { Err(Error::UnsafeVhost) }
    }

    /// The account name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientVhost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_safe_vhost(v: &str) -> bool {
    let mut bytes = v.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A token obtained with PSObtainToken for one paired account.
///
/// It knows when it expires, so a launch URL is never built from a dead token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ObtainedToken {
    /// The account to launch into.
    pub client_vhost: ClientVhost,
    /// The single-use access token (`pt`).
    pub access_token: Secret,
    /// When it was obtained (by the partner's clock).
    pub issued_at: UnixTime,
    /// When Teapplix stops accepting it: `issued_at` + 30 minutes.
    pub expires_at: UnixTime,
}

impl ObtainedToken {
    /// A token obtained at `issued_at`, expiring [`ACCESS_TOKEN_LIFETIME`] later.
    pub fn new(
        client_vhost: ClientVhost,
        access_token: impl Into<Secret>,
        issued_at: UnixTime,
    ) -> Self {
        ObtainedToken {
            client_vhost,
            access_token: access_token.into(),
            issued_at,
            expires_at: issued_at.saturating_add(ACCESS_TOKEN_LIFETIME),
        }
    }

    /// Whether the token can still be used at `now`.
    pub fn is_expired_at(&self, now: UnixTime) -> bool {
        now >= self.expires_at
    }
}

/// A signed launch URL: it carries a live access token, so `Debug` shows
/// the path only; use [`as_str`](SignedUrl::as_str) to redirect the browser.
pub type LaunchUrl = SignedUrl;

/// Builds signed launch URLs: the partner side.
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
    /// An empty key is [`Error::EmptyKey`]: anyone could sign with it.
    pub fn new(signature_key: impl Into<Secret>) -> Result<Self, Error> {
        let base = BaseUrl::parse(DEFAULT_APP_BASE_URL)?;
        Ok(LaunchSigner { key: HmacSha256Key::new(signature_key)?, base })
    }

    /// Sends browsers to another host (a fake, a regional host).
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
        let access_token =
            token.access_token.expose_str().ok_or(Error::Malformed("access token is not utf-8"))?;
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

/// What a verified launch URL says.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifiedLaunch {
    /// The account to log into.
    pub client_vhost: ClientVhost,
    /// The access token (`pt`), decoded.
    pub access_token: Secret,
    /// The signed time.
    pub ts: UnixTime,
}

/// Verifies launch URLs: the receiving side (Teapplix itself, or the fake).
///
/// Checks, in this order: the shape (path `/h/<vhost>/te/lo.cgi`, a query of
/// `Action=Launch`, one `pt`, one integer `ts`, and `signature` as the last
/// pair), the signature in constant time over the URI as received, the `ts`
/// window, and finally single use if a [`ReplayGuard`] is set.
///
/// ```
/// use partner_teapplix::{ClientVhost, LaunchSigner, LaunchVerifier, Error};
/// use partner_core::UnixTime;
///
/// let signer = LaunchSigner::new("Signature Key").unwrap();
/// let vhost = ClientVhost::new("demo2").unwrap();
/// let ts = UnixTime::from_secs(1_700_000_000);
/// let url = signer.launch_url(&vhost, "tok 1+2", ts);
///
/// let verifier = LaunchVerifier::new("Signature Key").unwrap();
/// let launch = verifier.verify_url(url.as_str(), ts).unwrap();
/// assert_eq!(launch.client_vhost.as_str(), "demo2");
/// assert_eq!(launch.access_token.expose_str(), Some("tok 1+2"));
///
/// let late = UnixTime::from_secs(1_700_000_000 + 1801);
/// assert!(matches!(verifier.verify_url(url.as_str(), late), Err(Error::Expired)));
/// ```
#[derive(Clone, Debug)]
pub struct LaunchVerifier {
    key: HmacSha256Key,
    policy: AcceptancePolicy,
}

impl LaunchVerifier {
    /// A verifier with the signature key, a 30-minute age and 60 seconds of skew.
    ///
    /// An empty key is [`Error::EmptyKey`]: it would accept a URL anyone signed.
    pub fn new(signature_key: impl Into<Secret>) -> Result<Self, Error> {
        Ok(LaunchVerifier {
            key: HmacSha256Key::new(signature_key)?,
            policy: AcceptancePolicy::new(Freshness::new(DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW)),
        })
    }

    /// Accepts a `ts` at most `max_age` old and `max_skew` ahead.
    pub fn with_window(mut self, max_age: Duration, max_skew: Duration) -> Self {
        self.policy = self.policy.with_window(Freshness::new(max_age, max_skew));
        self
    }

    /// Refuses a second use of the same access token.
    pub fn with_replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.policy = self.policy.with_replay_guard(guard);
        self
    }

    /// Verifies an absolute launch URL at `now`.
    pub fn verify_url(&self, url: &str, now: UnixTime) -> Result<VerifiedLaunch, Error> {
        self.verify_request_target(request_target(url)?, now)
    }

    /// Verifies the request target (`/h/...?...`) exactly as the HTTP request
    /// line carried it, at `now`. Web handlers call this with the raw URI.
    pub fn verify_request_target(
        &self,
        target: &str,
        now: UnixTime,
    ) -> Result<VerifiedLaunch, Error> {
        let (path, query) = target.split_once('?').ok_or(Error::Malformed("no query"))?;
        let vhost = path
            .strip_prefix("/h/")
            .and_then(|rest| rest.strip_suffix("/te/lo.cgi"))
            .ok_or(Error::Malformed("path is not /h/<vhost>/te/lo.cgi"))?;
        let client_vhost = ClientVhost::new(vhost)?;

        let (signed_query, last) =
            query.rsplit_once('&').ok_or(Error::Malformed("no signature"))?;
        let signature = last
            .strip_prefix("signature=")
            .ok_or(Error::Malformed("signature is not the last parameter"))?;

        // The launch parameters are plain ASCII names (the signer writes
        // them so); only the token's value is form-decoded.
        let (mut action, mut pt, mut ts) = (None, None, None);
        for segment in signed_query.split('&') {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            let slot = match name {
                "Action" => &mut action,
                "pt" => &mut pt,
                "ts" => &mut ts,
                "signature" => return Err(Error::Malformed("more than one signature")),
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(Error::Malformed("a launch parameter appears twice"));
            }
        }
        if action != Some("Launch") {
            return Err(Error::Malformed("Action is not Launch"));
        }
        let pt = pt
            .map(form_decode_component)
            .filter(|t| !t.is_empty())
            .ok_or(Error::Malformed("no access token"))?;
        let ts = ts.and_then(parse_unix_seconds).ok_or(Error::Malformed("ts is not an integer"))?;

        let signed_len = path.len() + 1 + signed_query.len();
        self.key
            .verify_hex(&target.as_bytes()[..signed_len], signature)
            .map_err(|_| Error::BadSignature)?;
        self.policy.accept(ts, pt.as_bytes(), now)?;
        Ok(VerifiedLaunch { client_vhost, access_token: Secret::from(pt.into_owned()), ts })
    }
}

/// The request target (path and query, no fragment) of an absolute
/// `http(s)://` URL, as the raw text it is: the signature covers that text,
/// so it must not go through a URL parser's normalisation (which resolves
/// `..` and re-encodes characters).
fn request_target(url: &str) -> Result<&str, Error> {
    let rest = strip_prefix_ignore_case(url, "https://")
        .or_else(|| strip_prefix_ignore_case(url, "http://"))
        .ok_or(Error::Malformed("not an absolute http(s) url"))?;
    let authority_end =
        rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(authority_end);
    if authority.is_empty()
        || authority.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'\\')
    {
        return Err(Error::Malformed("url has no valid host"));
    }
    if !target.starts_with('/') {
        return Err(Error::Malformed("no path"));
    }
    Ok(target.split_once('#').map_or(target, |(before, _)| before))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// An optional `-` and 1 to 19 ASCII digits (no `+`, no spaces, no leading
/// junk that `str::parse` would refuse anyway, but stated here).
fn parse_unix_seconds(text: &str) -> Option<UnixTime> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().map(UnixTime::from_secs)
}

impl LoginVerifier for LaunchVerifier {
    type Identity = VerifiedLaunch;
    type Error = Error;

    fn verify_login(&self, url: &str, now: UnixTime) -> Result<VerifiedLaunch, Error> {
        self.verify_url(url, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::{ErrorKind, HasErrorKind, InMemoryReplayGuard};

    const KEY: &str = "Signature Key";

    fn kind(r: Result<VerifiedLaunch, Error>) -> ErrorKind {
        r.expect_err("should fail").error_kind()
    }

    // Seed 004: the documented example, and the shared vectors' values
    // (computed there with Perl Digest::SHA and Python hmac).
    // Security finding: an empty key signed and verified links anyone could forge.
    #[test]
    fn empty_keys_are_refused() {
        assert!(matches!(LaunchSigner::new(""), Err(Error::EmptyKey)));
        assert!(matches!(LaunchVerifier::new(Vec::new()), Err(Error::EmptyKey)));
        assert_eq!(Error::EmptyKey.error_kind(), ErrorKind::Malformed);
    }

    #[test]
    fn signs_the_documented_example() {
        let signer = LaunchSigner::new(KEY).unwrap();
        assert_eq!(
            signer.sign_uri("/h/demo2/te/lo.cgi?Action=Launch&pt=AccessToken&ts=unixtimestamp"),
            "e8a074d2b4c3aa5df9427ea0511776eb36d9976adeacf7283e97c57404a97792"
        );
    }

    #[test]
    fn verifies_the_shared_vector_and_refuses_tampering() {
        let v = LaunchVerifier::new(KEY).unwrap();
        let url = "https://app.teapplix.com/h/demo2/te/lo.cgi?Action=Launch&pt=tok+1%2B2&ts=1699999940&signature=fe713f6fa874d43e7f7ebe3667bf9750b3dda2d0bdbade4dd9772d50438852b1";
        let ok = v.verify_url(url, UnixTime::from_secs(1_700_000_000)).unwrap();
        assert_eq!(ok.client_vhost.as_str(), "demo2");
        assert_eq!(ok.access_token.expose_str(), Some("tok 1+2"));
        assert_eq!(ok.ts.as_secs(), 1_699_999_940);
        let upper = url.replace("fe713f6fa874d43e", "FE713F6FA874D43E");
        assert!(v.verify_url(&upper, UnixTime::from_secs(1_700_000_000)).is_ok());
        let now = UnixTime::from_secs(1_700_000_000);
        assert_eq!(
            kind(v.verify_url(&url.replace("demo2", "demo3"), now)),
            ErrorKind::BadSignature
        );
        assert_eq!(
            kind(v.verify_url(&url.replace("tok+1", "tok+2"), now)),
            ErrorKind::BadSignature
        );
        assert_eq!(
            kind(v.verify_url(&url.replace("&signature=fe", "&signature=zz"), now)),
            ErrorKind::BadSignature
        );
    }

    #[test]
    fn shape_errors_come_before_signature_errors() {
        let v = LaunchVerifier::new(KEY).unwrap();
        let now = UnixTime::from_secs(100);
        let cases = [
            (
                "https://app.teapplix.com/h/../admin/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00",
                ErrorKind::UnsafeInput,
            ),
            (
                "https://app.teapplix.com/h/a%2Fb/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00",
                ErrorKind::UnsafeInput,
            ),
            (
                "https://app.teapplix.com/h//te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00",
                ErrorKind::UnsafeInput,
            ),
            (
                "https://app.teapplix.com/x/demo/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00",
                ErrorKind::Malformed,
            ),
            ("https://app.teapplix.com/h/demo/te/lo.cgi", ErrorKind::Malformed),
            (
                "https://app.teapplix.com/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=1",
                ErrorKind::Malformed,
            ),
            (
                "https://app.teapplix.com/h/demo/te/lo.cgi?Action=Launch&pt=t&signature=00&ts=1",
                ErrorKind::Malformed,
            ),
            (
                "https://app.teapplix.com/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=x1&signature=00",
                ErrorKind::Malformed,
            ),
            (
                "https://app.teapplix.com/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=+1&signature=00",
                ErrorKind::Malformed,
            ),
            (
                "https://app.teapplix.com/h/demo/te/lo.cgi?Action=Launch&pt=&ts=1&signature=00",
                ErrorKind::Malformed,
            ),
            (
                "https://app.teapplix.com/h/demo/te/lo.cgi?Action=Login&pt=t&ts=1&signature=00",
                ErrorKind::Malformed,
            ),
            (
                "https://app.teapplix.com/h/demo/te/lo.cgi?Action=Launch&pt=t&pt=u&ts=1&signature=00",
                ErrorKind::Malformed,
            ),
            (
                "https://app.teapplix.com/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=0&signature=00",
                ErrorKind::Malformed,
            ),
            ("/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00", ErrorKind::Malformed),
            (
                "ftp://app.teapplix.com/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00",
                ErrorKind::Malformed,
            ),
            (
                "https://app.teapplix.com/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00",
                ErrorKind::BadSignature,
            ),
        ];
        for (url, want) in cases {
            assert_eq!(kind(v.verify_url(url, now)), want, "{url}");
        }
    }

    #[test]
    fn time_window_and_replay() {
        let signer = LaunchSigner::new(KEY).unwrap();
        let vhost = ClientVhost::new("acme").unwrap();
        let ts = UnixTime::from_secs(10_000);
        let url = signer.launch_url(&vhost, "t0k", ts);
        let guard = Arc::new(InMemoryReplayGuard::new(16));
        let v = LaunchVerifier::new(KEY).unwrap().with_replay_guard(guard.clone());
        assert_eq!(
            kind(v.verify_url(url.as_str(), UnixTime::from_secs(10_000 + 1801))),
            ErrorKind::Expired
        );
        assert_eq!(
            kind(v.verify_url(url.as_str(), UnixTime::from_secs(10_000 - 61))),
            ErrorKind::NotYetValid
        );
        assert!(guard.is_empty(), "refused launches take no place in the guard");
        assert!(v.verify_url(url.as_str(), UnixTime::from_secs(10_000 + 1800)).is_ok());
        assert_eq!(
            kind(v.verify_url(url.as_str(), UnixTime::from_secs(10_000 + 1800))),
            ErrorKind::Replayed
        );
        let narrow =
            LaunchVerifier::new(KEY).unwrap().with_window(Duration::from_secs(5), Duration::ZERO);
        assert_eq!(
            kind(narrow.verify_url(url.as_str(), UnixTime::from_secs(10_006))),
            ErrorKind::Expired
        );
        assert_eq!(
            kind(narrow.verify_url(url.as_str(), UnixTime::from_secs(9_999))),
            ErrorKind::NotYetValid
        );
    }

    #[test]
    fn expired_token_gives_no_link_and_debug_hides_the_token() {
        let signer = LaunchSigner::new(KEY).unwrap();
        let token = ObtainedToken::new(
            ClientVhost::new("acme").unwrap(),
            "s3cret-token",
            UnixTime::from_secs(0),
        );
        assert_eq!(token.expires_at.as_secs(), 1800);
        let url = signer.issue_link(&token, UnixTime::from_secs(1799)).unwrap();
        assert!(url.as_str().contains("pt=s3cret-token&ts=1799&signature="));
        let dbg = format!("{url:?} {token:?} {signer:?}");
        assert!(!dbg.contains("s3cret"), "{dbg}");
        assert!(!dbg.contains("Signature Key"), "{dbg}");
        assert_eq!(
            format!("{url:?}"),
            "SignedUrl(https://app.teapplix.com/h/acme/te/lo.cgi?[REDACTED])"
        );
        assert!(matches!(
            signer.issue_link(&token, UnixTime::from_secs(1800)),
            Err(Error::TokenExpired)
        ));
    }

    #[test]
    fn vhost_rule() {
        for ok in ["a", "Demo2", "a.b-c_d", "9"] {
            assert!(ClientVhost::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "-a", "_a", "a/b", "a b", "a%2f", "a?", "a#", "é", "a\n"] {
            assert!(matches!(ClientVhost::new(bad), Err(Error::UnsafeVhost)), "{bad:?}");
        }
    }
}
