//! An access token cache with single-flight refresh (feature `token-source`).
//!
//! Provider clients that use a client-credentials token (an
//! integration token, an OAuth2 service account) wrap their token
//! request in a [`TokenSource`] and call it through a [`CachedToken`]: a
//! cold cache hit by a thousand concurrent requests makes one token request.

use std::future::Future;
use std::time::Duration;

use crate::{Clock, Secret, UnixTime};

/// An access token and when it stops working.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AccessToken {
    /// The bearer token.
    pub secret: Secret,
    /// When it expires; `None` for tokens that live until revoked.
    pub expires_at: Option<UnixTime>,
}

impl AccessToken {
    /// A token with an optional expiry.
    pub fn new(secret: impl Into<Secret>, expires_at: Option<UnixTime>) -> Self {
        AccessToken { secret: secret.into(), expires_at }
    }

    /// Whether the token is still good at `now` with `margin` to spare.
    pub fn is_fresh(&self, now: UnixTime, margin: Duration) -> bool {
        match self.expires_at {
            None => true,
            Some(exp) => now.saturating_add(margin) < exp,
        }
    }
}

/// Something that fetches a new access token (one HTTP call, usually).
pub trait TokenSource: Send + Sync {
    /// Why no token could be had.
    type Error: Send;

    /// Fetches a new token. Called only by [`CachedToken`] when it has none
    /// that is fresh.
    fn fetch_token(&self) -> impl Future<Output = Result<AccessToken, Self::Error>> + Send;
}

/// Caches the token of a [`TokenSource`] and refreshes it `refresh_before`
/// its expiry. Concurrent callers share one in-flight fetch.
///
/// ```
/// use partner_core::token::{AccessToken, CachedToken, TokenSource};
/// use partner_core::{FixedClock, UnixTime};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::time::Duration;
///
/// struct Counter(AtomicUsize);
/// impl TokenSource for Counter {
///     type Error = std::convert::Infallible;
///     async fn fetch_token(&self) -> Result<AccessToken, Self::Error> {
///         let n = self.0.fetch_add(1, Ordering::SeqCst);
///         Ok(AccessToken::new(format!("token-{n}"), Some(UnixTime::from_secs(7_200))))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let clock = FixedClock::at_unix(0);
/// let cache = CachedToken::new(Counter(AtomicUsize::new(0)), &clock, Duration::from_secs(60));
/// assert_eq!(cache.token().await.unwrap().secret.expose_str(), Some("token-0"));
/// assert_eq!(cache.token().await.unwrap().secret.expose_str(), Some("token-0"));
/// clock.advance(Duration::from_secs(7_140)); // within the refresh margin
/// assert_eq!(cache.token().await.unwrap().secret.expose_str(), Some("token-1"));
/// # });
/// ```
#[derive(Debug)]
pub struct CachedToken<S, C> {
    source: S,
    clock: C,
    refresh_before: Duration,
    cached: tokio::sync::Mutex<Option<AccessToken>>,
}

impl<S: TokenSource, C: Clock> CachedToken<S, C> {
    /// A cache in front of `source`, reading the time from `clock`, that
    /// refreshes a token `refresh_before` its expiry.
    pub fn new(source: S, clock: C, refresh_before: Duration) -> Self {
        CachedToken { source, clock, refresh_before, cached: tokio::sync::Mutex::new(None) }
    }

    /// A fresh token: the cached one, or a new one fetched now.
    ///
    /// Callers that arrive while a fetch is in flight wait for it and get its
    /// token. When the fetch fails, they get the error, and the next caller
    /// tries again (no error is cached).
    pub async fn token(&self) -> Result<AccessToken, S::Error> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref() {
            if token.is_fresh(self.clock.unix_time(), self.refresh_before) {
                return Ok(token.clone());
            }
        }
        let token = self.source.fetch_token().await?;
        *cached = Some(token.clone());
        Ok(token)
    }

    /// Forgets `rejected` after the provider refused it (a 401), so the next
    /// [`token`](Self::token) fetches a new one. A token other than the cached
    /// one is ignored: when many requests fail with the same old token, only
    /// the first invalidation counts, and they all share one refresh.
    pub async fn invalidate(&self, rejected: &AccessToken) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|t| t.secret.ct_eq(rejected.secret.expose())) {
            *cached = None;
        }
    }

    /// The wrapped source.
    pub fn source(&self) -> &S {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedClock;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Slow {
        calls: AtomicUsize,
        fail_first: bool,
    }

    impl TokenSource for Slow {
        type Error = &'static str;
        async fn fetch_token(&self) -> Result<AccessToken, &'static str> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            // Yield several times so that other callers pile up behind the fetch.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            if self.fail_first && n == 0 {
                return Err("token endpoint down");
            }
            Ok(AccessToken::new(format!("t{n}"), Some(UnixTime::from_secs(1_000 + 7_200))))
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn thousand_cold_callers_make_one_fetch() {
        let clock = Arc::new(FixedClock::at_unix(1_000));
        let cache = Arc::new(CachedToken::new(
            Slow { calls: AtomicUsize::new(0), fail_first: false },
            clock.clone(),
            Duration::from_secs(60),
        ));
        let tasks: Vec<_> = (0..1_000)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.token().await.map(|t| t.secret.expose().to_vec()) })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), b"t0");
        }
        assert_eq!(cache.source().calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn errors_are_not_cached_and_invalidate_is_targeted() {
        let clock = FixedClock::at_unix(1_000);
        let cache = CachedToken::new(
            Slow { calls: AtomicUsize::new(0), fail_first: true },
            &clock,
            Duration::from_secs(60),
        );
        assert_eq!(cache.token().await.unwrap_err(), "token endpoint down");
        let t1 = cache.token().await.unwrap();
        assert_eq!(t1.secret.expose(), b"t1");
        // Invalidating a token that is no longer cached does nothing.
        cache.invalidate(&AccessToken::new("t0", None)).await;
        assert_eq!(cache.token().await.unwrap().secret.expose(), b"t1");
        cache.invalidate(&t1).await;
        assert_eq!(cache.token().await.unwrap().secret.expose(), b"t2");
        assert_eq!(cache.source().calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn freshness_margin() {
        let t = AccessToken::new("x", Some(UnixTime::from_secs(100)));
        assert!(t.is_fresh(UnixTime::from_secs(39), Duration::from_secs(60)));
        assert!(!t.is_fresh(UnixTime::from_secs(40), Duration::from_secs(60)));
        assert!(AccessToken::new("x", None).is_fresh(UnixTime::from_secs(i64::MAX), Duration::MAX));
    }
}
