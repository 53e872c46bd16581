//! The repository's OVHcloud vectors (tests/vectors/ovhcloud and the
//! public examples) through this crate's conformance suite.
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use partner_core::conformance::{Suite, run_file, vector_files};
use partner_ovhcloud::conformance::ConformanceSuite;

#[test]
fn every_ovhcloud_vector_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    let mut files = vector_files(&root.join("ovhcloud")).unwrap();
    files.extend(vector_files(&root.join("examples/ovhcloud")).unwrap());
    assert!(files.len() >= 6, "{files:?}");
    let (mut passed, mut failed) = (0, Vec::new());
    for file in &files {
        let report = run_file(file, &[&ConformanceSuite]).unwrap();
        passed += report.passed();
        failed.extend(
            report.failures().map(|(case, why)| format!("{}: {case:?}: {why:?}", file.display())),
        );
    }
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(passed >= 36, "{passed} cases passed");
}

#[test]
fn the_suite_declares_both_kinds() {
    let kinds: Vec<&str> = ConformanceSuite.kinds().iter().map(|k| k.kind).collect();
    assert_eq!(kinds, ["request-signature", "verify-signature"]);
    assert_eq!(ConformanceSuite.provider(), "ovhcloud");
}
