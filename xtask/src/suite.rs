//! `cargo xtask test`: every part of the test suite with its peers, counted
//! the same way: the workspace's tests with the ignored ones included, the
//! conformance vectors, and the interop suite.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a console runner

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::peers::Peers;

/// What one part of the suite counted.
#[derive(Debug, Clone, Default)]
pub struct Part {
    /// Its name.
    pub name: &'static str,
    /// Checks passed.
    pub passed: u64,
    /// Checks failed (a part that could not run counts one).
    pub failed: u64,
    /// Checks ignored (always 0 when peers are provisioned).
    pub ignored: u64,
    /// Seconds it took.
    pub seconds: f64,
}

impl Part {
    /// `name: N passed, M failed, K ignored (S s)`.
    pub fn line(&self) -> String {
        format!(
            "{}: {} passed, {} failed, {} ignored ({:.1} s)",
            self.name, self.passed, self.failed, self.ignored, self.seconds
        )
    }
}

/// The counts of a libtest summary line
/// (`test result: ok. 12 passed; 0 failed; 1 ignored; ...`).
pub fn parse_test_result(line: &str) -> Option<(u64, u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let count = |label: &str| -> Option<u64> {
        rest.split(';').find_map(|part| {
            part.trim().strip_suffix(label)?.trim().rsplit(' ').next()?.parse().ok()
        })
    };
    Some((count(" passed")?, count(" failed")?, count(" ignored")?))
}

/// Runs `cmd`, echoing its standard output, and hands each line to `seen`.
fn stream(
    cmd: &mut Command,
    mut seen: impl FnMut(&str),
) -> std::io::Result<std::process::ExitStatus> {
    let mut child = cmd.stdout(Stdio::piped()).spawn()?;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line?;
            println!("{line}");
            seen(&line);
        }
    }
    child.wait()
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The workspace's tests, ignored ones included, with the peers' environment.
pub fn workspace_tests(workspace: &Path, peers: &Peers) -> Part {
    let started = Instant::now();
    let mut part = Part { name: "cargo test (ignored included)", ..Part::default() };
    let mut cmd = cargo();
    cmd.current_dir(workspace)
        .args([
            "test",
            "--workspace",
            "--all-features",
            "--locked",
            "--no-fail-fast",
            "--",
            "--include-ignored",
        ])
        .envs(peers.env());
    let status = stream(&mut cmd, |line| {
        if let Some((p, f, i)) = parse_test_result(line) {
            part.passed += p;
            part.failed += f;
            part.ignored += i;
        }
    });
    // A build failure or a crashed test binary prints no summary line.
    if !status.is_ok_and(|s| s.success()) && part.failed == 0 {
        part.failed = 1;
    }
    part.seconds = started.elapsed().as_secs_f64();
    part
}

/// The conformance vectors under `tests/vectors`, as `cargo xtask conformance` runs them.
pub fn conformance() -> Part {
    let started = Instant::now();
    let mut part = Part { name: "conformance vectors", ..Part::default() };
    match crate::conformance::run(&[crate::conformance::default_vectors_dir()], None) {
        Ok(report) if !report.cases.is_empty() => {
            part.failed = report.failed() as u64;
            part.passed = report.passed() as u64;
            for (case, failure) in report.failures() {
                println!(
                    "FAIL conformance {} [{}] expected: {} got: {}",
                    case.file.display(),
                    case.case,
                    failure.expected,
                    failure.got
                );
            }
        }
        Ok(_) => {
            println!("FAIL conformance: no vector files found");
            part.failed = 1;
        }
        Err(err) => {
            println!("FAIL conformance: {err}");
            part.failed = 1;
        }
    }
    part.seconds = started.elapsed().as_secs_f64();
    part
}

/// The interpreter of an interop script, by its extension.
fn interpreter(script: &Path, peers: &Peers) -> Option<PathBuf> {
    match script.extension()?.to_str()? {
        "py" => Some(peers.python.clone()),
        "js" => Some(PathBuf::from("node")),
        "php" => Some(PathBuf::from("php")),
        _ => None,
    }
}

/// Every script in `tests/interop` (see its README for the contract): one
/// check per `ok   ` or `FAIL ` line; a script that exits non-zero without
/// a `FAIL` line counts one failure.
pub fn interop(workspace: &Path, partner: &Path, peers: &Peers) -> Part {
    let started = Instant::now();
    let mut part = Part { name: "interop", ..Part::default() };
    let dir = workspace.join("tests").join("interop");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    scripts.retain(|s| interpreter(s, peers).is_some());
    scripts.sort();
    if scripts.is_empty() {
        println!("FAIL interop: no scripts in {}", dir.display());
        part.failed = 1;
    }
    for script in scripts {
        let Some(interpreter) = interpreter(&script, peers) else { continue };
        println!("--- {}", script.display());
        let (mut passed, mut failed) = (0, 0);
        let mut cmd = Command::new(interpreter);
        cmd.arg(&script).current_dir(&dir).env("PARTNER", partner).envs(peers.env());
        let status = stream(&mut cmd, |line| {
            if line.starts_with("ok ") {
                passed += 1;
            } else if line.starts_with("FAIL") {
                failed += 1;
            }
        });
        if !status.is_ok_and(|s| s.success()) && failed == 0 {
            println!("FAIL {} exited without passing", script.display());
            failed = 1;
        }
        part.passed += passed;
        part.failed += failed;
    }
    part.seconds = started.elapsed().as_secs_f64();
    part
}

#[cfg(test)]
mod tests {
    use super::parse_test_result;

    #[test]
    fn libtest_summaries_are_counted() {
        let line = "test result: ok. 31 passed; 2 failed; 3 ignored; 0 measured; 0 filtered out; finished in 0.13s";
        assert_eq!(parse_test_result(line), Some((31, 2, 3)));
        assert_eq!(
            parse_test_result("test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured"),
            Some((0, 1, 0))
        );
        assert_eq!(parse_test_result("test foo ... ok"), None);
    }
}
