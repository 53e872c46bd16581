//! [`RedisConnection`]: one connection manager shared by the stores, with a
//! bound on every command, and Redis failures as `unavailable` errors.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use partner_core::{Error, Unavailability};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How long a command may take, connection included, before the store
/// answers [`Error::Unavailable`]: a single-use check then fails closed.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_millis(500);

/// The name errors carry as their provider.
pub(crate) const STORE: &str = "redis";

/// A Redis connection for the stores of this crate: redis-rs's
/// [`ConnectionManager`] (one multiplexed connection, reconnected in the
/// background), and a bound on each command. Cheap to clone; clones share
/// the connection.
///
/// The URL is `redis://[user:password@]host[:port][/db]`, or `rediss://`
/// with the `tls` feature. It holds the password, so it is not kept and
/// never appears in `Debug` or in an error.
///
/// With the `cluster` feature, [`connect_cluster`](Self::connect_cluster)
/// connects to a Redis Cluster instead; the stores keep every multi-key
/// operation in one hash slot.
#[derive(Clone)]
pub struct RedisConnection {
    backend: Backend,
    timeout: Duration,
}

#[derive(Clone)]
enum Backend {
    Single(ConnectionManager),
    #[cfg(feature = "cluster")]
    Cluster(redis::cluster_async::ClusterConnection),
}

impl fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConnection").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl RedisConnection {
    /// Connects to the Redis at `url`, with [`DEFAULT_COMMAND_TIMEOUT`].
    ///
    /// Errors: [`Error::Malformed`] for a URL that does not parse,
    /// [`Error::Unavailable`] when Redis does not answer.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_with_timeout(url, DEFAULT_COMMAND_TIMEOUT).await
    }

    /// [`connect`](Self::connect) with another bound on each command (and
    /// on each connection attempt).
    pub async fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Self, Error> {
        if timeout.is_zero() {
            return Err(Error::Malformed("the command timeout must be above zero"));
        }
        let client = redis::Client::open(url)
            .map_err(|_| Error::Malformed("not a redis:// or rediss:// URL"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_max_delay(timeout);
        let manager = bounded(timeout, ConnectionManager::new_with_config(client, config)).await?;
        Ok(RedisConnection { backend: Backend::Single(manager), timeout })
    }

    /// Connects to a Redis Cluster through any of `nodes` (`redis://` URLs
    /// of its masters), with `timeout` on each command and connection
    /// attempt. Feature `cluster`.
    ///
    /// Errors: [`Error::Malformed`] for a URL that does not parse or a zero
    /// timeout, [`Error::Unavailable`] when the cluster does not answer.
    #[cfg(feature = "cluster")]
    pub async fn connect_cluster(nodes: &[&str], timeout: Duration) -> Result<Self, Error> {
        if timeout.is_zero() {
            return Err(Error::Malformed("the command timeout must be above zero"));
        }
        let mut infos = Vec::with_capacity(nodes.len());
        for node in nodes {
            let info = redis::IntoConnectionInfo::into_connection_info(*node)
                .map_err(|_| Error::Malformed("not a redis:// or rediss:// URL"))?;
            infos.push(info);
        }
        let client = redis::cluster::ClusterClientBuilder::new(infos)
            .connection_timeout(timeout)
            .response_timeout(timeout)
            .retries(2)
            .build()
            .map_err(|_| Error::Malformed("not a usable set of cluster nodes"))?;
        let connection = bounded(timeout, client.get_async_connection()).await?;
        Ok(RedisConnection { backend: Backend::Cluster(connection), timeout })
    }

    /// The bound on each command.
    pub fn command_timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs `cmd`, bounded in time; any failure is [`Error::Unavailable`].
    pub(crate) async fn query<T: redis::FromRedisValue>(
        &self,
        cmd: &redis::Cmd,
    ) -> Result<T, Error> {
        match &self.backend {
            Backend::Single(manager) => {
                let mut manager = manager.clone();
                bounded(self.timeout, cmd.query_async(&mut manager)).await
            }
            #[cfg(feature = "cluster")]
            Backend::Cluster(connection) => {
                let mut connection = connection.clone();
                bounded(self.timeout, cmd.query_async(&mut connection)).await
            }
        }
    }

    /// Runs a Lua `script` on `keys` (all in one hash slot) with `args`,
    /// bounded like [`query`](Self::query).
    pub(crate) async fn eval<T: redis::FromRedisValue>(
        &self,
        script: &str,
        keys: &[&str],
        args: &[&[u8]],
    ) -> Result<T, Error> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(keys.len());
        for key in keys {
            cmd.arg(*key);
        }
        for arg in args {
            cmd.arg(*arg);
        }
        self.query(&cmd).await
    }
}

/// `future`, bounded by `timeout`, its Redis error mapped.
async fn bounded<T>(
    timeout: Duration,
    future: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, Error> {
    match tokio::time::timeout(timeout, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(unavailable(err)),
        Err(_) => Err(Error::unavailable(STORE, Unavailability::Timeout, None)),
    }
}

/// A Redis failure as [`Error::Unavailable`], with what kind it was. The
/// source is kept (redis-rs's errors never hold the URL's password).
pub(crate) fn unavailable(err: redis::RedisError) -> Error {
    let reason = if err.is_timeout() {
        Unavailability::Timeout
    } else if err.is_connection_refusal() {
        Unavailability::Connect
    } else if err.is_io_error() || err.is_connection_dropped() {
        Unavailability::Transport
    } else {
        Unavailability::Store
    };
    Error::unavailable(STORE, reason, Some(Arc::new(err)))
}
