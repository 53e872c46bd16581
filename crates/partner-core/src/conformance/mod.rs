//! Conformance vectors, format 1 (feature `conformance`).
//!
//! The types of the format that the repository's
//! [`docs/conformance.md`](https://github.com/partner-integrations/partner-rs/blob/main/docs/conformance.md)
//! describes, the [`Suite`] trait each provider crate implements (its name,
//! its kinds with their input and expect fields, and how to run a case), and
//! the runner behind `cargo xtask conformance` and the `partner-tests` test
//! that runs the same vectors under `cargo test`. This module names no
//! provider: a new provider brings its own suite.
//!
//! The runner never skips: a provider without a suite, a kind its suite
//! does not declare, an unknown input or expect field is a failed case.
//!
//! ```
//! use partner_core::conformance::{Input, KindSpec, Output, RunError, Suite, run_text};
//! use partner_core::crypto::hmac_sha256;
//! use partner_core::encoding::hex_encode;
//! use serde_json::json;
//!
//! struct Example;
//! impl Suite for Example {
//!     fn provider(&self) -> &'static str { "example" }
//!     fn kinds(&self) -> &'static [KindSpec] {
//!         const KINDS: &[KindSpec] = &[KindSpec::new("hmac", &["key", "message"], &["tag"])];
//!         KINDS
//!     }
//!     fn run(&self, kind: &str, input: &Input<'_>) -> Result<Output, RunError> {
//!         match kind {
//!             "hmac" => {
//!                 let tag = hmac_sha256(input.str("key")?.as_bytes(), input.str("message")?.as_bytes());
//!                 Ok(Output::from_iter([("tag".to_owned(), json!(hex_encode(tag)))]))
//!             }
//!             _ => Err(RunError::UnsupportedKind),
//!         }
//!     }
//! }
//!
//! let file = r#"{"format": 1, "provider": "example", "kind": "hmac", "source": "RFC 4231 test case 2",
//!   "cases": [{"name": "rfc4231-2", "input": {"key": "Jefe", "message": "what do ya want for nothing?"},
//!     "expect": {"tag": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"}}]}"#;
//! let report = run_text("hmac.json".as_ref(), file, &[&Example]).unwrap();
//! assert_eq!((report.passed(), report.failed()), (1, 0));
//! ```

mod report;
mod runner;

use serde_json::{Map, Value};

use crate::{ErrorKind, HasErrorKind};

pub use report::{CaseReport, Failure, Report, Tally};
pub use runner::{LoadError, run_dirs, run_file, run_text, run_value, vector_files};

/// The only format version this runner reads.
pub const FORMAT_VERSION: u64 = 1;

/// The fields a suite returns for a successful case.
pub type Output = Map<String, Value>;

/// One kind of a provider's suite: which input and expect fields it knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KindSpec {
    /// The kind's name, for example `"launch-url"`.
    pub kind: &'static str,
    /// Every input field the kind knows, required or optional.
    pub inputs: &'static [&'static str],
    /// Every success field the kind may expect.
    pub expects: &'static [&'static str],
}

impl KindSpec {
    /// A kind with its input and expect fields.
    pub const fn new(
        kind: &'static str,
        inputs: &'static [&'static str],
        expects: &'static [&'static str],
    ) -> Self {
        KindSpec { kind, inputs, expects }
    }
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

/// A provider's conformance suite: its name, its kinds, and how to run a
/// case. Each provider crate implements it (feature `conformance`); the
/// runner is handed every suite.
pub trait Suite: Send + Sync {
    /// The provider name used in vector files (`"example"`).
    fn provider(&self) -> &'static str;

    /// Every kind of this provider, with its input and expect fields.
    fn kinds(&self) -> &'static [KindSpec];

    /// The spec of `kind`, when this suite declares it.
    fn kind_spec(&self, kind: &str) -> Option<&'static KindSpec> {
        self.kinds().iter().find(|s| s.kind == kind)
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expected_parsing() {
        let spec = KindSpec::new("launch-url", &["signature_key"], &["url"]);
        let parse = |v: Value| Expected::parse(v.as_object().unwrap(), &spec);
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
