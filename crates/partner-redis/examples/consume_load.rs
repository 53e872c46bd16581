//! Consumes per second and latency of `RedisReplayStore` against a running
//! Redis, at 1, 16 and 64 concurrent tasks sharing one connection manager.
//!
//! ```text
//! redis-server --port 6390 --save '' &
//! cargo run --release -p partner-redis --example consume_load -- redis://127.0.0.1:6390
//! ```
//!
//! Each level runs a fixed number of consumes (20,000, every key new), and
//! stops early after 30 s. This is a benchmark to read, not a test.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use partner_redis::{RedisConnection, RedisReplayStore, ReplayKey, ReplayStore, UnixTime};

const CONSUMES: usize = 20_000;
const LIMIT: Duration = Duration::from_secs(30);

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: consume_load redis://127.0.0.1:PORT");
        std::process::exit(2);
    };
    let store = Arc::new(RedisReplayStore::new(RedisConnection::connect(&url).await.unwrap()));
    let run = std::process::id();
    println!("| tasks | consumes | consumes/s | p50 | p99 |");
    println!("|---:|---:|---:|---:|---:|");
    for tasks in [1usize, 16, 64] {
        let started = Instant::now();
        let mut handles = Vec::new();
        for task in 0..tasks {
            let store = Arc::clone(&store);
            handles.push(tokio::spawn(async move {
                let (now, until) = (UnixTime::from_secs(1_000), UnixTime::from_secs(1_300));
                let mut latencies = Vec::new();
                for i in (task..CONSUMES).step_by(tasks) {
                    if started.elapsed() > LIMIT {
                        break;
                    }
                    let key = ReplayKey::of(format!("{run}-{tasks}-{i}").as_bytes());
                    let at = Instant::now();
                    store.consume(&key, until, now).await.unwrap();
                    latencies.push(at.elapsed());
                }
                latencies
            }));
        }
        let mut latencies = Vec::new();
        for handle in handles {
            latencies.extend(handle.await.unwrap());
        }
        let elapsed = started.elapsed();
        latencies.sort_unstable();
        let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
        println!(
            "| {tasks} | {} | {:.0} | {:.3} ms | {:.3} ms |",
            latencies.len(),
            latencies.len() as f64 / elapsed.as_secs_f64(),
            pick(0.50).as_secs_f64() * 1e3,
            pick(0.99).as_secs_f64() * 1e3,
        );
    }
}
