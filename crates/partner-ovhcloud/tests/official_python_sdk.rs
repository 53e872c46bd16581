//! The fake against the official OVHcloud Python SDK (python-ovh, installed
//! by `.ci/run` with `pip install ovh==1.2.0`): delegation, a signed GET, a
//! signed POST with a non-ASCII body, a refused call, currentCredential
//! and logout with a narrow key, and a service account (OAuth2 client
//! credentials through requests-oauthlib), all from the SDK.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use partner_ovhcloud::fake::{DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh};
use serde_json::Value;

const SCRIPT: &str = r#"
import json, sys, urllib.request
import ovh, ovh.client
endpoint, ak, as_ = sys.argv[1], sys.argv[2], sys.argv[3]
ovh.client.ENDPOINTS["fake"] = endpoint  # the SDK only takes named endpoints
client = ovh.Client(endpoint="fake", application_key=ak, application_secret=as_, consumer_key="none")
req = client.new_consumer_key_request()
req.add_rules(ovh.API_READ_ONLY, "/me")
req.add_recursive_rules(ovh.API_READ_WRITE, "/domain/zone/example.com")
asked = req.request()
# The customer's consent: the validation page's form, posted without a browser.
urllib.request.urlopen(urllib.request.Request(asked["validationUrl"], data=b"action=authorize")).read()
client = ovh.Client(endpoint="fake", application_key=ak, application_secret=as_, consumer_key=asked["consumerKey"])
out = {"me": client.get("/me")}
out["record"] = client.post("/domain/zone/example.com/record", fieldType="TXT", subDomain="zoë", target="v=1")
out["ids"] = client.get("/domain/zone/example.com/record", subDomain="zoë")
try:
    client.get("/domain/zone")
    out["refused"] = None
except ovh.exceptions.NotGrantedCall as e:
    out["refused"] = "NotGrantedCall"
print(json.dumps(out))
"#;

/// python-ovh's own helper `request_consumerkey` for a key granted only
/// `GET /me`, validated, then currentCredential and logout.
const NARROW_KEY_SCRIPT: &str = r#"
import json, sys, urllib.request
import ovh, ovh.client
endpoint, ak, as_ = sys.argv[1], sys.argv[2], sys.argv[3]
ovh.client.ENDPOINTS["fake"] = endpoint
client = ovh.Client(endpoint="fake", application_key=ak, application_secret=as_)
asked = client.request_consumerkey([{"method": "GET", "path": "/me"}])  # keeps the key
page = urllib.request.urlopen(asked["validationUrl"]).read().decode()
out = {"page": page}
urllib.request.urlopen(urllib.request.Request(asked["validationUrl"], data=b"action=authorize")).read()
out["credential"] = client.get("/auth/currentCredential")
out["logout"] = client.post("/auth/logout")
try:
    client.get("/me")
    out["after"] = None
except ovh.exceptions.NotCredential:
    out["after"] = "NotCredential"
print(json.dumps(out))
"#;

/// python-ovh with a service account: requests-oauthlib fetches a token
/// (HTTP Basic client authentication, scope `all`) and sends it as bearer.
const OAUTH2_SCRIPT: &str = r#"
import json, os, sys
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # the fake is plain http on loopback
import ovh, ovh.client
endpoint, token_url, client_id, client_secret = sys.argv[1:5]
ovh.client.ENDPOINTS["fake"] = endpoint
ovh.client.OAUTH2_TOKEN_URLS["fake"] = token_url
client = ovh.Client(endpoint="fake", client_id=client_id, client_secret=client_secret)
out = {"me": client.get("/me"), "zones": client.get("/domain/zone")}
bad = ovh.Client(endpoint="fake", client_id=client_id, client_secret="wrong")
try:
    bad.get("/me")
    out["bad"] = None
except ovh.exceptions.OAuth2FailureError as e:
    out["bad"] = str(e)
print(json.dumps(out))
"#;

async fn python(script: &'static str, args: Vec<String>) -> Value {
    let output = tokio::task::spawn_blocking(move || {
        // `cargo xtask test` points this at the interpreter of the virtual
        // environment it provisioned (under target/).
        let python = std::env::var_os("PARTNER_PYTHON").unwrap_or_else(|| "python3".into());
        std::process::Command::new(python)
            .arg("-c")
            .arg(script)
            .args(&args)
            .output()
            .expect("python3 is installed")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python-ovh failed (run `cargo xtask test`, which provisions it): {stderr}"
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn app_args(endpoint: String) -> Vec<String> {
    vec![endpoint, DEFAULT_APPLICATION_KEY.to_owned(), DEFAULT_APPLICATION_SECRET.to_owned()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs python-ovh: run cargo xtask test"]
async fn python_ovh_sdk_runs_the_whole_flow_against_the_fake() {
    let fake = FakeOvh::builder().start(0).await.unwrap();
    let out = python(SCRIPT, app_args(fake.base_url())).await;
    assert_eq!(out["me"]["nichandle"], "xx1234-ovh");
    assert_eq!(out["record"]["subDomain"], "zoë");
    assert_eq!(out["ids"], serde_json::json!([out["record"]["id"]]));
    assert_eq!(out["refused"], "NotGrantedCall");
    assert_eq!(fake.time_requests(), 1, "the SDK fetched the time once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs python-ovh: run cargo xtask test"]
async fn python_ovh_reads_its_credential_and_logs_out_with_a_narrow_key() {
    let fake = FakeOvh::builder().start(0).await.unwrap();
    let out = python(NARROW_KEY_SCRIPT, app_args(fake.base_url())).await;
    let page = out["page"].as_str().unwrap();
    assert!(page.contains(r#"<form method="post""#), "{page}");
    assert!(page.contains("<code>GET</code> <code>/me</code>"), "{page}");
    let credential = &out["credential"];
    assert_eq!(credential["status"], "validated");
    assert_eq!(credential["rules"], serde_json::json!([{"method": "GET", "path": "/me"}]));
    assert_eq!(credential["expiration"], Value::Null, "unlimited validity");
    assert_eq!(out["logout"], Value::Null);
    assert_eq!(out["after"], "NotCredential", "the key is gone after logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs python-ovh: run cargo xtask test"]
async fn python_ovh_service_account_gets_and_uses_a_token() {
    let fake =
        FakeOvh::builder().service_account("sa-python", "sa-python-secret").start(0).await.unwrap();
    let args = vec![
        fake.base_url(),
        fake.token_url(),
        "sa-python".to_owned(),
        "sa-python-secret".to_owned(),
    ];
    let out = python(OAUTH2_SCRIPT, args).await;
    assert_eq!(out["me"]["nichandle"], "xx1234-ovh");
    assert_eq!(out["zones"], serde_json::json!(["example.com"]));
    let bad = out["bad"].as_str().unwrap();
    assert!(bad.contains("invalid_client"), "{bad}");
    assert!(!bad.contains("wrong"), "the secret is not echoed: {bad}");
    assert_eq!(fake.time_requests(), 0, "bearer calls are not signed");
}
