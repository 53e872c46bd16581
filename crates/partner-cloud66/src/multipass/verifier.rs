//! [`MultipassVerifier`]: the multipass callback, verified, decrypted and
//! read, under an [`AcceptancePolicy`].

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;
use std::time::Duration;

use partner_core::crypto::hazmat::aes128_cbc_decrypt;
use partner_core::encoding::base64_decode_tolerant;
use partner_core::{AcceptancePolicy, Error as CoreError, LoginVerifier, UnixTime, Verified};
use serde_json::{Map, Value};

use super::expires::parse_expires_text;
use super::payload::{Fields, Scalar};
use super::{MultipassKeys, ZERO_IV, default_policy, parse_expires};
use crate::{Error, PROVIDER};

/// How long a token without `expires` (accepted only with
/// [`MultipassVerifier::allow_missing_expiry`]) is remembered as used.
const MISSING_EXPIRY_REPLAY_TTL: Duration = Duration::from_secs(86_400);

/// Who a verified multipass says signed in.
///
/// The whole decrypted object was checked to be JSON when it was verified;
/// the map [`payload`](Self::payload) returns is built on first use (most
/// callers read [`email`](Self::email) and [`name`](Self::name) only, which
/// are kept as they were read).
///
/// `Debug` shows the identity fields (`email`, `name`, `expires`) only,
/// never the other fields of the payload.
#[derive(Clone)]
#[non_exhaustive]
pub struct VerifiedMultipass {
    /// `expires`, when present.
    pub expires_at: Option<UnixTime>,
    /// The decrypted JSON object, as verified.
    json: String,
    email: Option<Text>,
    name: Option<Text>,
    payload: OnceLock<Map<String, Value>>,
}

/// A string field: where it is in the text, or its value when it had
/// escapes.
#[derive(Clone)]
enum Text {
    Span(Range<usize>),
    Owned(Box<str>),
}

impl Text {
    fn new(json: &str, value: Cow<'_, str>) -> Text {
        match value {
            Cow::Borrowed(part) => {
                span_of(json, part).map_or_else(|| Text::Owned(part.into()), Text::Span)
            }
            Cow::Owned(value) => Text::Owned(value.into_boxed_str()),
        }
    }

    fn in_json<'a>(text: &'a Option<Text>, json: &'a str) -> Option<&'a str> {
        match text.as_ref()? {
            Text::Span(range) => json.get(range.clone()),
            Text::Owned(value) => Some(value),
        }
    }
}

/// Where `part`, a slice of `whole`, starts and ends in it.
fn span_of(whole: &str, part: &str) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let range = start..start.checked_add(part.len())?;
    whole.get(range.clone()).filter(|s| s.as_ptr() == part.as_ptr()).map(|_| range)
}

impl fmt::Debug for VerifiedMultipass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedMultipass")
            .field("email", &self.email())
            .field("name", &self.name())
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Equal when `expires_at` and the payloads (as JSON objects) are.
impl PartialEq for VerifiedMultipass {
    fn eq(&self, other: &Self) -> bool {
        self.expires_at == other.expires_at
            && (self.json == other.json || self.payload() == other.payload())
    }
}

impl VerifiedMultipass {
    /// `email`, when present and a string.
    pub fn email(&self) -> Option<&str> {
        Text::in_json(&self.email, &self.json)
    }

    /// `name`, when present and a string.
    pub fn name(&self) -> Option<&str> {
        Text::in_json(&self.name, &self.json)
    }

    /// The whole decrypted JSON object (built on the first call).
    pub fn payload(&self) -> &Map<String, Value> {
        self.payload.get_or_init(|| parse_map(&self.json))
    }

    /// The decrypted JSON object, by value.
    pub fn into_payload(self) -> Map<String, Value> {
        match self.payload.into_inner() {
            Some(map) => map,
            None => parse_map(&self.json),
        }
    }

    /// Reads a decrypted payload: the identity (its `expires_at` not yet
    /// set) and the `expires` field (`Err` when present but not a time).
    fn read(
        plaintext: Vec<u8>,
    ) -> Result<(VerifiedMultipass, Result<Option<UnixTime>, ()>), serde_json::Error> {
        let json = String::from_utf8(plaintext).map_err(|_| {
            <serde_json::Error as serde::de::Error>::custom("multipass payload is not UTF-8")
        })?;
        let fields = Fields::read(&json)?;
        let (email, name, expires, payload) = if fields.needs_map {
            // A key serde_json's `Value` reads specially: read the map
            // itself, so that what `payload()` returns is what was verified.
            let map: Map<String, Value> = serde_json::from_str(&json)?;
            let text = |key| map.get(key).and_then(Value::as_str).map(|s| Text::Owned(s.into()));
            let (email, name) = (text("email"), text("name"));
            let expires = expires_of_value(map.get("expires"));
            (email, name, expires, OnceLock::from(map))
        } else {
            let email = fields.email.map(|s| Text::new(&json, s));
            let name = fields.name.map(|s| Text::new(&json, s));
            let expires = match fields.expires {
                None => Ok(None),
                Some(Scalar::Str(s)) if s.trim().is_empty() => Ok(None),
                Some(Scalar::Str(s)) => parse_expires_text(&s).map(Some).ok_or(()),
                Some(Scalar::Value(v)) => expires_of_value(Some(&v)),
                Some(Scalar::Nested) => Err(()),
            };
            (email, name, expires, OnceLock::new())
        };
        Ok((VerifiedMultipass { expires_at: None, json, email, name, payload }, expires))
    }
}

/// The payload map of a text [`VerifiedMultipass::read`] accepted.
fn parse_map(json: &str) -> Map<String, Value> {
    // `Fields::read` accepts exactly what this parse accepts, and defers
    // to it where `Value` reads differently: this cannot fail.
    serde_json::from_str(json).unwrap_or_default()
}

/// `expires` as found in the map: absent, `null` or blank is `Ok(None)`.
fn expires_of_value(value: Option<&Value>) -> Result<Option<UnixTime>, ()> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => parse_expires(v).map(Some).ok_or(()),
    }
}

/// Verifies multipass callbacks.
///
/// Order: the signature over the token as sent, in constant time, before
/// anything is decoded; then base64 (`malformed`), decryption and padding
/// (`bad-signature`, one error whatever failed), the JSON object
/// (`malformed` for signed schemes, `bad-signature` for the unsigned
/// `entp` scheme: see the module's "No padding oracle"), `expires`
/// (`malformed` when missing or empty unless allowed), then the
/// [`AcceptancePolicy`]: `expired` past `expires` plus the skew,
/// `not-yet-valid` when `expires` is further ahead than the window's
/// `max_age`. It returns a [`Verified`] identity: consuming it records
/// single use (`replayed`), keyed on the decoded bytes, when the policy has
/// an in-memory guard or a store shared by a fleet.
///
/// The policy starts as [`default_policy`](super::default_policy): one
/// hour ahead at most, 30 s of skew, no single use.
///
/// ```
/// use std::sync::Arc;
/// use partner_cloud66::multipass::default_policy;
/// use partner_cloud66::{InMemoryReplayGuard, MultipassKeys, MultipassSigner, MultipassVerifier, UnixTime};
///
/// let keys = MultipassKeys::cloud66("3f7a1c9e5b2d4f6081a2c3e4f5061728").unwrap();
/// let token = MultipassSigner::new(keys.clone())
///     .sign_identity("jon@smith.com", "Jon Smith", UnixTime::from_secs(1_432_052_708));
/// let v = MultipassVerifier::new(keys)
///     .with_policy(default_policy().with_replay_guard(Arc::new(InMemoryReplayGuard::new(1_000))));
/// let now = UnixTime::from_secs(1_432_052_648);
/// let id = v.verify(&token.multipass, token.signature.as_deref(), now).unwrap().accept().unwrap();
/// assert_eq!(id.email(), Some("jon@smith.com"));
/// assert!(v.verify(&token.multipass, Some("00"), now).is_err());
/// ```
#[derive(Clone)]
pub struct MultipassVerifier {
    keys: MultipassKeys,
    allow_missing_expiry: bool,
    policy: AcceptancePolicy,
}

impl fmt::Debug for MultipassVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultipassVerifier")
            .field("keys", &self.keys)
            .field("allow_missing_expiry", &self.allow_missing_expiry)
            .field("policy", &self.policy)
            .finish()
    }
}

impl MultipassVerifier {
    /// A verifier for these keys: expiry required, the
    /// [`default_policy`](super::default_policy).
    pub fn new(keys: MultipassKeys) -> Self {
        MultipassVerifier { keys, allow_missing_expiry: false, policy: default_policy() }
    }

    /// When a multipass is accepted: the window's `max_age` bounds how far
    /// ahead `expires` may be, its `max_skew` how long past it a token is
    /// still taken, and a replay guard makes every token single use.
    pub fn with_policy(mut self, policy: AcceptancePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The policy.
    pub fn policy(&self) -> &AcceptancePolicy {
        &self.policy
    }

    /// Accepts tokens without `expires` (the gem reads them as "never
    /// expires"; do this only if your sender really omits it). Such a token
    /// is remembered as used for 24 hours.
    pub fn allow_missing_expiry(mut self, allow: bool) -> Self {
        self.allow_missing_expiry = allow;
        self
    }

    /// Verifies a callback's `multipass` and `signature` at `now`: the
    /// identity is handed out by consuming the result
    /// ([`Verified::consume`]`.await`, or [`Verified::accept`] with an
    /// in-memory guard or no single use), which records the token as used
    /// when the policy has single use.
    pub fn verify(
        &self,
        multipass: &str,
        signature: Option<&str>,
        now: UnixTime,
    ) -> Result<Verified<VerifiedMultipass>, Error> {
        partner_core::trace::verification(
            PROVIDER,
            "multipass",
            self.check(multipass, signature, now),
        )
    }

    fn check(
        &self,
        multipass: &str,
        signature: Option<&str>,
        now: UnixTime,
    ) -> Result<Verified<VerifiedMultipass>, Error> {
        self.keys.verify_signature(multipass, signature)?;
        let ciphertext = base64_decode_tolerant(multipass)
            .map_err(|_| CoreError::Malformed("multipass is not base64"))?;
        let signed = self.keys.is_signed();
        // Every ciphertext that does not decrypt is one answer; unsigned,
        // nothing authenticates the ciphertext, so every failure from here
        // to a JSON object with a readable expiry is that same answer.
        let unauthenticated = CoreError::BadSignature;
        let plaintext = aes128_cbc_decrypt(&self.keys.aes_key(), &ZERO_IV, &ciphertext)
            .map_err(|_| unauthenticated.clone())?;
        // The whole object is checked here (one pass, the map is not
        // built), so that what `payload()` returns is what was verified (a
        // lone surrogate escape is refused, not skipped).
        let (mut identity, expires) = match VerifiedMultipass::read(plaintext) {
            Ok(read) => read,
            Err(err) if signed => return Err(CoreError::json("multipass payload", err).into()),
            Err(_) => return Err(unauthenticated.into()),
        };
        let expires_at = match expires {
            Ok(expires_at) => expires_at,
            Err(()) if signed => return Err(CoreError::Malformed("expires is not a time").into()),
            Err(()) => return Err(unauthenticated.into()),
        };
        // Single use is keyed on the decoded bytes, not the text: the
        // tolerant decoder reads many spellings of one ciphertext.
        let until = match expires_at {
            None if !self.allow_missing_expiry => {
                return Err(CoreError::Malformed("multipass has no expiry").into());
            }
            None => now.saturating_add(MISSING_EXPIRY_REPLAY_TTL),
            Some(exp) => {
                self.policy.check_expiry(exp, now)?;
                self.policy.replay_until_expiry(exp)
            }
        };
        identity.expires_at = expires_at;
        Ok(self.policy.verified(identity, &ciphertext, until, now))
    }
}

/// The SSO return request as it arrived: its query string
/// (`multipass=..&signature=..`, with or without the `?`) or the whole URL.
impl LoginVerifier for MultipassVerifier {
    type Identity = VerifiedMultipass;
    type Error = Error;

    fn verify_login(
        &self,
        received: &str,
        now: UnixTime,
    ) -> Result<Verified<VerifiedMultipass>, Error> {
        let query = if received.starts_with("https://") || received.starts_with("http://") {
            received.split_once('?').map_or("", |(_, q)| q)
        } else {
            received.strip_prefix('?').unwrap_or(received)
        };
        let query = query.split_once('#').map_or(query, |(q, _)| q);
        let (mut multipass, mut signature) = (None, None);
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*name {
                "multipass" => &mut multipass,
                "signature" => &mut signature,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                let err = CoreError::Malformed("multipass or signature appears twice");
                return partner_core::trace::verification(PROVIDER, "multipass", Err(err.into()));
            }
        }
        let Some(multipass) = multipass else {
            let err = CoreError::Malformed("multipass is missing");
            return partner_core::trace::verification(PROVIDER, "multipass", Err(err.into()));
        };
        self.verify(&multipass, signature.as_deref(), now)
    }
}
