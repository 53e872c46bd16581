//! The fake's state, shared by its routes, and the routes themselves.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use partner_core::server::ExpiringMap;
use partner_core::{Clock, Secret};

use super::{
    CONSENT_BODY_LIMIT, FakeUser, LINK_BODY_LIMIT, STAND_IN_LINK_PATH, STAND_IN_OAUTH_PATH,
    STAND_IN_SSO_PATH, TOKEN_BODY_LIMIT, api, link, oauth, pages, sso,
};
use crate::{MultipassSigner, MultipassVerifier, ScopeSet};

#[derive(Debug, Clone)]
pub(super) struct Partner {
    pub(super) name: String,
    pub(super) provider_uid: String,
    pub(super) link_url: String,
    pub(super) sso_return_url: String,
    pub(super) stand_in: bool,
}

#[derive(Debug, Clone)]
pub(super) struct OAuthApp {
    pub(super) client_id: String,
    pub(super) client_secret: Secret,
    pub(super) redirect_uri: String,
    pub(super) stand_in: bool,
}

#[derive(Debug)]
pub(super) struct FakeState {
    pub(super) base: String,
    pub(super) partner: Option<Partner>,
    pub(super) users: Vec<FakeUser>,
    pub(super) app: Option<OAuthApp>,
    pub(super) stacks: Vec<(String, String)>,
    pub(super) per_page: usize,
    /// Whether `GET /oauth/authorize` shows a consent page.
    pub(super) consent: bool,
    pub(super) clock: Arc<dyn Clock>,
    /// The partner's multipass signer (`None`: no partner, or a UID that
    /// is not 32 characters).
    pub(super) signer: Option<MultipassSigner>,
    /// The SSO stand-in page's verifier, with a bounded replay guard.
    pub(super) sso_verifier: Option<MultipassVerifier>,
    pub(super) data: Mutex<Data>,
}

/// What an authorization code stands for.
#[derive(Debug, Clone)]
pub(super) struct CodeGrant {
    pub(super) client_id: String,
    /// The `redirect_uri` sent to the authorize endpoint, if one was: the
    /// token request must then send the same.
    pub(super) redirect_uri: Option<String>,
    pub(super) scopes: ScopeSet,
}

/// What a consent page's anti-forgery token was issued for: the checked
/// authorize request the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ConsentGrant {
    pub(super) client_id: String,
    pub(super) redirect_uri: Option<String>,
    pub(super) scope: String,
    pub(super) state: Option<String>,
}

pub(super) struct Data {
    pub(super) linked: HashSet<String>,
    pub(super) codes: ExpiringMap<String, CodeGrant>,
    pub(super) tokens: ExpiringMap<String, ScopeSet>,
    /// Open consent pages, by anti-forgery token.
    pub(super) consents: ExpiringMap<String, ConsentGrant>,
}

impl fmt::Debug for Data {
    // Counts only: the keys are codes and tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Data")
            .field("linked", &self.linked.len())
            .field("codes", &self.codes.len())
            .field("tokens", &self.tokens.len())
            .field("consents", &self.consents.len())
            .finish()
    }
}

impl FakeState {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn partner(&self, name: &str) -> Option<&Partner> {
        self.partner.as_ref().filter(|p| p.name == name)
    }
}

/// `url` with `query` added (`?`, or `&` when it has a query already).
pub(super) fn with_query(url: &str, query: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}

pub(super) fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body.into()).into_response()
}

/// Every route of the fake, on `state`.
pub(super) fn routes(state: Arc<FakeState>) -> Router {
    let authorize = if state.consent {
        get(oauth::authorize).post(oauth::consent).layer(DefaultBodyLimit::max(CONSENT_BODY_LIMIT))
    } else {
        get(oauth::authorize)
    };
    Router::new()
        .route("/integrations/{partner}/start", get(link::start_link))
        .route("/integrations/{partner}/done", get(link::link_done))
        .route(
            "/partner/{partner}/link",
            post(link::link).layer(DefaultBodyLimit::max(LINK_BODY_LIMIT)),
        )
        .route("/sso/signin/{provider}", get(sso::sso_signin))
        .route("/oauth/authorize", authorize)
        .route("/oauth/token", post(oauth::token).layer(DefaultBodyLimit::max(TOKEN_BODY_LIMIT)))
        .route("/api/3/stacks", get(api::stacks))
        .route("/api/3/stacks/{uid}", get(api::stack))
        .route("/api/3/stacks/{uid}/deployments", post(api::redeploy))
        .route(
            STAND_IN_LINK_PATH,
            get(pages::link_page)
                .post(pages::link_submit)
                .layer(DefaultBodyLimit::max(LINK_BODY_LIMIT)),
        )
        .route(STAND_IN_SSO_PATH, get(pages::sso_page))
        .route(STAND_IN_OAUTH_PATH, get(pages::oauth_page))
        .with_state(state)
}
