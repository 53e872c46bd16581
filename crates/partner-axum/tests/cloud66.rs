//! The Cloud 66 extractors and link router against the fake Cloud 66, over HTTP.

mod support;

use axum::Router;
use axum::routing::get;
use partner_axum::cloud66::{Cloud66Handoffs, MultipassLogin};
use partner_cloud66::fake::FakeCloud66;
use partner_cloud66::multipass::MultipassVerifier;
use partner_cloud66::{MultipassKeys, ProvisioningClient};
use support::{HeaderUser, http, location, problem, serve};

const UID: &str = "0123456789abcdefFEDCBA9876543210";

async fn signed_in(MultipassLogin(identity): MultipassLogin) -> String {
    format!("welcome {}", identity.email().unwrap_or_default())
}

#[tokio::test]
async fn link_arrival_provisions_and_multipass_is_single_use() {
    // The portal's URL must be known to the fake: bind first.
    let listener = partner_core::server::LoopbackServer::bind(0).await.unwrap();
    let app_url = format!("http://{}", listener.local_addr().unwrap());
    let fake = FakeCloud66::builder()
        .partner("acme", UID, format!("{app_url}/link"), format!("{app_url}/sso"))
        .user("u-42", "jon@smith.com", "Jon Smith")
        .start(0)
        .await
        .unwrap();
    let handoffs = Cloud66Handoffs::new()
        .callback_hosts(["127.0.0.1"])
        .multipass(MultipassVerifier::new(MultipassKeys::cloud66(UID).unwrap()))
        .provisioning(
            ProvisioningClient::builder().base_url(fake.partner_endpoint()).build().unwrap(),
        );
    assert!(handoffs.multipass_verifier().unwrap().policy().is_single_use());
    let app: Router = Router::new()
        .route("/sso", get(signed_in))
        .nest("/link", handoffs.link_router(HeaderUser))
        .with_state(handoffs);
    let server = partner_core::server::LoopbackServer::start(
        listener,
        app,
        partner_core::server::ServerLimits::default(),
    )
    .unwrap();
    let client = http();

    // Cloud 66's click: arrival -> login first (back to the same URL).
    let start = client.get(fake.link_start_url().unwrap()).send().await.unwrap();
    let arrival = location(&start);
    assert!(arrival.starts_with(&format!("{app_url}/link?")), "{arrival}");
    let anonymous = client.get(&arrival).send().await.unwrap();
    assert_eq!(anonymous.status(), 303);
    let login = location(&anonymous);
    assert!(login.starts_with("/login?return_to=%2Flink%3F"), "{login}");

    // Logged in: provisioned at the fake, then back to the callback; twice
    // is fine ("already linked").
    for _ in 0..2 {
        let done = client.get(&arrival).header("x-test-user", "alice").send().await.unwrap();
        assert_eq!(done.status(), 303);
        assert_eq!(location(&done), format!("{}/integrations/acme/done", fake.base_url()));
        assert_eq!(done.headers()["cache-control"], "no-store");
    }
    assert_eq!(fake.linked_uids(), vec!["u-42".to_owned()]);

    // A callback elsewhere is an open redirect: 400, nothing provisioned.
    let evil = arrival.replace("127.0.0.1%3A", "evil.example%3A");
    let r = client.get(&evil).header("x-test-user", "alice").send().await.unwrap();
    let (status, body) = problem(r).await;
    assert_eq!((status, body["kind"].as_str()), (400, Some("unsafe-input")));

    // Multipass: accepted once, then 403 replayed; tampered: 401.
    let signin = client.get(fake.sso_signin_url().unwrap()).send().await.unwrap();
    let multipass = location(&signin);
    let first = client.get(&multipass).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.text().await.unwrap(), "welcome jon@smith.com");
    let (status, body) = problem(client.get(&multipass).send().await.unwrap()).await;
    assert_eq!((status, body["kind"].as_str()), (403, Some("replayed")));
    // One hex digit of the signature changed: same shape, wrong MAC.
    let at = multipass.find("signature=").unwrap() + "signature=".len();
    let flipped = if &multipass[at..=at] == "0" { "1" } else { "0" };
    let tampered = format!("{}{flipped}{}", &multipass[..at], &multipass[at + 1..]);
    let (status, body) = problem(client.get(&tampered).send().await.unwrap()).await;
    assert_eq!((status, body["kind"].as_str()), (401, Some("bad-signature")));
    let (status, body) = problem(client.get(format!("{app_url}/sso")).send().await.unwrap()).await;
    assert_eq!((status, body["kind"].as_str()), (400, Some("malformed")));

    server.shutdown().await.unwrap();
    fake.shutdown().await;
}

#[tokio::test]
async fn provisioning_refused_or_down_is_a_gateway_problem() {
    let handoffs = Cloud66Handoffs::new().callback_hosts(["127.0.0.1"]).provisioning(
        // Nothing listens on port 9 of loopback: the call cannot connect.
        ProvisioningClient::builder().base_url("http://127.0.0.1:9/link").build().unwrap(),
    );
    let app: Router = Router::new().nest("/link", handoffs.link_router(HeaderUser));
    let server = serve(app).await;
    let url = format!(
        "{}/link?uid=u1&email=a%40b.co&callback=http%3A%2F%2F127.0.0.1%3A1%2Fdone",
        server.base_url()
    );
    let r = http().get(url).header("x-test-user", "alice").send().await.unwrap();
    let (status, body) = problem(r).await;
    assert_eq!((status, body["kind"].as_str()), (503, Some("unavailable")));
    assert_eq!(body["detail"], "the provider or a store is unavailable");
    server.shutdown().await.unwrap();
}
