//! The workspace's automation, as a library so that `partner-tests` runs the
//! same conformance run under `cargo test` as `cargo xtask conformance`.

pub mod bench;
pub mod conformance;
