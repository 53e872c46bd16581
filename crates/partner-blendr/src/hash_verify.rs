//! The hub side of a hash handoff: [`HashVerifier`] and [`VerifiedSso`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use partner_core::crypto::HmacSha256Key;
use partner_core::encoding::{form_decode_component, raw_pairs};
use partner_core::{AcceptancePolicy, Freshness, ReplayGuard, Secret, UnixTime};

use crate::params::{AllowedParams, debug_pairs};
use crate::{DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW, Error};

/// What a verified hash handoff says: the signed query, decoded on demand.
///
/// `Debug` shows the documented identity values (`accountid`,
/// `accountname`, `userid`, `username`, `useremail`) and the timestamp;
/// other parameters by name only.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedSso {
    signed: String,
    timestamp: UnixTime,
}

impl fmt::Debug for VerifiedSso {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decoded: Vec<(Cow<'_, str>, Cow<'_, str>)> = self.params().collect();
        let pairs: Vec<(&str, &str)> =
            decoded.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
        debug_pairs(f, "VerifiedSso", &pairs, Some(self.timestamp.as_secs()))
    }
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
/// Checks, in the order of docs/conformance.md: shape (one `hash`, a non-empty
/// `accountid`, one integer `timestamp`: else [`Error::Malformed`]; every
/// name documented or declared with [`allow_params`](Self::allow_params):
/// else [`Error::UndeclaredParameter`]), then the hash in constant time
/// over the raw query with the `hash` pair removed textually, then the time
/// window, then single use.
///
/// ```
/// use partner_blendr::{Error, HashVerifier, UnixTime};
///
/// let v = HashVerifier::new("saaspartner_api_key")?;
/// let query = "accountid=123&userid=456&username=Jon+Smith&timestamp=1699999990\
///              &hash=ece7028394183acea6da1200a82d7921ce46de43abd4f075f6c7fa167a32aff3";
/// let sso = v.verify_query(query, UnixTime::from_secs(1_700_000_000))?;
/// assert_eq!(sso.get("username").as_deref(), Some("Jon Smith"));
/// assert!(matches!(v.verify_query(query, UnixTime::from_secs(1_700_000_291)), Err(Error::Expired)));
///
/// // A name that is neither documented nor declared is refused before the hash.
/// let with_key = "accountid=1&apikey=k&timestamp=1699999990&hash=00";
/// assert!(matches!(v.verify_query(with_key, UnixTime::from_secs(1_700_000_000)), Err(Error::UndeclaredParameter)));
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct HashVerifier {
    key: HmacSha256Key,
    policy: AcceptancePolicy,
    allowed: AllowedParams,
}

impl HashVerifier {
    /// A verifier with the API key, 300 s of age and 60 s of skew;
    /// [`Error::EmptyKey`] when the key is empty.
    pub fn new(api_key: impl Into<Secret>) -> Result<Self, Error> {
        Ok(HashVerifier {
            key: HmacSha256Key::new(api_key)?,
            policy: AcceptancePolicy::new(Freshness::new(DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW)),
            allowed: AllowedParams::default(),
        })
    }

    /// Declares extra parameter names non-secret, so that a handoff may
    /// carry them (the same declaration as
    /// [`HashLinkSigner::allow_params`](crate::HashLinkSigner::allow_params)).
    /// Names are compared exactly, after form-decoding; calls add up.
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
        let mut undeclared = false;
        for segment in query.split('&').filter(|s| !s.is_empty()) {
            let (raw_name, raw_value) = segment.split_once('=').unwrap_or((segment, ""));
            let name = form_decode_component(raw_name);
            let repeated = match &*name {
                "hash" => hash.replace(segment).is_some(),
                "accountid" => account.replace(!raw_value.is_empty()).is_some(),
                "timestamp" => timestamp
                    .replace(crate::parse_unix_seconds(&form_decode_component(raw_value)))
                    .is_some(),
                other => {
                    undeclared |= !self.allowed.permits(other);
                    false
                }
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
        if undeclared {
            return Err(Error::UndeclaredParameter);
        }

        // The signed string: the raw query with the one hash pair removed.
        let hash_value = hash_raw.split_once('=').map_or("", |(_, v)| v);
        let signed = without_segment(query, hash_raw);
        self.key.verify_hex(signed.as_bytes(), hash_value)?;
        // Single use is keyed by the signed text, so a hash re-written in another
        // letter case is the same link.
        self.policy.accept(timestamp, signed.as_bytes(), now)?;
        Ok(VerifiedSso { signed: signed.into_owned(), timestamp })
    }
}

/// `query` with the `&`-separated segment at the address of `segment`
/// removed, other segments (even empty ones) joined by `&` as they were.
fn without_segment<'a>(query: &'a str, segment: &'a str) -> Cow<'a, str> {
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
    use crate::{HashLinkSigner, SsoParams};
    use partner_core::{ErrorKind, HasErrorKind, InMemoryReplayGuard};

    const KEY: &str = "saaspartner_api_key";

    fn signer() -> HashLinkSigner {
        HashLinkSigner::new(KEY).unwrap()
    }

    fn verifier() -> HashVerifier {
        HashVerifier::new(KEY).unwrap()
    }

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

    #[test]
    fn empty_keys_are_refused() {
        assert!(matches!(HashVerifier::new(""), Err(Error::EmptyKey)));
        assert_eq!(HashVerifier::new(Vec::new()).unwrap_err().error_kind(), ErrorKind::Malformed);
    }

    #[test]
    fn verify_order_and_kinds() {
        let s = signer().allow_params(["x"]);
        let v = verifier().allow_params(["x"]);
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

    // A correctly signed link that carries a credential: the hub must not
    // accept it (nor could a signer of this crate have made it).
    #[test]
    fn undeclared_names_are_refused_before_the_hash() {
        let now = UnixTime::from_secs(1000);
        let raw_signer = signer();
        for name in ["apikey", "access_key", "pwd", "session", "x", "", "Plan", "%61pikey"] {
            let query = format!("accountid=1&{name}=secret&timestamp=1000");
            let signed = format!("{query}&hash={}", raw_signer.hash(&query));
            let err = verifier().verify_query(&signed, now).unwrap_err();
            assert!(matches!(err, Error::UndeclaredParameter), "{name}: {err:?}");
            assert_eq!(err.error_kind(), ErrorKind::UnsafeInput);
            // Before the hash: a wrong hash is still unsafe-input.
            let forged = format!("{query}&hash={}", "0".repeat(64));
            assert!(
                matches!(verifier().verify_query(&forged, now), Err(Error::UndeclaredParameter)),
                "{name}"
            );
        }
        // Declared (after decoding): accepted; malformed still comes first.
        let query = "accountid=1&%61pikey=v&plan=pro&timestamp=1000";
        let signed = format!("{query}&hash={}", raw_signer.hash(query));
        let v = verifier().allow_params(["apikey", "plan"]);
        assert_eq!(v.verify_query(&signed, now).unwrap().get("apikey").as_deref(), Some("v"));
        assert!(matches!(
            verifier().verify_query("apikey=1&hash=00", now),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn replay_guard_refuses_second_use_only_after_success() {
        let guard = Arc::new(InMemoryReplayGuard::new(8));
        let v = verifier().with_replay_guard(guard.clone());
        let now = UnixTime::from_secs(5000);
        let q = signer().signed_query(&[("accountid", "1")], now).unwrap();
        assert!(matches!(v.verify_query(&q, UnixTime::from_secs(9999)), Err(Error::Expired)));
        assert!(guard.is_empty());
        assert!(v.verify_query(&q, now).is_ok());
        assert!(matches!(v.verify_query(&q, now), Err(Error::Replayed)));
    }

    #[test]
    fn debug_shows_identity_values_only() {
        let now = UnixTime::from_secs(1000);
        let params = SsoParams::new("acme")
            .unwrap()
            .user_name("Jo")
            .extra("plan", "platinum-tier")
            .unwrap()
            .extra("session", "s3cr3t")
            .unwrap();
        let pairs: Vec<(&str, &str)> = params.pairs().collect();
        let q = signer().allow_params(["plan", "session"]).signed_query(&pairs, now).unwrap();
        let v = verifier().allow_params(["plan", "session"]).verify_query(&q, now).unwrap();
        let text = format!("{v:?}");
        assert_eq!(
            text,
            r#"VerifiedSso { accountid: "acme", username: "Jo", timestamp: 1000, other_params_redacted: ["plan", "session"] }"#
        );
        assert!(!text.contains("s3cr3t") && !text.contains("platinum") && !text.contains("hash"));
    }
}
