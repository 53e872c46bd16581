//! Unit tests of the client: URLs, answer parsers, the rate-limit headers.

use super::*;
use partner_core::http::reqwest::header::{HeaderMap, HeaderName};
use partner_core::{ErrorKind, FixedClock, HasErrorKind};
use proptest::prelude::*;
use std::sync::OnceLock;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                "(data|links|meta|next|current_page|last_page|total|guid|id|name|externalid|external_id|\\PC{0,4})",
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn client() -> &'static BlendrClient {
    static CLIENT: OnceLock<BlendrClient> = OnceLock::new();
    CLIENT.get_or_init(|| {
        BlendrClient::builder("app", "key")
            .clock(Arc::new(FixedClock::at_unix(1_700_000_000)))
            .build()
            .unwrap()
    })
}

#[test]
fn urls_are_one_segment_per_value() {
    let url = client().url(&["accounts", "a/b c", "blends"], Some(2)).unwrap();
    assert_eq!(url.as_str(), "https://api.blendr.io/v1/accounts/a%2Fb%20c/blends?page=2");
    for bad in ["..", ".", "", "\t..", "a\rb"] {
        let err = client().url(&["accounts", bad], None).unwrap_err();
        assert!(matches!(err, Error::Core(CoreError::UnsafeInput(_))), "{bad:?}");
    }
}

#[test]
fn builder_checks_credentials_and_base_url() {
    let kind = |b: BlendrClientBuilder| b.build().unwrap_err().error_kind();
    assert_eq!(
        BlendrClient::builder("app", "").build().unwrap_err(),
        Error::Core(CoreError::EmptyKey)
    );
    assert_eq!(kind(BlendrClient::builder("", "key")), ErrorKind::Malformed);
    assert_eq!(kind(BlendrClient::builder("app\n", "key")), ErrorKind::Malformed);
    assert_eq!(kind(BlendrClient::builder("app", "k\ney")), ErrorKind::Malformed);
    assert_eq!(
        kind(BlendrClient::builder("app", "key").base_url("http://api.blendr.example")),
        ErrorKind::UnsafeInput
    );
    assert_eq!(
        kind(BlendrClient::builder("app", "key").base_url("not a url")),
        ErrorKind::Malformed
    );
    let timed =
        BlendrClient::builder("app", "key").timeout(Duration::from_secs(3)).build().unwrap();
    assert_eq!(timed.inner.http.settings().timeout, Duration::from_secs(3));
    assert!(format!("{:?}", client()).contains("Sensitive"));
    assert!(!format!("{:?}", client()).contains("\"key\""));
}

proptest! {
    // The answers the client reads: a page, an object, `{"data": object}`.
    #[test]
    fn answer_parsers_give_a_typed_error(value in json_value()) {
        let typed = |r: Result<(), Error>| match r {
            Ok(()) => true,
            Err(err) => err.error_kind() == ErrorKind::Rejected,
        };
        prop_assert!(typed(parse_page::<Template>(value.clone()).map(|_| ())));
        prop_assert!(typed(parse_page::<Blend>(value.clone()).map(|_| ())));
        prop_assert!(typed(unwrap_data::<Account>(value.clone(), "account").map(|_| ())));
        prop_assert!(typed(unwrap_data::<Blend>(value, "blend").map(|_| ())));
    }

    #[test]
    fn rate_limit_headers_never_panic(
        retry_after in prop_oneof!["\\PC{0,12}", any::<i64>().prop_map(|n| n.to_string())],
        reset in prop_oneof!["\\PC{0,12}", any::<i64>().prop_map(|n| n.to_string())],
        which in 0u8..4,
    ) {
        let mut headers = HeaderMap::new();
        let mut put = |name: &'static str, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(HeaderName::from_static(name), v);
            }
        };
        if which & 1 == 1 {
            put("retry-after", &retry_after);
        }
        if which & 2 == 2 {
            put("x-ratelimit-reset", &reset);
        }
        let seconds = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        let reset_number = headers.get("x-ratelimit-reset").and_then(|v| v.to_str().ok()?.trim().parse::<i64>().ok());
        let expected_some = seconds("retry-after").is_some() || reset_number.is_some();
        let expected_retry_after = seconds("retry-after");
        let answer = Answer::new(429, headers, Vec::new());
        let wait = client().inner.dialect.rate_limit_wait(&answer);
        prop_assert_eq!(wait.is_some(), expected_some);
        prop_assert!(wait.is_none_or(|w| w <= Duration::from_secs(3600)));
        if let (Some(wait), Some(secs)) = (wait, expected_retry_after) {
            prop_assert_eq!(wait.as_secs(), secs.min(3600));
        }
    }
}
