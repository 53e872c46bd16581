//! `partner cloud66`: the Cloud 66 tools.
use partner_core::replay::AcceptVerified;
use std::path::PathBuf;

use clap::Subcommand;
use serde_json::{Value, json};

use super::{print_json, refused};
use crate::output::{CliError, green, now_or, read_secret};

/// Cloud 66 tools.
#[derive(Subcommand)]
pub enum Cloud66Command {
    /// Decode a multipass callback: the payload, or why it fails (with --site-key, the unsigned gem scheme, every decryption failure is one answer).
    #[command(
        after_help = "Examples:\n  partner cloud66 decode --multipass XTqN... --signature f31d... --now 1432052648\n  partner cloud66 decode --site-key my_site_key --key-file gem-api.key --multipass -2qC...\n\nThe provider UID comes from CLOUD66_PROVIDER_UID (with --site-key, the API key from\nCLOUD66_API_KEY) unless --key-file or --key-env names another place."
    )]
    Decode {
        /// The `multipass` parameter as received.
        #[arg(long, allow_hyphen_values = true)]
        multipass: String,
        /// The `signature` parameter as received (Cloud 66 scheme).
        #[arg(long, allow_hyphen_values = true)]
        signature: Option<String>,
        /// Unix time to check the expiry against (default now).
        #[arg(long, allow_hyphen_values = true)]
        now: Option<i64>,
        /// Accept a multipass without `expires`.
        #[arg(long)]
        allow_missing_expiry: bool,
        #[command(flatten)]
        keys: Cloud66Keys,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Encode a multipass (for tests): a JSON payload, or an identity.
    #[command(
        after_help = "Example:\n  partner cloud66 encode --key-file provider-uid.secret --payload '{\"email\":\"a@b.co\",\"expires\":\"2030-01-01 00:00:00 UTC\"}'"
    )]
    Encode {
        /// The exact JSON text to encrypt.
        #[arg(long, allow_hyphen_values = true)]
        payload: String,
        #[command(flatten)]
        keys: Cloud66Keys,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The multipass keys: the Cloud 66 provider UID, or the gem's site key + API key.
#[derive(Debug, Clone, clap::Args)]
pub struct Cloud66Keys {
    /// Use the Ruby gem's scheme with this site key (its API key from --api-key-env / CLOUD66_API_KEY).
    #[arg(long, allow_hyphen_values = true)]
    site_key: Option<String>,
    /// Environment variable of the provider UID (default CLOUD66_PROVIDER_UID) or, with --site-key, the API key (default CLOUD66_API_KEY).
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    key_env: Option<String>,
    /// File of the provider UID (or of the API key with --site-key).
    #[arg(long, value_name = "PATH", allow_hyphen_values = true)]
    key_file: Option<PathBuf>,
}

impl Cloud66Keys {
    fn read(&self) -> Result<partner_cloud66::MultipassKeys, CliError> {
        use partner_cloud66::MultipassKeys;
        match &self.site_key {
            Some(site) => {
                let api = read_secret(
                    self.key_file.as_ref(),
                    self.key_env.as_deref(),
                    "CLOUD66_API_KEY",
                    "API key",
                )?;
                MultipassKeys::entp(site, &api).map_err(|e| CliError::usage(e.to_string()))
            }
            None => {
                let uid = read_secret(
                    self.key_file.as_ref(),
                    self.key_env.as_deref(),
                    "CLOUD66_PROVIDER_UID",
                    "provider UID",
                )?;
                MultipassKeys::cloud66(uid.expose_str().unwrap_or_default())
                    .map_err(|e| CliError::usage(e.to_string()))
            }
        }
    }
}

/// Runs a Cloud 66 tool.
pub fn cloud66(cmd: Cloud66Command) -> Result<(), CliError> {
    match cmd {
        Cloud66Command::Decode { multipass, signature, now, allow_missing_expiry, keys, json } => {
            let verifier = partner_cloud66::MultipassVerifier::new(keys.read()?)
                .allow_missing_expiry(allow_missing_expiry);
            let id = verifier
                .verify(&multipass, signature.as_deref(), now_or(now))
                .accepted()
                .map_err(|e| refused(&e))?;
            if json {
                print_json(&json!({"valid": true, "payload": id.payload()}))
            } else {
                println!("{} multipass for {}", green("valid"), id.email().unwrap_or("(no email)"));
                print_json(&Value::Object(id.into_payload()));
            }
            Ok(())
        }
        Cloud66Command::Encode { payload, keys, json } => {
            if !serde_json::from_str::<Value>(&payload).is_ok_and(|v| v.is_object()) {
                return Err(CliError::usage("--payload must be a JSON object"));
            }
            let enc = partner_cloud66::MultipassSigner::new(keys.read()?).sign(payload.as_bytes());
            if json {
                print_json(&json!({"multipass": enc.multipass, "signature": enc.signature}))
            } else {
                println!("multipass  {}", enc.multipass);
                if let Some(sig) = enc.signature {
                    println!("signature  {sig}");
                }
            }
            Ok(())
        }
    }
}
