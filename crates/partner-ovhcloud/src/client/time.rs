//! The time delta: server time minus local time, fetched once per
//! application from `/auth/time`, fetched again once when the API refuses
//! a signature or a timestamp.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use partner_core::http::Call;
use partner_core::shared::{CacheKey, SharedFlight};
use partner_core::{Secret, UnixTime};

use super::OvhClient;
use super::dialect::{Auth, OvhDialect};
use crate::{Error, PROVIDER};

/// The cached delta and how many times it was fetched.
#[derive(Debug)]
pub(super) struct TimeDelta {
    delta: tokio::sync::Mutex<Option<i64>>,
    requests: AtomicU64,
    shared: Option<(SharedFlight, CacheKey)>,
}

/// How long a shared delta is kept.
const SHARED_DELTA_TTL: Duration = Duration::from_secs(3_600);

impl TimeDelta {
    pub(super) fn new(shared: Option<(SharedFlight, CacheKey)>) -> Self {
        TimeDelta { delta: tokio::sync::Mutex::new(None), requests: AtomicU64::new(0), shared }
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
        let d = self.fleet_delta().await?;
        *delta = Some(d);
        Ok(d)
    }

    /// The delta of the fleet's store when one is shared (fetched under its
    /// lock on a miss), else fetched here.
    async fn fleet_delta(&self) -> Result<i64, Error> {
        let Some((flight, key)) = &self.shared.time.shared else {
            return self.fetch_delta().await;
        };
        let parse = |s: &Secret| s.expose_str().and_then(|t| t.parse::<i64>().ok());
        let fetch = || async {
            let d = self.fetch_delta().await?;
            Ok::<_, Error>((Secret::from(d.to_string()), SHARED_DELTA_TTL))
        };
        let stored = flight.get_or_fetch(key, |s| parse(s).is_some(), fetch).await?;
        parse(&stored).ok_or_else(|| Error::from(partner_core::Error::Malformed("shared delta")))
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
                if let (Some((flight, key)), Some(seen)) = (&self.shared.time.shared, seen) {
                    // The fleet's delta was the one refused: replace it for all.
                    if let Err(err) = flight.forget(key, &Secret::from(seen.to_string())).await {
                        tracing::debug!(error = %err, "shared delta not forgotten");
                    }
                }
                let d = self.fleet_delta().await?;
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
