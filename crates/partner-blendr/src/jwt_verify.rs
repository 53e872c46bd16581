//! The hub side of a JWT handoff: [`JwtVerifier`] and [`VerifiedJwt`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use partner_core::encoding::{base64url_decode, base64url_decode_into};
use partner_core::{AcceptancePolicy, Freshness, ReplayGuard, Secret, UnixTime};
use serde_json::{Map, Value};

use crate::params::IDENTITY_PARAMS;
use crate::{DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW, Error};

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
/// 1. shape ([`Error::Malformed`]): three base64url parts, a header that
///    is a JSON object that `jsonwebtoken` can read;
/// 2. algorithm and signature ([`Error::BadSignature`]): `alg` exactly
///    `HS256`, a `crit` header member refused
///    ([`Error::UnsupportedCriticalHeader`], of kind `bad-signature`: no
///    extension is understood, RFC 7515 section 4.1.11), then the HMAC, by
///    `jsonwebtoken` (RustCrypto);
/// 3. claims ([`Error::Malformed`]): a JSON object (a lone surrogate such as
///    `"\ud800"` is not JSON text that can be read), a numeric `iat`,
///    numeric `exp` / `nbf` when present, a flat `accountid` or a nested
///    `account.external_id`;
/// 4. time, from the caller's `now` and window (never `jsonwebtoken`'s
///    clock): `now - iat > max_age` or `now > exp` is [`Error::Expired`];
///    `iat - now > max_skew` or `nbf - now > max_skew` is
///    [`Error::NotYetValid`];
/// 5. single use, when a replay guard is set.
///
/// ```
/// use partner_blendr::{Error, JwtVerifier, UnixTime};
///
/// // Made with PyJWT 2.x.
/// let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2NvdW50aWQiOjEyMywiYWNjb3VudG5hbWUiOiJBQ01FIiwidXNlcmlkIjoiNDU2IiwiaWF0IjoxNjk5OTk5OTk1LCJhcGlfa2V5IjoiYWJjZGUxMjM0NSJ9.TjfiPxvx2DUOJ6MIoA9-HX0L-Kd5wBIRV04PZJb_Xao";
/// let v = JwtVerifier::new("saaspartner_api_key")?.verify(token, UnixTime::from_secs(1_700_000_000))?;
/// assert_eq!((v.account_id.as_str(), v.claims()["api_key"].as_str()), ("123", Some("abcde12345")));
/// assert!(format!("{v:?}").contains("api_key") && !format!("{v:?}").contains("abcde12345"));
/// assert!(matches!(JwtVerifier::new(""), Err(Error::EmptyKey)));
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
        | JwtErrorKind::MissingRequiredClaim(_) => Error::Malformed("jwt cannot be read"),
        _ => Error::BadSignature,
    }
}

/// Whether `text` can be unpadded base64url: the alphabet, and a length
/// that is not one more than a multiple of four.
fn is_base64url_text(text: &str) -> bool {
    text.len() % 4 != 1 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn numeric_date(value: Option<&Value>) -> Result<Option<UnixTime>, Error> {
    match value {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                return Ok(Some(UnixTime::from_secs(i)));
            }
            match n.as_f64() {
                // Within i64 range: floor it (numeric dates may have fractions).
                Some(f) if f.is_finite() && f.abs() < 9.0e18 => {
                    Ok(Some(UnixTime::from_secs(f.floor() as i64)))
                }
                _ => Err(Error::Malformed("numeric date out of range")),
            }
        }
        Some(_) => Err(Error::Malformed("iat, exp and nbf must be numbers")),
    }
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl JwtVerifier {
    /// A verifier with the API key, 300 s of age and 60 s of skew;
    /// [`Error::EmptyKey`] when the key is empty.
    pub fn new(api_key: impl Into<Secret>) -> Result<Self, Error> {
        let key = api_key.into().non_empty()?;
        Ok(JwtVerifier {
            key: DecodingKey::from_secret(key.expose()),
            validation: signature_only(),
            policy: AcceptancePolicy::new(Freshness::new(DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW)),
        })
    }

    /// Accepts an `iat` at most `max_age` old, and `iat` / `nbf` at most `max_skew` ahead.
    pub fn with_window(mut self, max_age: Duration, max_skew: Duration) -> Self {
        self.policy = self.policy.with_window(Freshness::new(max_age, max_skew));
        self
    }

    /// Refuses a second use of the same token.
    pub fn with_replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.policy = self.policy.with_replay_guard(guard);
        self
    }

    /// Verifies `token` at `now`.
    pub fn verify(&self, token: &str, now: UnixTime) -> Result<VerifiedJwt, Error> {
        // 1. Shape.
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::Malformed("a jwt has three parts"));
        };
        let header_json = base64url_decode(header_b64)
            .map_err(|_| Error::Malformed("jwt header is not base64url"))?;
        let header: Map<String, Value> = serde_json::from_slice(&header_json)
            .map_err(|_| Error::Malformed("jwt header is not a json object"))?;
        if !is_base64url_text(payload_b64) {
            return Err(Error::Malformed("jwt payload is not base64url"));
        }

        // 2. Algorithm, critical extensions, signature.
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return Err(Error::BadSignature);
        }
        if header.contains_key("crit") {
            return Err(Error::UnsupportedCriticalHeader);
        }
        let mut signature = [0u8; 32];
        match base64url_decode_into(signature_b64, &mut signature) {
            Ok(32) => {}
            _ => return Err(Error::BadSignature),
        }
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &self.key, &self.validation)
            .map_err(|e| from_jwt_error(&e))?
            .claims;

        // 3. Claims.
        let issued_at = numeric_date(claims.get("iat"))?.ok_or(Error::Malformed("no iat"))?;
        let expires = numeric_date(claims.get("exp"))?;
        let not_before = numeric_date(claims.get("nbf"))?;
        let account_id = claims
            .get("accountid")
            .and_then(id_text)
            .or_else(|| claims.get("account").and_then(|a| a.get("external_id")).and_then(id_text))
            .ok_or(Error::Malformed("no accountid or account.external_id"))?;

        // 4. Time.
        self.policy.check_time(issued_at, now)?;
        if let Some(exp) = expires {
            if now > exp {
                return Err(Error::Expired);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{JwtClaims, JwtSigner};
    use partner_core::crypto::hmac_sha256;
    use partner_core::encoding::base64url_encode;
    use partner_core::{ErrorKind, HasErrorKind, InMemoryReplayGuard};

    const KEY: &str = "saaspartner_api_key";
    const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

    // docs/conformance.md's public example, made with PyJWT 2.x.
    const PYJWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2NvdW50aWQiOjEyMywiYWNjb3VudG5hbWUiOiJBQ01FIiwidXNlcmlkIjoiNDU2IiwiaWF0IjoxNjk5OTk5OTk1LCJhcGlfa2V5IjoiYWJjZGUxMjM0NSJ9.TjfiPxvx2DUOJ6MIoA9-HX0L-Kd5wBIRV04PZJb_Xao";

    fn verifier() -> JwtVerifier {
        JwtVerifier::new(KEY).unwrap()
    }

    /// A token with any header and payload text, signed with `key`.
    fn forge(header: &str, payload: &str, key: &str) -> String {
        let mut t = format!("{}.{}", base64url_encode(header), base64url_encode(payload));
        let tag = hmac_sha256(key.as_bytes(), t.as_bytes());
        t.push('.');
        t.push_str(&base64url_encode(tag));
        t
    }

    #[test]
    fn verifies_a_pyjwt_token() {
        let now = UnixTime::from_secs(1_700_000_000);
        let v = verifier().verify(PYJWT, now).unwrap();
        assert_eq!(v.account_id, "123");
        assert_eq!(v.claims()["api_key"], "abcde12345");
        assert_eq!(v.issued_at.as_secs(), 1_699_999_995);
        let other = JwtVerifier::new("other").unwrap();
        assert_eq!(other.verify(PYJWT, now).unwrap_err().error_kind(), ErrorKind::BadSignature);
    }

    #[test]
    fn empty_keys_are_refused() {
        assert!(matches!(JwtVerifier::new(""), Err(Error::EmptyKey)));
        assert_eq!(JwtVerifier::new(Vec::new()).unwrap_err().error_kind(), ErrorKind::Malformed);
    }

    #[test]
    fn algorithm_and_shape_rules() {
        let v = verifier();
        let now = UnixTime::from_secs(1000);
        let kind = |t: &str| v.verify(t, now).unwrap_err().error_kind();
        let ok_payload = r#"{"accountid":"a","iat":1000}"#;
        assert!(v.verify(&forge(HEADER, ok_payload, KEY), now).is_ok());
        for alg in ["none", "HS512", "HS384", "RS256", "hs256", "HS256 "] {
            let header = format!(r#"{{"alg":"{alg}"}}"#);
            assert_eq!(kind(&forge(&header, ok_payload, KEY)), ErrorKind::BadSignature, "{alg}");
        }
        assert_eq!(kind(&forge(r#"{"typ":"JWT"}"#, ok_payload, KEY)), ErrorKind::BadSignature);
        assert_eq!(kind(&forge(r#"{"alg":null}"#, ok_payload, KEY)), ErrorKind::BadSignature);
        let unsigned =
            format!("{}.{}.", base64url_encode(r#"{"alg":"none"}"#), base64url_encode(ok_payload));
        assert_eq!(kind(&unsigned), ErrorKind::BadSignature);
        // A signature that is not 32 bytes of base64url.
        let good = forge(HEADER, ok_payload, KEY);
        let (signed, _) = good.rsplit_once('.').unwrap();
        assert_eq!(kind(&format!("{signed}.AAAA")), ErrorKind::BadSignature);
        assert_eq!(kind(&format!("{signed}.!!!")), ErrorKind::BadSignature);
        // Shape: parts, base64url, a JSON object header.
        assert_eq!(kind("a.b"), ErrorKind::Malformed);
        assert_eq!(kind("a.b.c.d"), ErrorKind::Malformed);
        assert_eq!(kind(&forge("[1]", ok_payload, KEY)), ErrorKind::Malformed);
        assert_eq!(kind(&forge("not json", ok_payload, KEY)), ErrorKind::Malformed);
        let bad_payload = format!("{}.a+b.{}", base64url_encode(HEADER), "x".repeat(43));
        assert_eq!(kind(&bad_payload), ErrorKind::Malformed);
        // Claims, read only after the signature.
        assert_eq!(kind(&forge(HEADER, r#"{"accountid":"a"}"#, KEY)), ErrorKind::Malformed);
        assert_eq!(kind(&forge(HEADER, r#"{"iat":1000}"#, KEY)), ErrorKind::Malformed);
        assert_eq!(
            kind(&forge(HEADER, r#"{"accountid":"a","iat":"1000"}"#, KEY)),
            ErrorKind::Malformed
        );
        assert_eq!(kind(&forge(HEADER, r#"[1]"#, KEY)), ErrorKind::Malformed);
        assert_eq!(kind(&forge(HEADER, "not json", KEY)), ErrorKind::Malformed);
        // ... so a wrong signature wins over a missing claim.
        assert_eq!(kind(&forge(HEADER, r#"{"accountid":"a"}"#, "wrong")), ErrorKind::BadSignature);
        assert_eq!(kind(&forge(HEADER, "not json", "wrong")), ErrorKind::BadSignature);
        // Nested account and fractional iat.
        let nested = r#"{"account":{"external_id":7},"iat":1000.9}"#;
        assert_eq!(v.verify(&forge(HEADER, nested, KEY), now).unwrap().account_id, "7");
    }

    // RFC 7515 section 4.1.11: a recipient that does not understand a
    // critical extension must refuse the token. Correctly signed each time.
    #[test]
    fn critical_header_extensions_are_refused() {
        let v = verifier();
        let now = UnixTime::from_secs(1000);
        let payload = r#"{"accountid":"a","iat":1000}"#;
        for header in [
            r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
            r#"{"alg":"HS256","crit":["b64"],"b64":false}"#,
            r#"{"alg":"HS256","crit":[]}"#,
            r#"{"alg":"HS256","crit":"x"}"#,
        ] {
            let err = v.verify(&forge(header, payload, KEY), now).unwrap_err();
            assert!(matches!(err, Error::UnsupportedCriticalHeader), "{header}: {err:?}");
            assert_eq!(err.error_kind(), ErrorKind::BadSignature);
        }
    }

    // serde_json refuses a lone surrogate in a string; before, the token
    // verified and `claims()` quietly returned `{}`.
    #[test]
    fn a_lone_surrogate_is_malformed_not_an_empty_claim_set() {
        let v = verifier();
        let now = UnixTime::from_secs(1000);
        for payload in [
            r#"{"accountid":"a","iat":1000,"name":"\ud800"}"#,
            r#"{"accountid":"a","iat":1000,"\udfff":1}"#,
            r#"{"accountid":"a\ud800b","iat":1000}"#,
        ] {
            let err = v.verify(&forge(HEADER, payload, KEY), now).unwrap_err();
            assert_eq!(err.error_kind(), ErrorKind::Malformed, "{payload}");
        }
        // A surrogate pair is fine.
        let pair = r#"{"accountid":"a","iat":1000,"name":"\ud83d\ude00"}"#;
        assert_eq!(v.verify(&forge(HEADER, pair, KEY), now).unwrap().claims()["name"], "😀");
    }

    #[test]
    fn time_rules() {
        let v = verifier();
        let kind = |payload: &str, now: i64| {
            v.verify(&forge(HEADER, payload, KEY), UnixTime::from_secs(now))
                .map(|_| ())
                .map_err(|e| e.error_kind())
        };
        assert_eq!(kind(r#"{"accountid":1,"iat":1000}"#, 1300), Ok(()));
        assert_eq!(kind(r#"{"accountid":1,"iat":1000}"#, 1301), Err(ErrorKind::Expired));
        assert_eq!(kind(r#"{"accountid":1,"iat":1000,"exp":1100}"#, 1101), Err(ErrorKind::Expired));
        assert_eq!(kind(r#"{"accountid":1,"iat":1000,"exp":1100}"#, 1100), Ok(()));
        // jsonwebtoken's own exp check (system clock) is off: an exp long past
        // by the system clock but not by `now` is fine.
        assert_eq!(kind(r#"{"accountid":1,"iat":1000,"exp":1001}"#, 1000), Ok(()));
        assert_eq!(kind(r#"{"accountid":1,"iat":1061}"#, 1000), Err(ErrorKind::NotYetValid));
        assert_eq!(
            kind(r#"{"accountid":1,"iat":1000,"nbf":1061}"#, 1000),
            Err(ErrorKind::NotYetValid)
        );
        assert_eq!(kind(r#"{"accountid":1,"iat":1000,"nbf":1060}"#, 1000), Ok(()));
        // No audience or issuer check: Blendr's tokens name none we know.
        assert_eq!(kind(r#"{"accountid":1,"iat":1000,"aud":"x","iss":"y"}"#, 1000), Ok(()));
        // Bad signature beats expiry.
        let stale = forge(HEADER, r#"{"accountid":1,"iat":1}"#, "wrong");
        assert_eq!(
            v.verify(&stale, UnixTime::from_secs(99_999)).unwrap_err().error_kind(),
            ErrorKind::BadSignature
        );
    }

    #[test]
    fn replay_guard_refuses_second_use() {
        let guard = Arc::new(InMemoryReplayGuard::new(8));
        let v = verifier().with_replay_guard(guard);
        let now = UnixTime::from_secs(1000);
        let token = JwtSigner::new(KEY).unwrap().sign(&JwtClaims::flat("a"), now).unwrap();
        assert!(v.verify(&token, now).is_ok());
        assert!(matches!(v.verify(&token, now), Err(Error::Replayed)));
    }

    #[test]
    fn debug_shows_identity_claims_only() {
        let now = UnixTime::from_secs(1000);
        let claims = JwtClaims::flat("acme")
            .user_email("jo@acme.test")
            .credential("api_key", "cust-s3cr3t")
            .claim("datasource", serde_json::json!({"token": "t0k3n"}));
        let token = JwtSigner::new(KEY).unwrap().sign(&claims, now).unwrap();
        let v = verifier().verify(&token, now).unwrap();
        let text = format!("{v:?}");
        assert_eq!(
            text,
            r#"VerifiedJwt { account_id: "acme", issued_at: UnixTime(1000), useremail: "jo@acme.test", other_claims_redacted: ["api_key", "datasource"] }"#
        );
        assert!(!format!("{:?}", verifier()).contains(KEY));
    }
}
