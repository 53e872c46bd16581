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
