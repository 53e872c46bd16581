//! Property tests: build then verify round trips; every parser and verifier
//! fed arbitrary input answers with a typed error (never a panic, never a
//! success it should not give).
//!
//! `PROPTEST_CASES` sets the number of cases (default 512). Generators make
//! valid input directly: no filter or `prop_assume`, so no rejections.
#![allow(clippy::unwrap_used, missing_docs)]

use partner_blendr::oauth::{BLENDR_CALLBACK, SilentFlow};
use partner_blendr::{
    Error, ErrorKind, Guid, HasErrorKind, HashLinkSigner, HashVerifier, Hub, JwtClaims, JwtSigner,
    JwtVerifier, Region, RegionalHostStyle, SsoPage, SsoParams, UnixTime,
};
use partner_core::crypto::hmac_sha256;
use partner_core::encoding::base64url_encode;
use partner_core::replay::AcceptVerified;
use proptest::prelude::*;
use serde_json::{Map, Value};

const KEY: &str = "property key";

/// Text that stresses form encoding: any character, and the ones with a
/// meaning in a query.
fn text(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>().prop_map(String::from),
            prop::sample::select(vec![
                "&", "=", "+", "~", "*", "%", "%2", " ", "#", "?", "hash=", "é", "😀", "\r\n", "\n"
            ])
            .prop_map(str::to_owned),
        ],
        len,
    )
    .prop_map(|v| v.concat())
}

/// An extra parameter name that is never a documented one (those are all
/// lower-case ASCII letters, and this one starts with `x_`).
fn extra_name() -> impl Strategy<Value = String> {
    text(0..6).prop_map(|t| format!("x_{t}"))
}

fn kind_of<T: std::fmt::Debug>(r: Result<T, Error>) -> ErrorKind {
    r.unwrap_err().error_kind()
}

/// A token with any header and payload bytes, signed with `key`.
fn forge(header: &[u8], payload: &[u8], key: &str) -> String {
    let mut t = format!("{}.{}", base64url_encode(header), base64url_encode(payload));
    let tag = hmac_sha256(key.as_bytes(), t.as_bytes());
    t.push('.');
    t.push_str(&base64url_encode(tag));
    t
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1.0e12f64..1.0e12).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("\\PC{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A claim object near the accepted shape: `iat`, `accountid`, `account`,
/// `exp`, `nbf` each absent, well-typed or ill-typed, plus any other claims.
fn claims_object() -> impl Strategy<Value = Map<String, Value>> {
    let time = prop_oneof![
        Just(None),
        (990i64..1100).prop_map(|t| Some(Value::from(t))),
        json_value().prop_map(Some),
    ];
    let id = prop_oneof![
        Just(None),
        "\\PC{0,8}".prop_map(|s| Some(Value::from(s))),
        json_value().prop_map(Some),
    ];
    (
        time.clone(),
        time.clone(),
        time,
        id.clone(),
        id,
        prop::collection::btree_map("\\PC{0,6}", json_value(), 0..4),
    )
        .prop_map(|(iat, exp, nbf, accountid, external_id, others)| {
            let mut m: Map<String, Value> = others.into_iter().collect();
            for (name, value) in
                [("iat", iat), ("exp", exp), ("nbf", nbf), ("accountid", accountid)]
            {
                if let Some(v) = value {
                    m.insert(name.to_owned(), v);
                }
            }
            if let Some(v) = external_id {
                m.insert("account".to_owned(), serde_json::json!({ "external_id": v }));
            }
            m
        })
}

/// A header object: `alg` of several kinds, maybe `crit`, maybe other members.
fn header_object() -> impl Strategy<Value = Map<String, Value>> {
    let alg = prop_oneof![
        4 => Just(Some(Value::from("HS256"))),
        1 => prop::sample::select(vec!["none", "HS512", "RS256", "hs256", ""]).prop_map(|a| Some(Value::from(a))),
        1 => Just(None),
        1 => json_value().prop_map(Some),
    ];
    let crit = prop_oneof![
        4 => Just(None),
        1 => json_value().prop_map(Some),
        1 => prop::collection::vec("\\PC{0,6}", 0..3).prop_map(|v| Some(Value::from(v))),
    ];
    (alg, crit, prop::collection::btree_map("(typ|kid|cty|x|\\PC{0,4})", json_value(), 0..3))
        .prop_map(|(alg, crit, others)| {
            let mut m: Map<String, Value> = others.into_iter().collect();
            m.remove("alg");
            m.remove("crit");
            if let Some(a) = alg {
                m.insert("alg".to_owned(), a);
            }
            if let Some(c) = crit {
                m.insert("crit".to_owned(), c);
            }
            m
        })
}

proptest! {
    // PROPTEST_CASES overrides this (proptest applies the environment last).
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn hash_link_round_trips(
        account in text(1..10),
        name in text(0..10), user in text(0..10), email in text(0..10),
        extra in text(0..10),
        ts in 0i64..4_000_000_000, age in 0i64..=300,
    ) {
        let params = SsoParams::new(account.clone()).unwrap().account_name(name.clone()).user_name(user.clone())
            .user_email(email.clone()).extra("note", extra.clone()).unwrap();
        let ts = UnixTime::from_secs(ts);
        let now = UnixTime::from_secs(ts.as_secs() + age);
        let signer = HashLinkSigner::new(KEY).unwrap().allow_params(["note"]);
        let verifier = HashVerifier::new(KEY).unwrap().allow_params(["note"]);
        let pairs: Vec<(&str, &str)> = params.pairs().collect();
        let query = signer.signed_query(&pairs, ts).unwrap();
        // The GET link carries the same query.
        let link = signer.link(&Hub::eu("acme").unwrap(), &SsoPage::Home, &params, ts).unwrap();
        prop_assert_eq!(link.as_str().split_once('?').unwrap().1, query.as_str());
        let v = verifier.verify(&query, now).accepted().unwrap();
        prop_assert_eq!(v.account_id(), account.as_str());
        prop_assert_eq!(v.get("accountname").map(|c| c.into_owned()), Some(name));
        prop_assert_eq!(v.get("username").map(|c| c.into_owned()), Some(user));
        prop_assert_eq!(v.get("useremail").map(|c| c.into_owned()), Some(email));
        prop_assert_eq!(v.get("note").map(|c| c.into_owned()), Some(extra));
        prop_assert_eq!(v.timestamp(), ts);
        // Another key: a bad signature, whatever the content.
        let other = HashVerifier::new("other key").unwrap().allow_params(["note"]);
        prop_assert_eq!(kind_of(other.verify(&query, now).accepted()), ErrorKind::BadSignature);
    }

    // The allow-list decides, not the name: any name that is not documented
    // is refused by the signer and the verifier until both declare it.
    #[test]
    fn undeclared_names_are_refused_until_declared(name in extra_name(), value in text(0..8), ts in 0i64..4_000_000_000) {
        let ts = UnixTime::from_secs(ts);
        let params = SsoParams::new("acct").unwrap().extra(&name, value.clone()).unwrap();
        let pairs: Vec<(&str, &str)> = params.pairs().collect();
        let hub = Hub::eu("acme").unwrap();
        let signer = HashLinkSigner::new(KEY).unwrap();
        prop_assert!(matches!(signer.signed_query(&pairs, ts), Err(Error::UndeclaredParameter)));
        prop_assert!(matches!(signer.link(&hub, &SsoPage::Home, &params, ts), Err(Error::UndeclaredParameter)));
        prop_assert!(matches!(signer.post_form(&hub, &SsoPage::Home, &params, ts, None), Err(Error::UndeclaredParameter)));
        let query = signer.clone().allow_params([name.as_str()]).signed_query(&pairs, ts).unwrap();
        let plain = HashVerifier::new(KEY).unwrap();
        prop_assert!(matches!(plain.verify(&query, ts).accepted(), Err(Error::UndeclaredParameter)));
        let declared = plain.allow_params([name.as_str()]);
        let v = declared.verify(&query, ts).accepted().unwrap();
        prop_assert_eq!(v.get(&name).map(|c| c.into_owned()), Some(value));
    }

    #[test]
    fn hash_verifier_gives_a_typed_error_on_any_text(query in "\\PC{0,200}", now in any::<i64>()) {
        let v = HashVerifier::new(KEY).unwrap();
        let kind = kind_of(v.verify(&query, UnixTime::from_secs(now)).accepted());
        prop_assert!(matches!(kind, ErrorKind::Malformed | ErrorKind::UnsafeInput | ErrorKind::BadSignature), "{kind:?}");
    }

    #[test]
    fn hash_verifier_gives_a_typed_error_on_link_shaped_queries(
        parts in prop::collection::vec("(accountid|timestamp|hash|x|note|)=?(-?[0-9]{1,20}|[0-9a-fA-F]{64}|[0-9a-f%+&=]{0,70})", 0..7),
        now in any::<i64>(),
    ) {
        let v = HashVerifier::new(KEY).unwrap().allow_params(["note"]);
        let kind = kind_of(v.verify(&parts.join("&"), UnixTime::from_secs(now)).accepted());
        prop_assert!(matches!(kind, ErrorKind::Malformed | ErrorKind::UnsafeInput | ErrorKind::BadSignature), "{kind:?}");
    }

    #[test]
    fn jwt_round_trips(account in text(1..10), cred in text(0..10), ts in 0i64..4_000_000_000) {
        let claims = JwtClaims::flat(account.clone()).user_name(cred.clone()).credential("api_key", cred.clone());
        let now = UnixTime::from_secs(ts);
        let token = JwtSigner::new(KEY).unwrap().sign(&claims, now).unwrap();
        let v = JwtVerifier::new(KEY).unwrap().verify(&token, now).accepted().unwrap();
        prop_assert_eq!(&v.account_id, &account);
        prop_assert_eq!(v.claims()["api_key"].as_str(), Some(cred.as_str()));
        prop_assert_eq!(v.claims()["username"].as_str(), Some(cred.as_str()));
        prop_assert_eq!(v.issued_at, now);
        let other = JwtVerifier::new("other key").unwrap();
        prop_assert_eq!(kind_of(other.verify(&token, now).accepted()), ErrorKind::BadSignature);
    }

    #[test]
    fn jwt_verifier_gives_a_typed_error_on_any_text(token in "[A-Za-z0-9_.=+/-]{0,200}", now in any::<i64>()) {
        let kind = kind_of(JwtVerifier::new(KEY).unwrap().verify(&token, UnixTime::from_secs(now)).accepted());
        prop_assert!(matches!(kind, ErrorKind::Malformed | ErrorKind::BadSignature), "{kind:?}");
    }

    #[test]
    fn jwt_verifier_gives_a_typed_error_on_three_base64url_parts(
        parts in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..48), 3),
        now in any::<i64>(),
    ) {
        let token = parts.iter().map(base64url_encode).collect::<Vec<_>>().join(".");
        let kind = kind_of(JwtVerifier::new(KEY).unwrap().verify(&token, UnixTime::from_secs(now)).accepted());
        prop_assert!(matches!(kind, ErrorKind::Malformed | ErrorKind::BadSignature), "{kind:?}");
    }

    // Headers and payloads that are JSON, near the accepted shape, signed
    // with the right key or not: only an HS256 header without `crit`,
    // under the right key, may verify; a claim object is then required.
    #[test]
    fn jwt_verifier_on_json_parts(
        header in header_object(),
        payload in prop_oneof![
            3 => claims_object().prop_map(|m| serde_json::to_vec(&m).unwrap()),
            1 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
            1 => prop::collection::vec(any::<u8>(), 0..40),
            1 => Just(br#"{"accountid":"a","iat":1000,"s":"\ud800"}"#.to_vec()),
        ],
        right_key in any::<bool>(),
        now in 900i64..1200,
    ) {
        let header_json = serde_json::to_vec(&header).unwrap();
        let token = forge(&header_json, &payload, if right_key { KEY } else { "wrong key" });
        let result = JwtVerifier::new(KEY).unwrap().verify(&token, UnixTime::from_secs(now)).accepted();
        let hs256 = header.get("alg") == Some(&Value::from("HS256")) && !header.contains_key("crit");
        match result {
            Ok(v) => {
                prop_assert!(hs256 && right_key);
                let claims: Map<String, Value> = serde_json::from_slice(&payload).unwrap();
                prop_assert_eq!(v.claims(), &claims);
                prop_assert!(claims.contains_key("iat"));
            }
            Err(err) => {
                let kind = err.error_kind();
                if !hs256 {
                    prop_assert!(matches!(kind, ErrorKind::BadSignature), "{kind:?}");
                } else if !right_key {
                    // A header field jsonwebtoken cannot type is malformed.
                    prop_assert!(matches!(kind, ErrorKind::BadSignature | ErrorKind::Malformed), "{kind:?}");
                } else {
                    prop_assert!(matches!(kind, ErrorKind::Malformed | ErrorKind::Expired | ErrorKind::NotYetValid), "{kind:?}");
                }
            }
        }
    }

    #[test]
    fn authorize_parser_gives_a_typed_error(query in "\\PC{0,120}", shaped in prop::collection::vec(
        "(response_type|client_id|redirect_uri|prompt|state|scope)=(code|cid|none|https%3A%2F%2Fauth.blendr.io%2Fcallback|\\PC{0,10})", 0..7)
    ) {
        let flow = SilentFlow::new("cid", "secret", "https://app.example.com").unwrap();
        for q in [query, shaped.join("&")] {
            match flow.parse_authorize(&q) {
                Ok(req) => {
                    prop_assert_eq!(req.redirect_uri.as_str(), BLENDR_CALLBACK);
                    prop_assert_eq!(req.client_id.as_str(), "cid");
                    prop_assert!(!req.state.is_empty());
                }
                Err(err) => {
                    let kind = err.error_kind();
                    prop_assert!(matches!(kind, ErrorKind::Malformed | ErrorKind::UnsafeInput), "{kind:?}");
                }
            }
        }
    }

    #[test]
    fn hub_and_guid_parsers_give_a_typed_error(
        text in prop_oneof!["\\PC{0,70}", "[A-Za-z0-9-]{0,66}"],
        url in prop_oneof!["(https?://)?\\PC{0,40}", "(https?|ftp)://(127\\.0\\.0\\.1|localhost|[a-z.]{1,12})(:[0-9]{1,5})?(/[a-z%.]{0,8}){0,3}[?#]?"],
    ) {
        match Guid::new(text.clone()) {
            Ok(g) => prop_assert!(!g.as_str().is_empty() && g.as_str().len() <= 64 && g.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')),
            Err(err) => prop_assert_eq!(err.error_kind(), ErrorKind::UnsafeInput),
        }
        match Hub::regional(&text, Region::Ca, RegionalHostStyle::AdminBeforeRegion) {
            Ok(hub) => prop_assert_eq!(hub.as_str(), format!("https://{}.admin.ca.blendr.io", text.to_ascii_lowercase())),
            Err(err) => prop_assert!(matches!(err.error_kind(), ErrorKind::UnsafeInput | ErrorKind::Malformed)),
        }
        match Hub::from_base_url(&url) {
            Ok(hub) => {
                let page = hub.page_url(&SsoPage::Home);
                prop_assert!(hub.as_str().starts_with("https://") || hub.as_str().starts_with("http://"));
                prop_assert!(!hub.as_str().contains(['?', '#']) && page.ends_with("/sso"));
            }
            Err(err) => prop_assert!(matches!(err.error_kind(), ErrorKind::UnsafeInput | ErrorKind::Malformed)),
        }
    }

    #[test]
    fn sso_params_give_a_typed_error(account in "\\PC{0,8}", name in "\\PC{0,12}", value in "\\PC{0,8}") {
        match SsoParams::new(account.clone()) {
            Ok(p) => {
                prop_assert_eq!(p.account_id(), account.as_str());
                match p.extra(&name, value) {
                    Ok(p) => prop_assert!(p.pairs().any(|(k, _)| k == name)),
                    Err(err) => prop_assert_eq!(err.error_kind(), ErrorKind::Malformed),
                }
            }
            Err(err) => {
                prop_assert!(account.is_empty());
                prop_assert_eq!(err.error_kind(), ErrorKind::Malformed);
            }
        }
    }
}
