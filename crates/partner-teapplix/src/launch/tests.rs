use std::sync::Arc;
use std::time::Duration;

use partner_core::{
    AcceptancePolicy, ErrorKind, Freshness, HasErrorKind, InMemoryReplayGuard, LoginLinkIssuer,
    LoginVerifier, UnixTime,
};

use partner_core::replay::AcceptVerified;

use super::*;
use crate::Error;

const KEY: &str = "Signature Key";

fn kind(r: Result<VerifiedLaunch, Error>) -> ErrorKind {
    r.expect_err("should fail").error_kind()
}

// Security finding: an empty key signed and verified links anyone could forge.
#[test]
fn empty_keys_are_refused() {
    assert!(matches!(LaunchSigner::new(""), Err(Error::Core(partner_core::Error::EmptyKey))));
    assert!(matches!(
        LaunchVerifier::new(Vec::new()),
        Err(Error::Core(partner_core::Error::EmptyKey))
    ));
    assert_eq!(LaunchSigner::new("").unwrap_err().error_kind(), ErrorKind::Malformed);
}

// Seed 004: the documented example, and the shared vectors' values
// (computed there with Perl Digest::SHA and Python hmac).
#[test]
fn signs_the_documented_example() {
    let signer = LaunchSigner::new(KEY).unwrap();
    assert_eq!(
        signer.sign_uri("/h/demo2/te/lo.cgi?Action=Launch&pt=AccessToken&ts=unixtimestamp"),
        "e8a074d2b4c3aa5df9427ea0511776eb36d9976adeacf7283e97c57404a97792"
    );
}

#[test]
fn verifies_the_shared_vector_and_refuses_tampering() {
    let v = LaunchVerifier::new(KEY).unwrap();
    let url = "https://app.teapplix.com/h/demo2/te/lo.cgi?Action=Launch&pt=tok+1%2B2&ts=1699999940&signature=fe713f6fa874d43e7f7ebe3667bf9750b3dda2d0bdbade4dd9772d50438852b1";
    let ok = v.verify(url, UnixTime::from_secs(1_700_000_000)).accepted().unwrap();
    assert_eq!(ok.client_vhost.as_str(), "demo2");
    assert_eq!(ok.access_token.expose_str(), Some("tok 1+2"));
    assert_eq!(ok.ts.as_secs(), 1_699_999_940);
    assert_eq!(
        v.verify_login(url, UnixTime::from_secs(1_700_000_000)).accepted().unwrap().ts,
        ok.ts
    );
    let upper = url.replace("fe713f6fa874d43e", "FE713F6FA874D43E");
    assert!(v.verify(&upper, UnixTime::from_secs(1_700_000_000)).accepted().is_ok());
    let now = UnixTime::from_secs(1_700_000_000);
    assert_eq!(
        kind(v.verify(&url.replace("demo2", "demo3"), now).accepted()),
        ErrorKind::BadSignature
    );
    assert_eq!(
        kind(v.verify(&url.replace("tok+1", "tok+2"), now).accepted()),
        ErrorKind::BadSignature
    );
    assert_eq!(
        kind(v.verify(&url.replace("&signature=fe", "&signature=zz"), now).accepted()),
        ErrorKind::BadSignature
    );
}

#[test]
fn shape_errors_come_before_signature_errors() {
    let v = LaunchVerifier::new(KEY).unwrap();
    let now = UnixTime::from_secs(100);
    let base = "https://app.teapplix.com";
    let cases = [
        ("/h/../admin/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00", ErrorKind::UnsafeInput),
        ("/h/a%2Fb/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00", ErrorKind::UnsafeInput),
        ("/h//te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00", ErrorKind::UnsafeInput),
        ("/x/demo/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00", ErrorKind::Malformed),
        ("/h/demo/te/lo.cgi", ErrorKind::Malformed),
        ("/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=1", ErrorKind::Malformed),
        ("/h/demo/te/lo.cgi?Action=Launch&pt=t&signature=00&ts=1", ErrorKind::Malformed),
        ("/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=x1&signature=00", ErrorKind::Malformed),
        ("/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=+1&signature=00", ErrorKind::Malformed),
        ("/h/demo/te/lo.cgi?Action=Launch&pt=t&signature=00", ErrorKind::Malformed),
        ("/h/demo/te/lo.cgi?Action=Launch&pt=&ts=1&signature=00", ErrorKind::Malformed),
        ("/h/demo/te/lo.cgi?Action=Login&pt=t&ts=1&signature=00", ErrorKind::Malformed),
        ("/h/demo/te/lo.cgi?Action=Launch&pt=t&pt=u&ts=1&signature=00", ErrorKind::Malformed),
        (
            "/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=0&signature=00",
            ErrorKind::Malformed,
        ),
        ("/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00", ErrorKind::BadSignature),
    ];
    for (target, want) in cases {
        assert_eq!(kind(v.verify(&format!("{base}{target}"), now).accepted()), want, "{target}");
        assert_eq!(kind(v.verify_request_target(target, now).accepted()), want, "{target}");
    }
    for url in [
        "/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00",
        "ftp://app.teapplix.com/h/demo/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00",
        "https:///h/demo/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00",
    ] {
        assert_eq!(kind(v.verify(url, now).accepted()), ErrorKind::Malformed, "{url}");
    }
}

#[test]
fn time_window_and_replay_come_from_the_policy() {
    let signer = LaunchSigner::new(KEY).unwrap();
    let vhost = ClientVhost::new("acme").unwrap();
    let ts = UnixTime::from_secs(10_000);
    let url = signer.launch_url(&vhost, "t0k", ts);
    let guard = Arc::new(InMemoryReplayGuard::new(16));
    let v = LaunchVerifier::new(KEY)
        .unwrap()
        .with_policy(LaunchVerifier::default_policy().with_replay_guard(guard.clone()));
    assert!(v.policy().is_single_use());
    assert_eq!(
        kind(v.verify(url.as_str(), UnixTime::from_secs(10_000 + 1801)).accepted()),
        ErrorKind::Expired
    );
    assert_eq!(
        kind(v.verify(url.as_str(), UnixTime::from_secs(10_000 - 61)).accepted()),
        ErrorKind::NotYetValid
    );
    assert!(guard.is_empty(), "refused launches take no place in the guard");
    assert!(v.verify(url.as_str(), UnixTime::from_secs(10_000 + 1800)).accepted().is_ok());
    assert_eq!(
        kind(v.verify(url.as_str(), UnixTime::from_secs(10_000 + 1800)).accepted()),
        ErrorKind::Replayed
    );
    // The default policy has no guard: a second use passes.
    let plain = LaunchVerifier::new(KEY).unwrap();
    assert!(!plain.policy().is_single_use());
    assert!(plain.verify(url.as_str(), ts).accepted().is_ok());
    assert!(plain.verify(url.as_str(), ts).accepted().is_ok());
    let narrow = LaunchVerifier::new(KEY)
        .unwrap()
        .with_policy(AcceptancePolicy::new(Freshness::new(Duration::from_secs(5), Duration::ZERO)));
    assert_eq!(
        kind(narrow.verify(url.as_str(), UnixTime::from_secs(10_006)).accepted()),
        ErrorKind::Expired
    );
    assert_eq!(
        kind(narrow.verify(url.as_str(), UnixTime::from_secs(9_999)).accepted()),
        ErrorKind::NotYetValid
    );
    // A full guard fails closed, as "unavailable".
    let full = Arc::new(InMemoryReplayGuard::new(0));
    let v = LaunchVerifier::new(KEY)
        .unwrap()
        .with_policy(LaunchVerifier::default_policy().with_replay_guard(full));
    assert_eq!(kind(v.verify(url.as_str(), ts).accepted()), ErrorKind::Unavailable);
}

#[test]
fn expired_token_gives_no_link_and_debug_hides_the_token() {
    let signer = LaunchSigner::new(KEY).unwrap();
    let token = ObtainedToken::new(
        ClientVhost::new("acme").unwrap(),
        "s3cret-token",
        UnixTime::from_secs(0),
    );
    assert_eq!(token.expires_at.as_secs(), 1800);
    let url = signer.issue_link(&token, UnixTime::from_secs(1799)).unwrap();
    assert!(url.as_str().contains("pt=s3cret-token&ts=1799&signature="));
    let dbg = format!("{url:?} {token:?} {signer:?}");
    assert!(!dbg.contains("s3cret"), "{dbg}");
    assert!(!dbg.contains("Signature Key"), "{dbg}");
    assert_eq!(
        format!("{url:?}"),
        "SignedUrl(https://app.teapplix.com/h/acme/te/lo.cgi?[REDACTED])"
    );
    let err = signer.issue_link(&token, UnixTime::from_secs(1800)).unwrap_err();
    assert!(matches!(err, Error::TokenExpired));
    assert_eq!(err.error_kind(), ErrorKind::Expired);
}

#[test]
fn vhost_rule() {
    for ok in ["a", "Demo2", "a.b-c_d", "9"] {
        assert!(ClientVhost::new(ok).is_ok(), "{ok}");
    }
    for bad in ["", ".", "-a", "_a", "a/b", "a b", "a%2f", "a?", "a#", "é", "a\n"] {
        assert!(matches!(ClientVhost::new(bad), Err(Error::UnsafeVhost)), "{bad:?}");
    }
}
