//! The OVHcloud connect router against the fake OVH API, over HTTP.

mod support;

use std::sync::Arc;

use axum::Router;
use partner_axum::AppUser;
use partner_axum::ovhcloud::OvhConnect;
use partner_core::SystemClock;
use partner_core::shared::LocalSecretStore;
use partner_ovhcloud::OvhClient;
use partner_ovhcloud::fake::{DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh};
use serde_json::Value;
use support::{HeaderUser, http, location, problem};

#[tokio::test]
async fn connect_validate_keep_and_refuse() {
    let fake = FakeOvh::builder().start(0).await.unwrap();
    let listener = partner_core::server::LoopbackServer::bind(0).await.unwrap();
    let app_url = format!("http://{}", listener.local_addr().unwrap());
    let client = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let store = Arc::new(LocalSecretStore::new(Arc::new(SystemClock), 1_000));
    let connect = OvhConnect::new(client, store, format!("{app_url}/ovh/return")).done_url("/done");
    let app: Router = Router::new().nest("/ovh", connect.router(HeaderUser));
    let server = partner_core::server::LoopbackServer::start(
        listener,
        app,
        partner_core::server::ServerLimits::default(),
    )
    .unwrap();
    let http = http();
    let alice = AppUser::new("alice", "alice Example", "alice@acme.test");

    // Not logged in: to the login page, back to /ovh.
    let r = http.get(format!("{app_url}/ovh")).send().await.unwrap();
    assert_eq!(location(&r), "/login?return_to=%2Fovh");

    // Start: 303 to the validation page; the customer authorizes.
    let start = |user: &'static str| {
        let http = http.clone();
        let url = format!("{app_url}/ovh");
        async move {
            let r = http.get(url).header("x-test-user", user).send().await.unwrap();
            assert_eq!(r.status(), 303);
            assert_eq!(r.headers()["referrer-policy"], "no-referrer");
            location(&r)
        }
    };
    let validation = start("alice").await;
    assert!(validation.contains("/auth/?credentialToken="), "{validation}");
    let back = http.post(&validation).form(&[("action", "authorize")]).send().await.unwrap();
    let back = location(&back);
    assert!(back.starts_with(&format!("{app_url}/ovh/return?state=")), "{back}");

    // Another user cannot finish alice's connection (and it is used up).
    let (status, body) =
        problem(http.get(&back).header("x-test-user", "mallory").send().await.unwrap()).await;
    assert_eq!((status, body["kind"].as_str()), (400, Some("unsafe-input")));
    let (status, _) =
        problem(http.get(&back).header("x-test-user", "alice").send().await.unwrap()).await;
    assert_eq!(status, 400, "the state was taken once");
    assert!(connect.consumer_key(&alice).await.unwrap().is_none());

    // Again, properly: validated, kept, and /me answers with alice's key.
    let validation = start("alice").await;
    let back = http.post(&validation).form(&[("action", "authorize")]).send().await.unwrap();
    let done = http.get(location(&back)).header("x-test-user", "alice").send().await.unwrap();
    assert_eq!((done.status().as_u16(), location(&done)), (303, "/done".to_owned()));
    let me: Value = connect.client_for(&alice).await.unwrap().unwrap().get("/me").await.unwrap();
    assert!(me["nichandle"].as_str().is_some_and(|n| !n.is_empty()));

    // Refused by the customer: 403, nothing kept for bob.
    let validation = start("bob").await;
    let back = http.post(&validation).form(&[("action", "refuse")]).send().await.unwrap();
    let (status, body) =
        problem(http.get(location(&back)).header("x-test-user", "bob").send().await.unwrap()).await;
    assert_eq!(status, 403, "{body}");
    let bob = AppUser::new("bob", "bob Example", "bob@acme.test");
    assert!(connect.consumer_key(&bob).await.unwrap().is_none());

    server.shutdown().await.unwrap();
    fake.shutdown().await;
}
