//! [`RunningOvh`]: the fake serving on loopback, what a test drives it
//! with, and its [`Fake`] implementation.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use partner_core::server::{Fake, LoopbackServer};
use serde_json::{Value, json};

use super::credentials::Decision;
use super::state::FakeState;
use crate::{ConsumerKey, PROVIDER};

/// The fake, serving on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningOvh {
    state: Arc<FakeState>,
    server: LoopbackServer,
    router: Router,
}

impl RunningOvh {
    pub(super) fn new(state: Arc<FakeState>, server: LoopbackServer, router: Router) -> Self {
        RunningOvh { state, server, router }
    }

    /// `http://127.0.0.1:<port>/1.0`: the endpoint to give any OVHcloud
    /// client (`OvhClient::builder(..).base_url(..)`).
    pub fn base_url(&self) -> String {
        format!("{}/1.0", self.server.base_url())
    }

    /// `http://127.0.0.1:<port>/auth/oauth2/token`.
    pub fn token_url(&self) -> String {
        format!("{}/auth/oauth2/token", self.server.base_url())
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Requests answered on `/auth/time`.
    pub fn time_requests(&self) -> u64 {
        self.state.time_requests.load(Ordering::Relaxed)
    }

    /// OAuth2 access tokens issued by the token endpoint.
    pub fn token_requests(&self) -> u64 {
        self.state.token_requests.load(Ordering::Relaxed)
    }

    /// API requests answered (signed routes), successful or not.
    pub fn api_requests(&self) -> u64 {
        self.state.queries.load(Ordering::Relaxed)
    }

    /// Authorizes a pending consumer key as its customer would on the
    /// validation page (validity unlimited), without a browser. Its
    /// validation URL no longer works. `false` when no key waits under
    /// that name (unknown, already decided, expired or forgotten).
    #[must_use = "false means nothing was validated"]
    pub fn validate(&self, consumer_key: &ConsumerKey) -> bool {
        self.decide(consumer_key, Decision::Authorize { validity: None })
    }

    /// Refuses a pending consumer key as its customer would on the
    /// validation page: it becomes `refused`, and calls signed with it
    /// answer `INVALID_CREDENTIAL`. `false` when no key waits under that
    /// name.
    #[must_use = "false means nothing was refused"]
    pub fn refuse(&self, consumer_key: &ConsumerKey) -> bool {
        self.decide(consumer_key, Decision::Refuse)
    }

    fn decide(&self, consumer_key: &ConsumerKey, decision: Decision) -> bool {
        let Some(ck) = consumer_key.expose_str() else { return false };
        let now = self.state.now();
        self.state.lock().credentials.decide_key(ck, decision, now).is_some()
    }

    /// Marks every consumer key expired (as OVHcloud does when a key's
    /// validity ends): calls signed with them answer `INVALID_CREDENTIAL`,
    /// and keys still pending can no longer be validated.
    pub fn expire_credentials(&self) {
        self.state.lock().credentials.expire_all();
    }

    /// Moves the server's clock to `seconds` ahead of the fake's clock.
    pub fn set_server_offset(&self, seconds: i64) {
        self.state.server_offset.store(seconds, Ordering::Relaxed);
    }

    /// The next `n` API requests answer 503 (to test retries).
    pub fn inject_server_errors(&self, n: u64) {
        self.state.inject_errors.store(n, Ordering::Relaxed);
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        if let Err(err) = self.server.shutdown().await {
            tracing::warn!(error = %err, "fake stopped with an error");
        }
    }
}

impl Fake for RunningOvh {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn base_url(&self) -> String {
        RunningOvh::base_url(self)
    }

    /// `provider`, `base_url`, `token_url`, `application_key`,
    /// `application_secret` and `service_account` (`client_id`,
    /// `client_secret`, or `null`): the fake's own test credentials.
    fn credentials_json(&self) -> Value {
        let s = &self.state;
        let service_account = s.service_account.as_ref().map(|(id, secret)| {
            json!({"client_id": id, "client_secret": secret.expose_str().unwrap_or_default()})
        });
        json!({
            "provider": PROVIDER,
            "base_url": RunningOvh::base_url(self),
            "token_url": self.token_url(),
            "application_key": s.application_key,
            "application_secret": s.application_secret.secret().expose_str().unwrap_or_default(),
            "service_account": service_account,
        })
    }

    fn router(&self) -> Router {
        self.router.clone()
    }

    fn shutdown(self: Box<Self>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(RunningOvh::shutdown(*self))
    }
}
