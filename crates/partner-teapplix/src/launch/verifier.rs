//! [`LaunchVerifier`]: verifies launch URLs (the receiving side: Teapplix
//! itself, or the fake).

use partner_core::crypto::HmacSha256Key;
use partner_core::encoding::form_decode_component;
use partner_core::encoding::search::find_byte;
use partner_core::{AcceptancePolicy, Freshness, LoginVerifier, Secret, UnixTime, Verified, trace};

use super::{ClientVhost, DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW};
use crate::error::malformed;
use crate::{Error, PROVIDER};

/// The handoff name in [`trace::verification`] events.
const HANDOFF: &str = "launch";

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
/// pair), the signature in constant time over the URI as received, then the
/// `ts` window of its [`AcceptancePolicy`]. It returns a [`Verified`]
/// launch: consuming it records the access token as used when the policy
/// has single use (an in-memory guard, or a store shared by a fleet). Each
/// outcome is reported with [`trace::verification`] (`provider`
/// `teapplix`, `handoff` `launch`).
///
/// ```
/// use partner_teapplix::{ClientVhost, ErrorKind, HasErrorKind, LaunchSigner, LaunchVerifier};
/// use partner_core::UnixTime;
///
/// let signer = LaunchSigner::new("Signature Key").unwrap();
/// let vhost = ClientVhost::new("demo2").unwrap();
/// let ts = UnixTime::from_secs(1_700_000_000);
/// let url = signer.launch_url(&vhost, "tok 1+2", ts);
///
/// let verifier = LaunchVerifier::new("Signature Key").unwrap();
/// let launch = verifier.verify(url.as_str(), ts).unwrap().accept().unwrap();
/// assert_eq!(launch.client_vhost.as_str(), "demo2");
/// assert_eq!(launch.access_token.expose_str(), Some("tok 1+2"));
///
/// let late = UnixTime::from_secs(1_700_000_000 + 1801);
/// let err = verifier.verify(url.as_str(), late).unwrap_err();
/// assert_eq!(err.error_kind(), ErrorKind::Expired);
/// ```
#[derive(Clone, Debug)]
pub struct LaunchVerifier {
    key: HmacSha256Key,
    policy: AcceptancePolicy,
}

impl LaunchVerifier {
    /// A verifier with the signature key and [`default_policy`](Self::default_policy).
    ///
    /// An empty key is [`partner_core::Error::EmptyKey`]: it would accept a
    /// URL anyone signed.
    pub fn new(signature_key: impl Into<Secret>) -> Result<Self, Error> {
        Ok(LaunchVerifier {
            key: HmacSha256Key::new(signature_key)?,
            policy: Self::default_policy(),
        })
    }

    /// The policy of [`new`](Self::new): a `ts` at most
    /// [`DEFAULT_MAX_AGE`] old (30 minutes, the token's life) and
    /// [`DEFAULT_MAX_SKEW`] ahead (60 seconds), no single-use check.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use partner_teapplix::{InMemoryReplayGuard, LaunchVerifier};
    ///
    /// // The default window, and each access token accepted once.
    /// let policy = LaunchVerifier::default_policy()
    ///     .with_replay_guard(Arc::new(InMemoryReplayGuard::new(100_000)));
    /// let verifier = LaunchVerifier::new("Signature Key").unwrap().with_policy(policy);
    /// assert!(verifier.policy().is_single_use());
    /// ```
    pub fn default_policy() -> AcceptancePolicy {
        AcceptancePolicy::new(Freshness::new(DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW))
    }

    /// Accepts launches by this policy (its window, and its replay guard
    /// for single use) instead of [`default_policy`](Self::default_policy).
    #[must_use]
    pub fn with_policy(mut self, policy: AcceptancePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The acceptance policy.
    pub fn policy(&self) -> &AcceptancePolicy {
        &self.policy
    }

    /// Verifies an absolute launch URL at `now`: the signature and the
    /// window. The launch is handed out by consuming the result
    /// ([`Verified::consume`]`.await`, or [`Verified::accept`] with an
    /// in-memory guard or no single use), which records its access token
    /// as used when the policy has single use.
    pub fn verify(&self, url: &str, now: UnixTime) -> Result<Verified<VerifiedLaunch>, Error> {
        let result = request_target(url).and_then(|target| self.check(target, now));
        trace::verification(PROVIDER, HANDOFF, result)
    }

    /// Verifies the request target (`/h/...?...`) exactly as the HTTP request
    /// line carried it, at `now`. Web handlers call this with the raw URI.
    pub fn verify_request_target(
        &self,
        target: &str,
        now: UnixTime,
    ) -> Result<Verified<VerifiedLaunch>, Error> {
        trace::verification(PROVIDER, HANDOFF, self.check(target, now))
    }

    fn check(&self, target: &str, now: UnixTime) -> Result<Verified<VerifiedLaunch>, Error> {
        let (path, query) =
            split_at(target, position_of::<b'?'>(target)).ok_or_else(|| malformed("no query"))?;
        let vhost = path
            .strip_prefix("/h/")
            .and_then(|rest| rest.strip_suffix("/te/lo.cgi"))
            .ok_or_else(|| malformed("path is not /h/<vhost>/te/lo.cgi"))?;
        let client_vhost = ClientVhost::parse(vhost)?;

        let (signed_query, last) = split_at(query, memchr::memrchr(b'&', query.as_bytes()))
            .ok_or_else(|| malformed("no signature"))?;
        let signature = last
            .strip_prefix("signature=")
            .ok_or_else(|| malformed("signature is not the last parameter"))?;

        // The launch parameters are plain ASCII names (the signer writes
        // them so); only the token's value is form-decoded.
        let (mut action, mut pt, mut ts) = (None, None, None);
        // A few short segments: a word-at-a-time search inlined here, not
        // a call to `memchr` per separator.
        let query_bytes = signed_query.as_bytes();
        let mut at = 0;
        while at < query_bytes.len() {
            let end = find_byte::<b'&'>(query_bytes, at);
            let segment = signed_query.get(at..end).unwrap_or_default();
            at = end + 1;
            let (name, value) =
                split_at(segment, position_of::<b'='>(segment)).unwrap_or((segment, ""));
            let slot = match name {
                "Action" => &mut action,
                "pt" => &mut pt,
                "ts" => &mut ts,
                "signature" => return Err(malformed("more than one signature")),
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(malformed("a launch parameter appears twice"));
            }
        }
        if action != Some("Launch") {
            return Err(malformed("Action is not Launch"));
        }
        let pt = pt
            .map(form_decode_component)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| malformed("no access token"))?;
        let ts = UnixTime::parse_secs(ts.ok_or_else(|| malformed("no ts"))?)?;

        let signed_len = path.len() + 1 + signed_query.len();
        self.key.verify_hex(&target.as_bytes()[..signed_len], signature)?;
        self.policy.check_time(ts, now)?;
        let until = self.policy.replay_until_issued(ts, None);
        let verified = self.policy.verified((), pt.as_bytes(), until, now);
        Ok(verified.map(|()| VerifiedLaunch {
            client_vhost,
            access_token: Secret::from(pt.into_owned()),
            ts,
        }))
    }
}

/// The request target (path and query, no fragment) of an absolute
/// `http(s)://` URL, as the raw text it is: the signature covers that text,
/// so it must not go through a URL parser's normalisation (which resolves
/// `..` and re-encodes characters).
/// `text` around the ASCII delimiter at `at`, without it.
/// The first `NEEDLE` in `text`, if any.
fn position_of<const NEEDLE: u8>(text: &str) -> Option<usize> {
    let at = find_byte::<NEEDLE>(text.as_bytes(), 0);
    (at < text.len()).then_some(at)
}

fn split_at(text: &str, at: Option<usize>) -> Option<(&str, &str)> {
    let at = at?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

fn request_target(url: &str) -> Result<&str, Error> {
    let rest = strip_prefix_ignore_case(url, "https://")
        .or_else(|| strip_prefix_ignore_case(url, "http://"))
        .ok_or_else(|| malformed("not an absolute http(s) url"))?;
    let authority_end =
        rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(authority_end);
    if authority.is_empty()
        || authority.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'\\')
    {
        return Err(malformed("url has no valid host"));
    }
    if !target.starts_with('/') {
        return Err(malformed("no path"));
    }
    Ok(target.split_once('#').map_or(target, |(before, _)| before))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

impl LoginVerifier for LaunchVerifier {
    type Identity = VerifiedLaunch;
    type Error = Error;

    fn verify_login(&self, url: &str, now: UnixTime) -> Result<Verified<VerifiedLaunch>, Error> {
        self.verify(url, now)
    }
}
