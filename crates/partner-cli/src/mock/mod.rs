//! `partner mock <provider>`: one fake as a standalone server.

mod config;
mod start;

use std::path::PathBuf;

use partner_core::server::Fake;
use serde::Serialize;
use serde::de::DeserializeOwned;

use self::config::{BlendrConfig, CheetahConfig, Cloud66Config, OvhConfig, TeapplixConfig};
use crate::output::CliError;

/// Which fake to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MockProvider {
    /// The OVHcloud API (works with the official SDKs).
    Ovhcloud,
    /// Cloud 66.
    Cloud66,
    /// The Blendr.io hub and SaaS Partner API.
    Blendr,
    /// Cheetah CES (Stellar).
    Cheetah,
    /// Teapplix.
    Teapplix,
}

/// Arguments of `partner mock`.
#[derive(Debug, clap::Args)]
pub struct MockArgs {
    /// The fake to serve.
    #[arg(value_enum)]
    provider: MockProvider,
    /// Port on 127.0.0.1 (default: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// A JSON file with the credentials and data the fake accepts; every field is optional
    /// (see --print-config for all of them and their defaults).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the fake's complete configuration (the defaults, with --config applied) as JSON
    /// that --config accepts, and exit.
    #[arg(long)]
    print_config: bool,
}

/// Reads `--config` (or the defaults) for one provider.
fn load<T: Default + DeserializeOwned>(path: Option<&PathBuf>) -> Result<T, CliError> {
    let Some(path) = path else { return Ok(T::default()) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("{} is not a valid config: {e}", path.display())))
}

/// Prints `config` as pretty JSON when asked to; true if it did.
fn printed<T: Serialize>(args: &MockArgs, config: &T) -> Result<bool, CliError> {
    if !args.print_config {
        return Ok(false);
    }
    let text = serde_json::to_string_pretty(config)
        .map_err(|e| CliError::usage(format!("cannot print the config: {e}")))?;
    println!("{text}");
    Ok(true)
}

/// Starts the fake, prints one JSON line, serves until SIGINT or SIGTERM.
pub async fn run(args: MockArgs) -> Result<(), CliError> {
    let path = args.config.as_ref();
    let fake: Box<dyn Fake> = match args.provider {
        MockProvider::Ovhcloud => {
            let Some(c) = configured::<OvhConfig>(&args, path)? else { return Ok(()) };
            start::ovhcloud(c, args.port).await?
        }
        MockProvider::Teapplix => {
            let Some(c) = configured::<TeapplixConfig>(&args, path)? else { return Ok(()) };
            start::teapplix(c, args.port).await?
        }
        MockProvider::Blendr => {
            let Some(c) = configured::<BlendrConfig>(&args, path)? else { return Ok(()) };
            start::blendr(c, args.port).await?
        }
        MockProvider::Cheetah => {
            let Some(c) = configured::<CheetahConfig>(&args, path)? else { return Ok(()) };
            start::cheetah(c, args.port).await?
        }
        MockProvider::Cloud66 => {
            let Some(c) = configured::<Cloud66Config>(&args, path)? else { return Ok(()) };
            start::cloud66(c, args.port).await?
        }
    };
    println!("{}", fake.credentials_json());
    wait_for_shutdown().await;
    eprintln!("stopping");
    fake.shutdown().await;
    Ok(())
}

/// The configuration to start with, or `None` once `--print-config` printed it.
fn configured<T: Default + DeserializeOwned + Serialize>(
    args: &MockArgs,
    path: Option<&PathBuf>,
) -> Result<Option<T>, CliError> {
    let config: T = load(path)?;
    if printed(args, &config)? {
        return Ok(None);
    }
    init_logs();
    Ok(Some(config))
}

fn init_logs() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_max_level(tracing_subscriber::filter::LevelFilter::DEBUG)
        .with_target(false)
        .init();
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
