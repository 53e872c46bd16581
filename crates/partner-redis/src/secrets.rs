//! [`RedisSecretStore`]: per-customer secrets (an OVHcloud consumer key,
//! pending or validated) stored sealed.

use std::time::Duration;

use partner_core::crypto::sha256;
use partner_core::encoding::hex_encode;
use partner_core::{Error, Secret};

use crate::token_cache::millis;
use crate::{KeyPrefix, RedisConnection, SealingKeys};

/// Secrets your application keeps per customer, shared by the fleet and
/// sealed at rest: a consumer key OVHcloud issued and the customer has not
/// validated yet (with the time it may take), then the validated one.
///
/// - A secret named `name` is `<prefix>secret:<first 16 bytes of
///   SHA-256(name), hex>`: no customer id or key in the key names.
/// - Its value is sealed with [`SealingKeys`] (AES-256-GCM, the Redis key
///   as associated data, the key id in front for rotation): `redis-cli GET`
///   shows `v1.<key id>.<base64url>`, never the secret.
/// - Redis unreachable or slow: [`Error::Unavailable`]; a stored value that
///   does not open: [`Error::Decrypt`] (or [`Error::Malformed`] for a key id
///   no longer held). Nothing is returned that did not verify.
///
/// ```no_run
/// use std::time::Duration;
/// use partner_core::Secret;
/// use partner_redis::{RedisConnection, RedisSecretStore, SealingKey, SealingKeys};
///
/// # async fn run() -> Result<(), partner_redis::Error> {
/// let redis = RedisConnection::connect("redis://127.0.0.1:6379").await?;
/// let keys = SealingKeys::new(SealingKey::from_base64url("2026", &Secret::from(std::env::var("SEALING_KEY").unwrap_or_default()))?);
/// let secrets = RedisSecretStore::new(redis, keys);
/// // The consumer key OVHcloud issued, until the customer validates it (or 1 hour).
/// secrets.put("ovh:pending:customer-42", &Secret::from("ck-issued"), Some(Duration::from_secs(3_600))).await?;
/// let pending = secrets.get("ovh:pending:customer-42").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RedisSecretStore {
    redis: RedisConnection,
    keys: SealingKeys,
    prefix: KeyPrefix,
}

impl RedisSecretStore {
    /// A store on `redis`, sealing with `keys`, with the default [`KeyPrefix`].
    pub fn new(redis: RedisConnection, keys: SealingKeys) -> Self {
        RedisSecretStore { redis, keys, prefix: KeyPrefix::default() }
    }

    /// Replaces the key prefix.
    #[must_use]
    pub fn with_prefix(mut self, prefix: KeyPrefix) -> Self {
        self.prefix = prefix;
        self
    }

    /// The Redis key of the secret `name`.
    pub fn redis_key(&self, name: &str) -> String {
        format!("{}secret:{}", self.prefix.as_str(), hex_encode(&sha256(name.as_bytes())[..16]))
    }

    /// Stores `secret` as `name`, for `ttl` (or until removed), replacing
    /// what was there. A zero `ttl` is [`Error::Malformed`].
    pub async fn put(
        &self,
        name: &str,
        secret: &Secret,
        ttl: Option<Duration>,
    ) -> Result<(), Error> {
        let key = self.redis_key(name);
        let mut cmd = redis::cmd("SET");
        cmd.arg(&key).arg(self.keys.seal(&key, secret));
        if let Some(ttl) = ttl {
            if ttl.is_zero() {
                return Err(Error::Malformed("a secret's time to live is above zero"));
            }
            cmd.arg("PX").arg(millis(ttl));
        }
        let _: Option<String> = self.redis.query(&cmd).await?;
        Ok(())
    }

    /// The secret stored as `name`, if any.
    pub async fn get(&self, name: &str) -> Result<Option<Secret>, Error> {
        let key = self.redis_key(name);
        let raw: Option<String> = self.redis.query(redis::cmd("GET").arg(&key)).await?;
        raw.map(|sealed| self.keys.open(&key, &sealed)).transpose()
    }

    /// Removes and returns the secret stored as `name` (one `GETDEL`: of
    /// two processes taking the same pending key, one gets it).
    pub async fn take(&self, name: &str) -> Result<Option<Secret>, Error> {
        let key = self.redis_key(name);
        let raw: Option<String> = self.redis.query(redis::cmd("GETDEL").arg(&key)).await?;
        raw.map(|sealed| self.keys.open(&key, &sealed)).transpose()
    }

    /// Removes the secret stored as `name`; whether there was one.
    pub async fn remove(&self, name: &str) -> Result<bool, Error> {
        let removed: i64 = self.redis.query(redis::cmd("DEL").arg(self.redis_key(name))).await?;
        Ok(removed == 1)
    }
}

impl partner_core::shared::SecretStore for RedisSecretStore {
    fn put<'a>(
        &'a self,
        name: &'a str,
        secret: &'a Secret,
        ttl: Option<Duration>,
    ) -> partner_core::replay::StoreFuture<'a, ()> {
        Box::pin(RedisSecretStore::put(self, name, secret, ttl))
    }
    fn get<'a>(&'a self, name: &'a str) -> partner_core::replay::StoreFuture<'a, Option<Secret>> {
        Box::pin(RedisSecretStore::get(self, name))
    }
    fn take<'a>(&'a self, name: &'a str) -> partner_core::replay::StoreFuture<'a, Option<Secret>> {
        Box::pin(RedisSecretStore::take(self, name))
    }
    fn remove<'a>(&'a self, name: &'a str) -> partner_core::replay::StoreFuture<'a, bool> {
        Box::pin(RedisSecretStore::remove(self, name))
    }
}
