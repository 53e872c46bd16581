//! `cargo xtask <command>`; see `cargo xtask --help`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Workspace automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install the peers the tests need (pinned: Debian packages with apt-get as root,
    /// Python packages into target/peers/venv, npm packages into target/peers/node), then
    /// run the workspace's tests with the ignored ones included, the conformance vectors
    /// and the interop suite. Ends with one line `N passed, M failed`.
    ///
    /// Exit status: 0 when everything passes, 1 when something fails, 2 when the peers
    /// cannot be installed (not root: the command to run is printed).
    Test,
    /// Install the peers, build `partner`, and run only the interop suite: third-party
    /// implementations (official SDKs, OAuth2 clients, PHP, Python, npm libraries)
    /// against our fakes and tools.
    Interop,
    /// Run the conformance vectors (format 1) through every provider's suite.
    ///
    /// Exit status: 0 when every case passes, 1 when any fails, 2 when a
    /// file cannot be read or no vector file is found.
    Conformance {
        /// A folder of vector files, searched recursively for `*.json`
        /// (repeatable; default: the workspace's tests/vectors).
        #[arg(long = "vectors", value_name = "DIR")]
        vectors: Vec<PathBuf>,
        /// Only run the files of this provider.
        #[arg(long, value_name = "NAME", value_parser = parse_provider)]
        provider: Option<String>,
        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Build in release mode and time each provider's hot operation next to its raw primitive,
    /// at realistic sizes, in interleaved rounds: min, median and max ratio per row.
    ///
    /// Exit status: 0 when every row's median is within its target, 1 when one is not.
    Bench {
        /// Print the report as JSON.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print the report as the README's Markdown table, with the date, CPU and load.
        #[arg(long)]
        markdown: bool,
        /// Rounds per case (each round interleaves the operation and its primitive).
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
        rounds: u32,
        /// Only the cases whose name contains this text.
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
        /// Do not pin the run to one CPU (by default it runs under `taskset` on the last CPU).
        #[arg(long)]
        no_pin: bool,
    },
    /// Build `partner` in release mode and drive its fakes with load and abuse on 127.0.0.1:
    /// throughput per 10 s window, resident memory, slow-header and idle connections.
    ///
    /// Exit status: 0 when every fake is within its targets, 1 when one is not, 2 when a
    /// fake cannot be built or started.
    Load(xtask::load::LoadArgs),
}

fn parse_provider(name: &str) -> Result<String, String> {
    let known = xtask::conformance::provider_names();
    if known.contains(&name) {
        Ok(name.to_owned())
    } else {
        Err(format!("unknown provider (expected one of {})", known.join(", ")))
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Conformance { vectors, provider, json } => conformance(vectors, provider, json),
        Command::Bench { json, markdown, rounds, filter, no_pin } => {
            bench(json, markdown, rounds, filter.as_deref(), no_pin)
        }
        Command::Test => test(true),
        Command::Interop => test(false),
        Command::Load(args) => load(&args),
    }
}

/// `cargo xtask test` (`everything`) or `cargo xtask interop`.
fn test(everything: bool) -> ExitCode {
    use xtask::peers::{PeerError, provision};
    use xtask::suite;
    let workspace = xtask::workspace_dir();
    let target = xtask::target_dir();
    let started = std::time::Instant::now();
    let peers = match provision(&workspace, &target) {
        Ok(peers) => peers,
        Err(PeerError::NeedsRoot(command)) => {
            eprintln!(
                "error: Debian packages the tests need are missing; install them with:\n  {command}"
            );
            return ExitCode::from(2);
        }
        Err(PeerError::Failed(why)) => {
            eprintln!("error: cannot install the peers: {why}");
            return ExitCode::from(2);
        }
    };
    let provisioned = started.elapsed().as_secs_f64();
    let mut parts = Vec::new();
    if everything {
        parts.push(suite::workspace_tests(&workspace, &peers));
        parts.push(suite::conformance());
    }
    let built = cargo()
        .current_dir(&workspace)
        .args(["build", "--quiet", "--locked", "-p", "partner-cli"])
        .status();
    if !built.is_ok_and(|s| s.success()) {
        eprintln!("error: cannot build partner");
        return ExitCode::from(2);
    }
    parts.push(suite::interop(&workspace, &target.join("debug").join("partner"), &peers));
    println!();
    println!("peers: ready in {provisioned:.1} s");
    for part in &parts {
        println!("{}", part.line());
    }
    let (passed, failed): (u64, u64) =
        parts.iter().fold((0, 0), |(p, f), part| (p + part.passed, f + part.failed));
    println!("{passed} passed, {failed} failed");
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn load(args: &xtask::load::LoadArgs) -> ExitCode {
    let built = cargo()
        .args([
            "build",
            "--quiet",
            "--release",
            "--locked",
            "-p",
            "partner-cli",
            "-p",
            "xtask",
            "--bin",
            "partner",
            "--bin",
            "partner-load",
        ])
        .status();
    match built {
        Ok(status) if status.success() => {}
        Ok(_) => return ExitCode::from(2),
        Err(err) => {
            eprintln!("error: cannot run cargo: {err}");
            return ExitCode::from(2);
        }
    }
    let release = xtask::target_dir().join("release");
    let mut cmd = std::process::Command::new(release.join("partner-load"));
    cmd.arg("--partner").arg(release.join("partner")).args(args.to_args());
    match cmd.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1)),
        Err(err) => {
            eprintln!("error: cannot run partner-load: {err}");
            ExitCode::from(2)
        }
    }
}

fn conformance(mut dirs: Vec<PathBuf>, provider: Option<String>, json: bool) -> ExitCode {
    if dirs.is_empty() {
        dirs.push(xtask::conformance::default_vectors_dir());
    }
    let report = match xtask::conformance::run(&dirs, provider.as_deref()) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    if report.cases.is_empty() {
        eprintln!("error: no vector files found under {}", display_dirs(&dirs));
        return ExitCode::from(2);
    }
    let mut stdout = std::io::stdout().lock();
    let written = if json {
        xtask::conformance::write_json(&report, &mut stdout)
    } else {
        xtask::conformance::write_text(&report, &mut stdout)
    };
    if let Err(err) = written {
        eprintln!("error: cannot write the report: {err}");
        return ExitCode::from(2);
    }
    if report.failed() == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn bench(json: bool, markdown: bool, rounds: u32, filter: Option<&str>, no_pin: bool) -> ExitCode {
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--quiet",
        "--release",
        "--locked",
        "-p",
        "xtask",
        "--bin",
        "partner-bench",
        "--",
    ]);
    if json {
        cmd.arg("--json");
    }
    if markdown {
        cmd.arg("--markdown");
    }
    cmd.args(["--rounds", &rounds.to_string()]);
    if let Some(filter) = filter {
        cmd.args(["--filter", filter]);
    }
    if no_pin {
        cmd.arg("--no-pin");
    }
    match cmd.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: cannot run cargo: {err}");
            ExitCode::from(2)
        }
    }
}

fn display_dirs(dirs: &[PathBuf]) -> String {
    dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
}
