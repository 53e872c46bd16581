//! How Cheetah's answers are read: which are retried, and what its error
//! bodies say.

use partner_core::ProviderRejection;
use partner_core::http::{Answer, Dialect, Verdict, standard_verdict};

use crate::error::is_token_problem;
use crate::response::rejection;

/// Cheetah's [`Dialect`]: Doorkeeper error bodies, and a 401 for a stale
/// integration token answered with [`Verdict::Refresh`] when the request
/// carried the cached token (the client then fetches a new one and sends
/// the call once more). Everything else as [`standard_verdict`] says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CheetahDialect {
    /// The request carries the cached integration token.
    pub(crate) cached_token: bool,
}

impl Dialect for CheetahDialect {
    fn classify(&self, answer: &Answer) -> Verdict {
        if self.cached_token
            && answer.status() == 401
            && is_token_problem(&self.rejection(crate::PROVIDER, answer))
        {
            Verdict::Refresh
        } else {
            standard_verdict(answer)
        }
    }

    fn rejection(&self, _provider: &'static str, answer: &Answer) -> ProviderRejection {
        rejection(answer.status(), answer.header("x-request-id"), answer.body())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use partner_core::http::reqwest::header::{HeaderMap, HeaderValue};

    use super::*;

    fn answer(status: u16, body: &str, headers: &[(&'static str, &'static str)]) -> Answer {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_static(value));
        }
        Answer::new(status, map, body.as_bytes().to_vec())
    }

    const CACHED: CheetahDialect = CheetahDialect { cached_token: true };
    const NOT_CACHED: CheetahDialect = CheetahDialect { cached_token: false };

    #[test]
    fn a_stale_cached_token_is_refreshed_once_not_retried_blindly() {
        for body in [
            r#"{"error":"invalid_token","error_description":"The access token expired"}"#,
            r#"{"error":"token_expired"}"#,
            r#"{"error":"expired_token"}"#,
            "",
        ] {
            assert_eq!(CACHED.classify(&answer(401, body, &[])), Verdict::Refresh, "{body}");
            assert_eq!(NOT_CACHED.classify(&answer(401, body, &[])), Verdict::Done, "{body}");
        }
        let wrong_client = answer(401, r#"{"error":"invalid_client"}"#, &[]);
        assert_eq!(CACHED.classify(&wrong_client), Verdict::Done);
        assert_eq!(
            CACHED.classify(&answer(403, r#"{"error":"invalid_token"}"#, &[])),
            Verdict::Done
        );
    }

    #[test]
    fn other_answers_follow_the_standard_verdicts() {
        let limited = answer(429, "{}", &[("retry-after", "7")]);
        let after = Some(Duration::from_secs(7));
        assert_eq!(CACHED.classify(&limited), Verdict::NotProcessed { after });
        assert_eq!(CACHED.classify(&answer(503, "", &[])), Verdict::Transient { after: None });
        assert_eq!(CACHED.classify(&answer(408, "", &[])), Verdict::Transient { after: None });
        assert_eq!(CACHED.classify(&answer(200, "{}", &[])), Verdict::Done);
        assert_eq!(NOT_CACHED.classify(&answer(422, "{}", &[])), Verdict::Done);
    }

    #[test]
    fn the_rejection_keeps_code_message_and_request_id() {
        let a = answer(
            401,
            r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
            &[("x-request-id", "7f3a-11")],
        );
        let r = CACHED.rejection("cheetah", &a);
        assert_eq!((r.provider, r.status), ("cheetah", 401));
        assert_eq!(r.code.as_deref(), Some("invalid_client"));
        assert_eq!(r.message.as_deref(), Some("Client authentication failed"));
        assert_eq!(r.request_id.as_deref(), Some("7f3a-11"));
    }
}
