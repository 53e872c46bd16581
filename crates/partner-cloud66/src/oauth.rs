//! OAuth2 with Cloud 66: the authorize URL, typed scopes, and `state`.

use std::collections::BTreeSet;
use std::fmt;

use partner_core::encoding::form_encode;
use partner_core::{BaseUrl, Secret};

use crate::Error;

/// Cloud 66's web host.
pub const DEFAULT_BASE_URL: &str = "https://app.cloud66.com";

/// A Cloud 66 OAuth2 scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// Read access (the default).
    Public,
    /// Redeploy stacks.
    Redeploy,
    /// Run jobs.
    Jobs,
    /// Manage users.
    Users,
    /// Everything.
    Admin,
}

impl Scope {
    /// The scope's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Public => "public",
            Scope::Redeploy => "redeploy",
            Scope::Jobs => "jobs",
            Scope::Users => "users",
            Scope::Admin => "admin",
        }
    }

    /// Reads a scope name.
    pub fn parse(name: &str) -> Option<Self> {
        [Scope::Public, Scope::Redeploy, Scope::Jobs, Scope::Users, Scope::Admin]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// A set of scopes, written space-separated (the document says "comma";
/// the server reads spaces, as OAuth2 requires).
///
/// ```
/// use partner_cloud66::{Scope, ScopeSet};
/// let s = ScopeSet::from_iter([Scope::Redeploy, Scope::Public, Scope::Redeploy]);
/// assert_eq!(s.to_string(), "public redeploy");
/// assert_eq!(ScopeSet::parse("public,jobs").unwrap().to_string(), "public jobs");
/// assert!(ScopeSet::parse("root").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Reads scopes separated by spaces or commas; unknown names are an error.
    pub fn parse(text: &str) -> Result<Self, Error> {
        text.split([' ', ',', '+'])
            .filter(|s| !s.is_empty())
            .map(|s| {
                Scope::parse(s).ok_or(Error::Core(partner_core::Error::Malformed("unknown scope")))
            })
            .collect()
    }

    /// Whether `scope` is in the set (`admin` implies every other).
    pub fn allows(&self, scope: Scope) -> bool {
        self.0.contains(&scope) || self.0.contains(&Scope::Admin)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        ScopeSet(iter.into_iter().collect())
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(s.as_str())?;
        }
        Ok(())
    }
}

/// The `state` of one authorization: random, checked in constant time.
#[derive(Clone)]
pub struct OAuthState(Secret);

impl fmt::Debug for OAuthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OAuthState([REDACTED])")
    }
}

impl OAuthState {
    /// 256 random bits, URL-safe.
    pub fn generate() -> Self {
        OAuthState(Secret::from(partner_core::random::token(32)))
    }

    /// A state you stored (in the user's session).
    pub fn from_stored(text: impl Into<String>) -> Self {
        OAuthState(Secret::from(text.into()))
    }

    /// The text to store in the session and put in the URL.
    pub fn as_str(&self) -> &str {
        self.0.expose_str().unwrap_or_default()
    }

    /// Checks the `state` the callback came back with.
    pub fn verify(&self, received: &str) -> Result<(), Error> {
        if !self.0.is_empty() && self.0.ct_eq(received.as_bytes()) {
            Ok(())
        } else {
            Err(Error::StateMismatch)
        }
    }
}

/// Builds the authorize URL a partner sends the user to.
///
/// ```
/// use partner_cloud66::{AuthorizeRequest, OAuthState, Scope};
///
/// let req = AuthorizeRequest::new("client-1", "https://partner.example/cb")
///     .unwrap()
///     .scope(Scope::Public)
///     .scope(Scope::Redeploy);
/// let url = req.url(&OAuthState::from_stored("s1"));
/// assert_eq!(
///     url,
///     "https://app.cloud66.com/oauth/authorize?client_id=client-1&redirect_uri=https%3A%2F%2Fpartner.example%2Fcb\
///      &response_type=code&scope=public+redeploy&state=s1"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    base: BaseUrl,
    client_id: String,
    redirect_uri: String,
    scopes: ScopeSet,
}

impl AuthorizeRequest {
    /// For `client_id`, coming back to `redirect_uri` (https, or loopback http).
    pub fn new(
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Result<Self, Error> {
        let redirect_uri = redirect_uri.into();
        BaseUrl::parse(&redirect_uri)?;
        let base = BaseUrl::parse(DEFAULT_BASE_URL)?;
        Ok(AuthorizeRequest {
            base,
            client_id: client_id.into(),
            redirect_uri,
            scopes: ScopeSet::default(),
        })
    }

    /// Another Cloud 66 host (a fake).
    pub fn base_url(mut self, base: BaseUrl) -> Self {
        self.base = base;
        self
    }

    /// Asks for `scope` too.
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scopes.0.insert(scope);
        self
    }

    /// The URL, with `state`; `public` when no scope was asked for.
    pub fn url(&self, state: &OAuthState) -> String {
        let scopes =
            if self.scopes.is_empty() { "public".to_owned() } else { self.scopes.to_string() };
        let query = form_encode([
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("response_type", "code"),
            ("scope", scopes.as_str()),
            ("state", state.as_str()),
        ]);
        format!("{}/oauth/authorize?{query}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_is_random_and_checked() {
        let a = OAuthState::generate();
        let b = OAuthState::generate();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), 43);
        assert!(a.verify(a.as_str()).is_ok());
        assert!(a.verify(b.as_str()).is_err());
        assert!(
            OAuthState::from_stored("").verify("").is_err(),
            "an empty stored state never matches"
        );
        assert_eq!(format!("{a:?}"), "OAuthState([REDACTED])");
    }

    #[test]
    fn admin_allows_everything() {
        let s = ScopeSet::parse("admin").unwrap();
        assert!(s.allows(Scope::Redeploy));
        assert!(!ScopeSet::parse("public").unwrap().allows(Scope::Redeploy));
    }
}
