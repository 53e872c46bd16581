//! The claims of an SSO JWT: [`JwtClaims`] and [`AccountId`].

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value, json};

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
    pub(super) claims: Map<String, Value>,
    pub(super) lifetime: Option<Duration>,
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
