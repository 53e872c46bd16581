//! `cargo xtask bench`: each provider's hot operation timed next to the raw
//! primitive it is made of, in the same process, at realistic sizes.
//!
//! Method: every case is calibrated once, then the cases run in rounds
//! (round 1 of every case, then round 2 of every case, ...); within a round
//! the operation and its primitive alternate sample by sample (A B A B ...),
//! and the round's ratio is the fastest operation sample over the fastest
//! primitive sample (noise only adds time, so the fastest sample is the one
//! it moved least). A row reports the min, median and max of its rounds'
//! ratios; the verdict uses the median.

use std::time::{Duration, Instant};

use serde::Serialize;

mod cases;

pub use cases::all_cases;

/// What a row's figures are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Operation time over primitive time.
    Ratio,
    /// Operation time per byte of its output, in nanoseconds (no primitive).
    NsPerByte,
}

/// One case: an operation, and the primitive it is judged against.
pub struct Case {
    operation: String,
    primitive: String,
    target: f64,
    metric: Metric,
    bytes: usize,
    op: Box<dyn FnMut()>,
    raw: Option<Box<dyn FnMut()>>,
}

impl Case {
    /// `op` judged by its time over `raw`'s, at most `target`.
    pub fn ratio(
        operation: impl Into<String>,
        primitive: impl Into<String>,
        target: f64,
        op: impl FnMut() + 'static,
        raw: impl FnMut() + 'static,
    ) -> Case {
        Case {
            operation: operation.into(),
            primitive: primitive.into(),
            target,
            metric: Metric::Ratio,
            bytes: 0,
            op: Box::new(op),
            raw: Some(Box::new(raw)),
        }
    }

    /// `op` judged by its time per byte of `bytes` output, at most `target` ns.
    pub fn ns_per_byte(
        operation: impl Into<String>,
        bytes: usize,
        target: f64,
        op: impl FnMut() + 'static,
    ) -> Case {
        Case {
            operation: operation.into(),
            primitive: String::new(),
            target,
            metric: Metric::NsPerByte,
            bytes: bytes.max(1),
            op: Box::new(op),
            raw: None,
        }
    }

    /// The operation's name.
    pub fn operation(&self) -> &str {
        &self.operation
    }
}

/// One measured case.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The operation.
    pub operation: String,
    /// What `min`, `median`, `max` and `target` are.
    pub metric: Metric,
    /// The operation's median cost over the rounds.
    pub ns_per_op: f64,
    /// The raw primitive it is compared with (empty for `ns_per_byte`).
    pub primitive: String,
    /// The primitive's median cost over the rounds (0 for `ns_per_byte`).
    pub primitive_ns_per_op: f64,
    /// The lowest round's figure.
    pub min: f64,
    /// The median round's figure: the verdict.
    pub median: f64,
    /// The highest round's figure.
    pub max: f64,
    /// The highest acceptable median.
    pub target: f64,
    /// Heap allocations per operation.
    pub allocs_per_op: f64,
    /// How many rounds were run.
    pub rounds: usize,
    /// `median <= target`.
    pub ok: bool,
}

/// Counts allocations made so far (the bench binary installs the counting
/// allocator; elsewhere this reads 0).
pub type AllocCounter = fn() -> u64;

/// How a run is shaped.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Rounds per case (at least 5 for a verdict worth reading).
    pub rounds: usize,
    /// Samples of each side per round.
    pub samples: usize,
    /// The length of one sample.
    pub sample_time: Duration,
}

impl Default for Plan {
    fn default() -> Self {
        Plan { rounds: 7, samples: 11, sample_time: Duration::from_millis(5) }
    }
}

/// How many iterations fill about `sample_time`.
fn calibrate(f: &mut dyn FnMut(), sample_time: Duration) -> u64 {
    let mut n = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        let spent = start.elapsed();
        if spent >= sample_time / 4 || n >= 1 << 24 {
            let per = spent.as_nanos().max(1) as f64 / n as f64;
            return ((sample_time.as_nanos() as f64 / per) as u64).max(1);
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

fn fastest(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NAN, f64::min)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

struct Progress {
    iters: (u64, u64),
    op_ns: Vec<f64>,
    raw_ns: Vec<f64>,
    figures: Vec<f64>,
}

/// Runs every case in `plan.rounds` interleaved rounds.
pub fn run(cases: &mut [Case], plan: Plan, allocs: AllocCounter) -> Vec<Row> {
    let mut progress: Vec<Progress> = cases
        .iter_mut()
        .map(|case| Progress {
            iters: (
                calibrate(&mut case.op, plan.sample_time),
                case.raw.as_mut().map_or(0, |raw| calibrate(raw, plan.sample_time)),
            ),
            op_ns: Vec::new(),
            raw_ns: Vec::new(),
            figures: Vec::new(),
        })
        .collect();
    for _ in 0..plan.rounds.max(1) {
        for (case, p) in cases.iter_mut().zip(&mut progress) {
            let (mut a, mut b) = (Vec::new(), Vec::<f64>::new());
            for _ in 0..plan.samples.max(1) {
                a.push(time(&mut case.op, p.iters.0));
                if let Some(raw) = case.raw.as_mut() {
                    b.push(time(raw, p.iters.1));
                }
            }
            // Noise only ever adds time (another process, an interrupt,
            // a neighbour on the other hardware thread of the core), so
            // the fastest sample of each side is the one it moved least:
            // a round's figure is fastest over fastest.
            let (op, raw) = (fastest(&a), fastest(&b));
            p.op_ns.push(op);
            p.raw_ns.push(raw);
            p.figures.push(match case.metric {
                Metric::Ratio => op / raw,
                Metric::NsPerByte => op / case.bytes as f64,
            });
        }
    }
    cases
        .iter_mut()
        .zip(progress)
        .map(|(case, mut p)| {
            let before = allocs();
            for _ in 0..100 {
                (case.op)();
            }
            let allocs_per_op = (allocs() - before) as f64 / 100.0;
            let figure = median(&mut p.figures);
            let raw_ns = if case.raw.is_some() { median(&mut p.raw_ns) } else { 0.0 };
            Row {
                operation: case.operation.clone(),
                metric: case.metric,
                ns_per_op: median(&mut p.op_ns),
                primitive: case.primitive.clone(),
                primitive_ns_per_op: raw_ns,
                min: p.figures.first().copied().unwrap_or(f64::NAN),
                median: figure,
                max: p.figures.last().copied().unwrap_or(f64::NAN),
                target: case.target,
                allocs_per_op,
                rounds: p.figures.len(),
                ok: figure <= case.target,
            }
        })
        .collect()
}

/// The table: operation, ns/op, primitive, ns/op, min/median/max of the
/// figure, target, verdict, allocs/op.
pub fn table(rows: &[Row]) -> String {
    let ow = rows.iter().map(|r| r.operation.len()).max().unwrap_or(9).max(9);
    let pw = rows.iter().map(|r| r.primitive.len()).max().unwrap_or(13).max(13);
    let mut out = format!(
        "{:<ow$}  {:>9}  {:<pw$}  {:>9}  {:>21}  {:>10}  {:<7}  {:>6}\n",
        "operation",
        "ns/op",
        "raw primitive",
        "ns/op",
        "ratio min/median/max",
        "target",
        "verdict",
        "allocs"
    );
    for r in rows {
        let (primitive, raw_ns, unit) = match r.metric {
            Metric::Ratio => (r.primitive.as_str(), format!("{:.0}", r.primitive_ns_per_op), "x"),
            Metric::NsPerByte => ("(ns per output byte)", String::from("-"), "ns/B"),
        };
        out.push_str(&format!(
            "{:<ow$}  {:>9.0}  {:<pw$}  {:>9}  {:>21}  {:>10}  {:<7}  {:>6.1}\n",
            r.operation,
            r.ns_per_op,
            primitive,
            raw_ns,
            format!("{:.2} / {:.2} / {:.2}", r.min, r.median, r.max),
            format!("<= {:.2} {unit}", r.target),
            if r.ok { "ok" } else { "OVER" },
            r.allocs_per_op
        ));
    }
    out
}

/// Where a run was made: for the record next to its figures.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// The day of the run (UTC), `YYYY-MM-DD`.
    pub date: String,
    /// The CPU model as `/proc/cpuinfo` names it.
    pub cpu: String,
    /// Logical CPUs of the machine.
    pub cores: usize,
    /// The 1-minute load average when the run started.
    pub load: String,
    /// The CPU the run was pinned to (`None`: not pinned).
    pub pinned_cpu: Option<usize>,
}

impl Machine {
    /// Reads the date, the CPU, the cores and the load of this machine.
    pub fn read(today: partner_core::UnixTime) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
            .map_or("unknown", |(_, name)| name.trim())
            .to_owned();
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next().map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned());
        let date = time::OffsetDateTime::from_unix_timestamp(today.as_secs())
            .map_or_else(|_| "unknown".to_owned(), |t| t.date().to_string());
        // The machine's CPUs, not the ones this (perhaps pinned) process may use.
        let cores = match cpuinfo.lines().filter(|l| l.starts_with("processor")).count() {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        Machine { date, cpu, cores, load, pinned_cpu: None }
    }
}

/// The README's table: the machine and method in a sentence, then a row
/// per case with the spread.
pub fn markdown(rows: &[Row], plan: Plan, machine: &Machine) -> String {
    let pinned =
        machine.pinned_cpu.map_or(String::from("not pinned"), |c| format!("pinned to CPU {c}"));
    let mut out = format!(
        "Measured on {} on {} ({} cores, {pinned}, load average {} at the start), {} rounds of {} \
         interleaved samples of {} ms per side:\n\n",
        machine.date,
        machine.cpu,
        machine.cores,
        machine.load,
        plan.rounds,
        plan.samples,
        plan.sample_time.as_millis()
    );
    out.push_str(
        "| operation | ns/op | raw primitive | ns/op | min | median | max | target | allocs/op |\n",
    );
    out.push_str("|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let (primitive, raw_ns, unit) = match r.metric {
            Metric::Ratio => (r.primitive.as_str(), format!("{:.0}", r.primitive_ns_per_op), "x"),
            Metric::NsPerByte => ("ns per output byte", String::from("-"), " ns/B"),
        };
        out.push_str(&format!(
            "| {} | {:.0} | {primitive} | {raw_ns} | {:.2} | **{:.2}** | {:.2} | <= {:.2}{unit} | {:.1} |\n",
            r.operation, r.ns_per_op, r.min, r.median, r.max, r.target, r.allocs_per_op
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

    fn sum(n: u64) -> impl FnMut() {
        move || {
            black_box((0..n).map(black_box).sum::<u64>());
        }
    }

    #[test]
    fn rounds_give_a_spread_and_the_median_judges() {
        let plan = Plan { rounds: 5, samples: 3, sample_time: Duration::from_millis(1) };
        let mut cases = [
            Case::ratio("slow", "fast", 1.0, sum(400), sum(20)),
            Case::ns_per_byte("per byte", 1000, 1e9, sum(50)),
        ];
        let rows = run(&mut cases, plan, no_allocs);
        let (slow, bytes) = (&rows[0], &rows[1]);
        assert_eq!((slow.rounds, bytes.rounds), (5, 5));
        assert!(slow.min <= slow.median && slow.median <= slow.max, "{slow:?}");
        assert!(slow.median > 1.0 && !slow.ok, "400 additions cost more than 20: {slow:?}");
        assert!(slow.ns_per_op > slow.primitive_ns_per_op);
        assert_eq!(bytes.metric, Metric::NsPerByte);
        assert!(bytes.ok && bytes.primitive_ns_per_op == 0.0);
        assert!((bytes.median * 1000.0 - bytes.ns_per_op).abs() <= bytes.ns_per_op, "{bytes:?}");
        let text = table(&rows);
        assert!(text.starts_with("operation"));
        assert_eq!(text.lines().count(), 3);
        assert!(text.contains("OVER") && text.contains("ns/B"), "{text}");
        let machine = Machine::read(partner_core::UnixTime::from_secs(1_795_305_600));
        assert_eq!(machine.date, "2026-11-22");
        let md = markdown(&rows, plan, &machine);
        assert!(md.starts_with("Measured on 2026-11-22 on "), "{md}");
        assert_eq!(md.lines().filter(|l| l.starts_with("| ")).count(), 3, "{md}");
    }
}
