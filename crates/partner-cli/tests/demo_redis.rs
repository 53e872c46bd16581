//! `partner demo --redis URL` against a real `redis-server` on a free port.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// `redis-server` without persistence, killed on drop.
struct Redis(std::process::Child, u16);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn redis() -> Redis {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new("redis-server")
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server (run cargo xtask test to install it)");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
            if String::from_utf8_lossy(&line).contains("Ready to accept connections") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20)).expect("redis-server ready");
    Redis(child, port)
}

#[test]
#[ignore = "needs redis-server: run cargo xtask test"]
fn the_demo_runs_its_fleet_steps_on_redis() {
    let server = redis();
    let out = Command::new(env!("CARGO_BIN_EXE_partner"))
        .args(["demo", "--json", "--redis", &format!("redis://127.0.0.1:{}", server.1)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["failed"], 0);
    let fleet: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["step"].as_str())
        .filter(|s| s.starts_with("redis: "))
        .collect();
    assert_eq!(fleet.len(), 11, "{fleet:?}");
    assert!(fleet.iter().any(|s| s.contains("refuses the same launch URL")));

    // Redis is not there: the demo says so and fails.
    drop(server);
    let out = Command::new(env!("CARGO_BIN_EXE_partner"))
        .args(["demo", "--redis", "redis://127.0.0.1:1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("redis"));
}
