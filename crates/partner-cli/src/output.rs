//! Output helpers: terminal detection, colours, the one-line error, secrets.

use std::io::IsTerminal;
use std::path::PathBuf;

use partner_core::Secret;

/// An error for the user: one line, and the exit code.
#[derive(Debug)]
pub struct CliError {
    /// 1: a check failed (a signature did not verify, a demo step failed);
    /// 2: the input or the environment is wrong.
    pub code: u8,
    /// The one-line message (never a secret).
    pub message: String,
}

impl CliError {
    /// Bad input or environment: exit 2.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError { code: 2, message: message.into() }
    }

    /// A check that failed: exit 1.
    pub fn failed(message: impl Into<String>) -> Self {
        CliError { code: 1, message: message.into() }
    }
}

/// Whether stdout is a terminal (colours and alignment only then).
pub fn is_tty() -> bool {
    std::io::stdout().is_terminal()
}

/// `text` in green on a terminal.
pub fn green(text: &str) -> String {
    if is_tty() { format!("\x1b[32m{text}\x1b[0m") } else { text.to_owned() }
}

/// `text` in red on a terminal.
pub fn red(text: &str) -> String {
    if is_tty() { format!("\x1b[31m{text}\x1b[0m") } else { text.to_owned() }
}

/// Reads a secret from `file`, else the variable `env`, else `default_env`.
///
/// A file loses one trailing line break (LF or CRLF) and nothing else; a
/// variable is taken as set. Empty or white-space-only is refused (exit 2).
/// `partner --help` states the same rules.
pub fn read_secret(
    file: Option<&PathBuf>,
    env: Option<&str>,
    default_env: &str,
    what: &str,
) -> Result<Secret, CliError> {
    let (text, from) = if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::usage(format!("cannot read the {what} from {}: {e}", path.display()))
        })?;
        let text =
            text.strip_suffix('\n').map_or(text.as_str(), |t| t.strip_suffix('\r').unwrap_or(t));
        (text.to_owned(), format!("the file {}", path.display()))
    } else {
        let name = env.unwrap_or(default_env);
        match std::env::var(name) {
            Ok(v) => (v, format!("the variable {name}")),
            Err(_) => {
                return Err(CliError::usage(format!(
                    "no {what}: set {name} (or pass a --*-env NAME or --*-file PATH option for it)"
                )));
            }
        }
    };
    if text.trim().is_empty() {
        return Err(CliError::usage(format!(
            "the {what} in {from} is empty or white space only; an empty key is refused"
        )));
    }
    Ok(Secret::from(text))
}

/// The current Unix time, or `--now` when given (for reproducible checks).
pub fn now_or(now: Option<i64>) -> partner_core::UnixTime {
    use partner_core::Clock;
    now.map_or_else(|| partner_core::SystemClock.unix_time(), partner_core::UnixTime::from_secs)
}
