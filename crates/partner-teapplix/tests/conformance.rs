//! The repository's Teapplix vectors, run with this crate's suite.
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;

use partner_core::conformance::run_dirs;
use partner_teapplix::conformance::ConformanceSuite;

#[test]
fn every_teapplix_vector_passes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    let dirs = [root.join("teapplix"), root.join("examples/teapplix")];
    let report = run_dirs(&dirs, Some("teapplix"), &[&ConformanceSuite]).unwrap();
    let failures: Vec<String> =
        report.failures().map(|(case, why)| format!("{case:?}: {why:?}")).collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(report.passed() >= 10, "only {} cases ran", report.passed());
}
