//! The client against the fake OVH API, over real HTTP on 127.0.0.1.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use futures_util::TryStreamExt;
use partner_core::http::reqwest;
use partner_ovhcloud::fake::{
    DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh, RunningOvh,
};
use partner_ovhcloud::{
    ApplicationSecret, ConsumerKey, CredentialRequest, CredentialState, Error, ErrorKind,
    FixedClock, Method, OvhClient, OvhErrorKind, SignedRequest, UnixTime, sign,
};
use serde_json::{Value, json};

async fn fake(clock: Arc<FixedClock>, offset: i64) -> RunningOvh {
    FakeOvh::builder()
        .zones(["example.com", "example.org", "example.net"])
        .clock(clock)
        .server_offset(offset)
        .start(0)
        .await
        .unwrap()
}

fn app(fake: &RunningOvh, clock: &Arc<FixedClock>) -> OvhClient {
    OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
        .base_url(fake.base_url())
        .clock(clock.clone())
        .sleeper(clock.clone())
        .build()
        .unwrap()
}

/// Requests a key with `request`, and consents as the customer would.
async fn delegated(app: &OvhClient, request: CredentialRequest) -> OvhClient {
    app.for_customer(validated_key(app, request).await)
}

/// A consumer key granted `request` and validated by the customer.
async fn validated_key(app: &OvhClient, request: CredentialRequest) -> ConsumerKey {
    let asked = app
        .request_credential(&request.redirection("https://partner.example/ovh/done"))
        .await
        .unwrap();
    assert_eq!(asked.state, CredentialState::PendingValidation);
    let customer = app.for_customer(asked.consumer_key.clone());
    // Before consent the key is not valid.
    let err = customer.get::<Value>("/me").await.unwrap_err();
    assert_eq!(err.ovh_kind(), Some(OvhErrorKind::InvalidCredential), "{err:?}");
    let rejection = err.rejection().unwrap();
    assert!(rejection.request_id.as_deref().unwrap().starts_with("FAKE."), "{rejection:?}");
    // The customer's browser posts the validation page's form.
    let consent =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r =
        consent.post(&asked.validation_url).form(&[("action", "authorize")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "https://partner.example/ovh/done");
    asked.consumer_key
}

/// A hand-made signed GET of `url` (the fake's own URL), as any client would send it.
async fn signed_get(url: &str, ck: &ConsumerKey, timestamp: i64, signature: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(url)
        .header("X-Ovh-Application", DEFAULT_APPLICATION_KEY)
        .header("X-Ovh-Consumer", ck.expose_str().unwrap())
        .header("X-Ovh-Timestamp", timestamp.to_string())
        .header("X-Ovh-Signature", signature)
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("x-ovh-queryid"));
    let status = r.status().as_u16();
    (status, serde_json::from_str(&r.text().await.unwrap()).unwrap())
}

#[tokio::test]
async fn delegation_then_calls_within_and_outside_the_rules_then_logout() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(clock.clone(), 0).await;
    let app = app(&fake, &clock);
    let customer = delegated(
        &app,
        CredentialRequest::new()
            .rule(Method::Get, "/me")
            .recursive(Method::Get, "/domain/zone/example.com")
            .rule(Method::Post, "/domain/zone/example.com/record"),
    )
    .await;

    let me: Value = customer.get("/me").await.unwrap();
    assert_eq!(me["nichandle"], "xx1234-ovh");
    let created: Value = customer
        .post(
            "/domain/zone/example.com/record",
            &json!({"fieldType": "TXT", "subDomain": "café", "target": "v=spf1 ~all", "ttl": 60}),
        )
        .await
        .unwrap();
    let id = created["id"].as_u64().unwrap();
    assert_eq!(created["subDomain"], "café", "non-ASCII went as \\u escapes and came back");
    let ids: Vec<u64> = customer
        .get_with_query("/domain/zone/example.com/record", &[("subDomain", "café")])
        .await
        .unwrap();
    assert_eq!(ids, [id]);
    let record: Value =
        customer.get(&format!("/domain/zone/example.com/record/{id}")).await.unwrap();
    assert_eq!(record["target"], "v=spf1 ~all");

    for (call, path) in [
        ("GET", "/domain/zone/example.org/record"),
        ("DELETE", "/domain/zone/example.com/record/1"),
        ("GET", "/domain/zone"),
    ] {
        let err = match call {
            "GET" => customer.get::<Value>(path).await.unwrap_err(),
            _ => customer.delete::<Value>(path).await.unwrap_err(),
        };
        assert_eq!(err.ovh_kind(), Some(OvhErrorKind::NotGrantedCall), "{call} {path}");
        // The vendor's error body, whole, in one ProviderRejection.
        assert_eq!(err.error_kind(), ErrorKind::Rejected);
        let rejection = err.rejection().unwrap();
        assert_eq!((rejection.provider, rejection.status), ("ovhcloud", 403));
        assert_eq!(rejection.code.as_deref(), Some("NOT_GRANTED_CALL"));
        assert_eq!(rejection.message.as_deref(), Some("This call has not been granted"));
        assert!(rejection.request_id.as_deref().is_some_and(|id| id.starts_with("FAKE.ext-1.")));
    }
    // Not among the rules, yet answered for any validated key.
    let credential = customer.current_credential().await.unwrap();
    assert_eq!(credential.status, CredentialState::Validated);
    assert_eq!(credential.rules.len(), 4);

    fake.expire_credentials();
    assert_eq!(
        customer.get::<Value>("/me").await.unwrap_err().ovh_kind(),
        Some(OvhErrorKind::InvalidCredential),
        "expired key"
    );
    let admin = delegated(&app, CredentialRequest::read_write()).await;
    assert_eq!(admin.current_credential().await.unwrap().status, CredentialState::Validated);
    admin.logout().await.unwrap();
    assert_eq!(
        admin.get::<Value>("/me").await.unwrap_err().ovh_kind(),
        Some(OvhErrorKind::NotCredential)
    );
    assert_eq!(fake.time_requests(), 1, "one /auth/time for the whole application");
}

#[tokio::test]
async fn tampered_signature_is_refused() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(clock.clone(), 0).await;
    let app = app(&fake, &clock);
    // A validated key granted GET on everything: only the signature can refuse.
    let ck = validated_key(&app, CredentialRequest::read_only()).await;
    let app_secret = ApplicationSecret::new(DEFAULT_APPLICATION_SECRET).unwrap();
    let url = format!("{}/me", fake.base_url());
    let ts = 1_700_000_000;
    fn get(url: &str) -> SignedRequest<'_> {
        SignedRequest { method: "GET", url, body: b"" }
    }
    let at = UnixTime::from_secs;
    let good = sign(&app_secret, &ck, &get(&url), at(ts));
    let (status, body) = signed_get(&url, &ck, ts, &good).await;
    assert_eq!((status, &body["nichandle"]), (200, &json!("xx1234-ovh")), "the untampered call");

    // Signed for one URL, sent to another.
    let other = sign(&app_secret, &ck, &get(&format!("{url}/bill")), at(ts));
    // One hex digit of the good signature changed.
    let mut flipped = good.to_string();
    let last = if flipped.ends_with('0') { "1" } else { "0" };
    flipped.replace_range(flipped.len() - 1.., last);
    // Signed for another timestamp, sent with this one.
    let later = sign(&app_secret, &ck, &get(&url), at(ts + 1));
    // Signed with another application secret.
    let foreign = sign(&ApplicationSecret::new("another secret").unwrap(), &ck, &get(&url), at(ts));
    for (what, signature) in [
        ("other url", other.to_string()),
        ("flipped", flipped),
        ("other ts", later.to_string()),
        ("other as", foreign.to_string()),
    ] {
        let (status, body) = signed_get(&url, &ck, ts, &signature).await;
        assert_eq!(status, 400, "{what}: {body}");
        assert_eq!(body["errorCode"], "INVALID_SIGNATURE", "{what}");
    }

    // A client with a wrong application secret: every signature is wrong.
    let bad_app = OvhClient::builder(DEFAULT_APPLICATION_KEY, "wrong secret")
        .base_url(fake.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    let err = bad_app.for_customer(ck).get::<Value>("/me").await.unwrap_err();
    assert_eq!(err.ovh_kind(), Some(OvhErrorKind::InvalidSignature));
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
}

#[tokio::test]
async fn clock_skew_is_corrected_by_the_time_delta() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    // The server is 2 hours ahead of the client's clock.
    let fake = fake(clock.clone(), 7_200).await;
    let app = app(&fake, &clock);
    assert_eq!(app.time_delta().await.unwrap(), 7_200);
    let customer = delegated(&app, CredentialRequest::read_only()).await;
    let _: Value = customer.get("/me").await.unwrap();
    // 100 concurrent first calls of a fresh application share one /auth/time.
    let fresh = self::app(&fake, &clock);
    let handles: Vec<_> = (0..100)
        .map(|_| {
            let c = fresh.clone();
            tokio::spawn(async move { c.time_delta().await.unwrap() })
        })
        .collect();
    for h in handles {
        assert_eq!(h.await.unwrap(), 7_200);
    }
    assert_eq!(fresh.time_requests(), 1);
}

#[tokio::test]
async fn time_jump_triggers_one_resync() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(clock.clone(), 0).await;
    let app = app(&fake, &clock);
    let customer = delegated(&app, CredentialRequest::read_only()).await;
    let _: Value = customer.get("/me").await.unwrap();
    assert_eq!(app.time_requests(), 1);
    // The server's clock moves an hour ahead behind the client's back: the
    // next call gets QUERY_TIME_OUT, re-syncs once, and succeeds.
    fake.set_server_offset(3_600);
    let _: Value = customer.get("/me").await.unwrap();
    assert_eq!(app.time_requests(), 2);
    assert_eq!(app.time_delta().await.unwrap(), 3_600);
    // A signature problem that a re-sync cannot cure is re-synced once, not
    // more. The key is validated, so it is the signature the fake refuses.
    let ck = validated_key(&app, CredentialRequest::read_only()).await;
    let wrong = OvhClient::builder(DEFAULT_APPLICATION_KEY, "wrong secret")
        .base_url(fake.base_url())
        .clock(clock.clone())
        .build()
        .unwrap()
        .for_customer(ck);
    let (time_before, api_before) = (fake.time_requests(), fake.api_requests());
    let err = wrong.get::<Value>("/me").await.unwrap_err();
    assert_eq!(err.ovh_kind(), Some(OvhErrorKind::InvalidSignature), "{err:?}");
    assert_eq!(wrong.time_requests(), 2, "the first /auth/time and exactly one re-sync");
    assert_eq!(fake.time_requests() - time_before, 2, "/auth/time requests the fake answered");
    assert_eq!(fake.api_requests() - api_before, 2, "the call, and one retry after the re-sync");
}

#[tokio::test]
async fn retries_on_5xx_for_get_but_not_post() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(clock.clone(), 0).await;
    let customer = delegated(&app(&fake, &clock), CredentialRequest::read_write()).await;
    let before = fake.api_requests();
    fake.inject_server_errors(2);
    let me: Value = customer.get("/me").await.unwrap();
    assert_eq!(me["nichandle"], "xx1234-ovh");
    assert_eq!(fake.api_requests() - before, 3, "two 503s then a success");

    fake.inject_server_errors(1);
    let before = fake.api_requests();
    let err = customer
        .post::<Value, _>(
            "/domain/zone/example.com/record",
            &json!({"fieldType": "A", "target": "192.0.2.1"}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.ovh_kind(), Some(OvhErrorKind::Server));
    assert_eq!(err.error_kind(), ErrorKind::Unavailable);
    assert_eq!(fake.api_requests() - before, 1, "POST is not retried");

    fake.inject_server_errors(10);
    let before = fake.api_requests();
    let err = customer.get::<Value>("/me").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Unavailable, "a 5xx left after the retries");
    assert_eq!(err.ovh_kind(), Some(OvhErrorKind::Server), "the last answer is kept");
    assert_eq!(err.rejection().map(|r| r.status), Some(503));
    assert_eq!(fake.api_requests() - before, 3, "bounded: max_attempts (3), then gives up");
    fake.inject_server_errors(0);
    let me: Value = customer.get("/me").await.unwrap();
    assert_eq!(me["nichandle"], "xx1234-ovh");
}

#[tokio::test]
async fn v2_cursor_pagination_and_oauth2() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = FakeOvh::builder()
        .zones(["a.com", "b.com", "c.com", "d.com", "e.com"])
        .service_account("sa-id", "sa-secret")
        .clock(clock.clone())
        .start(0)
        .await
        .unwrap();
    let sa = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
        .base_url(fake.base_url())
        .oauth2("sa-id", "sa-secret", fake.token_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    let me: Value = sa.get("/me").await.unwrap();
    assert_eq!(me["nichandle"], "xx1234-ovh");
    let all: Vec<Value> = sa.paginate("/v2/iam/resource").try_collect().await.unwrap();
    assert_eq!(
        all.iter().map(|r| r["name"].as_str().unwrap()).collect::<Vec<_>>(),
        ["a.com", "b.com", "c.com", "d.com", "e.com"]
    );
    assert_eq!(fake.time_requests(), 0, "bearer calls are not signed");
    let bad = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
        .base_url(fake.base_url())
        .oauth2("sa-id", "wrong", fake.token_url())
        .build()
        .unwrap();
    let err = bad.get::<Value>("/me").await.unwrap_err();
    let rejection = err.rejection().unwrap();
    assert_eq!((rejection.status, rejection.code.as_deref()), (401, Some("invalid_client")));
}

#[tokio::test]
async fn fake_accepts_a_signature_over_the_canonical_https_url() {
    // As node-ovh signs: "https://" + host (without port) + path.
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(clock.clone(), 0).await;
    let asked =
        app(&fake, &clock).request_credential(&CredentialRequest::read_only()).await.unwrap();
    assert!(fake.validate(&asked.consumer_key)); // consent
    let ck = asked.consumer_key;
    let path = "/1.0/me";
    let canonical = format!("https://127.0.0.1{path}");
    let app_secret = ApplicationSecret::new(DEFAULT_APPLICATION_SECRET).unwrap();
    let at = UnixTime::from_secs(1_700_000_000);
    let sig =
        sign(&app_secret, &ck, &SignedRequest { method: "GET", url: &canonical, body: b"" }, at);
    let r = reqwest::Client::new()
        .get(format!("{}/me", fake.base_url()))
        .header("X-Ovh-Application", DEFAULT_APPLICATION_KEY)
        .header("X-Ovh-Consumer", ck.expose_str().unwrap())
        .header("X-Ovh-Timestamp", "1700000000")
        .header("X-Ovh-Signature", sig.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A signature over another URL is still refused.
    let other_url = "https://127.0.0.1/1.0/other";
    let other =
        sign(&app_secret, &ck, &SignedRequest { method: "GET", url: other_url, body: b"" }, at);
    let r = reqwest::Client::new()
        .get(format!("{}/me", fake.base_url()))
        .header("X-Ovh-Application", DEFAULT_APPLICATION_KEY)
        .header("X-Ovh-Consumer", ck.expose_str().unwrap())
        .header("X-Ovh-Timestamp", "1700000000")
        .header("X-Ovh-Signature", other.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn empty_keys_are_refused_everywhere() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(clock.clone(), 0).await;
    let empty_key =
        |r: Result<OvhClient, Error>| matches!(r, Err(Error::Core(partner_core::Error::EmptyKey)));
    let builder = |ak: &str, r#as: &str| {
        OvhClient::builder(ak.to_owned(), r#as.to_owned()).base_url(fake.base_url())
    };
    assert!(empty_key(builder("", DEFAULT_APPLICATION_SECRET).build()));
    assert!(empty_key(builder(DEFAULT_APPLICATION_KEY, "").build()));
    let app_builder = || builder(DEFAULT_APPLICATION_KEY, "as");
    assert!(empty_key(app_builder().oauth2("", "secret", fake.token_url()).build()));
    assert!(empty_key(app_builder().oauth2("id", "", fake.token_url()).build()));
    let ck = ConsumerKey::new("ck").unwrap();
    assert!(app_builder().consumer_key(ck).oauth2("id", "s", fake.token_url()).build().is_ok());
    for err in [ConsumerKey::new("").unwrap_err(), ConsumerKey::new(Vec::new()).unwrap_err()] {
        assert_eq!(err, Error::Core(partner_core::Error::EmptyKey));
        assert_eq!(err.error_kind(), ErrorKind::Malformed);
    }
    assert_eq!(fake.api_requests(), 0, "nothing was sent");
    assert_eq!(fake.time_requests(), 0, "nothing was sent");

    // The fake refuses to start, or to give its routes, with a key everyone knows.
    let empty = || {
        [
            FakeOvh::builder().application("", "secret"),
            FakeOvh::builder().application("key", ""),
            FakeOvh::builder().service_account("", "secret"),
            FakeOvh::builder().service_account("id", ""),
        ]
    };
    for builder in empty() {
        let err = builder.start(0).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        let err = err.into_inner().unwrap().downcast::<Error>().unwrap();
        assert_eq!(*err, Error::Core(partner_core::Error::EmptyKey));
    }
    for builder in empty() {
        assert_eq!(builder.into_router().unwrap_err().error_kind(), ErrorKind::Malformed);
    }
}

#[tokio::test]
async fn dot_segments_never_reach_the_wire() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(clock.clone(), 0).await;
    let customer = delegated(&app(&fake, &clock), CredentialRequest::read_write()).await;
    let before = fake.api_requests();
    for path in [
        "/me/\t../auth",
        "/domain/zone/example.com/record/\t..",
        "/domain/zone/example.com/record/..",
        "/domain/zone/example.com/record/\n.\r.",
        "/me/./bill",
        "/domain//zone",
    ] {
        let err = customer.get::<Value>(path).await.unwrap_err();
        assert_eq!(err.error_kind(), ErrorKind::UnsafeInput, "{path:?}: {err:?}");
        let err = customer.delete::<Value>(path).await.unwrap_err();
        assert_eq!(err.error_kind(), ErrorKind::UnsafeInput, "{path:?}: {err:?}");
    }
    assert_eq!(fake.api_requests(), before, "none of them was sent");
    // Hostile characters inside a segment stay inside it.
    let err = customer.get::<Value>("/domain/zone/example.com%2F..%2F..\\me/record").await;
    assert_eq!(err.unwrap_err().ovh_kind(), Some(OvhErrorKind::NotFound));
}
