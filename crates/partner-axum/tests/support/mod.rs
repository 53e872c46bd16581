//! Shared by the integration tests: a test login and a server on 127.0.0.1.

#![allow(clippy::unwrap_used)] // a test: a failed set-up is a failed test
#![allow(dead_code, unreachable_pub)]

use axum::Router;
use axum::http::request::Parts;
use partner_axum::{AppUser, CurrentUser};
use partner_core::server::{LoopbackServer, ServerLimits};

/// Logged in as the user named by the `x-test-user` header.
#[derive(Clone)]
pub struct HeaderUser;

impl CurrentUser for HeaderUser {
    async fn current_user(&self, parts: &Parts) -> Option<AppUser> {
        let id = parts.headers.get("x-test-user")?.to_str().ok()?.to_owned();
        Some(AppUser::new(id.clone(), format!("{id} Example"), format!("{id}@acme.test")))
    }
    fn login_url(&self, return_to: &str) -> String {
        format!("/login?{}", partner_core::encoding::form_encode([("return_to", return_to)]))
    }
}

/// Serves `app` on a free port.
pub async fn serve(app: Router) -> LoopbackServer {
    let listener = LoopbackServer::bind(0).await.unwrap();
    LoopbackServer::start(listener, app, ServerLimits::default()).unwrap()
}

/// A client that does not follow redirects.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The `Location` of a response.
pub fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// A problem+json body.
pub async fn problem(r: reqwest::Response) -> (u16, serde_json::Value) {
    let status = r.status().as_u16();
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    (status, serde_json::from_str(&r.text().await.unwrap()).unwrap())
}
