//! `RedisTokenCache` and `RedisSecretStore` against a real `redis-server`
//! and the provider fakes: one token request for a cold fleet of OS
//! processes, the OVHcloud time delta shared, the fallback when Redis is
//! gone, and a dump of Redis that shows no secret.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::HashSet;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use partner_cheetah::CheetahClient;
use partner_cheetah::fake::FakeCheetah;
use partner_core::crypto::sha256;
use partner_core::encoding::hex_encode;
use partner_redis::{
    ErrorKind, HasErrorKind, RedisConnection, RedisSecretStore, RedisTokenCache, SealingKey,
    SealingKeys, Secret, SharedOptions, StoreDown,
};
use support::RedisServer;

const ID: &str = "integration-client";
const SECRET: &str = "integration-secret";

fn keys() -> SealingKeys {
    SealingKeys::new(SealingKey::new("k1", vec![3u8; 32]).unwrap())
}

async fn cheetah(redis_url: &str, base_url: &str, options: SharedOptions) -> CheetahClient {
    let redis = RedisConnection::connect(redis_url).await.unwrap();
    let flight = RedisTokenCache::new(redis, keys()).flight().with_options(options);
    CheetahClient::builder(ID, SECRET).base_url(base_url).shared_token(flight).build().unwrap()
}

/// The worker of the multi-process test: 100 concurrent cold callers of
/// one Cheetah client; prints the SHA-256 of the token each one got.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server: run cargo xtask test"]
async fn worker_for_a_cold_fleet() {
    let Ok(env) = std::env::var("PARTNER_REDIS_CHEETAH_WORKER") else { return };
    let (redis_url, base_url) = env.split_once('|').unwrap();
    let client = Arc::new(cheetah(redis_url, base_url, SharedOptions::default()).await);
    let callers: Vec<_> = (0..100)
        .map(|_| {
            let client = Arc::clone(&client);
            tokio::spawn(async move { client.integration_token().await })
        })
        .collect();
    let mut digests = HashSet::new();
    for caller in callers {
        let token = caller.await.unwrap().unwrap();
        digests.insert(hex_encode(sha256(token.secret.expose())));
    }
    let list: Vec<String> = digests.into_iter().collect();
    println!("tokens: {}", list.join(","));
}

#[test]
#[ignore = "needs redis-server: run cargo xtask test"]
fn a_cold_fleet_of_eight_processes_makes_one_token_request() {
    let server = RedisServer::start();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let fake = runtime.block_on(FakeCheetah::builder().credentials(ID, SECRET).start(0)).unwrap();
    let me = std::env::current_exe().unwrap();
    let workers: Vec<_> = (0..8)
        .map(|_| {
            Command::new(&me)
                .args(["--exact", "worker_for_a_cold_fleet"])
                .args(["--include-ignored", "--nocapture", "--test-threads", "1"])
                .env(
                    "PARTNER_REDIS_CHEETAH_WORKER",
                    format!("{}|{}", server.url(), fake.base_url()),
                )
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut tokens = HashSet::new();
    for worker in workers {
        let out = worker.wait_with_output().unwrap();
        assert!(out.status.success(), "a worker failed");
        let text = String::from_utf8(out.stdout).unwrap();
        let line = text.lines().find_map(|l| l.split_once("tokens: ")).expect("a report").1;
        tokens.extend(line.split(',').map(str::to_owned));
    }
    assert_eq!(fake.token_requests(), 1, "8 processes x 100 cold callers: one token request");
    assert_eq!(tokens.len(), 1, "every caller of every process got the same token");
    runtime.block_on(async {
        // The token is in Redis, sealed: the dump shows neither it nor the client secret.
        let client = cheetah(&server.url(), &fake.base_url(), SharedOptions::default()).await;
        let token = client.integration_token().await.unwrap();
        assert_eq!(fake.token_requests(), 1, "a new process reads it from Redis");
        let dump = dump(&server);
        assert!(!dump.is_empty());
        for forbidden in [token.secret.expose_str().unwrap(), SECRET, ID] {
            assert!(!dump.contains(forbidden), "{forbidden:?} in the dump");
        }
    });
}

/// Every key (`redis-cli --scan`) and the value of each (`GET`), as the
/// text `redis-cli` prints.
fn dump(server: &RedisServer) -> String {
    let cli = |args: &[&str]| {
        let out = Command::new("redis-cli")
            .args(["-p", &server.port().to_string()])
            .args(args)
            .output()
            .expect("redis-cli (run cargo xtask test to install it)");
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let mut text = String::new();
    for key in cli(&["--scan"]).lines().filter(|k| !k.is_empty()) {
        let value = cli(&["GET", key]);
        assert!(
            value.starts_with("v1.k1.") || value.trim() == "1",
            "{key} holds something that is neither sealed nor a marker: {value}"
        );
        text.push_str(key);
        text.push(' ');
        text.push_str(&value);
    }
    text
}

#[tokio::test]
#[ignore = "needs redis-server: run cargo xtask test"]
async fn ovhcloud_clients_share_the_time_delta_and_the_oauth2_token() {
    use partner_ovhcloud::OvhClient;
    use partner_ovhcloud::fake::FakeOvh;
    use partner_ovhcloud::fake::{DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET};
    let server = RedisServer::start();
    let fake = FakeOvh::builder().service_account("sa-id", "sa-secret").start(0).await.unwrap();
    let mut clients = Vec::new();
    for _ in 0..3 {
        let redis = RedisConnection::connect(&server.url()).await.unwrap();
        let flight = RedisTokenCache::new(redis, keys()).flight();
        let client = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
            .base_url(fake.base_url())
            .oauth2("sa-id", "sa-secret", fake.token_url())
            .shared_cache(flight)
            .build()
            .unwrap();
        clients.push(client);
    }
    let mut deltas = HashSet::new();
    for client in &clients {
        deltas.insert(client.time_delta().await.unwrap());
        let me: serde_json::Value = client.get("/me").await.unwrap();
        assert_eq!(me["nichandle"], "xx1234-ovh");
    }
    assert_eq!(deltas.len(), 1);
    assert_eq!(fake.time_requests(), 1, "three clients, one /auth/time");
    assert_eq!(fake.token_requests(), 1, "three clients, one token request");
    dump(&server);
}

#[tokio::test]
#[ignore = "needs redis-server: run cargo xtask test"]
async fn redis_gone_fetches_locally_or_fails_closed() {
    let mut server = RedisServer::start();
    let fake = FakeCheetah::builder().credentials(ID, SECRET).start(0).await.unwrap();
    let options = SharedOptions::default();
    let open = cheetah(&server.url(), &fake.base_url(), options).await;
    let closed =
        cheetah(&server.url(), &fake.base_url(), options.when_down(StoreDown::FailClosed)).await;
    server.stop();
    let token = open.integration_token().await.unwrap();
    assert!(!token.secret.is_empty());
    assert_eq!(fake.token_requests(), 1, "fetched locally");
    let err = closed.integration_token().await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Unavailable);
    assert_eq!(fake.token_requests(), 1, "failing closed asks nothing");
}

#[tokio::test]
#[ignore = "needs redis-server: run cargo xtask test"]
async fn secrets_are_stored_sealed_and_read_back_across_a_rotation() {
    let server = RedisServer::start();
    let redis = RedisConnection::connect(&server.url()).await.unwrap();
    let store = RedisSecretStore::new(redis.clone(), keys());
    let name = "ovh:pending:customer-42";
    let ck = Secret::from("ck-7f3a9c1e5b2d4f60");
    store.put(name, &ck, Some(Duration::from_secs(3_600))).await.unwrap();
    assert_eq!(store.get(name).await.unwrap().unwrap().expose(), ck.expose());
    let dump = dump(&server);
    assert!(!dump.contains("ck-7f3a") && !dump.contains("customer-42"), "{dump}");

    // Rotation: a new current key still reads what the old one sealed.
    let rotated = RedisSecretStore::new(
        redis.clone(),
        SealingKeys::new(SealingKey::new("k2", vec![4u8; 32]).unwrap())
            .with_previous(SealingKey::new("k1", vec![3u8; 32]).unwrap()),
    );
    assert_eq!(rotated.get(name).await.unwrap().unwrap().expose(), ck.expose());
    // Without the old key it does not open: an error, never a value.
    let without = RedisSecretStore::new(
        redis.clone(),
        SealingKeys::new(SealingKey::new("k2", vec![4u8; 32]).unwrap()),
    );
    assert_eq!(without.get(name).await.unwrap_err().error_kind(), ErrorKind::Malformed);
    let wrong = RedisSecretStore::new(
        redis,
        SealingKeys::new(SealingKey::new("k1", vec![5u8; 32]).unwrap()),
    );
    assert_eq!(wrong.get(name).await.unwrap_err().error_kind(), ErrorKind::BadSignature);

    // take: one reader gets it; then it is gone.
    assert_eq!(rotated.take(name).await.unwrap().unwrap().expose(), ck.expose());
    assert!(store.take(name).await.unwrap().is_none());
    assert!(!store.remove(name).await.unwrap());
    assert_eq!(
        store.put(name, &ck, Some(Duration::ZERO)).await.unwrap_err().error_kind(),
        ErrorKind::Malformed
    );
}

/// On a 3-node cluster: a value, its lock and the compare-and-delete
/// scripts stay in one slot (hash tags), so the shared token works as on
/// one Redis; secrets too.
#[cfg(feature = "cluster")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server: run cargo xtask test"]
async fn the_shared_token_and_secrets_work_on_a_cluster() {
    let cluster = support::RedisCluster::start();
    let urls = cluster.urls();
    let nodes: Vec<&str> = urls.iter().map(String::as_str).collect();
    let fake = FakeCheetah::builder().credentials(ID, SECRET).start(0).await.unwrap();
    let mut clients = Vec::new();
    for _ in 0..4 {
        let redis = RedisConnection::connect_cluster(&nodes, Duration::from_secs(2)).await.unwrap();
        let flight = RedisTokenCache::new(redis, keys()).flight();
        let client = CheetahClient::builder(ID, SECRET)
            .base_url(fake.base_url())
            .shared_token(flight)
            .build()
            .unwrap();
        clients.push(Arc::new(client));
    }
    let callers: Vec<_> = (0..100)
        .map(|i| {
            let client = Arc::clone(&clients[i % 4]);
            tokio::spawn(async move { client.integration_token().await })
        })
        .collect();
    let mut tokens = HashSet::new();
    for caller in callers {
        tokens.insert(caller.await.unwrap().unwrap().secret.expose().to_vec());
    }
    assert_eq!((tokens.len(), fake.token_requests()), (1, 1));

    let redis = RedisConnection::connect_cluster(&nodes, Duration::from_secs(2)).await.unwrap();
    let secrets = RedisSecretStore::new(redis, keys());
    for i in 0..20 {
        let name = format!("ovh:validated:customer-{i}");
        secrets.put(&name, &Secret::from(format!("ck-{i}")), None).await.unwrap();
        assert_eq!(
            secrets.take(&name).await.unwrap().unwrap().expose(),
            format!("ck-{i}").as_bytes()
        );
    }
}
