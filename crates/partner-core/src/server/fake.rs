//! [`Fake`]: what every running fake offers, so a tool can hold any of them.

use std::future::Future;
use std::pin::Pin;

/// A running fake provider, whatever the provider: the CLI, the test
/// harness and an app's own tests hold them as `Box<dyn Fake>`.
///
/// Every provider crate's fake (feature `mock`) is started with
/// `FakeX::builder()...start(port).await` and returns a running fake that
/// implements this trait; `FakeXBuilder::into_router()` gives the same
/// routes unstarted, to mount in an app's own server.
pub trait Fake: Send + Sync + std::fmt::Debug {
    /// The provider it stands in for (`"example"`).
    fn provider(&self) -> &'static str;

    /// The base URL to configure a client with (`http://127.0.0.1:PORT`).
    fn base_url(&self) -> String;

    /// The credentials and URLs an integrator configures to talk to it, as
    /// JSON (what `partner mock <provider>` prints). They are the fake's
    /// own test credentials, never real ones.
    fn credentials_json(&self) -> serde_json::Value;

    /// The fake's routes, sharing the running fake's state: mounted in
    /// another server, they act on the same accounts, tokens and records.
    fn router(&self) -> axum::Router;

    /// Stops serving: no new connection is accepted, requests in flight
    /// finish.
    fn shutdown(self: Box<Self>) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}
