//! Baselines the provider crates compare their hot paths against.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use partner_core::crypto::hazmat::{aes128_cbc_decrypt, aes128_cbc_encrypt};
use partner_core::crypto::hmac_sha256;
use partner_core::encoding::{base64_decode_tolerant, base64url_encode};
use std::hint::black_box;

fn hmac(c: &mut Criterion) {
    let mut group = c.benchmark_group("hmac_sha256");
    let key = b"partner signature key";
    for len in [64usize, 256, 1024] {
        let msg = vec![b'a'; len];
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::from_parameter(len), &msg, |b, msg| {
            b.iter(|| hmac_sha256(black_box(key), black_box(msg)))
        });
    }
    group.finish();
}

fn aes(c: &mut Criterion) {
    let key = *b"0123456789abcdef";
    let iv = [0u8; 16];
    // 112 bytes of plaintext pad to exactly 128 bytes of ciphertext.
    let ct = aes128_cbc_encrypt(&key, &iv, &[b'x'; 112]);
    assert_eq!(ct.len(), 128);
    c.bench_function("aes128_cbc_decrypt/128", |b| {
        b.iter(|| aes128_cbc_decrypt(black_box(&key), black_box(&iv), black_box(&ct)))
    });
}

fn base64(c: &mut Criterion) {
    let text = base64url_encode([0x5au8; 768]); // 1 KiB of base64 text
    assert_eq!(text.len(), 1024);
    c.bench_function("base64_decode_tolerant/1KiB", |b| {
        b.iter(|| base64_decode_tolerant(black_box(&text)))
    });
}

criterion_group!(benches, hmac, aes, base64);
criterion_main!(benches);
