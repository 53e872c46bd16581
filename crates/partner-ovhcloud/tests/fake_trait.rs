//! The fake as any fake: `partner_core::server::Fake` (what `partner mock
//! ovhcloud` prints, the routes mounted in another server) and
//! `FakeOvhBuilder::into_router`.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use partner_core::server::{Fake, LoopbackServer, ServerLimits};
use partner_ovhcloud::fake::{DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh};
use partner_ovhcloud::{CredentialRequest, OvhClient};
use serde_json::{Value, json};

#[tokio::test]
async fn the_running_fake_is_a_fake() {
    let fake = FakeOvh::builder().service_account("sa-id", "sa-secret").start(0).await.unwrap();
    let addr = fake.addr();
    let fake: Box<dyn Fake> = Box::new(fake);
    assert_eq!(fake.provider(), "ovhcloud");
    assert_eq!(fake.base_url(), format!("http://{addr}/1.0"));
    assert_eq!(
        fake.credentials_json(),
        json!({
            "provider": "ovhcloud",
            "base_url": format!("http://{addr}/1.0"),
            "token_url": format!("http://{addr}/auth/oauth2/token"),
            "application_key": DEFAULT_APPLICATION_KEY,
            "application_secret": DEFAULT_APPLICATION_SECRET,
            "service_account": {"client_id": "sa-id", "client_secret": "sa-secret"},
        })
    );
    // The same routes and state, mounted in another server.
    let listener = LoopbackServer::bind(0).await.unwrap();
    let mounted = LoopbackServer::start(listener, fake.router(), ServerLimits::default()).unwrap();
    let asked = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
        .base_url(format!("{}/1.0", mounted.base_url()))
        .build()
        .unwrap()
        .request_credential(&CredentialRequest::read_only())
        .await
        .unwrap();
    assert!(
        asked.validation_url.starts_with(&format!("http://{addr}/auth/?")),
        "the fake's own page"
    );
    mounted.shutdown().await.unwrap();
    fake.shutdown().await;
    let none = FakeOvh::builder().start(0).await.unwrap();
    assert_eq!(Fake::credentials_json(&none)["service_account"], Value::Null);
}

#[tokio::test]
async fn into_router_serves_the_fake_in_another_server() {
    let router = FakeOvh::builder().into_router().unwrap();
    let listener = LoopbackServer::bind(0).await.unwrap();
    let server = LoopbackServer::start(listener, router, ServerLimits::default()).unwrap();
    let base = server.base_url();
    let app = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
        .base_url(format!("{base}/1.0"))
        .build()
        .unwrap();
    let asked = app.request_credential(&CredentialRequest::read_only()).await.unwrap();
    // Validation links are made from the request's Host: here, this server.
    assert!(asked.validation_url.starts_with(&format!("{base}/auth/?credentialToken=")));
    let consent = partner_core::http::reqwest::Client::new()
        .post(&asked.validation_url)
        .form(&[("action", "authorize")])
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status(), 200, "the confirmation page");
    let me: Value = app.for_customer(asked.consumer_key).get("/me").await.unwrap();
    assert_eq!(me["nichandle"], "xx1234-ovh");
    server.shutdown().await.unwrap();
}
