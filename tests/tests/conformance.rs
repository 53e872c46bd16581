//! The workspace's conformance vectors, run under `cargo test` exactly as
//! `cargo xtask conformance` runs them, and tests of the harness itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::{Path, PathBuf};

use partner_core::conformance::{
    Input, KindSpec, Output, Report, RunError, Suite, run_dirs, run_text,
};
use partner_core::crypto::hmac_sha256;
use partner_core::encoding::hex_encode;
use serde_json::json;

#[test]
fn workspace_vectors_all_pass() {
    let report = xtask::conformance::run(&[xtask::conformance::default_vectors_dir()], None)
        .expect("tests/vectors is readable");
    let failures: Vec<String> = report
        .failures()
        .map(|(c, f)| {
            format!("{} [{}]: expected {} got {}", c.file.display(), c.case, f.expected, f.got)
        })
        .collect();
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(report.passed() > 0, "no vectors ran");
}

/// The public example vectors (`tests/vectors/examples`, each citing its
/// public source) all pass, every case counted. `cargo xtask conformance`
/// runs them too, once, as part of `tests/vectors`.
#[test]
fn public_examples_all_pass() {
    let dir = xtask::conformance::default_vectors_dir().join("examples");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    let report =
        xtask::conformance::run(std::slice::from_ref(&dir), None).expect("examples are readable");
    assert_eq!(report.cases.len(), count_cases(&dir));
    let failures: Vec<String> = report
        .failures()
        .map(|(c, f)| format!("{} [{}]: {}", c.file.display(), c.case, f.got))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    // One public example per kind: losing a file would not go unnoticed.
    let tallies = report.tallies();
    for (provider, spec) in every_kind() {
        let key = (provider.to_owned(), spec.kind.to_owned());
        assert!(tallies.contains_key(&key), "no public example for {key:?}");
    }
}

/// Every kind of docs/conformance.md has vectors in tests/vectors, and every provider a suite.
#[test]
fn every_kind_is_covered_by_workspace_vectors() {
    let report =
        xtask::conformance::run(&[xtask::conformance::default_vectors_dir()], None).unwrap();
    let tallies = report.tallies();
    let kinds = every_kind();
    for (provider, spec) in &kinds {
        let key = ((*provider).to_owned(), spec.kind.to_owned());
        let t = tallies.get(&key).unwrap_or_else(|| panic!("no vectors for {key:?}"));
        assert!(t.passed >= 2, "{key:?} has {} passing cases", t.passed);
    }
    // Every vector file names a declared kind: none is left without a suite.
    for (provider, kind) in tallies.keys() {
        assert!(
            kinds.iter().any(|(p, s)| p == provider && s.kind == kind),
            "vectors of {provider}/{kind} have no declared kind"
        );
    }
    assert_eq!(xtask::conformance::suites().len(), 5);
    assert_eq!(kinds.len(), 15, "the kinds of docs/conformance.md");
}

/// (provider, kind) of every suite, each declared once.
fn every_kind() -> Vec<(&'static str, KindSpec)> {
    let mut out: Vec<(&'static str, KindSpec)> = Vec::new();
    for suite in xtask::conformance::suites() {
        for spec in suite.kinds() {
            assert!(
                !out.iter().any(|(p, s)| *p == suite.provider() && s.kind == spec.kind),
                "{} declares {} twice",
                suite.provider(),
                spec.kind
            );
            out.push((suite.provider(), *spec));
        }
    }
    out
}

fn count_cases(dir: &Path) -> usize {
    partner_core::conformance::vector_files(dir)
        .unwrap()
        .iter()
        .map(|f| {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            v["cases"].as_array().unwrap().len()
        })
        .sum()
}

/// A suite written from docs/conformance.md for one kind, to test the harness with.
struct LaunchSignatureOnly;

impl Suite for LaunchSignatureOnly {
    fn provider(&self) -> &'static str {
        "teapplix"
    }
    fn kinds(&self) -> &'static [KindSpec] {
        const KINDS: &[KindSpec] = &[
            KindSpec::new("launch-signature", &["signature_key", "uri"], &["signature"]),
            // Declared but not implemented: `run` answers UnsupportedKind.
            KindSpec::new(
                "launch-url",
                &["signature_key", "base_url", "client_vhost", "access_token", "ts"],
                &["url"],
            ),
        ];
        KINDS
    }
    fn run(&self, kind: &str, input: &Input<'_>) -> Result<Output, RunError> {
        match kind {
            "launch-signature" => {
                let key = input.str("signature_key")?;
                let uri = input.str("uri")?;
                let sig = hex_encode(hmac_sha256(key.as_bytes(), uri.as_bytes()));
                Ok(Output::from_iter([("signature".to_owned(), json!(sig))]))
            }
            _ => Err(RunError::UnsupportedKind),
        }
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/harness")
}

fn run_fixture(name: &str) -> Report {
    let path = fixtures().join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    run_text(&path, &text, &[&LaunchSignatureOnly]).unwrap()
}

fn got_of(report: &Report, case: &str) -> Option<String> {
    let c =
        report.cases.iter().find(|c| c.case == case).unwrap_or_else(|| panic!("no case {case}"));
    c.failure.as_ref().map(|f| f.got.clone())
}

#[test]
fn harness_passes_and_fails_on_values() {
    let r = run_fixture("pass/launch-signature.json");
    assert_eq!((r.passed(), r.failed()), (3, 1), "{r:#?}");
    assert_eq!(got_of(&r, "docs-example"), None);
    assert_eq!(got_of(&r, "missing-uri-is-malformed"), None);
    assert_eq!(got_of(&r, "wrong-error-kind").as_deref(), Some("error: malformed"));
    let tallies = r.tallies();
    let t = tallies[&("teapplix".to_owned(), "launch-signature".to_owned())];
    assert_eq!((t.passed, t.failed), (3, 1));
}

#[test]
fn harness_never_skips_unknown_things() {
    let r = run_fixture("broken/unknown-fields.json");
    assert_eq!(r.passed(), 0);
    assert_eq!(
        got_of(&r, "unknown-input").as_deref(),
        Some("unknown input field \"ur\" for kind launch-signature")
    );
    assert_eq!(
        got_of(&r, "unknown-expect").as_deref(),
        Some("unknown expect field \"sig\" for kind launch-signature")
    );
    assert_eq!(got_of(&r, "unknown-error-kind").as_deref(), Some("unknown error kind \"forged\""));

    let r = run_fixture("broken/unknown-kind.json");
    assert_eq!(
        got_of(&r, "a").as_deref(),
        Some("unknown kind \"launch-uri\" for provider teapplix")
    );
    let r = run_fixture("broken/unknown-provider.json");
    assert_eq!(got_of(&r, "a").as_deref(), Some("no suite for provider \"tea\""));
    let r = run_fixture("broken/no-suite.json");
    assert_eq!(got_of(&r, "a").as_deref(), Some("no suite for provider \"blendr\""));
    let r = run_fixture("broken/unsupported-kind.json");
    assert_eq!(
        got_of(&r, "a").as_deref(),
        Some("the teapplix suite does not implement kind launch-url")
    );
    let r = run_fixture("broken/format-2.json");
    assert_eq!(got_of(&r, "(file)").as_deref(), Some("format 2, this runner reads format 1"));
}

#[test]
fn unreadable_json_is_a_load_error_and_filters_apply() {
    let err = run_text(Path::new("x.json"), "{not json", &[&LaunchSignatureOnly]).unwrap_err();
    assert!(err.to_string().starts_with("cannot parse x.json as JSON"), "{err}");
    assert!(run_dirs(&[fixtures().join("does-not-exist")], None, &[]).is_err());
    let only_blendr =
        run_dirs(&[fixtures().join("pass")], Some("blendr"), &[&LaunchSignatureOnly]).unwrap();
    assert!(only_blendr.cases.is_empty());
    let only_teapplix =
        run_dirs(&[fixtures().join("pass")], Some("teapplix"), &[&LaunchSignatureOnly]).unwrap();
    assert_eq!(only_teapplix.cases.len(), 4);
}
