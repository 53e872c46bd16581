//! Tests of the hash link signer: documented hash, names, redaction.

use super::*;
use partner_core::{ErrorKind, HasErrorKind};

const KEY: &str = "saaspartner_api_key";

fn signer() -> HashLinkSigner {
    HashLinkSigner::new(KEY).unwrap()
}

// The hash of docs/conformance.md's sso-hash example (Python hmac).
#[test]
fn documented_hash() {
    assert_eq!(
        signer().hash("accountid=123&accountname=John&userid=456&timestamp=1565706663"),
        "d9423344c3d1823be6716af3fc7dbd7d185e45b1eca895c74dfa409fd06ac01d"
    );
}

#[test]
fn empty_keys_are_refused() {
    assert_eq!(HashLinkSigner::new("").unwrap_err(), Error::Core(CoreError::EmptyKey));
    assert_eq!(HashLinkSigner::new(Vec::new()).unwrap_err(), Error::Core(CoreError::EmptyKey));
    assert_eq!(HashLinkSigner::new("").unwrap_err().error_kind(), ErrorKind::Malformed);
}

// Credential names a name-guessing heuristic let through (access_key,
// client_key, pwd, auth, session, passphrase, otp, ...), names it caught,
// and names that look harmless: none is sent unless declared, and each
// is sent once declared.
const COMMON_NAMES: [&str; 46] = [
    "apikey",
    "api_key",
    "API-Key",
    "access_token",
    "password",
    "client_secret",
    "key",
    "access_key",
    "client_key",
    "pwd",
    "auth",
    "session",
    "passphrase",
    "otp",
    "sid",
    "jsessionid",
    "phpsessid",
    "code",
    "pin",
    "cookie",
    "sig",
    "signature",
    "hmac",
    "nonce",
    "salt",
    "private",
    "priv",
    "cert",
    "certificate",
    "pkcs12",
    "ssn",
    "cvv",
    "card",
    "account_number",
    "iban",
    "mfa",
    "totp",
    "recovery",
    "magic",
    "login_hint",
    "assertion",
    "saml",
    "ticket",
    "plan",
    "locale",
    "region",
];

#[test]
fn only_documented_and_declared_names_are_signed() {
    let hub = Hub::eu("acme").unwrap();
    let now = UnixTime::from_secs(1000);
    for name in COMMON_NAMES {
        let params = SsoParams::new("1").unwrap().extra(name, "v").unwrap();
        let pairs: Vec<(&str, &str)> = params.pairs().collect();
        let s = signer();
        let refused = |r: Result<(), Error>| matches!(r, Err(Error::UndeclaredParameter));
        assert!(refused(s.link(&hub, &SsoPage::Home, &params, now).map(|_| ())), "{name}");
        assert!(refused(s.signed_query(&pairs, now).map(|_| ())), "{name}");
        assert!(
            refused(s.link_to("https://acme.admin.blendr.io/sso", &pairs, now).map(|_| ())),
            "{name}"
        );
        assert!(
            refused(s.post_form(&hub, &SsoPage::Home, &params, now, None).map(|_| ())),
            "{name}"
        );
        let s = s.allow_params([name]);
        assert!(s.link(&hub, &SsoPage::Home, &params, now).is_ok(), "{name}");
        assert!(s.signed_query(&pairs, now).is_ok(), "{name}");
        assert!(s.post_form(&hub, &SsoPage::Home, &params, now, None).is_ok(), "{name}");
    }
    // Documented names need no declaration; the signer's own are refused.
    let s = signer();
    let all = [
        ("accountid", "1"),
        ("accountname", "A"),
        ("userid", "u"),
        ("username", "U"),
        ("useremail", "e"),
    ];
    assert!(s.signed_query(&all, now).is_ok());
    for own in ["hash", "timestamp", "jwt"] {
        let err =
            s.clone().allow_params([own]).signed_query(&[("accountid", "1"), (own, "x")], now);
        assert_eq!(err.unwrap_err().error_kind(), ErrorKind::Malformed, "{own}");
    }
    assert_eq!(
        s.signed_query(&[("userid", "1")], now).unwrap_err().error_kind(),
        ErrorKind::Malformed
    );
    assert!(SsoParams::new("1").unwrap().extra("timestamp", "1").is_err());
    assert_eq!(s.clone().allow_params(["b", "a"]).allowed_params().collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn debug_hides_the_query_and_key() {
    let s = signer();
    let link = s
        .link(
            &Hub::eu("acme").unwrap(),
            &SsoPage::Home,
            &SsoParams::new("1").unwrap(),
            UnixTime::EPOCH,
        )
        .unwrap();
    assert_eq!(format!("{link:?}"), "SignedUrl(https://acme.admin.blendr.io/sso?[REDACTED])");
    assert!(!format!("{s:?}").contains(KEY));
}

#[test]
fn issues_login_links_as_link_does() {
    let hub = Hub::eu("acme").unwrap();
    let page = SsoPage::Template(crate::Guid::new("t-1").unwrap());
    let params = SsoParams::new("1").unwrap().user_id("u");
    let now = UnixTime::from_secs(1000);
    let request = SsoRequest::new(hub.clone(), page.clone(), params.clone());
    let issued = signer().issue_link(&request, now).unwrap();
    assert_eq!(issued.as_str(), signer().link(&hub, &page, &params, now).unwrap().as_str());
    assert!(issued.as_str().starts_with(
        "https://acme.admin.blendr.io/sso/templates/t-1?accountid=1&userid=u&timestamp=1000&hash="
    ));
    let undeclared = SsoRequest::new(hub, page, params.extra("plan", "x").unwrap());
    assert_eq!(signer().issue_link(&undeclared, now).unwrap_err(), Error::UndeclaredParameter);
}

// Declared names are sent form-encoded (encoded once, when declared):
// the query is exactly the form encoding of the pairs and the timestamp.
#[test]
fn declared_names_are_sent_form_encoded() {
    let names = ["a b", "x&y=z", "é", "plain_name", "%41", "+"];
    let s = signer().allow_params(names);
    let now = UnixTime::from_secs(1_700_000_000);
    let mut pairs = vec![("accountid", "1 2"), ("username", "Jon Smith")];
    pairs.extend(names.iter().map(|n| (*n, "v&=é")));
    let query = s.signed_query(&pairs, now).unwrap();
    let mut all = pairs.clone();
    all.push(("timestamp", "1700000000"));
    let signed = form_encode(&all);
    assert_eq!(query, format!("{signed}&hash={}", s.hash(&signed)));
    let link = s.link_to("https://acme.admin.blendr.io/sso", &pairs, now).unwrap();
    assert_eq!(link.as_str(), format!("https://acme.admin.blendr.io/sso?{query}"));
    // The accountid need not come first.
    let query = s.signed_query(&[("a b", "1"), ("accountid", "2")], now).unwrap();
    assert!(query.starts_with("a+b=1&accountid=2&timestamp=1700000000&hash="), "{query}");
    // Negative and zero timestamps are written as Display writes them.
    for ts in [0, -1, i64::MIN, i64::MAX] {
        let q = s.signed_query(&[("accountid", "1")], UnixTime::from_secs(ts)).unwrap();
        assert!(q.starts_with(&format!("accountid=1&timestamp={ts}&hash=")), "{q}");
    }
}

// The errors are judged after the whole pass, in one order whatever the
// order of the pairs: no accountid, then the signer's own names, then an
// undeclared name.
#[test]
fn name_errors_have_one_precedence() {
    let s = signer();
    let now = UnixTime::from_secs(1000);
    let err = |pairs: &[(&str, &str)]| s.signed_query(pairs, now).unwrap_err();
    let malformed = |e: Error, what: &str| match e {
        Error::Core(CoreError::Malformed(m)) => assert!(m.contains(what), "{m}"),
        other => panic!("{other:?}"),
    };
    malformed(err(&[("apikey", "k"), ("hash", "h"), ("userid", "1")]), "accountid");
    malformed(err(&[("apikey", "k"), ("accountid", ""), ("jwt", "x")]), "accountid");
    malformed(err(&[("apikey", "k"), ("timestamp", "1"), ("accountid", "1")]), "set by the signer");
    malformed(err(&[("accountid", "1"), ("jwt", "t"), ("apikey", "k")]), "set by the signer");
    assert_eq!(err(&[("apikey", "k"), ("accountid", "1")]), Error::UndeclaredParameter);
    assert_eq!(err(&[("accountid", "1"), ("apikey", "k")]), Error::UndeclaredParameter);
    // A second accountid that is empty does not undo a first one.
    assert!(s.signed_query(&[("accountid", "1"), ("accountid", "")], now).is_ok());
    assert!(s.signed_query(&[], now).is_err());
}
