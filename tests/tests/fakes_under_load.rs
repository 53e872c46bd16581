//! The bounded smoke version of `cargo xtask load`: every fake, in this
//! process, answers a few thousand requests of its load workload (real
//! flows, bad credentials, 1 MiB bodies) with exactly the expected statuses
//! and keeps serving. It counts; it never times: throughput, memory and the
//! connection timeouts are measured by `cargo xtask load`.

use partner_core::Secret;
use serde_json::{Value, json};
use xtask::load::{Options, Report, drive};

/// Requests per connection; 4 connections. Every 200th request of a
/// connection is a 1 MiB body.
const PER_TASK: u64 = 600;

fn options() -> Options {
    Options {
        connections: 4,
        probes: false,
        requests_per_task: Some(PER_TASK),
        ..Options::default()
    }
}

fn check(report: &Report) {
    assert_eq!(report.requests, 4 * PER_TASK, "{}", report.text());
    assert_eq!(report.failures(), 0, "{}", report.text());
    let abuse = &report.kinds["abuse-1MiB"];
    assert_eq!(abuse.sent, 4 * (PER_TASK / 200), "{}", report.text());
    // Refused with 413, or (status 0) the connection closed before the
    // client finished sending; never accepted.
    let refused: u64 = [413, 0].iter().filter_map(|s| abuse.statuses.get(s)).sum();
    assert_eq!(refused, abuse.sent, "1 MiB bodies are refused: {}", report.text());
    assert!(abuse.statuses.contains_key(&413), "413 seen: {}", report.text());
    assert!(report.kinds.len() >= 4, "the workload ran all its kinds: {}", report.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ovhcloud() {
    use partner_ovhcloud::fake::{DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh};
    let fake = FakeOvh::builder()
        .service_account("sa-1", Secret::from("sa-secret"))
        .start(0)
        .await
        .unwrap();
    let line = json!({
        "base_url": fake.base_url(), "token_url": fake.token_url(),
        "application_key": DEFAULT_APPLICATION_KEY, "application_secret": DEFAULT_APPLICATION_SECRET,
        "service_account": {"client_id": "sa-1", "client_secret": "sa-secret"},
    });
    check(&drive("ovhcloud", &line, None, &options()).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cheetah() {
    use partner_cheetah::fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, FakeCheetah};
    let fake = FakeCheetah::builder().start(0).await.unwrap();
    let line = json!({"base_url": fake.base_url(), "client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET});
    check(&drive("cheetah", &line, None, &options()).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud66() {
    use partner_cloud66::fake::FakeCloud66;
    let fake = FakeCloud66::builder()
        .stand_in_partner("acme", "0123456789abcdefFEDCBA9876543210")
        .stand_in_oauth_app("client-1", Secret::from("secret-1"))
        .user("u-1", "jon@smith.com", "Jon Smith")
        .stack("stack-1", "web")
        .start(0)
        .await
        .unwrap();
    let line = json!({
        "base_url": fake.base_url(), "client_id": "client-1", "client_secret": "secret-1",
        "redirect_uri": fake.oauth_redirect_uri(),
    });
    check(&drive("cloud66", &line, None, &options()).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blendr() {
    use partner_blendr::fake::{DEFAULT_API_KEY, DEFAULT_APP_ID, FakeBlendr};
    let fake = FakeBlendr::builder()
        .template("tpl-1", "CRM sync")
        .rate_limit(None)
        .start(0)
        .await
        .unwrap();
    let line = json!({"base_url": fake.base_url(), "api_base_url": fake.api_base_url(), "app_id": DEFAULT_APP_ID, "api_key": DEFAULT_API_KEY});
    check(&drive("blendr", &line, None, &options()).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teapplix() {
    use partner_teapplix::fake::{DEFAULT_API_TOKEN, DEFAULT_SIGNATURE_KEY, FakeTeapplix};
    let fake = FakeTeapplix::builder().pair("ps-client-1", "demo2").start(0).await.unwrap();
    let line: Value = json!({
        "base_url": fake.base_url(), "api_token": DEFAULT_API_TOKEN, "signature_key": DEFAULT_SIGNATURE_KEY,
        "pairs": [{"ps_client_id": "ps-client-1", "client_vhost": "demo2"}],
    });
    check(&drive("teapplix", &line, None, &options()).await.unwrap());
}
