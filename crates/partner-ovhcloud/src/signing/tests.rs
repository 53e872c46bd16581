use std::sync::Arc;

use partner_core::{ErrorKind, InMemoryReplayGuard};

use super::*;

fn keys(a: &str, c: &str) -> (ApplicationSecret, ConsumerKey) {
    (ApplicationSecret::new(a).unwrap(), ConsumerKey::new(c).unwrap())
}

fn at(secs: i64) -> UnixTime {
    UnixTime::from_secs(secs)
}

// The official SDKs' vectors (python-ovh tests/test_client.py and others).
#[test]
fn official_vectors() {
    let (a, c) = keys("9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk", "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY");
    let url = "https://eu.api.ovh.com/1.0/auth";
    let post = SignedRequest { method: "POST", url, body: br#"{"a":"b","c":"d"}"# };
    assert_eq!(sign(&a, &c, &post, at(1457018875)), "$1$ec2fb5c7a81f64723c77d2e5b609ae6f58a84fc1");
    let delete = SignedRequest { method: "delete", url, body: b"" };
    assert_eq!(
        sign(&a, &c, &delete, at(1457018875)),
        "$1$a1eecd00b3b02b6cf5708b84b9ff42059a950d85"
    );
}

#[test]
fn empty_keys_cannot_be_held() {
    for err in [ApplicationSecret::new("").unwrap_err(), ConsumerKey::new("").unwrap_err()] {
        assert_eq!(err, Error::Core(partner_core::Error::EmptyKey));
        assert_eq!(err.error_kind(), ErrorKind::Malformed);
    }
}

#[test]
fn verify_order() {
    let (a, c) = keys("as", "ck");
    let request = SignedRequest { method: "GET", url: "https://x/1.0/me", body: b"" };
    let sig = sign(&a, &c, &request, at(1000));
    let check = |signature: &str, ts: i64, now: i64| {
        let headers = SignatureHeaders { timestamp: at(ts), signature };
        verify(&a, &c, &request, &headers, at(now), &default_policy()).map_err(|e| e.error_kind())
    };
    assert_eq!(check(&sig, 1000, 1300), Ok(VerifiedRequest { timestamp: at(1000) }));
    assert!(check(&sig.to_uppercase(), 1000, 1000).is_ok());
    assert_eq!(check(&sig, 1000, 1301), Err(ErrorKind::Expired));
    assert_eq!(check(&sig, 1000, 699), Err(ErrorKind::NotYetValid));
    assert_eq!(check(&sig, 1001, 1000), Err(ErrorKind::BadSignature));
    assert_eq!(check("$1$abc", 1000, 1000), Err(ErrorKind::Malformed));
    assert_eq!(check(&sig[3..], 1000, 1000), Err(ErrorKind::Malformed));
    assert_eq!(check(&format!("$2${}", &sig[3..]), 1000, 1000), Err(ErrorKind::Malformed));
    // Malformed before bad signature before time.
    assert_eq!(check("nope", 1000, 99_999), Err(ErrorKind::Malformed));
    assert_eq!(
        check(&format!("$1${}", "0".repeat(40)), 1000, 99_999),
        Err(ErrorKind::BadSignature)
    );
}

#[test]
fn the_policy_sets_the_window_and_single_use() {
    let (a, c) = keys("as", "ck");
    let request = SignedRequest { method: "GET", url: "https://x/1.0/me", body: b"" };
    let sig = sign(&a, &c, &request, at(1000));
    let headers = SignatureHeaders { timestamp: at(1000), signature: &sig };
    let narrow =
        AcceptancePolicy::new(Freshness::new(Duration::from_secs(10), Duration::from_secs(10)));
    let err = verify(&a, &c, &request, &headers, at(1011), &narrow).unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Expired);
    let once = default_policy().with_replay_guard(Arc::new(InMemoryReplayGuard::new(10)));
    assert!(verify(&a, &c, &request, &headers, at(1000), &once).is_ok());
    // The same signature in upper case is the same signature.
    let upper = sig.to_uppercase();
    let again = SignatureHeaders { timestamp: at(1000), signature: &upper };
    let err = verify(&a, &c, &request, &again, at(1001), &once).unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Replayed);
}

#[test]
fn headers_parse_the_timestamp_with_core() {
    assert_eq!(SignatureHeaders::parse("1700000000", "$1$x").unwrap().timestamp, at(1_700_000_000));
    for bad in ["", "+5", " 5", "1e9", "5.0"] {
        let err = SignatureHeaders::parse(bad, "$1$x").unwrap_err();
        assert_eq!(err.error_kind(), ErrorKind::Malformed, "{bad:?}");
    }
}

#[test]
fn ascii_json() {
    let v = serde_json::json!({"k": "😀 <é>\n\"", "n": null});
    assert_eq!(json_body(&v).unwrap(), br#"{"k":"\ud83d\ude00 <\u00e9>\n\"","n":null}"#);
    let mut bad = std::collections::BTreeMap::new();
    bad.insert(vec![1u8], 1);
    let err = json_body(&bad).unwrap_err();
    assert!(
        matches!(err, Error::Core(partner_core::Error::Json { what: "request body", .. })),
        "{err:?}"
    );
}
