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
    // The public sso-link vector of docs/conformance.md (Python hmac).
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

    let claims =
        TempFile::new("claims.json", br#"{"accountid":123,"api_key":"k","iat":1700000000}"#);
    let t = partner(&["blendr", "jwt", "--claims-file", claims.path()], &env);
    assert!(t.status.success(), "{}", stderr(&t));
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
    assert_eq!(stderr(&bad).trim(), "error: signature mismatch (bad-signature)");
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
    // The public launch-url vector of docs/conformance.md (Python hmac).
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
        use partner_ovhcloud::{CredentialRequest, OvhClient};
        let app = OvhClient::builder(
            info["application_key"].as_str().unwrap(),
            info["application_secret"].as_str().unwrap(),
        )
        .base_url(base.clone())
        .build()
        .unwrap();
        let asked = app.request_credential(&CredentialRequest::read_only()).await.unwrap();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(&asked.validation_url)
            .form(&[("action", "authorize")])
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

/// A file under the target directory with `content`, removed on drop.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, content: &[u8]) -> Self {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join(format!("{}-{name}", std::process::id()));
        std::fs::write(&path, content).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// Security finding 1: an empty key file verified a link anyone can forge.
#[test]
fn empty_or_blank_keys_are_refused_with_exit_2() {
    let now = "1700000000";
    let query = format!("accountid=admin&timestamp={now}");
    let hash = partner_core::encoding::hex_encode(partner_core::crypto::hmac_sha256(
        b"",
        query.as_bytes(),
    ));
    let url = format!("https://acme.admin.blendr.io/sso?{query}&hash={hash}");
    for (name, content) in
        [("empty", &b""[..]), ("newline", b"\n"), ("crlf", b"\r\n"), ("blank", b" \t \n")]
    {
        let key = TempFile::new(&format!("key-{name}"), content);
        let o =
            partner(&["blendr", "verify", &url, "--now", now, "--api-key-file", key.path()], &[]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stdout(&o));
        assert!(!stdout(&o).contains("valid"), "{name}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("empty or white space only"), "{err}");
    }
    for value in ["", "   ", "\t"] {
        let o = partner(&["blendr", "verify", &url, "--now", now], &[("BLENDR_API_KEY", value)]);
        assert_eq!(o.status.code(), Some(2), "{value:?}");
        assert!(stderr(&o).contains("BLENDR_API_KEY"), "{}", stderr(&o));
    }
    // Every tool that reads a key refuses an empty one the same way.
    let empty = TempFile::new("key-any", b"");
    for args in [
        &[
            "ovhcloud",
            "sign",
            "--method",
            "GET",
            "--url",
            "https://eu.api.ovh.com/1.0/me",
            "--app-secret-file",
            empty.path(),
            "--consumer-key-file",
            empty.path(),
        ][..],
        &[
            "teapplix",
            "verify",
            "https://app.teapplix.com/h/a/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00",
            "--signature-key-file",
            empty.path(),
        ],
        &["cloud66", "decode", "--multipass", "AAAA", "--key-file", empty.path()],
        &[
            "cloud66",
            "decode",
            "--multipass",
            "AAAA",
            "--site-key",
            "site",
            "--key-file",
            empty.path(),
        ],
    ] {
        let o = partner(args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("empty or white space only"), "{args:?}: {}", stderr(&o));
    }
}

// The documented treatment of a key file: one trailing line break goes,
// nothing else is trimmed.
#[test]
fn a_key_file_loses_one_line_break_only() {
    let env_key = partner(
        &["teapplix", "launch-url", "--vhost", "demo2", "--ts", "1483257600", "--json"],
        &[("TEAPPLIX_SIGNATURE_KEY", "Signature Key"), ("TEAPPLIX_ACCESS_TOKEN", "AccessToken")],
    );
    let expected: Value = serde_json::from_str(&stdout(&env_key)).unwrap();
    for (content, same) in [
        (&b"Signature Key\n"[..], true),
        (b"Signature Key\r\n", true),
        (b"Signature Key", true),
        (b"Signature Key\n\n", false),
        (b" Signature Key\n", false),
    ] {
        let key = TempFile::new("launch-key", content);
        let o = partner(
            &[
                "teapplix",
                "launch-url",
                "--vhost",
                "demo2",
                "--ts",
                "1483257600",
                "--json",
                "--signature-key-file",
                key.path(),
            ],
            &[("TEAPPLIX_ACCESS_TOKEN", "AccessToken")],
        );
        let got: Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(got == expected, same, "{content:?}");
    }
}

// Security finding 2: the unsigned gem scheme told bad padding from bad JSON.
#[test]
fn entp_decode_gives_one_answer_for_every_decryption_failure() {
    use partner_core::crypto::hazmat::aes128_cbc_encrypt;
    let (site, api) = ("my_site_key", "my_super_secret_key_shh");
    let key: [u8; 16] =
        partner_core::crypto::sha1(format!("{api}{site}").as_bytes())[..16].try_into().unwrap();
    let gem = |ct: &[u8]| partner_core::encoding::base64url_encode(ct);
    let good = aes128_cbc_encrypt(&key, &[0; 16], br#"{"email":"a@b.co","expires":1}"#);
    let mut bad_padding = good.clone();
    let n = bad_padding.len();
    bad_padding[n - 17] ^= 0x01;
    let tokens = [
        gem(&aes128_cbc_encrypt(&key, &[0; 16], b"not json")),
        gem(&aes128_cbc_encrypt(&key, &[0; 16], b"[1,2]")),
        gem(&bad_padding),
        gem(&good[..16]),
    ];
    let mut answers = Vec::new();
    for token in &tokens {
        let o = partner(
            &["cloud66", "decode", "--site-key", site, "--multipass", token, "--now", "0"],
            &[("CLOUD66_API_KEY", api)],
        );
        assert_eq!(o.status.code(), Some(1));
        answers.push(stderr(&o));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].trim(), "error: signature mismatch (bad-signature)");
}

// Security finding 7: base64url tokens may begin with `-`.
#[test]
fn values_that_begin_with_a_dash_are_accepted() {
    let o = partner(
        &[
            "cloud66",
            "decode",
            "--multipass",
            "-2qCAAAAAAAAAAAAAAAAAA",
            "--signature",
            "-00",
            "--now",
            "-5",
        ],
        &[("CLOUD66_PROVIDER_UID", "3f7a1c9e5b2d4f6081a2c3e4f5061728")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("(bad-signature)"), "{}", stderr(&o));
    let o = partner(&["teapplix", "verify", "-not-a-url"], &[("TEAPPLIX_SIGNATURE_KEY", "k")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!stderr(&o).contains("unexpected argument"));
}

// Security finding 7: no help text shows a secret on the command line.
#[test]
fn help_never_puts_a_secret_on_the_command_line() {
    let o = partner(&["blendr", "jwt", "--claims", "{}"], &[("BLENDR_API_KEY", "k")]);
    assert_eq!(o.status.code(), Some(2), "claims come from a file, not the command line");
    for command in [
        &["--help"][..],
        &["blendr", "jwt", "--help"],
        &["blendr", "link", "--help"],
        &["blendr", "verify", "--help"],
        &["ovhcloud", "sign", "--help"],
        &["cloud66", "decode", "--help"],
        &["cloud66", "encode", "--help"],
        &["teapplix", "launch-url", "--help"],
        &["teapplix", "verify", "--help"],
        &["cheetah", "member-state", "--help"],
    ] {
        let help = stdout(&partner(command, &[]));
        assert!(help.contains("Example"), "{command:?}");
        for leak in ["api_key", "apikey", "secret\":", "_KEY=", "_SECRET=", "_UID=", "_TOKEN="] {
            assert!(!help.contains(leak), "{command:?} shows {leak}: {help}");
        }
    }
}

// Security finding 5: a credential signed into a plain hash link.
#[test]
fn hash_links_carry_documented_and_declared_names_only() {
    let env = [("BLENDR_API_KEY", "saaspartner_api_key")];
    let link = |extra: &[&str]| {
        let mut args = vec![
            "blendr",
            "link",
            "--base-url",
            "https://acme.admin.blendr.io/sso",
            "--param",
            "accountid=1",
            "--timestamp",
            "1700000000",
        ];
        args.extend_from_slice(extra);
        partner(&args, &env)
    };
    for name in [
        "apikey",
        "api_key",
        "access_key",
        "client_key",
        "pwd",
        "auth",
        "session",
        "passphrase",
        "otp",
        "plan",
    ] {
        let param = format!("{name}=secret");
        let o = link(&["--param", &param]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stdout(&o));
        assert!(stdout(&o).is_empty(), "{name}: no link is printed");
        assert!(stderr(&o).contains("--allow-param NAME"), "{name}: {}", stderr(&o));
    }
    // Declared non-secret: signed, and the verifier takes it only when declared too.
    let o = link(&["--param", "plan=gold", "--allow-param", "plan"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let url = stdout(&o).trim().to_owned();
    let v = partner(&["blendr", "verify", &url, "--now", "1700000000"], &env);
    assert_eq!(v.status.code(), Some(1), "an undeclared name is refused by the verifier");
    assert!(stderr(&v).contains("(unsafe-input)"), "{}", stderr(&v));
    let v =
        partner(&["blendr", "verify", &url, "--now", "1700000000", "--allow-param", "plan"], &env);
    assert!(v.status.success(), "{}", stderr(&v));
}
