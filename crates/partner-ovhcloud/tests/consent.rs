//! Consumer keys against the fake over real HTTP: the validation page
//! (authorize, refuse, single-use tokens), currentCredential and logout
//! with narrow rules, expiry, and body limits.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use partner_core::http::reqwest;
use partner_ovhcloud::fake::{
    CREDENTIAL_BODY_LIMIT, DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh,
    PENDING_LIFETIME, RunningOvh,
};
use partner_ovhcloud::{
    ConsumerKey, CredentialRequest, CredentialResponse, CredentialState, FixedClock, Method,
    OvhClient, OvhErrorKind,
};
use serde_json::Value;

const NOW: i64 = 1_700_000_000;
const DONE: &str = "https://partner.example/ovh/done";

async fn fake(clock: &Arc<FixedClock>) -> RunningOvh {
    FakeOvh::builder().clock(clock.clone()).start(0).await.unwrap()
}

fn app(fake: &RunningOvh, clock: &Arc<FixedClock>) -> OvhClient {
    OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
        .base_url(fake.base_url())
        .clock(clock.clone())
        .sleeper(clock.clone())
        .build()
        .unwrap()
}

/// A browser that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The customer's click on the page's button `action`.
async fn click(url: &str, action: &str) -> reqwest::Response {
    browser().post(url).form(&[("action", action)]).send().await.unwrap()
}

/// The error kind of `GET /me` signed with `customer`'s key, or `None` when it works.
async fn me(customer: &OvhClient) -> Option<OvhErrorKind> {
    customer.get::<Value>("/me").await.err().map(|e| e.ovh_kind().unwrap())
}

async fn ask(app: &OvhClient, request: CredentialRequest) -> CredentialResponse {
    app.request_credential(&request).await.unwrap()
}

/// The fake's base (`http://127.0.0.1:<port>`).
fn base(fake: &RunningOvh) -> String {
    fake.base_url().trim_end_matches("/1.0").to_owned()
}

#[tokio::test]
async fn current_credential_and_logout_work_for_a_key_with_narrow_rules() {
    let clock = Arc::new(FixedClock::at_unix(NOW));
    let fake = fake(&clock).await;
    let app = app(&fake, &clock);
    let asked = ask(&app, CredentialRequest::new().rule(Method::Get, "/me")).await;
    assert!(fake.validate(&asked.consumer_key));
    let customer = app.for_customer(asked.consumer_key.clone());

    let credential = customer.current_credential().await.unwrap();
    assert_eq!(credential.status, CredentialState::Validated);
    assert_eq!(credential.rules.len(), 1);
    assert_eq!(
        (credential.rules[0].method, credential.rules[0].path.as_str()),
        (Method::Get, "/me")
    );
    assert_eq!(credential.expiration, None, "unlimited validity");
    let raw: Value = customer.get("/auth/currentCredential").await.unwrap();
    assert_eq!(raw["creation"], "2023-11-14T22:13:20+00:00");
    // The exemption covers these two calls only.
    let err = customer.get::<Value>("/domain/zone").await.unwrap_err();
    assert_eq!(err.ovh_kind(), Some(OvhErrorKind::NotGrantedCall));
    let err = customer.delete::<Value>("/auth/currentCredential").await.unwrap_err();
    assert_eq!(err.ovh_kind(), Some(OvhErrorKind::NotGrantedCall));

    customer.logout().await.unwrap();
    assert_eq!(me(&customer).await, Some(OvhErrorKind::NotCredential));
    let err = customer.current_credential().await.unwrap_err();
    assert_eq!(err.ovh_kind(), Some(OvhErrorKind::NotCredential));
    assert_eq!(customer.logout().await.unwrap_err().ovh_kind(), Some(OvhErrorKind::NotCredential));

    // A key granted only the zones reads its own credential too.
    let asked = ask(&app, CredentialRequest::new().rule(Method::Get, "/domain/zone/*")).await;
    assert!(fake.validate(&asked.consumer_key));
    let zones = app.for_customer(asked.consumer_key);
    assert_eq!(zones.current_credential().await.unwrap().rules[0].path, "/domain/zone/*");
    assert_eq!(me(&zones).await, Some(OvhErrorKind::NotGrantedCall));
}

#[tokio::test]
async fn validity_chosen_on_the_page_is_reported_and_ends() {
    let clock = Arc::new(FixedClock::at_unix(NOW));
    let fake = fake(&clock).await;
    let app = app(&fake, &clock);
    let asked = ask(&app, CredentialRequest::read_only()).await;
    let r = browser()
        .post(&asked.validation_url)
        .form(&[("action", "authorize"), ("validity", "3600")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("granted"));
    let customer = app.for_customer(asked.consumer_key);
    let credential = customer.current_credential().await.unwrap();
    assert_eq!(credential.expiration.as_deref(), Some("2023-11-14T23:13:20+00:00"));
    assert_eq!(me(&customer).await, None);
    clock.advance(Duration::from_secs(3_600));
    assert_eq!(me(&customer).await, Some(OvhErrorKind::InvalidCredential));
    let err = customer.current_credential().await.unwrap_err();
    assert_eq!(err.ovh_kind(), Some(OvhErrorKind::InvalidCredential));
}

#[tokio::test]
async fn used_or_empty_tokens_never_revalidate_an_expired_key() {
    let clock = Arc::new(FixedClock::at_unix(NOW));
    let fake = fake(&clock).await;
    let app = app(&fake, &clock);
    let asked = ask(&app, CredentialRequest::read_only().redirection(DONE)).await;
    assert_eq!(click(&asked.validation_url, "authorize").await.status(), 303);
    // A second key, still pending when everything expires: its unused
    // token must not bring it back either.
    let pending = ask(&app, CredentialRequest::read_only()).await;
    let customer = app.for_customer(asked.consumer_key.clone());
    let other = app.for_customer(pending.consumer_key.clone());
    assert_eq!(me(&customer).await, None);
    fake.expire_credentials();
    assert_eq!(me(&customer).await, Some(OvhErrorKind::InvalidCredential));

    let base = base(&fake);
    let urls = [
        format!("{base}/auth/?credentialToken="),
        format!("{base}/auth/"),
        format!("{base}/auth/?credentialToken=&credentialToken="),
        asked.validation_url.clone(),
        pending.validation_url.clone(),
    ];
    for url in &urls {
        for action in ["authorize", "refuse"] {
            let r = click(url, action).await;
            assert!(
                matches!(r.status().as_u16(), 400 | 404),
                "POST {url} {action}: {}",
                r.status()
            );
        }
        let r = browser().get(url).send().await.unwrap();
        assert!(matches!(r.status().as_u16(), 400 | 404), "GET {url}: {}", r.status());
        assert!(!fake.validate(&asked.consumer_key));
        assert_eq!(me(&customer).await, Some(OvhErrorKind::InvalidCredential), "{url}");
        assert_eq!(me(&other).await, Some(OvhErrorKind::InvalidCredential), "{url}");
    }
    assert!(!fake.validate(&pending.consumer_key), "an expired pending key stays expired");
}

#[tokio::test]
async fn the_validation_page_authorizes_or_refuses_once() {
    let clock = Arc::new(FixedClock::at_unix(NOW));
    let fake = fake(&clock).await;
    let app = app(&fake, &clock);
    let asked = ask(
        &app,
        CredentialRequest::new()
            .rule(Method::Get, "/me")
            .rule(Method::Delete, "/domain/zone/<script>alert('x')</script>&")
            .redirection(DONE),
    )
    .await;

    // What the customer's browser opens.
    let r = browser().get(&asked.validation_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"<form method="post" action="/auth/?credentialToken="#), "{page}");
    assert!(
        page.contains(
            r#"<button type="submit" name="action" value="authorize">Authorize</button>"#
        )
    );
    assert!(page.contains(r#"<button type="submit" name="action" value="refuse">Refuse</button>"#));
    assert!(page.contains("<code>GET</code> <code>/me</code>"));
    assert!(
        page.contains("<code>DELETE</code> <code>/domain/zone/&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</code>"),
        "{page}"
    );
    assert!(!page.contains("<script>"));
    assert!(page.contains(DONE));

    // A form without a decision changes nothing and keeps the token.
    let r = browser().post(&asked.validation_url).form(&[("validity", "0")]).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = click(&asked.validation_url, "maybe").await;
    assert_eq!(r.status(), 400);

    // Refused: back to the application, and the key is refused for good.
    let r = click(&asked.validation_url, "refuse").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], DONE);
    let customer = app.for_customer(asked.consumer_key.clone());
    assert_eq!(me(&customer).await, Some(OvhErrorKind::InvalidCredential));
    let err = customer.current_credential().await.unwrap_err();
    assert_eq!(err.ovh_kind(), Some(OvhErrorKind::InvalidCredential));
    assert_eq!(
        customer.logout().await.unwrap_err().ovh_kind(),
        Some(OvhErrorKind::InvalidCredential)
    );

    // The token was used: neither the page nor a decision works again.
    assert_eq!(browser().get(&asked.validation_url).send().await.unwrap().status(), 404);
    let r = click(&asked.validation_url, "authorize").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("already used"));
    assert!(!fake.validate(&asked.consumer_key));
    assert_eq!(me(&customer).await, Some(OvhErrorKind::InvalidCredential));

    // Without a redirection, a confirmation page; `curl -F` (multipart) works too.
    let asked = ask(&app, CredentialRequest::read_only()).await;
    let boundary = "XyZ123";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nauthorize\r\n--{boundary}--\r\n"
    );
    let r = browser()
        .post(&asked.validation_url)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Access granted"));
    assert_eq!(me(&app.for_customer(asked.consumer_key)).await, None);

    let asked = ask(&app, CredentialRequest::read_only()).await;
    let r = click(&asked.validation_url, "refuse").await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Access refused"));

    // The Rust shortcut uses up the token as well.
    let asked = ask(&app, CredentialRequest::read_only()).await;
    assert!(fake.refuse(&asked.consumer_key));
    assert!(!fake.validate(&asked.consumer_key));
    assert_eq!(click(&asked.validation_url, "authorize").await.status(), 404);
    assert_eq!(
        me(&app.for_customer(asked.consumer_key)).await,
        Some(OvhErrorKind::InvalidCredential)
    );
    assert!(!fake.validate(&ConsumerKey::new("unknown").unwrap()));
}

#[tokio::test]
async fn keys_never_validated_are_forgotten() {
    let clock = Arc::new(FixedClock::at_unix(NOW));
    let fake = fake(&clock).await;
    let app = app(&fake, &clock);
    let asked = ask(&app, CredentialRequest::read_only()).await;
    let customer = app.for_customer(asked.consumer_key.clone());
    assert_eq!(me(&customer).await, Some(OvhErrorKind::InvalidCredential), "pending");
    clock.advance(PENDING_LIFETIME);
    assert_eq!(browser().get(&asked.validation_url).send().await.unwrap().status(), 404);
    assert_eq!(click(&asked.validation_url, "authorize").await.status(), 404);
    assert!(!fake.validate(&asked.consumer_key));
    assert_eq!(me(&customer).await, Some(OvhErrorKind::NotCredential));
}

#[tokio::test]
async fn oversized_bodies_are_refused_and_the_fake_keeps_answering() {
    let clock = Arc::new(FixedClock::at_unix(NOW));
    let fake = fake(&clock).await;
    let app = app(&fake, &clock);
    let base = base(&fake);
    let http = reqwest::Client::new();
    let big = vec![b'a'; 1024 * 1024];
    for (url, body) in [
        (format!("{base}/1.0/auth/credential"), big.clone()),
        (format!("{base}/1.0/auth/credential"), vec![b' '; CREDENTIAL_BODY_LIMIT + 1]),
        (format!("{base}/auth/?credentialToken=x"), big.clone()),
        (fake.token_url(), big.clone()),
        (format!("{base}/1.0/domain/zone/example.com/record"), vec![b'a'; 2 * 1024 * 1024]),
    ] {
        let r = http
            .post(&url)
            .header("X-Ovh-Application", DEFAULT_APPLICATION_KEY)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413, "{url}");
    }
    // Still serving.
    let asked = ask(&app, CredentialRequest::read_only()).await;
    assert!(fake.validate(&asked.consumer_key));
    assert_eq!(me(&app.for_customer(asked.consumer_key)).await, None);
}
