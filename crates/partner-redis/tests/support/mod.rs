//! A real `redis-server` for the tests: started on 127.0.0.1 on a free
//! port, in a directory of its own under the target's temporary directory,
//! stopped (and its directory removed) on drop.

#![allow(dead_code)] // each test binary uses part of it
#![allow(clippy::expect_used)] // a test harness: a missing peer is a failed test

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How long `redis-server` may take to say it is ready.
const READY_WITHIN: Duration = Duration::from_secs(20);

pub(crate) struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    aof: bool,
}

impl RedisServer {
    /// A server without persistence.
    pub(crate) fn start() -> Self {
        Self::start_with(false)
    }

    /// A server that appends every write to its AOF before answering
    /// (`appendfsync always`), so a restart keeps what was consumed.
    pub(crate) fn start_with_aof() -> Self {
        Self::start_with(true)
    }

    fn start_with(aof: bool) -> Self {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "redis-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let port = free_port();
        let mut server = RedisServer { child: None, port, dir, aof };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        self.spawn_with(&[]);
    }

    fn spawn_with(&mut self, extra: &[&str]) {
        let mut cmd = Command::new("redis-server");
        cmd.arg("--bind")
            .arg("127.0.0.1")
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(&self.dir)
            .arg("--save")
            .arg("")
            .arg("--protected-mode")
            .arg("yes")
            .arg("--appendonly")
            .arg(if self.aof { "yes" } else { "no" })
            .arg("--appendfsync")
            .arg("always")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("redis-server (run cargo xtask test to install it)");
        let stdout = child.stdout.take().expect("piped stdout");
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Read to the end, whatever the bytes: a reader that stopped
            // would leave the server writing its log into a closed pipe.
            for line in BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
                let line = String::from_utf8_lossy(&line);
                if line.contains("Ready to accept connections") {
                    let _ = ready_tx.send(());
                }
            }
        });
        ready_rx.recv_timeout(READY_WITHIN).expect("redis-server did not become ready");
        self.child = Some(child);
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGKILL: nothing is flushed that was not already).
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory (its AOF included).
    pub(crate) fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("bound").port()
}

/// A local Redis Cluster of three masters (no replicas), each a
/// `redis-server --cluster-enabled yes` in its own directory, joined by
/// `redis-cli --cluster create`; stopped on drop.
pub(crate) struct RedisCluster {
    nodes: Vec<RedisServer>,
}

/// How long the cluster may take to agree on its slots.
const CLUSTER_OK_WITHIN: Duration = Duration::from_secs(30);

impl RedisCluster {
    pub(crate) fn start() -> Self {
        let nodes: Vec<RedisServer> = (0..3).map(|_| RedisServer::start_cluster_node()).collect();
        let addresses: Vec<String> =
            nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)).collect();
        let out = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli (run cargo xtask test to install it)");
        assert!(out.status.success(), "redis-cli --cluster create failed");
        let cluster = RedisCluster { nodes };
        let deadline = std::time::Instant::now() + CLUSTER_OK_WITHIN;
        // Each look runs `redis-cli` three times, which paces the loop; it
        // is bounded in count and in time.
        for _ in 0..2_000 {
            let ok = cluster.nodes.iter().all(|n| {
                Command::new("redis-cli")
                    .args(["-p", &n.port.to_string(), "cluster", "info"])
                    .output()
                    .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("cluster_state:ok"))
            });
            if ok {
                return cluster;
            }
            assert!(std::time::Instant::now() < deadline, "the cluster did not reach state ok");
        }
        panic!("the cluster did not reach state ok");
    }

    /// The `redis://` URL of each node.
    pub(crate) fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The port of each node.
    pub(crate) fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(RedisServer::port).collect()
    }
}

impl RedisServer {
    fn start_cluster_node() -> Self {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "redis-cluster-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let port = free_port_with_bus();
        let mut server = RedisServer { child: None, port, dir, aof: false };
        server.spawn_with(&["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]);
        server
    }
}

/// A free port whose cluster bus port (`port + 10000`) is free too.
fn free_port_with_bus() -> u16 {
    for _ in 0..200 {
        let port = free_port();
        if port <= 55_535 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
    panic!("no free port pair for a cluster node");
}
