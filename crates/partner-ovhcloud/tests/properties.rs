//! Property tests: sign/verify round trip; any change to any part is refused.
#![allow(clippy::unwrap_used, missing_docs)]

use partner_ovhcloud::{Endpoint, Secret, SignedRequest, UnixTime, sign, verify};
use proptest::prelude::*;
use std::time::Duration;

fn method() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]).prop_map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn sign_verify_round_trip(
        app_secret in "[A-Za-z0-9]{1,40}", ck in "[A-Za-z0-9]{1,40}", method in method(),
        path in "(/[a-z0-9éè ?#%.]{1,8}){1,4}", q in "\\PC{0,12}", body in "\\PC{0,64}", ts in 0i64..4_000_000_000,
    ) {
        // Build the URL the way the client does, so odd characters are encoded once.
        let url = Endpoint::OvhEu.url(&path.replace("/..", "/x").replace("/.", "/x"), &[("q", q.as_str())]);
        prop_assume!(url.is_ok());
        let url = url.unwrap();
        let (a, c) = (Secret::from(app_secret.clone()), Secret::from(ck.clone()));
        let signature = sign(&a, &c, &method, url.as_str(), body.as_bytes(), ts);
        let req = SignedRequest { method: &method, url: url.as_str(), body: body.as_bytes(), timestamp: ts, signature: &signature };
        prop_assert!(verify(&a, &c, &req, UnixTime::from_secs(ts), Duration::from_secs(300)).is_ok());
        // Any change to any part is refused.
        let other_url = format!("{url}x");
        let other_body = format!("{body} ");
        let changed = [
            SignedRequest { method: "HEAD", ..req },
            SignedRequest { url: &other_url, ..req },
            SignedRequest { body: other_body.as_bytes(), ..req },
            SignedRequest { timestamp: ts + 1, ..req },
        ];
        for r in changed {
            prop_assert!(verify(&a, &c, &r, UnixTime::from_secs(ts), Duration::from_secs(300)).is_err());
        }
        let other_ck = Secret::from(format!("{ck}x"));
        prop_assert!(verify(&a, &other_ck, &req, UnixTime::from_secs(ts), Duration::from_secs(300)).is_err());
    }

    #[test]
    fn any_single_signature_character_change_is_refused(at in 3usize..43, with in "[0-9a-f]") {
        let (a, c) = (Secret::from("as"), Secret::from("ck"));
        let sig = sign(&a, &c, "GET", "https://eu.api.ovh.com/1.0/me", b"", 1000);
        let mut changed = sig.clone();
        changed.replace_range(at..at + 1, &with);
        prop_assume!(changed != sig);
        let req = SignedRequest { method: "GET", url: "https://eu.api.ovh.com/1.0/me", body: b"", timestamp: 1000, signature: &changed };
        prop_assert!(verify(&a, &c, &req, UnixTime::from_secs(1000), Duration::from_secs(300)).is_err());
    }

    #[test]
    fn verify_never_panics(signature in "\\PC{0,60}", url in "\\PC{0,40}", ts in any::<i64>(), now in any::<i64>()) {
        let req = SignedRequest { method: "GET", url: &url, body: b"", timestamp: ts, signature: &signature };
        let _ = verify(&Secret::from("a"), &Secret::from("c"), &req, UnixTime::from_secs(now), Duration::from_secs(300));
    }

    #[test]
    fn url_builder_never_panics_and_never_climbs(path in "\\PC{0,60}") {
        if let Ok(url) = Endpoint::OvhEu.url(&path, &[]) {
            prop_assert!(url.as_str().starts_with("https://eu.api.ovh.com/"));
            prop_assert!(url.host_str() == Some("eu.api.ovh.com"));
        }
    }
}
