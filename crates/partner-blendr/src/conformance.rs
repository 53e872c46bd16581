//! The conformance suite of this crate (feature `conformance`): the kinds
//! `sso-hash`, `sso-link`, `sso-verify` and `sso-jwt-verify` of docs/conformance.md.

use std::time::Duration;

use partner_core::conformance::{Input, KindSpec, Output, RunError, Suite};
use partner_core::encoding::form_decode_component;
use partner_core::{AcceptancePolicy, ErrorKind, Freshness, UnixTime};
use serde_json::{Value, json};

use crate::{
    DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW, HashLinkSigner, HashVerifier, JwtVerifier, PROVIDER,
};

/// Runs Blendr vectors with this crate's implementation.
///
/// ```
/// use partner_blendr::conformance::ConformanceSuite;
/// use partner_core::conformance::Suite;
///
/// assert_eq!(ConformanceSuite.provider(), "blendr");
/// assert!(ConformanceSuite.kind_spec("sso-jwt-verify").is_some());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ConformanceSuite;

/// The Blendr kinds of format 1, as docs/conformance.md lists them.
pub const KINDS: &[KindSpec] = &[
    KindSpec::new("sso-hash", &["api_key", "query"], &["hash"]),
    KindSpec::new("sso-link", &["api_key", "base_url", "params", "timestamp"], &["url"]),
    KindSpec::new(
        "sso-verify",
        &["api_key", "query", "now", "max_age_secs", "max_skew_secs"],
        &["params"],
    ),
    KindSpec::new(
        "sso-jwt-verify",
        &["api_key", "jwt", "now", "max_age_secs", "max_skew_secs"],
        &["claims"],
    ),
];

fn secs(input: &Input<'_>, name: &str, default: Duration) -> Result<Duration, RunError> {
    match input.opt_int(name)? {
        None => Ok(default),
        Some(n) => u64::try_from(n)
            .map(Duration::from_secs)
            .map_err(|_| RunError::Kind(ErrorKind::Malformed)),
    }
}

/// Every (decoded) parameter name of a raw query, as the verifier reads them.
fn query_names(query: &str) -> impl Iterator<Item = String> + '_ {
    query.split('&').filter(|s| !s.is_empty()).map(|segment| {
        let raw_name = segment.split_once('=').map_or(segment, |(name, _)| name);
        form_decode_component(raw_name).into_owned()
    })
}

// docs/conformance.md's sso-link and sso-verify kinds test encoding, hashing and
// time; they have no notion of which extra names a partner declares
// non-secret, and their cases carry names such as `x`, `u` or `p0`..`p49`
// and expect success. The allow-list is the caller's declaration, so here
// the caller (this suite) declares every name present in the case's input.

impl Suite for ConformanceSuite {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn run(&self, kind: &str, input: &Input<'_>) -> Result<Output, RunError> {
        let key = input.str("api_key")?;
        match kind {
            "sso-hash" => {
                let hash = HashLinkSigner::new(key)?.hash(input.str("query")?);
                Ok(Output::from_iter([("hash".to_owned(), json!(hash))]))
            }
            "sso-link" => {
                let pairs = input.pairs("params")?;
                let ts = UnixTime::from_secs(input.int("timestamp")?);
                let signer = HashLinkSigner::new(key)?.allow_params(pairs.iter().map(|(k, _)| *k));
                let link = signer.link_to(input.str("base_url")?, &pairs, ts)?;
                Ok(Output::from_iter([("url".to_owned(), json!(link.as_str()))]))
            }
            "sso-verify" | "sso-jwt-verify" => {
                let now = UnixTime::from_secs(input.int("now")?);
                let max_age = secs(input, "max_age_secs", DEFAULT_MAX_AGE)?;
                let max_skew = secs(input, "max_skew_secs", DEFAULT_MAX_SKEW)?;
                let policy = AcceptancePolicy::new(Freshness::new(max_age, max_skew));
                if kind == "sso-verify" {
                    let query = input.str("query")?;
                    let v = HashVerifier::new(key)?
                        .allow_params(query_names(query))
                        .with_policy(policy)
                        .verify(query, now)?
                        .accept()?;
                    let params: Vec<Value> = v.params().map(|(k, v)| json!([k, v])).collect();
                    Ok(Output::from_iter([("params".to_owned(), Value::Array(params))]))
                } else {
                    let v = JwtVerifier::new(key)?
                        .with_policy(policy)
                        .verify(input.str("jwt")?, now)?
                        .accept()?;
                    Ok(Output::from_iter([("claims".to_owned(), Value::Object(v.into_claims()))]))
                }
            }
            _ => Err(RunError::UnsupportedKind),
        }
    }
}
