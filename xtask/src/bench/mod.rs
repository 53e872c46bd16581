//! `cargo xtask bench`: each provider's hot operation timed next to the raw
//! primitive it is made of, interleaved (A B A B ...), median of samples.

use std::time::{Duration, Instant};

use serde::Serialize;

mod providers;

pub use providers::run_all;

/// One measured pair.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The operation.
    pub operation: String,
    /// Its median cost.
    pub ns_per_op: f64,
    /// The raw primitive it is compared with.
    pub primitive: String,
    /// The primitive's median cost.
    pub primitive_ns_per_op: f64,
    /// `ns_per_op / primitive_ns_per_op`.
    pub ratio: f64,
    /// The highest acceptable ratio.
    pub target: f64,
    /// Heap allocations per operation.
    pub allocs_per_op: f64,
    /// `ratio <= target`.
    pub ok: bool,
}

/// Counts allocations made while running `f` (the bench binary installs
/// the counting allocator; elsewhere this reads 0).
pub type AllocCounter = fn() -> u64;

const SAMPLES: usize = 21;
const SAMPLE_TIME: Duration = Duration::from_millis(20);

/// How many iterations fill about `SAMPLE_TIME`.
fn calibrate(f: &mut dyn FnMut()) -> u64 {
    let mut n = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        let spent = start.elapsed();
        if spent >= SAMPLE_TIME / 4 || n >= 1 << 24 {
            let per = spent.as_nanos().max(1) as f64 / n as f64;
            return ((SAMPLE_TIME.as_nanos() as f64 / per) as u64).max(1);
        }
        n *= 4;
    }
}

fn time(f: &mut dyn FnMut(), n: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Measures `op` against `raw`, interleaved.
pub fn measure(
    operation: &str,
    primitive: &str,
    target: f64,
    allocs: AllocCounter,
    op: &mut dyn FnMut(),
    raw: &mut dyn FnMut(),
) -> Row {
    let (n_op, n_raw) = (calibrate(op), calibrate(raw));
    let (mut a, mut b) = (Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES));
    for _ in 0..SAMPLES {
        a.push(time(op, n_op));
        b.push(time(raw, n_raw));
    }
    let before = allocs();
    for _ in 0..1_000 {
        op();
    }
    let allocs_per_op = (allocs() - before) as f64 / 1_000.0;
    let (ns, raw_ns) = (median(a), median(b));
    let ratio = ns / raw_ns;
    Row {
        operation: operation.to_owned(),
        ns_per_op: ns,
        primitive: primitive.to_owned(),
        primitive_ns_per_op: raw_ns,
        ratio,
        target,
        allocs_per_op,
        ok: ratio <= target,
    }
}

/// The table: operation, ns/op, primitive, ns/op, ratio, target, verdict, allocs/op.
pub fn table(rows: &[Row]) -> String {
    let ow = rows.iter().map(|r| r.operation.len()).max().unwrap_or(9).max(9);
    let pw = rows.iter().map(|r| r.primitive.len()).max().unwrap_or(13).max(13);
    let mut out = format!(
        "{:<ow$}  {:>9}  {:<pw$}  {:>9}  {:>6}  {:>6}  {:<7}  {:>9}\n",
        "operation", "ns/op", "raw primitive", "ns/op", "ratio", "target", "verdict", "allocs/op"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<ow$}  {:>9.0}  {:<pw$}  {:>9.0}  {:>6.2}  {:>6.1}  {:<7}  {:>9.1}\n",
            r.operation,
            r.ns_per_op,
            r.primitive,
            r.primitive_ns_per_op,
            r.ratio,
            r.target,
            if r.ok { "ok" } else { "OVER" },
            r.allocs_per_op
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hint::black_box;

    fn no_allocs() -> u64 {
        0
    }

    #[test]
    fn measure_compares_and_judges() {
        let mut slow = || {
            black_box((0..200u64).map(black_box).sum::<u64>());
        };
        let mut fast = || {
            black_box((0..20u64).map(black_box).sum::<u64>());
        };
        let row = measure("slow", "fast", 2.0, no_allocs, &mut slow, &mut fast);
        assert!(row.ns_per_op > row.primitive_ns_per_op, "{row:?}");
        assert!((row.ratio - row.ns_per_op / row.primitive_ns_per_op).abs() < 1e-9);
        assert_eq!(row.ok, row.ratio <= 2.0);
        assert_eq!(row.allocs_per_op, 0.0);
        let text = table(&[row]);
        assert!(text.starts_with("operation"));
        assert_eq!(text.lines().count(), 2);
    }
}
