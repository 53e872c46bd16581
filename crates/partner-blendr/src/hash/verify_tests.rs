//! Tests of the hash verifier: order of checks, names, single use, redaction.

use super::*;
use partner_core::replay::AcceptVerified;
use std::sync::Arc;

use crate::{HashLinkSigner, SsoParams};
use partner_core::{ErrorKind, HasErrorKind, InMemoryReplayGuard};

const KEY: &str = "saaspartner_api_key";

fn signer() -> HashLinkSigner {
    HashLinkSigner::new(KEY).unwrap()
}

fn verifier() -> HashVerifier {
    HashVerifier::new(KEY).unwrap()
}

#[test]
fn segment_removal_is_textual() {
    let q = "a=1&&hash=x&b=2";
    let seg = q.split('&').nth(2).unwrap();
    assert_eq!(without_segment(q, seg), "a=1&&b=2");
    let q = "hash=x&a=1";
    assert_eq!(without_segment(q, &q[..6]), "a=1");
    let q = "a=1&hash=x";
    assert_eq!(without_segment(q, &q[4..]), "a=1");
    let q = "hash=x";
    assert_eq!(without_segment(q, q), "");
}

#[test]
fn empty_keys_are_refused() {
    assert_eq!(HashVerifier::new("").unwrap_err(), Error::Core(CoreError::EmptyKey));
    assert_eq!(HashVerifier::new(Vec::new()).unwrap_err().error_kind(), ErrorKind::Malformed);
}

#[test]
fn verify_order_and_kinds() {
    let s = signer().allow_params(["x"]);
    let v = verifier().allow_params(["x"]);
    let now = UnixTime::from_secs(1000);
    let good = s.signed_query(&[("accountid", "a1"), ("x", "1 2")], now).unwrap();
    assert_eq!(v.verify(&good, now).accepted().unwrap().get("x").as_deref(), Some("1 2"));
    // The hash may be anywhere.
    let (q, h) = good.split_once("&hash=").unwrap();
    let moved = format!("hash={h}&{q}");
    assert!(v.verify(&moved, now).accepted().is_ok());
    let kind = |q: &str| v.verify(q, now).accepted().unwrap_err().error_kind();
    assert_eq!(kind(q), ErrorKind::Malformed);
    assert_eq!(kind(&format!("{good}&hash={h}")), ErrorKind::Malformed);
    assert_eq!(kind(&format!("timestamp=1000&hash={h}")), ErrorKind::Malformed);
    assert_eq!(kind(&format!("accountid=&timestamp=1000&hash={h}")), ErrorKind::Malformed);
    assert_eq!(kind(&format!("accountid=1&timestamp=soon&hash={h}")), ErrorKind::Malformed);
    assert_eq!(kind(&format!("{q}&hash=abc")), ErrorKind::BadSignature);
    assert_eq!(kind(&good.replace("x=1", "x=9")), ErrorKind::BadSignature);
    assert!(v.verify(&format!("{q}&hash={}", h.to_uppercase()), now).accepted().is_ok());
    let late = UnixTime::from_secs(1301);
    assert_eq!(v.verify(&good, late).accepted(), Err(Error::Core(CoreError::Expired)));
    let early = UnixTime::from_secs(939);
    assert_eq!(v.verify(&good, early).accepted(), Err(Error::Core(CoreError::NotYetValid)));
}

// A correctly signed link that carries a credential: the hub must not
// accept it (nor could a signer of this crate have made it).
#[test]
fn undeclared_names_are_refused_before_the_hash() {
    let now = UnixTime::from_secs(1000);
    let raw_signer = signer();
    for name in ["apikey", "access_key", "pwd", "session", "x", "", "Plan", "%61pikey"] {
        let query = format!("accountid=1&{name}=secret&timestamp=1000");
        let signed = format!("{query}&hash={}", raw_signer.hash(&query));
        let err = verifier().verify(&signed, now).accepted().unwrap_err();
        assert!(matches!(err, Error::UndeclaredParameter), "{name}: {err:?}");
        assert_eq!(err.error_kind(), ErrorKind::UnsafeInput);
        // Before the hash: a wrong hash is still unsafe-input.
        let forged = format!("{query}&hash={}", "0".repeat(64));
        assert!(
            matches!(verifier().verify(&forged, now).accepted(), Err(Error::UndeclaredParameter)),
            "{name}"
        );
    }
    // Declared (after decoding): accepted; malformed still comes first.
    let query = "accountid=1&%61pikey=v&plan=pro&timestamp=1000";
    let signed = format!("{query}&hash={}", raw_signer.hash(query));
    let v = verifier().allow_params(["apikey", "plan"]);
    assert_eq!(v.verify(&signed, now).accepted().unwrap().get("apikey").as_deref(), Some("v"));
    assert_eq!(
        verifier().verify("apikey=1&hash=00", now).accepted().unwrap_err().error_kind(),
        ErrorKind::Malformed
    );
}

#[test]
fn replay_guard_refuses_second_use_only_after_success() {
    let guard = Arc::new(InMemoryReplayGuard::new(8));
    let v = verifier().with_policy(crate::default_policy().with_replay_guard(guard.clone()));
    let now = UnixTime::from_secs(5000);
    let q = signer().signed_query(&[("accountid", "1")], now).unwrap();
    assert_eq!(
        v.verify(&q, UnixTime::from_secs(9999)).accepted(),
        Err(Error::Core(CoreError::Expired))
    );
    assert!(guard.is_empty());
    assert!(v.verify(&q, now).accepted().is_ok());
    assert_eq!(v.verify(&q, now).accepted(), Err(Error::Core(CoreError::Replayed)));
}

#[test]
fn debug_shows_identity_values_only() {
    let now = UnixTime::from_secs(1000);
    let params = SsoParams::new("acme")
        .unwrap()
        .user_name("Jo")
        .extra("plan", "platinum-tier")
        .unwrap()
        .extra("session", "s3cr3t")
        .unwrap();
    let pairs: Vec<(&str, &str)> = params.pairs().collect();
    let q = signer().allow_params(["plan", "session"]).signed_query(&pairs, now).unwrap();
    let v = verifier().allow_params(["plan", "session"]).verify(&q, now).accepted().unwrap();
    let text = format!("{v:?}");
    assert_eq!(
        text,
        r#"VerifiedHash { accountid: "acme", username: "Jo", timestamp: 1000, other_params_redacted: ["plan", "session"] }"#
    );
    assert!(!text.contains("s3cr3t") && !text.contains("platinum") && !text.contains("hash"));
}

#[test]
fn is_a_login_verifier() {
    use partner_core::LoginVerifier as _;
    let now = UnixTime::from_secs(1000);
    let q = signer().signed_query(&[("accountid", "a-1")], now).unwrap();
    assert_eq!(verifier().verify_login(&q, now).accepted().unwrap().account_id(), "a-1");
    let late = verifier().verify_login(&q, UnixTime::from_secs(1301)).accepted().unwrap_err();
    assert_eq!(late.error_kind(), ErrorKind::Expired);
}

#[test]
fn timestamps_parse_as_unix_seconds_only() {
    let now = UnixTime::from_secs(1000);
    for bad in ["+1000", " 1000", "1e3", "1000.0", "", "-", "99999999999999999999"] {
        let query = format!("accountid=1&timestamp={bad}");
        let signed = format!("{query}&hash={}", signer().hash(&query));
        let err = verifier().verify(&signed, now).accepted().unwrap_err();
        assert_eq!(err.error_kind(), ErrorKind::Malformed, "{bad:?}");
    }
}

/// The segments as `split('&')` then `split_once('=')` give them: the
/// reference the one-pass scanner must agree with.
fn reference_segments(query: &str) -> Vec<(&str, &str, bool)> {
    query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (name, value) = s.split_once('=').unwrap_or((s, ""));
            (name, value, name.contains(['%', '+']))
        })
        .collect()
}

fn scanned_segments(query: &str) -> Vec<(&str, &str, bool)> {
    Segments::new(query)
        .map(|s| (&query[s.start..s.name_end], &query[s.value_start..s.end], s.escaped_name))
        .collect()
}

// Separators and escapes at every offset of an 8-byte word, on both sides
// of a word boundary, and bytes one away from them (`'` `%`-1, `,` `+`+1,
// `<` `=`-1, `>` `=`+1, `%` `&`-1, `'` `&`+1), which a borrow can flag.
#[test]
fn segments_split_as_split_and_split_once_do() {
    let mut queries: Vec<String> = vec![
        String::new(),
        "&".into(),
        "&&=&".into(),
        "=".into(),
        "a".into(),
        "accountid=1&hash=x&timestamp=2".into(),
        "a=1=2&b&&c=&=d".into(),
        "%61pikey=v&plan+x=pro&x%=&x+".into(),
        "é=ü&ü%C3=é+".into(),
    ];
    for len in 0..20 {
        for at in 0..len {
            for special in ['=', '&', '%', '+', '\'', ',', '<', '>', '$', '\u{1}'] {
                let mut q: Vec<char> = "abcdefghijklmnopqrst".chars().take(len).collect();
                q[at] = special;
                queries.push(q.iter().collect());
                q.insert(0, '=');
                queries.push(q.iter().collect());
                let mut r: Vec<char> = q.clone();
                r[len / 2] = '&';
                queries.push(r.iter().collect());
            }
        }
    }
    for q in &queries {
        assert_eq!(scanned_segments(q), reference_segments(q), "{q:?}");
    }
}

proptest::proptest! {
    #[test]
    fn segments_agree_with_split_on_any_text(query in "[a-c=&%+,<>'é\u{1}]{0,48}") {
        proptest::prop_assert_eq!(scanned_segments(&query), reference_segments(&query));
    }
}
