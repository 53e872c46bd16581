//! Property tests: sign/verify round trip; any change to any part is
//! refused; URLs keep the caller's segments or refuse them; every parser and
//! verifier answers arbitrary input with a value or a typed error, never a
//! panic. No test rejects generated cases, so they hold for any
//! `PROPTEST_CASES`.
#![allow(clippy::unwrap_used, missing_docs)]

use partner_core::AcceptancePolicy;
use partner_ovhcloud::{
    AccessRule, ApplicationSecret, ConsumerKey, Credential, CredentialResponse, CredentialState,
    Endpoint, Error, ErrorKind, Freshness, Method, SignatureHeaders, SignedRequest, UnixTime,
    default_policy, json_body, sign, verify,
};
use proptest::prelude::*;
use std::time::Duration;

fn method() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]).prop_map(str::to_owned)
}

/// Segments an API path is made of: mostly ordinary, some hostile (every
/// spelling of a dot segment, separators, escapes, control characters),
/// some arbitrary text.
fn segment() -> impl Strategy<Value = String> {
    let hostile = prop::sample::select(vec![
        ".", "..", "...", "\t..", "..\t", ".\t.", "\n..", "..\r", "%2e%2e", "%2E%2E", ".%2e",
        "%2e", "\\", "\\..", "..\\", "a\\b", "", "\t", "\n", "\r", "\0", "\u{7f}", "\u{85}",
        "\u{2028}", "?", "#", "%", "%00", "%2f", "a b", "é", "..;", ";", ":", "@", "v1", "v2",
        "1.0",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        5 => "[a-zA-Z0-9_~-][a-zA-Z0-9._~-]{0,9}",
        3 => hostile,
        1 => "\\PC{1,6}",
        1 => any::<String>().prop_map(|s| s.chars().take(6).collect()),
    ]
}

/// A path: most start with `/` (sometimes `/v1` or `/v2`), a few are arbitrary text.
fn api_path() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec!["", "", "", "/v1", "/v2"]);
    prop_oneof![
        12 => (prefix, prop::collection::vec(segment(), 0..6), any::<bool>()).prop_map(
            |(prefix, segments, trailing)| {
                let mut path = String::from(prefix);
                for s in segments {
                    path.push('/');
                    path.push_str(&s);
                }
                if trailing || path.is_empty() {
                    path.push('/');
                }
                path
            }
        ),
        1 => "\\PC{0,40}",
    ]
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Whether `segment` (not the last) may not be one URL path segment.
fn unsafe_segment(segment: &str) -> bool {
    segment.is_empty() || segment == "." || segment == ".." || segment.chars().any(char::is_control)
}

/// Segments of a valid path, dot-only segments made ordinary.
fn safe_path() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z0-9éè ?#%.]{1,8}", 1..5).prop_map(|segments| {
        segments
            .into_iter()
            .map(|s| if s.bytes().all(|b| b == b'.') { format!("x{s}") } else { s })
            .fold(String::new(), |path, s| path + "/" + &s)
    })
}

fn keys(a: &str, c: &str) -> (ApplicationSecret, ConsumerKey) {
    (ApplicationSecret::new(a).unwrap(), ConsumerKey::new(c).unwrap())
}

/// The kind of verifying `request` signed `signature` at `ts`, at `ts`, with the default policy.
fn check(
    (a, c): &(ApplicationSecret, ConsumerKey),
    request: &SignedRequest<'_>,
    ts: i64,
    signature: &str,
) -> Result<(), ErrorKind> {
    let at = UnixTime::from_secs(ts);
    let headers = SignatureHeaders { timestamp: at, signature };
    verify(a, c, request, &headers, at, &default_policy()).map(drop).map_err(|e| e.error_kind())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn sign_verify_round_trip(
        app_secret in "[A-Za-z0-9]{1,40}", ck in "[A-Za-z0-9]{1,40}", method in method(),
        path in safe_path(), q in "\\PC{0,12}", body in "\\PC{0,64}", ts in 0i64..4_000_000_000,
    ) {
        // Build the URL the way the client does, so odd characters are encoded once.
        let url = Endpoint::OvhEu.url(&path, &[("q", q.as_str())]);
        prop_assert!(url.is_ok(), "{path:?}: {url:?}");
        let url = url.unwrap();
        let k = keys(&app_secret, &ck);
        let req = SignedRequest { method: &method, url: url.as_str(), body: body.as_bytes() };
        let signature = sign(&k.0, &k.1, &req, UnixTime::from_secs(ts));
        prop_assert_eq!(check(&k, &req, ts, &signature), Ok(()));
        // Any change to any part is refused.
        let other_url = format!("{url}x");
        let other_body = format!("{body} ");
        let changed = [
            SignedRequest { method: "HEAD", ..req },
            SignedRequest { url: &other_url, ..req },
            SignedRequest { body: other_body.as_bytes(), ..req },
        ];
        for r in changed {
            prop_assert_eq!(check(&k, &r, ts, &signature), Err(ErrorKind::BadSignature));
        }
        prop_assert_eq!(check(&k, &req, ts + 1, &signature), Err(ErrorKind::BadSignature));
        let other_ck = keys(&app_secret, &format!("{ck}x"));
        prop_assert_eq!(check(&other_ck, &req, ts, &signature), Err(ErrorKind::BadSignature));
        // The keys swapped sign something else (unless they are equal).
        if app_secret != ck {
            prop_assert_eq!(check(&keys(&ck, &app_secret), &req, ts, &signature), Err(ErrorKind::BadSignature));
        }
    }

    #[test]
    fn any_single_signature_character_change_is_refused(
        at in 3usize..43, delta in 1u32..16, upper in any::<bool>(),
    ) {
        let k = keys("as", "ck");
        let req = SignedRequest { method: "GET", url: "https://eu.api.ovh.com/1.0/me", body: b"" };
        let sig = sign(&k.0, &k.1, &req, UnixTime::from_secs(1000));
        // Another hex digit at `at`: its value differs by `delta` (mod 16), in either case.
        let old = sig[at..].chars().next().unwrap().to_digit(16).unwrap();
        let new = char::from_digit((old + delta) % 16, 16).unwrap();
        let new = if upper { new.to_ascii_uppercase() } else { new };
        let mut changed = sig.to_string();
        changed.replace_range(at..at + 1, new.encode_utf8(&mut [0; 4]));
        prop_assert_ne!(changed.to_ascii_lowercase(), sig.to_string());
        prop_assert_eq!(check(&k, &req, 1000, &changed), Err(ErrorKind::BadSignature));
        // The same change of case only is not a change.
        let upper_sig = format!("$1${}", sig[3..].to_ascii_uppercase());
        prop_assert_eq!(check(&k, &req, 1000, &upper_sig), Ok(()));
    }

    #[test]
    fn verify_never_panics_and_answers_a_typed_error(
        a in "\\PC{1,8}", c in "\\PC{1,8}", method in "\\PC{0,8}",
        signature in prop_oneof!["\\PC{0,60}", "\\$1\\$[0-9a-fA-F]{40}", "\\$1\\$[0-9a-fA-Z]{38,42}"],
        url in "\\PC{0,40}", body in prop::collection::vec(any::<u8>(), 0..40),
        ts in any::<i64>(), now in any::<i64>(), age in any::<u64>(), skew in any::<u64>(),
    ) {
        let req = SignedRequest { method: &method, url: &url, body: &body };
        let headers = SignatureHeaders { timestamp: UnixTime::from_secs(ts), signature: &signature };
        let policy = AcceptancePolicy::new(Freshness::new(Duration::from_secs(age), Duration::from_secs(skew)));
        let (a, c) = keys(&a, &c);
        match verify(&a, &c, &req, &headers, UnixTime::from_secs(now), &policy).map_err(|e| e.error_kind()) {
            Ok(verified) => prop_assert_eq!(verified.timestamp, UnixTime::from_secs(ts)),
            Err(ErrorKind::Malformed) => {
                let hex = signature.strip_prefix("$1$");
                prop_assert!(!hex.is_some_and(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit())));
            }
            Err(ErrorKind::BadSignature | ErrorKind::Expired | ErrorKind::NotYetValid) => {}
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    #[test]
    fn sign_never_panics_and_keys_refuse_only_empty_text(
        a in "\\PC{0,8}", c in "\\PC{0,8}", method in "\\PC{0,8}", url in "\\PC{0,40}",
        body in prop::collection::vec(any::<u8>(), 0..40), ts in any::<i64>(),
    ) {
        match (ApplicationSecret::new(a.as_str()), ConsumerKey::new(c.as_str())) {
            (Ok(a), Ok(c)) => {
                let sig = sign(&a, &c, &SignedRequest { method: &method, url: &url, body: &body }, UnixTime::from_secs(ts));
                prop_assert_eq!(sig.len(), 43);
                prop_assert!(sig.starts_with("$1$"));
            }
            (a_key, c_key) => {
                for err in [a_key.err(), c_key.err()].into_iter().flatten() {
                    prop_assert_eq!(err, Error::Core(partner_core::Error::EmptyKey));
                }
                prop_assert!(a.is_empty() || c.is_empty());
            }
        }
    }

    #[test]
    fn url_builder_never_panics_and_never_climbs(path in api_path()) {
        let outcome = Endpoint::OvhEu.url(&path, &[("k", "v")]);
        let Some(rest) = path.strip_prefix('/') else {
            let err = outcome.unwrap_err();
            prop_assert_eq!(err.error_kind(), ErrorKind::UnsafeInput);
            return Ok(());
        };
        let mut input: Vec<&str> = rest.split('/').collect();
        let trailing_slash = input.last() == Some(&"");
        if trailing_slash {
            input.pop();
        }
        match outcome {
            Ok(url) => {
                prop_assert_eq!(url.scheme(), "https");
                prop_assert_eq!(url.host_str(), Some("eu.api.ovh.com"));
                prop_assert_eq!(url.query(), Some("k=v"));
                prop_assert_eq!(url.fragment(), None);
                prop_assert!(!input.iter().copied().any(unsafe_segment), "{path:?} accepted as {url}");
                let versioned = matches!(input.first(), Some(&"v1" | &"v2"));
                let mut expected: Vec<&[u8]> = if versioned { vec![] } else { vec![b"1.0"] };
                expected.extend(input.iter().map(|s| s.as_bytes()));
                if trailing_slash || expected.is_empty() {
                    expected.push(b"");
                }
                let got: Vec<Vec<u8>> = url.path_segments().unwrap().map(percent_decode).collect();
                prop_assert_eq!(got.len(), expected.len(), "{:?} sent as {}", path, url);
                for (got, expected) in got.iter().zip(&expected) {
                    prop_assert_eq!(got.as_slice(), *expected, "{:?} sent as {}", path, url);
                }
                for raw in url.path_segments().unwrap() {
                    prop_assert!(raw != "." && raw != ".." && !raw.contains('\\'), "{url}");
                    prop_assert!(!raw.to_ascii_lowercase().contains("%2e"), "{url}");
                }
            }
            Err(err) => {
                prop_assert_eq!(err.error_kind(), ErrorKind::UnsafeInput, "{:?}", err);
                prop_assert!(input.iter().copied().any(unsafe_segment), "{:?} refused: {:?}", path, err);
            }
        }
    }

    #[test]
    fn endpoint_parser_answers_a_typed_error(text in prop_oneof!["\\PC{0,40}", "(https?|ftp)://[a-z0-9.:@/?#\\[\\]-]{0,30}"]) {
        match text.parse::<Endpoint>() {
            Ok(endpoint) => {
                let url = url::Url::parse(endpoint.base_url()).unwrap();
                prop_assert!(url.scheme() == "https" || url.scheme() == "http");
                let url = endpoint.url("/me", &[]).unwrap();
                prop_assert!(url.path().ends_with("/me"));
            }
            Err(err) => prop_assert!(
                matches!(err.error_kind(), ErrorKind::Malformed | ErrorKind::UnsafeInput),
                "{:?}", err
            ),
        }
    }

    #[test]
    fn method_and_rule_parsers_never_panic(name in "\\PC{0,8}", pattern in "[/a-z*]{0,12}", text in "[/a-z]{0,16}") {
        if let Some(m) = Method::parse(&name) {
            prop_assert!(m.as_str().eq_ignore_ascii_case(&name));
        }
        let rule = AccessRule::new(Method::Get, pattern.clone());
        let allowed = rule.allows(Method::Get, &text);
        if !pattern.contains('*') {
            prop_assert_eq!(allowed, pattern == text);
        }
        prop_assert!(!rule.allows(Method::Post, &text));
    }

    #[test]
    fn answer_parsers_answer_a_typed_error(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..80).boxed(),
            "\\{\"(state|consumerKey|validationUrl|credentialId|status|rules)\":(\"[a-zA-Z]{0,8}\"|[0-9]{1,3}|null|\\[\\])\\}"
                .prop_map(String::into_bytes).boxed(),
        ],
    ) {
        // serde_json's typed error, or a value; never a panic.
        let _: Result<CredentialResponse, serde_json::Error> = serde_json::from_slice(&bytes);
        let _: Result<Credential, serde_json::Error> = serde_json::from_slice(&bytes);
        let _: Result<CredentialState, serde_json::Error> = serde_json::from_slice(&bytes);
    }

    #[test]
    fn json_body_is_ascii_and_round_trips(text in any::<String>()) {
        let body = json_body(&serde_json::json!({"k": text})).unwrap();
        prop_assert!(body.is_ascii());
        let back: serde_json::Value = serde_json::from_slice(&body).unwrap();
        prop_assert_eq!(back["k"].as_str(), Some(text.as_str()));
    }
}
