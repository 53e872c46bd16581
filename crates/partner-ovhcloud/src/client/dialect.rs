//! How OVHcloud's answers are read: which are retried, and what its error
//! bodies (`{"errorCode", "httpCode", "message"}` or `{"class", "message"}`,
//! with `X-Ovh-QueryID`) say.

use partner_core::ProviderRejection;
use partner_core::http::{Answer, Dialect, Verdict, standard_verdict};
use serde::Deserialize;

/// How a call is authenticated, which decides what a refusal means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Auth {
    /// The application key alone (`/auth/time`, `/auth/credential`).
    Application,
    /// AK/AS/CK and a timestamp from the time delta.
    Signed,
    /// An OAuth2 bearer token.
    Bearer,
}

/// OVHcloud's dialect: 5xx, 408 and 429 as every provider; for a signed
/// call, `INVALID_SIGNATURE` and `QUERY_TIME_OUT` are
/// [`Verdict::Refresh`] (re-sync the time delta, sign again); for a
/// bearer call, a 401 is [`Verdict::Refresh`] (a new token).
#[derive(Debug, Clone, Copy)]
pub(super) struct OvhDialect {
    pub(super) auth: Auth,
}

impl Dialect for OvhDialect {
    fn classify(&self, answer: &Answer) -> Verdict {
        if answer.is_success() {
            return Verdict::Done;
        }
        let stale = match self.auth {
            Auth::Application => false,
            Auth::Signed => matches!(
                error_code(answer).as_deref(),
                Some("INVALID_SIGNATURE" | "QUERY_TIME_OUT")
            ),
            Auth::Bearer => answer.status() == 401,
        };
        if stale { Verdict::Refresh } else { standard_verdict(answer) }
    }

    fn rejection(&self, provider: &'static str, answer: &Answer) -> ProviderRejection {
        rejection(provider, answer)
    }
}

/// An OVHcloud error body.
#[derive(Deserialize)]
struct Body {
    #[serde(rename = "errorCode")]
    error_code: Option<String>,
    class: Option<String>,
    message: Option<String>,
}

impl Body {
    fn read(answer: &Answer) -> Option<Body> {
        serde_json::from_slice(answer.body()).ok()
    }

    /// `errorCode`, or the last part of `class` in `UPPER_SNAKE_CASE`.
    fn code(&self) -> Option<String> {
        self.error_code.clone().or_else(|| self.class.as_deref().map(class_to_code))
    }
}

fn error_code(answer: &Answer) -> Option<String> {
    Body::read(answer)?.code()
}

/// The refusal of an error answer: `errorCode` (or `class`) as the code,
/// `message`, and `X-Ovh-QueryID` as the request id; a body of another
/// shape is kept as an excerpt.
pub(super) fn rejection(provider: &'static str, answer: &Answer) -> ProviderRejection {
    let mut rejection = ProviderRejection::new(provider, answer.status());
    if let Some(id) = answer.header("x-ovh-queryid") {
        rejection = rejection.with_request_id(id);
    }
    match Body::read(answer) {
        Some(body) if body.message.is_some() || body.code().is_some() => {
            if let Some(code) = body.code() {
                rejection = rejection.with_code(code);
            }
            match body.message {
                Some(message) => rejection.with_message(message),
                None => rejection,
            }
        }
        _ => rejection.with_body_excerpt(answer.body()),
    }
}

/// `Client::Forbidden::NotGrantedCall` -> `NOT_GRANTED_CALL`.
fn class_to_code(class: &str) -> String {
    let last = class.rsplit("::").next().unwrap_or(class);
    let mut out = String::new();
    for (i, c) in last.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::http::reqwest::header::{HeaderMap, HeaderValue};
    use std::time::Duration;

    fn answer(status: u16, body: &str) -> Answer {
        Answer::new(status, HeaderMap::new(), body.as_bytes().to_vec())
    }

    const SIGNED: OvhDialect = OvhDialect { auth: Auth::Signed };
    const BEARER: OvhDialect = OvhDialect { auth: Auth::Bearer };
    const APP: OvhDialect = OvhDialect { auth: Auth::Application };

    #[test]
    fn clock_and_signature_refusals_refresh_signed_calls_only() {
        let time_out =
            answer(400, r#"{"errorCode":"QUERY_TIME_OUT","message":"Query out of time"}"#);
        let bad_sig =
            answer(400, r#"{"class":"Client::BadRequest::InvalidSignature","message":"x"}"#);
        assert_eq!(SIGNED.classify(&time_out), Verdict::Refresh);
        assert_eq!(SIGNED.classify(&bad_sig), Verdict::Refresh);
        assert_eq!(APP.classify(&time_out), Verdict::Done);
        assert_eq!(BEARER.classify(&bad_sig), Verdict::Done);
        let not_granted = answer(403, r#"{"errorCode":"NOT_GRANTED_CALL","message":"x"}"#);
        assert_eq!(SIGNED.classify(&not_granted), Verdict::Done);
        assert_eq!(
            SIGNED.classify(&answer(200, r#"{"errorCode":"QUERY_TIME_OUT"}"#)),
            Verdict::Done
        );
    }

    #[test]
    fn a_refused_bearer_token_refreshes_bearer_calls_only() {
        let invalid = answer(401, r#"{"errorCode":"INVALID_TOKEN","message":"x"}"#);
        assert_eq!(BEARER.classify(&invalid), Verdict::Refresh);
        assert_eq!(SIGNED.classify(&invalid), Verdict::Done);
        assert_eq!(APP.classify(&invalid), Verdict::Done);
    }

    #[test]
    fn server_errors_and_rate_limits_are_standard() {
        for dialect in [SIGNED, BEARER, APP] {
            assert_eq!(dialect.classify(&answer(503, "")), Verdict::Transient { after: None });
            assert_eq!(
                dialect.classify(&answer(500, "<html>")),
                Verdict::Transient { after: None }
            );
            assert_eq!(dialect.classify(&answer(501, "")), Verdict::Done);
            let mut headers = HeaderMap::new();
            headers.insert("retry-after", HeaderValue::from_static("7"));
            let limited = Answer::new(429, headers, b"{}".to_vec());
            let after = Some(Duration::from_secs(7));
            assert_eq!(dialect.classify(&limited), Verdict::NotProcessed { after });
            assert_eq!(dialect.classify(&answer(404, "{}")), Verdict::Done);
        }
    }

    #[test]
    fn error_bodies_fill_the_rejection() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ovh-queryid", HeaderValue::from_static("EU.ext-3.6f8e"));
        let body = br#"{"errorCode":"NOT_GRANTED_CALL","httpCode":"403 Forbidden","message":"This call has not been granted"}"#;
        let r = rejection("ovhcloud", &Answer::new(403, headers, body.to_vec()));
        assert_eq!(r.status, 403);
        assert_eq!(r.code.as_deref(), Some("NOT_GRANTED_CALL"));
        assert_eq!(r.message.as_deref(), Some("This call has not been granted"));
        assert_eq!(r.request_id.as_deref(), Some("EU.ext-3.6f8e"));
        let r = rejection(
            "ovhcloud",
            &answer(
                403,
                r#"{"class":"Client::Forbidden::InvalidCredential","message":"This credential is not valid"}"#,
            ),
        );
        assert_eq!(r.code.as_deref(), Some("INVALID_CREDENTIAL"));
        let r = rejection("ovhcloud", &answer(502, "<html>bad gateway</html>"));
        assert_eq!((r.code, r.message.as_deref()), (None, Some("<html>bad gateway</html>")));
        let r = rejection("ovhcloud", &answer(404, r#"{"other":1}"#));
        assert_eq!((r.code, r.message.as_deref()), (None, Some(r#"{"other":1}"#)));
        assert_eq!(class_to_code("Client::Forbidden"), "FORBIDDEN");
    }
}
