//! [`BlendrHub`]: the "Integrations" button, as a redirect to a signed link
//! or a page whose form posts the handoff.

use std::fmt;
use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use partner_blendr::{HashLinkSigner, Hub, JwtClaims, JwtSigner, SsoPage, SsoParams};
use partner_core::{Clock, Secret, SystemClock};

use crate::{AppUser, CspNonce, Env, EnvError, NoncedHtml, Problem, SignedRedirect};

/// How the handoff reaches the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HubHandoff {
    /// `GET /sso?accountid=..&timestamp=..&hash=..` (303 to it).
    HashLink,
    /// `GET /sso?jwt=..` (303 to it).
    JwtLink,
    /// The hash handoff as a form posted to the hub (the vendor's
    /// preference: nothing in the URL).
    HashPost,
    /// The JWT as a form posted to the hub.
    JwtPost,
}

/// The Blendr account of your customer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HubAccount {
    /// Your id of the account (`accountid`).
    pub id: String,
    /// Its display name (`accountname`).
    pub name: String,
}

impl HubAccount {
    /// An account.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        HubAccount { id: id.into(), name: name.into() }
    }
}

/// Opens the hub signed in, by any of the [`HubHandoff`]s, with your API
/// key (an empty key is refused).
///
/// ```
/// use axum::response::IntoResponse;
/// use partner_axum::AppUser;
/// use partner_axum::blendr::{BlendrHub, HubAccount, HubHandoff};
/// use partner_blendr::{Hub, SsoPage};
///
/// let hub = BlendrHub::new(Hub::eu("acme")?, "api-key")?;
/// let user = AppUser::new("alice", "Alice", "alice@acme.test");
/// let response = hub
///     .open(HubHandoff::HashLink, &SsoPage::Home, &HubAccount::new("acme-1", "Acme"), &user)
///     .into_response();
/// assert_eq!(response.status(), 303);
/// assert!(response.headers()["location"].to_str()?.starts_with("https://acme.admin.blendr.io/sso?accountid=acme-1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct BlendrHub {
    hub: Hub,
    hash: Arc<HashLinkSigner>,
    jwt: Arc<JwtSigner>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for BlendrHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlendrHub").field("hub", &self.hub.as_str()).finish_non_exhaustive()
    }
}

impl BlendrHub {
    /// The hub at `hub`, signing with `api_key`.
    ///
    /// # Errors
    ///
    /// `malformed` when the key is empty.
    pub fn new(hub: Hub, api_key: impl Into<Secret>) -> Result<Self, partner_blendr::Error> {
        let key: Secret = api_key.into();
        Ok(BlendrHub {
            hub,
            hash: Arc::new(HashLinkSigner::new(key.clone())?),
            jwt: Arc::new(JwtSigner::new(key)?),
            clock: Arc::new(SystemClock),
        })
    }

    /// The clock links are stamped with.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// From the environment:
    ///
    /// | variable | use |
    /// |---|---|
    /// | `BLENDR_HUB_URL` | the hub's base URL, `https://<partner>.admin.blendr.io` |
    /// | `BLENDR_API_KEY` | the SaaS Partner API key: the key of hash links and JWTs |
    ///
    /// # Errors
    ///
    /// [`EnvError`] naming the variable missing or unusable.
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let hub = Hub::from_base_url(&env.required("BLENDR_HUB_URL")?)
            .map_err(|e| EnvError::invalid("BLENDR_HUB_URL", e))?;
        BlendrHub::new(hub, env.secret("BLENDR_API_KEY")?)
            .map_err(|e| EnvError::invalid("BLENDR_API_KEY", e))
    }

    /// The hub.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The response that opens `page` of the hub for `user` of `account`
    /// (JWTs carry a random `jti`; a hash link is one handoff per second,
    /// as its only varying field is the timestamp):
    /// a [`SignedRedirect`] for the links; for the POST forms a page whose
    /// form submits itself by a nonce'd script (a button without
    /// JavaScript), served with a CSP that lets it post only to the hub.
    pub fn open(
        &self,
        how: HubHandoff,
        page: &SsoPage,
        account: &HubAccount,
        user: &AppUser,
    ) -> Result<Response, Problem> {
        let now = self.clock.unix_time();
        let claims = || {
            JwtClaims::flat(account.id.as_str())
                .account_name(account.name.as_str())
                .user_id(user.id.as_str())
                .user_name(user.name.as_str())
                .user_email(user.email.as_str())
                // A unique token id: two opens in one second are two handoffs,
                // not one replayed.
                .claim("jti", serde_json::Value::from(partner_core::random::token(16)))
        };
        let params = || -> Result<SsoParams, Problem> {
            Ok(SsoParams::new(account.id.as_str())?
                .account_name(account.name.as_str())
                .user_id(user.id.as_str())
                .user_name(user.name.as_str())
                .user_email(user.email.as_str()))
        };
        let nonce = CspNonce::new();
        let form = |html: String| {
            let origin = url::Url::parse(self.hub.as_str())
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_default();
            NoncedHtml::new(html, &nonce).form_action(origin).into_response()
        };
        Ok(match how {
            HubHandoff::HashLink => {
                let link = self.hash.link(&self.hub, page, &params()?, now)?;
                SignedRedirect::to(link.as_str()).into_response()
            }
            HubHandoff::JwtLink => {
                let link = self.jwt.link(&self.hub, page, &claims(), now)?;
                SignedRedirect::to(link.as_str()).into_response()
            }
            HubHandoff::HashPost => {
                form(self.hash.post_form(&self.hub, page, &params()?, now, Some(nonce.as_str()))?)
            }
            HubHandoff::JwtPost => {
                form(self.jwt.post_form(&self.hub, page, &claims(), now, Some(nonce.as_str()))?)
            }
        })
    }
}
