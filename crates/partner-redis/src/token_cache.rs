//! [`RedisTokenCache`]: tokens (and the OVHcloud time delta) shared by a fleet,
//! sealed, with a lock per key for cross-process single flight.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use partner_core::replay::StoreFuture;
use partner_core::shared::{CacheKey, LockToken, SharedCache, SharedFlight};
use partner_core::{Error, Secret, Sleeper};

use crate::{KeyPrefix, RedisConnection, SealingKeys};

/// Deletes `KEYS[1]` if it still holds `ARGV[1]`: 1 when it did.
const DELETE_IF_SAME: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/// The [`SharedCache`] of a fleet on Redis: what
/// `partner_core::shared::SharedFlight` (and through it the token caches
/// of the Cheetah and OVHcloud clients) stores.
///
/// - A value is `<prefix>{<kind>:<hash of scope>}`, sealed with
///   [`SealingKeys`] (AES-256-GCM, the key name as associated data): a
///   dump of Redis shows no token. It is stored with `SET .. PX`, until
///   `refresh_before` its expiry.
/// - Its lock is `<prefix>{<kind>:<hash of scope>}:lock`, a random token
///   set with `SET NX PX <lease>`, released by a compare-and-delete
///   script. The braces are a Redis Cluster hash tag: a value and its lock
///   are in one slot, so every script runs on one node.
/// - A value that does not open (sealed with a key that was rotated out,
///   or changed) reads as missing, so the next caller replaces it.
///
/// ```no_run
/// use partner_core::Secret;
/// use partner_redis::{RedisConnection, RedisTokenCache, SealingKey, SealingKeys};
///
/// # async fn run() -> Result<(), partner_redis::Error> {
/// let redis = RedisConnection::connect("redis://127.0.0.1:6379").await?;
/// let key = SealingKey::from_base64url("2026", &Secret::from(std::env::var("SEALING_KEY").unwrap_or_default()))?;
/// let flight = RedisTokenCache::new(redis, SealingKeys::new(key)).flight();
/// // CheetahClient::builder(..).shared_token(flight.clone()), OvhClient::builder(..).shared_cache(flight)
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RedisTokenCache {
    redis: RedisConnection,
    keys: SealingKeys,
    prefix: KeyPrefix,
}

impl RedisTokenCache {
    /// A cache on `redis`, sealing with `keys`, with the default [`KeyPrefix`].
    pub fn new(redis: RedisConnection, keys: SealingKeys) -> Self {
        RedisTokenCache { redis, keys, prefix: KeyPrefix::default() }
    }

    /// Replaces the key prefix.
    #[must_use]
    pub fn with_prefix(mut self, prefix: KeyPrefix) -> Self {
        self.prefix = prefix;
        self
    }

    /// A [`SharedFlight`] over this cache that waits on tokio's timer,
    /// with the default options: what the clients' `shared_token` /
    /// `shared_cache` take.
    pub fn flight(self) -> SharedFlight {
        SharedFlight::new(Arc::new(self), Arc::new(TokioSleeper))
    }

    /// The Redis key of a value.
    pub fn value_key(&self, key: &CacheKey) -> String {
        format!("{}{{{}}}", self.prefix.as_str(), key.as_str())
    }

    /// The Redis key of a value's lock (same hash slot).
    pub fn lock_key(&self, key: &CacheKey) -> String {
        format!("{}{{{}}}:lock", self.prefix.as_str(), key.as_str())
    }

    async fn get_value(&self, key: &CacheKey) -> Result<Option<Secret>, Error> {
        let name = self.value_key(key);
        let raw: Option<String> = self.redis.query(redis::cmd("GET").arg(&name)).await?;
        Ok(raw.and_then(|sealed| match self.keys.open(&name, &sealed) {
            Ok(value) => Some(value),
            Err(err) => {
                tracing::debug!(error = %err, "shared cache: a stored value does not open; read as missing");
                None
            }
        }))
    }

    async fn set_value(&self, key: &CacheKey, value: &Secret, ttl: Duration) -> Result<(), Error> {
        let name = self.value_key(key);
        let sealed = self.keys.seal(&name, value);
        let mut cmd = redis::cmd("SET");
        cmd.arg(&name).arg(sealed).arg("PX").arg(millis(ttl));
        let _: Option<String> = self.redis.query(&cmd).await?;
        Ok(())
    }

    async fn remove_value(&self, key: &CacheKey, expected: &Secret) -> Result<bool, Error> {
        let name = self.value_key(key);
        let raw: Option<String> = self.redis.query(redis::cmd("GET").arg(&name)).await?;
        let Some(sealed) = raw else { return Ok(false) };
        let same = self.keys.open(&name, &sealed).is_ok_and(|v| v.ct_eq(expected.expose()));
        if !same {
            return Ok(false);
        }
        // Deleted only if no one replaced it since the GET.
        let deleted: i64 = self.redis.eval(DELETE_IF_SAME, &[&name], &[sealed.as_bytes()]).await?;
        Ok(deleted == 1)
    }

    async fn lock(
        &self,
        key: &CacheKey,
        token: &LockToken,
        lease: Duration,
    ) -> Result<bool, Error> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.lock_key(key)).arg(token.as_str()).arg("NX").arg("PX").arg(millis(lease));
        let set: Option<String> = self.redis.query(&cmd).await?;
        Ok(set.is_some())
    }

    async fn release(&self, key: &CacheKey, token: &LockToken) -> Result<(), Error> {
        let name = self.lock_key(key);
        let _: i64 =
            self.redis.eval(DELETE_IF_SAME, &[&name], &[token.as_str().as_bytes()]).await?;
        Ok(())
    }
}

/// Waits on tokio's timer.
#[derive(Debug)]
struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A duration in milliseconds, at least 1 (`PX 0` is an error in Redis).
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).clamp(1, i64::MAX as u64)
}

impl SharedCache for RedisTokenCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> StoreFuture<'a, Option<Secret>> {
        Box::pin(self.get_value(key))
    }

    fn set<'a>(
        &'a self,
        key: &'a CacheKey,
        value: &'a Secret,
        ttl: Duration,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.set_value(key, value, ttl))
    }

    fn remove_if<'a>(&'a self, key: &'a CacheKey, expected: &'a Secret) -> StoreFuture<'a, bool> {
        Box::pin(self.remove_value(key, expected))
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a CacheKey,
        token: &'a LockToken,
        lease: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(self.lock(key, token, lease))
    }

    fn unlock<'a>(&'a self, key: &'a CacheKey, token: &'a LockToken) -> StoreFuture<'a, ()> {
        Box::pin(self.release(key, token))
    }
}
