//! What the fake's routes share: the application, the service account,
//! the server's clock, the stores, the counters; and the answers every
//! route gives alike.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use partner_core::server::ExpiringMap;
use partner_core::{Clock, Secret, UnixTime};
use serde_json::{Value, json};

use super::credentials::CredentialStore;
use crate::ApplicationSecret;

#[derive(Debug)]
pub(super) struct FakeState {
    /// `http://127.0.0.1:<port>` once served; `None` for a router mounted
    /// elsewhere, whose links are made from the request's `Host`.
    pub(super) base: Option<String>,
    pub(super) application_key: String,
    pub(super) application_secret: ApplicationSecret,
    pub(super) service_account: Option<(String, Secret)>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) server_offset: AtomicI64,
    pub(super) page_size: usize,
    pub(super) data: Mutex<Data>,
    pub(super) queries: AtomicU64,
    pub(super) time_requests: AtomicU64,
    /// OAuth2 tokens issued.
    pub(super) token_requests: AtomicU64,
    pub(super) inject_errors: AtomicU64,
}

#[derive(Debug)]
pub(super) struct Data {
    pub(super) credentials: CredentialStore,
    /// Bearer token -> nothing: a live entry is a valid token.
    pub(super) bearer_tokens: ExpiringMap<String, ()>,
    pub(super) zones: BTreeMap<String, BTreeMap<u64, Value>>,
    /// Records of all zones together (at most [`MAX_RECORDS`](super::MAX_RECORDS)).
    pub(super) records: usize,
    pub(super) next_id: u64,
}

impl Data {
    pub(super) fn new(zones: Vec<String>) -> Self {
        Data {
            credentials: CredentialStore::new(),
            bearer_tokens: ExpiringMap::new(super::MAX_BEARER_TOKENS),
            zones: zones.into_iter().map(|z| (z, BTreeMap::new())).collect(),
            records: 0,
            next_id: 0,
        }
    }

    pub(super) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

impl FakeState {
    pub(super) fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The server's time: the clock plus the server offset.
    pub(super) fn now(&self) -> UnixTime {
        UnixTime::from_secs(
            self.clock
                .unix_time()
                .as_secs()
                .saturating_add(self.server_offset.load(Ordering::Relaxed)),
        )
    }

    pub(super) fn query_id(&self) -> String {
        format!("FAKE.ext-1.{:08x}", self.queries.fetch_add(1, Ordering::Relaxed))
    }

    /// Where the fake's own pages are: its address, or for a mounted
    /// router `http://` and the request's `Host` when it is a plain
    /// authority (else links stay relative).
    pub(super) fn origin(&self, headers: &HeaderMap) -> String {
        if let Some(base) = &self.base {
            return base.clone();
        }
        headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .filter(|h| h.parse::<axum::http::uri::Authority>().is_ok() && !h.contains('@'))
            .map(|h| format!("http://{h}"))
            .unwrap_or_default()
    }
}

pub(super) fn with_query_id(mut response: Response, id: String) -> Response {
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-ovh-queryid", v);
    }
    response
}

/// The API's error body: `{"errorCode", "httpCode", "message"}`.
pub(super) fn ovh_error(status: StatusCode, code: &str, message: &str) -> Response {
    let http = format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or(""));
    (status, Json(json!({"errorCode": code, "httpCode": http, "message": message}))).into_response()
}

/// `GET /1.0/auth/time`.
pub(super) async fn time(State(s): State<Arc<FakeState>>) -> Response {
    s.time_requests.fetch_add(1, Ordering::Relaxed);
    Json(s.now().as_secs()).into_response()
}

/// `2023-11-14T22:13:20+00:00`, as the API writes dates.
pub(super) fn iso8601(t: UnixTime) -> String {
    let secs = t.as_secs();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe.saturating_add(era.saturating_mul(400)) + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso8601() {
        assert_eq!(iso8601(UnixTime::from_secs(0)), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601(UnixTime::from_secs(1_700_000_000)), "2023-11-14T22:13:20+00:00");
        assert_eq!(iso8601(UnixTime::from_secs(951_782_400)), "2000-02-29T00:00:00+00:00");
        assert_eq!(iso8601(UnixTime::from_secs(-1)), "1969-12-31T23:59:59+00:00");
        // Never panics, whatever the time.
        let _ = iso8601(UnixTime::from_secs(i64::MAX));
        let _ = iso8601(UnixTime::from_secs(i64::MIN));
    }
}
