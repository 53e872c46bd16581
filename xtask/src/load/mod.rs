//! `cargo xtask load <provider>`: a fake under sustained load and abuse, on
//! 127.0.0.1 only, bounded in time and in requests.
//!
//! Tasks with one kept-alive connection each run the provider's
//! [`workload`] (its real flows, bad credentials, and 1 MiB bodies the fake
//! must refuse) while the runner counts answers per 10 s window and reads
//! the fake's resident memory. Two probes check the connection limits: a
//! client that sends its headers one line a second, and a kept-alive
//! connection left idle, must both be closed by the server.

pub mod http;
pub mod workload;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use self::http::Connection;

/// The command line of `cargo xtask load` (and of the release binary it runs).
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// The fakes to load: ovhcloud, cloud66, blendr, cheetah, teapplix (default: all).
    pub providers: Vec<String>,
    /// Connections.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Run each fake at least this many seconds...
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// ...and until this many requests are answered...
    #[arg(long, default_value_t = 1_000_000)]
    pub requests: u64,
    /// ...but never longer than this many seconds.
    #[arg(long, default_value_t = 600)]
    pub max_seconds: u64,
    /// Print the reports as JSON.
    #[arg(long)]
    pub json: bool,
}

impl LoadArgs {
    /// The arguments as a command line, to hand them on.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec![
            "--connections".to_owned(),
            self.connections.to_string(),
            "--seconds".to_owned(),
            self.seconds.to_string(),
            "--requests".to_owned(),
            self.requests.to_string(),
            "--max-seconds".to_owned(),
            self.max_seconds.to_string(),
        ];
        if self.json {
            args.push("--json".to_owned());
        }
        args.extend(self.providers.iter().cloned());
        args
    }

    /// The run's options.
    pub fn options(&self) -> Options {
        Options {
            connections: self.connections,
            min_duration: Duration::from_secs(self.seconds),
            min_requests: self.requests,
            max_duration: Duration::from_secs(self.max_seconds.max(self.seconds)),
            ..Options::default()
        }
    }
}

/// How hard and how long.
#[derive(Debug, Clone)]
pub struct Options {
    /// Connections (one task each).
    pub connections: usize,
    /// Run at least this long...
    pub min_duration: Duration,
    /// ...and until this many requests are answered...
    pub min_requests: u64,
    /// ...but never longer than this.
    pub max_duration: Duration,
    /// Length of a throughput window.
    pub window: Duration,
    /// Run the slow-header and idle-connection probes.
    pub probes: bool,
    /// When set, each task sends exactly this many requests and the run
    /// ends when all are answered: no windows, no timers (the test suite's
    /// smoke run, which asserts counts, never times).
    pub requests_per_task: Option<u64>,
}

impl Default for Options {
    /// 16 connections, at least 60 s and 10^6 requests, at most 10 min,
    /// 10 s windows, probes on: the figures of the fakes' load targets.
    fn default() -> Self {
        Options {
            connections: 16,
            min_duration: Duration::from_secs(60),
            min_requests: 1_000_000,
            max_duration: Duration::from_secs(600),
            window: Duration::from_secs(10),
            probes: true,
            requests_per_task: None,
        }
    }
}

/// Answers per kind of request.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KindCounts {
    /// Requests sent.
    pub sent: u64,
    /// Answers with a status outside the expected ones.
    pub unexpected: u64,
    /// Requests that got no answer (connection errors).
    pub errors: u64,
    /// Answers per status; 0 counts connections the server closed before
    /// the client finished sending (an early refusal of an oversized body).
    pub statuses: BTreeMap<u16, u64>,
}

/// One throughput window.
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    /// Seconds since the start at its end.
    pub end_seconds: f64,
    /// Requests answered in it per second.
    pub per_second: f64,
    /// The fake's resident memory at its end, in KiB (when known).
    pub rss_kib: Option<u64>,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The provider.
    pub provider: String,
    /// Connections used.
    pub connections: usize,
    /// Seconds the load ran.
    pub seconds: f64,
    /// Requests answered.
    pub requests: u64,
    /// The throughput windows.
    pub windows: Vec<Window>,
    /// Per kind of request.
    pub kinds: BTreeMap<&'static str, KindCounts>,
    /// The fake's resident memory after the run, in KiB.
    pub rss_kib_after: Option<u64>,
    /// The fake's peak resident memory, in KiB.
    pub peak_rss_kib: Option<u64>,
    /// Seconds until a slow-header client was cut off.
    pub slow_header_closed_after: Option<f64>,
    /// Seconds until an idle kept-alive connection was closed.
    pub idle_closed_after: Option<f64>,
}

/// Targets of the fakes under load (issue "Fakes that behave like the real
/// platforms ... and stay up under load").
pub mod targets {
    /// Every window of the first minute holds this share of the first one.
    pub const THROUGHPUT_HELD: f64 = 0.90;
    /// Resident memory after the run, in KiB.
    pub const MAX_RSS_KIB: u64 = 64 * 1024;
    /// A slow-header connection is closed within this many seconds.
    pub const SLOW_HEADER_SECONDS: f64 = 10.0;
}

impl Report {
    /// Requests answered with an unexpected status or not at all.
    pub fn failures(&self) -> u64 {
        self.kinds.values().map(|k| k.unexpected + k.errors).sum()
    }

    /// The lowest window of the first minute (after the first window)
    /// divided by the first window.
    pub fn throughput_held(&self) -> Option<f64> {
        let first = self.windows.first()?.per_second;
        let rest =
            self.windows.iter().skip(1).filter(|w| w.end_seconds <= 61.0).map(|w| w.per_second);
        let low = rest.fold(f64::INFINITY, f64::min);
        (first > 0.0 && low.is_finite()).then(|| low / first)
    }

    /// Each target with its verdict: (name, measured, target, ok).
    pub fn verdicts(&self) -> Vec<(&'static str, String, String, bool)> {
        let mut v = Vec::new();
        v.push((
            "answers as expected",
            format!("{} failures", self.failures()),
            "0".to_owned(),
            self.failures() == 0,
        ));
        if let Some(held) = self.throughput_held() {
            v.push((
                "throughput held (first minute)",
                format!("{:.1}%", held * 100.0),
                format!(">= {:.0}%", targets::THROUGHPUT_HELD * 100.0),
                held >= targets::THROUGHPUT_HELD,
            ));
        }
        if let Some(rss) = self.rss_kib_after {
            v.push((
                "RSS after the run",
                format!("{:.1} MiB", rss as f64 / 1024.0),
                format!("< {} MiB", targets::MAX_RSS_KIB / 1024),
                rss < targets::MAX_RSS_KIB,
            ));
        }
        if let Some(s) = self.slow_header_closed_after {
            v.push((
                "slow-header connection closed",
                format!("{s:.1} s"),
                format!("<= {} s", targets::SLOW_HEADER_SECONDS),
                s <= targets::SLOW_HEADER_SECONDS,
            ));
        }
        if let Some(s) = self.idle_closed_after {
            v.push((
                "idle connection closed",
                format!("{s:.1} s"),
                format!("<= {} s", targets::SLOW_HEADER_SECONDS),
                s <= targets::SLOW_HEADER_SECONDS,
            ));
        }
        v
    }

    /// Whether every verdict holds.
    pub fn ok(&self) -> bool {
        self.verdicts().iter().all(|v| v.3)
    }

    /// The report as text.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: {} requests in {:.1} s on {} connections ({:.0}/s)",
            self.provider,
            self.requests,
            self.seconds,
            self.connections,
            self.requests as f64 / self.seconds.max(1e-9)
        );
        for w in &self.windows {
            let rss = w.rss_kib.map_or("-".to_owned(), |r| format!("{:.1} MiB", r as f64 / 1024.0));
            let _ = writeln!(
                out,
                "  window to {:>6.1} s: {:>8.0} req/s  RSS {rss}",
                w.end_seconds, w.per_second
            );
        }
        for (kind, c) in &self.kinds {
            let statuses: Vec<String> =
                c.statuses.iter().map(|(s, n)| format!("{s}x{n}")).collect();
            let _ = writeln!(
                out,
                "  {kind:<22} sent {:>8}  unexpected {:>4}  errors {:>4}  [{}]",
                c.sent,
                c.unexpected,
                c.errors,
                statuses.join(" ")
            );
        }
        if let Some(peak) = self.peak_rss_kib {
            let _ = writeln!(out, "  peak RSS {:.1} MiB", peak as f64 / 1024.0);
        }
        for (name, measured, target, ok) in self.verdicts() {
            let _ = writeln!(
                out,
                "  {} {name}: {measured} (target {target})",
                if ok { "ok  " } else { "FAIL" }
            );
        }
        out
    }
}

/// `(VmRSS, VmHWM)` of process `pid` in KiB, from `/proc`.
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let read = |key: &str| -> Option<u64> {
        status.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok()
    };
    Some((read("VmRSS:")?, read("VmHWM:")?))
}

/// The `127.0.0.1:port` of a base URL; anything but loopback is refused.
pub fn loopback_addr(base_url: &str) -> Result<SocketAddr, String> {
    let rest = base_url.strip_prefix("http://").ok_or("the fake's base URL is not http://")?;
    let authority = rest.split('/').next().unwrap_or_default();
    let addr: SocketAddr =
        authority.parse().map_err(|_| format!("cannot read the address of {base_url}"))?;
    if !addr.ip().is_loopback() {
        return Err(format!("{addr} is not a loopback address: load runs on 127.0.0.1 only"));
    }
    Ok(addr)
}

/// Runs the load against the fake that printed `line`; `pid` is its
/// process, for memory readings.
pub async fn drive(
    provider: &str,
    line: &Value,
    pid: Option<u32>,
    options: &Options,
) -> Result<Report, String> {
    let base =
        line.get("base_url").and_then(Value::as_str).ok_or("the fake's line has no base_url")?;
    let addr = loopback_addr(base)?;
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for task in 0..options.connections {
        let mut workload = workload::for_provider(provider, line, task as u64)?;
        let (stop, answered) = (stop.clone(), answered.clone());
        let quota = options.requests_per_task.unwrap_or(u64::MAX);
        tasks.push(tokio::spawn(async move {
            let mut counts: BTreeMap<&'static str, KindCounts> = BTreeMap::new();
            let mut connection = Connection::new(addr);
            let mut i = 0u64;
            while i < quota && !stop.load(Ordering::Relaxed) {
                let request = workload.next(i);
                i += 1;
                let entry = counts.entry(request.kind).or_default();
                entry.sent += 1;
                match connection.send(&request).await {
                    Ok(response) => {
                        *entry.statuses.entry(response.status).or_default() += 1;
                        if !request.expect.contains(&response.status) {
                            entry.unexpected += 1;
                        }
                        workload.answer(&request, &response);
                    }
                    // A server may refuse an oversized body before reading
                    // it and close the connection: for such requests (whose
                    // expected statuses include 0) that is the refusal.
                    Err(_) if request.expect.contains(&0) => {
                        *entry.statuses.entry(0).or_default() += 1
                    }
                    Err(_) => entry.errors += 1,
                }
                answered.fetch_add(1, Ordering::Relaxed);
            }
            counts
        }));
    }
    let probes = options
        .probes
        .then(|| (tokio::spawn(slow_header_probe(addr)), tokio::spawn(idle_probe(addr))));
    let started = Instant::now();
    let mut windows = Vec::new();
    let mut last = 0u64;
    let mut peak = None;
    while options.requests_per_task.is_none() {
        tokio::time::sleep(options.window).await;
        let total = answered.load(Ordering::Relaxed);
        let elapsed = started.elapsed();
        let memory = pid.and_then(memory_kib);
        peak = memory.map(|m| m.1).or(peak);
        windows.push(Window {
            end_seconds: elapsed.as_secs_f64(),
            per_second: (total - last) as f64 / options.window.as_secs_f64(),
            rss_kib: memory.map(|m| m.0),
        });
        last = total;
        let enough = elapsed >= options.min_duration && total >= options.min_requests;
        if enough || elapsed >= options.max_duration {
            break;
        }
    }
    if options.requests_per_task.is_none() {
        stop.store(true, Ordering::Relaxed);
    }
    let mut kinds: BTreeMap<&'static str, KindCounts> = BTreeMap::new();
    for task in tasks {
        let counts = task.await.map_err(|e| format!("a load task failed: {e}"))?;
        for (kind, c) in counts {
            let into = kinds.entry(kind).or_default();
            into.sent += c.sent;
            into.unexpected += c.unexpected;
            into.errors += c.errors;
            for (s, n) in c.statuses {
                *into.statuses.entry(s).or_default() += n;
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let (slow_header_closed_after, idle_closed_after) = match probes {
        Some((slow, idle)) => (slow.await.ok().flatten(), idle.await.ok().flatten()),
        None => (None, None),
    };
    let memory = pid.and_then(memory_kib);
    Ok(Report {
        provider: provider.to_owned(),
        connections: options.connections,
        seconds,
        requests: answered.load(Ordering::Relaxed),
        windows,
        kinds,
        rss_kib_after: memory.map(|m| m.0),
        peak_rss_kib: memory.map(|m| m.1).or(peak),
        slow_header_closed_after,
        idle_closed_after,
    })
}

/// Waits until the server closes `stream` (or 30 s pass), sending
/// `drip` once a second; seconds until the close.
async fn until_closed(stream: &mut TcpStream, drip: Option<&[u8]>) -> Option<f64> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    while started.elapsed() < Duration::from_secs(30) {
        match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed().as_secs_f64()),
            Ok(Ok(_)) => {}
            Err(_) => {
                if let Some(drip) = drip {
                    if stream.write_all(drip).await.is_err() {
                        return Some(started.elapsed().as_secs_f64());
                    }
                }
            }
        }
    }
    None
}

/// A client that sends a request line, then one header line a second:
/// seconds until the server cuts it off (`None`: not within 30 s).
async fn slow_header_probe(addr: SocketAddr) -> Option<f64> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream.write_all(b"GET / HTTP/1.1\r\nhost: probe\r\n").await.ok()?;
    until_closed(&mut stream, Some(b"x-slow: 1\r\n")).await
}

/// A kept-alive connection left idle after one answer: seconds until the
/// server closes it.
async fn idle_probe(addr: SocketAddr) -> Option<f64> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream.write_all(b"GET / HTTP/1.1\r\nhost: probe\r\n\r\n").await.ok()?;
    let mut buf = [0u8; 1024];
    let _ = stream.read(&mut buf).await.ok()?;
    until_closed(&mut stream, None).await
}
