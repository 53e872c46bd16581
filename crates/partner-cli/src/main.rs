//! `partner`: an end-to-end demo on the built-in fakes, the fakes as
//! standalone servers, and tools that answer "why does my signature not
//! match?" for each platform.
#![allow(clippy::print_stdout, clippy::print_stderr, unreachable_pub)]

mod demo;
mod mock;
mod output;
mod tools;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::{CliError, red};

/// Partner integrations: demo, fakes, and signature tools.
#[derive(Parser)]
#[command(name = "partner", version, about, long_about = None, after_help = "\
Examples:
  partner demo                                  run every flow against the built-in fakes
  partner demo --provider teapplix --json       one flow, machine-readable
  partner mock ovhcloud --port 8080             serve the fake OVH API for your tests
  partner ovhcloud sign --method GET --url https://eu.api.ovh.com/1.0/me --explain
  partner blendr verify 'https://acme.admin.blendr.io/sso?accountid=1&timestamp=..&hash=..'

Secrets (keys, tokens, UIDs) are read from an environment variable or a file, never
from the command line. A key file may end with one line break (LF or CRLF), which is
removed; nothing else is trimmed, so a key with spaces at either end is used as is.
A variable is used exactly as set. An empty or white-space-only key is refused
(exit 2): anyone can sign with an empty key.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start all five fakes on 127.0.0.1 and run each provider's whole flow with the real clients.
    #[command(
        after_help = "Examples:\n  partner demo\n  partner demo --provider ovhcloud\n  partner demo --json > report.json"
    )]
    Demo {
        /// Run only this provider's flow.
        #[arg(long, value_enum)]
        provider: Option<demo::Provider>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also run the fleet steps on this Redis (redis://host:port): single use,
        /// token caches and a sealed pending consumer key shared by two "servers".
        #[arg(long, value_name = "URL")]
        redis: Option<String>,
    },
    /// Serve one fake as a standalone server (one JSON line on stdout, then request logs on stderr).
    #[command(
        after_help = "Examples:\n  partner mock teapplix\n  partner mock ovhcloud --port 8080\n  partner mock cloud66 --config cloud66.json"
    )]
    Mock(mock::MockArgs),
    /// OVHcloud: sign a request and explain the pre-image.
    #[command(subcommand)]
    Ovhcloud(tools::OvhCommand),
    /// Blendr.io: build a hash link or a JWT, verify either.
    #[command(subcommand)]
    Blendr(tools::BlendrCommand),
    /// Cloud 66: encode or decode a multipass.
    #[command(subcommand)]
    Cloud66(tools::Cloud66Command),
    /// Teapplix: build or verify a signed Launch URL.
    #[command(subcommand)]
    Teapplix(tools::TeapplixCommand),
    /// Cheetah CES: emit the stellar_member_state script.
    #[command(subcommand)]
    Cheetah(tools::CheetahCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("{} cannot start the async runtime: {e}", red("error:"));
                return ExitCode::from(2);
            }
        };
    let result = match cli.command {
        Command::Demo { provider, json, redis } => {
            runtime.block_on(demo::run(provider, json, redis.as_deref()))
        }
        Command::Mock(args) => runtime.block_on(mock::run(args)),
        Command::Ovhcloud(cmd) => tools::ovhcloud(cmd),
        Command::Blendr(cmd) => tools::blendr(cmd),
        Command::Cloud66(cmd) => tools::cloud66(cmd),
        Command::Teapplix(cmd) => tools::teapplix(cmd),
        Command::Cheetah(cmd) => tools::cheetah(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError { code, message }) => {
            eprintln!("{} {message}", red("error:"));
            ExitCode::from(code)
        }
    }
}
