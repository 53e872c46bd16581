//! Consumer-key delegation: the access rules an application asks for, and
//! the typed answers.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{ConsumerKey, Error};

/// An HTTP method of an access rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
}

impl Method {
    /// The method's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// Reads a method name (any case).
    pub fn parse(name: &str) -> Option<Self> {
        [Method::Get, Method::Post, Method::Put, Method::Delete]
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }
}

/// One access rule: a method and a path, where `*` matches anything
/// (`/domain/*` covers `/domain/zone` but not `/domain` itself).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessRule {
    /// The method.
    pub method: Method,
    /// The path pattern.
    pub path: String,
}

impl AccessRule {
    /// A rule.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        AccessRule { method, path: path.into() }
    }

    /// Whether this rule grants `method` on `path` (`*` matches any run of
    /// characters, `/` included, as the API does).
    ///
    /// ```
    /// use partner_ovhcloud::{AccessRule, Method};
    /// let r = AccessRule::new(Method::Get, "/domain/*");
    /// assert!(r.allows(Method::Get, "/domain/zone/x.com/record"));
    /// assert!(!r.allows(Method::Get, "/domain"));
    /// assert!(!r.allows(Method::Post, "/domain/zone"));
    /// ```
    pub fn allows(&self, method: Method, path: &str) -> bool {
        self.method == method && glob(self.path.as_bytes(), path.as_bytes())
    }
}

/// `*` matches any run of bytes; everything else matches itself.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative matcher with one backtrack point: linear in practice, no recursion.
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// A request for a consumer key: `POST /auth/credential`.
///
/// ```
/// use partner_ovhcloud::{CredentialRequest, Method};
///
/// let req = CredentialRequest::new()
///     .rule(Method::Get, "/me")
///     .recursive(Method::Get, "/domain/zone/example.com")
///     .redirection("https://partner.example/ovh/done");
/// assert_eq!(req.rules().len(), 3);
/// assert_eq!(
///     serde_json::to_string(&req).unwrap(),
///     r#"{"accessRules":[{"method":"GET","path":"/me"},{"method":"GET","path":"/domain/zone/example.com"},{"method":"GET","path":"/domain/zone/example.com/*"}],"redirection":"https://partner.example/ovh/done"}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CredentialRequest {
    #[serde(rename = "accessRules")]
    access_rules: Vec<AccessRule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirection: Option<String>,
    #[serde(rename = "allowedIPs", skip_serializing_if = "Option::is_none")]
    allowed_ips: Option<Vec<String>>,
}

impl CredentialRequest {
    /// An empty request.
    pub fn new() -> Self {
        CredentialRequest::default()
    }

    /// Asks for `method` on `path`.
    pub fn rule(mut self, method: Method, path: impl Into<String>) -> Self {
        let rule = AccessRule::new(method, path);
        if !self.access_rules.contains(&rule) {
            self.access_rules.push(rule);
        }
        self
    }

    /// Asks for `method` on `path` and everything below it (`path` and
    /// `path/*`, since `path/*` alone does not cover `path`).
    pub fn recursive(self, method: Method, path: &str) -> Self {
        let base = path.trim_end_matches('/');
        self.rule(method, if base.is_empty() { "/" } else { base })
            .rule(method, format!("{base}/*"))
    }

    /// GET on everything.
    pub fn read_only() -> Self {
        CredentialRequest::new().rule(Method::Get, "/*")
    }

    /// GET, POST, PUT and DELETE on everything.
    pub fn read_write() -> Self {
        CredentialRequest::read_write_no_delete().rule(Method::Delete, "/*")
    }

    /// GET, POST and PUT on everything.
    pub fn read_write_no_delete() -> Self {
        CredentialRequest::read_only().rule(Method::Post, "/*").rule(Method::Put, "/*")
    }

    /// Where OVHcloud sends the customer after they consent.
    pub fn redirection(mut self, url: impl Into<String>) -> Self {
        self.redirection = Some(url.into());
        self
    }

    /// Restricts the key to these IP networks (CIDR).
    pub fn allowed_ips<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ips: I) -> Self {
        self.allowed_ips = Some(ips.into_iter().map(Into::into).collect());
        self
    }

    /// The rules asked for.
    pub fn rules(&self) -> &[AccessRule] {
        &self.access_rules
    }

    /// Checks that the request asks for something.
    ///
    /// # Errors
    ///
    /// `malformed` without access rules, or with a rule path that does not
    /// start with `/`.
    pub fn validate(&self) -> Result<(), Error> {
        if self.access_rules.is_empty() {
            return Err(Error::malformed("a credential request needs at least one access rule"));
        }
        if self.access_rules.iter().any(|r| !r.path.starts_with('/')) {
            return Err(Error::malformed("access rule paths start with /"));
        }
        Ok(())
    }
}

/// The state of a consumer key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum CredentialState {
    /// Past its expiration.
    Expired,
    /// Waiting for the customer's consent.
    PendingValidation,
    /// The customer refused.
    Refused,
    /// Usable.
    Validated,
    /// A state this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// The answer to a credential request.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CredentialResponse {
    /// `pendingValidation` until the customer consents.
    pub state: CredentialState,
    /// The consumer key (store it per customer; sign with it). An answer
    /// with an empty one does not decode.
    pub consumer_key: ConsumerKey,
    /// Where to send the customer to consent.
    pub validation_url: String,
}

impl fmt::Debug for CredentialResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialResponse")
            .field("state", &self.state)
            .field("consumer_key", &self.consumer_key)
            .field("validation_url", &"[REDACTED]")
            .finish()
    }
}

/// What `GET /auth/currentCredential` says of the key in use.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Credential {
    /// The credential's id.
    pub credential_id: u64,
    /// Its state.
    pub status: CredentialState,
    /// The rules it grants.
    #[serde(default)]
    pub rules: Vec<AccessRule>,
    /// The application's id, when given.
    #[serde(default)]
    pub application_id: Option<u64>,
    /// When it expires (ISO 8601 text, as sent), when it does.
    #[serde(default)]
    pub expiration: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_the_api() {
        assert!(glob(b"/*", b"/me"));
        assert!(glob(b"/me", b"/me"));
        assert!(!glob(b"/me", b"/me/bill"));
        assert!(glob(b"/domain/zone/*/record", b"/domain/zone/a.com/record"));
        assert!(!glob(b"/domain/zone/*/record", b"/domain/zone/a.com/records"));
        assert!(glob(b"/a*b*c", b"/axxbyyc"));
        assert!(!glob(b"/a*b*c", b"/axxbyy"));
        assert!(glob(b"*", b""));
    }

    #[test]
    fn presets_and_states() {
        assert_eq!(CredentialRequest::read_write().rules().len(), 4);
        assert_eq!(CredentialRequest::read_write_no_delete().rules().len(), 3);
        assert!(CredentialRequest::new().validate().is_err());
        let r: CredentialResponse = serde_json::from_str(r#"{"state":"pendingValidation","consumerKey":"ck","validationUrl":"https://x/auth/?credentialToken=t"}"#).unwrap();
        assert_eq!(r.state, CredentialState::PendingValidation);
        assert!(!format!("{r:?}").contains("ck\""));
        let empty =
            r#"{"state":"pendingValidation","consumerKey":"","validationUrl":"https://x/"}"#;
        assert!(serde_json::from_str::<CredentialResponse>(empty).is_err());
        let s: CredentialState = serde_json::from_str(r#""somethingNew""#).unwrap();
        assert_eq!(s, CredentialState::Unknown);
        let req = CredentialRequest::read_only().allowed_ips(["10.0.0.0/8"]);
        assert!(serde_json::to_string(&req).unwrap().contains(r#""allowedIPs":["10.0.0.0/8"]"#));
        assert_eq!(CredentialRequest::new().recursive(Method::Get, "/").rules()[1].path, "/*");
    }
}
