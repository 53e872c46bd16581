//! The release-mode bench binary behind `cargo xtask bench`: a counting
//! global allocator, then every case in one process.
//!
//! `partner-bench [--json | --markdown] [--rounds N] [--filter TEXT]`; exit status 1
//! when a row's median is over its target.
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
    let json = args.iter().any(|a| a == "--json");
    let md = args.iter().any(|a| a == "--markdown");
    let machine = Machine::read(UnixTime::from_system_time(SystemClock.now()));
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
        println!(
            "{} rows, {} rounds each, in {seconds:.1} s; {over} over target",
            rows.len(),
            plan.rounds
        );
    }
    if over == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
