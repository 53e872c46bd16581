//! `RedisReplayStore` against a real `redis-server` (started by the
//! harness in `support`): single use across tasks and OS processes, what
//! Redis holds, and failing closed when Redis is gone.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::HashSet;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use partner_redis::{
    ErrorKind, HasErrorKind, KeyPrefix, RedisConnection, RedisReplayStore, ReplayKey, ReplayStore,
    UnixTime,
};
use partner_teapplix::{ClientVhost, LaunchSigner, LaunchVerifier};
use support::RedisServer;

const LAUNCH_KEY: &str = "launch-signature-key";

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);
const UNTIL: UnixTime = UnixTime::from_secs(1_700_000_300);

async fn store(server: &RedisServer) -> RedisReplayStore {
    RedisReplayStore::new(RedisConnection::connect(&server.url()).await.unwrap())
}

async fn raw(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(server.url()).unwrap();
    client.get_multiplexed_async_connection().await.unwrap()
}

#[tokio::test]
#[ignore = "needs redis-server: run cargo xtask test"]
async fn a_key_is_consumed_once_and_redis_holds_only_its_hash() {
    let server = RedisServer::start();
    let store = store(&server).await;
    let id = b"launch-token-x3Jt0bq9Zk2mQy7w";
    let key = ReplayKey::of(id);
    assert_eq!(store.consume(&key, UNTIL, NOW).await, Ok(()));
    assert_eq!(
        store.consume(&key, UNTIL, NOW).await.unwrap_err().error_kind(),
        ErrorKind::Replayed
    );
    // A handoff already past its end is not stored (its time check refuses it).
    let late = ReplayKey::of(b"late");
    assert_eq!(store.consume(&late, NOW, UNTIL).await, Ok(()));

    let mut conn = raw(&server).await;
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query_async(&mut conn).await.unwrap();
    assert_eq!(keys, vec![format!("partner:replay:{}", key.to_hex())]);
    let value: String = redis::cmd("GET").arg(&keys[0]).query_async(&mut conn).await.unwrap();
    assert_eq!(value, "1");
    let ttl: i64 = redis::cmd("PTTL").arg(&keys[0]).query_async(&mut conn).await.unwrap();
    assert!((290_000..=300_000).contains(&ttl), "time to live {ttl} ms");
    let id = std::str::from_utf8(id).unwrap();
    assert!(!keys[0].contains(id) && !value.contains(id));
}

#[tokio::test]
#[ignore = "needs redis-server: run cargo xtask test"]
async fn prefixes_keep_applications_apart() {
    let server = RedisServer::start();
    let a = store(&server).await.with_prefix(KeyPrefix::new("shop-a:").unwrap());
    let b = store(&server).await.with_prefix(KeyPrefix::new("shop-b:").unwrap());
    let key = ReplayKey::of(b"same id");
    assert_eq!(a.consume(&key, UNTIL, NOW).await, Ok(()));
    assert_eq!(b.consume(&key, UNTIL, NOW).await, Ok(()));
    assert_eq!(a.consume(&key, UNTIL, NOW).await.unwrap_err().error_kind(), ErrorKind::Replayed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server: run cargo xtask test"]
async fn concurrent_tasks_accept_each_key_exactly_once() {
    let server = RedisServer::start();
    let store = Arc::new(store(&server).await);
    let accepted = race(&store, 16, 200).await;
    assert_eq!(accepted.len(), 200);
    assert_eq!(accepted.iter().collect::<HashSet<_>>().len(), 200, "a key accepted twice");
}

/// `tasks` tasks each try every one of `keys` real handoffs (Teapplix
/// launch URLs, each with its own access token), in its own order, through
/// `LaunchVerifier::verify(..)?.consume().await` on a policy whose single
/// use is `store`; returns the handoffs accepted, one entry per acceptance.
async fn race(store: &Arc<RedisReplayStore>, tasks: usize, keys: usize) -> Vec<usize> {
    let signer = LaunchSigner::new(LAUNCH_KEY).unwrap();
    let vhost = ClientVhost::new("acme").unwrap();
    let urls: Arc<Vec<String>> = Arc::new(
        (0..keys)
            .map(|k| signer.launch_url(&vhost, &format!("token-{k}"), NOW).as_str().to_owned())
            .collect(),
    );
    let verifier = Arc::new(
        LaunchVerifier::new(LAUNCH_KEY).unwrap().with_policy(
            LaunchVerifier::default_policy()
                .with_replay_store(Arc::clone(store) as Arc<dyn ReplayStore>),
        ),
    );
    let mut handles = Vec::new();
    for task in 0..tasks {
        let (verifier, urls) = (Arc::clone(&verifier), Arc::clone(&urls));
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for step in 0..keys {
                let k = (step * 7 + task * 13) % keys;
                let verified = verifier.verify(&urls[k], NOW).unwrap();
                match verified.consume().await {
                    Ok(launch) => {
                        assert_eq!(launch.access_token.expose_str(), Some(&*format!("token-{k}")));
                        mine.push(k);
                    }
                    Err(err) => assert_eq!(
                        err.error_kind(),
                        ErrorKind::Replayed,
                        "{err}: {:?}",
                        std::error::Error::source(&err)
                    ),
                }
            }
            mine
        }));
    }
    let mut accepted = Vec::new();
    for handle in handles {
        accepted.extend(handle.await.unwrap());
    }
    accepted
}

/// The worker of the multi-process test: this test binary, run again by
/// `processes_share_single_use`, with the server in the environment.
/// Without it (a normal run) it does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server: run cargo xtask test"]
async fn worker_for_processes_share_single_use() {
    let Ok(url) = std::env::var("PARTNER_REDIS_TEST_WORKER") else { return };
    let store = Arc::new(RedisReplayStore::new(RedisConnection::connect(&url).await.unwrap()));
    let accepted = race(&store, 250, 1_000).await;
    let list: Vec<String> = accepted.iter().map(ToString::to_string).collect();
    println!("accepted: {}", list.join(","));
}

#[test]
#[ignore = "needs redis-server: run cargo xtask test"]
fn processes_share_single_use() {
    let server = RedisServer::start();
    let accepted = race_in_processes(
        "worker_for_processes_share_single_use",
        "PARTNER_REDIS_TEST_WORKER",
        &server.url(),
    );
    assert_eq!(accepted.len(), 1_000, "4 processes x 250 tasks: each handoff accepted once");
    assert_eq!(accepted.iter().collect::<HashSet<_>>().len(), 1_000);
}

/// Runs the worker test `worker` in 4 processes (this test binary again,
/// with `env` set to `value`) and gathers the handoffs they accepted.
fn race_in_processes(worker: &str, env: &str, value: &str) -> Vec<usize> {
    let me = std::env::current_exe().unwrap();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            Command::new(&me)
                .args(["--exact", worker])
                .args(["--include-ignored", "--nocapture", "--test-threads", "1"])
                .env(env, value)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut accepted = Vec::new();
    for worker in workers {
        let out = worker.wait_with_output().unwrap();
        assert!(out.status.success(), "a worker failed");
        let text = String::from_utf8(out.stdout).unwrap();
        // libtest prints the test's name first, on the same line.
        let line = text.lines().find_map(|l| l.split_once("accepted: ")).expect("a report").1;
        accepted
            .extend(line.split(',').filter(|s| !s.is_empty()).map(|s| s.parse::<usize>().unwrap()));
    }
    accepted
}

#[tokio::test]
#[ignore = "needs redis-server: run cargo xtask test"]
async fn redis_gone_fails_closed_and_a_restart_with_aof_remembers() {
    let mut server = RedisServer::start_with_aof();
    let redis = RedisConnection::connect_with_timeout(&server.url(), Duration::from_millis(300))
        .await
        .unwrap();
    let store = RedisReplayStore::new(redis);
    let (used, fresh) = (ReplayKey::of(b"used"), ReplayKey::of(b"fresh"));
    assert_eq!(store.consume(&used, UNTIL, NOW).await, Ok(()));

    server.stop();
    for key in [&used, &fresh] {
        let err = store.consume(key, UNTIL, NOW).await.unwrap_err();
        assert_eq!(err.error_kind(), ErrorKind::Unavailable, "{err}");
    }

    server.restart();
    let store = RedisReplayStore::new(RedisConnection::connect(&server.url()).await.unwrap());
    assert_eq!(
        store.consume(&used, UNTIL, NOW).await.unwrap_err().error_kind(),
        ErrorKind::Replayed
    );
    assert_eq!(store.consume(&fresh, UNTIL, NOW).await, Ok(()));
}

#[tokio::test]
async fn an_unreachable_redis_is_unavailable_and_a_bad_url_malformed() {
    // Nothing listens on port 1 of loopback: every attempt is refused, and
    // the retries run into the command bound (Unavailable either way).
    let err = RedisConnection::connect("redis://127.0.0.1:1").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Unavailable, "{err}");
    let err = RedisConnection::connect("http://127.0.0.1:6379").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Malformed, "{err}");
    let err = RedisConnection::connect_with_timeout("redis://127.0.0.1:1", Duration::ZERO)
        .await
        .unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Malformed, "{err}");
}

/// The cluster worker: the same race, through a cluster connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server: run cargo xtask test"]
#[cfg(feature = "cluster")]
async fn worker_for_a_cluster() {
    let Ok(urls) = std::env::var("PARTNER_REDIS_TEST_CLUSTER_WORKER") else { return };
    let nodes: Vec<&str> = urls.split(',').collect();
    let redis = RedisConnection::connect_cluster(&nodes, Duration::from_secs(2)).await.unwrap();
    let store = Arc::new(RedisReplayStore::new(redis));
    let accepted = race(&store, 250, 1_000).await;
    let list: Vec<String> = accepted.iter().map(ToString::to_string).collect();
    println!("accepted: {}", list.join(","));
}

#[cfg(feature = "cluster")]
#[test]
#[ignore = "needs redis-server: run cargo xtask test"]
fn processes_share_single_use_on_a_cluster() {
    let cluster = support::RedisCluster::start();
    let urls = cluster.urls().join(",");
    let accepted =
        race_in_processes("worker_for_a_cluster", "PARTNER_REDIS_TEST_CLUSTER_WORKER", &urls);
    assert_eq!(accepted.len(), 1_000, "on the cluster too: each handoff accepted once");
    assert_eq!(accepted.iter().collect::<HashSet<_>>().len(), 1_000);
    // The entries are spread over the three masters.
    for port in cluster.ports() {
        let out =
            Command::new("redis-cli").args(["-p", &port.to_string(), "dbsize"]).output().unwrap();
        let size: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        assert!(size > 100, "node {port} holds {size} of the 1000 entries");
    }
}
