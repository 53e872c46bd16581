//! The dialect: retry verdicts and error bodies.

use std::time::Duration;

use partner_core::http::reqwest::header::{HeaderMap, HeaderValue};
use partner_core::http::{Answer, Dialect, Verdict};

use super::Cloud66Dialect;

fn answer(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> Answer {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(*name, HeaderValue::from_static(value));
    }
    Answer::new(status, map, body.as_bytes().to_vec())
}

#[test]
fn retry_verdicts() {
    let d = Cloud66Dialect;
    assert_eq!(
        d.classify(&answer(503, &[("retry-after", "12")], "")),
        Verdict::Transient { after: Some(Duration::from_secs(12)) },
        "throttled: after the wait asked for"
    );
    assert_eq!(d.classify(&answer(503, &[], "")), Verdict::Transient { after: None });
    assert_eq!(d.classify(&answer(502, &[], "")), Verdict::Transient { after: None });
    assert_eq!(
        d.classify(&answer(429, &[("retry-after", "3")], "")),
        Verdict::NotProcessed { after: Some(Duration::from_secs(3)) }
    );
    for done in [200, 400, 401, 402, 403, 404, 501] {
        assert_eq!(d.classify(&answer(done, &[], "")), Verdict::Done, "{done}");
    }
}

#[test]
fn error_bodies_fill_the_rejection() {
    let r = Cloud66Dialect.rejection(
        crate::PROVIDER,
        &answer(
            403,
            &[("x-request-id", "req-42")],
            r#"{"error":"insufficient_scope","error_description":"needs redeploy"}"#,
        ),
    );
    assert_eq!(r.provider, "cloud66");
    assert_eq!(r.status, 403);
    assert_eq!(r.code.as_deref(), Some("insufficient_scope"));
    assert_eq!(r.message.as_deref(), Some("needs redeploy"));
    assert_eq!(r.request_id.as_deref(), Some("req-42"));
    // The partner endpoint's plain-text 403: the text is the message.
    let r = Cloud66Dialect.rejection(crate::PROVIDER, &answer(403, &[], "invalid link_uid\n"));
    assert_eq!((r.code, r.message.as_deref()), (None, Some("invalid link_uid")));
}
