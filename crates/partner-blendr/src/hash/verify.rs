//! The hub side of a hash handoff: [`HashVerifier`] and [`VerifiedHash`].

use std::borrow::Cow;
use std::fmt;

use partner_core::crypto::HmacSha256Key;
use partner_core::encoding::{form_decode_component, raw_pairs};
use partner_core::{
    AcceptancePolicy, Error as CoreError, LoginVerifier, Secret, UnixTime, Verified, trace,
};

use crate::names::{AllowedParams, NameKind};
use crate::params::debug_pairs;
use crate::{Error, PROVIDER, default_policy};
use partner_core::encoding::search::{find_byte, splat, zero_bytes};

/// What a verified hash handoff says: the signed query, decoded on demand.
///
/// `Debug` shows the documented identity values (`accountid`,
/// `accountname`, `userid`, `username`, `useremail`) and the timestamp;
/// other parameters by name only.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedHash {
    signed: String,
    timestamp: UnixTime,
}

impl fmt::Debug for VerifiedHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decoded: Vec<(Cow<'_, str>, Cow<'_, str>)> = self.params().collect();
        let pairs: Vec<(&str, &str)> =
            decoded.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
        debug_pairs(f, "VerifiedHash", &pairs, Some(self.timestamp.as_secs()))
    }
}

impl VerifiedHash {
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
/// `accountid`, one integer `timestamp`: else `malformed`; every name
/// documented or declared with [`allow_params`](Self::allow_params): else
/// [`Error::UndeclaredParameter`]), then the hash in constant time over the
/// raw query with the `hash` pair removed textually, then the time window
/// of its [`AcceptancePolicy`], and returns a [`Verified`] link whose
/// consumption records single use when the policy has it (default
/// [`default_policy`]: 300 s of age, 60 s of skew, no single use). Each
/// outcome is reported with [`partner_core::trace::verification`]
/// (handoff `"sso-hash"`).
///
/// It implements [`LoginVerifier`] on the raw query.
///
/// ```
/// use partner_blendr::{Error, ErrorKind, HasErrorKind, HashVerifier, UnixTime};
///
/// let v = HashVerifier::new("saaspartner_api_key")?;
/// let query = "accountid=123&userid=456&username=Jon+Smith&timestamp=1699999990\
///              &hash=ece7028394183acea6da1200a82d7921ce46de43abd4f075f6c7fa167a32aff3";
/// let sso = v.verify(query, UnixTime::from_secs(1_700_000_000))?.accept()?;
/// assert_eq!(sso.get("username").as_deref(), Some("Jon Smith"));
/// let late = v.verify(query, UnixTime::from_secs(1_700_000_291)).unwrap_err();
/// assert_eq!(late.error_kind(), ErrorKind::Expired);
///
/// // A name that is neither documented nor declared is refused before the hash.
/// let with_key = "accountid=1&apikey=k&timestamp=1699999990&hash=00";
/// let refused = v.verify(with_key, UnixTime::from_secs(1_700_000_000)).unwrap_err();
/// assert_eq!(refused, Error::UndeclaredParameter);
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct HashVerifier {
    key: HmacSha256Key,
    policy: AcceptancePolicy,
    allowed: AllowedParams,
}

impl HashVerifier {
    /// A verifier with the API key and [`default_policy`] (300 s of age,
    /// 60 s of skew, no single use); `partner_core::Error::EmptyKey` (kind
    /// `malformed`) when the key is empty.
    pub fn new(api_key: impl Into<Secret>) -> Result<Self, Error> {
        Ok(HashVerifier {
            key: HmacSha256Key::new(api_key)?,
            policy: default_policy(),
            allowed: AllowedParams::default(),
        })
    }

    /// Accepts handoffs by `policy`: its time window for `timestamp`, and
    /// single use when it has a replay guard (keyed by the signed text, so
    /// a hash re-written in another letter case is the same link).
    pub fn with_policy(mut self, policy: AcceptancePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The policy in use.
    pub fn policy(&self) -> &AcceptancePolicy {
        &self.policy
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

    /// Verifies a raw query string (or POST body) as received, at `now`:
    /// the shape, the hash and the timestamp window. The link is handed
    /// out by consuming the result ([`Verified::consume`]`.await`, or
    /// [`Verified::accept`] with an in-memory guard or no single use),
    /// which records it as used when the policy has single use.
    pub fn verify(&self, query: &str, now: UnixTime) -> Result<Verified<VerifiedHash>, Error> {
        trace::verification(PROVIDER, "sso-hash", self.check(query, now))
    }

    /// One pass over the query, with no allocation but the
    /// [`VerifiedHash`] (and, when `hash` is neither the first nor the last
    /// pair, the signed text): segments are split at `&` eight bytes at a
    /// time, a name is decoded only when it holds `%` or `+` and looked up
    /// once, and only the `timestamp` value is read.
    fn check(&self, query: &str, now: UnixTime) -> Result<Verified<VerifiedHash>, Error> {
        let mut hash: Option<(usize, usize)> = None;
        let (mut account, mut timestamp) = (None, None);
        let mut undeclared = false;
        for segment in Segments::new(query) {
            let raw_name = query.get(segment.start..segment.name_end).unwrap_or_default();
            let raw_value = query.get(segment.value_start..segment.end).unwrap_or_default();
            let decoded;
            let name = if segment.escaped_name {
                decoded = form_decode_component(raw_name);
                &*decoded
            } else {
                raw_name
            };
            let repeated = match self.allowed.find(name) {
                // The common case first, with no jump table.
                Some(known) if known.plain => false,
                None => {
                    undeclared = true;
                    false
                }
                Some(known) => match known.kind {
                    NameKind::Hash => hash.replace((segment.start, segment.end)).is_some(),
                    NameKind::AccountId => account.replace(!raw_value.is_empty()).is_some(),
                    NameKind::Timestamp => timestamp.replace(raw_value).is_some(),
                    // Not the hash link's: a name like any other.
                    NameKind::Jwt => {
                        undeclared |= !known.declared;
                        false
                    }
                    NameKind::Identity | NameKind::Declared => false,
                },
            };
            if repeated {
                return Err(
                    CoreError::Malformed("hash, accountid or timestamp appears twice").into()
                );
            }
        }
        let (hash_start, hash_end) = hash.ok_or(CoreError::Malformed("no hash"))?;
        if account != Some(true) {
            return Err(CoreError::Malformed("no accountid").into());
        }
        let timestamp = timestamp.ok_or(CoreError::Malformed("no timestamp"))?;
        let timestamp = UnixTime::parse_secs(&form_decode_component(timestamp))?;
        if undeclared {
            return Err(Error::UndeclaredParameter);
        }

        // The signed string: the raw query with the one hash pair removed.
        let hash_raw = query.get(hash_start..hash_end).unwrap_or_default();
        let hash_value = hash_raw.split_once('=').map_or("", |(_, v)| v);
        let signed = without_segment(query, hash_raw);
        self.key.verify_hex(signed.as_bytes(), hash_value)?;
        // Single use is keyed by the signed text, so a hash re-written in another
        // letter case is the same link.
        self.policy.check_time(timestamp, now)?;
        let until = self.policy.replay_until_issued(timestamp, None);
        let verified = self.policy.verified((), signed.as_bytes(), until, now);
        Ok(verified.map(|()| VerifiedHash { signed: signed.into_owned(), timestamp }))
    }
}

/// One non-empty `&`-separated segment of a query, by byte offsets:
/// `start..name_end` is the raw name, `value_start..end` the raw value
/// (empty when there is no `=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    start: usize,
    name_end: usize,
    value_start: usize,
    end: usize,
    /// Whether the name holds `%` or `+` (so must be decoded).
    escaped_name: bool,
}

/// The non-empty segments of a query, as `str::split('&')` then
/// `split_once('=')` would give them, in one pass over the bytes, eight at
/// a time.
struct Segments<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Segments<'a> {
    fn new(query: &'a str) -> Self {
        Segments { bytes: query.as_bytes(), at: 0 }
    }
}

impl Iterator for Segments<'_> {
    type Item = Segment;

    #[inline]
    fn next(&mut self) -> Option<Segment> {
        let bytes = self.bytes;
        loop {
            let start = self.at;
            if start >= bytes.len() {
                return None;
            }
            let (name_end, escaped_name) = scan_name(bytes, start);
            let (value_start, end) = if bytes.get(name_end) == Some(&b'=') {
                (name_end + 1, find_byte::<b'&'>(bytes, name_end + 1))
            } else {
                (name_end, name_end)
            };
            self.at = end + 1;
            if end > start {
                return Some(Segment { start, name_end, value_start, end, escaped_name });
            }
        }
    }
}

/// The end of the name that starts at `from` (the first `=` or `&`, or the
/// end of `bytes`), and whether the name holds `%` or `+`.
#[inline]
fn scan_name(bytes: &[u8], from: usize) -> (usize, bool) {
    let mut i = from;
    let mut escaped = false;
    while let Some(chunk) = bytes.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let word = u64::from_le_bytes(*chunk);
        let stop = zero_bytes(word ^ splat(b'=')) | zero_bytes(word ^ splat(b'&'));
        let escape = zero_bytes(word ^ splat(b'%')) | zero_bytes(word ^ splat(b'+'));
        if stop != 0 {
            // The flags of the bytes before the stop: a false escape flag
            // there has a true one below it, so the answer is exact.
            let before = (stop & stop.wrapping_neg()) - 1;
            let at = i + (stop.trailing_zeros() / 8) as usize;
            return (at, escaped || escape & before != 0);
        }
        escaped |= escape != 0;
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        match b {
            b'=' | b'&' => break,
            b'%' | b'+' => escaped = true,
            _ => {}
        }
        i += 1;
    }
    (i, escaped)
}

impl LoginVerifier for HashVerifier {
    type Identity = VerifiedHash;
    type Error = Error;

    /// [`verify`](HashVerifier::verify) of the raw query (or POST body).
    fn verify_login(&self, received: &str, now: UnixTime) -> Result<Verified<VerifiedHash>, Error> {
        self.verify(received, now)
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
#[path = "verify_tests.rs"]
mod tests;
