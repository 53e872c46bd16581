//! The conformance suite of this crate (feature `conformance`): the kinds
//! `launch-signature`, `launch-url` and `launch-verify` of docs/conformance.md.

use std::time::Duration;

use partner_core::conformance::{Input, KindSpec, Output, RunError, Suite};
use partner_core::{AcceptancePolicy, BaseUrl, ErrorKind, Freshness, UnixTime};
use serde_json::json;

use crate::{
    ClientVhost, DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW, LaunchSigner, LaunchVerifier, PROVIDER,
};

/// The kinds of Teapplix vectors, with their input and expect fields.
pub const KINDS: &[KindSpec] = &[
    KindSpec::new("launch-signature", &["signature_key", "uri"], &["signature"]),
    KindSpec::new(
        "launch-url",
        &["signature_key", "base_url", "client_vhost", "access_token", "ts"],
        &["url"],
    ),
    KindSpec::new(
        "launch-verify",
        &["signature_key", "url", "now", "max_age_secs", "max_skew_secs"],
        &["client_vhost", "access_token", "ts"],
    ),
];

/// Runs Teapplix vectors with this crate's implementation.
///
/// ```
/// use partner_core::conformance::Suite;
/// use partner_teapplix::conformance::ConformanceSuite;
///
/// assert_eq!(ConformanceSuite.provider(), "teapplix");
/// assert!(ConformanceSuite.kind_spec("launch-verify").is_some());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ConformanceSuite;

fn secs(input: &Input<'_>, name: &str, default: Duration) -> Result<Duration, RunError> {
    match input.opt_int(name)? {
        None => Ok(default),
        Some(n) => u64::try_from(n)
            .map(Duration::from_secs)
            .map_err(|_| RunError::Kind(ErrorKind::Malformed)),
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
        let key = input.str("signature_key")?;
        match kind {
            "launch-signature" => {
                let signature = LaunchSigner::new(key)?.sign_uri(input.str("uri")?);
                Ok(Output::from_iter([("signature".to_owned(), json!(signature))]))
            }
            "launch-url" => {
                let base = input.str("base_url")?;
                let vhost = input.str("client_vhost")?;
                let token = input.str("access_token")?;
                let ts = UnixTime::from_secs(input.int("ts")?);
                let vhost = ClientVhost::new(vhost)?;
                let signer = LaunchSigner::new(key)?.with_base_url(BaseUrl::parse(base)?);
                let url = signer.launch_url(&vhost, token, ts);
                Ok(Output::from_iter([("url".to_owned(), json!(url.as_str()))]))
            }
            "launch-verify" => {
                let url = input.str("url")?;
                let now = UnixTime::from_secs(input.int("now")?);
                let max_age = secs(input, "max_age_secs", DEFAULT_MAX_AGE)?;
                let max_skew = secs(input, "max_skew_secs", DEFAULT_MAX_SKEW)?;
                let policy = AcceptancePolicy::new(Freshness::new(max_age, max_skew));
                let launch =
                    LaunchVerifier::new(key)?.with_policy(policy).verify(url, now)?.accept()?;
                Ok(Output::from_iter([
                    ("client_vhost".to_owned(), json!(launch.client_vhost.as_str())),
                    (
                        "access_token".to_owned(),
                        json!(launch.access_token.expose_str().unwrap_or_default()),
                    ),
                    ("ts".to_owned(), json!(launch.ts.as_secs())),
                ]))
            }
            _ => Err(RunError::UnsupportedKind),
        }
    }
}
