//! The client against the fake, over real HTTP on 127.0.0.1.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use partner_core::server::{Fake, LoopbackServer, ServerLimits};
use partner_teapplix::fake::{FakeTeapplix, RunningTeapplix};
use partner_teapplix::{
    Api2Call, BaseUrl, ClientVhost, Clock, Error, ErrorKind, FixedClock, HasErrorKind,
    LaunchSigner, TeapplixClient, reqwest,
};

const API_TOKEN: &str = "partner-api-token";
const SIG_KEY: &str = "partner-signature-key";
const T0: i64 = 1_700_000_000;

struct World {
    fake: RunningTeapplix,
    clock: Arc<FixedClock>,
    client: TeapplixClient,
    browser: reqwest::Client,
}

async fn world() -> World {
    let clock = Arc::new(FixedClock::at_unix(T0));
    let fake = FakeTeapplix::builder()
        .api_token(API_TOKEN)
        .signature_key(SIG_KEY)
        .pair("ps-42", "acme")
        .pair("ps-43", "other-shop")
        .clock(clock.clone())
        .start(0)
        .await
        .unwrap();
    assert!(fake.addr().ip().is_loopback());
    let client = client_for(&fake.base_url(), API_TOKEN, clock.clone());
    let browser =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    World { fake, clock, client, browser }
}

/// A client of the fake (API and app host alike), whose retries wait on
/// the fixed clock rather than sleep.
fn client_for(base: &str, api_token: &str, clock: Arc<FixedClock>) -> TeapplixClient {
    let signer = LaunchSigner::new(SIG_KEY).unwrap().with_base_url(BaseUrl::parse(base).unwrap());
    TeapplixClient::builder(api_token)
        .base_url(base)
        .launch_signer(signer)
        .clock(clock.clone())
        .sleeper(clock)
        .build()
        .unwrap()
}

async fn open(browser: &reqwest::Client, url: &str) -> (u16, String) {
    let res = browser.get(url).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn signer_for(w: &World, key: &str) -> LaunchSigner {
    LaunchSigner::new(key).unwrap().with_base_url(BaseUrl::parse(&w.fake.base_url()).unwrap())
}

#[tokio::test]
async fn obtain_launch_logged_in_then_refused_on_reuse() {
    let w = world().await;
    let token = w.client.obtain_token("ps-42").await.unwrap();
    assert_eq!(token.client_vhost.as_str(), "acme");
    assert_eq!(token.issued_at.as_secs(), T0);
    assert_eq!(token.expires_at.as_secs(), T0 + 1800);
    assert!(token.access_token.len() >= 32, "fake tokens are 24 random bytes");

    let url = w.client.signer().unwrap().launch_url_for(&token, w.clock.unix_time()).unwrap();
    let res = w.browser.get(url.as_str()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("teapplix_session=") && cookie.contains("HttpOnly"), "{cookie}");
    assert!(res.text().await.unwrap().contains("<p id=\"account\">acme</p>"));

    let (status, body) = open(&w.browser, url.as_str()).await;
    assert_eq!(
        (status, body.as_str()),
        (403, "launch refused: unknown or already used access token\n")
    );
    w.fake.shutdown().await;
}

#[tokio::test]
async fn launch_url_is_one_call_and_each_call_gets_a_new_token() {
    let w = world().await;
    let a = w.client.launch_url("ps-42").await.unwrap();
    let b = w.client.launch_url("ps-42").await.unwrap();
    assert_ne!(a.as_str(), b.as_str());
    assert_eq!(open(&w.browser, b.as_str()).await.0, 200);
    assert_eq!(open(&w.browser, a.as_str()).await.0, 200);
}

#[tokio::test]
async fn expired_token_is_refused_by_client_and_by_fake() {
    let w = world().await;
    let token = w.client.obtain_token("ps-42").await.unwrap();
    w.clock.advance(Duration::from_secs(1800));
    let now = w.clock.unix_time();
    // The client will not build a dead link...
    let err = w.client.signer().unwrap().launch_url_for(&token, now).unwrap_err();
    assert!(matches!(err, Error::TokenExpired));
    assert_eq!(err.error_kind(), ErrorKind::Expired);
    // ...and a link built anyway, freshly signed, is refused for the token.
    let forced = w.client.signer().unwrap().launch_url(
        &token.client_vhost,
        token.access_token.expose_str().unwrap(),
        now,
    );
    let (status, body) = open(&w.browser, forced.as_str()).await;
    assert_eq!((status, body.as_str()), (403, "launch refused: access token expired\n"));
}

#[tokio::test]
async fn stale_ts_is_refused_even_with_a_live_token() {
    let w = world().await;
    let token = w.client.obtain_token("ps-42").await.unwrap();
    let url = w.client.signer().unwrap().launch_url_for(&token, w.clock.unix_time()).unwrap();
    w.clock.advance(Duration::from_secs(1801));
    let (status, body) = open(&w.browser, url.as_str()).await;
    assert_eq!((status, body.as_str()), (403, "launch refused: launch url expired\n"));
}

#[tokio::test]
async fn wrong_signature_key_and_tampering_are_refused() {
    let w = world().await;
    let token = w.client.obtain_token("ps-42").await.unwrap();
    let pt = token.access_token.expose_str().unwrap();
    let wrong =
        signer_for(&w, "not the key").launch_url(&token.client_vhost, pt, w.clock.unix_time());
    let (status, body) = open(&w.browser, wrong.as_str()).await;
    assert_eq!((status, body.as_str()), (403, "launch refused: launch signature mismatch\n"));

    // The token survives a refused launch: the right link still works.
    let right = signer_for(&w, SIG_KEY).launch_url(&token.client_vhost, pt, w.clock.unix_time());
    let moved = right.as_str().replace("/h/acme/", "/h/other-shop/");
    assert_eq!(
        open(&w.browser, &moved).await,
        (403, "launch refused: launch signature mismatch\n".to_owned())
    );
    assert_eq!(open(&w.browser, right.as_str()).await.0, 200);
}

#[tokio::test]
async fn token_for_one_account_cannot_open_another() {
    let w = world().await;
    let token = w.client.obtain_token("ps-42").await.unwrap();
    let other = ClientVhost::new("other-shop").unwrap();
    let url = w.client.signer().unwrap().launch_url(
        &other,
        token.access_token.expose_str().unwrap(),
        w.clock.unix_time(),
    );
    let (status, body) = open(&w.browser, url.as_str()).await;
    assert_eq!(
        (status, body.as_str()),
        (403, "launch refused: access token was issued for another account\n")
    );
    // The refusal does not use the token up: its own account's link works.
    let own = w.client.signer().unwrap().launch_url_for(&token, w.clock.unix_time()).unwrap();
    assert_eq!(open(&w.browser, own.as_str()).await.0, 200);
}

#[tokio::test]
async fn vhost_injection_attempts_are_refused() {
    let w = world().await;
    let base = w.fake.base_url();
    let ts = w.clock.unix_time();
    for vhost in ["..", "acme%2F..%2Fadmin", ".acme", "acme%00", "ac%20me"] {
        let uri = format!("/h/{vhost}/te/lo.cgi?Action=Launch&pt=x&ts={ts}");
        let sig = LaunchSigner::new(SIG_KEY).unwrap().sign_uri(&uri);
        let (status, body) = open(&w.browser, &format!("{base}{uri}&signature={sig}")).await;
        // The HTTP client resolves a bare `..` itself (the request never
        // reaches the launch route: 404); every other form reaches it and is refused.
        if vhost == ".." {
            assert_eq!(status, 404, "{vhost}");
        } else {
            assert_eq!(
                (status, body.as_str()),
                (403, "launch refused: client vhost is not a safe path segment\n"),
                "{vhost}"
            );
        }
    }
    // The builder refuses them before any URL exists.
    for vhost in ["../admin", "a/b", "a?b", "a#b", ""] {
        assert!(matches!(ClientVhost::new(vhost), Err(Error::UnsafeVhost)), "{vhost}");
    }
    // And a PSObtainToken answer naming such an account is refused by the parser.
    let fake = FakeTeapplix::builder().pair("x", "../evil").start(0).await;
    assert!(fake.is_err(), "the fake refuses to pair an unsafe vhost");
}

#[tokio::test]
async fn api_errors_fill_the_rejection() {
    let w = world().await;
    let bad = client_for(&w.fake.base_url(), "wrong token", w.clock.clone());
    let err = bad.obtain_token("ps-42").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    assert_eq!(err.error_kind().http_status(), 502);
    let r = err.rejection().expect("a rejection");
    assert_eq!(
        (r.provider, r.status, r.code.as_deref(), r.message.as_deref()),
        ("teapplix", 401, Some("401"), Some("Unauthorized"))
    );
    assert_eq!(r.details, ["missing or invalid APIToken header"]);
    assert_eq!(err.to_string(), "teapplix refused the request: http 401, 401: Unauthorized");

    let err = w.client.obtain_token("not-paired").await.unwrap_err();
    let r = err.rejection().expect("a rejection");
    assert_eq!(r.status, 404);
    assert_eq!(r.details, ["no account is paired with this PSClientID"]);
    let err = w.client.obtain_token("").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Malformed);
    assert!(err.rejection().is_none());
}

#[tokio::test]
async fn launch_url_needs_a_signer() {
    let w = world().await;
    let no_signer = TeapplixClient::builder(API_TOKEN).base_url(w.fake.base_url()).build().unwrap();
    assert!(no_signer.signer().is_none());
    let err = no_signer.launch_url("ps-42").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Malformed);
    // It still obtains tokens and calls API2.
    assert_eq!(no_signer.obtain_token("ps-42").await.unwrap().client_vhost.as_str(), "acme");
}

#[tokio::test]
async fn api2_calls_for_a_paired_account() {
    let w = world().await;
    let call = Api2Call::get("OrderNotification").param("Status", "un shipped&x=1");
    let answer: serde_json::Value = w.client.call(&call, "ps-43").await.unwrap();
    assert_eq!(answer["Method"], "OrderNotification");
    assert_eq!(answer["ClientVHOST"], "other-shop");
    assert_eq!(answer["Params"]["Status"], "un shipped&x=1");
    assert_eq!(answer["Params"]["PSClientID"], "ps-43");

    let post = Api2Call::post("Products", serde_json::json!({"sku": "A1"}));
    let answer: serde_json::Value = w.client.call(&post, "ps-42").await.unwrap();
    assert_eq!(answer["ClientVHOST"], "acme");

    #[derive(serde::Deserialize, Debug)]
    struct Wrong {
        #[allow(dead_code)]
        orders: Vec<u32>,
    }
    // An answer of another shape is Teapplix's fault (kind rejected), with
    // the JSON error as its source and no echo of the body.
    let err = w.client.call::<Wrong>(&call, "ps-42").await.unwrap_err();
    assert!(matches!(err, Error::Core(partner_core::Error::InvalidResponse { .. })), "{err:?}");
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    let why = std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default();
    assert!(why.starts_with("json does not have the expected shape"), "{why}");
    let evil = Api2Call::get("../admin");
    let err = w.client.call::<serde_json::Value>(&evil, "ps-42").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::UnsafeInput);
}

#[tokio::test]
async fn transport_failures_and_timeouts_are_unavailable() {
    let clock = Arc::new(FixedClock::at_unix(T0));
    // A port with nothing listening: bind, read the port, close.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = client_for(&format!("http://127.0.0.1:{port}"), API_TOKEN, clock.clone());
    let err = client.obtain_token("ps-42").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Unavailable, "{err:?}");
    assert!(matches!(
        err,
        Error::Core(partner_core::Error::Unavailable {
            reason: partner_core::Unavailability::Connect,
            ..
        })
    ));
    assert!(!format!("{err} {err:?}").contains(API_TOKEN));

    // A server that accepts and never answers: the timeout fires.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            held.push(sock);
        }
    });
    let mut settings = partner_teapplix::HttpSettings::default();
    settings.retry = partner_teapplix::RetryPolicy::never();
    let client = TeapplixClient::builder(API_TOKEN)
        .base_url(format!("http://{addr}"))
        .settings(settings)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client.obtain_token("ps-42").await.unwrap_err();
    assert!(matches!(
        err,
        Error::Core(partner_core::Error::Unavailable {
            reason: partner_core::Unavailability::Timeout,
            ..
        })
    ));
    assert_eq!(err.error_kind(), ErrorKind::Unavailable);
    hold.abort();
}

#[tokio::test]
async fn builder_refuses_unsafe_settings() {
    let e =
        TeapplixClient::builder(API_TOKEN).base_url("http://api.teapplix.com").build().unwrap_err();
    assert_eq!(e.error_kind(), ErrorKind::UnsafeInput);
    let e = TeapplixClient::builder("").build().unwrap_err();
    assert!(matches!(e, Error::Core(partner_core::Error::EmptyKey)));
    let e = TeapplixClient::builder("bad\ntoken").build().unwrap_err();
    assert_eq!(e.error_kind(), ErrorKind::Malformed);
    let client = TeapplixClient::builder(API_TOKEN)
        .launch_signer(LaunchSigner::new(SIG_KEY).unwrap())
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains(API_TOKEN));
    assert!(!format!("{client:?}").contains(SIG_KEY));
}

#[tokio::test]
async fn running_fake_is_a_core_fake() {
    let w = world().await;
    let fake: Box<dyn Fake> = Box::new(w.fake);
    assert_eq!(fake.provider(), "teapplix");
    let creds = fake.credentials_json();
    assert_eq!(creds["provider"], "teapplix");
    assert_eq!(creds["base_url"], fake.base_url());
    assert_eq!(creds["api_token"], API_TOKEN);
    assert_eq!(creds["signature_key"], SIG_KEY);
    assert_eq!(
        creds["pairs"],
        serde_json::json!([
            {"ps_client_id": "ps-42", "client_vhost": "acme"},
            {"ps_client_id": "ps-43", "client_vhost": "other-shop"},
        ])
    );
    // The router shares the running fake's state: a token obtained over
    // HTTP is used up through the router.
    let token = w.client.obtain_token("ps-42").await.unwrap();
    let url = w.client.signer().unwrap().launch_url_for(&token, w.clock.unix_time()).unwrap();
    let target = url.as_str().trim_start_matches(&fake.base_url()).to_owned();
    let listener = LoopbackServer::bind(0).await.unwrap();
    let mounted = LoopbackServer::start(listener, fake.router(), ServerLimits::default()).unwrap();
    assert_eq!(open(&w.browser, &format!("{}{target}", mounted.base_url())).await.0, 200);
    assert_eq!(open(&w.browser, url.as_str()).await.0, 403, "used up through the router");
    mounted.shutdown().await.unwrap();
    fake.shutdown().await;
}
