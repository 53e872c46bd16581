//! [`RunningCloud66`]: the fake, serving; its URLs and what it holds.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use partner_core::encoding::form_encode;
use partner_core::server::{Fake, LoopbackServer};
use serde_json::json;

use super::state::{FakeState, routes};
use crate::PROVIDER;

/// The fake, serving on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningCloud66 {
    pub(super) state: Arc<FakeState>,
    pub(super) server: LoopbackServer,
}

impl RunningCloud66 {
    /// `http://127.0.0.1:<port>`: the web host (SSO, OAuth2, dashboard).
    pub fn base_url(&self) -> String {
        self.state.base.clone()
    }

    /// `http://127.0.0.1:<port>/api/3`.
    pub fn api_base_url(&self) -> String {
        format!("{}/api/3", self.state.base)
    }

    /// The partner endpoint for provisioning POSTs.
    pub fn partner_endpoint(&self) -> String {
        let name = self.state.partner.as_ref().map_or("partner", |p| p.name.as_str());
        format!("{}/partner/{name}/link", self.state.base)
    }

    /// Where the linking starts (the dashboard click):
    /// `<base>/integrations/<partner>/start`; `None` without a partner.
    pub fn link_start_url(&self) -> Option<String> {
        let p = self.state.partner.as_ref()?;
        Some(format!("{}/integrations/{}/start", self.state.base, p.name))
    }

    /// The partner's link URL (where the dashboard sends users): the one
    /// given, or the stand-in page; `None` without a partner.
    pub fn link_url(&self) -> Option<String> {
        self.state.partner.as_ref().map(|p| p.link_url.clone())
    }

    /// Where SSO sign-in starts: `<base>/sso/signin/<partner>`; `None`
    /// without a partner.
    pub fn sso_signin_url(&self) -> Option<String> {
        let p = self.state.partner.as_ref()?;
        Some(format!("{}/sso/signin/{}", self.state.base, p.name))
    }

    /// The partner's SSO return URL: the one given, or the stand-in page;
    /// `None` without a partner.
    pub fn sso_return_url(&self) -> Option<String> {
        self.state.partner.as_ref().map(|p| p.sso_return_url.clone())
    }

    /// The OAuth2 app's registered redirect URI: the one given, or the
    /// stand-in page; `None` without an app.
    pub fn oauth_redirect_uri(&self) -> Option<String> {
        self.state.app.as_ref().map(|a| a.redirect_uri.clone())
    }

    /// An authorize URL for the app (scope `public`, no `state`), to open
    /// in a browser; `None` without an app.
    pub fn authorize_url(&self) -> Option<String> {
        let app = self.state.app.as_ref()?;
        let query = form_encode([
            ("client_id", app.client_id.as_str()),
            ("redirect_uri", app.redirect_uri.as_str()),
            ("response_type", "code"),
            ("scope", "public"),
        ]);
        Some(format!("{}/oauth/authorize?{query}", self.state.base))
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The uids of the users linked so far.
    pub fn linked_uids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.state.lock().linked.iter().cloned().collect();
        v.sort();
        v
    }

    /// Authorization codes held (issued, not yet exchanged; expired ones
    /// may still be counted until the next code is issued).
    pub fn code_count(&self) -> usize {
        self.state.lock().codes.len()
    }

    /// Access tokens held.
    pub fn token_count(&self) -> usize {
        self.state.lock().tokens.len()
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        if let Err(err) = self.server.shutdown().await {
            tracing::warn!(error = %err, "fake stopped with an error");
        }
    }
}

impl Fake for RunningCloud66 {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn base_url(&self) -> String {
        RunningCloud66::base_url(self)
    }

    /// What `partner mock cloud66` prints: the web and API base URLs, the
    /// partner endpoint, the partner's name and provider UID, its link and
    /// SSO return URLs, and the OAuth2 app's client id, secret and redirect
    /// URI (the fake's own test credentials).
    fn credentials_json(&self) -> serde_json::Value {
        let s = &self.state;
        json!({
            "provider": PROVIDER,
            "base_url": self.base_url(),
            "api_base_url": self.api_base_url(),
            "partner_endpoint": self.partner_endpoint(),
            "provider_uid": s.partner.as_ref().map(|p| p.provider_uid.clone()),
            "partner": s.partner.as_ref().map(|p| p.name.clone()),
            "link_url": self.link_url(),
            "sso_return_url": self.sso_return_url(),
            "client_id": s.app.as_ref().map(|a| a.client_id.clone()),
            "client_secret": s.app.as_ref().and_then(|a| a.client_secret.expose_str().map(str::to_owned)),
            "redirect_uri": self.oauth_redirect_uri(),
        })
    }

    fn router(&self) -> axum::Router {
        routes(self.state.clone())
    }

    fn shutdown(self: Box<Self>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(RunningCloud66::shutdown(*self))
    }
}
