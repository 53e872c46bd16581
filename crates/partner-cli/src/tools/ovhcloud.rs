//! `partner ovhcloud`: the OVHcloud tools.
use std::path::PathBuf;

use clap::Subcommand;
use partner_core::UnixTime;
use serde_json::json;

use super::print_json;
use crate::output::{CliError, green, now_or, read_secret};

/// OVHcloud tools.
#[derive(Subcommand)]
pub enum OvhCommand {
    /// Compute X-Ovh-Signature for a request.
    #[command(
        after_help = "Example:\n  partner ovhcloud sign --app-secret-file ovh-app.secret --consumer-key-file ovh-ck.secret \\\n    --method GET --url https://eu.api.ovh.com/1.0/me --timestamp 1457018875 --explain\n\nThe secrets come from OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY unless a file or another variable is named."
    )]
    Sign {
        /// HTTP method.
        #[arg(long, allow_hyphen_values = true)]
        method: String,
        /// The absolute URL exactly as sent, query included.
        #[arg(long, allow_hyphen_values = true)]
        url: String,
        /// The body exactly as sent (default empty).
        #[arg(long, conflicts_with = "body_file", allow_hyphen_values = true)]
        body: Option<String>,
        /// Read the body from this file, byte for byte.
        #[arg(long, allow_hyphen_values = true)]
        body_file: Option<PathBuf>,
        /// Unix time signed (default now; mind the server's time delta).
        #[arg(long, allow_hyphen_values = true)]
        timestamp: Option<i64>,
        /// Environment variable of the application secret (default OVH_APPLICATION_SECRET).
        #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
        app_secret_env: Option<String>,
        /// File of the application secret.
        #[arg(long, value_name = "PATH", allow_hyphen_values = true)]
        app_secret_file: Option<PathBuf>,
        /// Environment variable of the consumer key (default OVH_CONSUMER_KEY).
        #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
        consumer_key_env: Option<String>,
        /// File of the consumer key.
        #[arg(long, value_name = "PATH", allow_hyphen_values = true)]
        consumer_key_file: Option<PathBuf>,
        /// Print the pre-image (secrets redacted) and the headers to send.
        #[arg(long)]
        explain: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an OVHcloud tool.
pub fn ovhcloud(cmd: OvhCommand) -> Result<(), CliError> {
    let OvhCommand::Sign {
        method,
        url,
        body,
        body_file,
        timestamp,
        app_secret_env,
        app_secret_file,
        consumer_key_env,
        consumer_key_file,
        explain,
        json,
    } = cmd;
    let app_secret = read_secret(
        app_secret_file.as_ref(),
        app_secret_env.as_deref(),
        "OVH_APPLICATION_SECRET",
        "application secret",
    )?;
    let consumer_key = read_secret(
        consumer_key_file.as_ref(),
        consumer_key_env.as_deref(),
        "OVH_CONSUMER_KEY",
        "consumer key",
    )?;
    let body: Vec<u8> = match body_file {
        Some(path) => std::fs::read(&path)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?,
        None => body.unwrap_or_default().into_bytes(),
    };
    if url::Url::parse(&url).is_err() {
        return Err(CliError::usage("--url must be the absolute URL exactly as sent"));
    }
    let ts = timestamp.unwrap_or_else(|| now_or(None).as_secs());
    let (secret_len, key_len) = (app_secret.len(), consumer_key.len());
    let app_secret = partner_ovhcloud::ApplicationSecret::new(app_secret)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let consumer_key = partner_ovhcloud::ConsumerKey::new(consumer_key)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let request = partner_ovhcloud::SignedRequest { method: &method, url: &url, body: &body };
    let signature =
        partner_ovhcloud::sign(&app_secret, &consumer_key, &request, UnixTime::from_secs(ts));
    let pre_image = format!(
        "[application secret, {} bytes]+[consumer key, {} bytes]+{}+{}+{}+{}",
        secret_len,
        key_len,
        method.to_ascii_uppercase(),
        url,
        String::from_utf8_lossy(&body),
        ts
    );
    if json {
        let mut out = json!({"signature": signature, "timestamp": ts});
        if explain {
            out["pre_image"] = json!(pre_image);
        }
        print_json(&out);
    } else if explain {
        println!("pre-image  {pre_image}");
        println!(
            "           (SHA-1 of these fields joined by '+'; the URL and body must be the exact bytes sent)"
        );
        println!("X-Ovh-Timestamp  {ts}");
        println!("X-Ovh-Signature  {}", green(&signature));
    } else {
        println!("{signature}");
    }
    Ok(())
}
