//! The release-mode bench binary behind `cargo xtask bench`: a counting
//! global allocator, then every case in one process.
//!
//! `partner-bench [--json | --markdown] [--rounds N] [--filter TEXT] [--no-pin]`;
//! exit status 1 when a row's median is over its target.
//!
//! It runs pinned to the machine's last CPU (it starts itself again under
//! `taskset` when that is installed): unpinned, the scheduler moves it
//! between CPUs mid-sample, and on a 2-core machine the same row's median
//! ratio moved by 10% from run to run where pinned it stays within 2-3%.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::alloc::System;
use std::process::ExitCode;

use partner_core::{Clock, SystemClock, UnixTime};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use xtask::bench::{Machine, Plan, all_cases, markdown, run, table};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn allocations() -> u64 {
    Region::new(GLOBAL).initial().allocations as u64
}

/// Set in the pinned run: the CPU it was pinned to.
const PINNED: &str = "PARTNER_BENCH_CPU";

/// Runs this bench again under `taskset`, pinned to the last CPU; `None`
/// when it is already pinned, asked not to be, on one core, or when
/// `taskset` cannot be run (then it runs unpinned and says so).
fn pinned_run(args: &[String]) -> Option<ExitCode> {
    if std::env::var_os(PINNED).is_some() || args.iter().any(|a| a == "--no-pin") {
        return None;
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let exe = std::env::current_exe().ok()?;
    let cpu = (cores > 1).then(|| (cores - 1).to_string())?;
    let status = std::process::Command::new("taskset")
        .args(["-c", &cpu])
        .arg(exe)
        .args(args)
        .env(PINNED, &cpu)
        .status()
        .ok()?;
    Some(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(1) => ExitCode::from(1),
        _ => ExitCode::from(2),
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = pinned_run(&args) {
        return code;
    }
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
    let json = args.iter().any(|a| a == "--json");
    let md = args.iter().any(|a| a == "--markdown");
    let mut machine = Machine::read(UnixTime::from_system_time(SystemClock.now()));
    machine.pinned_cpu = std::env::var(PINNED).ok().and_then(|cpu| cpu.parse().ok());
    let mut plan = Plan::default();
    if let Some(rounds) = value("--rounds") {
        match rounds.parse::<usize>() {
            Ok(n) if n >= 1 => plan.rounds = n,
            _ => {
                eprintln!("error: --rounds takes a whole number from 1");
                return ExitCode::from(2);
            }
        }
    }
    let mut cases = all_cases();
    if let Some(filter) = value("--filter") {
        cases.retain(|c| c.operation().contains(filter.as_str()));
    }
    let start = std::time::Instant::now();
    let rows = run(&mut cases, plan, allocations);
    let seconds = start.elapsed().as_secs_f64();
    let over = rows.iter().filter(|r| !r.ok).count();
    if json {
        let doc = serde_json::json!({
            "rounds": plan.rounds,
            "samples_per_round": plan.samples,
            "sample_ms": plan.sample_time.as_millis(),
            "seconds": seconds,
            "machine": machine,
            "over_target": over,
            "rows": rows,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else if md {
        print!("{}", markdown(&rows, plan, &machine));
    } else {
        print!("{}", table(&rows));
        let pinned = machine.pinned_cpu.map_or("not pinned".to_owned(), |c| format!("on CPU {c}"));
        println!(
            "{} rows, {} rounds each, in {seconds:.1} s ({pinned}); {over} over target",
            rows.len(),
            plan.rounds
        );
    }
    if over == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
