//! [`RedisReplayStore`]: single use across processes, one `SET NX PX` per
//! consume.

use partner_core::replay::{ReplayKey, ReplayStore, StoreFuture};
use partner_core::{Error, UnixTime};

use crate::{KeyPrefix, RedisConnection};

/// Single use for a fleet: each consume is one `SET <key> 1 NX PX <ttl>`,
/// so of all the processes that consume one key before it expires,
/// exactly one is told `Ok`, and the others [`Error::Replayed`].
///
/// - The key is [`KeyPrefix::replay_key`]: the SHA-256 of the replay id,
///   never the id (often a token).
/// - The time to live is `until - now`, in milliseconds: Redis forgets the
///   entry when the handoff would be refused as expired anyway. A value
///   already past `until` is not stored (the verifier's time check is
///   what refuses it).
/// - Redis unreachable, or slower than the connection's command timeout:
///   [`Error::Unavailable`]. Nothing is accepted then: the caller refuses
///   the handoff (fail closed).
/// - One key per command, so it runs unchanged on Redis Cluster.
///
/// ```no_run
/// use partner_redis::{RedisConnection, RedisReplayStore, ReplayKey, ReplayStore, UnixTime};
///
/// # async fn run() -> Result<(), partner_redis::Error> {
/// let redis = RedisConnection::connect("redis://127.0.0.1:6379").await?;
/// let store = RedisReplayStore::new(redis);
/// let (now, until) = (UnixTime::from_secs(1_000), UnixTime::from_secs(1_300));
/// store.consume(&ReplayKey::of(b"launch-token"), until, now).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RedisReplayStore {
    redis: RedisConnection,
    prefix: KeyPrefix,
}

impl RedisReplayStore {
    /// A store on `redis`, with the default [`KeyPrefix`].
    pub fn new(redis: RedisConnection) -> Self {
        RedisReplayStore { redis, prefix: KeyPrefix::default() }
    }

    /// Replaces the key prefix.
    #[must_use]
    pub fn with_prefix(mut self, prefix: KeyPrefix) -> Self {
        self.prefix = prefix;
        self
    }

    /// The key prefix.
    pub fn prefix(&self) -> &KeyPrefix {
        &self.prefix
    }

    async fn set_once(&self, key: &ReplayKey, until: UnixTime, now: UnixTime) -> Result<(), Error> {
        let Some(ttl_ms) = ttl_millis(until, now) else {
            return Ok(());
        };
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.prefix.replay_key(key)).arg(1).arg("NX").arg("PX").arg(ttl_ms);
        // `OK` when set, nil when the key was there.
        let set: Option<String> = self.redis.query(&cmd).await?;
        if set.is_some() { Ok(()) } else { Err(Error::Replayed) }
    }
}

/// `until - now` in milliseconds, at least 1; `None` once `until` passed.
/// (An absurd span saturates: it is stored for as long as Redis can,
/// never skipped.)
fn ttl_millis(until: UnixTime, now: UnixTime) -> Option<u64> {
    if until < now {
        return None;
    }
    let secs = u64::try_from(until.as_secs().saturating_sub(now.as_secs())).unwrap_or(u64::MAX);
    Some(secs.saturating_mul(1_000).clamp(1, i64::MAX as u64))
}

impl ReplayStore for RedisReplayStore {
    fn consume<'a>(
        &'a self,
        key: &'a ReplayKey,
        until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.set_once(key, until, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_to_live_is_what_is_left_and_never_zero() {
        let t = UnixTime::from_secs;
        assert_eq!(ttl_millis(t(1_300), t(1_000)), Some(300_000));
        assert_eq!(ttl_millis(t(1_000), t(1_000)), Some(1));
        assert_eq!(ttl_millis(t(999), t(1_000)), None);
        assert_eq!(ttl_millis(t(i64::MAX), t(i64::MIN)), Some(i64::MAX as u64));
    }
}
