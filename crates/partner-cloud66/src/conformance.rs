//! The conformance suite of this crate (feature `conformance`): the kinds
//! `multipass-encode`, `multipass-decode` and `link-redirect` of docs/conformance.md.

use std::time::Duration;

use partner_core::conformance::{Input, Output, Provider, RunError, Suite};
use partner_core::{ErrorKind, Secret, UnixTime};
use serde_json::{Value, json};

use crate::{LinkRedirectVerifier, MultipassKeys, MultipassVerifier};

/// Runs Cloud 66 vectors with this crate's implementation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cloud66Suite;

fn keys(input: &Input<'_>) -> Result<MultipassKeys, RunError> {
    match input.str("scheme")? {
        "cloud66" => Ok(MultipassKeys::cloud66(input.str("uid")?)?),
        "entp" => {
            Ok(MultipassKeys::entp(input.str("site_key")?, &Secret::from(input.str("api_key")?))?)
        }
        _ => Err(RunError::Kind(ErrorKind::Malformed)),
    }
}

impl Suite for Cloud66Suite {
    fn provider(&self) -> Provider {
        Provider::Cloud66
    }

    fn run(&self, kind: &str, input: &Input<'_>) -> Result<Output, RunError> {
        match kind {
            "multipass-encode" => {
                let encoded = keys(input)?.encode(input.str("payload_json")?.as_bytes());
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
                let verifier = MultipassVerifier::new(keys(input)?)
                    .allow_missing_expiry(input.opt_bool("allow_missing_expiry")?.unwrap_or(false))
                    .with_max_skew(skew)
                    .with_max_lifetime(Duration::MAX);
                let now = UnixTime::from_secs(input.int("now")?);
                let id =
                    verifier.verify(input.str("multipass")?, input.opt_str("signature")?, now)?;
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
