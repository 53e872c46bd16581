//! The conformance suite of this crate (feature `conformance`): the kinds
//! `member-state-script`, `token-response` and `sso-response` of docs/conformance.md.

use partner_core::ErrorKind;
use partner_core::conformance::{Input, KindSpec, Output, RunError, Suite};
use serde_json::{Value, json};

use crate::MemberState;
use crate::response::{parse_sso_response, parse_token_response};
use crate::state::script_json;

/// Runs Cheetah vectors with this crate's implementation.
///
/// ```
/// use partner_cheetah::conformance::ConformanceSuite;
/// use partner_core::conformance::Suite;
///
/// assert_eq!(ConformanceSuite.provider(), "cheetah");
/// assert!(ConformanceSuite.kind_spec("token-response").is_some());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ConformanceSuite;

/// The kinds of docs/conformance.md this crate implements, with their input
/// and expect fields.
pub const KINDS: &[KindSpec] = &[
    KindSpec::new("member-state-script", &["state"], &["state"]),
    KindSpec::new(
        "token-response",
        &["status", "body"],
        &["access_token", "token_type", "expires_in"],
    ),
    KindSpec::new(
        "sso-response",
        &["status", "body"],
        &["member_id", "integration_id", "access_token", "refresh_token"],
    ),
];

/// The characters docs/conformance.md forbids in the emitted text.
const FORBIDDEN: [char; 6] = ['<', '>', '&', '\'', '\u{2028}', '\u{2029}'];

fn status(input: &Input<'_>) -> Result<u16, RunError> {
    u16::try_from(input.int("status")?).map_err(|_| RunError::Kind(ErrorKind::Malformed))
}

impl Suite for ConformanceSuite {
    fn provider(&self) -> &'static str {
        crate::PROVIDER
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn run(&self, kind: &str, input: &Input<'_>) -> Result<Output, RunError> {
        match kind {
            "member-state-script" => {
                let state: MemberState = serde_json::from_value(Value::Object(
                    input.object("state")?.clone(),
                ))
                .map_err(|e| RunError::from(partner_core::Error::json("member state", e)))?;
                let script = state.to_script();
                // Check the emitted text against docs/conformance.md before reading it
                // back; a violation shows in the report as a wrong `state`.
                let parsed = match FORBIDDEN.iter().find(|c| script.contains(**c)) {
                    Some(c) => json!(format!("emitted text contains {c:?}")),
                    None => script_json(&script)
                        .ok()
                        .and_then(|j| serde_json::from_str::<Value>(j).ok())
                        .unwrap_or_else(|| {
                            json!("emitted text is not `var stellar_member_state = <json>;`")
                        }),
                };
                Ok(Output::from_iter([("state".to_owned(), parsed)]))
            }
            "token-response" => {
                let t = parse_token_response(status(input)?, input.str("body")?.as_bytes())?;
                let mut out = Output::new();
                out.insert(
                    "access_token".into(),
                    json!(t.access_token.expose_str().unwrap_or_default()),
                );
                out.insert("token_type".into(), json!(t.token_type));
                if let Some(e) = t.expires_in {
                    out.insert("expires_in".into(), json!(e));
                }
                Ok(out)
            }
            "sso-response" => {
                let s = parse_sso_response(status(input)?, input.str("body")?.as_bytes())?;
                let mut out = Output::new();
                out.insert("member_id".into(), json!(s.member_id));
                out.insert("integration_id".into(), json!(s.integration_id));
                out.insert(
                    "access_token".into(),
                    json!(s.access_token.expose_str().unwrap_or_default()),
                );
                if let Some(r) = &s.refresh_token {
                    out.insert("refresh_token".into(), json!(r.expose_str().unwrap_or_default()));
                }
                Ok(out)
            }
            _ => Err(RunError::UnsupportedKind),
        }
    }
}
