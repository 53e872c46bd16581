//! `partner mock <provider>`: one fake as a standalone server.

mod config;

use std::path::PathBuf;
use std::time::Duration;

use partner_core::Secret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

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
    let io = |e: std::io::Error| CliError::usage(format!("cannot start the fake: {e}"));
    let path = args.config.as_ref();
    // Each arm keeps its server alive in `_server` until the signal.
    let (_server, line): (Box<dyn std::any::Any + Send>, Value) = match args.provider {
        MockProvider::Ovhcloud => {
            let c: OvhConfig = load(path)?;
            if printed(&args, &c)? {
                return Ok(());
            }
            init_logs();
            let mut b = partner_ovhcloud::fake::FakeOvh::builder()
                .application(c.application_key.clone(), Secret::from(c.application_secret.as_str()))
                .zones(c.zones.clone());
            if let Some(sa) = &c.service_account {
                b = b
                    .service_account(sa.client_id.clone(), Secret::from(sa.client_secret.as_str()));
            }
            let fake = b.start(args.port).await.map_err(io)?;
            let line = json!({
                "provider": "ovhcloud", "base_url": fake.endpoint_url(), "token_url": fake.token_url(),
                "application_key": c.application_key, "application_secret": c.application_secret,
                "service_account": c.service_account,
            });
            (Box::new(fake), line)
        }
        MockProvider::Teapplix => {
            let c: TeapplixConfig = load(path)?;
            if printed(&args, &c)? {
                return Ok(());
            }
            init_logs();
            let mut b = partner_teapplix::fake::FakeTeapplix::builder()
                .api_token(c.api_token.as_str())
                .signature_key(c.signature_key.as_str());
            for pair in &c.pairs {
                b = b.pair(pair.ps_client_id.clone(), pair.client_vhost.clone());
            }
            let fake = b.start(args.port).await.map_err(io)?;
            let line = json!({"provider": "teapplix", "base_url": fake.base_url(), "api_token": c.api_token, "signature_key": c.signature_key, "pairs": c.pairs});
            (Box::new(fake), line)
        }
        MockProvider::Blendr => {
            let c: BlendrConfig = load(path)?;
            if printed(&args, &c)? {
                return Ok(());
            }
            init_logs();
            let mut b = partner_blendr::fake::FakeHub::builder()
                .credentials(c.app_id.clone(), Secret::from(c.api_key.as_str()))
                .rate_limit(c.rate_limit_per_minute)
                .allow_params(c.allow_params.iter().cloned());
            for t in &c.templates {
                b = b.template(t.id.clone(), t.name.clone());
            }
            for a in &c.accounts {
                b = b.account(a.id.clone(), a.name.clone());
            }
            let fake = b.start(args.port).await.map_err(io)?;
            let line = json!({"provider": "blendr", "base_url": fake.base_url(), "api_base_url": fake.api_base_url(), "app_id": c.app_id, "api_key": c.api_key});
            (Box::new(fake), line)
        }
        MockProvider::Cheetah => {
            let c: CheetahConfig = load(path)?;
            if printed(&args, &c)? {
                return Ok(());
            }
            init_logs();
            let fake = partner_cheetah::fake::FakeStellar::builder()
                .credentials(c.client_id.clone(), Secret::from(c.client_secret.as_str()))
                .token_lifetime(Duration::from_secs(c.token_lifetime_secs))
                .start(args.port)
                .await
                .map_err(io)?;
            let line = json!({"provider": "cheetah", "base_url": fake.base_url(), "client_id": c.client_id, "client_secret": c.client_secret});
            (Box::new(fake), line)
        }
        MockProvider::Cloud66 => {
            let c: Cloud66Config = load(path)?;
            if printed(&args, &c)? {
                return Ok(());
            }
            init_logs();
            let mut b = partner_cloud66::fake::FakeCloud66::builder();
            b = match (&c.link_url, &c.sso_return_url) {
                (None, None) => b.stand_in_partner(c.partner.clone(), c.provider_uid.clone()),
                (Some(link), Some(sso)) => {
                    b.partner(c.partner.clone(), c.provider_uid.clone(), link.clone(), sso.clone())
                }
                _ => {
                    return Err(CliError::usage(
                        "set both link_url and sso_return_url, or neither (pages of the fake)",
                    ));
                }
            };
            let secret = Secret::from(c.client_secret.as_str());
            b = match &c.redirect_uri {
                None => b.stand_in_oauth_app(c.client_id.clone(), secret),
                Some(uri) => b.oauth_app(c.client_id.clone(), secret, uri.clone()),
            };
            for u in &c.users {
                b = b.user(u.uid.clone(), u.email.clone(), u.name.clone());
            }
            for s in &c.stacks {
                b = b.stack(s.uid.clone(), s.name.clone());
            }
            let fake = b.start(args.port).await.map_err(io)?;
            let line = json!({
                "provider": "cloud66", "base_url": fake.base_url(), "api_base_url": fake.api_base_url(),
                "partner_endpoint": fake.partner_endpoint(), "provider_uid": c.provider_uid, "partner": c.partner,
                "link_url": fake.link_url(), "sso_return_url": fake.sso_return_url(),
                "client_id": c.client_id, "client_secret": c.client_secret, "redirect_uri": fake.oauth_redirect_uri(),
            });
            (Box::new(fake), line)
        }
    };
    println!("{line}");
    wait_for_shutdown().await;
    eprintln!("stopping");
    Ok(())
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
