//! What the load generator sends to each fake: the flows a real client runs
//! (tokens, codes, logins, signed calls), bad credentials, and every 200th
//! request a 1 MiB body to a route that must refuse it with 413.

use partner_core::{Clock, SystemClock, UnixTime};
use serde_json::Value;

use super::http::{Request, Response};

/// One task's sequence of requests for one fake.
pub trait Workload: Send {
    /// The `i`-th request of this task.
    fn next(&mut self, i: u64) -> Request;
    /// Sees the answer to the last request (to pick up codes and tokens).
    fn answer(&mut self, _request: &Request, _response: &Response) {}
}

/// Every this-many requests, one abusive 1 MiB body.
const ABUSE_EVERY: u64 = 200;
const MIB: usize = 1 << 20;

/// What a 1 MiB body may get: 413, or the connection closed before the
/// body was sent in full (status 0 in the report).
const REFUSED: &[u16] = &[413, 0];

fn abusive(i: u64) -> bool {
    i % ABUSE_EVERY == ABUSE_EVERY - 1
}

fn field<'a>(line: &'a Value, name: &str) -> Result<&'a str, String> {
    line.get(name).and_then(Value::as_str).ok_or_else(|| format!("the fake's line has no {name}"))
}

/// The path part of `url` (`http://127.0.0.1:1/1.0` -> `/1.0`).
fn path_of(url: &str) -> String {
    url.split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
        .unwrap_or_default()
}

fn now() -> UnixTime {
    SystemClock.unix_time()
}

fn json_field(response: &Response, name: &str) -> Option<String> {
    serde_json::from_slice::<Value>(&response.body).ok()?.get(name)?.as_str().map(str::to_owned)
}

fn basic(id: &str, secret: &str) -> String {
    use base64::Engine as _;
    let enc = |s: &str| -> String { form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    let pair = format!("{}:{}", enc(id), enc(secret));
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

/// The workload of `provider` for task number `task`, from the JSON line
/// `partner mock` prints.
pub fn for_provider(provider: &str, line: &Value, task: u64) -> Result<Box<dyn Workload>, String> {
    Ok(match provider {
        "ovhcloud" => Box::new(Ovh {
            prefix: path_of(field(line, "base_url")?),
            token_path: path_of(field(line, "token_url")?),
            application_key: field(line, "application_key")?.to_owned(),
            application_secret: partner_ovhcloud::ApplicationSecret::new(field(
                line,
                "application_secret",
            )?)
            .map_err(|e| e.to_string())?,
            host: super::loopback_addr(field(line, "base_url")?)?.to_string(),
            consumer_key: None,
            consent: None,
            authorized: false,
            basic: line
                .get("service_account")
                .map(|sa| {
                    Ok::<_, String>(basic(field(sa, "client_id")?, field(sa, "client_secret")?))
                })
                .transpose()?
                .ok_or("the OVHcloud fake has no service account")?,
            bearer: None,
        }),
        "cheetah" => Box::new(Cheetah {
            basic: basic(field(line, "client_id")?, field(line, "client_secret")?),
            token: None,
            task,
        }),
        "cloud66" => Box::new(Cloud66 {
            authorize: format!(
                "/oauth/authorize?{}",
                partner_core::encoding::form_encode([
                    ("client_id", field(line, "client_id")?),
                    ("redirect_uri", field(line, "redirect_uri")?),
                    ("response_type", "code"),
                    ("scope", "public"),
                ])
            ),
            redirect_uri: field(line, "redirect_uri")?.to_owned(),
            basic: basic(field(line, "client_id")?, field(line, "client_secret")?),
            code: None,
            token: None,
        }),
        "blendr" => Box::new(Blendr {
            signer: partner_blendr::HashLinkSigner::new(field(line, "api_key")?)
                .map_err(|e| e.to_string())?,
            api_prefix: path_of(field(line, "api_base_url")?),
            app_id: field(line, "app_id")?.to_owned(),
            api_key: field(line, "api_key")?.to_owned(),
            task,
        }),
        "teapplix" => {
            let pair =
                line.get("pairs").and_then(|p| p.get(0)).ok_or("the Teapplix fake has no pair")?;
            Box::new(Teapplix {
                api_token: field(line, "api_token")?.to_owned(),
                signer: partner_teapplix::LaunchSigner::new(field(line, "signature_key")?)
                    .map_err(|e| e.to_string())?,
                ps_client_id: field(pair, "ps_client_id")?.to_owned(),
                vhost: partner_teapplix::ClientVhost::new(field(pair, "client_vhost")?)
                    .map_err(|e| e.to_string())?,
                token: None,
            })
        }
        other => return Err(format!("no workload for {other}")),
    })
}

struct Ovh {
    prefix: String,
    token_path: String,
    application_key: String,
    application_secret: partner_ovhcloud::ApplicationSecret,
    /// `127.0.0.1:port`: the URL the fake checks signatures against is
    /// `http://<host><target>`.
    host: String,
    basic: String,
    bearer: Option<String>,
    /// This task's consumer key: requested, then authorized once on the
    /// consent page, then used for signed calls.
    consumer_key: Option<partner_ovhcloud::ConsumerKey>,
    consent: Option<String>,
    authorized: bool,
}

impl Ovh {
    fn signed_get(
        &self,
        kind: &'static str,
        path: &str,
        consumer_key: &partner_ovhcloud::ConsumerKey,
    ) -> Request {
        let target = format!("{}{path}", self.prefix);
        let url = format!("http://{}{target}", self.host);
        let ts = now().as_secs();
        let request = partner_ovhcloud::SignedRequest { method: "GET", url: &url, body: b"" };
        let signature = partner_ovhcloud::sign(
            &self.application_secret,
            consumer_key,
            &request,
            partner_core::UnixTime::from_secs(ts),
        );
        Request::get(kind, target, &[200])
            .header("x-ovh-application", self.application_key.clone())
            .header("x-ovh-consumer", consumer_key.expose_str().unwrap_or_default().to_owned())
            .header("x-ovh-timestamp", ts.to_string())
            .header("x-ovh-signature", signature)
    }
}

impl Workload for Ovh {
    fn next(&mut self, i: u64) -> Request {
        let credential = format!("{}/auth/credential", self.prefix);
        if abusive(i) {
            return Request::post(
                "abuse-1MiB",
                credential,
                "application/json",
                vec![b' '; MIB],
                REFUSED,
            )
            .header("x-ovh-application", self.application_key.clone());
        }
        if let Some(consent) = self.consent.take() {
            return Request::post(
                "consent",
                consent,
                "application/x-www-form-urlencoded",
                "action=authorize",
                &[200, 303],
            );
        }
        match (i % 6, &self.bearer) {
            (1, _) if self.authorized => match &self.consumer_key {
                Some(ck) => self.signed_get("signed-call", "/me", ck),
                None => Request::get("time", format!("{}/auth/time", self.prefix), &[200]),
            },
            (0, _) => Request::post(
                "credential-request",
                credential,
                "application/json",
                br#"{"accessRules":[{"method":"GET","path":"/me"}]}"#.to_vec(),
                &[200],
            )
            .header("x-ovh-application", self.application_key.clone()),
            (1, _) => Request::get("time", format!("{}/auth/time", self.prefix), &[200]),
            (2, _) | (3, None) => Request::post(
                "oauth2-token",
                self.token_path.clone(),
                "application/x-www-form-urlencoded",
                b"grant_type=client_credentials&scope=all".to_vec(),
                &[200],
            )
            .header("authorization", self.basic.clone()),
            (3, Some(bearer)) => Request::get("bearer-call", format!("{}/me", self.prefix), &[200])
                .header("authorization", format!("Bearer {bearer}")),
            (4, _) => Request::get("unsigned-call", format!("{}/me", self.prefix), &[401])
                .header("x-ovh-application", self.application_key.clone()),
            _ => Request::get("bad-bearer", format!("{}/me", self.prefix), &[401])
                .header("authorization", "Bearer not-a-token"),
        }
    }

    fn answer(&mut self, request: &Request, response: &Response) {
        match request.kind {
            "oauth2-token" => self.bearer = json_field(response, "access_token"),
            "credential-request" if self.consumer_key.is_none() => {
                let url = json_field(response, "validationUrl");
                self.consent = url
                    .as_deref()
                    .and_then(|u| u.split_once(&self.host))
                    .map(|(_, t)| t.to_owned());
                self.consumer_key = json_field(response, "consumerKey")
                    .and_then(|k| partner_ovhcloud::ConsumerKey::new(k).ok());
            }
            "consent" => self.authorized = response.status < 400,
            _ => {}
        }
    }
}

const STELLAR: &str = "application/vnd.stellar-v1+json";

struct Cheetah {
    basic: String,
    token: Option<String>,
    task: u64,
}

impl Workload for Cheetah {
    fn next(&mut self, i: u64) -> Request {
        let form = "application/x-www-form-urlencoded";
        if abusive(i) {
            return Request::post("abuse-1MiB", "/oauth/token", form, vec![b'a'; MIB], REFUSED)
                .header("accept", STELLAR);
        }
        // Members come from a bounded set of ids, so the member store stays
        // below its cap and later calls update instead of create.
        let member = (self.task * 7919 + i) % 20_000;
        match (i % 5, &self.token) {
            (0, _) | (1, None) => Request::post(
                "token",
                "/oauth/token",
                form,
                b"grant_type=client_credentials".to_vec(),
                &[200],
            )
            .header("accept", STELLAR)
            .header("authorization", self.basic.clone()),
            (1, Some(token)) => Request::post(
                "member-sso",
                "/program/api/sso",
                form,
                format!("access_token={token}&integration_id=m{member}&first_name=Ann&last_name=Lee&email=m{member}%40example.com"),
                &[200],
            )
            .header("accept", STELLAR),
            (2, _) => Request::get(
                "demo-page",
                format!("/demo?integration_id=m{member}&first_name=Ann&last_name=Lee&email=m{member}%40example.com"),
                &[200],
            ),
            (3, _) => Request::get("bad-bearer", "/api/member/profile", &[401])
                .header("accept", STELLAR)
                .header("authorization", "Bearer not-a-token"),
            _ => Request::post("bad-client", "/oauth/token", form, b"grant_type=client_credentials&client_id=x&client_secret=y".to_vec(), &[401])
                .header("accept", STELLAR),
        }
    }

    fn answer(&mut self, request: &Request, response: &Response) {
        if request.kind == "token" {
            self.token = json_field(response, "access_token");
        }
    }
}

struct Cloud66 {
    authorize: String,
    redirect_uri: String,
    basic: String,
    code: Option<String>,
    token: Option<String>,
}

impl Workload for Cloud66 {
    fn next(&mut self, i: u64) -> Request {
        let form = "application/x-www-form-urlencoded";
        if abusive(i) {
            return Request::post("abuse-1MiB", "/oauth/token", form, vec![b'a'; MIB], REFUSED);
        }
        if let Some(code) = self.code.take() {
            let body = partner_core::encoding::form_encode([
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", self.redirect_uri.as_str()),
            ]);
            return Request::post("token", "/oauth/token", form, body, &[200])
                .header("authorization", self.basic.clone());
        }
        // A request after an authorize is the code's exchange (above), so
        // the pattern runs authorize, token, api-call, bad-bearer, bad-code.
        match (i % 5, &self.token) {
            (0 | 1, _) | (2, None) => Request::get("authorize", self.authorize.clone(), &[302]),
            (2, Some(token)) => Request::get("api-call", "/api/3/stacks", &[200])
                .header("authorization", format!("Bearer {token}")),
            (3, _) => Request::get("bad-bearer", "/api/3/stacks", &[401])
                .header("authorization", "Bearer not-a-token"),
            _ => Request::post(
                "bad-code",
                "/oauth/token",
                form,
                "grant_type=authorization_code&code=nope",
                &[400],
            )
            .header("authorization", self.basic.clone()),
        }
    }

    fn answer(&mut self, request: &Request, response: &Response) {
        match request.kind {
            "authorize" => {
                self.code = response.location.as_deref().and_then(|l| l.split_once('?')).and_then(
                    |(_, q)| {
                        partner_core::encoding::form_decode(q)
                            .into_iter()
                            .find(|(k, _)| k == "code")
                            .map(|(_, v)| v)
                    },
                );
            }
            "token" => self.token = json_field(response, "access_token"),
            _ => {}
        }
    }
}

struct Blendr {
    signer: partner_blendr::HashLinkSigner,
    api_prefix: String,
    app_id: String,
    api_key: String,
    task: u64,
}

impl Workload for Blendr {
    fn next(&mut self, i: u64) -> Request {
        if abusive(i) {
            return Request::post(
                "abuse-1MiB",
                "/sso",
                "application/x-www-form-urlencoded",
                vec![b'a'; MIB],
                REFUSED,
            );
        }
        match i % 4 {
            0 | 1 => {
                // A bounded set of accounts; the user id makes every link unique.
                let account = format!("acct-{}", i % 1000);
                let user = format!("{}-{i}", self.task);
                match self.signer.signed_query(&[("accountid", &account), ("userid", &user)], now())
                {
                    // Past 100,000 logins within the 5-minute window the
                    // hub's replay guard is full: 503, never a replay.
                    Ok(query) => Request::get("hash-login", format!("/sso?{query}"), &[200, 503]),
                    Err(_) => Request::get("hash-login-unsigned", "/sso", &[403]),
                }
            }
            2 => Request::get("api-call", format!("{}/templates", self.api_prefix), &[200])
                .header("x-app-id", self.app_id.clone())
                .header("x-api-key", self.api_key.clone()),
            _ => Request::get("bad-hash", "/sso?accountid=1&timestamp=1&hash=00", &[403]),
        }
    }
}

struct Teapplix {
    api_token: String,
    signer: partner_teapplix::LaunchSigner,
    ps_client_id: String,
    vhost: partner_teapplix::ClientVhost,
    token: Option<String>,
}

impl Workload for Teapplix {
    fn next(&mut self, i: u64) -> Request {
        if abusive(i) {
            return Request::post(
                "abuse-1MiB",
                "/api2/Orders",
                "application/json",
                vec![b' '; MIB],
                REFUSED,
            )
            .header("apitoken", self.api_token.clone());
        }
        if let Some(token) = self.token.take() {
            let url = self.signer.launch_url(&self.vhost, &token, now());
            let target = url.as_str().split_once("teapplix.com").map_or("/", |(_, t)| t).to_owned();
            return Request::get("launch", target, &[200]);
        }
        match i % 3 {
            0 | 1 => Request::get(
                "obtain-token",
                format!("/api2/PSObtainToken?PSClientID={}", self.ps_client_id),
                &[200],
            )
            .header("apitoken", self.api_token.clone()),
            _ => Request::get(
                "bad-signature",
                format!(
                    "/h/{}/te/lo.cgi?Action=Launch&pt=x&ts=1&signature=00",
                    self.vhost.as_str()
                ),
                &[401, 403],
            ),
        }
    }

    fn answer(&mut self, request: &Request, response: &Response) {
        if request.kind == "obtain-token" {
            self.token = json_field(response, "AccessToken");
        }
    }
}
