//! How the SaaS Partner API answers: its 429 with the rate-limit reset
//! headers, and its error bodies.

use std::sync::Arc;
use std::time::Duration;

use partner_core::http::{Answer, Dialect, Verdict, retry_after, standard_verdict};
use partner_core::{Clock, ProviderRejection, UnixTime};
use serde_json::Value;

use crate::error::RETRY_AFTER_DETAIL;

/// The longest wait a 429 may ask for (the same bound as `Retry-After` in
/// `partner-core`).
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// `X-RateLimit-Reset` above this is a Unix time; at or below, seconds.
const UNIX_TIME_FLOOR: i64 = 1_000_000_000;

/// The SaaS Partner API's dialect (Laravel-style):
///
/// - 429 is [`Verdict::NotProcessed`] (any method may be sent again), after
///   `Retry-After` seconds, else until `X-RateLimit-Reset` (a Unix time, or
///   seconds when small), read with the client's clock; at most an hour;
/// - 408 and 5xx as [`standard_verdict`];
/// - an error body `{"message": .., "code"|"error": .., "errors": {field: [..]}}`
///   fills the rejection's message, code and details; `X-Request-Id` its
///   request id; a body of another shape is kept as a short excerpt. A 429
///   adds the detail `retry-after: <seconds>` (read by
///   [`Error::retry_after`](crate::Error::retry_after)).
#[derive(Debug, Clone)]
pub(crate) struct BlendrDialect {
    clock: Arc<dyn Clock>,
}

impl BlendrDialect {
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        BlendrDialect { clock }
    }

    /// How long a 429 says to wait.
    pub(crate) fn rate_limit_wait(&self, answer: &Answer) -> Option<Duration> {
        if let Some(wait) = retry_after(answer) {
            return Some(wait);
        }
        let reset: i64 = answer.header("x-ratelimit-reset")?.trim().parse().ok()?;
        let secs = if reset > UNIX_TIME_FLOOR {
            UnixTime::from_secs(reset).seconds_since(self.clock.unix_time()).max(0)
        } else {
            i128::from(reset.max(0))
        };
        Some(Duration::from_secs(u64::try_from(secs).unwrap_or(u64::MAX)).min(MAX_WAIT))
    }
}

impl Dialect for BlendrDialect {
    fn classify(&self, answer: &Answer) -> Verdict {
        match answer.status() {
            429 => Verdict::NotProcessed { after: self.rate_limit_wait(answer) },
            _ => standard_verdict(answer),
        }
    }

    fn rejection(&self, provider: &'static str, answer: &Answer) -> ProviderRejection {
        let mut rejection = read_error_body(provider, answer);
        if let Some(id) = answer.header("x-request-id") {
            rejection = rejection.with_request_id(id);
        }
        if answer.status() == 429 {
            if let Some(wait) = self.rate_limit_wait(answer) {
                rejection =
                    rejection.with_details([format!("{RETRY_AFTER_DETAIL}{}", wait.as_secs())]);
            }
        }
        rejection
    }
}

/// The vendor's error body as a rejection (status, code, message, details).
fn read_error_body(provider: &'static str, answer: &Answer) -> ProviderRejection {
    let base = ProviderRejection::new(provider, answer.status());
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(answer.body()) else {
        return base.with_body_excerpt(answer.body());
    };
    let text = |name: &str| match body.get(name) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let message = text("message");
    let (code, message) = match (text("code"), message) {
        (Some(code), message) => (Some(code), message.or_else(|| text("error"))),
        (None, Some(message)) => (text("error"), Some(message)),
        (None, None) => (None, text("error")),
    };
    if code.is_none() && message.is_none() {
        return base.with_body_excerpt(answer.body());
    }
    let mut details = Vec::new();
    if let Some(Value::Object(errors)) = body.get("errors") {
        for (field, problems) in errors {
            match problems {
                Value::Array(list) => details
                    .extend(list.iter().filter_map(Value::as_str).map(|p| format!("{field}: {p}"))),
                Value::String(p) => details.push(format!("{field}: {p}")),
                _ => {}
            }
        }
    }
    let mut rejection = base.with_details(details);
    if let Some(code) = code {
        rejection = rejection.with_code(code);
    }
    if let Some(message) = message {
        rejection = rejection.with_message(message);
    }
    rejection
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::FixedClock;
    use partner_core::http::reqwest::header::{HeaderMap, HeaderName, HeaderValue};

    fn answer(status: u16, headers: &[(&'static str, &str)], body: &str) -> Answer {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                map.insert(HeaderName::from_static(name), v);
            }
        }
        Answer::new(status, map, body.as_bytes().to_vec())
    }

    fn dialect() -> BlendrDialect {
        BlendrDialect::new(Arc::new(FixedClock::at_unix(1_700_000_000)))
    }

    #[test]
    fn retry_verdicts() {
        let d = dialect();
        let secs = |s| Some(Duration::from_secs(s));
        let not_processed = |after| Verdict::NotProcessed { after };
        assert_eq!(d.classify(&answer(429, &[("retry-after", "7")], "")), not_processed(secs(7)));
        // The reset header as a Unix time, read with the client's clock...
        let reset = [("x-ratelimit-reset", "1700000042")];
        assert_eq!(d.classify(&answer(429, &reset, "")), not_processed(secs(42)));
        // ... or as seconds when small; Retry-After wins over it.
        assert_eq!(
            d.classify(&answer(429, &[("x-ratelimit-reset", "12")], "")),
            not_processed(secs(12))
        );
        let both = [("retry-after", "3"), ("x-ratelimit-reset", "1700000042")];
        assert_eq!(d.classify(&answer(429, &both, "")), not_processed(secs(3)));
        // A reset in the past is no wait; a far one is bounded; none is unknown.
        assert_eq!(
            d.classify(&answer(429, &[("x-ratelimit-reset", "1699999000")], "")),
            not_processed(secs(0))
        );
        assert_eq!(
            d.classify(&answer(429, &[("x-ratelimit-reset", "1800000000")], "")),
            not_processed(secs(3600))
        );
        assert_eq!(d.classify(&answer(429, &[], "")), not_processed(None));
        // Others as the standard verdict.
        assert_eq!(
            d.classify(&answer(503, &[("retry-after", "2")], "")),
            Verdict::Transient { after: secs(2) }
        );
        assert_eq!(d.classify(&answer(408, &[], "")), Verdict::Transient { after: None });
        for status in [200, 204, 400, 401, 404, 422, 501] {
            assert_eq!(d.classify(&answer(status, &[], "")), Verdict::Done, "{status}");
        }
    }

    #[test]
    fn error_bodies_fill_the_rejection() {
        let d = dialect();
        let body = r#"{"message":"The given data was invalid.","code":"validation_failed","errors":{"inputs":["must be an object"],"async":"is required"}}"#;
        let r = d.rejection("blendr", &answer(422, &[("x-request-id", "req-7f3a")], body));
        assert_eq!(r.status, 422);
        assert_eq!(r.code.as_deref(), Some("validation_failed"));
        assert_eq!(r.message.as_deref(), Some("The given data was invalid."));
        assert_eq!(r.request_id.as_deref(), Some("req-7f3a"));
        assert_eq!(r.details, ["async: is required", "inputs: must be an object"]);

        let r = d.rejection("blendr", &answer(404, &[], r#"{"message":"account not found"}"#));
        assert_eq!((r.code, r.message.as_deref()), (None, Some("account not found")));
        let r = d.rejection("blendr", &answer(401, &[], r#"{"error":"unauthenticated"}"#));
        assert_eq!((r.code, r.message.as_deref()), (None, Some("unauthenticated")));
        let r = d.rejection(
            "blendr",
            &answer(403, &[], r#"{"error":"forbidden","message":"No access"}"#),
        );
        assert_eq!(
            (r.code.as_deref(), r.message.as_deref()),
            (Some("forbidden"), Some("No access"))
        );
        // Another shape: an excerpt.
        let r = d.rejection("blendr", &answer(502, &[], "<html>Bad gateway</html>"));
        assert_eq!((r.code, r.message.as_deref()), (None, Some("<html>Bad gateway</html>")));
        let r = d.rejection("blendr", &answer(400, &[], r#"{"status":"bad"}"#));
        assert_eq!(r.message.as_deref(), Some(r#"{"status":"bad"}"#));
        // A 429 keeps how long to wait.
        let r = d.rejection(
            "blendr",
            &answer(429, &[("retry-after", "60")], r#"{"message":"Too Many Attempts."}"#),
        );
        assert_eq!(r.details, ["retry-after: 60"]);
        assert_eq!(r.message.as_deref(), Some("Too Many Attempts."));
    }
}
