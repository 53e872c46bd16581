//! The `partner` binary, run as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn partner(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner"));
    cmd.args(args).env_remove("OVH_APPLICATION_SECRET").env_remove("BLENDR_API_KEY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn demo_passes_every_step() {
    let o = partner(&["demo", "--json"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["failed"], 0);
    let steps = report["steps"].as_array().unwrap();
    assert!(steps.len() >= 30, "{}", steps.len());
    for provider in ["ovhcloud", "cloud66", "blendr", "cheetah", "teapplix"] {
        assert!(steps.iter().any(|s| s["provider"] == provider), "{provider}");
    }
    let text = partner(&["demo", "--provider", "teapplix"], &[]);
    assert!(text.status.success());
    let out = stdout(&text);
    assert!(out.contains("the same token is refused a second time"), "{out}");
    assert!(
        out.trim_end().lines().last().unwrap().starts_with("5 steps, 5 passed, 0 failed"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "no colour when stdout is not a terminal");
}

const AS: &str = "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk";
const CK: &str = "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY";

#[test]
fn ovhcloud_sign_matches_the_official_vector_and_explains_without_secrets() {
    let env = [("OVH_APPLICATION_SECRET", AS), ("MY_CK", CK)];
    let args = [
        "ovhcloud",
        "sign",
        "--method",
        "GET",
        "--url",
        "https://eu.api.ovh.com/1.0/auth",
        "--timestamp",
        "1457018875",
        "--consumer-key-env",
        "MY_CK",
    ];
    let o = partner(&args, &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "$1$e9556054b6309771395efa467c22e627407461ad");
    let mut explain = args.to_vec();
    explain.push("--explain");
    let o = partner(&explain, &env);
    let out = stdout(&o);
    assert!(out.contains("[application secret, 32 bytes]+[consumer key, 32 bytes]+GET+https://eu.api.ovh.com/1.0/auth++1457018875"), "{out}");
    assert!(!out.contains(AS) && !out.contains(CK));
    // From a file, too.
    let dir = std::env::temp_dir().join(format!("partner-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("as");
    std::fs::write(&file, format!("{AS}\n")).unwrap();
    let mut from_file = args.to_vec();
    from_file.extend(["--app-secret-file", file.to_str().unwrap()]);
    let o = partner(&from_file, &[("MY_CK", CK)]);
    assert_eq!(stdout(&o).trim(), "$1$e9556054b6309771395efa467c22e627407461ad");
}

#[test]
fn missing_secret_and_bad_usage_exit_2_with_one_line() {
    let o = partner(&["ovhcloud", "sign", "--method", "GET", "--url", "https://x/1.0/me"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no application secret: set OVH_APPLICATION_SECRET"), "{err}");
    assert_eq!(partner(&["demo", "--provider", "nope"], &[]).status.code(), Some(2));
    assert_eq!(partner(&["no-such-command"], &[]).status.code(), Some(2));
    let help = partner(&["blendr", "verify", "--help"], &[]);
    assert!(stdout(&help).contains("Examples:"));
}

#[test]
fn blendr_link_and_jwt_round_trip_through_verify() {
    let env = [("BLENDR_API_KEY", "saaspartner_api_key")];
    let o = partner(
        &[
            "blendr",
            "link",
            "--base-url",
            "https://acme.admin.blendr.io/sso",
            "--param",
            "accountid=123",
            "--param",
            "accountname=ACME",
            "--param",
            "userid=456",
            "--timestamp",
            "1565706663",
        ],
        &env,
    );
    let url = stdout(&o).trim().to_owned();
    // FORMAT.md's public sso-link vector (Python hmac).
    assert_eq!(
        url,
        "https://acme.admin.blendr.io/sso?accountid=123&accountname=ACME&userid=456&timestamp=1565706663&hash=5d1a343a38c2fa4d577dd06e0e969445d2d6fa16355e8bccf37d5ad478d45557"
    );
    let v = partner(&["blendr", "verify", &url, "--now", "1565706700", "--json"], &env);
    assert!(v.status.success(), "{}", stderr(&v));
    let out: Value = serde_json::from_str(&stdout(&v)).unwrap();
    assert_eq!(out["params"][0], serde_json::json!(["accountid", "123"]));
    let tampered = partner(
        &["blendr", "verify", &url.replace("userid=456", "userid=457"), "--now", "1565706700"],
        &env,
    );
    assert_eq!(tampered.status.code(), Some(1));
    assert!(stderr(&tampered).contains("(bad-signature)"));
    let late = partner(&["blendr", "verify", &url, "--now", "1565716663"], &env);
    assert!(stderr(&late).contains("(expired)"));

    let t = partner(
        &["blendr", "jwt", "--claims", r#"{"accountid":123,"api_key":"k","iat":1700000000}"#],
        &env,
    );
    let token = stdout(&t).trim().to_owned();
    let v = partner(&["blendr", "verify", &token, "--now", "1700000010", "--json"], &env);
    assert!(v.status.success(), "{}", stderr(&v));
    let out: Value = serde_json::from_str(&stdout(&v)).unwrap();
    assert_eq!(out["claims"]["api_key"], "k");
}

#[test]
fn cloud66_encode_decode_round_trip_and_precise_failure() {
    let env = [("CLOUD66_PROVIDER_UID", "3f7a1c9e5b2d4f6081a2c3e4f5061728")];
    let payload =
        r#"{"email":"jon@smith.com","name":"Jon Smith","expires":"2015-05-19 16:24:48 UTC"}"#;
    let o = partner(&["cloud66", "encode", "--payload", payload, "--json"], &env);
    let enc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    // The public multipass-encode vector (pyca/cryptography).
    assert_eq!(
        enc["signature"],
        "f31da48b4f993656eebf41d12127524e87732372582f85f81a20d69d451ec990"
    );
    let mp = enc["multipass"].as_str().unwrap();
    let d = partner(
        &[
            "cloud66",
            "decode",
            "--multipass",
            mp,
            "--signature",
            enc["signature"].as_str().unwrap(),
            "--now",
            "1432052648",
            "--json",
        ],
        &env,
    );
    assert!(d.status.success(), "{}", stderr(&d));
    let dec: Value = serde_json::from_str(&stdout(&d)).unwrap();
    assert_eq!(dec["payload"]["name"], "Jon Smith");
    let bad = partner(
        &["cloud66", "decode", "--multipass", mp, "--signature", "00", "--now", "1432052648"],
        &env,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        stderr(&bad).trim(),
        "error: multipass signature or decryption failed (bad-signature)"
    );
    let late = partner(
        &[
            "cloud66",
            "decode",
            "--multipass",
            mp,
            "--signature",
            enc["signature"].as_str().unwrap(),
            "--now",
            "1432059999",
        ],
        &env,
    );
    assert!(stderr(&late).contains("(expired)"));
}

#[test]
fn teapplix_launch_url_round_trip() {
    let env =
        [("TEAPPLIX_SIGNATURE_KEY", "Signature Key"), ("TEAPPLIX_ACCESS_TOKEN", "AccessToken")];
    let o = partner(&["teapplix", "launch-url", "--vhost", "demo2", "--ts", "1483257600"], &env);
    let url = stdout(&o).trim().to_owned();
    // FORMAT.md's public launch-url vector (Python hmac).
    assert_eq!(
        url,
        "https://app.teapplix.com/h/demo2/te/lo.cgi?Action=Launch&pt=AccessToken&ts=1483257600&signature=9991b1c9984c8b2b4495b6a09ce35bec09af044cc653486a8a4421bc9493a205"
    );
    let v = partner(&["teapplix", "verify", &url, "--now", "1483257700"], &env);
    assert!(v.status.success(), "{}", stderr(&v));
    assert!(stdout(&v).contains("launch for demo2"));
    let bad = partner(&["teapplix", "launch-url", "--vhost", "../admin"], &env);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn cheetah_member_state_from_stdin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_partner"))
        .args(["cheetah", "member-state", "--element", "--nonce", "n0nce"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"access_token":"t","refresh_token":"r","sso_error":"","short_name":"</script>","full_name":"S S"}"#)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        r#"<script nonce="n0nce">var stellar_member_state = {"access_token":"t","refresh_token":"r","sso_error":"","short_name":"\u003c/script\u003e","full_name":"S S"};</script>"#
    );
}

#[test]
fn mock_ovhcloud_answers_the_crates_client_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_partner"))
        .args(["mock", "ovhcloud"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    let base = info["base_url"].as_str().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let me: Value = rt.block_on(async {
        use partner_ovhcloud::{CredentialRequest, Endpoint, OvhClient};
        let app = OvhClient::builder(
            Endpoint::custom(&base).unwrap(),
            info["application_key"].as_str().unwrap(),
            info["application_secret"].as_str().unwrap(),
        )
        .build()
        .unwrap();
        let asked = app.request_credential(&CredentialRequest::read_only()).await.unwrap();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(&asked.validation_url)
            .send()
            .await
            .unwrap();
        app.for_customer(asked.consumer_key).get("/me").await.unwrap()
    });
    assert_eq!(me["nichandle"], "xx1234-ovh");

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    // Bounded wait for the exit (the process stops at once).
    let (tx, rx) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(10)) {
        Ok(status) => assert!(status.unwrap().success()),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            panic!("partner mock did not stop on SIGTERM");
        }
    }
}
