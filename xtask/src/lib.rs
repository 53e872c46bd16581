//! The workspace's automation, as a library so that `partner-tests` runs the
//! same conformance run under `cargo test` as `cargo xtask conformance`.

pub mod bench;
pub mod conformance;
pub mod load;
pub mod peers;
pub mod suite;

/// The workspace's target directory (`CARGO_TARGET_DIR` when set).
pub fn target_dir() -> std::path::PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target"),
    }
}

/// The workspace's root directory.
pub fn workspace_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}
