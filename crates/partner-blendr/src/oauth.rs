//! The OAuth2 "silent" flow, partner side: Blendr sends the user to your
//! authorize URL with `prompt=none`; you answer with a code (or
//! `login_required`), and later hand Blendr an id JWT about the user.

use std::time::Duration;

use std::fmt;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use partner_core::encoding::{form_encode, raw_pairs};
use partner_core::{Error as CoreError, Secret, UnixTime};
use serde_json::{Map, Value};

use crate::Error;
use crate::jwt::{encode_hs256, hs256_encoding_key};

/// The only redirect URI Blendr uses for the silent flow.
pub const BLENDR_CALLBACK: &str = "https://auth.blendr.io/callback";

/// A validated authorize request from Blendr.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SilentAuthorizeRequest {
    /// The client id (yours for Blendr's app).
    pub client_id: String,
    /// Where to send the answer: exactly the registered callback.
    pub redirect_uri: String,
    /// Blendr's opaque state, returned as is.
    pub state: String,
    /// The scope asked for, if any.
    pub scope: Option<String>,
}

/// The user the id token describes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdTokenUser {
    /// Your stable id of the user (`sub`).
    pub subject: String,
    /// Display name.
    pub name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

impl IdTokenUser {
    /// A user with this id.
    pub fn new(subject: impl Into<String>) -> Self {
        IdTokenUser { subject: subject.into(), name: None, email: None }
    }

    /// With a display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// With an e-mail address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
}

/// Your authorization server's side of Blendr's silent flow.
///
/// ```
/// use partner_blendr::Error;
/// use partner_blendr::oauth::SilentFlow;
///
/// let flow = SilentFlow::new("blendr-client", "client-secret", "https://app.example.com")?;
/// let req = flow
///     .parse_authorize("response_type=code&client_id=blendr-client&redirect_uri=https%3A%2F%2Fauth.blendr.io%2Fcallback&prompt=none&state=xyz")?;
/// assert_eq!(flow.approve(&req, "c0de"), "https://auth.blendr.io/callback?code=c0de&state=xyz");
/// assert_eq!(flow.login_required(&req), "https://auth.blendr.io/callback?error=login_required&state=xyz");
/// assert!(SilentFlow::new("blendr-client", "", "https://app.example.com").is_err());
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone)]
pub struct SilentFlow {
    client_id: String,
    client_secret: EncodingKey,
    header: Header,
    issuer: String,
    redirect_uri: String,
}

impl fmt::Debug for SilentFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SilentFlow")
            .field("client_id", &self.client_id)
            .field("issuer", &self.issuer)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl SilentFlow {
    /// The flow for Blendr's `client_id` on your server, signing id tokens
    /// with `client_secret` (HS256) and naming `issuer` as their `iss`.
    ///
    /// `partner_core::Error::EmptyKey` when `client_secret` is empty, and
    /// `partner_core::Error::Malformed` when `client_id` is (both of kind
    /// `malformed`).
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        issuer: impl Into<String>,
    ) -> Result<Self, Error> {
        let client_secret = hs256_encoding_key(client_secret)?;
        let client_id = client_id.into();
        if client_id.is_empty() {
            return Err(CoreError::Malformed("client id is empty").into());
        }
        Ok(SilentFlow {
            client_id,
            client_secret,
            header: Header::new(Algorithm::HS256),
            issuer: issuer.into(),
            redirect_uri: BLENDR_CALLBACK.to_owned(),
        })
    }

    /// Accepts another exact redirect URI (a fake's callback in tests).
    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = uri.into();
        self
    }

    /// Validates the authorize request Blendr sent (raw query string):
    /// `response_type=code`, your `client_id`, exactly the registered
    /// `redirect_uri` (anything else is an open redirect: `unsafe-input`),
    /// `prompt=none`, and a non-empty `state`. Every parameter at most once.
    pub fn parse_authorize(&self, query: &str) -> Result<SilentAuthorizeRequest, Error> {
        let mut seen: Map<String, Value> = Map::new();
        for pair in raw_pairs(query) {
            if seen.insert(pair.name.into_owned(), Value::from(pair.value.into_owned())).is_some() {
                return Err(CoreError::Malformed("a parameter appears twice").into());
            }
        }
        let get = |k: &str| seen.get(k).and_then(Value::as_str);
        if get("response_type") != Some("code") {
            return Err(CoreError::Malformed("response_type must be code").into());
        }
        if get("client_id") != Some(self.client_id.as_str()) {
            return Err(CoreError::Malformed("unknown client_id").into());
        }
        if get("redirect_uri") != Some(self.redirect_uri.as_str()) {
            return Err(
                CoreError::UnsafeInput("redirect_uri is not the registered callback").into()
            );
        }
        if get("prompt") != Some("none") {
            return Err(CoreError::Malformed("prompt must be none for the silent flow").into());
        }
        let state =
            get("state").filter(|s| !s.is_empty()).ok_or(CoreError::Malformed("no state"))?;
        Ok(SilentAuthorizeRequest {
            client_id: self.client_id.clone(),
            redirect_uri: self.redirect_uri.clone(),
            state: state.to_owned(),
            scope: get("scope").map(str::to_owned),
        })
    }

    /// The redirect that hands Blendr an authorization `code`.
    pub fn approve(&self, request: &SilentAuthorizeRequest, code: &str) -> String {
        format!(
            "{}?{}",
            request.redirect_uri,
            form_encode([("code", code), ("state", &request.state)])
        )
    }

    /// The redirect for a user who is not logged in: with `prompt=none`
    /// the server must not show a login page.
    pub fn login_required(&self, request: &SilentAuthorizeRequest) -> String {
        format!(
            "{}?{}",
            request.redirect_uri,
            form_encode([("error", "login_required"), ("state", &request.state)])
        )
    }

    /// The id token Blendr expects with the access and refresh tokens:
    /// HS256 with the client secret; `iss`, `sub`, `aud` (= client id), `iat`,
    /// `exp` (`now + lifetime`), and `name` / `email` when known.
    pub fn issue_id_token(
        &self,
        user: &IdTokenUser,
        now: UnixTime,
        lifetime: Duration,
    ) -> Result<String, Error> {
        if user.subject.is_empty() {
            return Err(CoreError::Malformed("id token subject is empty").into());
        }
        let mut claims = Map::new();
        claims.insert("iss".into(), Value::from(self.issuer.as_str()));
        claims.insert("sub".into(), Value::from(user.subject.as_str()));
        claims.insert("aud".into(), Value::from(self.client_id.as_str()));
        claims.insert("iat".into(), Value::from(now.as_secs()));
        claims.insert("exp".into(), Value::from(now.saturating_add(lifetime).as_secs()));
        if let Some(name) = &user.name {
            claims.insert("name".into(), Value::from(name.as_str()));
        }
        if let Some(email) = &user.email {
            claims.insert("email".into(), Value::from(email.as_str()));
        }
        encode_hs256(&self.header, &claims, &self.client_secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::{ErrorKind, HasErrorKind};

    fn flow() -> SilentFlow {
        SilentFlow::new("cid", "secret", "https://app.example.com").unwrap()
    }

    #[test]
    fn empty_client_secret_or_id_is_refused() {
        let err = SilentFlow::new("cid", "", "https://app.example.com").unwrap_err();
        assert_eq!(err, Error::Core(CoreError::EmptyKey));
        assert_eq!(err.error_kind(), ErrorKind::Malformed);
        assert_eq!(
            SilentFlow::new("", "secret", "https://app.example.com").unwrap_err(),
            Error::Core(CoreError::Malformed("client id is empty"))
        );
        assert!(!format!("{:?}", flow()).contains("secret"));
    }

    #[test]
    fn authorize_request_rules() {
        let base = "response_type=code&client_id=cid&redirect_uri=https%3A%2F%2Fauth.blendr.io%2Fcallback&prompt=none&state=s1";
        let req = flow().parse_authorize(&format!("{base}&scope=openid+profile")).unwrap();
        assert_eq!((req.state.as_str(), req.scope.as_deref()), ("s1", Some("openid profile")));
        let kind = |q: String| flow().parse_authorize(&q).unwrap_err().error_kind();
        assert_eq!(kind(base.replace("auth.blendr.io", "evil.example")), ErrorKind::UnsafeInput);
        assert_eq!(kind(base.replace("callback", "callback%2F..%2Fx")), ErrorKind::UnsafeInput);
        assert_eq!(kind(base.replace("prompt=none", "prompt=login")), ErrorKind::Malformed);
        assert_eq!(kind(base.replace("&state=s1", "")), ErrorKind::Malformed);
        assert_eq!(kind(base.replace("client_id=cid", "client_id=other")), ErrorKind::Malformed);
        assert_eq!(
            kind(base.replace("response_type=code", "response_type=token")),
            ErrorKind::Malformed
        );
        assert_eq!(kind(format!("{base}&state=s2")), ErrorKind::Malformed);
    }

    // A standard JWT library (jsonwebtoken, with its default checks of exp,
    // audience and issuer) accepts the id token; another key does not.
    #[test]
    fn id_token_is_verifiable_hs256() {
        use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
        // jsonwebtoken checks exp against the system clock: issue it now.
        let now = partner_core::Clock::unix_time(&partner_core::SystemClock);
        let t = flow()
            .issue_id_token(
                &IdTokenUser::new("u-1").name("Jo").email("jo@x.test"),
                now,
                Duration::from_secs(600),
            )
            .unwrap();
        assert_eq!(decode_header(&t).unwrap().alg, Algorithm::HS256);
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&["cid"]);
        validation.set_issuer(&["https://app.example.com"]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "aud", "iss"]);
        let payload =
            decode::<Value>(&t, &DecodingKey::from_secret(b"secret"), &validation).unwrap().claims;
        assert_eq!(payload["sub"], "u-1");
        assert_eq!(payload["email"], "jo@x.test");
        assert_eq!(payload["exp"].as_i64(), Some(now.as_secs() + 600));
        let wrong = decode::<Value>(&t, &DecodingKey::from_secret(b"other"), &validation);
        assert!(wrong.is_err());
        assert_eq!(
            flow().issue_id_token(&IdTokenUser::new(""), now, Duration::from_secs(1)).unwrap_err(),
            Error::Core(CoreError::Malformed("id token subject is empty"))
        );
    }
}
