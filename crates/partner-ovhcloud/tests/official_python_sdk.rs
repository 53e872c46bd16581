//! The fake against the official OVHcloud Python SDK (python-ovh, installed
//! by `.ci/run` with `pip install ovh`): delegation, a signed GET, a signed
//! POST with a non-ASCII body, and a refused call, all from the SDK.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use partner_ovhcloud::fake::{DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh};

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
urllib.request.urlopen(asked["validationUrl"]).read()  # the customer's consent
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_ovh_sdk_runs_the_whole_flow_against_the_fake() {
    let fake = FakeOvh::builder().start(0).await.unwrap();
    let endpoint = fake.endpoint_url();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg("-c")
            .arg(SCRIPT)
            .args([endpoint.as_str(), DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET])
            .output()
            .expect("python3 is installed")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python-ovh failed (is `pip install ovh` done? .ci/run does it): {stderr}"
    );
    let out: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(out["me"]["nichandle"], "xx1234-ovh");
    assert_eq!(out["record"]["subDomain"], "zoë");
    assert_eq!(out["ids"], serde_json::json!([out["record"]["id"]]));
    assert_eq!(out["refused"], "NotGrantedCall");
    assert_eq!(fake.time_requests(), 1, "the SDK fetched the time once");
}
