//! Member-state emission (target: under 1 µs, within 2x of plain
//! `serde_json::to_string` of the same struct).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use partner_cheetah::MemberState;
use std::hint::black_box;

fn emission(c: &mut Criterion) {
    let state = MemberState::signed_in(
        "0fad7f6fd5571813956a8e51c0a71730d54051ccce3aa",
        "884efd7a551a964103856b62586a4c22f618ccfe2811",
        "Susan",
        "Susan Sample",
    );
    let mut group = c.benchmark_group("cheetah_member_state");
    group.bench_function("serde_json_to_string", |b| {
        b.iter(|| serde_json::to_string(black_box(&state)))
    });
    group.bench_function("to_script", |b| b.iter(|| black_box(&state).to_script()));
    group.finish();
}

criterion_group!(benches, emission);
criterion_main!(benches);
