//! [`JwtSigner`]: SSO JWTs, HS256 with the partner API key.

use std::fmt;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use partner_core::{Error as CoreError, LoginLinkIssuer, Secret, UnixTime};
use serde_json::{Map, Value};

use super::JwtClaims;
use crate::hash::{link_with_query, render_post_form};
use crate::{Error, Hub, SsoLink, SsoPage, SsoRequest};

/// Signs SSO JWTs with the partner API key (HS256), with the `jsonwebtoken`
/// crate. It implements [`LoginLinkIssuer`] for an [`SsoRequest<JwtClaims>`].
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
/// let verified = JwtVerifier::new("saaspartner_api_key")?.verify(&token, now)?.accept()?;
/// assert_eq!(verified.claims()["iat"], 1_700_000_000);
/// assert!(JwtSigner::new("").is_err());
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

/// An HS256 key for `jsonwebtoken`; `EmptyKey` when `key` is empty.
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
        .map_err(|_| CoreError::Malformed("claims do not serialise as a jwt").into())
}

impl JwtSigner {
    /// A signer with the SaaS Partner API key as the HS256 secret;
    /// `partner_core::Error::EmptyKey` (kind `malformed`) when the key is empty.
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
            return Err(CoreError::Malformed("claims need a numeric iat").into());
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
        Ok(link_with_query(hub.page_url(page), &[("jwt", &token)]))
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
        render_post_form(&hub.page_url(page), &[("jwt", token.as_str())], nonce)
    }
}

impl LoginLinkIssuer for JwtSigner {
    type Request = SsoRequest<JwtClaims>;
    type Link = SsoLink;
    type Error = Error;

    /// [`link`](JwtSigner::link) to the request's page.
    fn issue_link(&self, request: &SsoRequest<JwtClaims>, now: UnixTime) -> Result<SsoLink, Error> {
        self.link(&request.hub, &request.page, &request.handoff, now)
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
    use crate::{Guid, JwtVerifier};
    use partner_core::{ErrorKind, HasErrorKind};
    use serde_json::json;
    use std::time::Duration;

    const KEY: &str = "saaspartner_api_key";

    #[test]
    fn empty_keys_are_refused() {
        assert_eq!(JwtSigner::new("").unwrap_err(), Error::Core(CoreError::EmptyKey));
        assert_eq!(JwtSigner::new(Vec::new()).unwrap_err(), Error::Core(CoreError::EmptyKey));
    }

    #[test]
    fn signer_sets_iat_and_exp_and_replaces_given_ones() {
        let s = JwtSigner::new(KEY).unwrap();
        let claims = JwtClaims::flat("a")
            .claim("iat", json!(1))
            .claim("exp", json!(2))
            .expires_in(Duration::from_secs(60));
        let t = s.sign(&claims, UnixTime::from_secs(500)).unwrap();
        let v = JwtVerifier::new(KEY)
            .unwrap()
            .verify(&t, UnixTime::from_secs(500))
            .unwrap()
            .accept()
            .unwrap();
        assert_eq!(
            (v.claims()["iat"].as_i64(), v.claims()["exp"].as_i64()),
            (Some(500), Some(560))
        );
        // No exp unless asked.
        let t = s.sign(&JwtClaims::flat("a"), UnixTime::from_secs(500)).unwrap();
        let v = JwtVerifier::new(KEY)
            .unwrap()
            .verify(&t, UnixTime::from_secs(500))
            .unwrap()
            .accept()
            .unwrap();
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
        assert_eq!(s.sign_map(&claims).unwrap_err().error_kind(), ErrorKind::Malformed);
        claims.insert("iat".into(), json!("10"));
        assert_eq!(s.sign_map(&claims).unwrap_err().error_kind(), ErrorKind::Malformed);
        claims.insert("iat".into(), json!(10));
        let t = s.sign_map(&claims).unwrap();
        let v = JwtVerifier::new(KEY)
            .unwrap()
            .verify(&t, UnixTime::from_secs(10))
            .unwrap()
            .accept()
            .unwrap();
        assert_eq!(v.claims(), &claims);
    }

    #[test]
    fn issues_login_links_as_link_does() {
        let s = JwtSigner::new(KEY).unwrap();
        let hub = Hub::eu("acme").unwrap();
        let page = SsoPage::Widget(Guid::new("b-1").unwrap());
        let claims = JwtClaims::flat("a").credential("api_key", "k");
        let now = UnixTime::from_secs(1000);
        let request = SsoRequest::new(hub.clone(), page.clone(), claims.clone());
        let issued = s.issue_link(&request, now).unwrap();
        assert_eq!(issued.as_str(), s.link(&hub, &page, &claims, now).unwrap().as_str());
        let token = issued.as_str().split_once("?jwt=").unwrap().1;
        assert_eq!(
            JwtVerifier::new(KEY).unwrap().verify(token, now).unwrap().accept().unwrap().account_id,
            "a"
        );
    }
}
