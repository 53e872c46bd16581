//! Property tests: emission safety and the answer parsers on arbitrary input.
#![allow(clippy::unwrap_used, missing_docs)]

use partner_cheetah::response::{parse_sso_response, parse_token_response};
use partner_cheetah::{ErrorKind, HasErrorKind, MemberState, script_json};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    // Arbitrary Unicode, with the dangerous characters made frequent.
    prop::collection::vec(
        prop_oneof![
            any::<char>().prop_map(String::from),
            prop::sample::select(vec![
                "<",
                ">",
                "&",
                "'",
                "\"",
                "\\",
                "\u{2028}",
                "\u{2029}",
                "</script>",
                "<!--"
            ])
            .prop_map(str::to_owned),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn emitted_text_is_safe_and_parses_back(
        access in text(), refresh in text(), short in text(), full in text(), hash in proptest::option::of(text())
    ) {
        let mut state = MemberState::signed_in(access, refresh, short, full);
        if let Some(h) = hash {
            state = state.with_params_hash(h);
        }
        let script = state.to_script();
        for bad in ['<', '>', '&', '\'', '\u{2028}', '\u{2029}'] {
            prop_assert!(!script.contains(bad), "{:?} in {}", bad, script);
        }
        let well_formed = script.starts_with("var stellar_member_state = {") && script.ends_with("};");
        prop_assert!(well_formed, "{}", script);
        let json: serde_json::Value = serde_json::from_str(script_json(&script).unwrap()).unwrap();
        prop_assert_eq!(&json, &serde_json::to_value(&state).unwrap());
        prop_assert_eq!(MemberState::from_script(&script).unwrap(), state);
    }

    #[test]
    fn failed_state_always_has_an_error(reason in text()) {
        let s = MemberState::failed(reason);
        prop_assert!(s.is_error());
        prop_assert!(s.access_token.is_empty() && s.refresh_token.is_empty());
    }

    #[test]
    fn parsers_never_panic(status in 0u16..1000, body in prop::collection::vec(any::<u8>(), 0..300)) {
        // Non-2xx is `rejected`; a 2xx that cannot be read is `malformed`.
        let expected = if (200..300).contains(&status) { ErrorKind::Malformed } else { ErrorKind::Rejected };
        if let Err(e) = parse_token_response(status, &body) {
            prop_assert_eq!(e.error_kind(), expected);
        } else {
            prop_assert!((200..300).contains(&status));
        }
        if let Err(e) = parse_sso_response(status, &body) {
            prop_assert_eq!(e.error_kind(), expected);
        } else {
            prop_assert!((200..300).contains(&status));
        }
        if let Err(e) = MemberState::from_script(&String::from_utf8_lossy(&body)) {
            prop_assert_eq!(e.error_kind(), ErrorKind::Malformed);
        }
    }

    #[test]
    fn parsers_accept_only_2xx(status in 100u16..600, token in "[a-z0-9]{1,20}") {
        let body = format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":7200,"member_id":"A-1","integration_id":"u"}}"#);
        prop_assert_eq!(parse_token_response(status, body.as_bytes()).is_ok(), (200..300).contains(&status));
        prop_assert_eq!(parse_sso_response(status, body.as_bytes()).is_ok(), (200..300).contains(&status));
    }
}
