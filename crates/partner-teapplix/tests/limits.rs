//! The fake's limits, over real HTTP on 127.0.0.1: the bounded token store
//! (503 when full, never a live token dropped) and the API2 body limit.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use partner_teapplix::fake::{
    FakeTeapplix, MAX_BODY_BYTES, MAX_OUTSTANDING_TOKENS, RunningTeapplix,
};
use partner_teapplix::{
    Api2Call, BaseUrl, Clock, Error, ErrorKind, FixedClock, HasErrorKind, LaunchSigner,
    ObtainedToken, TeapplixClient, reqwest,
};

const API_TOKEN: &str = "partner-api-token";
const SIG_KEY: &str = "partner-signature-key";

async fn world() -> (RunningTeapplix, Arc<FixedClock>, TeapplixClient) {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = FakeTeapplix::builder()
        .api_token(API_TOKEN)
        .signature_key(SIG_KEY)
        .pair("ps-42", "acme")
        .clock(clock.clone())
        .start(0)
        .await
        .unwrap();
    let signer = LaunchSigner::new(SIG_KEY)
        .unwrap()
        .with_base_url(BaseUrl::parse(&fake.base_url()).unwrap());
    let client = TeapplixClient::builder(API_TOKEN)
        .base_url(fake.base_url())
        .launch_signer(signer)
        .clock(clock.clone())
        .sleeper(clock.clone())
        .build()
        .unwrap();
    (fake, clock, client)
}

async fn launch(client: &TeapplixClient, clock: &FixedClock, token: &ObtainedToken) -> u16 {
    let url = client.signer().unwrap().launch_url(
        &token.client_vhost,
        token.access_token.expose_str().unwrap(),
        clock.unix_time(),
    );
    reqwest::get(url.as_str()).await.unwrap().status().as_u16()
}

/// A full store: 503, answered once (PSObtainToken is not sent again after
/// an error answer), reported as "unavailable" with Teapplix's answer kept.
fn is_503(result: Result<ObtainedToken, Error>) -> bool {
    result.is_err_and(|e| {
        e.error_kind() == ErrorKind::Unavailable
            && e.rejection()
                .is_some_and(|r| r.status == 503 && r.details == ["too many outstanding tokens"])
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_store_answers_503_until_a_token_is_used_or_expires() {
    let (_fake, clock, client) = world().await;
    let first = client.obtain_token("ps-42").await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut last = None;
                for _ in 0..(MAX_OUTSTANDING_TOKENS - 1) / 8 {
                    last = Some(client.obtain_token("ps-42").await.unwrap());
                }
                last
            })
        })
        .collect();
    let mut others = Vec::new();
    for t in tasks {
        others.extend(t.await.unwrap());
    }
    // 1 + 8 * 1249 = 9993 so far; fill the last slots.
    let mut issued = 1 + 8 * ((MAX_OUTSTANDING_TOKENS - 1) / 8);
    while issued < MAX_OUTSTANDING_TOKENS {
        others.push(client.obtain_token("ps-42").await.unwrap());
        issued += 1;
    }
    assert!(is_503(client.obtain_token("ps-42").await), "the store is full");
    assert!(is_503(client.obtain_token("ps-42").await), "and stays full");

    // The oldest token was not dropped to make room: it still launches,
    // which frees one slot.
    assert_eq!(launch(&client, &clock, &first).await, 200);
    let fresh = client.obtain_token("ps-42").await.unwrap();
    assert!(is_503(client.obtain_token("ps-42").await));
    assert_eq!(launch(&client, &clock, &fresh).await, 200);
    assert_eq!(launch(&client, &clock, &others[0]).await, 200);

    // Thirty minutes on, every token has expired and the store takes new ones.
    clock.advance(Duration::from_secs(1800));
    let late = client.obtain_token("ps-42").await.unwrap();
    assert_eq!(launch(&client, &clock, &late).await, 200);
    assert_eq!(launch(&client, &clock, &others[1]).await, 403, "expired and dropped");
}

#[tokio::test]
async fn api2_bodies_are_json_and_bounded() {
    let (fake, _clock, client) = world().await;
    let post = Api2Call::post("Products", serde_json::json!({"sku": "A1", "qty": 2}));
    let answer: serde_json::Value = client.call(&post, "ps-42").await.unwrap();
    assert_eq!(answer["Body"], serde_json::json!({"sku": "A1", "qty": 2}));
    let get = Api2Call::get("Products");
    let answer: serde_json::Value = client.call(&get, "ps-42").await.unwrap();
    assert_eq!(answer["Body"], serde_json::Value::Null);

    let big = Api2Call::post("Products", serde_json::json!({"pad": "x".repeat(MAX_BODY_BYTES)}));
    let err = client.call::<serde_json::Value>(&big, "ps-42").await.unwrap_err();
    assert_eq!(err.rejection().map(|r| r.status), Some(413), "{err:?}");
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    // Not JSON: 400, as a `{Code, Message, Description}` answer.
    let raw = reqwest::Client::new()
        .post(format!("{}/api2/Products?PSClientID=ps-42", fake.base_url()))
        .header("APIToken", API_TOKEN)
        .body("sku=A1")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let json: serde_json::Value = serde_json::from_str(&raw.text().await.unwrap()).unwrap();
    assert_eq!(json["Description"][0], "the request body is not JSON");
    let just =
        Api2Call::post("Products", serde_json::json!({"pad": "x".repeat(MAX_BODY_BYTES - 20)}));
    let answer: serde_json::Value = client.call(&just, "ps-42").await.unwrap();
    assert_eq!(answer["Body"]["pad"].as_str().unwrap().len(), MAX_BODY_BYTES - 20);
}
