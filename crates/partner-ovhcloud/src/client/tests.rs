use partner_core::http::Answer;
use partner_core::http::reqwest::header::HeaderMap;
use partner_core::{ErrorKind, HasErrorKind};
use proptest::prelude::*;
use serde_json::Value;

use super::*;
use crate::{Credential, Error, PROVIDER};

fn empty_key(result: Result<OvhClient, Error>) -> bool {
    matches!(result, Err(Error::Core(partner_core::Error::EmptyKey)))
}

#[test]
fn builder_refuses_empty_keys_and_unsafe_urls() {
    let b = || OvhClient::builder("ak", "as");
    assert!(empty_key(OvhClient::builder("", "as").build()));
    assert!(empty_key(OvhClient::builder("ak", "").build()));
    assert!(empty_key(b().oauth2("", "s", "https://x/token").build()));
    assert!(empty_key(b().oauth2("id", "", "https://x/token").build()));
    let err = OvhClient::builder("a\nk", "as").build().unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Malformed);
    let err = b().base_url("http://eu.api.ovh.com/1.0").build().unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::UnsafeInput);
    let err = b().oauth2("id", "s", "http://www.ovh.com/token").build().unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::UnsafeInput);
    let app = b().build().unwrap();
    assert_eq!(app.endpoint(), &Endpoint::OvhEu);
    let ck = ConsumerKey::new("ck").unwrap();
    assert!(b().consumer_key(ck.clone()).build().is_ok());
    // The last of endpoint and base_url wins.
    let custom = b().endpoint(Endpoint::OvhCa).base_url("http://127.0.0.1:9/1.0").build().unwrap();
    assert_eq!(custom.endpoint().base_url(), "http://127.0.0.1:9/1.0");
    let named = b().base_url("http://127.0.0.1:9/1.0").endpoint(Endpoint::OvhCa).build().unwrap();
    assert_eq!(named.endpoint(), &Endpoint::OvhCa);
    assert_eq!(app.for_customer(ck).time_requests(), 0);
}

proptest! {
    #[test]
    fn answer_readers_never_panic(
        status in 100u16..1000,
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..120).boxed(),
            "\\{\"(errorCode|class|message)\":\"\\PC{0,20}\"\\}".prop_map(String::into_bytes).boxed(),
        ],
    ) {
        let answer = Answer::new(status, HeaderMap::new(), body.clone());
        let rejection = dialect::rejection(PROVIDER, &answer);
        prop_assert_eq!(rejection.status, status);
        for auth in [dialect::Auth::Application, dialect::Auth::Signed, dialect::Auth::Bearer] {
            let _ = partner_core::http::Dialect::classify(&dialect::OvhDialect { auth }, &answer);
        }
        let err = Error::from(rejection);
        prop_assert_eq!(err.error_kind(), ErrorKind::Rejected);
        prop_assert!(err.ovh_kind().is_some());
        if let Err(e) = answer.json::<Value>(PROVIDER, "answer") {
            prop_assert_eq!(e.error_kind(), ErrorKind::Rejected);
        }
        if let Err(e) = answer.json::<Credential>(PROVIDER, "credential") {
            prop_assert_eq!(e.error_kind(), ErrorKind::Rejected);
        }
    }
}
