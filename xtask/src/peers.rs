//! The programs outside Rust that tests and the interop suite run against
//! our code, installed pinned by `cargo xtask test`:
//!
//! - Debian packages (Node.js and npm, PHP's command line, Python's venv,
//!   Chromium and its WebDriver `chromedriver`, `redis-server`) with `apt-get`
//!   when running as root; otherwise the exact command to run is printed;
//! - Python packages from `tests/interop/requirements.txt` into a virtual
//!   environment under `target/peers/venv`;
//! - npm packages from `tests/interop/package.json` and its lockfile into
//!   `target/peers/node` (`npm ci`).
//!
//! A stamp file next to each holds the hash of what was installed from, so
//! a second run installs nothing.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a console runner

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Where the peers live and how tests find them.
#[derive(Debug, Clone)]
pub struct Peers {
    /// The virtual environment's Python.
    pub python: PathBuf,
    /// `node_modules` of the npm packages.
    pub node_modules: PathBuf,
    /// Chromium's executable, as found on `PATH`.
    pub chromium: Option<PathBuf>,
    /// `chromedriver` (Debian `chromium-driver`), as found on `PATH`.
    pub chromedriver: Option<PathBuf>,
}

impl Peers {
    /// The environment a test or interop script runs with:
    /// `PARTNER_PYTHON`, `NODE_PATH`, `PATH` with the venv first, and
    /// `PORTAL_CHROMIUM` / `PORTAL_CHROMEDRIVER` (the portal's browser test)
    /// when found.
    pub fn env(&self) -> Vec<(String, std::ffi::OsString)> {
        let mut path = std::ffi::OsString::from(self.python.parent().unwrap_or(Path::new(".")));
        if let Some(old) = std::env::var_os("PATH") {
            path.push(":");
            path.push(old);
        }
        let mut env = vec![
            ("PARTNER_PYTHON".to_owned(), self.python.clone().into()),
            ("NODE_PATH".to_owned(), self.node_modules.clone().into()),
            ("PATH".to_owned(), path),
        ];
        if let Some(chromium) = &self.chromium {
            env.push(("PORTAL_CHROMIUM".to_owned(), chromium.clone().into()));
        }
        if let Some(chromedriver) = &self.chromedriver {
            env.push(("PORTAL_CHROMEDRIVER".to_owned(), chromedriver.clone().into()));
        }
        env
    }
}

/// Why the peers are not ready.
#[derive(Debug)]
pub enum PeerError {
    /// Debian packages are missing and this is not root: run this command.
    NeedsRoot(String),
    /// An installation step failed.
    Failed(String),
}

/// Debian packages: (shell check that passes when present, package).
const DEBIAN: &[(&str, &str)] = &[
    ("command -v node", "nodejs"),
    ("command -v npm", "npm"),
    ("command -v php", "php-cli"),
    ("python3 -c 'import venv, ensurepip'", "python3-venv"),
    ("command -v chromium || command -v chromium-browser", "chromium"),
    ("command -v chromedriver", "chromium-driver"),
    ("command -v redis-server", "redis-server"),
];

/// Whether the shell check `check` passes.
fn passes(check: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("({check}) >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

/// The packages of `checks` whose shell check fails.
fn missing<'a>(checks: &[(&str, &'a str)]) -> Vec<&'a str> {
    checks.iter().filter(|(check, _)| !passes(check)).map(|(_, pkg)| *pkg).collect()
}

fn found(command: &str) -> bool {
    passes(&format!("command -v {command}"))
}

/// The path of the first of `commands` found on `PATH`.
fn locate(commands: &[&str]) -> Option<PathBuf> {
    commands.iter().find_map(|command| {
        let out =
            Command::new("sh").args(["-c", &format!("command -v {command}")]).output().ok()?;
        let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        (out.status.success() && path.starts_with('/')).then(|| PathBuf::from(path))
    })
}

fn run(what: &str, cmd: &mut Command) -> Result<(), PeerError> {
    let status = cmd.status().map_err(|e| PeerError::Failed(format!("{what}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(PeerError::Failed(format!("{what} failed ({status})")))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A short hash of `files`' contents, to know whether they changed.
fn stamp_of(files: &[&Path]) -> Result<String, PeerError> {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    for file in files {
        let bytes = std::fs::read(file)
            .map_err(|e| PeerError::Failed(format!("cannot read {}: {e}", file.display())))?;
        hasher.update(&bytes);
    }
    Ok(hex::encode(&hasher.finalize()[..8]))
}

fn up_to_date(stamp_file: &Path, stamp: &str) -> bool {
    std::fs::read_to_string(stamp_file).is_ok_and(|s| s.trim() == stamp)
}

/// Installs what is missing; one line per peer on stderr with what was
/// done and how long it took.
pub fn provision(workspace: &Path, target: &Path) -> Result<Peers, PeerError> {
    let interop = workspace.join("tests").join("interop");
    let base = target.join("peers");
    std::fs::create_dir_all(&base)
        .map_err(|e| PeerError::Failed(format!("cannot create {}: {e}", base.display())))?;

    let started = Instant::now();
    let missing = missing(DEBIAN);
    if missing.is_empty() {
        let names: Vec<&str> = DEBIAN.iter().map(|(_, pkg)| *pkg).collect();
        eprintln!("peers: Debian packages present ({})", names.join(", "));
    } else {
        let command = format!(
            "apt-get update && apt-get install -y --no-install-recommends {}",
            missing.join(" ")
        );
        if !is_root() {
            return Err(PeerError::NeedsRoot(format!("sudo sh -c '{command}'")));
        }
        run(
            "apt-get",
            Command::new("sh").args(["-c", &format!("DEBIAN_FRONTEND=noninteractive {command}")]),
        )?;
        eprintln!(
            "peers: installed {} with apt-get in {:.1} s",
            missing.join(", "),
            started.elapsed().as_secs_f64()
        );
    }

    let started = Instant::now();
    let venv = base.join("venv");
    let requirements = interop.join("requirements.txt");
    let stamp = stamp_of(&[&requirements])?;
    let python = venv.join("bin").join("python");
    if up_to_date(&venv.join(".stamp"), &stamp) && python.exists() {
        eprintln!("peers: Python packages up to date in {}", venv.display());
    } else {
        let system_python = if found("python3") { "python3" } else { "python" };
        run(
            "python3 -m venv",
            Command::new(system_python).args(["-m", "venv", "--clear"]).arg(&venv),
        )?;
        run(
            "pip install",
            Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(&requirements),
        )?;
        std::fs::write(venv.join(".stamp"), &stamp)
            .map_err(|e| PeerError::Failed(e.to_string()))?;
        eprintln!(
            "peers: installed {} into {} in {:.1} s",
            requirements.display(),
            venv.display(),
            started.elapsed().as_secs_f64()
        );
    }

    let started = Instant::now();
    let node = base.join("node");
    let manifest = interop.join("package.json");
    let lock = interop.join("package-lock.json");
    let stamp = stamp_of(&[&manifest, &lock])?;
    let node_modules = node.join("node_modules");
    if up_to_date(&node.join(".stamp"), &stamp) && node_modules.exists() {
        eprintln!("peers: npm packages up to date in {}", node.display());
    } else {
        std::fs::create_dir_all(&node).map_err(|e| PeerError::Failed(e.to_string()))?;
        for file in [&manifest, &lock] {
            let name = file.file_name().unwrap_or_default();
            std::fs::copy(file, node.join(name))
                .map_err(|e| PeerError::Failed(format!("cannot copy {}: {e}", file.display())))?;
        }
        run(
            "npm ci",
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--silent"])
                .current_dir(&node),
        )?;
        std::fs::write(node.join(".stamp"), &stamp)
            .map_err(|e| PeerError::Failed(e.to_string()))?;
        eprintln!(
            "peers: installed {} with npm ci in {:.1} s",
            manifest.display(),
            started.elapsed().as_secs_f64()
        );
    }
    let chromium = locate(&["chromium", "chromium-browser"]);
    let chromedriver = locate(&["chromedriver"]);
    Ok(Peers { python, node_modules, chromium, chromedriver })
}

#[cfg(test)]
mod tests {
    use super::{DEBIAN, Peers, locate, missing};
    use std::path::PathBuf;

    #[test]
    fn the_browser_paths_reach_the_tests() {
        let peers = Peers {
            python: PathBuf::from("/venv/bin/python"),
            node_modules: PathBuf::from("/node/node_modules"),
            chromium: Some(PathBuf::from("/usr/bin/chromium")),
            chromedriver: Some(PathBuf::from("/usr/bin/chromedriver")),
        };
        let env = peers.env();
        let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!(get("PORTAL_CHROMIUM"), Some("/usr/bin/chromium".into()));
        assert_eq!(get("PORTAL_CHROMEDRIVER"), Some("/usr/bin/chromedriver".into()));
        let none = Peers { chromium: None, chromedriver: None, ..peers };
        assert!(none.env().iter().all(|(k, _)| !k.starts_with("PORTAL_")));
    }

    #[test]
    fn missing_packages_are_told_by_their_check() {
        let checks = [
            ("command -v sh", "present"),
            ("command -v no-such-command-xyz", "absent"),
            ("command -v no-such-command-xyz || command -v sh", "either"),
            ("python3 -c 'import no_such_module_xyz'", "module"),
        ];
        assert_eq!(missing(&checks), ["absent", "module"]);
        assert!(DEBIAN.contains(&("command -v chromedriver", "chromium-driver")));
    }

    #[test]
    fn commands_are_located_on_path() {
        assert_eq!(locate(&["no-such-command-xyz", "sh"]).map(|p| p.is_absolute()), Some(true));
        assert_eq!(locate(&["no-such-command-xyz"]), None);
    }
}
