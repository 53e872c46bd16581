//! Property tests: build then verify round trips; verifiers never panic.
#![allow(clippy::unwrap_used, missing_docs)]

use partner_blendr::{
    HashLinkSigner, HashVerifier, JwtClaims, JwtSigner, JwtVerifier, SsoParams, UnixTime,
};
use proptest::prelude::*;

const KEY: &str = "property key";

fn value() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>().prop_map(String::from),
            prop::sample::select(vec![
                "&", "=", "+", "~", "*", "%", "%2", " ", "#", "?", "hash=", "é", "😀"
            ])
            .prop_map(str::to_owned),
        ],
        0..10,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn hash_link_round_trips(
        account in value().prop_filter("non-empty", |s| !s.is_empty()),
        name in value(), user in value(), email in value(),
        extra in value(),
        ts in 0i64..4_000_000_000, age in 0i64..=300,
    ) {
        let params = SsoParams::new(account.clone()).unwrap().account_name(name.clone()).user_name(user.clone())
            .user_email(email.clone()).extra("note", extra.clone()).unwrap();
        let ts = UnixTime::from_secs(ts);
        let pairs: Vec<(&str, &str)> = params.pairs().collect();
        let query = HashLinkSigner::new(KEY).signed_query(&pairs, ts).unwrap();
        let v = HashVerifier::new(KEY).verify_query(&query, UnixTime::from_secs(ts.as_secs() + age)).unwrap();
        prop_assert_eq!(v.account_id(), account.as_str());
        prop_assert_eq!(v.get("accountname").map(|c| c.into_owned()), Some(name.clone()));
        prop_assert_eq!(v.get("username").map(|c| c.into_owned()), Some(user.clone()));
        prop_assert_eq!(v.get("useremail").map(|c| c.into_owned()), Some(email.clone()));
        prop_assert_eq!(v.get("note").map(|c| c.into_owned()), Some(extra.clone()));
        prop_assert_eq!(v.timestamp(), ts);
    }

    #[test]
    fn jwt_round_trips(account in value().prop_filter("non-empty", |s| !s.is_empty()), cred in value(), ts in 0i64..4_000_000_000) {
        let claims = JwtClaims::flat(account.clone()).user_name(cred.clone()).credential("api_key", cred.clone());
        let now = UnixTime::from_secs(ts);
        let token = JwtSigner::new(KEY).sign(&claims, now).unwrap();
        let v = JwtVerifier::new(KEY).verify(&token, now).unwrap();
        let claims = v.claims();
        prop_assert_eq!(&v.account_id, &account);
        prop_assert_eq!(claims["api_key"].as_str(), Some(cred.as_str()));
        prop_assert!(JwtVerifier::new("other key").verify(&token, now).is_err());
    }

    #[test]
    fn hash_verifier_never_panics(query in "\\PC{0,200}", now in any::<i64>()) {
        let _ = HashVerifier::new(KEY).verify_query(&query, UnixTime::from_secs(now));
    }

    #[test]
    fn hash_verifier_never_panics_on_link_shaped_queries(
        parts in prop::collection::vec("(accountid|timestamp|hash|x|)=?[0-9a-f%+&=]{0,70}", 0..6),
        now in any::<i64>(),
    ) {
        let _ = HashVerifier::new(KEY).verify_query(&parts.join("&"), UnixTime::from_secs(now));
    }

    #[test]
    fn jwt_verifier_never_panics(token in "[A-Za-z0-9_.=-]{0,200}", now in any::<i64>()) {
        let _ = JwtVerifier::new(KEY).verify(&token, UnixTime::from_secs(now));
    }

    #[test]
    fn jwt_verifier_never_panics_on_json_parts(header in "\\PC{0,40}", payload in "\\PC{0,80}", now in any::<i64>()) {
        use partner_core::encoding::base64url_encode;
        let token = format!("{}.{}.{}", base64url_encode(&header), base64url_encode(&payload), base64url_encode("sig"));
        prop_assert!(JwtVerifier::new(KEY).verify(&token, UnixTime::from_secs(now)).is_err());
    }
}
