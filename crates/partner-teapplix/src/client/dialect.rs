//! [`TeapplixDialect`]: how Teapplix's API answers read: which are retried,
//! and its `{Code, Message, Description}` error bodies.

use partner_core::ProviderRejection;
use partner_core::http::{Answer, Dialect, Verdict, standard_verdict};

use crate::rejection::{REQUEST_ID_HEADER, rejection};

/// Teapplix's answers, for one kind of call.
///
/// - API2 calls: the standard verdicts (429 not processed; 408 and 5xx
///   transient, so retried for a `GET` only).
/// - PSObtainToken: every call Teapplix acts on issues a new single-use
///   token, and an error answer does not say whether one was issued, so a
///   408 or 5xx answer is final (never sent again); a 429, which says the
///   request was not processed, is still retried after its `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TeapplixDialect {
    issues_token: bool,
}

impl TeapplixDialect {
    /// Any API2 method but PSObtainToken.
    pub(crate) const API2: TeapplixDialect = TeapplixDialect { issues_token: false };
    /// PSObtainToken.
    pub(crate) const OBTAIN_TOKEN: TeapplixDialect = TeapplixDialect { issues_token: true };
}

impl Dialect for TeapplixDialect {
    fn classify(&self, answer: &Answer) -> Verdict {
        match standard_verdict(answer) {
            Verdict::Transient { .. } if self.issues_token => Verdict::Done,
            verdict => verdict,
        }
    }

    fn rejection(&self, _provider: &'static str, answer: &Answer) -> ProviderRejection {
        rejection(answer.status(), answer.header(REQUEST_ID_HEADER), answer.body())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use partner_core::http::reqwest::header::{HeaderMap, HeaderValue};

    use super::*;

    fn answer(status: u16, retry_after: Option<&'static str>) -> Answer {
        let mut headers = HeaderMap::new();
        if let Some(secs) = retry_after {
            headers.insert("retry-after", HeaderValue::from_static(secs));
        }
        Answer::new(status, headers, Vec::new())
    }

    #[test]
    fn api2_answers_follow_the_standard_verdicts() {
        let d = TeapplixDialect::API2;
        assert_eq!(d.classify(&answer(200, None)), Verdict::Done);
        assert_eq!(d.classify(&answer(404, None)), Verdict::Done);
        assert_eq!(d.classify(&answer(503, None)), Verdict::Transient { after: None });
        assert_eq!(d.classify(&answer(408, None)), Verdict::Transient { after: None });
        assert_eq!(
            d.classify(&answer(429, Some("7"))),
            Verdict::NotProcessed { after: Some(Duration::from_secs(7)) }
        );
    }

    #[test]
    fn obtain_token_is_not_sent_again_after_an_error_answer() {
        let d = TeapplixDialect::OBTAIN_TOKEN;
        for status in [408, 500, 502, 503, 504] {
            assert_eq!(d.classify(&answer(status, Some("1"))), Verdict::Done, "{status}");
        }
        assert_eq!(
            d.classify(&answer(429, Some("2"))),
            Verdict::NotProcessed { after: Some(Duration::from_secs(2)) }
        );
        assert_eq!(d.classify(&answer(200, None)), Verdict::Done);
    }

    #[test]
    fn rejection_reads_the_vendor_body_and_request_id() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", HeaderValue::from_static("req-123"));
        let body = br#"{"Code":"403","Message":"Forbidden","Description":["not paired"]}"#;
        let r =
            TeapplixDialect::API2.rejection("teapplix", &Answer::new(403, headers, body.to_vec()));
        assert_eq!(r.provider, "teapplix");
        assert_eq!(r.status, 403);
        assert_eq!(r.code.as_deref(), Some("403"));
        assert_eq!(r.message.as_deref(), Some("Forbidden"));
        assert_eq!(r.details, ["not paired"]);
        assert_eq!(r.request_id.as_deref(), Some("req-123"));
    }
}
