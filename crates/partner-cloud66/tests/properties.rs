//! Property tests of the multipass and the link redirect.
#![allow(clippy::unwrap_used, missing_docs)]

use partner_cloud66::{LinkRedirectVerifier, MultipassKeys, MultipassVerifier, UnixTime};
use proptest::prelude::*;

fn uid() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{32}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn encode_decode_round_trip(uid in uid(), email in "\\PC{0,30}", name in "\\PC{0,30}", exp in 0i64..4_000_000_000) {
        let keys = MultipassKeys::cloud66(&uid).unwrap();
        let e = keys.encode_identity(&email, &name, UnixTime::from_secs(exp));
        let id = MultipassVerifier::new(keys).verify(&e.multipass, e.signature.as_deref(), UnixTime::from_secs(exp)).unwrap();
        prop_assert_eq!(id.email(), Some(email.as_str()));
        prop_assert_eq!(id.name(), Some(name.as_str()));
        prop_assert_eq!(id.expires_at, Some(UnixTime::from_secs(exp)));
    }

    #[test]
    fn arbitrary_payloads_round_trip(uid in uid(), key in "[a-z]{1,10}", value in "\\PC{0,100}") {
        let keys = MultipassKeys::cloud66(&uid).unwrap();
        let payload = serde_json::json!({ key.clone(): value.clone(), "expires": 100 }).to_string();
        let e = keys.encode(payload.as_bytes());
        let id = MultipassVerifier::new(keys).verify(&e.multipass, e.signature.as_deref(), UnixTime::from_secs(0)).unwrap();
        let payload = id.payload();
        prop_assert_eq!(payload[&key].as_str(), Some(value.as_str()));
    }

    #[test]
    fn any_change_to_token_or_signature_is_rejected(uid in uid(), at in any::<prop::sample::Index>(), c in "[A-Za-z0-9_=-]", in_sig in any::<bool>()) {
        let keys = MultipassKeys::cloud66(&uid).unwrap();
        let e = keys.encode_identity("a@b.co", "A", UnixTime::from_secs(100));
        let sig = e.signature.clone().unwrap();
        let (mut token, mut sig) = (e.multipass.clone(), sig);
        let target = if in_sig { &mut sig } else { &mut token };
        let i = at.index(target.len());
        let before = target.clone();
        target.replace_range(i..i + 1, &c);
        // Changing a hex digit's case keeps the same signature.
        prop_assume!(!before.eq_ignore_ascii_case(target));
        prop_assert!(MultipassVerifier::new(keys).verify(&token, Some(&sig), UnixTime::from_secs(0)).is_err());
    }

    #[test]
    fn verify_never_panics(uid in uid(), token in "\\PC{0,200}", sig in proptest::option::of("\\PC{0,80}"), now in any::<i64>()) {
        let v = MultipassVerifier::new(MultipassKeys::cloud66(&uid).unwrap()).allow_missing_expiry(true);
        let _ = v.verify(&token, sig.as_deref(), UnixTime::from_secs(now));
        let entp = MultipassVerifier::new(MultipassKeys::entp("s", &"k".into()));
        let _ = entp.verify(&token, None, UnixTime::from_secs(now));
    }

    #[test]
    fn link_parser_never_panics(query in "\\PC{0,200}") {
        let _ = LinkRedirectVerifier::default().parse_query(&query);
        let _ = LinkRedirectVerifier::default().parse_url(&query);
    }

    #[test]
    fn accepted_callbacks_are_always_on_an_allowed_host(cb in "(https?://)?[a-z0-9.@:/%-]{0,40}") {
        let q = partner_core::encoding::form_encode([("uid", "u"), ("email", "a@b.co"), ("callback", cb.as_str())]);
        if let Ok(link) = LinkRedirectVerifier::default().parse_query(&q) {
            prop_assert_eq!(link.callback.host_str(), Some("app.cloud66.com"));
            prop_assert_eq!(link.callback.scheme(), "https");
        }
    }
}
