//! SSO calls per second against the fake with a warm token and 64
//! concurrent callers (run with `--features mock`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use partner_cheetah::fake::FakeCheetah;
use partner_cheetah::{CheetahClient, MemberSsoRequest};

fn sso_throughput(c: &mut Criterion) {
    const CALLERS: u64 = 64;
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (fake, client) = rt.block_on(async {
        let fake = FakeCheetah::builder().credentials("id", "secret").start(0).await.unwrap();
        let client =
            CheetahClient::builder("id", "secret").base_url(fake.base_url()).build().unwrap();
        client.integration_token().await.unwrap(); // warm
        (fake, client)
    });
    let mut group = c.benchmark_group("cheetah_sso_64_callers");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10).measurement_time(Duration::from_secs(5));
    group.bench_function("sso_call", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let per_caller = iters.div_ceil(CALLERS);
                let start = Instant::now();
                let tasks: Vec<_> = (0..CALLERS)
                    .map(|i| {
                        let client = client.clone();
                        tokio::spawn(async move {
                            let member =
                                MemberSsoRequest::new(format!("bench-{i}"), "B", "C", "b@c.co");
                            for _ in 0..per_caller {
                                client.sso(&member).await.expect("sso against the fake");
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                // Scale to the requested count so criterion's per-call time is right.
                start.elapsed().mul_f64(iters as f64 / (per_caller * CALLERS) as f64)
            })
        })
    });
    group.finish();
    assert_eq!(fake.token_requests(), 1);
}

criterion_group!(benches, sso_throughput);
criterion_main!(benches);
