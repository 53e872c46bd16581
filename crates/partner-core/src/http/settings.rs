//! [`HttpSettings`] and [`RetryPolicy`]: how every client talks HTTP.

use std::time::Duration;

use url::Url;

/// How a provider client talks HTTP. Every client builder takes one
/// (`.settings(..)`) and starts from [`Default`]:
///
/// | field | default | meaning |
/// |---|---|---|
/// | `timeout` | 30 s | one attempt, from sending the request to the end of the answer |
/// | `connect_timeout` | 10 s | opening a connection (TCP and TLS) |
/// | `user_agent` | `None`: `<crate>/<version>`, for example `partner-example/0.2.0` | the `User-Agent` header |
/// | `proxy` | `None`: the environment (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`) | a proxy for every request |
/// | `max_response_bytes` | 16 MiB | the largest answer body read |
/// | `retry` | [`RetryPolicy::default`] | retries of idempotent calls |
///
/// With a caller's own `reqwest::Client` (`.http_client(..)`), `timeout`,
/// `max_response_bytes` and `retry` still apply; the connection settings
/// are that client's.
///
/// ```
/// use std::time::Duration;
/// use partner_core::http::HttpSettings;
///
/// let mut settings = HttpSettings::default();
/// settings.timeout = Duration::from_secs(5);
/// settings.retry.max_attempts = 1; // never retry
/// assert_eq!(settings.connect_timeout, Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpSettings {
    /// Time limit of one attempt (default 30 s).
    pub timeout: Duration,
    /// Time limit to open a connection (default 10 s).
    pub connect_timeout: Duration,
    /// The `User-Agent`; `None` names the provider crate and its version.
    pub user_agent: Option<String>,
    /// A proxy for every request; `None` reads the environment as reqwest does.
    pub proxy: Option<Url>,
    /// The largest answer body read, in bytes (default 16 MiB); a larger
    /// one is an unusable answer.
    pub max_response_bytes: usize,
    /// When and how often a call is sent again.
    pub retry: RetryPolicy,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: None,
            proxy: None,
            max_response_bytes: 16 << 20,
            retry: RetryPolicy::default(),
        }
    }
}

/// When a call is sent again, and how long the client waits first.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `max_attempts` | 3 | attempts of one call, the first included (1: never retry; at most [`MAX_ATTEMPTS`](Self::MAX_ATTEMPTS)) |
/// | `base_backoff` | 200 ms | ceiling of the first wait; doubles at each retry |
/// | `max_backoff` | 5 s | highest ceiling |
/// | `budget` | 60 s | all attempts and waits of one call together |
///
/// Each wait is "full jitter": uniformly random between zero and
/// `min(base_backoff * 2^retry, max_backoff)`, so clients refused together
/// do not come back together. A wait that would pass the budget is not
/// taken; the last answer is returned. Which answers are retried, and for
/// which methods, is [`Dialect`](super::Dialect)'s and [`Verdict`](super::Verdict)'s.
///
/// ```
/// use std::time::Duration;
/// use partner_core::http::RetryPolicy;
///
/// let policy = RetryPolicy::default();
/// assert_eq!(policy.ceiling(0), Duration::from_millis(200));
/// assert_eq!(policy.ceiling(2), Duration::from_millis(800));
/// assert_eq!(policy.ceiling(30), Duration::from_secs(5));
/// assert!(policy.backoff(1) < Duration::from_millis(400));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts of one call, the first included.
    pub max_attempts: u32,
    /// Ceiling of the first wait.
    pub base_backoff: Duration,
    /// Highest ceiling of a wait.
    pub max_backoff: Duration,
    /// All attempts and waits of one call together.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            budget: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The most attempts of one call, whatever `max_attempts` says.
    pub const MAX_ATTEMPTS: u32 = 10;

    /// A policy that sends every call once.
    pub fn never() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// `max_attempts`, between 1 and [`MAX_ATTEMPTS`](Self::MAX_ATTEMPTS).
    pub fn attempts(&self) -> u32 {
        self.max_attempts.clamp(1, Self::MAX_ATTEMPTS)
    }

    /// The ceiling of the wait before retry number `retry + 1`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        self.base_backoff.saturating_mul(1u32 << retry.min(20)).min(self.max_backoff)
    }

    /// A full-jitter wait before retry number `retry + 1`: uniformly random
    /// in `[0, ceiling(retry))`.
    pub fn backoff(&self, retry: u32) -> Duration {
        scale(self.ceiling(retry), crate::random::u64())
    }
}

/// `ceiling * r / 2^64`.
pub(crate) fn scale(ceiling: Duration, r: u64) -> Duration {
    let nanos = (ceiling.as_nanos() * u128::from(r)) >> 64;
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let p = RetryPolicy::default();
        assert_eq!(p.ceiling(u32::MAX), p.max_backoff);
        assert_eq!(scale(Duration::from_secs(1), 0), Duration::ZERO);
        assert!(scale(Duration::from_secs(1), u64::MAX) < Duration::from_secs(1));
        assert_eq!(scale(Duration::from_secs(1), 1 << 63), Duration::from_millis(500));
        let waits: Vec<Duration> = (0..64).map(|_| p.backoff(3)).collect();
        assert!(waits.iter().all(|w| *w < p.ceiling(3)));
        assert!(waits.windows(2).any(|w| w[0] != w[1]), "jittered");
        assert_eq!(RetryPolicy { max_attempts: 0, ..p }.attempts(), 1);
        assert_eq!(RetryPolicy { max_attempts: 99, ..p }.attempts(), RetryPolicy::MAX_ATTEMPTS);
        assert_eq!(RetryPolicy::never().attempts(), 1);
    }
}
