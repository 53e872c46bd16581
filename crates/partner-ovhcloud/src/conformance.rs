//! The conformance suite of this crate (feature `conformance`): the kinds
//! `request-signature` and `verify-signature` of docs/conformance.md.

use std::time::Duration;

use partner_core::conformance::{Input, KindSpec, Output, RunError, Suite};
use partner_core::{AcceptancePolicy, ErrorKind, Freshness, UnixTime};
use serde_json::json;

use crate::{
    ApplicationSecret, ConsumerKey, PROVIDER, SignatureHeaders, SignedRequest, default_policy,
    sign, verify,
};

/// The kinds of OVHcloud vectors, with their input and expect fields.
const KINDS: &[KindSpec] = &[
    KindSpec::new(
        "request-signature",
        &["application_secret", "consumer_key", "method", "url", "body", "timestamp"],
        &["signature"],
    ),
    KindSpec::new(
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
];

/// Runs OVHcloud vectors with this crate's implementation.
///
/// ```
/// use partner_core::conformance::{Suite, run_text};
/// use partner_ovhcloud::conformance::ConformanceSuite;
///
/// let file = r#"{"format": 1, "provider": "ovhcloud", "kind": "request-signature", "source": "python-ovh",
///   "cases": [{"name": "get", "input": {"application_secret": "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk",
///     "consumer_key": "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY", "method": "GET",
///     "url": "https://eu.api.ovh.com/1.0/auth", "body": "", "timestamp": 1457018875},
///     "expect": {"signature": "$1$e9556054b6309771395efa467c22e627407461ad"}}]}"#;
/// let report = run_text("request-signature.json".as_ref(), file, &[&ConformanceSuite]).unwrap();
/// assert_eq!((report.passed(), report.failed()), (1, 0));
/// assert_eq!(ConformanceSuite.provider(), "ovhcloud");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ConformanceSuite;

impl Suite for ConformanceSuite {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn run(&self, kind: &str, input: &Input<'_>) -> Result<Output, RunError> {
        let app_secret = ApplicationSecret::new(input.str("application_secret")?)?;
        let consumer_key = ConsumerKey::new(input.str("consumer_key")?)?;
        let (method, url, body) = (input.str("method")?, input.str("url")?, input.str("body")?);
        let request = SignedRequest { method, url, body: body.as_bytes() };
        let timestamp = UnixTime::from_secs(input.int("timestamp")?);
        match kind {
            "request-signature" => {
                let signature = sign(&app_secret, &consumer_key, &request, timestamp);
                Ok(Output::from_iter([("signature".to_owned(), json!(signature.as_str()))]))
            }
            "verify-signature" => {
                let policy = match input.opt_int("max_skew_secs")? {
                    None => default_policy(),
                    Some(n) => {
                        let skew = Duration::from_secs(
                            u64::try_from(n).map_err(|_| RunError::Kind(ErrorKind::Malformed))?,
                        );
                        AcceptancePolicy::new(Freshness::new(skew, skew))
                    }
                };
                let headers = SignatureHeaders { timestamp, signature: input.str("signature")? };
                let now = UnixTime::from_secs(input.int("now")?);
                verify(&app_secret, &consumer_key, &request, &headers, now, &policy)?;
                Ok(Output::from_iter([("ok".to_owned(), json!(true))]))
            }
            _ => Err(RunError::UnsupportedKind),
        }
    }
}
