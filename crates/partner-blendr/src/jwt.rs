//! JWT SSO: HS256 tokens signed with the partner API key. Verifying is in
//! `jwt_verify`.
//!
//! Tokens are made and checked by the `jsonwebtoken` crate (RustCrypto
//! backend), with HS256 as the only algorithm, so there is no algorithm to
//! confuse (`none`, RS256 with the key as a public key, ...).

use std::fmt;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use partner_core::{Secret, UnixTime};
use serde_json::{Map, Value, json};

use crate::{Error, Hub, SsoLink, SsoPage};

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
/// use partner_blendr::{Error, Hub, JwtClaims, JwtSigner, JwtVerifier, SsoPage, UnixTime};
///
/// let signer = JwtSigner::new("saaspartner_api_key")?;
/// let now = UnixTime::from_secs(1_700_000_000);
/// let claims = JwtClaims::flat(123).account_name("ACME").credential("api_key", "abcde12345");
/// let link = signer.link(&Hub::eu("acme")?, &SsoPage::Home, &claims, now)?;
/// assert!(link.as_str().starts_with("https://acme.admin.blendr.io/sso?jwt=eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9."));
///
/// let token = signer.sign(&claims, now)?;
/// let verified = JwtVerifier::new("saaspartner_api_key")?.verify(&token, now)?;
/// assert_eq!(verified.claims()["iat"], 1_700_000_000);
/// assert!(matches!(JwtSigner::new(""), Err(Error::EmptyKey)));
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone)]
pub struct JwtSigner {
    key: EncodingKey,
    header: Header,
}

impl fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSigner").field("alg", &self.header.alg).finish_non_exhaustive()
    }
}

/// An HS256 key for `jsonwebtoken`; [`Error::EmptyKey`] when `key` is empty.
pub(crate) fn hs256_encoding_key(key: impl Into<Secret>) -> Result<EncodingKey, Error> {
    let key = key.into().non_empty()?;
    Ok(EncodingKey::from_secret(key.expose()))
}

/// The compact HS256 JWT of `claims` under `key` with `header`.
pub(crate) fn encode_hs256<T: serde::Serialize>(
    header: &Header,
    claims: &T,
    key: &EncodingKey,
) -> Result<String, Error> {
    jsonwebtoken::encode(header, claims, key)
        .map_err(|_| Error::Malformed("claims do not serialise as a jwt"))
}

impl JwtSigner {
    /// A signer with the SaaS Partner API key as the HS256 secret;
    /// [`Error::EmptyKey`] when the key is empty.
    pub fn new(api_key: impl Into<Secret>) -> Result<Self, Error> {
        Ok(JwtSigner { key: hs256_encoding_key(api_key)?, header: Header::new(Algorithm::HS256) })
    }

    /// The compact JWT for `claims`, issued at `now`.
    pub fn sign(&self, claims: &JwtClaims, now: UnixTime) -> Result<String, Error> {
        let payload = WithTimes {
            claims: &claims.claims,
            iat: now.as_secs(),
            exp: claims.lifetime.map(|l| now.saturating_add(l).as_secs()),
        };
        encode_hs256(&self.header, &payload, &self.key)
    }

    /// Signs an arbitrary claim object as it is (for tools and tests; it
    /// must carry its own `iat`, which the hub requires).
    pub fn sign_map(&self, claims: &Map<String, Value>) -> Result<String, Error> {
        if !claims.get("iat").is_some_and(Value::is_number) {
            return Err(Error::Malformed("claims need a numeric iat"));
        }
        encode_hs256(&self.header, claims, &self.key)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JwtVerifier;

    const KEY: &str = "saaspartner_api_key";

    #[test]
    fn empty_keys_are_refused() {
        assert!(matches!(JwtSigner::new(""), Err(Error::EmptyKey)));
        assert!(matches!(JwtSigner::new(Vec::new()), Err(Error::EmptyKey)));
    }

    #[test]
    fn signer_sets_iat_and_exp_and_replaces_given_ones() {
        let s = JwtSigner::new(KEY).unwrap();
        let claims = JwtClaims::flat("a")
            .claim("iat", json!(1))
            .claim("exp", json!(2))
            .expires_in(Duration::from_secs(60));
        let t = s.sign(&claims, UnixTime::from_secs(500)).unwrap();
        let v = JwtVerifier::new(KEY).unwrap().verify(&t, UnixTime::from_secs(500)).unwrap();
        assert_eq!(
            (v.claims()["iat"].as_i64(), v.claims()["exp"].as_i64()),
            (Some(500), Some(560))
        );
        // No exp unless asked.
        let t = s.sign(&JwtClaims::flat("a"), UnixTime::from_secs(500)).unwrap();
        let v = JwtVerifier::new(KEY).unwrap().verify(&t, UnixTime::from_secs(500)).unwrap();
        assert!(v.claim("exp").is_none());
        assert!(
            !format!("{:?}", JwtClaims::flat(1).credential("api_key", "sekrit")).contains("sekrit")
        );
        assert!(!format!("{s:?}").contains(KEY));
    }

    #[test]
    fn sign_map_needs_a_numeric_iat() {
        let s = JwtSigner::new(KEY).unwrap();
        let mut claims = Map::new();
        claims.insert("accountid".into(), json!("a"));
        assert!(matches!(s.sign_map(&claims), Err(Error::Malformed(_))));
        claims.insert("iat".into(), json!("10"));
        assert!(matches!(s.sign_map(&claims), Err(Error::Malformed(_))));
        claims.insert("iat".into(), json!(10));
        let t = s.sign_map(&claims).unwrap();
        let v = JwtVerifier::new(KEY).unwrap().verify(&t, UnixTime::from_secs(10)).unwrap();
        assert_eq!(v.claims(), &claims);
    }
}
