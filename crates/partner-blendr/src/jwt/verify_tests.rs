//! Tests of the JWT verifier: algorithm, shape, claims, time, single use.

use partner_core::replay::AcceptVerified;
use std::sync::Arc;

use super::*;
use crate::{JwtClaims, JwtSigner};
use partner_core::crypto::hmac_sha256;
use partner_core::encoding::base64url_encode;
use partner_core::{ErrorKind, HasErrorKind, InMemoryReplayGuard};

const KEY: &str = "saaspartner_api_key";
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

// docs/conformance.md's public example, made with PyJWT 2.x.
const PYJWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2NvdW50aWQiOjEyMywiYWNjb3VudG5hbWUiOiJBQ01FIiwidXNlcmlkIjoiNDU2IiwiaWF0IjoxNjk5OTk5OTk1LCJhcGlfa2V5IjoiYWJjZGUxMjM0NSJ9.TjfiPxvx2DUOJ6MIoA9-HX0L-Kd5wBIRV04PZJb_Xao";

fn verifier() -> JwtVerifier {
    JwtVerifier::new(KEY).unwrap()
}

/// A token with any header and payload text, signed with `key`.
fn forge(header: &str, payload: &str, key: &str) -> String {
    let mut t = format!("{}.{}", base64url_encode(header), base64url_encode(payload));
    let tag = hmac_sha256(key.as_bytes(), t.as_bytes());
    t.push('.');
    t.push_str(&base64url_encode(tag));
    t
}

#[test]
fn verifies_a_pyjwt_token() {
    let now = UnixTime::from_secs(1_700_000_000);
    let v = verifier().verify(PYJWT, now).accepted().unwrap();
    assert_eq!(v.account_id, "123");
    assert_eq!(v.claims()["api_key"], "abcde12345");
    assert_eq!(v.issued_at.as_secs(), 1_699_999_995);
    let other = JwtVerifier::new("other").unwrap();
    assert_eq!(
        other.verify(PYJWT, now).accepted().unwrap_err().error_kind(),
        ErrorKind::BadSignature
    );
}

#[test]
fn empty_keys_are_refused() {
    assert_eq!(JwtVerifier::new("").unwrap_err(), Error::Core(CoreError::EmptyKey));
    assert_eq!(JwtVerifier::new(Vec::new()).unwrap_err().error_kind(), ErrorKind::Malformed);
}

#[test]
fn algorithm_and_shape_rules() {
    let v = verifier();
    let now = UnixTime::from_secs(1000);
    let kind = |t: &str| v.verify(t, now).accepted().unwrap_err().error_kind();
    let ok_payload = r#"{"accountid":"a","iat":1000}"#;
    assert!(v.verify(&forge(HEADER, ok_payload, KEY), now).accepted().is_ok());
    for alg in ["none", "HS512", "HS384", "RS256", "hs256", "HS256 "] {
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        assert_eq!(kind(&forge(&header, ok_payload, KEY)), ErrorKind::BadSignature, "{alg}");
    }
    assert_eq!(kind(&forge(r#"{"typ":"JWT"}"#, ok_payload, KEY)), ErrorKind::BadSignature);
    assert_eq!(kind(&forge(r#"{"alg":null}"#, ok_payload, KEY)), ErrorKind::BadSignature);
    let unsigned =
        format!("{}.{}.", base64url_encode(r#"{"alg":"none"}"#), base64url_encode(ok_payload));
    assert_eq!(kind(&unsigned), ErrorKind::BadSignature);
    // A signature that is not 32 bytes of base64url.
    let good = forge(HEADER, ok_payload, KEY);
    let (signed, _) = good.rsplit_once('.').unwrap();
    assert_eq!(kind(&format!("{signed}.AAAA")), ErrorKind::BadSignature);
    assert_eq!(kind(&format!("{signed}.!!!")), ErrorKind::BadSignature);
    // Shape: parts, base64url, a JSON object header.
    assert_eq!(kind("a.b"), ErrorKind::Malformed);
    assert_eq!(kind("a.b.c.d"), ErrorKind::Malformed);
    assert_eq!(kind(&forge("[1]", ok_payload, KEY)), ErrorKind::Malformed);
    assert_eq!(kind(&forge("not json", ok_payload, KEY)), ErrorKind::Malformed);
    let bad_payload = format!("{}.a+b.{}", base64url_encode(HEADER), "x".repeat(43));
    assert_eq!(kind(&bad_payload), ErrorKind::Malformed);
    // Claims, read only after the signature.
    assert_eq!(kind(&forge(HEADER, r#"{"accountid":"a"}"#, KEY)), ErrorKind::Malformed);
    assert_eq!(kind(&forge(HEADER, r#"{"iat":1000}"#, KEY)), ErrorKind::Malformed);
    assert_eq!(
        kind(&forge(HEADER, r#"{"accountid":"a","iat":"1000"}"#, KEY)),
        ErrorKind::Malformed
    );
    assert_eq!(kind(&forge(HEADER, r#"[1]"#, KEY)), ErrorKind::Malformed);
    assert_eq!(kind(&forge(HEADER, "not json", KEY)), ErrorKind::Malformed);
    // ... so a wrong signature wins over a missing claim.
    assert_eq!(kind(&forge(HEADER, r#"{"accountid":"a"}"#, "wrong")), ErrorKind::BadSignature);
    assert_eq!(kind(&forge(HEADER, "not json", "wrong")), ErrorKind::BadSignature);
    // Nested account and fractional iat.
    let nested = r#"{"account":{"external_id":7},"iat":1000.9}"#;
    assert_eq!(v.verify(&forge(HEADER, nested, KEY), now).accepted().unwrap().account_id, "7");
}

// RFC 7515 section 4.1.11: a recipient that does not understand a
// critical extension must refuse the token. Correctly signed each time.
#[test]
fn critical_header_extensions_are_refused() {
    let v = verifier();
    let now = UnixTime::from_secs(1000);
    let payload = r#"{"accountid":"a","iat":1000}"#;
    for header in [
        r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
        r#"{"alg":"HS256","crit":["b64"],"b64":false}"#,
        r#"{"alg":"HS256","crit":[]}"#,
        r#"{"alg":"HS256","crit":"x"}"#,
    ] {
        let err = v.verify(&forge(header, payload, KEY), now).accepted().unwrap_err();
        assert_eq!(err, Error::UnsupportedCriticalHeader, "{header}");
        assert_eq!(err.error_kind(), ErrorKind::BadSignature);
    }
}

// serde_json refuses a lone surrogate in a string; before, the token
// verified and `claims()` quietly returned `{}`.
#[test]
fn a_lone_surrogate_is_malformed_not_an_empty_claim_set() {
    let v = verifier();
    let now = UnixTime::from_secs(1000);
    for payload in [
        r#"{"accountid":"a","iat":1000,"name":"\ud800"}"#,
        r#"{"accountid":"a","iat":1000,"\udfff":1}"#,
        r#"{"accountid":"a\ud800b","iat":1000}"#,
    ] {
        let err = v.verify(&forge(HEADER, payload, KEY), now).accepted().unwrap_err();
        assert_eq!(err.error_kind(), ErrorKind::Malformed, "{payload}");
    }
    // A surrogate pair is fine.
    let pair = r#"{"accountid":"a","iat":1000,"name":"\ud83d\ude00"}"#;
    assert_eq!(v.verify(&forge(HEADER, pair, KEY), now).accepted().unwrap().claims()["name"], "😀");
}

#[test]
fn time_rules() {
    let v = verifier();
    let kind = |payload: &str, now: i64| {
        v.verify(&forge(HEADER, payload, KEY), UnixTime::from_secs(now))
            .accepted()
            .map(|_| ())
            .map_err(|e| e.error_kind())
    };
    assert_eq!(kind(r#"{"accountid":1,"iat":1000}"#, 1300), Ok(()));
    assert_eq!(kind(r#"{"accountid":1,"iat":1000}"#, 1301), Err(ErrorKind::Expired));
    assert_eq!(kind(r#"{"accountid":1,"iat":1000,"exp":1100}"#, 1101), Err(ErrorKind::Expired));
    assert_eq!(kind(r#"{"accountid":1,"iat":1000,"exp":1100}"#, 1100), Ok(()));
    // jsonwebtoken's own exp check (system clock) is off: an exp long past
    // by the system clock but not by `now` is fine.
    assert_eq!(kind(r#"{"accountid":1,"iat":1000,"exp":1001}"#, 1000), Ok(()));
    assert_eq!(kind(r#"{"accountid":1,"iat":1061}"#, 1000), Err(ErrorKind::NotYetValid));
    assert_eq!(kind(r#"{"accountid":1,"iat":1000,"nbf":1061}"#, 1000), Err(ErrorKind::NotYetValid));
    assert_eq!(kind(r#"{"accountid":1,"iat":1000,"nbf":1060}"#, 1000), Ok(()));
    // No audience or issuer check: Blendr's tokens name none we know.
    assert_eq!(kind(r#"{"accountid":1,"iat":1000,"aud":"x","iss":"y"}"#, 1000), Ok(()));
    // Bad signature beats expiry.
    let stale = forge(HEADER, r#"{"accountid":1,"iat":1}"#, "wrong");
    assert_eq!(
        v.verify(&stale, UnixTime::from_secs(99_999)).accepted().unwrap_err().error_kind(),
        ErrorKind::BadSignature
    );
}

#[test]
fn replay_guard_refuses_second_use() {
    let guard = Arc::new(InMemoryReplayGuard::new(8));
    let v = verifier().with_policy(default_policy().with_replay_guard(guard));
    let now = UnixTime::from_secs(1000);
    let token = JwtSigner::new(KEY).unwrap().sign(&JwtClaims::flat("a"), now).unwrap();
    assert!(v.verify(&token, now).accepted().is_ok());
    assert_eq!(v.verify(&token, now).accepted(), Err(Error::Core(CoreError::Replayed)));
}

#[test]
fn debug_shows_identity_claims_only() {
    let now = UnixTime::from_secs(1000);
    let claims = JwtClaims::flat("acme")
        .user_email("jo@acme.test")
        .credential("api_key", "cust-s3cr3t")
        .claim("datasource", serde_json::json!({"token": "t0k3n"}));
    let token = JwtSigner::new(KEY).unwrap().sign(&claims, now).unwrap();
    let v = verifier().verify(&token, now).accepted().unwrap();
    let text = format!("{v:?}");
    assert_eq!(
        text,
        r#"VerifiedJwt { account_id: "acme", issued_at: UnixTime(1000), useremail: "jo@acme.test", other_claims_redacted: ["api_key", "datasource"] }"#
    );
    assert!(!format!("{:?}", verifier()).contains(KEY));
}

#[test]
fn is_a_login_verifier_and_takes_a_policy() {
    use partner_core::{Freshness, LoginVerifier as _};
    use std::time::Duration;
    let token = forge(HEADER, r#"{"accountid":"a","iat":1000}"#, KEY);
    assert_eq!(
        verifier().verify_login(&token, UnixTime::from_secs(1000)).accepted().unwrap().account_id,
        "a"
    );
    let short =
        AcceptancePolicy::new(Freshness::new(Duration::from_secs(10), Duration::from_secs(1)));
    let v = verifier().with_policy(short);
    assert!(v.verify(&token, UnixTime::from_secs(1010)).accepted().is_ok());
    assert_eq!(
        v.verify(&token, UnixTime::from_secs(1011)).accepted(),
        Err(Error::Core(CoreError::Expired))
    );
    assert_eq!(
        v.verify(&token, UnixTime::from_secs(998)).accepted(),
        Err(Error::Core(CoreError::NotYetValid))
    );
    assert!(!v.policy().is_single_use());
}

// The header's JSON error keeps serde's diagnosis as its source.
#[test]
fn a_header_that_is_not_json_keeps_the_json_error() {
    use std::error::Error as _;
    let err = verifier()
        .verify(&forge("{not json", "{}", KEY), UnixTime::from_secs(1))
        .accepted()
        .unwrap_err();
    assert!(matches!(err, Error::Core(CoreError::Json { what: "jwt header", .. })), "{err:?}");
    assert!(err.source().is_some());
}

// The headers read without parsing are exactly what they claim to be, and
// the parser reads them the same way.
#[test]
fn common_headers_are_hs256_without_crit() {
    let want =
        [r#"{"typ":"JWT","alg":"HS256"}"#, r#"{"alg":"HS256","typ":"JWT"}"#, r#"{"alg":"HS256"}"#];
    for (b64, json) in COMMON_HS256_HEADERS.iter().zip(want) {
        assert_eq!(base64url_decode(b64).unwrap(), json.as_bytes(), "{b64}");
        let parsed: HeaderFacts = serde_json::from_str(json).unwrap();
        assert_eq!(parsed, HeaderFacts { hs256: true, crit: false }, "{json}");
        assert_eq!(read_header(b64).unwrap(), parsed);
    }
    // Neighbours take the parser's way and keep its answers.
    let kind = |json: &str| read_header(&base64url_encode(json)).map_err(|e| e.error_kind());
    assert_eq!(
        kind(r#"{"typ":"JWT","alg":"HS384"}"#),
        Ok(HeaderFacts { hs256: false, crit: false })
    );
    assert_eq!(kind(r#"{"alg":"HS256","crit":null}"#), Ok(HeaderFacts { hs256: true, crit: true }));
    assert_eq!(
        kind(r#"{"alg":"HS256","alg":"none"}"#),
        Ok(HeaderFacts { hs256: false, crit: false })
    );
    assert_eq!(kind(r#"{"alg":"HS\u0032\u00356"}"#), Ok(HeaderFacts { hs256: true, crit: false }));
    assert_eq!(kind(r#"["HS256"]"#), Err(ErrorKind::Malformed));
    assert_eq!(kind(r#"{"alg":"HS256"} x"#), Err(ErrorKind::Malformed));
    // A header past the stack buffer.
    let long = format!(r#"{{"alg":"HS256","kid":"{}"}}"#, "k".repeat(400));
    assert_eq!(kind(&long), Ok(HeaderFacts { hs256: true, crit: false }));
}

// Numeric account ids read as serde_json writes them.
#[test]
fn numeric_account_ids_are_text() {
    for (id, text) in [
        ("123", "123"),
        ("-5", "-5"),
        ("18446744073709551615", "18446744073709551615"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("1.5", "1.5"),
        ("0", "0"),
    ] {
        let token = forge(HEADER, &format!(r#"{{"accountid":{id},"iat":1000}}"#), KEY);
        assert_eq!(
            verifier().verify(&token, UnixTime::from_secs(1000)).accepted().unwrap().account_id,
            text
        );
    }
}

// The shape is checked on the way to an error only, and still outranks
// the algorithm, the critical extensions and the signature.
#[test]
fn shape_outranks_algorithm_and_signature() {
    let v = verifier();
    let now = UnixTime::from_secs(1000);
    let kind = |t: &str| v.verify(t, now).accepted().unwrap_err().error_kind();
    let payload = base64url_encode(r#"{"accountid":"a","iat":1000}"#);
    let good = forge(HEADER, r#"{"accountid":"a","iat":1000}"#, KEY);
    let (head, signature) = (good.split('.').next().unwrap(), good.rsplit('.').next().unwrap());
    // Four parts around a readable HS256 header: malformed, not a bad signature.
    let three_parts = Err(Error::Core(CoreError::Malformed("a jwt has three parts")));
    assert_eq!(
        v.verify(&format!("{head}.{payload}.{payload}.{signature}"), now).accepted(),
        three_parts
    );
    assert_eq!(v.verify(&format!("{head}.{payload}..{signature}"), now).accepted(), three_parts);
    assert_eq!(
        v.verify(&format!("{head}.{payload}.{signature}.{signature}"), now).accepted(),
        three_parts
    );
    assert_eq!(v.verify(&format!("e30.{payload}.x.{signature}"), now).accepted(), three_parts);
    // Three parts with an empty payload: a shape like any other.
    assert_eq!(kind(&format!("{head}..{signature}")), ErrorKind::BadSignature);
    // ... and around any header.
    for header in [r#"{"alg":"none"}"#, r#"{"alg":"HS256","crit":[]}"#, "{not json"] {
        let h = base64url_encode(header);
        assert_eq!(kind(&format!("{h}.{payload}.x.{signature}")), ErrorKind::Malformed, "{header}");
        // A payload outside the alphabet outranks the algorithm and `crit`.
        assert_eq!(kind(&format!("{h}.a+b.{signature}")), ErrorKind::Malformed, "{header}");
    }
    // With three parts, the same headers give their own errors.
    let none = base64url_encode(r#"{"alg":"none"}"#);
    assert_eq!(kind(&format!("{none}.{payload}.{signature}")), ErrorKind::BadSignature);
    let crit = base64url_encode(r#"{"alg":"HS256","crit":[]}"#);
    assert_eq!(
        v.verify(&format!("{crit}.{payload}.{signature}"), now).accepted(),
        Err(Error::UnsupportedCriticalHeader)
    );
    // A signature that is not 32 bytes of base64url, under a good header
    // and payload: a bad signature, whatever jsonwebtoken calls it.
    for sig in ["", "AAAA", "!!!", "a", &"A".repeat(44), &format!("{signature}=")] {
        assert_eq!(kind(&format!("{head}.{payload}.{sig}")), ErrorKind::BadSignature, "{sig:?}");
    }
}

// Single use is keyed by the signature bytes: a signature re-written with
// other trailing bits would not decode, so the key is the one token.
#[test]
fn single_use_is_keyed_by_the_signature() {
    let guard = Arc::new(InMemoryReplayGuard::new(8));
    let v = verifier().with_policy(default_policy().with_replay_guard(guard.clone()));
    let now = UnixTime::from_secs(1000);
    let a = forge(HEADER, r#"{"accountid":"a","iat":1000}"#, KEY);
    let b = forge(HEADER, r#"{"accountid":"a","iat":1000,"x":1}"#, KEY);
    assert!(v.verify(&a, now).accepted().is_ok() && v.verify(&b, now).accepted().is_ok());
    assert_eq!(guard.len(), 2);
    assert_eq!(v.verify(&a, now).accepted(), Err(Error::Core(CoreError::Replayed)));
    // Without a guard, nothing is recorded and a token verifies again.
    assert!(
        verifier().verify(&a, now).accepted().is_ok()
            && verifier().verify(&a, now).accepted().is_ok()
    );
}
