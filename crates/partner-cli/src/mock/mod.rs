//! `partner mock <provider>`: one fake as a standalone server.

use std::path::PathBuf;

use partner_core::Secret;
use serde::Deserialize;
use serde_json::{Value, json};

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
    /// A JSON file with the credentials and data the fake accepts (see the README).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    application_key: Option<String>,
    application_secret: Option<String>,
    zones: Option<Vec<String>>,
    api_token: Option<String>,
    signature_key: Option<String>,
    pairs: Option<Vec<(String, String)>>,
    app_id: Option<String>,
    api_key: Option<String>,
    templates: Option<Vec<(String, String)>>,
    accounts: Option<Vec<(String, String)>>,
    client_id: Option<String>,
    client_secret: Option<String>,
    provider_uid: Option<String>,
    partner: Option<String>,
    link_url: Option<String>,
    sso_return_url: Option<String>,
    redirect_uri: Option<String>,
    users: Option<Vec<(String, String, String)>>,
    stacks: Option<Vec<(String, String)>>,
}

fn or(v: Option<String>, default: &str) -> String {
    v.unwrap_or_else(|| default.to_owned())
}

/// Starts the fake, prints one JSON line, serves until SIGINT or SIGTERM.
pub async fn run(args: MockArgs) -> Result<(), CliError> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_max_level(tracing_subscriber::filter::LevelFilter::DEBUG)
        .with_target(false)
        .init();
    let config: Config = match &args.config {
        None => Config::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
            serde_json::from_str(&text).map_err(|e| {
                CliError::usage(format!("{} is not a valid config: {e}", path.display()))
            })?
        }
    };
    let io = |e: std::io::Error| CliError::usage(format!("cannot start the fake: {e}"));
    // Each arm keeps its server alive in `_server` until the signal.
    let (_server, line): (Box<dyn std::any::Any + Send>, Value) = match args.provider {
        MockProvider::Ovhcloud => {
            use partner_ovhcloud::fake::{
                DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh,
            };
            let (ak, as_) = (
                or(config.application_key, DEFAULT_APPLICATION_KEY),
                or(config.application_secret, DEFAULT_APPLICATION_SECRET),
            );
            let mut b = FakeOvh::builder().application(ak.clone(), Secret::from(as_.clone()));
            if let Some(z) = config.zones {
                b = b.zones(z);
            }
            let fake = b.start(args.port).await.map_err(io)?;
            let line = json!({"provider": "ovhcloud", "base_url": fake.endpoint_url(), "application_key": ak, "application_secret": as_});
            (Box::new(fake), line)
        }
        MockProvider::Teapplix => {
            use partner_teapplix::fake::{DEFAULT_API_TOKEN, DEFAULT_SIGNATURE_KEY, FakeTeapplix};
            let (token, key) = (
                or(config.api_token, DEFAULT_API_TOKEN),
                or(config.signature_key, DEFAULT_SIGNATURE_KEY),
            );
            let pairs = config
                .pairs
                .unwrap_or_else(|| vec![("ps-client-1".to_owned(), "demo2".to_owned())]);
            let mut b =
                FakeTeapplix::builder().api_token(token.as_str()).signature_key(key.as_str());
            for (id, vhost) in &pairs {
                b = b.pair(id.clone(), vhost.clone());
            }
            let fake = b.start(args.port).await.map_err(io)?;
            let line = json!({"provider": "teapplix", "base_url": fake.base_url(), "api_token": token, "signature_key": key, "pairs": pairs});
            (Box::new(fake), line)
        }
        MockProvider::Blendr => {
            use partner_blendr::fake::{DEFAULT_API_KEY, DEFAULT_APP_ID, FakeHub};
            let (app, key) =
                (or(config.app_id, DEFAULT_APP_ID), or(config.api_key, DEFAULT_API_KEY));
            let mut b = FakeHub::builder().credentials(app.clone(), Secret::from(key.as_str()));
            for (guid, name) in config.templates.unwrap_or_else(|| {
                vec![("tpl-1".into(), "CRM sync".into()), ("tpl-2".into(), "Invoices".into())]
            }) {
                b = b.template(guid, name);
            }
            for (id, name) in config.accounts.unwrap_or_default() {
                b = b.account(id, name);
            }
            let fake = b.start(args.port).await.map_err(io)?;
            let line = json!({"provider": "blendr", "base_url": fake.base_url(), "api_base_url": fake.api_base_url(), "app_id": app, "api_key": key});
            (Box::new(fake), line)
        }
        MockProvider::Cheetah => {
            use partner_cheetah::fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, FakeStellar};
            let (id, secret) = (
                or(config.client_id, DEFAULT_CLIENT_ID),
                or(config.client_secret, DEFAULT_CLIENT_SECRET),
            );
            let fake = FakeStellar::builder()
                .credentials(id.clone(), Secret::from(secret.as_str()))
                .start(args.port)
                .await
                .map_err(io)?;
            let line = json!({"provider": "cheetah", "base_url": fake.base_url(), "client_id": id, "client_secret": secret});
            (Box::new(fake), line)
        }
        MockProvider::Cloud66 => {
            use partner_cloud66::fake::FakeCloud66;
            let uid = or(config.provider_uid, "0123456789abcdefFEDCBA9876543210");
            let partner = or(config.partner, "partner");
            let (client_id, secret) = (
                or(config.client_id, "fake-cloud66-client"),
                or(config.client_secret, "fake-cloud66-secret"),
            );
            let redirect = or(config.redirect_uri, "http://127.0.0.1/oauth/callback");
            let mut b = FakeCloud66::builder()
                .partner(
                    partner.clone(),
                    uid.clone(),
                    or(config.link_url, "http://127.0.0.1/cloud66/link"),
                    or(config.sso_return_url, "http://127.0.0.1/cloud66/sso"),
                )
                .oauth_app(client_id.clone(), Secret::from(secret.as_str()), redirect.clone());
            for (u, e, n) in config
                .users
                .unwrap_or_else(|| vec![("u-1".into(), "jon@smith.com".into(), "Jon Smith".into())])
            {
                b = b.user(u, e, n);
            }
            for (u, n) in config.stacks.unwrap_or_else(|| vec![("stack-1".into(), "web".into())]) {
                b = b.stack(u, n);
            }
            let fake = b.start(args.port).await.map_err(io)?;
            let line = json!({
                "provider": "cloud66", "base_url": fake.base_url(), "api_base_url": fake.api_base_url(),
                "partner_endpoint": fake.partner_endpoint(), "provider_uid": uid, "partner": partner,
                "client_id": client_id, "client_secret": secret, "redirect_uri": redirect,
            });
            (Box::new(fake), line)
        }
    };
    println!("{line}");
    wait_for_shutdown().await;
    eprintln!("stopping");
    Ok(())
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
