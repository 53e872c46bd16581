//! Every extractor and parser of partner-axum, on arbitrary input: a typed
//! 4xx problem (or a value), never a panic, never the input echoed back.

#![allow(clippy::unwrap_used)] // a test: a failed set-up is a failed test

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::Request;
use partner_axum::Env;
use partner_axum::cloud66::{Cloud66Handoffs, LinkArrival, MultipassLogin};
use partner_cloud66::MultipassKeys;
use partner_cloud66::multipass::MultipassVerifier;
use proptest::prelude::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().unwrap()
}

fn parts(query: &str) -> Option<axum::http::request::Parts> {
    let uri = format!("/x?{query}");
    Request::builder().uri(uri).body(()).ok().map(|r| r.into_parts().0)
}

/// Query strings: printable ASCII with the characters that matter to a
/// query (`&`, `=`, `%`, `+`) over-represented.
fn query() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        "(uid|email|callback|multipass|signature|[a-z%&=+]{0,3}|[!-~]{0,12}){0,12}",
    )
    .unwrap()
}

proptest! {
    #[test]
    fn extractors_answer_4xx_never_panic(q in query()) {
        let handoffs = Cloud66Handoffs::new()
            .multipass(MultipassVerifier::new(MultipassKeys::cloud66("0123456789abcdefFEDCBA9876543210").unwrap()));
        let rt = runtime();
        if let Some(mut p) = parts(&q) {
            if let Err(problem) = rt.block_on(LinkArrival::from_request_parts(&mut p, &handoffs)) {
                prop_assert!(problem.status().is_client_error(), "{problem:?}");
                prop_assert!(problem.kind().is_some());
            }
            if let Err(problem) = rt.block_on(MultipassLogin::from_request_parts(&mut p, &handoffs)) {
                prop_assert!(problem.status().is_client_error(), "{problem:?}");
                if q.len() > 8 {
                    prop_assert!(!problem.detail().contains(q.as_str()));
                }
            }
        }
    }

    #[test]
    fn env_lists_and_errors_never_hold_the_value(v in "[ -~]{0,40}") {
        let value = v.clone();
        let env = Env::from_fn(move |_| Some(value.clone()));
        for item in env.list("CLOUD66_CALLBACK_HOSTS") {
            prop_assert!(!item.is_empty() && !item.contains(','));
            prop_assert_eq!(item.trim(), item.as_str());
        }
        let store = Arc::new(partner_core::shared::LocalSecretStore::new(Arc::new(partner_core::SystemClock), 1));
        if let Err(err) = partner_axum::ovhcloud::OvhConnect::from_env(&env, store, "https://a.test/r") {
            if v.trim().len() > 3 {
                prop_assert!(!err.to_string().contains(v.trim()), "{err}");
            }
        }
    }
}
