//! What every fake shares (feature `loopback-server`): a server on
//! 127.0.0.1 that stays up under load and abuse, and the pieces of the
//! HTTP protocols the fakes speak the same way.
//!
//! - [`Fake`]: what every running fake offers (base URL, credentials,
//!   routes, shutdown), so a tool holds any of them as `Box<dyn Fake>`.
//! - [`LoopbackServer`]: bind, serve with [`ServerLimits`], stop. Binding is
//!   always to the loopback address, so a fake can never be reached from
//!   another machine, whatever port it is given.
//! - [`oauth`]: OAuth2 token and authorize endpoints as RFC 6749 and
//!   RFC 6750 ask, so standard client libraries work on their defaults.
//! - [`FormFields`]: form bodies, URL-encoded or `multipart/form-data`.
//! - [`html_page`]: a page a person acts on (consent, stand-in pages),
//!   never cached, framed, scripted or leaking its URL in a `Referer`.
//! - [`ExpiringMap`]: a bounded store with expiry whose look-ups do not grow
//!   with the number of entries.

mod connections;
mod fake;
mod form;
mod html;
mod lifecycle;
pub mod oauth;
mod store;

pub use connections::ServerLimits;
pub use fake::Fake;
pub use form::FormFields;
pub use html::html_page;
pub use lifecycle::LoopbackServer;
pub use store::ExpiringMap;
