//! Property tests of the multipass and the link redirect.
#![allow(clippy::unwrap_used, missing_docs)]

use partner_cloud66::multipass::default_policy;
use partner_cloud66::{
    Error, ErrorKind, HasErrorKind, InMemoryReplayGuard, LinkRedirectVerifier, MultipassKeys,
    MultipassSigner, MultipassVerifier, UnixTime,
};
use partner_core::replay::AcceptVerified;
use proptest::prelude::*;

fn uid() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{32}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn encode_decode_round_trip(uid in uid(), email in "\\PC{0,30}", name in "\\PC{0,30}", exp in 0i64..4_000_000_000) {
        let keys = MultipassKeys::cloud66(&uid).unwrap();
        let e = MultipassSigner::new(keys.clone()).sign_identity(&email, &name, UnixTime::from_secs(exp));
        let id = MultipassVerifier::new(keys).verify(&e.multipass, e.signature.as_deref(), UnixTime::from_secs(exp)).accepted().unwrap();
        prop_assert_eq!(id.email(), Some(email.as_str()));
        prop_assert_eq!(id.name(), Some(name.as_str()));
        prop_assert_eq!(id.expires_at, Some(UnixTime::from_secs(exp)));
    }

    #[test]
    fn arbitrary_payloads_round_trip(uid in uid(), key in "[a-z]{1,10}", value in "\\PC{0,100}") {
        let keys = MultipassKeys::cloud66(&uid).unwrap();
        let payload = serde_json::json!({ key.clone(): value.clone(), "expires": 100 }).to_string();
        let e = MultipassSigner::new(keys.clone()).sign(payload.as_bytes());
        let id = MultipassVerifier::new(keys).verify(&e.multipass, e.signature.as_deref(), UnixTime::from_secs(0)).accepted().unwrap();
        let payload = id.payload();
        prop_assert_eq!(payload[&key].as_str(), Some(value.as_str()));
    }

    #[test]
    fn any_change_to_token_or_signature_is_rejected(uid in uid(), at in any::<prop::sample::Index>(), pick in any::<prop::sample::Index>(), in_sig in any::<bool>()) {
        let keys = MultipassKeys::cloud66(&uid).unwrap();
        let e = MultipassSigner::new(keys.clone()).sign_identity("a@b.co", "A", UnixTime::from_secs(100));
        let (mut token, mut sig) = (e.multipass.clone(), e.signature.clone().unwrap());
        let target = if in_sig { &mut sig } else { &mut token };
        let i = at.index(target.len());
        let old = target.as_bytes()[i];
        // A replacement that differs from the old character in more than
        // letter case (a hex signature is read in either case), so no case
        // is rejected by the generator.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
        let candidates: Vec<u8> = ALPHABET.iter().copied().filter(|c| !c.eq_ignore_ascii_case(&old)).collect();
        let new = candidates[pick.index(candidates.len())];
        target.replace_range(i..i + 1, std::str::from_utf8(&[new]).unwrap());
        let err = MultipassVerifier::new(keys).verify(&token, Some(&sig), UnixTime::from_secs(0)).accepted().unwrap_err();
        prop_assert_eq!(err.error_kind(), ErrorKind::BadSignature);
    }

    #[test]
    fn verify_never_panics_and_answers_with_a_kind(uid in uid(), token in "\\PC{0,200}|[A-Za-z0-9_=+/ -]{0,120}", sig in proptest::option::of("\\PC{0,80}|[0-9a-f]{64}"), now in any::<i64>()) {
        let v = MultipassVerifier::new(MultipassKeys::cloud66(&uid).unwrap()).allow_missing_expiry(true);
        if let Err(e) = v.verify(&token, sig.as_deref(), UnixTime::from_secs(now)).accepted() {
            // The signature comes first: nothing unsigned gets further.
            prop_assert_eq!(e.error_kind(), ErrorKind::BadSignature);
        }
        let entp = MultipassVerifier::new(MultipassKeys::entp("s", &"k".into()).unwrap());
        if let Err(e) = entp.verify(&token, None, UnixTime::from_secs(now)).accepted() {
            prop_assert!(matches!(e.error_kind(), ErrorKind::BadSignature | ErrorKind::Malformed), "{e:?}");
        }
    }

    // No padding oracle: for the unsigned scheme, any ciphertext that is not
    // a real token gets the one bad-signature answer, whatever its padding.
    #[test]
    fn entp_answers_one_error_for_every_forged_ciphertext(blocks in proptest::collection::vec(any::<[u8; 16]>(), 1..6), last in any::<u8>()) {
        let keys = MultipassKeys::entp("site", &"api".into()).unwrap();
        let mut ct: Vec<u8> = blocks.concat();
        let n = ct.len();
        ct[n - 1] = last;
        let text = partner_core::encoding::base64url_encode(&ct);
        let err = MultipassVerifier::new(keys).verify(&text, None, UnixTime::from_secs(0)).accepted().unwrap_err();
        prop_assert!(matches!(err, Error::Core(partner_core::Error::BadSignature)), "{err:?}");
        prop_assert_eq!(err.to_string(), partner_core::Error::BadSignature.to_string());
    }

    // Single use holds for every spelling the tolerant decoder accepts.
    #[test]
    fn respelled_tokens_are_replays(email in "[a-z]{1,12}@[a-z]{1,8}\\.co", pad in 0usize..3, switch in any::<bool>(), space_at in any::<prop::sample::Index>()) {
        let keys = MultipassKeys::entp("site", &"api".into()).unwrap();
        let token = MultipassSigner::new(keys.clone()).sign(format!(r#"{{"email":"{email}","expires":60}}"#).as_bytes()).multipass;
        let v = MultipassVerifier::new(keys).with_policy(default_policy().with_replay_guard(std::sync::Arc::new(InMemoryReplayGuard::new(4))));
        prop_assert!(v.verify(&token, None, UnixTime::from_secs(0)).accepted().is_ok());
        let mut other: String = if switch { token.replace('-', "+").replace('_', "/") } else { token.clone() };
        other.push_str(&"=".repeat(pad));
        other.insert(space_at.index(other.len() + 1), ' ');
        let err = v.verify(&other, None, UnixTime::from_secs(0)).accepted().unwrap_err();
        prop_assert_eq!(err.error_kind(), ErrorKind::Replayed, "{:?}", err);
    }

    #[test]
    fn link_parser_never_panics(query in "\\PC{0,200}") {
        for result in [LinkRedirectVerifier::default().parse_query(&query), LinkRedirectVerifier::default().parse_url(&query)] {
            if let Err(e) = result {
                prop_assert!(matches!(e.error_kind(), ErrorKind::Malformed | ErrorKind::UnsafeInput), "{e:?}");
            }
        }
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
