//! Reading vector files and running their cases through the suites.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{CaseReport, Expected, FORMAT_VERSION, Failure, Input, Report, RunError, Suite};

/// A vector file or folder that cannot be read: the runner exits 2 for it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("cannot parse {path} as JSON: {source}")]
    Json {
        /// The path.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
}

/// Every `*.json` file under `dir`, recursively, sorted by path.
pub fn vector_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|source| LoadError::Io { path: d.clone(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| LoadError::Io { path: d.clone(), source })?;
            let path = entry.path();
            let file_type =
                entry.file_type().map_err(|source| LoadError::Io { path: path.clone(), source })?;
            if file_type.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads and runs one vector file.
pub fn run_file(path: &Path, suites: &[&dyn Suite]) -> Result<Report, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
    run_text(path, &text, suites)
}

/// Runs every vector file under each of `dirs`, optionally only those of one provider.
pub fn run_dirs(
    dirs: &[PathBuf],
    only: Option<&str>,
    suites: &[&dyn Suite],
) -> Result<Report, LoadError> {
    let mut report = Report::default();
    for dir in dirs {
        for file in vector_files(dir)? {
            let text = std::fs::read_to_string(&file)
                .map_err(|source| LoadError::Io { path: file.clone(), source })?;
            let value: Value = serde_json::from_str(&text)
                .map_err(|source| LoadError::Json { path: file.clone(), source })?;
            if let Some(p) = only {
                if value.get("provider").and_then(Value::as_str) != Some(p) {
                    continue;
                }
            }
            report.extend(run_value(&file, &value, suites));
        }
    }
    Ok(report)
}

/// Runs the vector file whose text is `text`; `path` is only used in the report.
pub fn run_text(path: &Path, text: &str, suites: &[&dyn Suite]) -> Result<Report, LoadError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|source| LoadError::Json { path: path.to_path_buf(), source })?;
    Ok(run_value(path, &value, suites))
}

/// Runs a parsed vector file. A file of the wrong shape is one failed case
/// named `(file)`; it is never skipped.
pub fn run_value(path: &Path, file: &Value, suites: &[&dyn Suite]) -> Report {
    let text = |key: &str| file.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let (provider_name, kind_name) = (text("provider"), text("kind"));
    let report_for = |case: String, failure: Option<Failure>| CaseReport {
        file: path.to_path_buf(),
        provider: provider_name.clone(),
        kind: kind_name.clone(),
        case,
        failure,
    };
    let file_failure = |why: String| Report {
        cases: vec![report_for(
            "(file)".to_owned(),
            Some(Failure { expected: "a format-1 vector file".to_owned(), got: why }),
        )],
    };

    match file.get("format").and_then(Value::as_u64) {
        Some(FORMAT_VERSION) => {}
        Some(other) => return file_failure(format!("format {other}, this runner reads format 1")),
        None => return file_failure("no integer \"format\"".to_owned()),
    }
    let Some(cases) = file.get("cases").and_then(Value::as_array) else {
        return file_failure("no \"cases\" array".to_owned());
    };
    if cases.is_empty() {
        return file_failure("\"cases\" is empty".to_owned());
    }

    // Whatever is wrong with the file's provider or kind fails every case.
    let suite = suites.iter().find(|s| s.provider() == provider_name).copied();

    let mut report = Report::default();
    for (index, case) in cases.iter().enumerate() {
        let name = case
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("#{index}"), str::to_owned);
        let expect_text = case.get("expect").map_or_else(|| "(none)".to_owned(), Value::to_string);
        let failure = run_case(case, &provider_name, &kind_name, suite)
            .err()
            .map(|got| Failure { expected: expect_text, got });
        report.cases.push(report_for(name, failure));
    }
    report
}

fn run_case(
    case: &Value,
    provider_name: &str,
    kind_name: &str,
    suite: Option<&dyn Suite>,
) -> Result<(), String> {
    let provider = provider_name;
    let suite = suite.ok_or_else(|| format!("no suite for provider {provider:?}"))?;
    let spec = suite
        .kind_spec(kind_name)
        .ok_or_else(|| format!("unknown kind {kind_name:?} for provider {provider}"))?;
    let input =
        case.get("input").and_then(Value::as_object).ok_or("case has no \"input\" object")?;
    if let Some(unknown) = input.keys().find(|k| !spec.inputs.contains(&k.as_str())) {
        return Err(format!("unknown input field {unknown:?} for kind {kind_name}"));
    }
    let expect =
        case.get("expect").and_then(Value::as_object).ok_or("case has no \"expect\" object")?;
    let expected = Expected::parse(expect, spec)?;

    let outcome = suite.run(kind_name, &Input::new(input));
    match (expected, outcome) {
        (_, Err(RunError::UnsupportedKind)) => {
            Err(format!("the {provider} suite does not implement kind {kind_name}"))
        }
        (Expected::Error(want), Err(RunError::Kind(got))) if want == got => Ok(()),
        (_, Err(RunError::Kind(got))) => Err(format!("error: {got}")),
        (Expected::Error(_), Ok(output)) => Err(Value::Object(output).to_string()),
        (Expected::Success(want), Ok(output)) => {
            if want.iter().all(|(k, v)| output.get(k) == Some(v)) {
                Ok(())
            } else {
                Err(Value::Object(output).to_string())
            }
        }
    }
}
