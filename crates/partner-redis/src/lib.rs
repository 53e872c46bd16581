#![doc = include_str!("../README.md")]

mod keys;

pub use keys::KeyPrefix;

#[cfg(feature = "tokio")]
mod connection;
#[cfg(feature = "tokio")]
mod replay;
#[cfg(feature = "tokio")]
mod seal;
#[cfg(feature = "tokio")]
mod secrets;
#[cfg(feature = "tokio")]
mod token_cache;

#[cfg(feature = "tokio")]
pub use connection::{DEFAULT_COMMAND_TIMEOUT, RedisConnection};
#[cfg(feature = "tokio")]
pub use replay::RedisReplayStore;
#[cfg(feature = "tokio")]
pub use seal::{SealingKey, SealingKeys};
#[cfg(feature = "tokio")]
pub use secrets::RedisSecretStore;
#[cfg(feature = "tokio")]
pub use token_cache::RedisTokenCache;

pub use partner_core::replay::{ReplayKey, ReplayStore};
pub use partner_core::shared::{CacheKey, SharedCache, SharedFlight, SharedOptions, StoreDown};
pub use partner_core::{Error, ErrorKind, HasErrorKind, Secret, UnixTime};
