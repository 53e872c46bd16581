//! Conformance vectors, format 1 (feature `conformance`).
//!
//! The types of the format that the repository's
//! [`docs/conformance.md`](https://github.com/partner-integrations/partner-rs/blob/main/docs/conformance.md)
//! describes, the table of its kinds with their input and expect fields, the
//! [`Suite`] trait each provider crate implements, and the runner behind
//! `cargo xtask conformance` and the `partner-tests` test that runs the same
//! vectors under `cargo test`.
//!
//! The runner never skips: an unknown provider, an unknown kind, an unknown
//! input or expect field, or a provider without a suite is a failed case.
//!
//! ```
//! use partner_core::conformance::{Input, Output, Provider, RunError, Suite, run_text};
//! use partner_core::crypto::hmac_sha256;
//! use partner_core::encoding::hex_encode;
//! use serde_json::json;
//!
//! struct Teapplix;
//! impl Suite for Teapplix {
//!     fn provider(&self) -> Provider { Provider::Teapplix }
//!     fn run(&self, kind: &str, input: &Input<'_>) -> Result<Output, RunError> {
//!         match kind {
//!             "launch-signature" => {
//!                 let tag = hmac_sha256(input.str("signature_key")?.as_bytes(), input.str("uri")?.as_bytes());
//!                 Ok(Output::from_iter([("signature".to_owned(), json!(hex_encode(tag)))]))
//!             }
//!             _ => Err(RunError::UnsupportedKind),
//!         }
//!     }
//! }
//!
//! let file = r#"{"format": 1, "provider": "teapplix", "kind": "launch-signature", "source": "Teapplix auto-login docs",
//!   "cases": [{"name": "docs", "input": {"signature_key": "Signature Key",
//!     "uri": "/h/demo2/te/lo.cgi?Action=Launch&pt=AccessToken&ts=unixtimestamp"},
//!     "expect": {"signature": "e8a074d2b4c3aa5df9427ea0511776eb36d9976adeacf7283e97c57404a97792"}}]}"#;
//! let report = run_text("launch-signature.json".as_ref(), file, &[&Teapplix]).unwrap();
//! assert_eq!((report.passed(), report.failed()), (1, 0));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{ErrorKind, HasErrorKind};

/// The only format version this runner reads.
pub const FORMAT_VERSION: u64 = 1;

/// The fields a suite returns for a successful case.
pub type Output = Map<String, Value>;

/// The five platforms of format 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Provider {
    /// Cloud 66.
    Cloud66,
    /// OVHcloud.
    Ovhcloud,
    /// Blendr.io.
    Blendr,
    /// Cheetah CES (Stellar).
    Cheetah,
    /// Teapplix.
    Teapplix,
}

impl Provider {
    /// Every provider, in the order of the format's description.
    pub const ALL: [Provider; 5] = [
        Provider::Cloud66,
        Provider::Ovhcloud,
        Provider::Blendr,
        Provider::Cheetah,
        Provider::Teapplix,
    ];

    /// The name used in vector files.
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::Cloud66 => "cloud66",
            Provider::Ovhcloud => "ovhcloud",
            Provider::Blendr => "blendr",
            Provider::Cheetah => "cheetah",
            Provider::Teapplix => "teapplix",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of the five providers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider (expected one of cloud66, ovhcloud, blendr, cheetah, teapplix)")]
pub struct UnknownProvider;

impl FromStr for Provider {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL.into_iter().find(|p| p.as_str() == s).ok_or(UnknownProvider)
    }
}

/// One kind of format 1: which input and expect fields it knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KindSpec {
    /// The provider the kind belongs to.
    pub provider: Provider,
    /// The kind's name, for example `"launch-url"`.
    pub kind: &'static str,
    /// Every input field the kind knows, required or optional.
    pub inputs: &'static [&'static str],
    /// Every success field the kind may expect.
    pub expects: &'static [&'static str],
}

const fn spec(
    provider: Provider,
    kind: &'static str,
    inputs: &'static [&'static str],
    expects: &'static [&'static str],
) -> KindSpec {
    KindSpec { provider, kind, inputs, expects }
}

/// Every kind of format 1, as `docs/conformance.md` lists them.
pub const KINDS: &[KindSpec] = &[
    spec(
        Provider::Ovhcloud,
        "request-signature",
        &["application_secret", "consumer_key", "method", "url", "body", "timestamp"],
        &["signature"],
    ),
    spec(
        Provider::Ovhcloud,
        "verify-signature",
        &[
            "application_secret",
            "consumer_key",
            "method",
            "url",
            "body",
            "timestamp",
            "signature",
            "now",
            "max_skew_secs",
        ],
        &["ok"],
    ),
    spec(Provider::Blendr, "sso-hash", &["api_key", "query"], &["hash"]),
    spec(Provider::Blendr, "sso-link", &["api_key", "base_url", "params", "timestamp"], &["url"]),
    spec(
        Provider::Blendr,
        "sso-verify",
        &["api_key", "query", "now", "max_age_secs", "max_skew_secs"],
        &["params"],
    ),
    spec(
        Provider::Blendr,
        "sso-jwt-verify",
        &["api_key", "jwt", "now", "max_age_secs", "max_skew_secs"],
        &["claims"],
    ),
    spec(Provider::Teapplix, "launch-signature", &["signature_key", "uri"], &["signature"]),
    spec(
        Provider::Teapplix,
        "launch-url",
        &["signature_key", "base_url", "client_vhost", "access_token", "ts"],
        &["url"],
    ),
    spec(
        Provider::Teapplix,
        "launch-verify",
        &["signature_key", "url", "now", "max_age_secs", "max_skew_secs"],
        &["client_vhost", "access_token", "ts"],
    ),
    spec(
        Provider::Cloud66,
        "multipass-encode",
        &["scheme", "uid", "site_key", "api_key", "payload_json"],
        &["multipass", "signature"],
    ),
    spec(
        Provider::Cloud66,
        "multipass-decode",
        &[
            "scheme",
            "uid",
            "site_key",
            "api_key",
            "multipass",
            "signature",
            "now",
            "allow_missing_expiry",
            "max_skew_secs",
        ],
        &["payload"],
    ),
    spec(
        Provider::Cloud66,
        "link-redirect",
        &["url", "allowed_callback_hosts"],
        &["uid", "email", "callback"],
    ),
    spec(Provider::Cheetah, "member-state-script", &["state"], &["state"]),
    spec(
        Provider::Cheetah,
        "token-response",
        &["status", "body"],
        &["access_token", "token_type", "expires_in"],
    ),
    spec(
        Provider::Cheetah,
        "sso-response",
        &["status", "body"],
        &["member_id", "integration_id", "access_token", "refresh_token"],
    ),
];

/// The spec of `kind` for `provider`, if format 1 defines it.
pub fn kind_spec(provider: Provider, kind: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|s| s.provider == provider && s.kind == kind)
}

/// Why a suite produced no output for a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunError {
    /// The operation failed with this error kind (compared with `{"error": ...}`).
    Kind(ErrorKind),
    /// The suite does not implement this kind (a failure, never a skip).
    UnsupportedKind,
}

impl<E: HasErrorKind> From<E> for RunError {
    fn from(err: E) -> Self {
        RunError::Kind(err.error_kind())
    }
}

/// A provider's implementation of its kinds, called once per case.
pub trait Suite: Send + Sync {
    /// The provider whose vectors this suite runs.
    fn provider(&self) -> Provider;

    /// Runs one case of `kind`. Input fields are already checked against the
    /// kind's spec (no unknown names); a missing or mistyped field is the
    /// suite's to report, as [`ErrorKind::Malformed`] (the accessors of
    /// [`Input`] do that).
    fn run(&self, kind: &str, input: &Input<'_>) -> Result<Output, RunError>;
}

/// The input object of a case, with typed accessors that turn a missing or
/// mistyped field into [`ErrorKind::Malformed`].
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    fields: &'a Map<String, Value>,
}

impl<'a> Input<'a> {
    /// Wraps an input object.
    pub fn new(fields: &'a Map<String, Value>) -> Self {
        Input { fields }
    }

    /// The raw value of a field.
    pub fn value(&self, name: &str) -> Option<&'a Value> {
        self.fields.get(name)
    }

    /// A required string.
    pub fn str(&self, name: &str) -> Result<&'a str, ErrorKind> {
        self.opt_str(name)?.ok_or(ErrorKind::Malformed)
    }

    /// An optional string (`null` counts as absent).
    pub fn opt_str(&self, name: &str) -> Result<Option<&'a str>, ErrorKind> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ErrorKind::Malformed),
        }
    }

    /// A required integer.
    pub fn int(&self, name: &str) -> Result<i64, ErrorKind> {
        self.opt_int(name)?.ok_or(ErrorKind::Malformed)
    }

    /// An optional integer (`null` counts as absent).
    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, ErrorKind> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or(ErrorKind::Malformed),
        }
    }

    /// An optional boolean (`null` counts as absent).
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, ErrorKind> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or(ErrorKind::Malformed),
        }
    }

    /// A required array of strings.
    pub fn str_list(&self, name: &str) -> Result<Vec<&'a str>, ErrorKind> {
        let items = self.fields.get(name).and_then(Value::as_array).ok_or(ErrorKind::Malformed)?;
        items.iter().map(|v| v.as_str().ok_or(ErrorKind::Malformed)).collect()
    }

    /// A required array of `[name, value]` string pairs.
    pub fn pairs(&self, name: &str) -> Result<Vec<(&'a str, &'a str)>, ErrorKind> {
        let items = self.fields.get(name).and_then(Value::as_array).ok_or(ErrorKind::Malformed)?;
        items
            .iter()
            .map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([Value::String(k), Value::String(v)]) => Ok((k.as_str(), v.as_str())),
                _ => Err(ErrorKind::Malformed),
            })
            .collect()
    }

    /// A required JSON object.
    pub fn object(&self, name: &str) -> Result<&'a Map<String, Value>, ErrorKind> {
        self.fields.get(name).and_then(Value::as_object).ok_or(ErrorKind::Malformed)
    }
}

/// What a case expects.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// These fields, each compared exactly with the suite's output.
    Success(Output),
    /// This error kind.
    Error(ErrorKind),
}

impl Expected {
    /// Reads an `expect` object against the kind's spec.
    pub fn parse(expect: &Map<String, Value>, spec: &KindSpec) -> Result<Expected, String> {
        if let Some(error) = expect.get("error") {
            if expect.len() != 1 {
                return Err("expect mixes \"error\" with other fields".to_owned());
            }
            let name = error.as_str().ok_or("expect \"error\" is not a string")?;
            return name
                .parse()
                .map(Expected::Error)
                .map_err(|_| format!("unknown error kind {name:?}"));
        }
        if expect.is_empty() {
            return Err("expect is empty".to_owned());
        }
        if let Some(unknown) = expect.keys().find(|k| !spec.expects.contains(&k.as_str())) {
            return Err(format!("unknown expect field {unknown:?} for kind {}", spec.kind));
        }
        Ok(Expected::Success(expect.clone()))
    }
}

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
    only: Option<Provider>,
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
                if value.get("provider").and_then(Value::as_str) != Some(p.as_str()) {
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
    let provider = provider_name.parse::<Provider>();
    let spec = provider.as_ref().ok().and_then(|p| kind_spec(*p, &kind_name));
    let suite =
        provider.as_ref().ok().and_then(|p| suites.iter().find(|s| s.provider() == *p).copied());

    let mut report = Report::default();
    for (index, case) in cases.iter().enumerate() {
        let name = case
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("#{index}"), str::to_owned);
        let expect_text = case.get("expect").map_or_else(|| "(none)".to_owned(), Value::to_string);
        let failure = run_case(case, &provider_name, &kind_name, spec, suite)
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
    spec: Option<&KindSpec>,
    suite: Option<&dyn Suite>,
) -> Result<(), String> {
    let provider: Provider =
        provider_name.parse().map_err(|_| format!("unknown provider {provider_name:?}"))?;
    let spec = spec.ok_or_else(|| format!("unknown kind {kind_name:?} for provider {provider}"))?;
    let input =
        case.get("input").and_then(Value::as_object).ok_or("case has no \"input\" object")?;
    if let Some(unknown) = input.keys().find(|k| !spec.inputs.contains(&k.as_str())) {
        return Err(format!("unknown input field {unknown:?} for kind {kind_name}"));
    }
    let expect =
        case.get("expect").and_then(Value::as_object).ok_or("case has no \"expect\" object")?;
    let expected = Expected::parse(expect, spec)?;
    let suite = suite.ok_or_else(|| format!("no suite for provider {provider}"))?;

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_is_unique_and_known_by_its_provider() {
        for (i, a) in KINDS.iter().enumerate() {
            assert_eq!(kind_spec(a.provider, a.kind), Some(a));
            assert!(KINDS[i + 1..].iter().all(|b| (a.provider, a.kind) != (b.provider, b.kind)));
        }
        assert_eq!(KINDS.len(), 15);
        assert!(kind_spec(Provider::Teapplix, "sso-hash").is_none());
    }

    #[test]
    fn expected_parsing() {
        let spec = kind_spec(Provider::Teapplix, "launch-url").unwrap();
        let parse = |v: Value| Expected::parse(v.as_object().unwrap(), spec);
        assert_eq!(parse(json!({"error": "expired"})), Ok(Expected::Error(ErrorKind::Expired)));
        assert!(parse(json!({"error": "Expired"})).unwrap_err().contains("unknown error kind"));
        assert!(parse(json!({"error": "expired", "url": "x"})).is_err());
        assert!(parse(json!({})).unwrap_err().contains("empty"));
        assert!(parse(json!({"uri": "x"})).unwrap_err().contains("unknown expect field \"uri\""));
        assert!(matches!(parse(json!({"url": "x"})), Ok(Expected::Success(_))));
    }

    #[test]
    fn input_accessors_report_malformed() {
        let v = json!({"s": "x", "n": 5, "b": true, "l": ["a"], "p": [["a", "b"]], "bad": [["a"]], "z": null});
        let input = Input::new(v.as_object().unwrap());
        assert_eq!(input.str("s"), Ok("x"));
        assert_eq!(input.str("n"), Err(ErrorKind::Malformed));
        assert_eq!(input.str("missing"), Err(ErrorKind::Malformed));
        assert_eq!(input.opt_str("z"), Ok(None));
        assert_eq!(input.int("n"), Ok(5));
        assert_eq!(input.int("s"), Err(ErrorKind::Malformed));
        assert_eq!(input.opt_bool("b"), Ok(Some(true)));
        assert_eq!(input.str_list("l"), Ok(vec!["a"]));
        assert_eq!(input.pairs("p"), Ok(vec![("a", "b")]));
        assert_eq!(input.pairs("bad"), Err(ErrorKind::Malformed));
        assert!(input.object("s").is_err());
    }
}
