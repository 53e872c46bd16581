//! `partner blendr`: the Blendr.io tools.
use partner_core::replay::AcceptVerified;
use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;
use partner_core::{Secret, UnixTime};
use serde_json::{Value, json};

use super::{print_json, read_text, refused};
use crate::output::{CliError, green, now_or, read_secret};

/// Blendr.io tools.
#[derive(Subcommand)]
pub enum BlendrCommand {
    /// Build a signed hash SSO link.
    #[command(
        after_help = "Example:\n  partner blendr link --api-key-file blendr.key --base-url https://acme.admin.blendr.io/sso \\\n    --param accountid=123 --param username='Jon Smith' --param plan=gold --allow-param plan\n\nA hash link carries the documented parameters (accountid, accountname, userid, username,\nuseremail) and only the extra names declared non-secret with --allow-param. Credentials\nnever go in a plain link: put them in a JWT (partner blendr jwt)."
    )]
    Link {
        /// The page URL in full, for example `https://acme.admin.blendr.io/sso`.
        #[arg(long, allow_hyphen_values = true)]
        base_url: String,
        /// A parameter as name=value, in order (accountid required).
        #[arg(
            long = "param",
            value_name = "NAME=VALUE",
            required = true,
            allow_hyphen_values = true
        )]
        params: Vec<String>,
        /// Declare NAME a non-secret extra parameter (the documented names need no declaration).
        #[arg(long = "allow-param", value_name = "NAME", allow_hyphen_values = true)]
        allow_params: Vec<String>,
        /// Unix time signed (default now).
        #[arg(long, allow_hyphen_values = true)]
        timestamp: Option<i64>,
        #[command(flatten)]
        key: ApiKey,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign an SSO JWT (HS256 with the API key); prints the token.
    #[command(
        after_help = "Example:\n  partner blendr jwt --api-key-file blendr.key --claims-file claims.json\n\nclaims.json holds the claims as one JSON object, for example the account and user\nand any credentials for the integration. Claims may carry credentials, so they are\nread from a file (or stdin with -), never from the command line."
    )]
    Jwt {
        /// File of the claims as one JSON object (- for stdin); iat is set to now unless given.
        #[arg(long, value_name = "PATH", allow_hyphen_values = true)]
        claims_file: PathBuf,
        /// Add exp = iat + this many seconds.
        #[arg(long, allow_hyphen_values = true)]
        expires_in: Option<u64>,
        #[command(flatten)]
        key: ApiKey,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify a hash link (URL or query) or a JWT (token or URL with jwt=).
    #[command(
        after_help = "Examples:\n  partner blendr verify 'https://acme.admin.blendr.io/sso?accountid=1&timestamp=1700000000&hash=...'\n  partner blendr verify eyJhbGciOi... --now 1700000000"
    )]
    Verify {
        /// A URL, a raw query string, or a JWT.
        #[arg(allow_hyphen_values = true)]
        input: String,
        /// Unix time to check against (default now).
        #[arg(long, allow_hyphen_values = true)]
        now: Option<i64>,
        /// Maximum age in seconds (default 300).
        #[arg(long, default_value_t = 300, allow_hyphen_values = true)]
        max_age: u64,
        /// Maximum future skew in seconds (default 60).
        #[arg(long, default_value_t = 60, allow_hyphen_values = true)]
        max_skew: u64,
        /// Accept NAME as a declared non-secret extra parameter of a hash link.
        #[arg(long = "allow-param", value_name = "NAME", allow_hyphen_values = true)]
        allow_params: Vec<String>,
        #[command(flatten)]
        key: ApiKey,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Where the Blendr API key comes from.
#[derive(Debug, Clone, clap::Args)]
pub struct ApiKey {
    /// Environment variable of the partner API key (default BLENDR_API_KEY).
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    api_key_env: Option<String>,
    /// File of the partner API key.
    #[arg(long, value_name = "PATH", allow_hyphen_values = true)]
    api_key_file: Option<PathBuf>,
}

impl ApiKey {
    fn read(&self) -> Result<Secret, CliError> {
        read_secret(
            self.api_key_file.as_ref(),
            self.api_key_env.as_deref(),
            "BLENDR_API_KEY",
            "Blendr API key",
        )
    }
}

/// Runs a Blendr tool.
pub fn blendr(cmd: BlendrCommand) -> Result<(), CliError> {
    use partner_blendr::{HashLinkSigner, HashVerifier, JwtVerifier};
    match cmd {
        BlendrCommand::Link { base_url, params, allow_params, timestamp, key, json } => {
            let pairs: Vec<(&str, &str)> = params
                .iter()
                .map(|p| {
                    p.split_once('=')
                        .ok_or_else(|| CliError::usage(format!("--param {p:?} is not name=value")))
                })
                .collect::<Result<_, _>>()?;
            let ts = UnixTime::from_secs(timestamp.unwrap_or_else(|| now_or(None).as_secs()));
            let link = HashLinkSigner::new(key.read()?)
                .map(|signer| signer.allow_params(allow_params))
                .and_then(|signer| signer.link_to(&base_url, &pairs, ts))
                .map_err(|e| match e {
                    partner_blendr::Error::UndeclaredParameter => CliError::usage(format!(
                        "{e} (declare a non-secret name with --allow-param NAME)"
                    )),
                    e => CliError::usage(e.to_string()),
                })?;
            if json {
                print_json(&json!({"url": link.as_str()}))
            } else {
                println!("{}", link.as_str())
            }
            Ok(())
        }
        BlendrCommand::Jwt { claims_file, expires_in, key, json } => {
            let text = read_text(&claims_file)?;
            let mut claims: serde_json::Map<String, Value> = match serde_json::from_str(&text) {
                Ok(Value::Object(map)) => map,
                _ => return Err(CliError::usage("the claims must be one JSON object")),
            };
            let iat =
                claims.get("iat").and_then(Value::as_i64).unwrap_or_else(|| now_or(None).as_secs());
            claims.insert("iat".into(), json!(iat));
            if let Some(secs) = expires_in {
                claims.insert(
                    "exp".into(),
                    json!(iat.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX))),
                );
            }
            let token = partner_blendr::JwtSigner::new(key.read()?)
                .and_then(|signer| signer.sign_map(&claims))
                .map_err(|e| CliError::usage(e.to_string()))?;
            if json {
                print_json(&json!({"jwt": token}))
            } else {
                println!("{token}")
            }
            Ok(())
        }
        BlendrCommand::Verify { input, now, max_age, max_skew, allow_params, key, json } => {
            let key = key.read()?;
            let now = now_or(now);
            let (age, skew) = (Duration::from_secs(max_age), Duration::from_secs(max_skew));
            let query = input.split_once('?').map_or(input.as_str(), |(_, q)| q);
            let query = query.split_once('#').map_or(query, |(q, _)| q);
            let jwt = partner_core::encoding::raw_pairs(query)
                .find(|p| p.name == "jwt")
                .map(|p| p.value.into_owned());
            let looks_like_jwt =
                !input.contains(['=', '&', '?']) && input.matches('.').count() == 2;
            if let Some(token) = jwt.or_else(|| looks_like_jwt.then(|| input.clone())) {
                let v = JwtVerifier::new(key)
                    .map_err(|e| CliError::usage(e.to_string()))?
                    .with_policy(partner_core::AcceptancePolicy::new(partner_core::Freshness::new(
                        age, skew,
                    )))
                    .verify(&token, now)
                    .accepted()
                    .map_err(|e| refused(&e))?;
                if json {
                    print_json(&json!({"valid": true, "kind": "jwt", "claims": v.claims()}))
                } else {
                    println!("{} jwt for account {}", green("valid"), v.account_id);
                    print_json(&Value::Object(v.into_claims()));
                }
            } else {
                let v = HashVerifier::new(key)
                    .map_err(|e| CliError::usage(e.to_string()))?
                    .allow_params(allow_params)
                    .with_policy(partner_core::AcceptancePolicy::new(partner_core::Freshness::new(
                        age, skew,
                    )))
                    .verify(query, now)
                    .accepted()
                    .map_err(|e| refused(&e))?;
                let params: Vec<Value> = v.params().map(|(k, v)| json!([k, v])).collect();
                if json {
                    print_json(&json!({"valid": true, "kind": "hash", "params": params}))
                } else {
                    println!("{} hash link for account {}", green("valid"), v.account_id());
                    for (k, val) in v.params() {
                        println!("  {k:<14} {val}");
                    }
                }
            }
            Ok(())
        }
    }
}
