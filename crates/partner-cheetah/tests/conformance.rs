//! The repository's Cheetah vectors, run with this crate's suite.
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;

use partner_cheetah::conformance::ConformanceSuite;
use partner_core::conformance::{Suite, run_dirs};

#[test]
fn every_cheetah_vector_passes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    let dirs = [root.join("cheetah"), root.join("examples/cheetah")];
    let report = run_dirs(&dirs, Some("cheetah"), &[&ConformanceSuite]).unwrap();
    let failures: Vec<String> =
        report.failures().map(|(case, why)| format!("{case:?}: {why:?}")).collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(report.passed() >= 20, "only {} cases ran", report.passed());
    let kinds: Vec<&str> = ConformanceSuite.kinds().iter().map(|k| k.kind).collect();
    assert_eq!(kinds, ["member-state-script", "token-response", "sso-response"]);
}
