#![doc = include_str!("../README.md")]

mod keys;

pub use keys::KeyPrefix;

#[cfg(feature = "tokio")]
mod connection;
#[cfg(feature = "tokio")]
mod replay;

#[cfg(feature = "tokio")]
pub use connection::{DEFAULT_COMMAND_TIMEOUT, RedisConnection};
#[cfg(feature = "tokio")]
pub use replay::RedisReplayStore;

pub use partner_core::replay::{ReplayKey, ReplayStore};
pub use partner_core::{Error, ErrorKind, HasErrorKind, UnixTime};
