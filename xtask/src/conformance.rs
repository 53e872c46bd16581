//! `cargo xtask conformance`: runs every vector file through its provider's suite.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use partner_core::conformance::{LoadError, Report, Suite, Tally, run_dirs};
use serde::Serialize;

/// The suites of every provider crate: the one list of providers the
/// conformance runner knows. Each suite names its provider and declares its
/// kinds; a new provider adds its crate's suite here (and nowhere in
/// partner-core). A vector of a provider without a suite fails with "no
/// suite for provider X".
pub fn suites() -> Vec<Box<dyn Suite>> {
    vec![
        Box::new(partner_blendr::conformance::ConformanceSuite),
        Box::new(partner_cheetah::conformance::ConformanceSuite),
        Box::new(partner_cloud66::conformance::ConformanceSuite),
        Box::new(partner_ovhcloud::conformance::ConformanceSuite),
        Box::new(partner_teapplix::conformance::ConformanceSuite),
    ]
}

/// The provider names of [`suites`].
pub fn provider_names() -> Vec<&'static str> {
    suites().iter().map(|s| s.provider()).collect()
}

/// The workspace's own vectors: `tests/vectors`.
pub fn default_vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("tests").join("vectors")
}

/// Runs the vectors under `dirs` through [`suites`].
pub fn run(dirs: &[PathBuf], only: Option<&str>) -> Result<Report, LoadError> {
    let suites = suites();
    let refs: Vec<&dyn Suite> = suites.iter().map(|s| s.as_ref()).collect();
    run_dirs(dirs, only, &refs)
}

/// Writes the human report: a table of (provider, kind, passed, failed),
/// one line per failure, and the final `N passed, M failed` line.
pub fn write_text(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let tallies = report.tallies();
    let pw = tallies.keys().map(|(p, _)| p.len()).chain([8]).max().unwrap_or(8);
    let kw = tallies.keys().map(|(_, k)| k.len()).chain([4]).max().unwrap_or(4);
    writeln!(out, "{:<pw$}  {:<kw$}  {:>6}  {:>6}", "provider", "kind", "passed", "failed")?;
    for ((provider, kind), Tally { passed, failed }) in &tallies {
        writeln!(out, "{provider:<pw$}  {kind:<kw$}  {passed:>6}  {failed:>6}")?;
    }
    if report.failed() > 0 {
        writeln!(out)?;
        writeln!(out, "failures:")?;
        for (case, failure) in report.failures() {
            writeln!(
                out,
                "FAIL {} [{}] expected: {} got: {}",
                case.file.display(),
                case.case,
                failure.expected,
                failure.got
            )?;
        }
    }
    writeln!(out, "{} passed, {} failed", report.passed(), report.failed())
}

#[derive(Serialize)]
struct JsonReport<'a> {
    passed: usize,
    failed: usize,
    kinds: Vec<JsonTally>,
    cases: &'a [partner_core::conformance::CaseReport],
}

#[derive(Serialize)]
struct JsonTally {
    provider: String,
    kind: String,
    passed: usize,
    failed: usize,
}

/// Writes the report as one JSON document.
pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        passed: report.passed(),
        failed: report.failed(),
        kinds: report
            .tallies()
            .into_iter()
            .map(|((provider, kind), t)| JsonTally {
                provider,
                kind,
                passed: t.passed,
                failed: t.failed,
            })
            .collect(),
        cases: &report.cases,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
