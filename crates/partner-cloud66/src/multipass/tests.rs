//! The multipass: vectors, order of the checks, expiry rules, schemes,
//! the padding oracle findings, single use.

use partner_core::replay::AcceptVerified;
use std::sync::Arc;

use partner_core::encoding::base64_decode_tolerant;
use partner_core::{
    Error as CoreError, ErrorKind, HasErrorKind, InMemoryReplayGuard, Secret, UnixTime,
};

use super::keys::gem_base64;
use super::*;
use crate::Error;

fn encode(keys: &MultipassKeys, payload_json: &[u8]) -> EncodedMultipass {
    MultipassSigner::new(keys.clone()).sign(payload_json)
}

fn encode_identity(
    keys: &MultipassKeys,
    email: &str,
    name: &str,
    exp: UnixTime,
) -> EncodedMultipass {
    MultipassSigner::new(keys.clone()).sign_identity(email, name, exp)
}

fn core(err: &Error) -> &CoreError {
    match err {
        Error::Core(e) => e,
        other => panic!("not a core error: {other:?}"),
    }
}

fn single_use() -> partner_core::AcceptancePolicy {
    default_policy().with_replay_guard(Arc::new(InMemoryReplayGuard::new(16)))
}

const UID: &str = "3f7a1c9e5b2d4f6081a2c3e4f5061728";

// The public vectors of tests/vectors/examples/cloud66 (pyca/cryptography).
const TOKEN: &str = "XTqNoVF58m1drX6Uokv3jzdHp0NToqNGiUeaaqJaUQcOA0fhtU42hHZ5B6izrPvQ7qrrLyxBzL8SyvzXl8hmdc_7HRSIibcMCUW5UYbcZHaALEtCxbnoc44OwsKOXu7b";
const SIG: &str = "f31da48b4f993656eebf41d12127524e87732372582f85f81a20d69d451ec990";

#[test]
fn encodes_and_decodes_the_public_vector() {
    let keys = MultipassKeys::cloud66(UID).unwrap();
    let enc = encode(
        &keys,
        br#"{"email":"jon@smith.com","name":"Jon Smith","expires":"2015-05-19 16:24:48 UTC"}"#,
    );
    assert_eq!(enc.multipass, TOKEN);
    assert_eq!(enc.signature.as_deref(), Some(SIG));
    let id = MultipassVerifier::new(keys)
        .verify(TOKEN, Some(&SIG.to_uppercase()), UnixTime::from_secs(1_432_052_648))
        .accepted()
        .unwrap();
    assert_eq!(id.name(), Some("Jon Smith"));
    assert_eq!(id.expires_at, Some(UnixTime::from_secs(1_432_052_688)));
}

#[test]
fn signature_is_checked_before_anything_else() {
    let v = MultipassVerifier::new(MultipassKeys::cloud66(UID).unwrap());
    let now = UnixTime::from_secs(1_432_052_648);
    // Garbage token with a wrong signature: bad-signature, not malformed.
    assert!(matches!(
        v.verify("%%%not base64%%%", Some(SIG), now).accepted(),
        Err(Error::Core(CoreError::BadSignature))
    ));
    assert!(matches!(
        v.verify(TOKEN, None, now).accepted(),
        Err(Error::Core(CoreError::BadSignature))
    ));
    assert!(matches!(
        v.verify(TOKEN, Some(&SIG[..63]), now).accepted(),
        Err(Error::Core(CoreError::BadSignature))
    ));
    // Expired only once the signature is right.
    assert!(matches!(
        v.verify(TOKEN, Some(SIG), UnixTime::from_secs(1_432_052_719)).accepted(),
        Err(Error::Core(CoreError::Expired))
    ));
    assert!(v.verify(TOKEN, Some(SIG), UnixTime::from_secs(1_432_052_718)).accepted().is_ok());
}

#[test]
fn decryption_failures_are_one_error() {
    let keys = MultipassKeys::cloud66(UID).unwrap();
    let v = MultipassVerifier::new(keys.clone());
    let now = UnixTime::EPOCH;
    // Correctly signed, but not a whole block / wrong padding.
    for token in ["AAAA", "AAAAAAAAAAAAAAAAAAAAAA", &TOKEN[..40]] {
        let sig = keys.signature_of(token).unwrap();
        assert!(
            matches!(
                v.verify(token, Some(&sig), now).accepted(),
                Err(Error::Core(CoreError::BadSignature))
            ),
            "{token}"
        );
    }
    let sig = keys.signature_of("a*b").unwrap();
    assert_eq!(
        v.verify("a*b", Some(&sig), now).accepted().unwrap_err().error_kind(),
        ErrorKind::Malformed
    );
}

#[test]
fn expiry_rules() {
    let keys = MultipassKeys::cloud66(UID).unwrap();
    let v = MultipassVerifier::new(keys.clone());
    let now = UnixTime::from_secs(1_000);
    let enc = |json: &str| encode(&keys, json.as_bytes());
    let check = |v: &MultipassVerifier, json: &str| {
        let e = enc(json);
        v.verify(&e.multipass, e.signature.as_deref(), now)
            .accepted()
            .map(|id| id.expires_at)
            .map_err(|e| e.error_kind())
    };
    assert_eq!(check(&v, r#"{"email":"a@b.co"}"#), Err(ErrorKind::Malformed));
    assert_eq!(check(&v, r#"{"expires":""}"#), Err(ErrorKind::Malformed));
    assert_eq!(check(&v, r#"{"expires":"tomorrow"}"#), Err(ErrorKind::Malformed));
    assert_eq!(check(&v, r#"[1,2]"#), Err(ErrorKind::Malformed));
    assert_eq!(check(&v, r#"{"expires":1030}"#), Ok(Some(UnixTime::from_secs(1030))));
    assert_eq!(check(&v, r#"{"expires":1030.75}"#), Ok(Some(UnixTime::from_secs(1030))));
    assert_eq!(check(&v, r#"{"expires":1e300}"#), Err(ErrorKind::Malformed));
    assert_eq!(check(&v, r#"{"expires":"969"}"#), Err(ErrorKind::Expired));
    assert_eq!(
        check(&v, r#"{"expires":"1970-01-01 00:16:40 +0000"}"#),
        Ok(Some(UnixTime::from_secs(1000)))
    );
    assert_eq!(
        check(&v, r#"{"expires":"1970-01-01 01:16:40 +0100"}"#),
        Ok(Some(UnixTime::from_secs(1000)))
    );
    assert_eq!(
        check(&v, r#"{"expires":"1970-01-01T00:16:40Z"}"#),
        Ok(Some(UnixTime::from_secs(1000)))
    );
    let lenient = MultipassVerifier::new(keys.clone()).allow_missing_expiry(true);
    assert_eq!(check(&lenient, r#"{"email":"a@b.co"}"#), Ok(None));
    assert_eq!(check(&lenient, r#"{"expires":""}"#), Ok(None));
}

#[test]
fn modes_and_schemes_round_trip() {
    let now = UnixTime::from_secs(0);
    for mode in [
        SignatureMode::Sha256KeyThenToken,
        SignatureMode::Sha256TokenThenKey,
        SignatureMode::HmacSha256Hex,
        SignatureMode::HmacSha256Base64,
    ] {
        let keys = MultipassKeys::cloud66(UID).unwrap().with_signature_mode(mode);
        let e = encode_identity(&keys, "a@b.co", "A", UnixTime::from_secs(60));
        let v = MultipassVerifier::new(keys);
        assert!(v.verify(&e.multipass, e.signature.as_deref(), now).accepted().is_ok(), "{mode:?}");
        let other =
            MultipassVerifier::new(MultipassKeys::cloud66(UID).unwrap().with_signature_mode(
                if mode == SignatureMode::HmacSha256Hex {
                    SignatureMode::Sha256KeyThenToken
                } else {
                    SignatureMode::HmacSha256Hex
                },
            ));
        assert!(
            other.verify(&e.multipass, e.signature.as_deref(), now).accepted().is_err(),
            "{mode:?}"
        );
    }
    let gem = MultipassKeys::cloud66_gem_key(UID, "acme").unwrap();
    let e = encode_identity(&gem, "a@b.co", "A", UnixTime::from_secs(60));
    assert!(
        MultipassVerifier::new(gem)
            .verify(&e.multipass, e.signature.as_deref(), now)
            .accepted()
            .is_ok()
    );
    assert!(MultipassKeys::cloud66("short").is_err());
    assert!(MultipassKeys::cloud66("3f7a1c9e5b2d4f6081a2c3e4f50617é").is_err());
}

const SITE: &str = "my_site_key";
const API: &str = "my_super_secret_key_shh";

fn entp_keys() -> MultipassKeys {
    MultipassKeys::entp(SITE, &Secret::from(API)).unwrap()
}

// Finding: the unsigned scheme told bad padding (bad-signature) from good
// padding with bad JSON (malformed): a padding oracle. Every failure after
// base64 is now one error with one message.
#[test]
fn entp_failures_after_base64_are_one_answer() {
    let keys = entp_keys();
    let v = MultipassVerifier::new(keys.clone());
    let now = UnixTime::from_secs(1_000);
    let good = encode(&keys, br#"{"email":"a@b.co","expires":1030}"#).multipass;
    let mut answers = Vec::new();
    for plaintext in [
        &b"not json at all"[..],
        br#"["an","array"]"#,
        b"\xff\xfe not utf-8",
        br#"{"expires":"tomorrow"}"#,
        br#"{"email":"\ud800","expires":1030}"#,
        br#"{"email":"a@b.co""#,
    ] {
        answers
            .push(v.verify(&encode(&keys, plaintext).multipass, None, now).accepted().unwrap_err());
    }
    // Bad padding: flip a bit of the second-to-last block.
    let mut ct = base64_decode_tolerant(&good).unwrap();
    let n = ct.len();
    ct[n - 17] ^= 0x01;
    let flipped = gem_base64(&ct);
    answers.push(v.verify(&flipped, None, now).accepted().unwrap_err());
    answers.push(v.verify("AAAA", None, now).accepted().unwrap_err());
    for err in &answers {
        assert_eq!(core(err), &CoreError::BadSignature, "{err:?}");
        assert_eq!(err.to_string(), CoreError::BadSignature.to_string());
    }
    // What stays malformed: text that is not base64, a missing expiry.
    assert!(matches!(
        v.verify("a*b", None, now).accepted(),
        Err(Error::Core(CoreError::Malformed(_)))
    ));
    let no_expiry = encode(&keys, br#"{"email":"a@b.co"}"#).multipass;
    assert!(matches!(
        v.verify(&no_expiry, None, now).accepted(),
        Err(Error::Core(CoreError::Malformed(_)))
    ));
    assert!(v.verify(&good, None, now).accepted().is_ok());
}

// Finding: single use was keyed on the text as sent, but the tolerant
// decoder reads many spellings of one ciphertext.
#[test]
fn another_spelling_of_a_used_token_is_a_replay() {
    let keys = entp_keys();
    let v = MultipassVerifier::new(keys.clone()).with_policy(single_use());
    let now = UnixTime::from_secs(1_000);
    // A token with a `-` or `_` in it, so switching alphabets changes its text.
    let token = (0..)
        .map(|i| encode(&keys, format!(r#"{{"email":"a{i}@b.co","expires":1030}}"#).as_bytes()))
        .map(|e| e.multipass)
        .find(|t| t.contains(['-', '_']))
        .unwrap();
    assert!(v.verify(&token, None, now).accepted().is_ok());
    let standard: String = token
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    assert_ne!(standard, token, "the token has a - or _ to switch");
    let spaced = format!(" {}\n{} ", &token[..10], &token[10..]);
    for respelled in [format!("{token}="), format!("{token}=="), spaced, standard] {
        assert!(
            matches!(
                v.verify(&respelled, None, now).accepted(),
                Err(Error::Core(CoreError::Replayed))
            ),
            "{respelled}"
        );
    }
}

#[test]
fn expiry_too_far_ahead_is_refused() {
    let keys = MultipassKeys::cloud66(UID).unwrap();
    let now = UnixTime::from_secs(1_000_000);
    let v = MultipassVerifier::new(keys.clone());
    let at = |exp: &str| {
        let e = encode(&keys, format!(r#"{{"expires":{exp}}}"#).as_bytes());
        v.verify(&e.multipass, e.signature.as_deref(), now).accepted().map(|id| id.expires_at)
    };
    assert!(at("1003600").is_ok(), "one hour ahead is the default maximum");
    // A time beyond the allowed window ahead: core's not-yet-valid, unchanged.
    for far in ["1003601", "9223372036854775807", r#""9999-12-31 23:59:59 UTC""#] {
        let err = at(far).unwrap_err();
        assert_eq!(core(&err), &CoreError::NotYetValid, "{far}");
        assert_eq!(err.error_kind(), ErrorKind::NotYetValid);
    }
    let e = encode(&keys, br#"{"expires":1086400}"#);
    let window =
        partner_core::Freshness::new(std::time::Duration::from_secs(86_400), DEFAULT_MAX_SKEW);
    let lenient = MultipassVerifier::new(keys.clone())
        .with_policy(partner_core::AcceptancePolicy::new(window));
    assert!(lenient.verify(&e.multipass, e.signature.as_deref(), now).accepted().is_ok());
}

#[test]
fn a_lone_surrogate_is_refused_not_emptied() {
    let keys = MultipassKeys::cloud66(UID).unwrap();
    let v = MultipassVerifier::new(keys.clone());
    let e = encode(&keys, br#"{"email":"a@b.co","note":"\ud800","expires":1030}"#);
    let err = v.verify(&e.multipass, e.signature.as_deref(), UnixTime::from_secs(1_000)).accepted();
    // Signed: a serde error, kept as the source.
    assert!(matches!(err, Err(Error::Core(CoreError::Json { .. }))), "{err:?}");
    let e = encode(&keys, br#"{"email":"a@b.co","note":"\ud83d\ude00","expires":1030}"#);
    let id = v
        .verify(&e.multipass, e.signature.as_deref(), UnixTime::from_secs(1_000))
        .accepted()
        .unwrap();
    assert_eq!(id.payload()["note"], "\u{1f600}");
}

#[test]
fn empty_keys_are_refused() {
    assert!(matches!(
        MultipassKeys::entp(SITE, &Secret::from("")),
        Err(Error::Core(CoreError::EmptyKey))
    ));
    assert!(matches!(
        MultipassKeys::entp("", &Secret::from(API)),
        Err(Error::Core(CoreError::EmptyKey))
    ));
    assert!(matches!(
        MultipassKeys::cloud66_gem_key(UID, ""),
        Err(Error::Core(CoreError::EmptyKey))
    ));
    assert_eq!(
        MultipassKeys::entp("", &Secret::from(API)).unwrap_err().error_kind(),
        ErrorKind::Malformed
    );
}

#[test]
fn single_use_and_debug() {
    let keys = MultipassKeys::cloud66(UID).unwrap();
    let e = encode_identity(&keys, "a@b.co", "A", UnixTime::from_secs(60));
    let v = MultipassVerifier::new(keys.clone()).with_policy(single_use());
    let now = UnixTime::from_secs(0);
    assert!(v.verify(&e.multipass, e.signature.as_deref(), now).accepted().is_ok());
    assert!(matches!(
        v.verify(&e.multipass, e.signature.as_deref(), now).accepted(),
        Err(Error::Core(CoreError::Replayed))
    ));
    let dbg = format!("{keys:?} {e:?} {v:?}");
    assert!(
        !dbg.contains(&UID[..16]) && !dbg.contains(&UID[16..]) && !dbg.contains(&e.multipass),
        "{dbg}"
    );
    assert_eq!(ruby_utc(UnixTime::from_secs(1_432_052_688)), "2015-05-19 16:24:48 UTC");
}

#[test]
fn signer_links_and_login_verifier_round_trip() {
    use partner_core::{LoginLinkIssuer, LoginVerifier};
    let keys = MultipassKeys::cloud66(UID).unwrap();
    let signer = MultipassSigner::new(keys.clone());
    let now = UnixTime::from_secs(1_000);
    let login = MultipassLogin::new("https://partner.example/sso?x=1", "a@b.co", "A");
    let link = signer.issue_link(&login, now).unwrap();
    assert!(link.starts_with("https://partner.example/sso?x=1&multipass="), "{link}");
    let v = MultipassVerifier::new(keys).with_policy(single_use());
    let id = v.verify_login(&link, now).accepted().unwrap();
    assert_eq!((id.email(), id.name()), (Some("a@b.co"), Some("A")));
    assert_eq!(id.expires_at, Some(now.saturating_add(DEFAULT_LINK_LIFETIME)));
    let query = link.split_once('?').unwrap().1;
    assert_eq!(
        v.verify_login(query, now).accepted().unwrap_err().error_kind(),
        ErrorKind::Replayed
    );
    assert_eq!(
        v.verify_login("x=1", now).accepted().unwrap_err().error_kind(),
        ErrorKind::Malformed
    );
    assert_eq!(
        v.verify_login(&format!("{query}&multipass=a"), now).accepted().unwrap_err().error_kind(),
        ErrorKind::Malformed
    );
    for bad in [
        "http://partner.example/sso",
        "javascript:alert(1)",
        "https://u:p@partner.example/",
        "/sso",
    ] {
        let err = signer.link(&MultipassLogin::new(bad, "a@b.co", "A"), now).unwrap_err();
        assert_eq!(err.error_kind(), ErrorKind::UnsafeInput, "{bad}");
    }
    assert!(
        signer.link(&MultipassLogin::new("http://127.0.0.1:9/sso", "a@b.co", "A"), now).is_ok()
    );
}

#[test]
fn missing_expiry_is_single_use_when_allowed() {
    let keys = MultipassKeys::cloud66(UID).unwrap();
    let e = encode(&keys, br#"{"email":"a@b.co"}"#);
    let v = MultipassVerifier::new(keys).allow_missing_expiry(true).with_policy(single_use());
    let now = UnixTime::from_secs(0);
    assert!(v.verify(&e.multipass, e.signature.as_deref(), now).accepted().is_ok());
    assert_eq!(
        v.verify(&e.multipass, e.signature.as_deref(), now).accepted().unwrap_err().error_kind(),
        ErrorKind::Replayed
    );
}

// The payload is read in one pass, without building the map: what it
// accepts, and the email, name and expires it finds, are what serde_json's
// `Map<String, Value>` gives, whatever the text.
mod one_pass_reading {
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    use super::*;
    use crate::multipass::payload::{Fields, Scalar};

    fn signed(json: &str) -> (MultipassVerifier, EncodedMultipass) {
        let keys = MultipassKeys::cloud66(UID).unwrap();
        let e = encode(&keys, json.as_bytes());
        (MultipassVerifier::new(keys).allow_missing_expiry(true), e)
    }

    fn verify(json: &str) -> Result<VerifiedMultipass, Error> {
        let (v, e) = signed(json);
        v.verify(&e.multipass, e.signature.as_deref(), UnixTime::from_secs(1_000)).accepted()
    }

    fn as_value(scalar: &Scalar<'_>) -> Option<Value> {
        match scalar {
            Scalar::Str(s) => Some(Value::String(s.to_string())),
            Scalar::Value(v) => Some(v.clone()),
            Scalar::Nested => None,
        }
    }

    /// Checks the reading of `text` against serde_json's.
    fn agrees(text: &str) -> Result<(), TestCaseError> {
        let map = serde_json::from_str::<Map<String, Value>>(text);
        let fields = Fields::read(text);
        let str_of = |key| map.as_ref().ok()?.get(key).and_then(Value::as_str);
        // With a private serde key the scan defers to the map (below).
        if !matches!(&fields, Ok(f) if f.needs_map) {
            prop_assert_eq!(fields.is_ok(), map.is_ok(), "{:?}", text);
            if let (Ok(fields), Ok(map)) = (&fields, &map) {
                prop_assert_eq!(fields.email.as_deref(), str_of("email"), "{:?}", text);
                prop_assert_eq!(fields.name.as_deref(), str_of("name"), "{:?}", text);
                match (&fields.expires, map.get("expires")) {
                    (None, None) => {}
                    (Some(Scalar::Nested), Some(v)) => {
                        prop_assert!(v.is_array() || v.is_object());
                    }
                    (Some(s), Some(v)) => {
                        let found = as_value(s);
                        prop_assert_eq!(found.as_ref(), Some(v), "{:?}", text);
                    }
                    (s, v) => {
                        let found = s.as_ref().map(as_value);
                        prop_assert!(false, "{:?}: {:?} / {:?}", text, found, v);
                    }
                }
            }
        }
        // Through the verifier: refused as JSON exactly when the map is,
        // and the same map, built when asked for.
        match (verify(text), &map) {
            (Ok(id), Ok(map)) => {
                prop_assert_eq!(id.payload(), map, "{:?}", text);
                prop_assert_eq!(id.email(), str_of("email"), "{:?}", text);
                prop_assert_eq!(id.name(), str_of("name"), "{:?}", text);
                prop_assert_eq!(&id.clone().into_payload(), map, "{:?}", text);
            }
            (Err(Error::Core(CoreError::Json { .. })), Err(_)) => {}
            // Refused for the value of `expires`, not as JSON.
            (Err(e), Ok(_)) if !matches!(e, Error::Core(CoreError::Json { .. })) => {}
            (got, map) => prop_assert!(false, "{:?}: {:?} / {:?}", text, got, map),
        }
        Ok(())
    }

    // The identity keys more often than the others, so they repeat.
    const KEYS: &[&str] = &[
        r#""email""#,
        r#""email""#,
        r#""name""#,
        r#""name""#,
        r#""expires""#,
        r#""expires""#,
        r#""x""#,
        r#""em\u0061il""#,
        r#""""#,
        r#""$serde_json::private::RawValue""#,
        r#""$serde_json::private::Number""#,
        "\"n\u{e9}me\"",
    ];

    const LEAVES: &[&str] = &[
        r#""jon@smith.com""#,
        r#""Jon Smith""#,
        r#""2015-05-19 16:24:48 UTC""#,
        r#""1030""#,
        r#""  ""#,
        r#""""#,
        r#""jon\u0040smith.com""#,
        r#""a\"b""#,
        r#""\ud800""#,
        r#""\ud83d\ude00""#,
        r#""\n""#,
        "\"tab\there\"",
        "\"caf\u{e9} \u{1f600}\"",
        r#""a string long enough to be read in blocks of thirty-two bytes, and then some more""#,
        r#""a string long enough to be read in blocks of thirty-two bytes \" with a quote""#,
        r#""\"[0]""#,
        "0",
        "-0",
        "007",
        "1030",
        "-5",
        "1030.75",
        "1e300",
        "1e400",
        "2E3",
        "123456789012345678",
        "1234567890123456789",
        "18446744073709551616",
        "true",
        "false",
        "null",
    ];

    fn ws() -> impl Strategy<Value = &'static str> {
        prop::sample::select(&["", "", " ", "\n\t ", "\r\n"][..])
    }

    fn value() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(LEAVES).prop_map(str::to_owned);
        leaf.prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((prop::sample::select(KEYS), inner), 0..3).prop_map(|kv| {
                    let members: Vec<String> = kv.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        })
    }

    fn object() -> impl Strategy<Value = String> {
        prop::collection::vec((ws(), prop::sample::select(KEYS), ws(), value(), ws()), 0..6)
            .prop_map(|members| {
                let members: Vec<String> =
                    members.iter().map(|(a, k, b, v, c)| format!("{a}{k}{b}:{v}{c}")).collect();
                format!("{{{}}}", members.join(","))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn objects_read_as_serde_json_reads_them(text in object()) {
            agrees(&text)?;
        }

        // Near misses: one character removed or inserted anywhere.
        #[test]
        fn damaged_objects_read_as_serde_json_reads_them(
            text in object(),
            at in any::<prop::sample::Index>(),
            insert in prop::option::of(prop::sample::select(&['"', '\\', ',', ':', '}', ']', '{', ' ', '0', '.', '\u{1}'][..])),
        ) {
            let mut text = text;
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            match insert {
                Some(c) => text.insert(i, c),
                None if i < text.len() => {
                    text.remove(i);
                }
                None => {}
            }
            agrees(&text)?;
        }
    }

    #[test]
    fn chosen_texts_read_as_serde_json_reads_them() {
        for text in [
            "{}",
            " { } ",
            "{\"email\":\"a@b.co\",}",
            "{\"email\" \"a@b.co\"}",
            "{\"expires\":1030}x",
            "{\"expires\":01}",
            "{\"expires\":-0}",
            "{\"expires\":123456789012345678}",
            "{\"expires\":1234567890123456789}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":\"\u{7f}\"}",
            "{\"a\":tru}",
            "[]",
            "null",
            "",
            "{\"a\":\"unterminated}",
            "{\"a\":\"thirty-two bytes and more, then the end of the text",
        ] {
            agrees(text).unwrap();
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        agrees(&deep).unwrap();
    }

    #[test]
    fn escaped_and_repeated_fields_read_as_the_map_does() {
        // The last of a repeated key wins (plain text, then with an
        // escape); an escaped value is decoded.
        let id =
            verify(r#"{"email":"x@y.co","email":"a@b.co","name":"A","name":7,"expires":1030}"#)
                .unwrap();
        assert_eq!((id.email(), id.name()), (Some("a@b.co"), None));
        let id = verify(
            r#"{"email":"x@y.co","email":"jon\u0040smith.com","name":"A","name":7,"expires":1030}"#,
        )
        .unwrap();
        assert_eq!(id.email(), Some("jon@smith.com"));
        assert_eq!(id.name(), None);
        assert_eq!(id.expires_at, Some(UnixTime::from_secs(1030)));
        // An escaped key is the key.
        let id = verify(r#"{"em\u0061il":"a@b.co","name":"A","expires":"1030"}"#).unwrap();
        assert_eq!((id.email(), id.name()), (Some("a@b.co"), Some("A")));
        let id = verify(r#"{"email":"a@b.co","expires":1030,"expires":null}"#).unwrap();
        assert_eq!(id.expires_at, None);
    }

    // serde_json's `Value` reads an object whose first key is one of its
    // private tokens as something else (with its `raw_value` feature, which
    // axum turns on): the verifier then reads the map itself, so that it
    // accepts, and finds, what `payload()` holds.
    #[test]
    fn private_serde_keys_read_as_the_map_does() {
        for text in [
            r#"{"a":{"$serde_json::private::RawValue":5},"expires":1030}"#,
            r#"{"email":{"$serde_json::private::RawValue":"\"a@b.co\""},"expires":1030}"#,
            r#"{"a":[{"$serde_json::private::RawValue":"[1"}],"expires":1030}"#,
        ] {
            let map = serde_json::from_str::<Map<String, Value>>(text);
            match (verify(text), map) {
                (Ok(id), Ok(map)) => {
                    assert_eq!(id.email(), map.get("email").and_then(Value::as_str), "{text}");
                    assert_eq!(id.payload(), &map, "{text}");
                }
                (Err(Error::Core(CoreError::Json { .. })), Err(_)) => {}
                (got, map) => panic!("{text}: {got:?} / {map:?}"),
            }
        }
    }

    #[test]
    fn identities_compare_as_maps() {
        let a = verify(r#"{"email":"a@b.co","name":"A","expires":1030}"#).unwrap();
        let b = verify(r#"{ "name" : "A", "expires":1030, "email":"a@b.co" }"#).unwrap();
        let c = verify(r#"{"email":"a@b.co","name":"B","expires":1030}"#).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.clone(), a);
        let _ = a.payload();
        assert_eq!(a, b, "built or not, the map compares the same");
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
}
