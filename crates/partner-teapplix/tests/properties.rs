//! Property tests of the launch URL: round trips and no panics.
#![allow(clippy::unwrap_used, missing_docs)]

use partner_core::replay::AcceptVerified;
use std::time::Duration;

use partner_teapplix::{
    AcceptancePolicy, ClientVhost, ErrorKind, Freshness, HasErrorKind, LaunchSigner,
    LaunchVerifier, UnixTime,
};
use proptest::prelude::*;

const KEY: &str = "property key";

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn build_then_verify_round_trips(
        vhost in "[A-Za-z0-9][A-Za-z0-9._-]{0,20}",
        token in "\\PC{1,40}",
        ts in -(1i64 << 40)..(1i64 << 40),
        age in 0i64..=1800,
    ) {
        let vhost = ClientVhost::new(vhost).unwrap();
        let ts = UnixTime::from_secs(ts);
        let url = LaunchSigner::new(KEY).unwrap().launch_url(&vhost, &token, ts);
        let now = UnixTime::from_secs(ts.as_secs() + age);
        let launch = LaunchVerifier::new(KEY).unwrap().verify(url.as_str(), now).accepted().unwrap();
        prop_assert_eq!(launch.client_vhost, vhost);
        prop_assert_eq!(launch.access_token.expose_str(), Some(token.as_str()));
        prop_assert_eq!(launch.ts, ts);
        // One second past the window it is refused.
        let late = UnixTime::from_secs(ts.as_secs() + 1801);
        prop_assert!(LaunchVerifier::new(KEY).unwrap().verify(url.as_str(), late).accepted().is_err());
    }

    #[test]
    fn any_single_character_change_breaks_the_link(
        token in "[a-z0-9]{8,16}",
        at in any::<prop::sample::Index>(),
        pick in any::<prop::sample::Index>(),
    ) {
        let ts = UnixTime::from_secs(1_700_000_000);
        let url = LaunchSigner::new(KEY).unwrap().launch_url(&ClientVhost::new("acme").unwrap(), &token, ts).into_string();
        let start = "https://app.teapplix.com".len();
        let i = start + at.index(url.len() - start);
        // A replacement that differs in more than letter case (the hex
        // signature is read in either case): no generated case is rejected.
        let old = url.as_bytes()[i];
        let candidates: Vec<u8> = b"ABCZabcz0129%&=?/._-".iter().copied().filter(|c| !c.eq_ignore_ascii_case(&old)).collect();
        let mut changed = url.clone();
        changed.replace_range(i..i + 1, std::str::from_utf8(&[candidates[pick.index(candidates.len())]]).unwrap());
        prop_assert!(LaunchVerifier::new(KEY).unwrap().verify(&changed, ts).accepted().is_err(), "{}", changed);
    }

    #[test]
    fn verifier_never_panics_on_arbitrary_urls(url in "\\PC{0,200}", now in any::<i64>()) {
        let v = LaunchVerifier::new(KEY).unwrap().with_policy(AcceptancePolicy::new(Freshness::new(Duration::from_secs(u64::MAX / 2), Duration::MAX)));
        for result in [v.verify(&url, UnixTime::from_secs(now)).accepted(), v.verify_request_target(&url, UnixTime::from_secs(now)).accepted()] {
            let err = result.unwrap_err();
            prop_assert!(matches!(err.error_kind(), ErrorKind::Malformed | ErrorKind::UnsafeInput | ErrorKind::BadSignature), "{err:?}");
        }
    }

    #[test]
    fn verifier_never_panics_on_launch_shaped_urls(
        vhost in "\\PC{0,12}",
        parts in proptest::collection::vec("(Action|pt|ts|signature|x)=\\PC{0,12}", 0..6),
    ) {
        let url = format!("https://app.teapplix.com/h/{vhost}/te/lo.cgi?{}", parts.join("&"));
        let result = LaunchVerifier::new(KEY).unwrap().verify(&url, UnixTime::from_secs(0)).accepted();
        prop_assert!(result.is_err());
    }

    #[test]
    fn obtain_token_parser_never_panics(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..200)) {
        match partner_teapplix::obtain::parse_obtain_token_response(status, &body, UnixTime::EPOCH) {
            Ok(_) => prop_assert!((200..300).contains(&status)),
            Err(e) if (500..600).contains(&status) => {
                prop_assert_eq!(e.error_kind(), ErrorKind::Unavailable);
                prop_assert_eq!(e.rejection().map(|r| r.status), Some(status));
            }
            Err(e) if !(200..300).contains(&status) => {
                prop_assert_eq!(e.error_kind(), ErrorKind::Rejected);
                prop_assert_eq!(e.rejection().map(|r| r.status), Some(status));
            }
            Err(e) => prop_assert!(matches!(e.error_kind(), ErrorKind::UnsafeInput | ErrorKind::Rejected), "{e:?}"),
        }
    }

    #[test]
    fn obtain_token_parser_never_panics_on_json(status in 100u16..600, key in "\\PC{0,12}", value in "\\PC{0,12}") {
        let body = serde_json::json!({ key: value, "AccessToken": value, "data": [{ "ClientVHOST": value }] }).to_string();
        if let Ok(token) = partner_teapplix::obtain::parse_obtain_token_response(status, body.as_bytes(), UnixTime::EPOCH) {
            prop_assert!((200..300).contains(&status));
            prop_assert!(ClientVhost::new(token.client_vhost.as_str()).is_ok());
        }
    }
}
