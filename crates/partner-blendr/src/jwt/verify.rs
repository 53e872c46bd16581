//! The hub side of a JWT handoff: [`JwtVerifier`] and [`VerifiedJwt`].

use std::fmt;

use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use partner_core::encoding::{base64url_decode, base64url_decode_into};
use partner_core::{
    AcceptancePolicy, Error as CoreError, LoginVerifier, Secret, UnixTime, Verified, trace,
};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::common::{self, COMMON_HS256_HEADERS};
use crate::params::IDENTITY_PARAMS;
use crate::{Error, PROVIDER, default_policy};
use partner_core::encoding::search::find_byte;

/// What a verified SSO JWT says: every claim, parsed once, after the
/// signature was checked.
///
/// `Debug` shows the account id, `iat` and the documented identity claims
/// (`accountname`, `userid`, `username`, `useremail`); other claims (which
/// may hold credentials) by name only.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct VerifiedJwt {
    claims: Map<String, Value>,
    /// `accountid`, or `account.external_id`, as text.
    pub account_id: String,
    /// The issue time.
    pub issued_at: UnixTime,
}

impl fmt::Debug for VerifiedJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("VerifiedJwt");
        s.field("account_id", &self.account_id).field("issued_at", &self.issued_at);
        let shown = |k: &str| IDENTITY_PARAMS.contains(&k) && k != "accountid";
        for (name, value) in self.claims.iter().filter(|(k, _)| shown(k)) {
            match value {
                Value::String(text) => s.field(name, text),
                Value::Number(n) => s.field(name, n),
                _ => s.field(name, &"[REDACTED]"),
            };
        }
        let others: Vec<&str> = self
            .claims
            .keys()
            .map(String::as_str)
            .filter(|k| !shown(k) && !matches!(*k, "accountid" | "iat"))
            .collect();
        s.field("other_claims_redacted", &others).finish()
    }
}

impl VerifiedJwt {
    /// Every claim of the payload.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// One claim.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims.get(name)
    }

    /// Every claim of the payload, by value.
    pub fn into_claims(self) -> Map<String, Value> {
        self.claims
    }
}

/// Verifies SSO JWTs: HS256 only, `iat` required and within the age window,
/// `exp` and `nbf` honoured, an account required, optional single use.
///
/// Order of checks (docs/conformance.md precedence, and nothing of the payload read
/// before its signature is checked):
///
/// 1. shape (`malformed`): three base64url parts, a header that is a JSON
///    object that `jsonwebtoken` can read;
/// 2. algorithm and signature (`bad-signature`): `alg` exactly
///    `HS256`, a `crit` header member refused
///    ([`Error::UnsupportedCriticalHeader`], of kind `bad-signature`: no
///    extension is understood, RFC 7515 section 4.1.11), then the HMAC, by
///    `jsonwebtoken` (RustCrypto);
/// 3. claims (`malformed`): a JSON object (a lone surrogate such as
///    `"\ud800"` is not JSON text that can be read), a numeric `iat`,
///    numeric `exp` / `nbf` when present, a flat `accountid` or a nested
///    `account.external_id`;
/// 4. time, from the caller's `now` and the window of its
///    [`AcceptancePolicy`] (never `jsonwebtoken`'s clock; default
///    [`default_policy`]: 300 s of age, 60 s of skew): `now - iat > max_age`
///    or `now > exp` is `expired`; `iat - now > max_skew` or
///    `nbf - now > max_skew` is `not-yet-valid`;
/// 5. single use, when the policy has a replay guard or store (until
///    `iat + max_age`, or `exp` when sooner): recorded when the returned
///    [`Verified`] is consumed.
///
/// Each outcome is reported with [`partner_core::trace::verification`]
/// (handoff `"sso-jwt"`). It implements [`LoginVerifier`] on the token.
///
/// ```
/// use partner_blendr::{Error, JwtVerifier, UnixTime};
///
/// // Made with PyJWT 2.x.
/// let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2NvdW50aWQiOjEyMywiYWNjb3VudG5hbWUiOiJBQ01FIiwidXNlcmlkIjoiNDU2IiwiaWF0IjoxNjk5OTk5OTk1LCJhcGlfa2V5IjoiYWJjZGUxMjM0NSJ9.TjfiPxvx2DUOJ6MIoA9-HX0L-Kd5wBIRV04PZJb_Xao";
/// let v = JwtVerifier::new("saaspartner_api_key")?.verify(token, UnixTime::from_secs(1_700_000_000))?.accept()?;
/// assert_eq!((v.account_id.as_str(), v.claims()["api_key"].as_str()), ("123", Some("abcde12345")));
/// assert!(format!("{v:?}").contains("api_key") && !format!("{v:?}").contains("abcde12345"));
/// assert!(JwtVerifier::new("").is_err());
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone)]
pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
    policy: AcceptancePolicy,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier").field("policy", &self.policy).finish_non_exhaustive()
    }
}

/// `jsonwebtoken`'s validation with only the signature left to it: HS256
/// only, no claim required, and no time, audience or issuer check (time
/// comes from the caller's `now` and [`AcceptancePolicy`], not the system
/// clock).
fn signature_only() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    validation
}

/// `jsonwebtoken`'s error as ours. The header was read and the algorithm
/// checked before, and the signature part decodes, so what it reports as
/// unreadable (JSON, base64, UTF-8) is a header field it cannot type or a
/// payload that is not a JSON object: malformed. Anything unexpected fails
/// closed as a bad signature.
fn from_jwt_error(err: &jsonwebtoken::errors::Error) -> Error {
    match err.kind() {
        JwtErrorKind::Json(_)
        | JwtErrorKind::Base64(_)
        | JwtErrorKind::Utf8(_)
        | JwtErrorKind::InvalidToken
        | JwtErrorKind::InvalidClaimFormat(_)
        | JwtErrorKind::MissingRequiredClaim(_) => {
            CoreError::Malformed("jwt cannot be read").into()
        }
        _ => CoreError::BadSignature.into(),
    }
}

/// Whether `text` can be unpadded base64url: the alphabet, and a length
/// that is not one more than a multiple of four (a table look-up per byte).
fn is_base64url_text(text: &str) -> bool {
    text.len() % 4 != 1 && text.bytes().fold(true, |ok, b| ok & BASE64URL[usize::from(b)])
}

/// The base64url alphabet, by byte.
static BASE64URL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        b += 1;
    }
    table
};

/// What this verifier needs of a JWT header, read before `jsonwebtoken`
/// checks the signature: whether `alg` is exactly the string `HS256` (the
/// last `alg` member, as a JSON object read into a map would keep), and
/// whether a `crit` member is present (with any value, even `null`).
///
/// Read from a stack buffer with a visitor that keeps no text: no
/// allocation for a header of up to [`HEADER_STACK`] bytes. Anything that
/// is not a JSON object (an array too, which a derived `Deserialize` would
/// take) is a JSON error.
#[derive(Debug, Default, PartialEq, Eq)]
struct HeaderFacts {
    hs256: bool,
    crit: bool,
}

/// Decoded headers up to this size are read from the stack.
const HEADER_STACK: usize = 192;

/// The base64url header part, decoded and read (`malformed` when it is not
/// base64url or not a JSON object).
fn read_header(header_b64: &str) -> Result<HeaderFacts, Error> {
    if COMMON_HS256_HEADERS.contains(&header_b64) {
        return Ok(HeaderFacts { hs256: true, crit: false });
    }
    const NOT_BASE64: CoreError = CoreError::Malformed("jwt header is not base64url");
    let mut stack = [0u8; HEADER_STACK];
    let heap;
    let json: &[u8] = if header_b64.len().div_ceil(4) * 3 <= HEADER_STACK {
        let len = base64url_decode_into(header_b64, &mut stack).map_err(|_| NOT_BASE64)?;
        &stack[..len]
    } else {
        heap = base64url_decode(header_b64).map_err(|_| NOT_BASE64)?;
        &heap
    };
    serde_json::from_slice(json).map_err(|err| CoreError::json("jwt header", err).into())
}

impl<'de> Deserialize<'de> for HeaderFacts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(HeaderVisitor)
    }
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = HeaderFacts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a jwt header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HeaderFacts, A::Error> {
        let mut facts = HeaderFacts::default();
        while let Some(key) = map.next_key::<HeaderKey>()? {
            match key {
                HeaderKey::Alg => facts.hs256 = map.next_value::<IsHs256>()?.0,
                HeaderKey::Crit => {
                    facts.crit = true;
                    map.next_value::<IgnoredAny>()?;
                }
                HeaderKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(facts)
    }
}

/// A header member name, unescaped by the JSON reader.
enum HeaderKey {
    Alg,
    Crit,
    Other,
}

impl<'de> Deserialize<'de> for HeaderKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = HeaderKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<HeaderKey, E> {
                Ok(match name {
                    "alg" => HeaderKey::Alg,
                    "crit" => HeaderKey::Crit,
                    _ => HeaderKey::Other,
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// Whether a JSON value is exactly the string `HS256`; any other value
/// (another string, a number, `null`, an array, an object) is read and
/// is not.
struct IsHs256(bool);

impl<'de> Deserialize<'de> for IsHs256 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AlgVisitor;
        impl<'de> Visitor<'de> for AlgVisitor {
            type Value = IsHs256;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any json value")
            }
            fn visit_str<E: de::Error>(self, alg: &str) -> Result<IsHs256, E> {
                Ok(IsHs256(alg == "HS256"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<IsHs256, E> {
                Ok(IsHs256(false))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<IsHs256, E> {
                Ok(IsHs256(false))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<IsHs256, E> {
                Ok(IsHs256(false))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<IsHs256, E> {
                Ok(IsHs256(false))
            }
            fn visit_unit<E: de::Error>(self) -> Result<IsHs256, E> {
                Ok(IsHs256(false))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<IsHs256, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(IsHs256(false))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<IsHs256, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(IsHs256(false))
            }
        }
        deserializer.deserialize_any(AlgVisitor)
    }
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => {
            // Integers without the formatting machinery; a fraction as
            // serde_json writes it.
            let mut digits = itoa::Buffer::new();
            match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Some(digits.format(u).to_owned()),
                (None, Some(i)) => Some(digits.format(i).to_owned()),
                (None, None) => Some(n.to_string()),
            }
        }
        _ => None,
    }
}

impl JwtVerifier {
    /// A verifier with the API key and [`default_policy`] (300 s of age,
    /// 60 s of skew, no single use); `partner_core::Error::EmptyKey` (kind
    /// `malformed`) when the key is empty.
    pub fn new(api_key: impl Into<Secret>) -> Result<Self, Error> {
        let key = api_key.into().non_empty()?;
        Ok(JwtVerifier {
            key: DecodingKey::from_secret(key.expose()),
            validation: signature_only(),
            policy: default_policy(),
        })
    }

    /// Accepts tokens by `policy`: its window for `iat` (age and skew) and
    /// `nbf` (skew), and single use when it has a replay guard (keyed by
    /// the signature).
    pub fn with_policy(mut self, policy: AcceptancePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The policy in use.
    pub fn policy(&self) -> &AcceptancePolicy {
        &self.policy
    }

    /// Verifies `token` at `now`: the shape, the signature and the times.
    /// The token is handed out by consuming the result
    /// ([`Verified::consume`]`.await`, or [`Verified::accept`] with an
    /// in-memory guard or no single use), which records it as used when
    /// the policy has single use.
    pub fn verify(&self, token: &str, now: UnixTime) -> Result<Verified<VerifiedJwt>, Error> {
        trace::verification(PROVIDER, "sso-jwt", self.check(token, now))
    }

    /// The checks in the documented order. The ones whose outcome a
    /// success of `jsonwebtoken` implies (exactly three parts, a payload in
    /// the base64url alphabet, a signature of 32 bytes of base64url: it
    /// decodes every part strictly, and an HMAC tag has 32 bytes) are made
    /// only on the way to an error, so that they still outrank it; the
    /// common path reads the header (without decoding it when it is one of
    /// the [`COMMON_HS256_HEADERS`]), lets `jsonwebtoken` check and decode,
    /// then reads the claims in one pass over them.
    fn check(&self, token: &str, now: UnixTime) -> Result<Verified<VerifiedJwt>, Error> {
        // 1. Shape: the header is the text before the first dot, the
        // signature the text after the last one.
        let bytes = token.as_bytes();
        let header_end = find_byte::<b'.'>(bytes, 0);
        let signature_start = bytes.iter().rposition(|&b| b == b'.').map_or(0, |dot| dot + 1);
        let parts = (
            token.get(..header_end),
            token.get(header_end + 1..signature_start.saturating_sub(1)),
            token.get(signature_start..),
        );
        let (Some(header_b64), Some(payload_b64), Some(signature_b64)) = parts else {
            return Err(CoreError::Malformed("a jwt has three parts").into());
        };
        // What outranks any error after this point: three parts, and a
        // payload in the base64url alphabet.
        let shape_first = |err: Error| -> Error {
            if payload_b64.contains('.') {
                CoreError::Malformed("a jwt has three parts").into()
            } else if !is_base64url_text(payload_b64) {
                CoreError::Malformed("jwt payload is not base64url").into()
            } else {
                err
            }
        };
        let header = read_header(header_b64).map_err(|err| {
            if payload_b64.contains('.') {
                CoreError::Malformed("a jwt has three parts").into()
            } else {
                err
            }
        })?;

        // 2. Algorithm, critical extensions, signature.
        if !header.hs256 {
            return Err(shape_first(CoreError::BadSignature.into()));
        }
        if header.crit {
            return Err(shape_first(Error::UnsupportedCriticalHeader));
        }
        let message = token.get(..signature_start.saturating_sub(1)).unwrap_or_default();
        let common = common::claims(&self.key, header_b64, payload_b64, signature_b64, message);
        let claims = match common {
            Some(claims) => claims,
            None => {
                match jsonwebtoken::decode::<Map<String, Value>>(token, &self.key, &self.validation)
                {
                    Ok(data) => data.claims,
                    Err(err) => {
                        let err = if signature_bytes(signature_b64).is_some() {
                            from_jwt_error(&err)
                        } else {
                            CoreError::BadSignature.into()
                        };
                        return Err(shape_first(err));
                    }
                }
            }
        };

        // 3. Claims, in one pass.
        let (mut iat, mut exp, mut nbf, mut flat_id, mut nested) = (None, None, None, None, None);
        for (name, value) in &claims {
            match name.as_str() {
                "iat" => iat = Some(value),
                "exp" => exp = Some(value),
                "nbf" => nbf = Some(value),
                "accountid" => flat_id = Some(value),
                "account" => nested = Some(value),
                _ => {}
            }
        }
        let date = |value: Option<&Value>| value.map(UnixTime::from_numeric_date).transpose();
        let issued_at = date(iat)?.ok_or(CoreError::Malformed("no iat"))?;
        let expires = date(exp)?;
        let not_before = date(nbf)?;
        let account_id = flat_id
            .and_then(id_text)
            .or_else(|| nested.and_then(|a| a.get("external_id")).and_then(id_text))
            .ok_or(CoreError::Malformed("no accountid or account.external_id"))?;

        // 4. Time.
        self.policy.check_time(issued_at, now)?;
        if let Some(exp) = expires {
            if now > exp {
                return Err(CoreError::Expired.into());
            }
        }
        if let Some(nbf) = not_before {
            partner_core::clock::check_not_before(nbf, now, self.policy.window().max_skew)?;
        }

        // 5. Single use (recorded when the result is consumed), keyed by
        // the signature's bytes (which, the token being valid, are 32 bytes
        // of strict base64url).
        let value = VerifiedJwt { claims, account_id, issued_at };
        if !self.policy.is_single_use() {
            return Ok(self.policy.verified(value, &[], issued_at, now));
        }
        let signature = signature_bytes(signature_b64).ok_or(CoreError::BadSignature)?;
        let until = self.policy.replay_until_issued(issued_at, expires);
        Ok(self.policy.verified(value, &signature, until, now))
    }
}

/// The 32 bytes of an HS256 signature part, decoded on the stack; `None`
/// when it is not exactly that in strict unpadded base64url.
fn signature_bytes(signature_b64: &str) -> Option<[u8; 32]> {
    let mut signature = [0u8; 32];
    matches!(base64url_decode_into(signature_b64, &mut signature), Ok(32)).then_some(signature)
}

impl LoginVerifier for JwtVerifier {
    type Identity = VerifiedJwt;
    type Error = Error;

    /// [`verify`](JwtVerifier::verify) of the token (the `jwt` parameter).
    fn verify_login(&self, received: &str, now: UnixTime) -> Result<Verified<VerifiedJwt>, Error> {
        self.verify(received, now)
    }
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
