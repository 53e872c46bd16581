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
    let signature = partner_ovhcloud::sign(&app_secret, &consumer_key, &method, &url, &body, ts)
        .map_err(|e| CliError::usage(e.to_string()))?;
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
                    .with_window(age, skew)
                    .verify(&token, now)
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
        #[arg(long, allow_hyphen_values = true)]
        file: Option<PathBuf>,
        /// Wrap the script in a `<script>` element.
        #[arg(long)]
        element: bool,
        /// The CSP nonce of the `<script>` element.
        #[arg(long, requires = "element", allow_hyphen_values = true)]
        nonce: Option<String>,
    },
}

/// The text of `path`, or of stdin for `-`.
fn read_text(path: &std::path::Path) -> Result<String, CliError> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))
}

/// Runs a Cheetah tool.
pub fn cheetah(cmd: CheetahCommand) -> Result<(), CliError> {
    let CheetahCommand::MemberState { file, element, nonce } = cmd;
    let text = read_text(file.as_deref().unwrap_or(std::path::Path::new("-")))?;
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
