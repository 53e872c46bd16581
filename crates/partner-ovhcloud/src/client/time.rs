//! The time delta: server time minus local time, fetched once per
//! application from `/auth/time`, fetched again once when the API refuses
//! a signature or a timestamp.

use std::sync::atomic::{AtomicU64, Ordering};

use partner_core::UnixTime;
use partner_core::http::Call;

use super::OvhClient;
use super::dialect::{Auth, OvhDialect};
use crate::{Error, PROVIDER};

/// The cached delta and how many times it was fetched.
#[derive(Debug)]
pub(super) struct TimeDelta {
    delta: tokio::sync::Mutex<Option<i64>>,
    requests: AtomicU64,
}

impl TimeDelta {
    pub(super) fn new() -> Self {
        TimeDelta { delta: tokio::sync::Mutex::new(None), requests: AtomicU64::new(0) }
    }

    pub(super) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl OvhClient {
    /// Server time minus local time, in seconds: fetched once (one request
    /// however many callers wait), then cached.
    ///
    /// # Errors
    ///
    /// As any call: `rejected` or `unavailable` when `/auth/time` does not
    /// answer an integer.
    pub async fn time_delta(&self) -> Result<i64, Error> {
        let mut delta = self.shared.time.delta.lock().await;
        if let Some(d) = *delta {
            return Ok(d);
        }
        let d = self.fetch_delta().await?;
        *delta = Some(d);
        Ok(d)
    }

    /// The time of a signature: the clock plus the delta.
    pub(super) fn server_time(&self, delta: i64) -> UnixTime {
        UnixTime::from_secs(self.shared.clock.unix_time().as_secs().saturating_add(delta))
    }

    /// Fetches the delta again unless another caller already replaced
    /// `seen` (the delta the refused request was signed with); the delta
    /// to sign with now.
    pub(super) async fn resync(&self, seen: Option<i64>) -> Result<i64, Error> {
        let mut delta = self.shared.time.delta.lock().await;
        match *delta {
            Some(current) if seen.is_some() && *delta != seen => Ok(current),
            _ => {
                tracing::debug!("ovhcloud refused a signature or a timestamp; re-syncing the time");
                let d = self.fetch_delta().await?;
                *delta = Some(d);
                Ok(d)
            }
        }
    }

    async fn fetch_delta(&self) -> Result<i64, Error> {
        let shared = &*self.shared;
        shared.time.requests.fetch_add(1, Ordering::Relaxed);
        let url = shared.endpoint.url("/auth/time", &[])?;
        let request = shared
            .http
            .reqwest()
            .get(url)
            .header("X-Ovh-Application", &shared.application_key)
            .header(partner_core::http::reqwest::header::ACCEPT, "application/json");
        let dialect = OvhDialect { auth: Auth::Application };
        let call = Call::new("time", "/auth/time").dialect(&dialect);
        let answer = shared.http.send_request(call, request).await?;
        let server: i64 = answer.json(PROVIDER, "server time")?;
        let delta = server.saturating_sub(shared.clock.unix_time().as_secs());
        tracing::debug!(delta, "ovhcloud time delta");
        Ok(delta)
    }
}
