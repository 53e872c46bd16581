//! `partner teapplix`: the Teapplix tools.
use partner_core::replay::AcceptVerified;
use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;
use partner_core::Secret;
use serde_json::json;

use super::{print_json, refused};
use crate::output::{CliError, green, now_or, read_secret};

/// Teapplix tools.
#[derive(Subcommand)]
pub enum TeapplixCommand {
    /// Build a signed Launch URL.
    #[command(
        after_help = "Example:\n  partner teapplix launch-url --signature-key-file teapplix.key --access-token-file token.txt \\\n    --vhost demo2 --ts 1483257600\n\nThe key and the token come from TEAPPLIX_SIGNATURE_KEY and TEAPPLIX_ACCESS_TOKEN unless\na file or another variable is named."
    )]
    LaunchUrl {
        /// The ClientVHOST from PSObtainToken.
        #[arg(long, allow_hyphen_values = true)]
        vhost: String,
        /// Environment variable of the access token (default TEAPPLIX_ACCESS_TOKEN).
        #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
        access_token_env: Option<String>,
        /// File of the access token.
        #[arg(long, value_name = "PATH", allow_hyphen_values = true)]
        access_token_file: Option<PathBuf>,
        /// The app's base URL.
        #[arg(long, default_value = partner_teapplix::DEFAULT_APP_BASE_URL, allow_hyphen_values = true)]
        base_url: String,
        /// Unix time signed (default now).
        #[arg(long, allow_hyphen_values = true)]
        ts: Option<i64>,
        #[command(flatten)]
        key: SignatureKey,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify a Launch URL.
    #[command(
        after_help = "Example:\n  partner teapplix verify 'https://app.teapplix.com/h/demo2/te/lo.cgi?Action=Launch&pt=...&ts=...&signature=...'"
    )]
    Verify {
        /// The absolute Launch URL.
        #[arg(allow_hyphen_values = true)]
        url: String,
        /// Unix time to check against (default now).
        #[arg(long, allow_hyphen_values = true)]
        now: Option<i64>,
        /// Maximum age in seconds (default 1800).
        #[arg(long, default_value_t = 1800, allow_hyphen_values = true)]
        max_age: u64,
        #[command(flatten)]
        key: SignatureKey,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Where the Teapplix signature key comes from.
#[derive(Debug, Clone, clap::Args)]
pub struct SignatureKey {
    /// Environment variable of the signature key (default TEAPPLIX_SIGNATURE_KEY).
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    signature_key_env: Option<String>,
    /// File of the signature key.
    #[arg(long, value_name = "PATH", allow_hyphen_values = true)]
    signature_key_file: Option<PathBuf>,
}

impl SignatureKey {
    fn read(&self) -> Result<Secret, CliError> {
        read_secret(
            self.signature_key_file.as_ref(),
            self.signature_key_env.as_deref(),
            "TEAPPLIX_SIGNATURE_KEY",
            "signature key",
        )
    }
}

/// Runs a Teapplix tool.
pub fn teapplix(cmd: TeapplixCommand) -> Result<(), CliError> {
    use partner_teapplix::{BaseUrl, ClientVhost, LaunchSigner, LaunchVerifier};
    match cmd {
        TeapplixCommand::LaunchUrl {
            vhost,
            access_token_env,
            access_token_file,
            base_url,
            ts,
            key,
            json,
        } => {
            let token = read_secret(
                access_token_file.as_ref(),
                access_token_env.as_deref(),
                "TEAPPLIX_ACCESS_TOKEN",
                "access token",
            )?;
            let vhost = ClientVhost::new(vhost).map_err(|e| CliError::usage(e.to_string()))?;
            let base = BaseUrl::parse(&base_url).map_err(|e| CliError::usage(e.to_string()))?;
            let ts = now_or(ts);
            let url = LaunchSigner::new(key.read()?)
                .map_err(|e| CliError::usage(e.to_string()))?
                .with_base_url(base)
                .launch_url(&vhost, token.expose_str().unwrap_or_default(), ts);
            if json {
                print_json(&json!({"url": url.as_str()}))
            } else {
                println!("{}", url.as_str())
            }
            Ok(())
        }
        TeapplixCommand::Verify { url, now, max_age, key, json } => {
            let v = LaunchVerifier::new(key.read()?)
                .map_err(|e| CliError::usage(e.to_string()))?
                .with_policy(partner_core::AcceptancePolicy::new(partner_core::Freshness::new(
                    Duration::from_secs(max_age),
                    partner_teapplix::DEFAULT_MAX_SKEW,
                )))
                .verify(&url, now_or(now))
                .accepted()
                .map_err(|e| refused(&e))?;
            if json {
                print_json(
                    &json!({"valid": true, "client_vhost": v.client_vhost.as_str(), "ts": v.ts.as_secs()}),
                )
            } else {
                println!("{} launch for {} signed at {}", green("valid"), v.client_vhost, v.ts);
            }
            Ok(())
        }
    }
}
