//! The release-mode load generator behind `cargo xtask load`: starts
//! `partner mock <provider>` (built in release), drives it, prints the
//! report, stops it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};

use clap::Parser;
use xtask::load::{LoadArgs, drive};

/// Drive fakes with load and abuse on 127.0.0.1.
#[derive(Parser)]
struct Args {
    /// The `partner` binary.
    #[arg(long)]
    partner: PathBuf,
    #[command(flatten)]
    load: LoadArgs,
}

/// Kills the fake when the run ends, however it ends.
struct Fake(Child);

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(
    partner: &PathBuf,
    provider: &str,
    dir: &std::path::Path,
) -> Result<(Fake, serde_json::Value), String> {
    let mut cmd = Command::new(partner);
    cmd.args(["mock", provider]);
    if provider == "blendr" {
        // The vendor's 300 calls a minute would answer most API calls 429.
        let config = dir.join("blendr-load.json");
        std::fs::write(&config, r#"{"rate_limit_per_minute": null}"#).map_err(|e| e.to_string())?;
        cmd.arg("--config").arg(config);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", partner.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let fake = Fake(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
    let line =
        serde_json::from_str(&line).map_err(|e| format!("the fake printed no JSON line: {e}"))?;
    Ok((fake, line))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let providers = if args.load.providers.is_empty() {
        ["cheetah", "cloud66", "ovhcloud", "blendr", "teapplix"].map(str::to_owned).to_vec()
    } else {
        args.load.providers.clone()
    };
    let options = args.load.options();
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("error: cannot start the runtime: {e}");
                return ExitCode::from(2);
            }
        };
    let dir = std::env::temp_dir();
    let mut reports = Vec::new();
    for provider in &providers {
        let (fake, line) = match start(&args.partner, provider, &dir) {
            Ok(started) => started,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        eprintln!("loading {provider} at {} ...", line["base_url"]);
        let report = runtime.block_on(drive(provider, &line, Some(fake.0.id()), &options));
        drop(fake);
        match report {
            Ok(report) => {
                if !args.load.json {
                    print!("{}", report.text());
                }
                reports.push(report);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if args.load.json {
        println!("{}", serde_json::to_string_pretty(&reports).unwrap_or_default());
    }
    let failed = reports.iter().filter(|r| !r.ok()).count();
    println!("{} fakes within target, {failed} not", reports.len() - failed);
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
