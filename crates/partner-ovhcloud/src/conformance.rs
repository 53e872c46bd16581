//! The conformance suite of this crate (feature `conformance`): the kinds
//! `request-signature` and `verify-signature` of docs/conformance.md.

use std::time::Duration;

use partner_core::conformance::{Input, Output, Provider, RunError, Suite};
use partner_core::{ErrorKind, Secret, UnixTime};
use serde_json::json;

use crate::{DEFAULT_MAX_SKEW, SignedRequest, sign, verify};

/// Runs OVHcloud vectors with this crate's implementation.
#[derive(Debug, Clone, Copy, Default)]
pub struct OvhcloudSuite;

impl Suite for OvhcloudSuite {
    fn provider(&self) -> Provider {
        Provider::Ovhcloud
    }

    fn run(&self, kind: &str, input: &Input<'_>) -> Result<Output, RunError> {
        let app_secret = Secret::from(input.str("application_secret")?);
        let consumer_key = Secret::from(input.str("consumer_key")?);
        let (method, url, body) = (input.str("method")?, input.str("url")?, input.str("body")?);
        let timestamp = input.int("timestamp")?;
        match kind {
            "request-signature" => {
                let signature =
                    sign(&app_secret, &consumer_key, method, url, body.as_bytes(), timestamp)?;
                Ok(Output::from_iter([("signature".to_owned(), json!(signature))]))
            }
            "verify-signature" => {
                let skew = match input.opt_int("max_skew_secs")? {
                    None => DEFAULT_MAX_SKEW,
                    Some(n) => Duration::from_secs(
                        u64::try_from(n).map_err(|_| RunError::Kind(ErrorKind::Malformed))?,
                    ),
                };
                let request = SignedRequest {
                    method,
                    url,
                    body: body.as_bytes(),
                    timestamp,
                    signature: input.str("signature")?,
                };
                verify(
                    &app_secret,
                    &consumer_key,
                    &request,
                    UnixTime::from_secs(input.int("now")?),
                    skew,
                )?;
                Ok(Output::from_iter([("ok".to_owned(), json!(true))]))
            }
            _ => Err(RunError::UnsupportedKind),
        }
    }
}
