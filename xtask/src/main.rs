//! `cargo xtask <command>`; see `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use partner_core::conformance::Provider;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Workspace automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
        provider: Option<Provider>,
        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Build in release mode and time each provider's hot operation next to its raw primitive.
    Bench {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Build `partner` in release mode and drive its fakes with load and abuse on 127.0.0.1:
    /// throughput per 10 s window, resident memory, slow-header and idle connections.
    ///
    /// Exit status: 0 when every fake is within its targets, 1 when one is not, 2 when a
    /// fake cannot be built or started.
    Load(xtask::load::LoadArgs),
}

fn parse_provider(name: &str) -> Result<Provider, String> {
    name.parse().map_err(|e| format!("{e}"))
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Conformance { vectors, provider, json } => conformance(vectors, provider, json),
        Command::Bench { json } => bench(json),
        Command::Load(args) => load(&args),
    }
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

fn conformance(mut dirs: Vec<PathBuf>, provider: Option<Provider>, json: bool) -> ExitCode {
    if dirs.is_empty() {
        dirs.push(xtask::conformance::default_vectors_dir());
    }
    let report = match xtask::conformance::run(&dirs, provider) {
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

fn bench(json: bool) -> ExitCode {
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
