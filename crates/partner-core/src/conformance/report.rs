//! What a run reports: per case, and counted per provider and kind.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

/// The result of one case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CaseReport {
    /// The vector file.
    pub file: PathBuf,
    /// The provider named in the file (as written, even if unknown).
    pub provider: String,
    /// The kind named in the file (as written, even if unknown).
    pub kind: String,
    /// The case name.
    pub case: String,
    /// `None` when the case passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

impl CaseReport {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// Why a case failed: what the vector expected and what the run produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Failure {
    /// The expectation, as compact JSON.
    pub expected: String,
    /// What happened instead: the output as compact JSON, `error: <kind>`,
    /// or why the case could not run.
    pub got: String,
}

/// Pass and fail counts of one provider and kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
}

/// The results of a run over one or more vector files.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// Every case, in file order.
    pub cases: Vec<CaseReport>,
}

impl Report {
    /// Number of cases that passed.
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed()).count()
    }

    /// Number of cases that failed.
    pub fn failed(&self) -> usize {
        self.cases.len() - self.passed()
    }

    /// The failed cases.
    pub fn failures(&self) -> impl Iterator<Item = (&CaseReport, &Failure)> {
        self.cases.iter().filter_map(|c| c.failure.as_ref().map(|f| (c, f)))
    }

    /// Counts per (provider, kind), sorted.
    pub fn tallies(&self) -> BTreeMap<(String, String), Tally> {
        let mut out: BTreeMap<(String, String), Tally> = BTreeMap::new();
        for c in &self.cases {
            let t = out.entry((c.provider.clone(), c.kind.clone())).or_default();
            if c.passed() {
                t.passed += 1;
            } else {
                t.failed += 1;
            }
        }
        out
    }

    /// Appends another report.
    pub fn extend(&mut self, other: Report) {
        self.cases.extend(other.cases);
    }
}
