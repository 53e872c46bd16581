//! Multipass SSO: the token Cloud 66 sends back to the partner after
//! sign-in, verified (signature first, in constant time), decrypted and
//! read; and the encoder, so tests and fakes can issue tokens.
//!
//! # The readings
//!
//! The Cloud 66 document says the multipass is a JSON hash "encrypted with
//! the first 16 characters of provider's UID" and that the signature is "a
//! SHA256 hash of the second 16 characters of provider's UID and the
//! multipass", and links the Ruby `multipass` gem. This crate's default
//! ([`MultipassKeys::cloud66`]) is: AES-128-CBC with the ASCII bytes of
//! `uid[0..16]` as the key, a zero IV and PKCS#7 (as the gem), the gem's
//! base64 (standard, `+/` as `-_`, one trailing `=` removed), and signature
//! = lower-case hex SHA-256(`uid[16..32]` + multipass as sent).
//!
//! The alternatives stay available: [`SignatureMode`] (key and token the
//! other way round, or HMAC-SHA256 in hex or base64), the gem's SHA-1 key
//! derivation for the Cloud 66 UID ([`MultipassKeys::cloud66_gem_key`]),
//! and the gem's own scheme with a site key and an API key
//! ([`MultipassKeys::entp`]; it has no signature, so nothing authenticates
//! the ciphertext: prefer the Cloud 66 scheme).
//!
//! # No padding oracle
//!
//! In the unsigned `entp` scheme every failure after base64 decoding (bad
//! padding, not UTF-8, not a JSON object, an `expires` that is not a time)
//! is the same [`Error::BadSignature`] with the same message, so a caller
//! who can submit tokens learns nothing about the plaintext from the
//! answer. Only a token whose text is not base64, or a JSON object without
//! `expires`, is `malformed`. Single use is keyed on the decoded bytes, so
//! another spelling of the same ciphertext (`-_` or `+/`, padding, white
//! space) is the same token.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use partner_core::crypto::hazmat::{aes128_cbc_decrypt, aes128_cbc_encrypt};
use partner_core::crypto::{constant_time_eq, hmac_sha256, sha1_parts, sha256_parts};
use partner_core::encoding::{base64_decode_tolerant, base64_encode, hex_lower_array};
use partner_core::{ReplayGuard, Secret, UnixTime};
use serde_json::{Map, Value};

use crate::Error;

/// Default allowance past `expires` (clock skew between Cloud 66 and you).
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(30);

/// Default for how far ahead of now `expires` may be (one hour). Cloud 66
/// writes an expiry one minute ahead; a token claiming to live longer than
/// this is refused, so no token (and no replay entry) lives for ever.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(3_600);

/// How long a token without `expires` (accepted only with
/// [`MultipassVerifier::allow_missing_expiry`]) is remembered as used.
const MISSING_EXPIRY_REPLAY_TTL: Duration = Duration::from_secs(86_400);

const ZERO_IV: [u8; 16] = [0; 16];

/// How the signature of a Cloud 66 multipass is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureMode {
    /// Hex SHA-256(signature key + multipass): the chosen reading.
    #[default]
    Sha256KeyThenToken,
    /// Hex SHA-256(multipass + signature key).
    Sha256TokenThenKey,
    /// Hex HMAC-SHA256(key = signature key, message = multipass).
    HmacSha256Hex,
    /// Base64 HMAC-SHA256(key = signature key, message = multipass).
    HmacSha256Base64,
}

/// The keys of one multipass scheme. `Debug` shows the scheme only.
#[derive(Clone)]
pub struct MultipassKeys {
    aes_key: Secret,
    signature: Option<(Secret, SignatureMode)>,
    scheme: &'static str,
}

impl fmt::Debug for MultipassKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultipassKeys")
            .field("scheme", &self.scheme)
            .field("signature_mode", &self.signature.as_ref().map(|(_, m)| m))
            .finish_non_exhaustive()
    }
}

fn uid_halves(uid: &str) -> Result<(&str, &str), Error> {
    if uid.len() != 32 || !uid.is_ascii() {
        return Err(Error::Malformed("provider uid must be 32 ascii characters"));
    }
    Ok(uid.split_at(16))
}

fn sha1_key(parts: &[&[u8]]) -> Secret {
    Secret::from(&sha1_parts(parts)[..16])
}

/// A multipass, encoded: the token and, for signed schemes, its signature.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncodedMultipass {
    /// The token (`multipass` parameter).
    pub multipass: String,
    /// The signature (`signature` parameter), for signed schemes.
    pub signature: Option<String>,
}

impl fmt::Debug for EncodedMultipass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncodedMultipass([REDACTED])")
    }
}

impl MultipassKeys {
    /// The chosen Cloud 66 reading for a 32-character provider UID.
    pub fn cloud66(provider_uid: &str) -> Result<Self, Error> {
        let (first, second) = uid_halves(provider_uid)?;
        Ok(MultipassKeys {
            aes_key: Secret::from(first),
            signature: Some((Secret::from(second), SignatureMode::default())),
            scheme: "cloud66",
        })
    }

    /// The Cloud 66 UID with the gem's key derivation: AES key = first 16
    /// bytes of SHA-1(`uid[0..16]` + `site_key`), signature key `uid[16..32]`.
    /// An empty `site_key` is [`Error::EmptyKey`].
    pub fn cloud66_gem_key(provider_uid: &str, site_key: &str) -> Result<Self, Error> {
        let (first, second) = uid_halves(provider_uid)?;
        if site_key.is_empty() {
            return Err(Error::EmptyKey);
        }
        Ok(MultipassKeys {
            aes_key: sha1_key(&[first.as_bytes(), site_key.as_bytes()]),
            signature: Some((Secret::from(second), SignatureMode::default())),
            scheme: "cloud66-gem-key",
        })
    }

    /// The Ruby `multipass` gem's own scheme: AES key = first 16 bytes of
    /// SHA-1(`api_key` + `site_key`), no signature.
    ///
    /// An empty `api_key` or `site_key` is [`Error::EmptyKey`]: with an empty
    /// API key the AES key would follow from the site key alone, which is
    /// not a secret.
    pub fn entp(site_key: &str, api_key: &Secret) -> Result<Self, Error> {
        if api_key.is_empty() || site_key.is_empty() {
            return Err(Error::EmptyKey);
        }
        Ok(MultipassKeys {
            aes_key: sha1_key(&[api_key.expose(), site_key.as_bytes()]),
            signature: None,
            scheme: "entp",
        })
    }

    /// Uses another signature computation (signed schemes only).
    pub fn with_signature_mode(mut self, mode: SignatureMode) -> Self {
        if let Some((_, m)) = self.signature.as_mut() {
            *m = mode;
        }
        self
    }

    /// Whether tokens of this scheme carry a signature.
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }

    fn aes_key(&self) -> [u8; 16] {
        let mut key = [0u8; 16];
        key.copy_from_slice(&self.aes_key.expose()[..16]);
        key
    }

    fn sign(&self, multipass: &str) -> Option<String> {
        let (key, mode) = self.signature.as_ref()?;
        let key = key.expose();
        let token = multipass.as_bytes();
        Some(match mode {
            SignatureMode::Sha256KeyThenToken => hex(&sha256_parts(&[key, token])),
            SignatureMode::Sha256TokenThenKey => hex(&sha256_parts(&[token, key])),
            SignatureMode::HmacSha256Hex => hex(&hmac_sha256(key, token)),
            SignatureMode::HmacSha256Base64 => base64_encode(hmac_sha256(key, token)),
        })
    }

    /// Checks `signature` over `multipass` as sent, in constant time.
    fn verify_signature(&self, multipass: &str, signature: Option<&str>) -> Result<(), Error> {
        let Some((key, mode)) = self.signature.as_ref() else { return Ok(()) };
        let received = signature.ok_or(Error::BadSignature)?.trim();
        let key = key.expose();
        let token = multipass.as_bytes();
        let ok = match mode {
            SignatureMode::Sha256KeyThenToken => {
                hex_matches(&sha256_parts(&[key, token]), received)
            }
            SignatureMode::Sha256TokenThenKey => {
                hex_matches(&sha256_parts(&[token, key]), received)
            }
            SignatureMode::HmacSha256Hex => hex_matches(&hmac_sha256(key, token), received),
            SignatureMode::HmacSha256Base64 => base64_decode_tolerant(received)
                .is_ok_and(|tag| constant_time_eq(&tag, &hmac_sha256(key, token))),
        };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }

    /// Encrypts `payload_json` (the exact JSON text) into a multipass.
    ///
    /// ```
    /// use partner_cloud66::MultipassKeys;
    /// use partner_core::Secret;
    ///
    /// // The ex_multipass doctest vector (Ruby gem scheme).
    /// let keys = MultipassKeys::entp("my_site_key", &Secret::from("my_super_secret_key_shh")).unwrap();
    /// assert_eq!(keys.encode(br#"{"example":"data"}"#).multipass, "HFtLULqnAfVZexe46_T5KHJcgSRwAtf45zPwJ5g361w");
    /// ```
    pub fn encode(&self, payload_json: &[u8]) -> EncodedMultipass {
        let ciphertext = aes128_cbc_encrypt(&self.aes_key(), &ZERO_IV, payload_json);
        let multipass = gem_base64(&ciphertext);
        let signature = self.sign(&multipass);
        EncodedMultipass { multipass, signature }
    }

    /// The gem's text for raw ciphertext bytes (tests craft tampered tokens).
    #[cfg(test)]
    fn encode_raw_for_tests(&self, ciphertext: &[u8]) -> String {
        gem_base64(ciphertext)
    }

    /// A multipass for a user, valid until `expires` (written as Ruby
    /// writes a UTC time, `2015-05-19 16:24:48 UTC`).
    pub fn encode_identity(&self, email: &str, name: &str, expires: UnixTime) -> EncodedMultipass {
        let payload =
            serde_json::json!({"email": email, "name": name, "expires": ruby_utc(expires)});
        self.encode(payload.to_string().as_bytes())
    }
}

/// The gem's base64: standard, `+/` as `-_`, one trailing `=` removed.
fn gem_base64(bytes: &[u8]) -> String {
    let mut text: String = base64_encode(bytes)
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    if text.ends_with('=') {
        text.pop();
    }
    text
}

fn hex(bytes: &[u8; 32]) -> String {
    String::from_utf8_lossy(&hex_lower_array(bytes)).into_owned()
}

/// Compares a received hex text (either case) with the hex of `expected`.
fn hex_matches(expected: &[u8; 32], received: &str) -> bool {
    let Ok(received): Result<&[u8; 64], _> = received.as_bytes().try_into() else { return false };
    constant_time_eq(&received.map(|b| b.to_ascii_lowercase()), &hex_lower_array(expected))
}

/// `2015-05-19 16:24:48 UTC`.
pub fn ruby_utc(time: UnixTime) -> String {
    match time::OffsetDateTime::from_unix_timestamp(time.as_secs()) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => time.to_string(),
    }
}

/// Reads `expires` in the forms the conformance format lists:
/// `2015-05-19 16:24:48 UTC`, `2015-05-19 16:24:48 +0000` (any offset),
/// RFC 3339, or integer seconds (a JSON integer or a string of digits).
pub fn parse_expires(value: &Value) -> Option<UnixTime> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    match value {
        Value::Number(n) => n.as_i64().map(UnixTime::from_secs).or_else(|| {
            // Fractional seconds (as Ruby's Time#to_f writes them): rounded down.
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 9.0e18)
                .map(|f| UnixTime::from_secs(f.floor() as i64))
        }),
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                return s.parse().ok().map(UnixTime::from_secs);
            }
            if let Some(t) = parse_ruby_utc(s) {
                return Some(t);
            }
            let utc = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
            let offset = format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
            );
            let parsed = time::PrimitiveDateTime::parse(s, utc)
                .map(time::PrimitiveDateTime::assume_utc)
                .or_else(|_| time::OffsetDateTime::parse(s, offset))
                .or_else(|_| time::OffsetDateTime::parse(s, &Rfc3339))
                .ok()?;
            Some(UnixTime::from_secs(parsed.unix_timestamp()))
        }
        _ => None,
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` without a format interpreter: the form Cloud 66
/// writes, read on every callback. Calendar checks are `time`'s.
fn parse_ruby_utc(s: &str) -> Option<UnixTime> {
    let b = s.as_bytes();
    if b.len() != 23
        || &b[19..] != b" UTC"
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter()
            .try_fold(0u32, |acc, d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(num(8..10)?).ok()?).ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(num(11..13)?).ok()?,
        u8::try_from(num(14..16)?).ok()?,
        u8::try_from(num(17..19)?).ok()?,
    )
    .ok()?;
    Some(UnixTime::from_secs(
        time::PrimitiveDateTime::new(date, clock).assume_utc().unix_timestamp(),
    ))
}

/// Who a verified multipass says signed in.
///
/// `Debug` shows the identity fields (`email`, `name`, `expires`) only,
/// never the other fields of the payload.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct MultipassIdentity {
    /// `expires`, when present.
    pub expires_at: Option<UnixTime>,
    payload: Map<String, Value>,
}

impl fmt::Debug for MultipassIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultipassIdentity")
            .field("email", &self.email())
            .field("name", &self.name())
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl MultipassIdentity {
    /// `email`, when present and a string.
    pub fn email(&self) -> Option<&str> {
        self.payload.get("email").and_then(Value::as_str)
    }

    /// `name`, when present and a string.
    pub fn name(&self) -> Option<&str> {
        self.payload.get("name").and_then(Value::as_str)
    }

    /// The whole decrypted JSON object.
    pub fn payload(&self) -> &Map<String, Value> {
        &self.payload
    }

    /// The decrypted JSON object, by value.
    pub fn into_payload(self) -> Map<String, Value> {
        self.payload
    }
}

/// Verifies multipass callbacks.
///
/// Order: the signature over the token as sent, in constant time, before
/// anything is decoded; then base64 (`malformed`), decryption and padding
/// (`bad-signature`, one error whatever failed), the JSON object
/// (`malformed` for signed schemes, `bad-signature` for the unsigned
/// `entp` scheme: see the module's "No padding oracle"), `expires`
/// (`malformed` when missing or empty unless allowed, `expired` past it
/// plus the skew, refused when more than [`DEFAULT_MAX_LIFETIME`] ahead),
/// and single use, keyed on the decoded bytes.
///
/// ```
/// use partner_cloud66::{MultipassKeys, MultipassVerifier};
/// use partner_core::UnixTime;
///
/// let keys = MultipassKeys::cloud66("3f7a1c9e5b2d4f6081a2c3e4f5061728").unwrap();
/// let token = keys.encode_identity("jon@smith.com", "Jon Smith", UnixTime::from_secs(1_432_052_708));
/// let v = MultipassVerifier::new(keys);
/// let id = v.verify(&token.multipass, token.signature.as_deref(), UnixTime::from_secs(1_432_052_648)).unwrap();
/// assert_eq!(id.email(), Some("jon@smith.com"));
/// assert!(v.verify(&token.multipass, Some("00"), UnixTime::from_secs(1_432_052_648)).is_err());
/// ```
#[derive(Clone)]
pub struct MultipassVerifier {
    keys: MultipassKeys,
    allow_missing_expiry: bool,
    max_skew: Duration,
    max_lifetime: Duration,
    replay: Option<Arc<dyn ReplayGuard>>,
}

impl fmt::Debug for MultipassVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultipassVerifier")
            .field("keys", &self.keys)
            .field("allow_missing_expiry", &self.allow_missing_expiry)
            .field("max_skew", &self.max_skew)
            .field("max_lifetime", &self.max_lifetime)
            .field("replay_guard", &self.replay.is_some())
            .finish()
    }
}

impl MultipassVerifier {
    /// A verifier for these keys: expiry required, 30 s of skew, an expiry
    /// at most one hour ahead.
    pub fn new(keys: MultipassKeys) -> Self {
        MultipassVerifier {
            keys,
            allow_missing_expiry: false,
            max_skew: DEFAULT_MAX_SKEW,
            max_lifetime: DEFAULT_MAX_LIFETIME,
            replay: None,
        }
    }

    /// Refuses a token whose `expires` is more than `max` after now
    /// ([`Error::ExpiresTooFarAhead`]); the default is
    /// [`DEFAULT_MAX_LIFETIME`]. This also bounds how long a used token is
    /// remembered.
    pub fn with_max_lifetime(mut self, max: Duration) -> Self {
        self.max_lifetime = max;
        self
    }

    /// Accepts tokens without `expires` (the gem reads them as "never
    /// expires"; do this only if your sender really omits it).
    pub fn allow_missing_expiry(mut self, allow: bool) -> Self {
        self.allow_missing_expiry = allow;
        self
    }

    /// Accepts a token up to `skew` past its `expires`.
    pub fn with_max_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew;
        self
    }

    /// Makes every multipass single use.
    pub fn with_replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.replay = Some(guard);
        self
    }

    /// Verifies a callback's `multipass` and `signature` at `now`.
    pub fn verify(
        &self,
        multipass: &str,
        signature: Option<&str>,
        now: UnixTime,
    ) -> Result<MultipassIdentity, Error> {
        self.keys.verify_signature(multipass, signature)?;
        let ciphertext = base64_decode_tolerant(multipass)
            .map_err(|_| Error::Malformed("multipass is not base64"))?;
        let signed = self.keys.is_signed();
        // Unsigned: nothing authenticates the ciphertext, so every failure
        // from here to a JSON object with a readable expiry is one answer.
        let unauthenticated = |what: &'static str| {
            if signed { Error::Malformed(what) } else { Error::BadSignature }
        };
        let plaintext = aes128_cbc_decrypt(&self.keys.aes_key(), &ZERO_IV, &ciphertext)
            .map_err(|_| Error::BadSignature)?;
        // The whole object is parsed here, so that what `payload()` returns
        // is what was verified (a lone surrogate escape is refused, not
        // skipped).
        let payload: Map<String, Value> = serde_json::from_slice(&plaintext)
            .map_err(|_| unauthenticated("multipass is not a json object"))?;
        let expires_at = match payload.get("expires") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(v) => {
                Some(parse_expires(v).ok_or_else(|| unauthenticated("expires is not a time"))?)
            }
        };
        let until = match expires_at {
            None if !self.allow_missing_expiry => {
                return Err(Error::Malformed("multipass has no expiry"));
            }
            None => now.saturating_add(MISSING_EXPIRY_REPLAY_TTL),
            Some(exp) => {
                partner_core::clock::check_not_after(exp, now, self.max_skew)?;
                if exp > now.saturating_add(self.max_lifetime) {
                    return Err(Error::ExpiresTooFarAhead);
                }
                exp.saturating_add(self.max_skew)
            }
        };
        if let Some(guard) = &self.replay {
            // The decoded bytes, not the text: the tolerant decoder reads many
            // spellings of one ciphertext.
            guard.check_and_record(&ciphertext, until, now)?;
        }
        Ok(MultipassIdentity { expires_at, payload })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::{ErrorKind, HasErrorKind, InMemoryReplayGuard};

    const UID: &str = "3f7a1c9e5b2d4f6081a2c3e4f5061728";

    // The public vectors of tests/vectors/examples/cloud66 (pyca/cryptography).
    const TOKEN: &str = "XTqNoVF58m1drX6Uokv3jzdHp0NToqNGiUeaaqJaUQcOA0fhtU42hHZ5B6izrPvQ7qrrLyxBzL8SyvzXl8hmdc_7HRSIibcMCUW5UYbcZHaALEtCxbnoc44OwsKOXu7b";
    const SIG: &str = "f31da48b4f993656eebf41d12127524e87732372582f85f81a20d69d451ec990";

    #[test]
    fn encodes_and_decodes_the_public_vector() {
        let keys = MultipassKeys::cloud66(UID).unwrap();
        let enc = keys.encode(
            br#"{"email":"jon@smith.com","name":"Jon Smith","expires":"2015-05-19 16:24:48 UTC"}"#,
        );
        assert_eq!(enc.multipass, TOKEN);
        assert_eq!(enc.signature.as_deref(), Some(SIG));
        let id = MultipassVerifier::new(keys)
            .verify(TOKEN, Some(&SIG.to_uppercase()), UnixTime::from_secs(1_432_052_648))
            .unwrap();
        assert_eq!(id.name(), Some("Jon Smith"));
        assert_eq!(id.expires_at, Some(UnixTime::from_secs(1_432_052_688)));
    }

    #[test]
    fn signature_is_checked_before_anything_else() {
        let v = MultipassVerifier::new(MultipassKeys::cloud66(UID).unwrap());
        let now = UnixTime::from_secs(1_432_052_648);
        // Garbage token with a wrong signature: bad-signature, not malformed.
        assert!(matches!(v.verify("%%%not base64%%%", Some(SIG), now), Err(Error::BadSignature)));
        assert!(matches!(v.verify(TOKEN, None, now), Err(Error::BadSignature)));
        assert!(matches!(v.verify(TOKEN, Some(&SIG[..63]), now), Err(Error::BadSignature)));
        // Expired only once the signature is right.
        assert!(matches!(
            v.verify(TOKEN, Some(SIG), UnixTime::from_secs(1_432_052_719)),
            Err(Error::Expired)
        ));
        assert!(v.verify(TOKEN, Some(SIG), UnixTime::from_secs(1_432_052_718)).is_ok());
    }

    #[test]
    fn decryption_failures_are_one_error() {
        let keys = MultipassKeys::cloud66(UID).unwrap();
        let v = MultipassVerifier::new(keys.clone());
        let now = UnixTime::EPOCH;
        // Correctly signed, but not a whole block / wrong padding.
        for token in ["AAAA", "AAAAAAAAAAAAAAAAAAAAAA", &TOKEN[..40]] {
            let sig = keys.sign(token).unwrap();
            assert!(
                matches!(v.verify(token, Some(&sig), now), Err(Error::BadSignature)),
                "{token}"
            );
        }
        let sig = keys.sign("a*b").unwrap();
        assert_eq!(
            v.verify("a*b", Some(&sig), now).unwrap_err().error_kind(),
            ErrorKind::Malformed
        );
    }

    #[test]
    fn expiry_rules() {
        let keys = MultipassKeys::cloud66(UID).unwrap();
        let v = MultipassVerifier::new(keys.clone());
        let now = UnixTime::from_secs(1_000);
        let enc = |json: &str| keys.encode(json.as_bytes());
        let check = |v: &MultipassVerifier, json: &str| {
            let e = enc(json);
            v.verify(&e.multipass, e.signature.as_deref(), now)
                .map(|id| id.expires_at)
                .map_err(|e| e.error_kind())
        };
        assert_eq!(check(&v, r#"{"email":"a@b.co"}"#), Err(ErrorKind::Malformed));
        assert_eq!(check(&v, r#"{"expires":""}"#), Err(ErrorKind::Malformed));
        assert_eq!(check(&v, r#"{"expires":"tomorrow"}"#), Err(ErrorKind::Malformed));
        assert_eq!(check(&v, r#"[1,2]"#), Err(ErrorKind::Malformed));
        assert_eq!(check(&v, r#"{"expires":1030}"#), Ok(Some(UnixTime::from_secs(1030))));
        assert_eq!(check(&v, r#"{"expires":1030.75}"#), Ok(Some(UnixTime::from_secs(1030))));
        assert_eq!(check(&v, r#"{"expires":1e300}"#), Err(ErrorKind::Malformed));
        assert_eq!(check(&v, r#"{"expires":"969"}"#), Err(ErrorKind::Expired));
        assert_eq!(
            check(&v, r#"{"expires":"1970-01-01 00:16:40 +0000"}"#),
            Ok(Some(UnixTime::from_secs(1000)))
        );
        assert_eq!(
            check(&v, r#"{"expires":"1970-01-01 01:16:40 +0100"}"#),
            Ok(Some(UnixTime::from_secs(1000)))
        );
        assert_eq!(
            check(&v, r#"{"expires":"1970-01-01T00:16:40Z"}"#),
            Ok(Some(UnixTime::from_secs(1000)))
        );
        let lenient = MultipassVerifier::new(keys.clone()).allow_missing_expiry(true);
        assert_eq!(check(&lenient, r#"{"email":"a@b.co"}"#), Ok(None));
        assert_eq!(check(&lenient, r#"{"expires":""}"#), Ok(None));
    }

    #[test]
    fn modes_and_schemes_round_trip() {
        let now = UnixTime::from_secs(0);
        for mode in [
            SignatureMode::Sha256KeyThenToken,
            SignatureMode::Sha256TokenThenKey,
            SignatureMode::HmacSha256Hex,
            SignatureMode::HmacSha256Base64,
        ] {
            let keys = MultipassKeys::cloud66(UID).unwrap().with_signature_mode(mode);
            let e = keys.encode_identity("a@b.co", "A", UnixTime::from_secs(60));
            let v = MultipassVerifier::new(keys);
            assert!(v.verify(&e.multipass, e.signature.as_deref(), now).is_ok(), "{mode:?}");
            let other =
                MultipassVerifier::new(MultipassKeys::cloud66(UID).unwrap().with_signature_mode(
                    if mode == SignatureMode::HmacSha256Hex {
                        SignatureMode::Sha256KeyThenToken
                    } else {
                        SignatureMode::HmacSha256Hex
                    },
                ));
            assert!(other.verify(&e.multipass, e.signature.as_deref(), now).is_err(), "{mode:?}");
        }
        let gem = MultipassKeys::cloud66_gem_key(UID, "acme").unwrap();
        let e = gem.encode_identity("a@b.co", "A", UnixTime::from_secs(60));
        assert!(
            MultipassVerifier::new(gem).verify(&e.multipass, e.signature.as_deref(), now).is_ok()
        );
        assert!(MultipassKeys::cloud66("short").is_err());
        assert!(MultipassKeys::cloud66("3f7a1c9e5b2d4f6081a2c3e4f50617é").is_err());
    }

    const SITE: &str = "my_site_key";
    const API: &str = "my_super_secret_key_shh";

    fn entp_keys() -> MultipassKeys {
        MultipassKeys::entp(SITE, &Secret::from(API)).unwrap()
    }

    // Finding: the unsigned scheme told bad padding (bad-signature) from good
    // padding with bad JSON (malformed): a padding oracle. Every failure after
    // base64 is now one error with one message.
    #[test]
    fn entp_failures_after_base64_are_one_answer() {
        let keys = entp_keys();
        let v = MultipassVerifier::new(keys.clone());
        let now = UnixTime::from_secs(1_000);
        let good = keys.encode(br#"{"email":"a@b.co","expires":1030}"#).multipass;
        let mut answers = Vec::new();
        for plaintext in [
            &b"not json at all"[..],
            br#"["an","array"]"#,
            b"\xff\xfe not utf-8",
            br#"{"expires":"tomorrow"}"#,
            br#"{"email":"\ud800","expires":1030}"#,
            br#"{"email":"a@b.co""#,
        ] {
            answers.push(v.verify(&keys.encode(plaintext).multipass, None, now).unwrap_err());
        }
        // Bad padding: flip a bit of the second-to-last block.
        let mut ct = base64_decode_tolerant(&good).unwrap();
        let n = ct.len();
        ct[n - 17] ^= 0x01;
        let flipped = keys.encode_raw_for_tests(&ct);
        answers.push(v.verify(&flipped, None, now).unwrap_err());
        answers.push(v.verify("AAAA", None, now).unwrap_err());
        for err in &answers {
            assert!(matches!(err, Error::BadSignature), "{err:?}");
            assert_eq!(err.to_string(), Error::BadSignature.to_string());
        }
        // What stays malformed: text that is not base64, a missing expiry.
        assert!(matches!(v.verify("a*b", None, now), Err(Error::Malformed(_))));
        let no_expiry = keys.encode(br#"{"email":"a@b.co"}"#).multipass;
        assert!(matches!(v.verify(&no_expiry, None, now), Err(Error::Malformed(_))));
        assert!(v.verify(&good, None, now).is_ok());
    }

    // Finding: single use was keyed on the text as sent, but the tolerant
    // decoder reads many spellings of one ciphertext.
    #[test]
    fn another_spelling_of_a_used_token_is_a_replay() {
        let keys = entp_keys();
        let v = MultipassVerifier::new(keys.clone())
            .with_replay_guard(Arc::new(InMemoryReplayGuard::new(16)));
        let now = UnixTime::from_secs(1_000);
        // A token with a `-` or `_` in it, so switching alphabets changes its text.
        let token = (0..)
            .map(|i| keys.encode(format!(r#"{{"email":"a{i}@b.co","expires":1030}}"#).as_bytes()))
            .map(|e| e.multipass)
            .find(|t| t.contains(['-', '_']))
            .unwrap();
        assert!(v.verify(&token, None, now).is_ok());
        let standard: String = token
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        assert_ne!(standard, token, "the token has a - or _ to switch");
        let spaced = format!(" {}\n{} ", &token[..10], &token[10..]);
        for respelled in [format!("{token}="), format!("{token}=="), spaced, standard] {
            assert!(matches!(v.verify(&respelled, None, now), Err(Error::Replayed)), "{respelled}");
        }
    }

    #[test]
    fn expiry_too_far_ahead_is_refused() {
        let keys = MultipassKeys::cloud66(UID).unwrap();
        let now = UnixTime::from_secs(1_000_000);
        let v = MultipassVerifier::new(keys.clone());
        let at = |exp: &str| {
            let e = keys.encode(format!(r#"{{"expires":{exp}}}"#).as_bytes());
            v.verify(&e.multipass, e.signature.as_deref(), now).map(|id| id.expires_at)
        };
        assert!(at("1003600").is_ok(), "one hour ahead is the default maximum");
        assert!(matches!(at("1003601"), Err(Error::ExpiresTooFarAhead)));
        assert!(matches!(at("9223372036854775807"), Err(Error::ExpiresTooFarAhead)));
        assert!(matches!(at(r#""9999-12-31 23:59:59 UTC""#), Err(Error::ExpiresTooFarAhead)));
        assert_eq!(
            Error::ExpiresTooFarAhead.error_kind(),
            ErrorKind::NotYetValid,
            "a time beyond the allowed window ahead"
        );
        let e = keys.encode(br#"{"expires":1086400}"#);
        let lenient =
            MultipassVerifier::new(keys.clone()).with_max_lifetime(Duration::from_secs(86_400));
        assert!(lenient.verify(&e.multipass, e.signature.as_deref(), now).is_ok());
    }

    #[test]
    fn a_lone_surrogate_is_refused_not_emptied() {
        let keys = MultipassKeys::cloud66(UID).unwrap();
        let v = MultipassVerifier::new(keys.clone());
        let e = keys.encode(br#"{"email":"a@b.co","note":"\ud800","expires":1030}"#);
        let err = v.verify(&e.multipass, e.signature.as_deref(), UnixTime::from_secs(1_000));
        assert!(matches!(err, Err(Error::Malformed(_))), "{err:?}");
        let e = keys.encode(br#"{"email":"a@b.co","note":"\ud83d\ude00","expires":1030}"#);
        let id =
            v.verify(&e.multipass, e.signature.as_deref(), UnixTime::from_secs(1_000)).unwrap();
        assert_eq!(id.payload()["note"], "\u{1f600}");
    }

    #[test]
    fn empty_keys_are_refused() {
        assert!(matches!(MultipassKeys::entp(SITE, &Secret::from("")), Err(Error::EmptyKey)));
        assert!(matches!(MultipassKeys::entp("", &Secret::from(API)), Err(Error::EmptyKey)));
        assert!(matches!(MultipassKeys::cloud66_gem_key(UID, ""), Err(Error::EmptyKey)));
        assert_eq!(Error::EmptyKey.error_kind(), ErrorKind::Malformed);
    }

    #[test]
    fn single_use_and_debug() {
        let keys = MultipassKeys::cloud66(UID).unwrap();
        let e = keys.encode_identity("a@b.co", "A", UnixTime::from_secs(60));
        let v = MultipassVerifier::new(keys.clone())
            .with_replay_guard(Arc::new(InMemoryReplayGuard::new(4)));
        let now = UnixTime::from_secs(0);
        assert!(v.verify(&e.multipass, e.signature.as_deref(), now).is_ok());
        assert!(matches!(
            v.verify(&e.multipass, e.signature.as_deref(), now),
            Err(Error::Replayed)
        ));
        let dbg = format!("{keys:?} {e:?} {v:?}");
        assert!(
            !dbg.contains(&UID[..16]) && !dbg.contains(&UID[16..]) && !dbg.contains(&e.multipass),
            "{dbg}"
        );
        assert_eq!(ruby_utc(UnixTime::from_secs(1_432_052_688)), "2015-05-19 16:24:48 UTC");
    }
}
