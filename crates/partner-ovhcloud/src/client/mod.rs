//! The API client (feature `client`), on `partner-core`'s
//! [`HttpClient`](partner_core::http::HttpClient): signed calls on a
//! customer's behalf, a time delta fetched once and re-synced once on a
//! time or signature refusal, the retries of [`HttpSettings`], v2 cursor
//! pagination, and OAuth2 client credentials as an alternative to AK/AS/CK.
//!
//! - `builder`: [`OvhClientBuilder`];
//! - `time`: the time delta;
//! - `oauth2`: the service account's token source;
//! - `calls`: the calls and the one place a request is prepared;
//! - `dialect`: how OVHcloud's answers are read (retries, refusals).

mod builder;
mod calls;
mod dialect;
mod oauth2;
mod time;

use std::sync::Arc;

use partner_core::Clock;
use partner_core::http::HttpClient;
use partner_core::token::CachedToken;

pub use self::builder::OvhClientBuilder;
use self::oauth2::OAuth2Source;
use self::time::TimeDelta;
use crate::{ApplicationSecret, ConsumerKey, Endpoint};
#[cfg(doc)]
use partner_core::http::HttpSettings;

/// What every handle of one application shares.
#[derive(Debug)]
struct Shared {
    http: HttpClient,
    endpoint: Endpoint,
    application_key: String,
    application_secret: ApplicationSecret,
    oauth2: Option<CachedToken<OAuth2Source, Arc<dyn Clock>>>,
    clock: Arc<dyn Clock>,
    time: TimeDelta,
}

/// An OVHcloud API client. One per application;
/// [`for_customer`](Self::for_customer) gives a cheap handle per
/// customer's consumer key that shares the connection pool and the time
/// delta.
///
/// ```no_run
/// # async fn demo() -> Result<(), partner_ovhcloud::Error> {
/// use partner_ovhcloud::{CredentialRequest, Method, OvhClient};
///
/// let app = OvhClient::builder("application key", "application secret").build()?;
/// let asked = app.request_credential(&CredentialRequest::new().rule(Method::Get, "/me")).await?;
/// // send the customer to asked.validation_url; once they consent:
/// let customer = app.for_customer(asked.consumer_key);
/// let me: serde_json::Value = customer.get("/me").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OvhClient {
    shared: Arc<Shared>,
    consumer_key: Option<ConsumerKey>,
    /// The keys' part of every signature, hashed once per customer.
    signer: Option<crate::RequestSigner>,
}

impl OvhClient {
    /// Starts configuring a client for an application (AK, AS), on
    /// [`Endpoint::OvhEu`] unless told otherwise;
    /// [`build`](OvhClientBuilder::build) refuses an empty key or secret.
    pub fn builder(
        application_key: impl Into<String>,
        application_secret: impl Into<partner_core::Secret>,
    ) -> OvhClientBuilder {
        OvhClientBuilder::new(application_key.into(), application_secret.into())
    }

    /// A handle signing with this customer's consumer key; shares the
    /// connection pool, the time delta and the OAuth2 token with `self`.
    pub fn for_customer(&self, consumer_key: ConsumerKey) -> OvhClient {
        let signer = crate::RequestSigner::new(&self.shared.application_secret, &consumer_key);
        OvhClient {
            shared: self.shared.clone(),
            consumer_key: Some(consumer_key),
            signer: Some(signer),
        }
    }

    /// The endpoint calls go to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.shared.endpoint
    }

    /// How many `/auth/time` requests this application's clients have sent.
    pub fn time_requests(&self) -> u64 {
        self.shared.time.requests()
    }
}

#[cfg(test)]
mod tests;
