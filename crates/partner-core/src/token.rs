//! An access token cache with single-flight refresh (feature `token-source`).
//!
//! Provider clients that use a client-credentials token (an
//! integration token, an OAuth2 service account) wrap their token
//! request in a [`TokenSource`] and call it through a [`CachedToken`]: a
//! cold cache hit by a thousand concurrent requests makes one token request.

use std::future::Future;
use std::time::Duration;

use crate::shared::{CacheKey, SharedFlight};
use crate::{Clock, Error, Secret, UnixTime};

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
///     type Error = partner_core::Error;
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
    shared: Option<(SharedFlight, CacheKey)>,
}

/// How long a shared token without an expiry is kept in the store.
pub const SHARED_TTL_WITHOUT_EXPIRY: Duration = Duration::from_secs(3_600);

impl<S: TokenSource, C: Clock> CachedToken<S, C>
where
    S::Error: From<Error>,
{
    /// A cache in front of `source`, reading the time from `clock`, that
    /// refreshes a token `refresh_before` its expiry.
    pub fn new(source: S, clock: C, refresh_before: Duration) -> Self {
        CachedToken {
            source,
            clock,
            refresh_before,
            cached: tokio::sync::Mutex::new(None),
            shared: None,
        }
    }

    /// Shares the token with every process that uses the same store and
    /// `key` (one per provider and client): a cold fleet makes one token
    /// request, through `flight`'s lock, and the token is stored until
    /// `refresh_before` its expiry. This process still keeps its copy.
    pub fn with_shared(mut self, flight: SharedFlight, key: CacheKey) -> Self {
        self.shared = Some((flight, key));
        self
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
        let token = match &self.shared {
            None => self.source.fetch_token().await?,
            Some((flight, key)) => self.shared_token(flight, key).await?,
        };
        *cached = Some(token.clone());
        Ok(token)
    }

    /// The fleet's token: the stored one while fresh, else one fetched
    /// under the store's lock and stored.
    async fn shared_token(
        &self,
        flight: &SharedFlight,
        key: &CacheKey,
    ) -> Result<AccessToken, S::Error> {
        let fresh = |stored: &Secret| {
            decode(stored).is_some_and(|t| t.is_fresh(self.clock.unix_time(), self.refresh_before))
        };
        let fetch = || async {
            let token = self.source.fetch_token().await?;
            let ttl = match token.expires_at {
                None => SHARED_TTL_WITHOUT_EXPIRY,
                Some(exp) => {
                    let keep_until = exp.as_secs().saturating_sub(self.refresh_secs());
                    let left = keep_until.saturating_sub(self.clock.unix_time().as_secs());
                    Duration::from_secs(left.max(0).unsigned_abs())
                }
            };
            Ok::<_, S::Error>((encode(&token), ttl))
        };
        let stored = flight.get_or_fetch(key, fresh, fetch).await?;
        decode(&stored).ok_or_else(|| S::Error::from(Error::Malformed("shared token")))
    }

    fn refresh_secs(&self) -> i64 {
        i64::try_from(self.refresh_before.as_secs()).unwrap_or(i64::MAX)
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
        if let Some((flight, key)) = &self.shared {
            if let Err(err) = flight.forget(key, &encode(rejected)).await {
                tracing::debug!(error = %err, "shared token not forgotten; it expires on its own");
            }
        }
    }

    /// The wrapped source.
    pub fn source(&self) -> &S {
        &self.source
    }
}

/// A token as stored: `<expiry in unix seconds, or "-"> <token>`.
fn encode(token: &AccessToken) -> Secret {
    let head = token.expires_at.map_or_else(|| "-".to_owned(), |t| t.as_secs().to_string());
    let mut bytes = Vec::with_capacity(head.len() + 1 + token.secret.len());
    bytes.extend_from_slice(head.as_bytes());
    bytes.push(b' ');
    bytes.extend_from_slice(token.secret.expose());
    Secret::new(bytes)
}

/// [`encode`]'s inverse; `None` for anything else.
fn decode(stored: &Secret) -> Option<AccessToken> {
    let bytes = stored.expose();
    let space = bytes.iter().position(|&b| b == b' ')?;
    let (head, token) = (&bytes[..space], &bytes[space + 1..]);
    if token.is_empty() {
        return None;
    }
    let expires_at = match head {
        b"-" => None,
        digits => Some(UnixTime::parse_secs(std::str::from_utf8(digits).ok()?).ok()?),
    };
    Some(AccessToken::new(Secret::new(token.to_vec()), expires_at))
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
        type Error = Error;
        async fn fetch_token(&self) -> Result<AccessToken, Error> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            // Yield several times so that other callers pile up behind the fetch.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            if self.fail_first && n == 0 {
                return Err(Error::Malformed("token endpoint down"));
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
        assert_eq!(cache.token().await.unwrap_err(), Error::Malformed("token endpoint down"));
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

    /// A token endpoint shared by several "processes": `t<n>` for the
    /// n-th fetch, valid 7,200 s from then.
    struct Endpoint(Arc<AtomicUsize>, Arc<FixedClock>);

    impl TokenSource for Endpoint {
        type Error = Error;
        async fn fetch_token(&self) -> Result<AccessToken, Error> {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            let expires = self.1.unix_time().saturating_add(Duration::from_secs(7_200));
            Ok(AccessToken::new(format!("t{n}"), Some(expires)))
        }
    }

    #[tokio::test]
    async fn caches_sharing_a_store_make_one_fetch_and_forget_together() {
        use crate::shared::{LocalSharedCache, SharedFlight};
        let clock = Arc::new(FixedClock::at_unix(1_000));
        let store = Arc::new(LocalSharedCache::new(clock.clone(), 16));
        let fetches = Arc::new(AtomicUsize::new(0));
        let process = || {
            let flight = SharedFlight::new(store.clone(), clock.clone());
            CachedToken::new(
                Endpoint(fetches.clone(), clock.clone()),
                clock.clone(),
                Duration::from_secs(60),
            )
            .with_shared(flight, CacheKey::new("token:test", b"client-1"))
        };
        let text = |t: &AccessToken| t.secret.expose_str().unwrap_or_default().to_owned();
        let (a, b) = (process(), process());
        let ta = a.token().await.unwrap();
        let tb = b.token().await.unwrap();
        assert_eq!((text(&ta), text(&tb)), ("t0".to_owned(), "t0".to_owned()), "b read a's token");
        assert_eq!(tb.expires_at, Some(UnixTime::from_secs(8_200)));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        // Stored until `refresh_before` its expiry (8,140), then fetched again.
        clock.advance(Duration::from_secs(7_139));
        assert_eq!(text(&process().token().await.unwrap()), "t0");
        clock.advance(Duration::from_secs(1));
        assert_eq!(text(&process().token().await.unwrap()), "t1");
        assert_eq!(text(&a.token().await.unwrap()), "t1", "a's copy was due too: it reads t1");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        // Another client of the same provider has its own token.
        let other = CachedToken::new(
            Endpoint(fetches.clone(), clock.clone()),
            clock.clone(),
            Duration::from_secs(60),
        )
        .with_shared(
            SharedFlight::new(store.clone(), clock.clone()),
            CacheKey::new("token:test", b"client-2"),
        );
        assert_eq!(text(&other.token().await.unwrap()), "t2");
        // a is refused with t1: the store forgets it for everyone.
        let t1 = a.token().await.unwrap();
        a.invalidate(&t1).await;
        assert_eq!(text(&process().token().await.unwrap()), "t3");
        // Invalidating a token that is no longer the stored one keeps the stored one.
        b.invalidate(&tb).await;
        assert_eq!(text(&process().token().await.unwrap()), "t3");
        assert_eq!(fetches.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn stored_tokens_round_trip_and_garbage_is_refused() {
        for token in [
            AccessToken::new("tok en", Some(UnixTime::from_secs(1_700_000_000))),
            AccessToken::new("t", None),
        ] {
            let back = decode(&encode(&token)).unwrap();
            assert_eq!(
                (back.secret.expose(), back.expires_at),
                (token.secret.expose(), token.expires_at)
            );
        }
        for garbage in ["", "-", "- ", "12", "x tok", "1.5 tok", "+1 tok", " tok"] {
            assert!(decode(&Secret::from(garbage)).is_none(), "{garbage:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let _ = decode(&Secret::new(bytes));
        }
    }
}
