//! The fake as `partner_core::server::Fake`, and its routes unstarted.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use partner_cloud66::fake::FakeCloud66;
use partner_core::http::reqwest;
use partner_core::server::{Fake, LoopbackServer, ServerLimits};

const UID: &str = "0123456789abcdefFEDCBA9876543210";

#[tokio::test]
async fn the_running_fake_is_a_fake() {
    let running = FakeCloud66::builder()
        .stand_in_partner("acme", UID)
        .stand_in_oauth_app("client-1", "secret-1")
        .user("u-1", "jon@smith.com", "Jon Smith")
        .start(0)
        .await
        .unwrap();
    let base = running.base_url();
    let fake: Box<dyn Fake> = Box::new(running);
    assert_eq!(fake.provider(), "cloud66");
    assert_eq!(fake.base_url(), base);
    let c = fake.credentials_json();
    assert_eq!(c["provider"], "cloud66");
    assert_eq!(c["base_url"], base.as_str());
    assert_eq!(c["api_base_url"], format!("{base}/api/3"));
    assert_eq!(c["partner_endpoint"], format!("{base}/partner/acme/link"));
    assert_eq!((c["partner"].as_str(), c["provider_uid"].as_str()), (Some("acme"), Some(UID)));
    assert_eq!(c["link_url"], format!("{base}/stand-in/link"));
    assert_eq!(c["sso_return_url"], format!("{base}/stand-in/sso"));
    assert_eq!(
        (c["client_id"].as_str(), c["client_secret"].as_str()),
        (Some("client-1"), Some("secret-1"))
    );
    assert_eq!(c["redirect_uri"], format!("{base}/stand-in/oauth/callback"));

    // The router shares the running fake's state: a link made through a
    // second server is seen as already made through the first.
    let listener = LoopbackServer::bind(0).await.unwrap();
    let second = format!("http://{}", listener.local_addr().unwrap());
    let server = LoopbackServer::start(listener, fake.router(), ServerLimits::default()).unwrap();
    let http = reqwest::Client::new();
    let body = "link_uid=u-1&user_email=jon%40smith.com";
    for (url, status) in
        [(format!("{second}/partner/acme/link"), 200), (format!("{base}/partner/acme/link"), 403)]
    {
        let r = http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status);
    }
    server.shutdown().await.unwrap();
    fake.shutdown().await;
    assert!(
        reqwest::Client::new().get(format!("{base}/integrations/acme/done")).send().await.is_err()
    );
}

#[tokio::test]
async fn into_router_serves_the_same_routes() {
    let listener = LoopbackServer::bind(0).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = FakeCloud66::builder()
        .stand_in_partner("acme", UID)
        .user("u-1", "jon@smith.com", "Jon Smith")
        .public_url(base.clone())
        .into_router();
    let server = LoopbackServer::start(listener, router, ServerLimits::default()).unwrap();
    let browser =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = browser.get(format!("{base}/integrations/acme/start")).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("{base}/stand-in/link?uid=u-1&")), "{location}");
    let page = browser.get(location).send().await.unwrap();
    assert_eq!(page.status(), 200, "the callback is on this fake's public url");
    server.shutdown().await.unwrap();
}
