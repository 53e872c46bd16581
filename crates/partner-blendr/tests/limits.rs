//! The fake hub's limits, over real HTTP on 127.0.0.1: the rate limit (on
//! by default, configurable, off), the account store's cap, field lengths
//! and body sizes.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use partner_blendr::fake::{
    DEFAULT_RATE_LIMIT, FakeBlendr, MAX_ACCOUNT_FIELD_BYTES, MAX_ACCOUNTS, MAX_API_BODY_BYTES,
    MAX_SSO_BODY_BYTES, RunningBlendr,
};
use partner_blendr::{Clock, FixedClock, HashLinkSigner, Hub, SsoPage, SsoParams};
use partner_core::http::reqwest;

const APP: &str = "app-1";
const KEY: &str = "partner-api-key";

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// `calls` GETs of `/v1/templates`: the statuses, and the last answer's
/// `x-ratelimit-limit` header.
async fn api_calls(fake: &RunningBlendr, calls: usize) -> (Vec<u16>, Option<String>) {
    let client = http();
    let mut statuses = Vec::new();
    let mut limit = None;
    for _ in 0..calls {
        let r = client
            .get(format!("{}/templates", fake.api_base_url()))
            .header("x-app-id", APP)
            .header("x-api-key", KEY)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        limit = r.headers().get("x-ratelimit-limit").map(|v| v.to_str().unwrap().to_owned());
    }
    (statuses, limit)
}

#[tokio::test]
async fn the_rate_limit_is_300_by_default_and_can_be_turned_off() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let limited =
        FakeBlendr::builder().credentials(APP, KEY).clock(clock.clone()).start(0).await.unwrap();
    let (statuses, limit) = api_calls(&limited, DEFAULT_RATE_LIMIT as usize + 1).await;
    assert!(statuses[..300].iter().all(|&s| s == 200));
    assert_eq!(statuses[300], 429);
    assert_eq!(limit.as_deref(), Some("300"));

    let off = FakeBlendr::builder()
        .credentials(APP, KEY)
        .clock(clock.clone())
        .rate_limit(None)
        .start(0)
        .await
        .unwrap();
    let (statuses, limit) = api_calls(&off, 400).await;
    assert!(statuses.iter().all(|&s| s == 200), "no 429 with the limit off");
    assert_eq!(limit, None, "and no rate-limit headers");

    let three = FakeBlendr::builder()
        .credentials(APP, KEY)
        .clock(clock)
        .rate_limit(3)
        .start(0)
        .await
        .unwrap();
    assert_eq!(api_calls(&three, 4).await.0, [200, 200, 200, 429]);
}

async fn login(fake: &RunningBlendr, clock: &FixedClock, params: &SsoParams) -> (u16, String) {
    let site = Hub::from_base_url(&fake.base_url()).unwrap();
    let link = HashLinkSigner::new(KEY)
        .unwrap()
        .link(&site, &SsoPage::Home, params, clock.unix_time())
        .unwrap();
    let r = http().get(link.as_str()).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_create_at_most_max_accounts() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = FakeBlendr::builder()
        .credentials(APP, KEY)
        .clock(clock.clone())
        .account("preset", "Preset")
        .start(0)
        .await
        .unwrap();
    let fake = Arc::new(fake);
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (fake, clock) = (fake.clone(), clock.clone());
            tokio::spawn(async move {
                for i in (t..MAX_ACCOUNTS - 1).step_by(8) {
                    let params = SsoParams::new(format!("acct-{i}")).unwrap();
                    assert_eq!(login(&fake, &clock, &params).await.0, 200);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(fake.account_ids().len(), MAX_ACCOUNTS);
    let (status, body) = login(&fake, &clock, &SsoParams::new("one-more").unwrap()).await;
    assert_eq!((status, body.as_str()), (503, "sso refused: account limit of the fake reached\n"));
    // Accounts already held still log in (a second later: a new link).
    clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(login(&fake, &clock, &SsoParams::new("acct-7").unwrap()).await.0, 200);
    assert_eq!(login(&fake, &clock, &SsoParams::new("preset").unwrap()).await.0, 200);
    assert_eq!(fake.account_ids().len(), MAX_ACCOUNTS);
}

/// A full replay guard is the hub being busy (503 + Retry-After), never a
/// replay let through, and frees up as handoffs leave their window.
#[tokio::test]
async fn a_full_replay_guard_answers_503_and_recovers() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = FakeBlendr::builder()
        .credentials(APP, KEY)
        .clock(clock.clone())
        .replay_capacity(2)
        .start(0)
        .await
        .unwrap();
    assert_eq!(login(&fake, &clock, &SsoParams::new("a").unwrap()).await.0, 200);
    assert_eq!(login(&fake, &clock, &SsoParams::new("b").unwrap()).await.0, 200);
    let signer = HashLinkSigner::new(KEY).unwrap();
    let hub = Hub::from_base_url(&fake.base_url()).unwrap();
    let link = signer
        .link(&hub, &SsoPage::Home, &SsoParams::new("c").unwrap(), clock.unix_time())
        .unwrap();
    let r = http().get(link.as_str()).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "60");
    clock.advance(std::time::Duration::from_secs(400));
    assert_eq!(login(&fake, &clock, &SsoParams::new("c").unwrap()).await.0, 200, "room again");
}

#[tokio::test]
async fn account_fields_and_bodies_are_bounded() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = FakeBlendr::builder()
        .credentials(APP, KEY)
        .clock(clock.clone())
        .blend("acme", "blend-1", "Sync")
        .start(0)
        .await
        .unwrap();
    let long = "a".repeat(MAX_ACCOUNT_FIELD_BYTES + 1);
    let (status, _) = login(&fake, &clock, &SsoParams::new(long.as_str()).unwrap()).await;
    assert_eq!(status, 400);
    let named = SsoParams::new("acme").unwrap().account_name(long.as_str());
    assert_eq!(login(&fake, &clock, &named).await.0, 400);
    let fits = SsoParams::new(&long[1..]).unwrap().account_name(&long[1..]);
    assert_eq!(login(&fake, &clock, &fits).await.0, 200);

    let r = http()
        .post(format!("{}/sso", fake.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("jwt={}", "x".repeat(MAX_SSO_BODY_BYTES)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let run = |body: String| {
        http()
            .post(format!("{}/accounts/acme/blends/blend-1/run", fake.api_base_url()))
            .header("x-app-id", APP)
            .header("x-api-key", KEY)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let pad = "x".repeat(MAX_API_BODY_BYTES);
    let r = run(format!(r#"{{"async":true,"inputs":{{"pad":"{pad}"}}}}"#)).await.unwrap();
    assert_eq!(r.status(), 413);
    let pad = &pad[..MAX_API_BODY_BYTES - 40];
    let r = run(format!(r#"{{"async":true,"inputs":{{"pad":"{pad}"}}}}"#)).await.unwrap();
    assert_eq!(r.status(), 200);
}
