//! The per-provider tools: build, sign, verify, explain.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;
use partner_core::{HasErrorKind, Secret, UnixTime};
use serde_json::{Value, json};

use crate::output::{CliError, green, now_or, read_secret};

fn print_json(value: &Value) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// A refusal from a verifier: exit 1, with the kind and the reason.
fn refused(err: &(impl std::fmt::Display + HasErrorKind)) -> CliError {
    CliError::failed(format!("{} ({})", err, err.error_kind()))
}

/// OVHcloud tools.
#[derive(Subcommand)]
pub enum OvhCommand {
    /// Compute X-Ovh-Signature for a request.
    #[command(
        after_help = "Example:\n  OVH_APPLICATION_SECRET=... OVH_CONSUMER_KEY=... \\\n    partner ovhcloud sign --method GET --url https://eu.api.ovh.com/1.0/me --timestamp 1457018875 --explain"
    )]
    Sign {
        /// HTTP method.
        #[arg(long)]
        method: String,
        /// The absolute URL exactly as sent, query included.
        #[arg(long)]
        url: String,
        /// The body exactly as sent (default empty).
        #[arg(long, conflicts_with = "body_file")]
        body: Option<String>,
        /// Read the body from this file, byte for byte.
        #[arg(long)]
        body_file: Option<PathBuf>,
        /// Unix time signed (default now; mind the server's time delta).
        #[arg(long)]
        timestamp: Option<i64>,
        /// Environment variable of the application secret (default OVH_APPLICATION_SECRET).
        #[arg(long, value_name = "NAME")]
        app_secret_env: Option<String>,
        /// File of the application secret.
        #[arg(long, value_name = "PATH")]
        app_secret_file: Option<PathBuf>,
        /// Environment variable of the consumer key (default OVH_CONSUMER_KEY).
        #[arg(long, value_name = "NAME")]
        consumer_key_env: Option<String>,
        /// File of the consumer key.
        #[arg(long, value_name = "PATH")]
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
    let signature = partner_ovhcloud::sign(&app_secret, &consumer_key, &method, &url, &body, ts);
    let pre_image = format!(
        "[application secret, {} bytes]+[consumer key, {} bytes]+{}+{}+{}+{}",
        app_secret.len(),
        consumer_key.len(),
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

/// Blendr.io tools.
#[derive(Subcommand)]
pub enum BlendrCommand {
    /// Build a signed hash SSO link.
    #[command(
        after_help = "Example:\n  BLENDR_API_KEY=... partner blendr link --base-url https://acme.admin.blendr.io/sso \\\n    --param accountid=123 --param username='Jon Smith' --timestamp 1565706663"
    )]
    Link {
        /// The page URL in full, for example `https://acme.admin.blendr.io/sso`.
        #[arg(long)]
        base_url: String,
        /// A parameter as name=value, in order (accountid required).
        #[arg(long = "param", value_name = "NAME=VALUE", required = true)]
        params: Vec<String>,
        /// Unix time signed (default now).
        #[arg(long)]
        timestamp: Option<i64>,
        #[command(flatten)]
        key: ApiKey,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign an SSO JWT (HS256 with the API key); prints the token.
    #[command(
        after_help = "Example:\n  BLENDR_API_KEY=... partner blendr jwt --claims '{\"accountid\":123,\"api_key\":\"customer-key\"}'"
    )]
    Jwt {
        /// The claims as a JSON object (iat is set to now unless given).
        #[arg(long)]
        claims: String,
        /// Add exp = iat + this many seconds.
        #[arg(long)]
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
        input: String,
        /// Unix time to check against (default now).
        #[arg(long)]
        now: Option<i64>,
        /// Maximum age in seconds (default 300).
        #[arg(long, default_value_t = 300)]
        max_age: u64,
        /// Maximum future skew in seconds (default 60).
        #[arg(long, default_value_t = 60)]
        max_skew: u64,
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
    #[arg(long, value_name = "NAME")]
    api_key_env: Option<String>,
    /// File of the partner API key.
    #[arg(long, value_name = "PATH")]
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
        BlendrCommand::Link { base_url, params, timestamp, key, json } => {
            let pairs: Vec<(&str, &str)> = params
                .iter()
                .map(|p| {
                    p.split_once('=')
                        .ok_or_else(|| CliError::usage(format!("--param {p:?} is not name=value")))
                })
                .collect::<Result<_, _>>()?;
            let ts = UnixTime::from_secs(timestamp.unwrap_or_else(|| now_or(None).as_secs()));
            let link = HashLinkSigner::new(key.read()?)
                .link_to(&base_url, &pairs, ts)
                .map_err(|e| CliError::usage(e.to_string()))?;
            if json {
                print_json(&json!({"url": link.as_str()}))
            } else {
                println!("{}", link.as_str())
            }
            Ok(())
        }
        BlendrCommand::Jwt { claims, expires_in, key, json } => {
            let mut claims: serde_json::Map<String, Value> = match serde_json::from_str(&claims) {
                Ok(Value::Object(map)) => map,
                _ => return Err(CliError::usage("--claims must be a JSON object")),
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
                .sign_map(&claims)
                .map_err(|e| CliError::usage(e.to_string()))?;
            if json {
                print_json(&json!({"jwt": token}))
            } else {
                println!("{token}")
            }
            Ok(())
        }
        BlendrCommand::Verify { input, now, max_age, max_skew, key, json } => {
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
                    .with_window(age, skew)
                    .verify(&token, now)
                    .map_err(|e| refused(&e))?;
                if json {
                    print_json(&json!({"valid": true, "kind": "jwt", "claims": v.claims()}))
                } else {
                    println!("{} jwt for account {}", green("valid"), v.account_id);
                    print_json(&Value::Object(v.claims()));
                }
            } else {
                let v = HashVerifier::new(key)
                    .with_window(age, skew)
                    .verify_query(query, now)
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

/// Cloud 66 tools.
#[derive(Subcommand)]
pub enum Cloud66Command {
    /// Decode a multipass callback: the payload, or the precise reason it fails.
    #[command(
        after_help = "Example:\n  CLOUD66_PROVIDER_UID=... partner cloud66 decode --multipass XTqN... --signature f31d... --now 1432052648"
    )]
    Decode {
        /// The `multipass` parameter as received.
        #[arg(long)]
        multipass: String,
        /// The `signature` parameter as received (Cloud 66 scheme).
        #[arg(long)]
        signature: Option<String>,
        /// Unix time to check the expiry against (default now).
        #[arg(long)]
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
        after_help = "Example:\n  CLOUD66_PROVIDER_UID=... partner cloud66 encode --payload '{\"email\":\"a@b.co\",\"expires\":\"2030-01-01 00:00:00 UTC\"}'"
    )]
    Encode {
        /// The exact JSON text to encrypt.
        #[arg(long)]
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
    #[arg(long)]
    site_key: Option<String>,
    /// Environment variable of the provider UID (default CLOUD66_PROVIDER_UID) or, with --site-key, the API key (default CLOUD66_API_KEY).
    #[arg(long, value_name = "NAME")]
    key_env: Option<String>,
    /// File of the provider UID (or of the API key with --site-key).
    #[arg(long, value_name = "PATH")]
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
                Ok(MultipassKeys::entp(site, &api))
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
                .map_err(|e| refused(&e))?;
            if json {
                print_json(&json!({"valid": true, "payload": id.payload()}))
            } else {
                println!("{} multipass for {}", green("valid"), id.email().unwrap_or("(no email)"));
                print_json(&Value::Object(id.payload()));
            }
            Ok(())
        }
        Cloud66Command::Encode { payload, keys, json } => {
            if !serde_json::from_str::<Value>(&payload).is_ok_and(|v| v.is_object()) {
                return Err(CliError::usage("--payload must be a JSON object"));
            }
            let enc = keys.read()?.encode(payload.as_bytes());
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

/// Teapplix tools.
#[derive(Subcommand)]
pub enum TeapplixCommand {
    /// Build a signed Launch URL.
    #[command(
        after_help = "Example:\n  TEAPPLIX_SIGNATURE_KEY=... TEAPPLIX_ACCESS_TOKEN=... partner teapplix launch-url --vhost demo2 --ts 1483257600"
    )]
    LaunchUrl {
        /// The ClientVHOST from PSObtainToken.
        #[arg(long)]
        vhost: String,
        /// Environment variable of the access token (default TEAPPLIX_ACCESS_TOKEN).
        #[arg(long, value_name = "NAME")]
        access_token_env: Option<String>,
        /// File of the access token.
        #[arg(long, value_name = "PATH")]
        access_token_file: Option<PathBuf>,
        /// The app's base URL.
        #[arg(long, default_value = partner_teapplix::DEFAULT_APP_BASE_URL)]
        base_url: String,
        /// Unix time signed (default now).
        #[arg(long)]
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
        url: String,
        /// Unix time to check against (default now).
        #[arg(long)]
        now: Option<i64>,
        /// Maximum age in seconds (default 1800).
        #[arg(long, default_value_t = 1800)]
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
    #[arg(long, value_name = "NAME")]
    signature_key_env: Option<String>,
    /// File of the signature key.
    #[arg(long, value_name = "PATH")]
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
            let url = LaunchSigner::new(key.read()?).with_base_url(base).launch_url(
                &vhost,
                token.expose_str().unwrap_or_default(),
                ts,
            );
            if json {
                print_json(&json!({"url": url.as_str()}))
            } else {
                println!("{}", url.as_str())
            }
            Ok(())
        }
        TeapplixCommand::Verify { url, now, max_age, key, json } => {
            let v = LaunchVerifier::new(key.read()?)
                .with_window(Duration::from_secs(max_age), partner_teapplix::DEFAULT_MAX_SKEW)
                .verify_url(&url, now_or(now))
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

/// Cheetah tools.
#[derive(Subcommand)]
pub enum CheetahCommand {
    /// Read a member state as JSON (a file or stdin) and print the script.
    #[command(
        after_help = "Example:\n  echo '{\"access_token\":\"t\",\"refresh_token\":\"r\",\"sso_error\":\"\",\"short_name\":\"Susan\",\"full_name\":\"Susan Sample\"}' \\\n    | partner cheetah member-state --element --nonce abc123"
    )]
    MemberState {
        /// Read the state from this file (default stdin).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Wrap the script in a `<script>` element.
        #[arg(long)]
        element: bool,
        /// The CSP nonce of the `<script>` element.
        #[arg(long, requires = "element")]
        nonce: Option<String>,
    },
}

/// Runs a Cheetah tool.
pub fn cheetah(cmd: CheetahCommand) -> Result<(), CliError> {
    let CheetahCommand::MemberState { file, element, nonce } = cmd;
    let text = match file {
        Some(path) => std::fs::read_to_string(&path)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?,
        None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
            s
        }
    };
    let state: partner_cheetah::MemberState = serde_json::from_str(&text)
        .map_err(|_| CliError::usage("the state must be a JSON object with access_token, refresh_token, sso_error, short_name, full_name (and optionally stl_params_hash)"))?;
    if element {
        println!(
            "{}",
            state
                .to_script_element(nonce.as_deref())
                .map_err(|e| CliError::usage(e.to_string()))?
        );
    } else {
        println!("{}", state.to_script());
    }
    Ok(())
}
