//! The workspace's Blendr conformance vectors (`tests/vectors/blendr`), run
//! through this crate's suite: the same run as `cargo xtask conformance
//! --provider blendr`, without building the other crates.
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use partner_blendr::conformance::ConformanceSuite;
use partner_core::conformance::{Suite, run_dirs};

#[test]
fn every_blendr_vector_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/blendr");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    let suites: [&dyn Suite; 1] = [&ConformanceSuite];
    let report = run_dirs(&[dir], Some("blendr"), &suites).unwrap();
    let failures: Vec<String> = report
        .failures()
        .map(|(case, f)| {
            format!("{} [{}] expected {} got {}", case.file.display(), case.case, f.expected, f.got)
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every blendr kind of docs/conformance.md has cases here.
    let kinds: Vec<(String, String)> = report.tallies().into_keys().collect();
    for kind in ["sso-hash", "sso-link", "sso-verify", "sso-jwt-verify"] {
        assert!(kinds.iter().any(|(_, k)| k == kind), "no {kind} vector");
    }
    assert!(report.passed() >= 40, "only {} cases", report.passed());
}
