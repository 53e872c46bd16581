//! The client foundation (feature `http`): what every provider client is
//! built on, so that they all time out, retry, paginate, report errors and
//! trace alike.
//!
//! - [`HttpSettings`] with a documented [`Default`], and its [`RetryPolicy`];
//! - [`HttpClient`]: redirects off, the settings' timeouts, user agent and
//!   proxy, and [`HttpClient::send`], the one retry loop (idempotent methods
//!   only, full-jitter backoff, bounded in attempts and in time);
//! - [`Dialect`] and [`Verdict`]: each provider says which of its answers
//!   are retried and how its error bodies read;
//! - [`paginate`]: page numbers and cursors as one stream;
//! - [`oauth`]: client authentication at token endpoints, the OAuth2 error
//!   body, token answers, bearer headers.
//!
//! Errors are [`crate::Error`]: a refusal is
//! [`Rejected`](crate::Error::Rejected) with a
//! [`ProviderRejection`](crate::ProviderRejection); no usable answer is
//! [`Unavailable`](crate::Error::Unavailable).

mod answer;
mod client;
mod dialect;
pub mod oauth;
mod paginate;
mod settings;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use answer::Answer;
pub use client::{Attempt, Call, HttpClient, HttpClientBuilder, transport_error};
pub use dialect::{Dialect, Standard, Verdict, is_idempotent, retry_after, standard_verdict};
pub use paginate::{MAX_PAGES, Page, paginate};
pub use settings::{HttpSettings, RetryPolicy};

use crate::Sleeper;

/// The `reqwest` this foundation is built on, so provider crates and
/// applications name the same version.
pub use reqwest;

/// Waits on tokio's timer: the default [`Sleeper`] of every client.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
}
