//! JWT SSO: HS256 tokens signed with the partner API key, and their
//! verification on the hub side.
//!
//! Only HS256 is produced or accepted, so there is no algorithm to confuse
//! (`none`, RS256 with the key as a public key, ...). The compact form is
//! three base64url parts; the primitives (HMAC-SHA256, base64url, JSON)
//! come from `partner-core` and `serde_json`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use partner_core::crypto::{hmac_sha256, verify_hmac_sha256};
use partner_core::encoding::{base64url_decode, base64url_decode_into, push_base64url};
use partner_core::{AcceptancePolicy, Freshness, ReplayGuard, Secret, UnixTime};
use serde_json::{Map, Value, json};

use crate::hash::{DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW};
use crate::{Error, Hub, SsoLink, SsoPage};

/// The protected header of every token this crate makes.
#[cfg(test)]
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// An account id as the JWT carries it: text or an integer (the vendor's
/// example uses `"accountid": 123`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountId(Value);

impl From<&str> for AccountId {
    fn from(v: &str) -> Self {
        AccountId(Value::from(v))
    }
}
impl From<String> for AccountId {
    fn from(v: String) -> Self {
        AccountId(Value::from(v))
    }
}
impl From<i64> for AccountId {
    fn from(v: i64) -> Self {
        AccountId(Value::from(v))
    }
}
impl From<i32> for AccountId {
    fn from(v: i32) -> Self {
        AccountId(Value::from(v))
    }
}
impl From<u32> for AccountId {
    fn from(v: u32) -> Self {
        AccountId(Value::from(v))
    }
}
impl From<u64> for AccountId {
    fn from(v: u64) -> Self {
        AccountId(Value::from(v))
    }
}

/// The claims of an SSO JWT, in either shape the vendor uses.
///
/// - Flat (the SSO document): `accountid`, `accountname`, `userid`,
///   `username`, `useremail`, plus credentials as extra claims.
/// - Nested (a newer public sample): `account {external_id, name}`,
///   `user {external_id, name, email, locale}`, `datasource {...}`, `embed {...}`.
///
/// `iat` is set by the signer from its clock, and `exp` when asked.
///
/// ```
/// use partner_blendr::JwtClaims;
///
/// let flat = JwtClaims::flat(123).account_name("ACME").credential("api_key", "abcde12345");
/// assert_eq!(flat.as_map()["accountid"], 123);
/// let nested = JwtClaims::nested("acme-1", "ACME").user("u-1", "Jo", "jo@acme.test", Some("en"));
/// assert_eq!(nested.as_map()["user"]["email"], "jo@acme.test");
/// ```
#[derive(Clone, PartialEq)]
pub struct JwtClaims {
    claims: Map<String, Value>,
    lifetime: Option<Duration>,
}

impl fmt::Debug for JwtClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Claims may hold credentials: show the names only.
        f.debug_struct("JwtClaims").field("names", &self.claims.keys().collect::<Vec<_>>()).finish()
    }
}

impl JwtClaims {
    /// Flat claims for `account_id`.
    pub fn flat(account_id: impl Into<AccountId>) -> Self {
        let mut claims = Map::new();
        claims.insert("accountid".into(), account_id.into().0);
        JwtClaims { claims, lifetime: None }
    }

    /// Nested claims for the account `external_id` named `name`.
    pub fn nested(external_id: impl Into<String>, name: impl Into<String>) -> Self {
        let mut claims = Map::new();
        claims.insert(
            "account".into(),
            json!({"external_id": external_id.into(), "name": name.into()}),
        );
        JwtClaims { claims, lifetime: None }
    }

    fn with(mut self, name: &str, value: Value) -> Self {
        self.claims.insert(name.to_owned(), value);
        self
    }

    /// Flat: the account's name.
    pub fn account_name(self, v: impl Into<String>) -> Self {
        self.with("accountname", Value::from(v.into()))
    }
    /// Flat: your id of the user.
    pub fn user_id(self, v: impl Into<String>) -> Self {
        self.with("userid", Value::from(v.into()))
    }
    /// Flat: the user's name.
    pub fn user_name(self, v: impl Into<String>) -> Self {
        self.with("username", Value::from(v.into()))
    }
    /// Flat: the user's e-mail address.
    pub fn user_email(self, v: impl Into<String>) -> Self {
        self.with("useremail", Value::from(v.into()))
    }

    /// A credential of the account to your API (for example `api_key`), named
    /// as Blendr shows it when a user connects by hand. Only a JWT may carry it.
    pub fn credential(self, name: &str, value: impl Into<String>) -> Self {
        self.with(name, Value::from(value.into()))
    }

    /// Nested: the user.
    pub fn user(
        self,
        external_id: impl Into<String>,
        name: impl Into<String>,
        email: impl Into<String>,
        locale: Option<&str>,
    ) -> Self {
        let mut user =
            json!({"external_id": external_id.into(), "name": name.into(), "email": email.into()});
        if let (Some(locale), Some(obj)) = (locale, user.as_object_mut()) {
            obj.insert("locale".into(), Value::from(locale));
        }
        self.with("user", user)
    }

    /// Nested: datasource settings (credentials of your connector).
    pub fn datasource(self, datasource: Map<String, Value>) -> Self {
        self.with("datasource", Value::Object(datasource))
    }

    /// Nested: embedding options.
    pub fn embed(self, embed: Map<String, Value>) -> Self {
        self.with("embed", Value::Object(embed))
    }

    /// Any other claim (`iat` and `exp` are set by the signer).
    pub fn claim(self, name: &str, value: Value) -> Self {
        self.with(name, value)
    }

    /// Adds `exp` = `iat` + `lifetime` when signed.
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// The claims set so far (without `iat` / `exp`).
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.claims
    }
}

/// Signs SSO JWTs with the partner API key (HS256).
///
/// ```
/// use partner_blendr::{Hub, JwtClaims, JwtSigner, JwtVerifier, SsoPage, UnixTime};
///
/// let signer = JwtSigner::new("saaspartner_api_key");
/// let now = UnixTime::from_secs(1_700_000_000);
/// let claims = JwtClaims::flat(123).account_name("ACME").credential("api_key", "abcde12345");
/// let link = signer.link(&Hub::eu("acme").unwrap(), &SsoPage::Home, &claims, now).unwrap();
/// assert!(link.as_str().starts_with("https://acme.admin.blendr.io/sso?jwt=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
///
/// let token = signer.sign(&claims, now).unwrap();
/// let verified = JwtVerifier::new("saaspartner_api_key").verify(&token, now).unwrap();
/// assert_eq!(verified.claims()["iat"], 1_700_000_000);
/// ```
#[derive(Debug, Clone)]
pub struct JwtSigner {
    key: Secret,
}

impl JwtSigner {
    /// A signer with the SaaS Partner API key as the HS256 secret.
    pub fn new(api_key: impl Into<Secret>) -> Self {
        JwtSigner { key: api_key.into() }
    }

    /// The compact JWT for `claims`, issued at `now`.
    pub fn sign(&self, claims: &JwtClaims, now: UnixTime) -> Result<String, Error> {
        let payload = WithTimes {
            claims: &claims.claims,
            iat: now.as_secs(),
            exp: claims.lifetime.map(|l| now.saturating_add(l).as_secs()),
        };
        let body = serde_json::to_vec(&payload)
            .map_err(|_| Error::Malformed("claims do not serialise"))?;
        Ok(sign_compact(self.key.expose(), &body))
    }

    /// Signs an arbitrary claim object as it is (for tools and tests; it
    /// must carry its own `iat`, which the hub requires).
    pub fn sign_map(&self, claims: &Map<String, Value>) -> Result<String, Error> {
        if !claims.get("iat").is_some_and(Value::is_number) {
            return Err(Error::Malformed("claims need a numeric iat"));
        }
        let body =
            serde_json::to_vec(claims).map_err(|_| Error::Malformed("claims do not serialise"))?;
        Ok(sign_compact(self.key.expose(), &body))
    }

    /// `<page>?jwt=<token>`: the GET form of the JWT handoff.
    pub fn link(
        &self,
        hub: &Hub,
        page: &SsoPage,
        claims: &JwtClaims,
        now: UnixTime,
    ) -> Result<SsoLink, Error> {
        let token = self.sign(claims, now)?;
        Ok(crate::hash::link_with_query(hub.page_url(page), &[("jwt", &token)]))
    }

    /// The JWT handoff as an auto-submitting POST form (see
    /// [`HashLinkSigner::post_form`](crate::HashLinkSigner::post_form)).
    pub fn post_form(
        &self,
        hub: &Hub,
        page: &SsoPage,
        claims: &JwtClaims,
        now: UnixTime,
        nonce: Option<&str>,
    ) -> Result<String, Error> {
        let token = self.sign(claims, now)?;
        crate::hash::render_post_form(&hub.page_url(page), &[("jwt", token.as_str())], nonce)
    }
}

/// The claims with `iat` (and `exp`) set by the signer, serialised without
/// copying the claims (an `iat` / `exp` among them is replaced).
struct WithTimes<'a> {
    claims: &'a Map<String, Value>,
    iat: i64,
    exp: Option<i64>,
}

impl serde::Serialize for WithTimes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for (k, v) in self.claims.iter().filter(|(k, _)| *k != "iat" && *k != "exp") {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("iat", &self.iat)?;
        if let Some(exp) = self.exp {
            map.serialize_entry("exp", &exp)?;
        }
        map.end()
    }
}

/// `base64url(HEADER)`, computed once.
const HEADER_B64: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// Signs `payload` (JSON bytes) as a compact HS256 JWT, in one buffer.
pub(crate) fn sign_compact(key: &[u8], payload: &[u8]) -> String {
    let mut token = String::with_capacity(HEADER_B64.len() + 2 + payload.len() * 4 / 3 + 48);
    token.push_str(HEADER_B64);
    token.push('.');
    push_base64url(&mut token, payload);
    let tag = hmac_sha256(key, token.as_bytes());
    token.push('.');
    push_base64url(&mut token, tag);
    token
}

/// What a verified SSO JWT says.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct VerifiedJwt {
    payload: Vec<u8>,
    /// `accountid`, or `account.external_id`, as text.
    pub account_id: String,
    /// The issue time.
    pub issued_at: UnixTime,
}

impl fmt::Debug for VerifiedJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Claims may hold credentials.
        f.debug_struct("VerifiedJwt")
            .field("account_id", &self.account_id)
            .field("issued_at", &self.issued_at)
            .finish_non_exhaustive()
    }
}

impl VerifiedJwt {
    /// Every claim of the payload (parsed on each call: keep the result).
    pub fn claims(&self) -> Map<String, Value> {
        serde_json::from_slice(&self.payload).unwrap_or_default()
    }

    /// One claim (parses the payload).
    pub fn claim(&self, name: &str) -> Option<Value> {
        self.claims().remove(name)
    }
}

/// Verifies SSO JWTs: HS256 only, `iat` required and within the age window,
/// `exp` and `nbf` honoured, an account required, optional single use.
///
/// Order of checks (FORMAT.md): shape (three base64url parts, JSON header
/// and payload, numeric `iat`/`exp`/`nbf`, an account), then algorithm and
/// signature, then time, then single use.
#[derive(Clone, Debug)]
pub struct JwtVerifier {
    key: Secret,
    policy: AcceptancePolicy,
}

/// The header fields the verifier reads (borrowed, no map).
#[derive(serde::Deserialize)]
struct HeaderProbe<'a> {
    #[serde(borrow, default)]
    alg: Option<std::borrow::Cow<'a, str>>,
}

/// The claims the verifier reads; everything else is skipped, and the whole
/// object is parsed only when asked for ([`VerifiedJwt::claims`]).
#[derive(serde::Deserialize)]
struct ClaimsProbe {
    #[serde(default)]
    iat: Option<Value>,
    #[serde(default)]
    exp: Option<Value>,
    #[serde(default)]
    nbf: Option<Value>,
    #[serde(default)]
    accountid: Option<Value>,
    #[serde(default)]
    account: Option<Value>,
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
    /// A verifier with the API key, 300 s of age and 60 s of skew.
    pub fn new(api_key: impl Into<Secret>) -> Self {
        JwtVerifier {
            key: api_key.into(),
            policy: AcceptancePolicy::new(Freshness::new(DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW)),
        }
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
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::Malformed("a jwt has three parts"));
        };
        let decode = |b64: &str| {
            base64url_decode(b64).map_err(|_| Error::Malformed("jwt part is not base64url"))
        };
        // The header is small: decode it on the stack when it fits.
        let mut header_buf = [0u8; 256];
        let header_vec;
        let header_json: &[u8] = match base64url_decode_into(header_b64, &mut header_buf) {
            Ok(n) => &header_buf[..n],
            Err(_) => {
                header_vec = decode(header_b64)?;
                &header_vec
            }
        };
        let payload = decode(payload_b64)?;
        let is_object = |json: &[u8]| json.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if !is_object(header_json) || !is_object(&payload) {
            return Err(Error::Malformed("jwt part is not a json object"));
        }
        let header: HeaderProbe<'_> = serde_json::from_slice(header_json)
            .map_err(|_| Error::Malformed("jwt header is not valid json"))?;
        let probe: ClaimsProbe = serde_json::from_slice(&payload)
            .map_err(|_| Error::Malformed("jwt payload is not valid json"))?;
        let issued_at = numeric_date(probe.iat.as_ref())?.ok_or(Error::Malformed("no iat"))?;
        let expires = numeric_date(probe.exp.as_ref())?;
        let not_before = numeric_date(probe.nbf.as_ref())?;
        let account_id = probe
            .accountid
            .as_ref()
            .and_then(id_text)
            .or_else(|| probe.account.as_ref().and_then(|a| a.get("external_id")).and_then(id_text))
            .ok_or(Error::Malformed("no accountid or account.external_id"))?;

        if header.alg.as_deref() != Some("HS256") {
            return Err(Error::BadSignature);
        }
        let mut signature = [0u8; 32];
        match base64url_decode_into(signature_b64, &mut signature) {
            Ok(32) => {}
            _ => return Err(Error::BadSignature),
        }
        let signed_len = header_b64.len() + 1 + payload_b64.len();
        verify_hmac_sha256(self.key.expose(), &token.as_bytes()[..signed_len], &signature)
            .map_err(|_| Error::BadSignature)?;

        self.policy.check_time(issued_at, now)?;
        if let Some(exp) = expires {
            if now > exp {
                return Err(Error::Expired);
            }
        }
        if let Some(nbf) = not_before {
            partner_core::clock::check_not_before(nbf, now, self.policy.window().max_skew)?;
        }
        self.policy.record_use(&signature, issued_at, expires, now)?;
        Ok(VerifiedJwt { payload, account_id, issued_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::encoding::base64url_encode;
    use partner_core::{ErrorKind, HasErrorKind};

    const KEY: &str = "saaspartner_api_key";

    // FORMAT.md's public example, made with PyJWT 2.x.
    const PYJWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2NvdW50aWQiOjEyMywiYWNjb3VudG5hbWUiOiJBQ01FIiwidXNlcmlkIjoiNDU2IiwiaWF0IjoxNjk5OTk5OTk1LCJhcGlfa2V5IjoiYWJjZGUxMjM0NSJ9.TjfiPxvx2DUOJ6MIoA9-HX0L-Kd5wBIRV04PZJb_Xao";

    #[test]
    fn verifies_a_pyjwt_token() {
        let v = JwtVerifier::new(KEY).verify(PYJWT, UnixTime::from_secs(1_700_000_000)).unwrap();
        assert_eq!(v.account_id, "123");
        assert_eq!(v.claims()["api_key"], "abcde12345");
        assert_eq!(v.issued_at.as_secs(), 1_699_999_995);
        let kind = JwtVerifier::new("other")
            .verify(PYJWT, UnixTime::from_secs(1_700_000_000))
            .unwrap_err()
            .error_kind();
        assert_eq!(kind, ErrorKind::BadSignature);
    }

    fn forge(header: &str, payload: &str, key: &str) -> String {
        let mut t = format!("{}.{}", base64url_encode(header), base64url_encode(payload));
        let tag = hmac_sha256(key.as_bytes(), t.as_bytes());
        t.push('.');
        t.push_str(&base64url_encode(tag));
        t
    }

    #[test]
    fn algorithm_and_shape_rules() {
        let v = JwtVerifier::new(KEY);
        let now = UnixTime::from_secs(1000);
        let kind = |t: &str| v.verify(t, now).unwrap_err().error_kind();
        let ok_payload = r#"{"accountid":"a","iat":1000}"#;
        assert!(v.verify(&forge(HEADER, ok_payload, KEY), now).is_ok());
        assert_eq!(kind(&forge(r#"{"alg":"none"}"#, ok_payload, KEY)), ErrorKind::BadSignature);
        assert_eq!(kind(&forge(r#"{"alg":"HS512"}"#, ok_payload, KEY)), ErrorKind::BadSignature);
        assert_eq!(kind(&forge(r#"{"typ":"JWT"}"#, ok_payload, KEY)), ErrorKind::BadSignature);
        let unsigned =
            format!("{}.{}.", base64url_encode(r#"{"alg":"none"}"#), base64url_encode(ok_payload));
        assert_eq!(kind(&unsigned), ErrorKind::BadSignature);
        assert_eq!(kind(&forge(HEADER, r#"{"accountid":"a"}"#, KEY)), ErrorKind::Malformed);
        assert_eq!(kind(&forge(HEADER, r#"{"iat":1000}"#, KEY)), ErrorKind::Malformed);
        assert_eq!(
            kind(&forge(HEADER, r#"{"accountid":"a","iat":"1000"}"#, KEY)),
            ErrorKind::Malformed
        );
        assert_eq!(kind(&forge(HEADER, r#"[1]"#, KEY)), ErrorKind::Malformed);
        assert_eq!(kind("a.b"), ErrorKind::Malformed);
        assert_eq!(kind("a.b.c.d"), ErrorKind::Malformed);
        // Shape comes before signature.
        assert_eq!(kind(&forge(HEADER, r#"{"accountid":"a"}"#, "wrong")), ErrorKind::Malformed);
        // Nested account and fractional iat.
        assert!(
            v.verify(&forge(HEADER, r#"{"account":{"external_id":7},"iat":1000.9}"#, KEY), now)
                .is_ok()
        );
    }

    #[test]
    fn time_rules() {
        let v = JwtVerifier::new(KEY);
        let kind = |payload: &str, now: i64| {
            v.verify(&forge(HEADER, payload, KEY), UnixTime::from_secs(now))
                .map(|_| ())
                .map_err(|e| e.error_kind())
        };
        assert_eq!(kind(r#"{"accountid":1,"iat":1000}"#, 1300), Ok(()));
        assert_eq!(kind(r#"{"accountid":1,"iat":1000}"#, 1301), Err(ErrorKind::Expired));
        assert_eq!(kind(r#"{"accountid":1,"iat":1000,"exp":1100}"#, 1101), Err(ErrorKind::Expired));
        assert_eq!(kind(r#"{"accountid":1,"iat":1000,"exp":1100}"#, 1100), Ok(()));
        assert_eq!(kind(r#"{"accountid":1,"iat":1061}"#, 1000), Err(ErrorKind::NotYetValid));
        assert_eq!(
            kind(r#"{"accountid":1,"iat":1000,"nbf":1061}"#, 1000),
            Err(ErrorKind::NotYetValid)
        );
        assert_eq!(kind(r#"{"accountid":1,"iat":1000,"nbf":1060}"#, 1000), Ok(()));
        // Bad signature beats expiry.
        let stale = forge(HEADER, r#"{"accountid":1,"iat":1}"#, "wrong");
        assert_eq!(
            v.verify(&stale, UnixTime::from_secs(99_999)).unwrap_err().error_kind(),
            ErrorKind::BadSignature
        );
    }

    #[test]
    fn header_constant_is_the_encoded_header() {
        assert_eq!(partner_core::encoding::base64url_encode(HEADER), HEADER_B64);
    }

    #[test]
    fn signer_sets_iat_and_exp() {
        let s = JwtSigner::new(KEY);
        let t = s
            .sign(
                &JwtClaims::flat("a").expires_in(Duration::from_secs(60)),
                UnixTime::from_secs(500),
            )
            .unwrap();
        let v = JwtVerifier::new(KEY).verify(&t, UnixTime::from_secs(500)).unwrap();
        assert_eq!(
            (v.claims()["iat"].as_i64(), v.claims()["exp"].as_i64()),
            (Some(500), Some(560))
        );
        assert!(
            !format!("{:?}", JwtClaims::flat(1).credential("api_key", "sekrit")).contains("sekrit")
        );
    }
}
