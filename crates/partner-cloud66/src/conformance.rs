//! The conformance suite of this crate (feature `conformance`): the kinds
//! `multipass-encode`, `multipass-decode` and `link-redirect` of docs/conformance.md.

use std::time::Duration;

use partner_core::conformance::{Input, KindSpec, Output, RunError, Suite};
use partner_core::{AcceptancePolicy, ErrorKind, Freshness, Secret, UnixTime};
use serde_json::{Value, json};

use crate::{LinkRedirectVerifier, MultipassKeys, MultipassSigner, MultipassVerifier, PROVIDER};

/// Runs Cloud 66 vectors with this crate's implementation.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConformanceSuite;

/// The kinds of Cloud 66 vectors, with their input and expect fields.
pub const KINDS: &[KindSpec] = &[
    KindSpec::new(
        "multipass-encode",
        &["scheme", "uid", "site_key", "api_key", "payload_json"],
        &["multipass", "signature"],
    ),
    KindSpec::new(
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
    KindSpec::new(
        "link-redirect",
        &["url", "allowed_callback_hosts"],
        &["uid", "email", "callback"],
    ),
];

fn keys(input: &Input<'_>) -> Result<MultipassKeys, RunError> {
    match input.str("scheme")? {
        "cloud66" => Ok(MultipassKeys::cloud66(input.str("uid")?)?),
        "entp" => {
            Ok(MultipassKeys::entp(input.str("site_key")?, &Secret::from(input.str("api_key")?))?)
        }
        _ => Err(RunError::Kind(ErrorKind::Malformed)),
    }
}

impl Suite for ConformanceSuite {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn run(&self, kind: &str, input: &Input<'_>) -> Result<Output, RunError> {
        match kind {
            "multipass-encode" => {
                let encoded =
                    MultipassSigner::new(keys(input)?).sign(input.str("payload_json")?.as_bytes());
                let mut out =
                    Output::from_iter([("multipass".to_owned(), json!(encoded.multipass))]);
                if let Some(sig) = encoded.signature {
                    out.insert("signature".to_owned(), json!(sig));
                }
                Ok(out)
            }
            "multipass-decode" => {
                let skew = match input.opt_int("max_skew_secs")? {
                    None => crate::multipass::DEFAULT_MAX_SKEW,
                    Some(n) => Duration::from_secs(
                        u64::try_from(n).map_err(|_| RunError::Kind(ErrorKind::Malformed))?,
                    ),
                };
                // docs/conformance.md bounds no lifetime: the cap on `expires` is this
                // library's policy, so the vectors run without it.
                let policy = AcceptancePolicy::new(Freshness::new(Duration::MAX, skew));
                let verifier = MultipassVerifier::new(keys(input)?)
                    .allow_missing_expiry(input.opt_bool("allow_missing_expiry")?.unwrap_or(false))
                    .with_policy(policy);
                let now = UnixTime::from_secs(input.int("now")?);
                let id = verifier
                    .verify(input.str("multipass")?, input.opt_str("signature")?, now)?
                    .accept()?;
                Ok(Output::from_iter([("payload".to_owned(), Value::Object(id.into_payload()))]))
            }
            "link-redirect" => {
                let verifier = LinkRedirectVerifier::with_allowed_hosts(
                    input.str_list("allowed_callback_hosts")?,
                );
                let link = verifier.parse_url(input.str("url")?)?;
                Ok(Output::from_iter([
                    ("uid".to_owned(), json!(link.uid)),
                    ("email".to_owned(), json!(link.email)),
                    ("callback".to_owned(), json!(link.callback.as_str())),
                ]))
            }
            _ => Err(RunError::UnsupportedKind),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use partner_core::conformance::{run_file, vector_files};

    use super::*;

    #[test]
    fn the_workspace_vectors_pass() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
        let mut files = Vec::new();
        for dir in [root.join("cloud66"), root.join("examples/cloud66")] {
            files.extend(vector_files(&dir).unwrap_or_default());
        }
        assert!(files.len() >= 7, "{files:?}");
        let (mut passed, mut failed) = (0, Vec::new());
        for file in &files {
            let report = run_file(file, &[&ConformanceSuite]).map_err(|e| format!("{e:?}"));
            let report = match report {
                Ok(report) => report,
                Err(e) => panic!("{}: {e}", file.display()),
            };
            passed += report.passed();
            failed.extend(report.failures().map(|(case, why)| format!("{case:?}: {why:?}")));
        }
        assert!(failed.is_empty(), "{failed:#?}");
        assert!(passed > 20, "{passed}");
        assert_eq!(ConformanceSuite.provider(), "cloud66");
        assert_eq!(ConformanceSuite.kinds().len(), 3);
    }
}
