//! The hub side of a JWT handoff: [`JwtVerifier`] and [`VerifiedJwt`].

use std::fmt;

use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use partner_core::encoding::{base64url_decode, base64url_decode_into};
use partner_core::{AcceptancePolicy, Error as CoreError, LoginVerifier, Secret, UnixTime, trace};
use serde_json::{Map, Value};

use crate::params::IDENTITY_PARAMS;
use crate::{Error, PROVIDER, default_policy};

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
/// 5. single use, when the policy has a replay guard (until `iat + max_age`,
///    or `exp` when sooner).
///
/// Each outcome is reported with [`partner_core::trace::verification`]
/// (handoff `"sso-jwt"`). It implements [`LoginVerifier`] on the token.
///
/// ```
/// use partner_blendr::{Error, JwtVerifier, UnixTime};
///
/// // Made with PyJWT 2.x.
/// let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2NvdW50aWQiOjEyMywiYWNjb3VudG5hbWUiOiJBQ01FIiwidXNlcmlkIjoiNDU2IiwiaWF0IjoxNjk5OTk5OTk1LCJhcGlfa2V5IjoiYWJjZGUxMjM0NSJ9.TjfiPxvx2DUOJ6MIoA9-HX0L-Kd5wBIRV04PZJb_Xao";
/// let v = JwtVerifier::new("saaspartner_api_key")?.verify(token, UnixTime::from_secs(1_700_000_000))?;
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
/// that is not one more than a multiple of four.
fn is_base64url_text(text: &str) -> bool {
    text.len() % 4 != 1 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
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

    /// Verifies `token` at `now`.
    pub fn verify(&self, token: &str, now: UnixTime) -> Result<VerifiedJwt, Error> {
        trace::verification(PROVIDER, "sso-jwt", self.check(token, now))
    }

    fn check(&self, token: &str, now: UnixTime) -> Result<VerifiedJwt, Error> {
        // 1. Shape.
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CoreError::Malformed("a jwt has three parts").into());
        };
        let header_json = base64url_decode(header_b64)
            .map_err(|_| CoreError::Malformed("jwt header is not base64url"))?;
        let header: Map<String, Value> = serde_json::from_slice(&header_json)
            .map_err(|err| CoreError::json("jwt header", err))?;
        if !is_base64url_text(payload_b64) {
            return Err(CoreError::Malformed("jwt payload is not base64url").into());
        }

        // 2. Algorithm, critical extensions, signature.
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return Err(CoreError::BadSignature.into());
        }
        if header.contains_key("crit") {
            return Err(Error::UnsupportedCriticalHeader);
        }
        let mut signature = [0u8; 32];
        match base64url_decode_into(signature_b64, &mut signature) {
            Ok(32) => {}
            _ => return Err(CoreError::BadSignature.into()),
        }
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &self.key, &self.validation)
            .map_err(|e| from_jwt_error(&e))?
            .claims;

        // 3. Claims.
        let date = |name| claims.get(name).map(UnixTime::from_numeric_date).transpose();
        let issued_at = date("iat")?.ok_or(CoreError::Malformed("no iat"))?;
        let expires = date("exp")?;
        let not_before = date("nbf")?;
        let account_id = claims
            .get("accountid")
            .and_then(id_text)
            .or_else(|| claims.get("account").and_then(|a| a.get("external_id")).and_then(id_text))
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

        // 5. Single use.
        self.policy.record_use(&signature, issued_at, expires, now)?;
        Ok(VerifiedJwt { claims, account_id, issued_at })
    }
}

impl LoginVerifier for JwtVerifier {
    type Identity = VerifiedJwt;
    type Error = Error;

    /// [`verify`](JwtVerifier::verify) of the token (the `jwt` parameter).
    fn verify_login(&self, received: &str, now: UnixTime) -> Result<VerifiedJwt, Error> {
        self.verify(received, now)
    }
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
